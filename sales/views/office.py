"""Staff pages of sales (销售管理, under /office/sales/): the sales-control chart (销控表) with
销控, customers (客户管理) with follow-ups and assisted selection (代客选房), orders, and sales
changes (销售变更) with their approval.

Who sees what is decided by the selectors (data scope, `*_for_user`): anything outside a user's
scope is a 404, as is the whole back office for buyers. A user who may see a thing but not act on
it gets 403 for the action. The services check again and refuse with a Chinese message.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from accounts.models import User
from accounts.roles import CONSULTANT, ROLES, SALES_MANAGER
from accounts.scope import filter_by_scope
from listings import services as listing_services
from listings.models import Building, FloorPlan, Project, Unit, UnitStatus, UnitStatusChange
from sales import permissions, selectors, services
from sales.exceptions import DomainError, PriceChanged
from sales.forms import (
    AssignForm,
    ChangeApplyForm,
    ChangeFilterForm,
    ChartFilterForm,
    CustomerFilterForm,
    FollowUpForm,
    OrderFilterForm,
    ReasonForm,
    ReviewForm,
    SelectForm,
    new_request_token,
    price_signature,
)
from sales.models import CustomerSource, Opening, OrderStatus, SalesChangeKind, SalesChangeStatus
from sales.services import CHANGE_ALLOWED_FROM
from sales.views import grids
from sales.views.buyer import quotes_for, snapshot_lines
from shuchang.core.masking import mask_mobile, mask_name

CUSTOMERS_PER_PAGE = 20
ORDERS_PER_PAGE = 30
CHANGES_PER_PAGE = 30


def staff_only(view):
    """The back office exists only for staff: anyone else gets 404 (anonymous users are sent to log in)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff:
            raise Http404("页面不存在")
        return view(request, *args, **kwargs)

    return wrapped


def _require(user, perm: str) -> None:
    """A page the user's role has nothing to do with does not exist for them."""
    if not user.has_perm(perm):
        raise Http404("页面不存在")


def _scoped_projects(user):
    return filter_by_scope(Project.objects.order_by("pk"), user, "pk")


def _project_or_404(user, pk: int) -> Project:
    project = _scoped_projects(user).filter(pk=pk).first()
    if project is None:
        raise Http404("楼盘不存在")
    return project


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


# ---- the sales-control chart (销控表) -------------------------------------------------------------


