"""Sales reads. `*_for_user` selectors start from what the user may see; a stranger gets 404.

Rules of visibility (decided here, documented in docs/sales.md):
* Buyers see their own orders, registrations and coupons, and published openings.
* Staff see the projects of their data scope (accounts.scope). Within it, customers are
  restricted further: a user without `sales.view_all_customers` (a consultant) sees only the
  customers assigned to them. Orders are not restricted that way: at the sales office any
  consultant may need to look up any order of their projects.
* Reading a pending order whose hold is over expires it first (lazy expiry).
"""

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.scope import filter_by_scope
from sales import permissions
from sales.models import (
    ACTIVE_ORDER_STATUSES,
    Coupon,
    Customer,
    Opening,
    Order,
    OrderStatus,
    Registration,
    SalesChange,
    SalesChangeStatus,
    Scheme,
)
from sales.services.orders import order_expire_if_overdue
from shuchang.core.masking import mask_mobile, mask_name

# ---- customers -------------------------------------------------------------------------------


def customer_list_for_user(
    user,
    *,
    search: str = "",
    project_id: int | None = None,
    consultant_id: int | None = None,
    source: str = "",
) -> QuerySet[Customer]:
    """The customers `user` may see, filtered; search matches name, mobile or ID number."""
    if not user.is_authenticated or not user.is_staff or not user.has_perm("sales.view_customer"):
        return Customer.objects.none()
    customers = filter_by_scope(Customer.objects.all(), user)
    if not permissions.can_see_all_customers(user):
        customers = customers.filter(consultant=user)
    search = (search or "").strip()
    if search:
        customers = customers.filter(
            Q(name__icontains=search) | Q(mobile__contains=search) | Q(id_number__iexact=search)
        )
    if project_id:
        customers = customers.filter(project_id=project_id)
    if consultant_id:
        customers = customers.filter(consultant_id=consultant_id)
    if source:
        customers = customers.filter(source=source)
    return customers.select_related("project", "consultant").order_by("-id")


def customer_get_for_user(user, pk: int) -> Customer:
    customer = customer_list_for_user(user).filter(pk=pk).first()
    if customer is None:
        raise Http404("客户不存在")
    return customer


def customer_detail(customer: Customer) -> dict:
    """The customer page's data: follow-ups (newest first) and orders."""
    orders = Q(customer=customer)
    if customer.user_id:
        orders |= Q(buyer_id=customer.user_id, project_id=customer.project_id)
    return {
        "customer": customer,
        "follow_ups": list(customer.follow_ups.select_related("author").order_by("-id")),
        "orders": list(Order.objects.filter(orders).select_related("unit").order_by("-id")),
    }


# ---- orders ---------------------------------------------------------------------------------


def order_list_for_user(
    user, *, status: str = "", project_id: int | None = None, opening_id: int | None = None
) -> QuerySet[Order]:
    """A buyer's own orders, or the orders of a staff user's projects."""
    if not user.is_authenticated:
        return Order.objects.none()
    if user.is_staff:
        if not user.has_perm("sales.view_order"):
            return Order.objects.none()
        orders = filter_by_scope(Order.objects.all(), user)
    else:
        orders = Order.objects.filter(buyer=user)
    if status:
        orders = orders.filter(status=status)
    if project_id:
        orders = orders.filter(project_id=project_id)
    if opening_id:
        orders = orders.filter(opening_id=opening_id)
    return orders.select_related("unit", "project").order_by("-id")


def order_get_for_user(user, pk: int) -> Order:
    """One order the user may see (404 otherwise), expired first if its hold is over."""
    order = order_list_for_user(user).filter(pk=pk).first()
    if order is None:
        raise Http404("订单不存在")
    return order_expire_if_overdue(order)


def order_active_for_unit(unit_id: int) -> Order | None:
    """The order holding the unit now (after lazy expiry), or None."""
    order = Order.objects.filter(unit_id=unit_id, status__in=ACTIVE_ORDER_STATUSES).first()
    if order is not None:
        order = order_expire_if_overdue(order)
        if not order.is_active:
            return None
    return order


def unit_holders(unit_ids: list[int]) -> dict[int, dict]:
    """For the sales-control chart: unit id → its active order's number, status and masked buyer.
    One query; expired holds still pending are shown as they are (the chart is a cached snapshot)."""
    rows = Order.objects.filter(unit_id__in=unit_ids, status__in=ACTIVE_ORDER_STATUSES).values_list(
        "unit_id", "pk", "status", "hold_expires_at", "buyer__buyer_profile__real_name", "buyer__mobile"
    )
    return {
        unit_id: {
            "order_id": pk,
            "number": f"RG{pk:08d}",
            "status": status,
            "hold_expires_at": hold_expires_at,
            "holder": mask_name(real_name or "") or mask_mobile(mobile or ""),
        }
        for unit_id, pk, status, hold_expires_at, real_name, mobile in rows
    }


