"""Account writes: registration, real-name verification, role sync, staff scope."""

from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.exceptions import AlreadyVerified, IdNumberTaken, MobileTaken
from accounts.models import BuyerProfile, StaffProfile, User
from accounts.roles import BUYER, ROLES, role_permissions
from audit.services import audit_record


@transaction.atomic
def buyer_register(*, mobile: str, password: str) -> User:
    """Create a buyer account signed in by mobile number; the number must be new."""
    if User.objects.filter(mobile=mobile).exists() or User.objects.filter(username=mobile).exists():
        raise MobileTaken()
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=mobile, mobile=mobile, password=password)
    except IntegrityError:
        raise MobileTaken() from None
    BuyerProfile.objects.create(user=user)
    user.groups.add(Group.objects.get_or_create(name=ROLES[BUYER].name)[0])
    audit_record(actor=user, action="accounts.buyer.registered", target=user, after={"mobile": mobile})
    return user


@transaction.atomic
def buyer_verify_identity(*, user: User, real_name: str, id_number: str) -> BuyerProfile:
    """Record the buyer's real name and resident ID (validated by the form), once."""
    profile = BuyerProfile.objects.select_for_update().get(user=user)
    if profile.verified_at is not None:
        raise AlreadyVerified()
    id_number = id_number.strip().upper()
    if BuyerProfile.objects.filter(id_number=id_number).exclude(pk=profile.pk).exists():
        raise IdNumberTaken()
    profile.real_name, profile.id_number, profile.verified_at = real_name.strip(), id_number, timezone.now()
    try:
        with transaction.atomic():
            profile.save(update_fields=["real_name", "id_number", "verified_at"])
    except IntegrityError:
        raise IdNumberTaken() from None
    audit_record(
        actor=user,
        action="accounts.buyer.verified",
        target=profile,
        after={"real_name": real_name, "id_number": id_number},
    )
    return profile


@transaction.atomic
def roles_sync() -> dict[str, int]:
    """Make each role's group hold exactly the declared permissions; returns permission counts."""
    counts = {}
    declared = role_permissions()
    for role in ROLES.values():
        group, _ = Group.objects.get_or_create(name=role.name)
        permissions = []
        for dotted in declared[role.code]:
            app_label, codename = dotted.split(".", 1)
            try:
                permissions.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
            except Permission.DoesNotExist:
                raise LookupError(f"role {role.code} names {dotted}, which no model declares") from None
        group.permissions.set(permissions)
        counts[role.code] = len(permissions)
    return counts


@transaction.atomic
def staff_create(
    *, actor: User | None, username: str, password: str, full_name: str, role_codes: list[str], project_ids=()
) -> User:
    """Create a staff user with roles and data scope (used by demo data and the admin)."""
    user = User.objects.create_user(username=username, password=password, is_staff=True, first_name=full_name)
    user.groups.set(Group.objects.filter(name__in=[ROLES[code].name for code in role_codes]))
    profile = StaffProfile.objects.create(user=user, all_projects=not project_ids)
    profile.projects.set(project_ids)
    audit_record(
        actor=actor,
        action="accounts.staff.created",
        target=user,
        after={"username": username, "roles": role_codes, "projects": list(project_ids)},
    )
    return user