@staff_only
@require_safe
def home(request):
    """The projects in the user's scope, with their unit counts and a link to each chart."""
    _require(request.user, "listings.view_unit")
    projects = list(_scoped_projects(request.user).annotate(unit_count=Count("units")))
    counts: dict[int, dict[str, int]] = {}
    for project_id, status, n in (
        Unit.objects.filter(project__in=[p.pk for p in projects])
        .values_list("project_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(project_id, {})[status] = n
    for project in projects:
        project.status_counts = [
            (status, label, counts.get(project.pk, {}).get(status, 0)) for status, label in UnitStatus.choices
        ]
    return render(
        request,
        "sales/office/home.html",
        {
            "projects": projects,
            "pending_changes": selectors.sales_changes_pending_count(request.user)
            if request.user.has_perm("sales.view_saleschange")
            else 0,
        },
    )


def _chart_filters(request, project):
    plans = list(FloorPlan.objects.filter(project=project).order_by("name"))
    form = ChartFilterForm(request.GET or None, statuses=UnitStatus.choices, plans=plans)
    status, plan_id = "", None
    if form.is_bound and form.is_valid():
        status, plan_id = form.cleaned_data["status"], _int(form.cleaned_data["plan"])
    return form, status, plan_id


@staff_only
@require_safe
def chart(request, project_pk: int):
    _require(request.user, "listings.view_unit")
    project = _project_or_404(request.user, project_pk)
    buildings = list(project.buildings.order_by("pk"))
    wanted = _int(request.GET.get("building"))
    building = next((b for b in buildings if b.pk == wanted), buildings[0] if buildings else None)
    form, status, plan_id = _chart_filters(request, project)
    fragment = None
    if building is not None:
        building.project = project
        fragment = grids.render_chart_grid(
            building=building, status=status, plan_id=plan_id, with_holders=request.user.has_perm("sales.view_order")
        )
    now = timezone.now()
    return render(
        request,
        "sales/office/chart.html",
        {
            "project": project,
            "buildings": buildings,
            "building": building,
            "form": form,
            "grid_html": fragment.html if fragment else "",
            "query": request.GET.urlencode(),
            "withheld_note": grids.withheld_note(project),
            "running_openings": list(
                Opening.objects.filter(project=project, is_published=True, starts_at__lte=now, ends_at__gt=now)
            ),
        },
    )


@staff_only
@require_safe
def chart_grid(request, project_pk: int, building_pk: int):
    """One building's chart alone, for htmx polling: 304 while nothing has changed."""
    _require(request.user, "listings.view_unit")
    project = _project_or_404(request.user, project_pk)
    building = Building.objects.filter(pk=building_pk, project=project).first()
    if building is None:
        raise Http404("楼栋不存在")
    building.project = project
    _form, status, plan_id = _chart_filters(request, project)
    fragment = grids.render_chart_grid(
        building=building, status=status, plan_id=plan_id, with_holders=request.user.has_perm("sales.view_order")
    )
    return grids.fragment_response(request, fragment)


def _unit_or_404(user, pk: int) -> Unit:
    unit = filter_by_scope(Unit.objects.select_related("project", "building", "floor_plan"), user).filter(pk=pk).first()
    if unit is None:
        raise Http404("房源不存在")
    return unit


@staff_only
@require_safe
def unit_panel(request, pk: int):
    """One unit for staff: status, price, the order holding it, its openings and history, 销控."""
    _require(request.user, "listings.view_unit")
    unit = _unit_or_404(request.user, pk)
    can_see_orders = request.user.has_perm("sales.view_order")
    order = None
    if can_see_orders:
        order = selectors.order_active_for_unit(unit.pk)
        unit.refresh_from_db(fields=["status"])  # reading the order may just have expired it and freed the unit
    may_withhold = request.user.has_perm("listings.withhold_unit")
    return render(
        request,
        "sales/office/unit.html",
        {
            "unit": unit,
            "project": unit.project,
            "order": order,
            "holder": _holder(request.user, order.buyer) if order else None,
            "openings": list(unit.openings.order_by("-starts_at")),
            "history": list(UnitStatusChange.objects.filter(unit=unit).select_related("actor").order_by("-id")[:20]),
            "can_withhold": may_withhold and unit.status in (UnitStatus.AVAILABLE, UnitStatus.DRAFT),
            "can_release": may_withhold and unit.status == UnitStatus.WITHHELD,
            "form": ReasonForm(),
        },
    )


def _holder(user, buyer) -> dict:
    """A buyer's name and mobile as this user may see them (full only with view_full_identity)."""
    profile = getattr(buyer, "buyer_profile", None)
    name = profile.real_name if profile else ""
    if permissions.can_view_full_identity(user):
        return {"name": name, "mobile": buyer.mobile}
    return {"name": mask_name(name), "mobile": mask_mobile(buyer.mobile)}


def _unit_status_change(request, pk: int, *, service, done: str):
    unit = _unit_or_404(request.user, pk)
    if not request.user.has_perm("listings.withhold_unit"):
        raise PermissionDenied("您没有销控房源的权限")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
    else:
        try:
            service(unit=unit, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, f"房源 {unit.code} {done}")
    return redirect("sales:office_unit", pk=unit.pk)


@staff_only
@require_POST
def unit_withhold(request, pk: int):
    return _unit_status_change(request, pk, service=listing_services.unit_withhold, done="已销控，暂停销售")


@staff_only
@require_POST
def unit_release(request, pk: int):
    return _unit_status_change(request, pk, service=listing_services.unit_release, done="已解除销控，恢复可售")


# ---- customers (客户管理) ---------------------------------------------------------------------------


@staff_only
@require_safe
def customer_list(request):
    _require(request.user, "sales.view_customer")
    user = request.user
    sees_all = permissions.can_see_all_customers(user)
    visible = selectors.customer_list_for_user(user)
    form = CustomerFilterForm(
        request.GET or None,
        projects=list(_scoped_projects(user)),
        consultants=list(User.objects.filter(assigned_customers__in=visible).distinct().order_by("pk"))
        if sees_all
        else [],
        sources=CustomerSource.choices,
    )
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "search": data["q"],
            "project_id": _int(data["project"]),
            "consultant_id": _int(data["consultant"]),
            "source": data["source"],
        }
    customers = selectors.customer_list_for_user(user, **filters)
    page = Paginator(customers, CUSTOMERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "customers": page.object_list,
        "sees_all": sees_all,
        "full_identity": permissions.can_view_full_identity(user),
    }
    return render(
        request,
        "sales/office/customer_list.html#results" if request.htmx else "sales/office/customer_list.html",
        context,
    )


def _customer_page(request, customer, *, follow_up_form=None, assign_form=None, status=200):
    user = request.user
    detail = selectors.customer_detail(customer)
    sees_all = permissions.can_see_all_customers(user)
    return render(
        request,
        "sales/office/customer_detail.html",
        {
            **detail,
            "project": customer.project,
            "full_identity": permissions.can_view_full_identity(user),
            "can_follow_up": user.has_perm("sales.add_followup"),
            "follow_up_form": follow_up_form or FollowUpForm(),
            "can_assign": sees_all and permissions.in_scope(user, customer.project_id),
            "assign_form": assign_form
            or AssignForm(consultants=_consultants_for(customer), initial={"consultant": customer.consultant_id}),
            "can_assist": permissions.can_assist_selection(user, customer.project_id),
        },
        status=status,
    )


def _consultants_for(customer):
    """Who may be given the customer: active consultants and managers whose scope has the project."""
    in_scope = Q(staff_profile__all_projects=True) | Q(staff_profile__projects=customer.project_id)
    sales_staff = Q(groups__name__in=[ROLES[CONSULTANT].name, ROLES[SALES_MANAGER].name])
    candidates = Q(is_staff=True, is_active=True) & in_scope & sales_staff
    if customer.consultant_id:
        candidates |= Q(pk=customer.consultant_id)
    return User.objects.filter(candidates).distinct().order_by("pk")


@staff_only
@require_safe
def customer_detail(request, pk: int):
    _require(request.user, "sales.view_customer")
    return _customer_page(request, selectors.customer_get_for_user(request.user, pk))


@staff_only
@require_POST
def customer_follow_up(request, pk: int):
    _require(request.user, "sales.view_customer")
    customer = selectors.customer_get_for_user(request.user, pk)
    if not request.user.has_perm("sales.add_followup"):
        raise PermissionDenied("您没有添加跟进记录的权限")
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.customer_add_follow_up(customer=customer, actor=request.user, **form.cleaned_data)
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "跟进记录已添加")
            return redirect("sales:office_customer", pk=customer.pk)
    return _customer_page(request, customer, follow_up_form=form)


