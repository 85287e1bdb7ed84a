"""Pure predicates on who may do what in sales, and what each role may do here (ROLE_PERMISSIONS).

Data scope (the projects a staff user works on) is `accounts.scope`; these predicates combine
it with the role permissions. They answer without raising; services raise the refusal.
"""

from accounts.scope import scoped_project_ids

# What each role may do in this app; accounts.roles.role_permissions gathers it for sync_roles.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "consultant": (
        "sales.view_customer",
        "sales.add_customer",
        "sales.change_customer",
        "sales.view_followup",
        "sales.add_followup",
        "sales.view_scheme",
        "sales.view_opening",
        "sales.view_registration",
        "sales.view_order",
        "sales.view_orderstatuschange",
        "sales.view_ordercobuyer",
        "sales.assist_order",
        "sales.cancel_order",
        "sales.view_saleschange",
        "sales.add_saleschange",
        "sales.view_coupon",
    ),
    "sales_manager": (
        "sales.view_customer",
        "sales.add_customer",
        "sales.change_customer",
        "sales.view_all_customers",
        "sales.view_followup",
        "sales.add_followup",
        "sales.view_scheme",
        "sales.add_scheme",
        "sales.change_scheme",
        "sales.view_opening",
        "sales.add_opening",
        "sales.change_opening",
        "sales.draw_lottery",
        "sales.view_registration",
        "sales.view_order",
        "sales.view_orderstatuschange",
        "sales.view_ordercobuyer",
        "sales.assist_order",
        "sales.cancel_order",
        "sales.view_saleschange",
        "sales.add_saleschange",
        "sales.approve_saleschange",
        "sales.view_coupon",
    ),
    "finance": (
        "sales.view_customer",
        "sales.view_all_customers",
        "sales.view_scheme",
        "sales.view_opening",
        "sales.view_registration",
        "sales.view_order",
        "sales.view_orderstatuschange",
        "sales.view_ordercobuyer",
        "sales.view_saleschange",
        "sales.view_coupon",
    ),
}


def in_scope(user, project_id: int) -> bool:
    """Whether a staff user's data scope includes the project (one query unless all projects)."""
    if not user.is_authenticated or not user.is_staff:
        return False
    ids = scoped_project_ids(user)
    return ids is None or ids.filter(pk=project_id).exists()


def can_view_full_identity(user) -> bool:
    """Full ID and mobile numbers only for roles that need them; everyone else sees them masked."""
    return user.is_authenticated and user.has_perm("accounts.view_full_identity")


def can_see_all_customers(user) -> bool:
    """Managers see every customer of their projects; consultants only those assigned to them."""
    return user.has_perm("sales.view_all_customers")


def can_work_on_customer(user, customer) -> bool:
    if not user.has_perm("sales.view_customer") or not in_scope(user, customer.project_id):
        return False
    return can_see_all_customers(user) or customer.consultant_id == user.pk


def can_assist_selection(user, project_id: int) -> bool:
    return user.is_staff and user.has_perm("sales.assist_order") and in_scope(user, project_id)


def can_cancel_order(user, order) -> bool:
    """A buyer cancels their own unpaid order; staff with the permission cancel unpaid orders in scope.
    Reserved and signed orders are cancelled only through an approved 退房 change."""
    from sales.models import OrderStatus

    if order.status != OrderStatus.PENDING_PAYMENT:
        return False
    if not user.is_staff:
        return order.buyer_id == user.pk
    return user.has_perm("sales.cancel_order") and in_scope(user, order.project_id)


def can_apply_change(user, order) -> bool:
    return user.is_staff and user.has_perm("sales.add_saleschange") and in_scope(user, order.project_id)


def can_review_change(user, change) -> bool:
    """Sales managers in scope review changes, but never their own application (four eyes)."""
    return (
        user.is_staff
        and user.has_perm("sales.approve_saleschange")
        and change.applicant_id != user.pk
        and in_scope(user, change.project_id)
    )


def can_manage_openings(user, project_id: int) -> bool:
    return user.is_staff and user.has_perm("sales.change_opening") and in_scope(user, project_id)


def can_draw_lottery(user, project_id: int) -> bool:
    return user.is_staff and user.has_perm("sales.draw_lottery") and in_scope(user, project_id)


def can_manage_schemes(user, project_id: int) -> bool:
    return user.is_staff and user.has_perm("sales.change_scheme") and in_scope(user, project_id)


SALES_ROLE_PERMISSIONS = ROLE_PERMISSIONS  # the name older tests import