def orders_overdue_exist(*, building_id: int | None = None) -> bool:
    """Whether any hold is over but not yet expired (cheap; a page may then expire them lazily)."""
    overdue = Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, hold_expires_at__lte=timezone.now())
    if building_id is not None:
        overdue = overdue.filter(unit__building_id=building_id)
    return overdue.exists()


# ---- openings --------------------------------------------------------------------------------


def opening_list_published(*, project_id: int | None = None) -> QuerySet[Opening]:
    """Published openings (the buyer's list), soonest first, with how many units each offers."""
    openings = Opening.objects.filter(is_published=True)
    if project_id:
        openings = openings.filter(project_id=project_id)
    return openings.select_related("project").annotate(unit_count=Count("units")).order_by("starts_at")


def opening_get_public(pk: int) -> Opening:
    opening = Opening.objects.filter(pk=pk, is_published=True).select_related("project").first()
    if opening is None:
        raise Http404("开盘活动不存在")
    return opening


def opening_list_for_user(user) -> QuerySet[Opening]:
    """Openings of a staff user's projects (drafts included)."""
    if not user.is_authenticated or not user.is_staff or not user.has_perm("sales.view_opening"):
        return Opening.objects.none()
    return filter_by_scope(Opening.objects.all(), user).select_related("project")


def opening_get_for_user(user, pk: int) -> Opening:
    opening = opening_list_for_user(user).filter(pk=pk).first()
    if opening is None:
        raise Http404("开盘活动不存在")
    return opening


def registration_for(*, opening: Opening, buyer, with_quota_used: bool = False) -> Registration | None:
    """The buyer's registration for the opening (sign-up state, lottery rank and turn), or None.
    `with_quota_used` adds `quota_used`: its active orders, counted as the selection service counts
    the quota (the orders hanging off the registration), in the same query."""
    if not getattr(buyer, "pk", None):
        return None
    registrations = Registration.objects.filter(opening=opening, buyer=buyer)
    if with_quota_used:
        registrations = registrations.annotate(
            quota_used=Count("orders", filter=Q(orders__status__in=ACTIVE_ORDER_STATUSES))
        )
    return registrations.first()


def lottery_result_public(opening: Opening) -> dict | None:
    """What is published about the lottery: the commitment before the draw; after it, the seed and
    the full order (masked names) so anyone can recompute it with sales.lottery.verify_lottery_data."""
    if not opening.lottery_committed_at:
        return None
    return {
        "seed_hash": opening.lottery_seed_hash,
        "committed_at": opening.lottery_committed_at,
        "drawn_at": opening.lottery_drawn_at,
        "seed": opening.revealed_seed,
        "result": opening.lottery_result if opening.lottery_drawn_at else None,
    }


# ---- schemes, coupons, sales changes -----------------------------------------------------------


def scheme_list_for_user(user, *, project_id: int | None = None) -> QuerySet[Scheme]:
    if not user.is_authenticated or not user.is_staff or not user.has_perm("sales.view_scheme"):
        return Scheme.objects.none()
    schemes = filter_by_scope(Scheme.objects.all(), user)
    if project_id:
        schemes = schemes.filter(project_id=project_id)
    return schemes.select_related("project")


def coupon_list_for_buyer(buyer) -> QuerySet[Coupon]:
    return Coupon.objects.filter(buyer=buyer).select_related("scheme", "scheme__project").order_by("-id")


def sales_change_list_for_user(user, *, status: str = "", kind: str = "") -> QuerySet[SalesChange]:
    if not user.is_authenticated or not user.is_staff or not user.has_perm("sales.view_saleschange"):
        return SalesChange.objects.none()
    changes = filter_by_scope(SalesChange.objects.all(), user)
    if status:
        changes = changes.filter(status=status)
    if kind:
        changes = changes.filter(kind=kind)
    return changes.select_related("order", "order__unit", "applicant", "reviewer").order_by("-id")


def sales_change_get_for_user(user, pk: int) -> SalesChange:
    change = sales_change_list_for_user(user).filter(pk=pk).first()
    if change is None:
        raise Http404("变更申请不存在")
    return change


def sales_changes_pending_count(user) -> int:
    return sales_change_list_for_user(user, status=SalesChangeStatus.APPLIED).count()