@staff_only
@require_POST
def customer_assign(request, pk: int):
    _require(request.user, "sales.view_customer")
    customer = selectors.customer_get_for_user(request.user, pk)
    if not permissions.can_see_all_customers(request.user):
        raise PermissionDenied("只有销售经理可以分配客户")
    form = AssignForm(request.POST, consultants=_consultants_for(customer))
    if form.is_valid():
        try:
            services.customer_assign(customer=customer, consultant=form.cleaned_data["consultant"], actor=request.user)
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "已调整置业顾问")
            return redirect("sales:office_customer", pk=customer.pk)
    return _customer_page(request, customer, assign_form=form)


def _running_opening_for(unit: Unit, now):
    return Opening.objects.filter(units=unit.pk, is_published=True, starts_at__lte=now, ends_at__gt=now).first()


@staff_only
def customer_assist(request, pk: int):
    """代客选房: choose an available unit, see its price, confirm for the customer present."""
    if request.method not in ("GET", "HEAD", "POST"):
        raise Http404("页面不存在")
    _require(request.user, "sales.view_customer")
    customer = selectors.customer_get_for_user(request.user, pk)
    if not permissions.can_assist_selection(request.user, customer.project_id):
        raise PermissionDenied("您没有代客选房的权限")
    now = timezone.now()
    available = Unit.objects.filter(project=customer.project_id, status=UnitStatus.AVAILABLE).select_related("building")
    unit_id = _int(request.POST.get("unit") if request.method == "POST" else request.GET.get("unit"))
    unit = available.filter(pk=unit_id).first() if unit_id else None
    refusal = ""
    if request.method == "POST":
        form = SelectForm(request.POST)
        if unit is None:
            refusal = "该房源已不可售，请选择其他房源"
        elif not form.is_valid():
            refusal = next(iter(form.errors.values()))[0]
        elif form.cleaned_data["price_signature"] != price_signature(unit):
            refusal = PriceChanged.default_message
        else:
            try:
                order = services.order_select_assisted(
                    customer=customer,
                    unit=unit,
                    opening=_running_opening_for(unit, now),
                    actor=request.user,
                    payment_method=form.cleaned_data["payment_method"],
                    request_token=form.cleaned_data["request_token"],
                )
            except DomainError as error:
                refusal = error.message
            else:
                messages.success(request, f"已为客户选定房源 {unit.code}，订单 {order.number} 待付定金")
                return redirect("sales:office_order", pk=order.pk)
    return render(
        request,
        "sales/office/customer_assist.html",
        {
            "customer": customer,
            "project": customer.project,
            "units": list(available.order_by("building_id", "-floor", "position")[:500]),
            "unit": unit,
            "opening": _running_opening_for(unit, now) if unit else None,
            "quotes": quotes_for(unit, now) if unit else [],
            "form": SelectForm(initial={"request_token": new_request_token(), "price_signature": price_signature(unit)})
            if unit
            else None,
            "refusal": refusal,
            "has_account": customer.user_id is not None and customer.user.is_verified_buyer,
        },
    )


