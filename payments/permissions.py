"""Who may do what in payments: what each role may do here (ROLE_PERMISSIONS, gathered by
accounts.roles), and the pure predicates pages use to decide which buttons to show. Services check again."""

from payments.services._common import staff_may

_VIEW = (
    "payments.view_payment",
    "payments.view_receipt",
    "payments.view_deposit",
    "payments.view_paymentschedule",
    "payments.view_paymentnotice",
    "payments.view_shiftclose",
    "payments.view_paymentmethod",
    "payments.view_chargeitem",
    "payments.view_paymentplantemplate",
)

# Role code → permissions; accounts.roles.role_permissions gathers them into the role groups.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # 置业顾问: takes money at the counter, issues notices, closes their own shift.
    "consultant": (
        *_VIEW,
        "payments.record_payment",
        "payments.add_paymentnotice",
        "payments.add_shiftclose",
    ),
    # 销售经理: as the consultant, plus waivers within their limit, schedules, arrears, forfeit approval.
    "sales_manager": (
        *_VIEW,
        "payments.record_payment",
        "payments.grant_waiver",
        "payments.add_paymentnotice",
        "payments.add_paymentschedule",
        "payments.view_arrears",
        "payments.add_shiftclose",
        "payments.approve_forfeit",
        "payments.view_heldpayment",
    ),
    # 财务: everything about money except waivers: approvals, voids, reprints, refunds, held money,
    # the deposits ledger, numbering, everyone's shifts, and the configuration.
    "finance": (
        *_VIEW,
        "payments.record_payment",
        "payments.approve_payment",
        "payments.refund_payment",
        "payments.void_receipt",
        "payments.reprint_receipt",
        "payments.view_numbering",
        "payments.view_receiptsequence",
        "payments.add_paymentnotice",
        "payments.add_paymentschedule",
        "payments.view_arrears",
        "payments.add_shiftclose",
        "payments.view_all_shifts",
        "payments.view_heldpayment",
        "payments.resolve_heldpayment",
        "payments.convert_deposit",
        "payments.request_forfeit",
        "payments.approve_forfeit",
        "payments.view_onlinetrade",
        "payments.view_pointsaccount",
        "payments.view_pointsentry",
        "payments.award_points",
        "payments.add_paymentmethod",
        "payments.change_paymentmethod",
        "payments.add_chargeitem",
        "payments.change_chargeitem",
        "payments.add_paymentplantemplate",
        "payments.change_paymentplantemplate",
        "payments.add_paymentplanitem",
        "payments.change_paymentplanitem",
        "payments.delete_paymentplanitem",
        "payments.view_paymentplanitem",
        "payments.view_paymentsettings",
        "payments.change_paymentsettings",
        "payments.view_waiverlimit",
        "payments.add_waiverlimit",
        "payments.change_waiverlimit",
    ),
}

PAYMENTS_ROLE_PERMISSIONS = ROLE_PERMISSIONS  # the name the first tests import


def can_record(user, project_id: int) -> bool:
    return staff_may(user, "payments.record_payment", project_id)


def can_waive(user, project_id: int) -> bool:
    return staff_may(user, "payments.grant_waiver", project_id)


def can_refund(user, project_id: int) -> bool:
    return staff_may(user, "payments.refund_payment", project_id)


def can_void(user, receipt) -> bool:
    return staff_may(user, "payments.void_receipt", receipt.project_id) and not receipt.is_voided


def can_reprint(user, project_id: int) -> bool:
    return staff_may(user, "payments.reprint_receipt", project_id)


def can_approve_payment(user, payment) -> bool:
    return staff_may(user, "payments.approve_payment", payment.project_id) and payment.recorded_by_id != user.pk


def can_schedule(user, project_id: int) -> bool:
    return staff_may(user, "payments.add_paymentschedule", project_id)


def can_issue_notice(user, project_id: int) -> bool:
    return staff_may(user, "payments.add_paymentnotice", project_id)


def can_resolve_held(user, held) -> bool:
    return staff_may(user, "payments.resolve_heldpayment", held.project_id)
