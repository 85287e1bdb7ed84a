"""Demo accounts: one staff account per role and three buyers, all through accounts.services."""

from dataclasses import dataclass

from accounts import services as account_services
from accounts.models import User
from accounts.roles import ADMINISTRATOR, AUDITOR, CONSULTANT, FINANCE, SALES_MANAGER, role_name
from audit.services import audit_record
from shuchang.core.validators import id_number_check_char

# One obvious password for every demo account (README lists the accounts). Never used outside the demo.
DEMO_PASSWORD = "shuchang2026"  # noqa: S105 — the documented demo password, printed in README on purpose


@dataclass(frozen=True)
class StaffSpec:
    username: str
    full_name: str
    role: str
    department: str
    title: str
    phone: str
    first_project_only: bool = False


STAFF = (
    StaffSpec("admin", "王建国", ADMINISTRATOR, "信息部", "信息部经理（系统管理员）", "0571-8826 8801"),
    StaffSpec("manager", "陈晓峰", SALES_MANAGER, "销售部", "销售经理", "0571-8826 8802"),
    StaffSpec("finance", "刘芳", FINANCE, "财务部", "财务主管", "0571-8826 8803"),
    StaffSpec("auditor", "赵敏", AUDITOR, "财务部", "内审专员", "0571-8826 8804"),
    # The consultant works one project only: the demo shows data scope at work.
    StaffSpec("consultant", "李娜", CONSULTANT, "销售部", "置业顾问", "0571-8826 8805", first_project_only=True),
)


@dataclass(frozen=True)
class BuyerSpec:
    mobile: str
    real_name: str = ""
    id_first17: str = ""  # the check character is computed, so the number always validates

    @property
    def id_number(self) -> str:
        return self.id_first17 + id_number_check_char(self.id_first17) if self.id_first17 else ""


BUYERS = (
    BuyerSpec("13800138000", "张伟", "33010619880315123"),
    BuyerSpec("13900139000", "王丽", "33010819920708246"),
    BuyerSpec("13700137000"),  # registered, not yet verified: cannot join an opening
)


def build_roles(ctx) -> None:
    """Role groups exist before anyone is given one (`make run` also runs sync_roles; this is idempotent)."""
    account_services.roles_sync()


def _staff_create(ctx, spec: StaffSpec, project_ids=()) -> User:
    user = account_services.staff_create(
        actor=ctx.staff.get("admin"),
        username=spec.username,
        password=DEMO_PASSWORD,
        full_name=spec.full_name,
        role_codes=[spec.role],
        project_ids=project_ids,
    )
    ctx.staff[spec.username] = user
    ctx.count("staff")
    return user


def _grant_superuser(*, user: User, reason: str) -> None:
    # accounts has no service for this yet; it is a demo convenience, logged like any other write.
    User.objects.filter(pk=user.pk).update(is_superuser=True)
    user.is_superuser = True
    audit_record(
        actor=None,
        action="accounts.staff.superuser_granted",
        target=user,
        before={"is_superuser": False},
        after={"is_superuser": True},
        data={"reason": reason},
    )


def build_staff(ctx) -> None:
    """Staff who act on every project: administrator (also superuser), sales manager, finance, auditor."""
    for spec in STAFF:
        if spec.first_project_only:
            continue
        user = _staff_create(ctx, spec)
        if spec.role == ADMINISTRATOR:
            _grant_superuser(user=user, reason="演示数据：系统管理员可在后台查看全部数据")


def build_scoped_staff(ctx) -> None:
    """Staff limited to the first demo project (needs the projects to exist)."""
    for spec in STAFF:
        if spec.first_project_only:
            _staff_create(ctx, spec, project_ids=[ctx.projects[0].pk])


def build_buyers(ctx) -> None:
    """Buyers register by mobile number; two of them have verified their real name."""
    for spec in BUYERS:
        user = account_services.buyer_register(mobile=spec.mobile, password=DEMO_PASSWORD)
        if spec.real_name:
            account_services.buyer_verify_identity(user=user, real_name=spec.real_name, id_number=spec.id_number)
        ctx.buyers.append(user)
        ctx.count("buyers")


def staff_table() -> list[tuple[str, str]]:
    """(role name, login) of each demo staff account, for the command's closing message."""
    return [(role_name(spec.role), spec.username) for spec in STAFF]