# ---- orders ----------------------------------------------------------------------------------------


@staff_only
@require_safe
def order_list(request):
    _require(request.user, "sales.view_order")
    user = request.user
    form = OrderFilterForm(
        request.GET or None,
        projects=list(_scoped_projects(user)),
        openings=list(selectors.opening_list_for_user(user).order_by("-starts_at")[:100]),
    )
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {"status": data["status"], "project_id": _int(data["project"]), "opening_id": _int(data["opening"])}
    orders = selectors.order_list_for_user(user, **filters).select_related("buyer__buyer_profile", "opening")
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "orders": page.object_list,
        "full_identity": permissions.can_view_full_identity(user),
    }
    return render(
        request, "sales/office/order_list.html#results" if request.htmx else "sales/office/order_list.html", context
    )


def _staff_order_or_404(user, pk: int):
    _require(user, "sales.view_order")
    return selectors.order_get_for_user(user, pk)


def _change_kinds_for(order) -> list[tuple[str, str]]:
    return [(kind, label) for kind, label in SalesChangeKind.choices if order.status in CHANGE_ALLOWED_FROM[kind]]


def _order_page(request, order, *, change_form=None, status=200):
    user = request.user
    can_apply = permissions.can_apply_change(user, order) and bool(_change_kinds_for(order))
    swap_units = (
        Unit.objects.filter(project=order.project_id, status=UnitStatus.AVAILABLE).order_by(
            "building_id", "-floor", "position"
        )[:500]
        if can_apply
        else ()
    )
    return render(
        request,
        "sales/office/order_detail.html",
        {
            "order": order,
            "unit": order.unit,
            "project": order.project,
            "holder": _holder(user, order.buyer),
            "price": snapshot_lines(order),
            "history": list(order.status_changes.select_related("actor").order_by("id")),
            "co_buyers": list(order.co_buyers.all()),
            "changes": list(order.changes.select_related("applicant", "reviewer").order_by("-id")),
            "can_cancel": permissions.can_cancel_order(user, order),
            "can_apply": can_apply,
            "change_form": change_form or ChangeApplyForm(swap_units=swap_units),
            "change_kinds": _change_kinds_for(order),
            "full_identity": permissions.can_view_full_identity(user),
            "is_pending": order.status == OrderStatus.PENDING_PAYMENT,
        },
        status=status,
    )


