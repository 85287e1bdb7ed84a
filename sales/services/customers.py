"""Customer writes (客户管理): register, assign a consultant, add follow-up notes."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.services import audit_record, snapshot
from sales import permissions
from sales.exceptions import CustomerInvalid
from sales.models import Customer, CustomerSource, FollowUp, FollowUpMethod
from shuchang.core.validators import validate_mobile, validate_resident_id

_AUDITED_FIELDS = ["name", "mobile", "id_number", "consultant_id", "source", "note", "user_id"]


def _validate_consultant(consultant, project_id: int) -> None:
    if consultant is None:
        return
    if not consultant.is_staff or not consultant.is_active or not permissions.in_scope(consultant, project_id):
        raise CustomerInvalid("所选置业顾问不负责该楼盘")


def _validate(customer: Customer) -> None:
    customer.name = (customer.name or "").strip()
    customer.mobile = (customer.mobile or "").strip()
    customer.id_number = (customer.id_number or "").strip().upper()
    if not customer.name:
        raise CustomerInvalid("请填写客户姓名")
    try:
        validate_mobile(customer.mobile)
        if customer.id_number:
            validate_resident_id(customer.id_number)
    except ValidationError as exc:
        raise CustomerInvalid(exc.messages[0]) from None
    if customer.source not in CustomerSource.values:
        raise CustomerInvalid("请选择客户来源")
    duplicate = Customer.objects.filter(project_id=customer.project_id, mobile=customer.mobile)
    if customer.pk:
        duplicate = duplicate.exclude(pk=customer.pk)
    if duplicate.exists():
        raise CustomerInvalid("该手机号已登记为本楼盘客户，请在原客户下添加跟进记录")


def customer_validate(customer: Customer) -> None:
    """Raise CustomerInvalid if `customer` may not be saved as it is (forms call this)."""
    _validate(customer)
    _validate_consultant(customer.consultant, customer.project_id)


@transaction.atomic
def customer_save(*, customer: Customer, actor) -> Customer:
    """Create or update a customer after checking the actor may, and the data is sound.

    A consultant who may not see all customers becomes the consultant of a customer they
    register, so it stays visible to them.
    """
    is_new = customer.pk is None
    if is_new:
        if not (actor.has_perm("sales.add_customer") and permissions.in_scope(actor, customer.project_id)):
            raise CustomerInvalid("您无权在该楼盘登记客户")
        if customer.consultant_id is None and not permissions.can_see_all_customers(actor):
            customer.consultant = actor
        customer.created_by = actor
        before = None
    else:
        stored = Customer.objects.select_for_update().get(pk=customer.pk)
        if not (actor.has_perm("sales.change_customer") and permissions.can_work_on_customer(actor, stored)):
            raise CustomerInvalid("您无权修改该客户")
        if stored.project_id != customer.project_id:
            raise CustomerInvalid("客户所属楼盘不能修改")
        if stored.consultant_id != customer.consultant_id and not permissions.can_see_all_customers(actor):
            raise CustomerInvalid("只有销售经理可以调整客户的置业顾问")
        before = snapshot(stored, _AUDITED_FIELDS)
    _validate(customer)
    _validate_consultant(customer.consultant, customer.project_id)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        raise CustomerInvalid("该手机号已登记为本楼盘客户，请在原客户下添加跟进记录") from None
    audit_record(
        actor=actor,
        action="sales.customer.created" if is_new else "sales.customer.changed",
        target=customer,
        before=before,
        after=snapshot(customer, _AUDITED_FIELDS),
    )
    return customer


def customer_create(
    *,
    project,
    actor,
    name: str,
    mobile: str,
    id_number: str = "",
    source: str = CustomerSource.VISIT,
    consultant=None,
    user=None,
    note: str = "",
) -> Customer:
    """Register a customer of `project` (see `customer_save` for the rules)."""
    customer = Customer(
        project=project,
        name=name,
        mobile=mobile,
        id_number=id_number,
        source=source,
        consultant=consultant,
        user=user,
        note=note,
    )
    return customer_save(customer=customer, actor=actor)


@transaction.atomic
def customer_assign(*, customer: Customer, consultant, actor) -> Customer:
    """Give the customer to another consultant (sales managers only)."""
    if not (permissions.can_see_all_customers(actor) and permissions.in_scope(actor, customer.project_id)):
        raise CustomerInvalid("只有销售经理可以分配客户")
    _validate_consultant(consultant, customer.project_id)
    previous = customer.consultant_id
    Customer.objects.filter(pk=customer.pk).update(consultant=consultant)
    customer.consultant = consultant
    audit_record(
        actor=actor,
        action="sales.customer.assigned",
        target=customer,
        before={"consultant_id": previous},
        after={"consultant_id": consultant.pk if consultant else None},
    )
    return customer


@transaction.atomic
def customer_add_follow_up(
    *,
    customer: Customer,
    actor,
    content: str,
    method: str = FollowUpMethod.PHONE,
    next_follow_up_on: date | None = None,
) -> FollowUp:
    """Append a follow-up note to a customer the actor works on."""
    if not (actor.has_perm("sales.add_followup") and permissions.can_work_on_customer(actor, customer)):
        raise CustomerInvalid("您无权跟进该客户")
    content = (content or "").strip()
    if not content:
        raise CustomerInvalid("请填写跟进内容")
    if method not in FollowUpMethod.values:
        raise CustomerInvalid("请选择跟进方式")
    follow_up = FollowUp.objects.create(
        customer=customer, author=actor, method=method, content=content, next_follow_up_on=next_follow_up_on
    )
    audit_record(
        actor=actor,
        action="sales.customer.followed_up",
        target=customer,
        data={"follow_up": follow_up.pk, "method": method, "next_follow_up_on": next_follow_up_on},
    )
    return follow_up


def customer_ensure_for_buyer(*, project_id: int, buyer, actor) -> Customer | None:
    """The project's customer record of a buyer, linked or created (called when an order is reserved).

    Runs inside the caller's transaction; an existing record with the buyer's mobile is linked.
    Returns None rather than fail when the record cannot be made: it must never block a payment.
    """
    customer = Customer.objects.filter(project_id=project_id, user=buyer).first()
    if customer is not None:
        return customer
    customer = Customer.objects.filter(project_id=project_id, mobile=buyer.mobile, user__isnull=True).first()
    if customer is not None:
        Customer.objects.filter(pk=customer.pk).update(user=buyer)
        customer.user = buyer
        audit_record(actor=actor, action="sales.customer.linked", target=customer, data={"user_id": buyer.pk})
        return customer
    profile = getattr(buyer, "buyer_profile", None)
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                project_id=project_id,
                user=buyer,
                name=(profile.real_name if profile else "") or buyer.mobile,
                mobile=buyer.mobile,
                id_number=profile.id_number if profile else "",
                source=CustomerSource.ONLINE,
                created_by=None,
            )
    except IntegrityError:
        return None  # the mobile belongs to another account's record: staff sort that out by hand
    audit_record(
        actor=actor, action="sales.customer.created", target=customer, after=snapshot(customer, _AUDITED_FIELDS)
    )
    return customer
