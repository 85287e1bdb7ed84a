"""Who may do what with loans: pure predicates, and what each role may do here (ROLE_PERMISSIONS).

Data scope (the projects a staff member works on) comes from `accounts.scope`; these predicates
combine it with the role permissions. They answer; services raise the refusal.
"""

from accounts.scope import scoped_project_ids

_READ_SETTINGS = (
    "loans.view_bank",
    "loans.view_loanproduct",
    "loans.view_lprrate",
    "loans.view_providentfundrate",
    "loans.view_loanpolicy",
)
_EDIT_SETTINGS = (
    "loans.add_bank",
    "loans.change_bank",
    "loans.add_loanproduct",
    "loans.change_loanproduct",
    "loans.add_lprrate",
    "loans.change_lprrate",
    "loans.add_providentfundrate",
    "loans.change_providentfundrate",
    "loans.add_loanpolicy",
    "loans.change_loanpolicy",
)
_APPLICATIONS = (
    "loans.view_loanapplication",
    "loans.add_loanapplication",
    "loans.view_loanapplicationstatuschange",
    "loans.view_loandocument",
)

# What each role may do in this app; accounts.roles.role_permissions gathers it for sync_roles.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "consultant": (
        *_READ_SETTINGS,
        "loans.generate_loan_plan",
        "loans.view_loanplan",
        "loans.add_loanplan",
        *_APPLICATIONS,
    ),
    "sales_manager": (
        *_READ_SETTINGS,
        *_EDIT_SETTINGS,
        "loans.generate_loan_plan",
        "loans.view_loanplan",
        "loans.add_loanplan",
        *_APPLICATIONS,
        "loans.review_loanapplication",
        "loans.disburse_loanapplication",
    ),
    "finance": (
        *_READ_SETTINGS,
        "loans.view_loanplan",
        "loans.view_loanapplication",
        "loans.view_loanapplicationstatuschange",
        "loans.view_loandocument",
        "loans.disburse_loanapplication",
    ),
}


def _in_scope(user, project_id: int) -> bool:
    ids = scoped_project_ids(user)
    return ids is None or ids.filter(pk=project_id).exists()


def is_staff_for_project(user, project_id: int, permission: str) -> bool:
    """A staff member holding `permission` whose data scope includes the project."""
    return (
        user.is_authenticated
        and user.is_staff
        and user.is_active
        and user.has_perm(permission)
        and _in_scope(user, project_id)
    )


def can_apply_for_order(user, order) -> bool:
    """The order's buyer, or staff who may submit applications for the order's project."""
    if not user.is_authenticated:
        return False
    if user.pk == order.buyer_id:
        return True
    return is_staff_for_project(user, order.project_id, "loans.add_loanapplication")


def can_review_application(user, application) -> bool:
    return is_staff_for_project(user, application.order.project_id, "loans.review_loanapplication")


def can_disburse_application(user, application) -> bool:
    return is_staff_for_project(user, application.order.project_id, "loans.disburse_loanapplication")


def can_upload_documents(user, application) -> bool:
    """The applicant side adds material while the bank has not decided for good."""
    return application.is_open and can_apply_for_order(user, application.order)


LOANS_ROLE_PERMISSIONS = ROLE_PERMISSIONS  # the name older tests import