@staff_only
@require_safe
def order_detail(request, pk: int):
    return _order_page(request, _staff_order_or_404(request.user, pk))


@staff_only
@require_POST
def order_cancel(request, pk: int):
    order = _staff_order_or_404(request.user, pk)
    if not request.user.has_perm("sales.cancel_order"):
        raise PermissionDenied("您没有取消订单的权限")
    reason = (request.POST.get("reason") or "").strip()
    try:
        services.order_cancel(order=order, actor=request.user, reason=reason)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"订单 {order.number} 已取消，房源已释放")
    return redirect("sales:office_order", pk=order.pk)


@staff_only
@require_POST
def change_apply(request, pk: int):
    order = _staff_order_or_404(request.user, pk)
    if not permissions.can_apply_change(request.user, order):
        raise PermissionDenied("您没有提交销售变更的权限")
    swap_units = Unit.objects.filter(project=order.project_id, status=UnitStatus.AVAILABLE)
    form = ChangeApplyForm(request.POST, swap_units=swap_units)
    if form.is_valid():
        try:
            change = services.sales_change_apply(
                order=order,
                kind=form.cleaned_data["kind"],
                payload=form.payload(),
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, f"{change.get_kind_display()}申请已提交，等待销售经理审批")
            return redirect("sales:office_change", pk=change.pk)
    return _order_page(request, order, change_form=form)


# ---- sales changes (销售变更) -------------------------------------------------------------------------


@staff_only
@require_safe
def change_list(request):
    _require(request.user, "sales.view_saleschange")
    form = ChangeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    changes = selectors.sales_change_list_for_user(request.user, **filters).select_related("project")
    page = Paginator(changes, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "sales/office/change_list.html",
        {"form": form, "page_obj": page, "changes": page.object_list, "status_applied": SalesChangeStatus.APPLIED},
    )


def _change_or_404(user, pk: int):
    _require(user, "sales.view_saleschange")
    return selectors.sales_change_get_for_user(user, pk)


@staff_only
@require_safe
def change_detail(request, pk: int):
    change = _change_or_404(request.user, pk)
    is_open = change.status == SalesChangeStatus.APPLIED
    return render(
        request,
        "sales/office/change_detail.html",
        {
            "change": change,
            "order": change.order,
            "can_review": is_open and permissions.can_review_change(request.user, change),
            "can_withdraw": is_open and change.applicant_id == request.user.pk,
            "is_own": change.applicant_id == request.user.pk,
            "form": ReviewForm(),
        },
    )


def _review(request, pk: int, *, approve: bool):
    change = _change_or_404(request.user, pk)
    if not request.user.has_perm("sales.approve_saleschange"):
        raise PermissionDenied("您没有审批销售变更的权限")
    form = ReviewForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if approve:
            services.sales_change_approve(change=change, actor=request.user, note=note)
        else:
            services.sales_change_reject(change=change, actor=request.user, note=note)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"已批准并办理{change.get_kind_display()}" if approve else "已驳回该申请")
    return redirect("sales:office_change", pk=change.pk)


@staff_only
@require_POST
def change_approve(request, pk: int):
    return _review(request, pk, approve=True)


@staff_only
@require_POST
def change_reject(request, pk: int):
    return _review(request, pk, approve=False)


@staff_only
@require_POST
def change_withdraw(request, pk: int):
    change = _change_or_404(request.user, pk)
    try:
        services.sales_change_withdraw(change=change, actor=request.user)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, "申请已撤回")
    return redirect("sales:office_change", pk=change.pk)
