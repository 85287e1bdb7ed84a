"""贷款申请: submitting an application for an order, its documents, and the bank's answers.

Status moves go through `_application_transition` only: the transition table, a compare-and-swap
on the status, a timeline row, and the operation log in the same transaction.
"""

import uuid
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from audit.services import audit_record
from loans import calculator, documents, permissions, selectors
from loans.calculator import CENT, format_rate
from loans.exceptions import LoanInputError
from loans.models import (
    LOAN_APPLICATION_TRANSITIONS,
    OPEN_APPLICATION_STATUSES,
    LoanApplication,
    LoanApplicationStatus,
    LoanApplicationStatusChange,
    LoanDocument,
    LoanDocumentKind,
    LoanPlan,
    LoanProduct,
)
from payments import services as payment_services
from payments.models import ChargeItem, ChargeKind, PaymentMethod
from sales.models import Order, OrderStatus
from shuchang.core.exceptions import ConcurrentChange, DomainError, TransitionNotAllowed

# A loan is applied for once the unit is the buyer's: after the deposit (认购) or the contract.
APPLICABLE_ORDER_STATUSES = (OrderStatus.RESERVED, OrderStatus.SIGNED)
_LIVE_STATUSES = [*OPEN_APPLICATION_STATUSES, LoanApplicationStatus.DISBURSED]


class ApplicationRefused(DomainError):
    default_message = "该贷款申请操作未能完成"


def _yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


# ---- submitting -----------------------------------------------------------------------------


@transaction.atomic
def loan_application_submit(
    *,
    actor,
    order: Order,
    product: LoanProduct,
    amount,
    term_years: int,
    method: str,
    plan: LoanPlan | None = None,
) -> LoanApplication:
    """申请信贷: the buyer (or a consultant for them) applies to `product` for `order`."""
    if not permissions.can_apply_for_order(actor, order):
        raise ApplicationRefused("无权为该订单申请贷款")
    # Lock the order: two applications of one combined loan must not both pass the total check.
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in APPLICABLE_ORDER_STATUSES:
        raise ApplicationRefused("订单认购（支付定金）后才能申请贷款")
    product = LoanProduct.objects.select_related("bank").get(pk=product.pk)
    if not (product.is_active and product.bank.is_active):
        raise ApplicationRefused("该贷款产品已停用，请选择其他产品")
    amount = calculator.check_amount(amount)
    policy = selectors.loan_policy_on(timezone.localdate())
    max_years = min(product.max_term_years, policy.max_term_years)
    if isinstance(term_years, bool) or not isinstance(term_years, int) or not 1 <= term_years <= max_years:
        raise LoanInputError(f"贷款期限应为1至{max_years}年")
    if method not in {member.value for member in calculator.Method}:
        raise LoanInputError("还款方式只能是等额本息或等额本金")
    if amount > product.max_loan_amount:
        raise LoanInputError(f"申请金额超过该产品最高贷款额 {_yuan(product.max_loan_amount)}")
    _check_total(order=order, product=product, amount=amount, national_ratio=policy.min_down_payment_ratio)
    if plan is not None and plan.customer_id != order.customer_id:
        raise LoanInputError("所选贷款方案不属于该订单的客户")
    try:
        with transaction.atomic():
            application = LoanApplication.objects.create(
                order=order,
                product=product,
                plan=plan,
                applicant=actor,
                amount=amount,
                term_years=term_years,
                method=method,
            )
    except IntegrityError:
        raise ApplicationRefused("该订单已有此产品的贷款申请在办理中") from None
    LoanApplicationStatusChange.objects.create(
        application=application, from_status="", to_status=LoanApplicationStatus.SUBMITTED, actor=actor, note="提交申请"
    )
    audit_record(
        actor=actor,
        action="loans.application.submitted",
        target=application,
        data={"order": order.pk, "product": product.pk, "amount": amount, "term_years": term_years, "method": method},
    )
    return application


def _check_total(*, order: Order, product: LoanProduct, amount: Decimal, national_ratio: Decimal) -> None:
    """All live loans of the order together stay within the price less the minimum down payment."""
    price = order.contract_price_amount or order.price_amount
    ratio = max(national_ratio, product.min_down_payment_ratio)
    ceiling = (price * (1 - ratio)).quantize(CENT, rounding=ROUND_DOWN)
    others = order.loan_applications.filter(status__in=_LIVE_STATUSES).exclude(product=product)
    total = amount + others.aggregate(total=Sum("amount", default=Decimal("0.00")))["total"]
    if total > ceiling:
        raise LoanInputError(
            f"贷款合计 {_yuan(total)} 超过可贷上限 {_yuan(ceiling)}"
            f"（房款 {_yuan(price)}，最低首付 {(ratio * 100).normalize():f}%）"
        )


# ---- documents ------------------------------------------------------------------------------


@transaction.atomic
def loan_document_upload(*, actor, application: LoanApplication, kind: str, upload) -> LoanDocument:
    """Store one document of the application privately (PDF, JPG or PNG up to 10MB)."""
    if not permissions.can_apply_for_order(actor, application.order):
        raise ApplicationRefused("无权为该申请上传材料")
    if not application.is_open:
        raise ApplicationRefused("该申请已办结，不能再上传材料")
    if kind not in LoanDocumentKind.values:
        raise LoanInputError("请选择材料类型")
    checked = documents.check_document(upload)
    document = LoanDocument(
        application=application,
        kind=kind,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size_bytes=checked.size_bytes,
        uploaded_by=actor,
    )
    document.file.save(f"{uuid.uuid4().hex}{checked.extension}", upload, save=False)
    try:  # the file is written before its row: if the row fails, take the file away again
        document.save()
        audit_record(
            actor=actor,
            action="loans.document.uploaded",
            target=application,
            data={"document": document.pk, "kind": kind, "size": checked.size_bytes, "type": checked.content_type},
        )
    except Exception:
        document.file.delete(save=False)
        raise
    return document


# ---- the bank's answers ---------------------------------------------------------------------


def _application_transition(
    *, application: LoanApplication, to_status: str, actor, note: str = "", **fields
) -> LoanApplication:
    from_status = application.status
    if to_status not in LOAN_APPLICATION_TRANSITIONS[from_status]:
        raise TransitionNotAllowed(
            application, LoanApplicationStatus(from_status).label, LoanApplicationStatus(to_status).label
        )
    # Compare-and-swap: loses cleanly if someone else answered for the bank meanwhile.
    moved = LoanApplication.objects.filter(pk=application.pk, status=from_status).update(status=to_status, **fields)
    if moved != 1:
        raise ConcurrentChange(application)
    application.status = to_status
    for name, value in fields.items():
        setattr(application, name, value)
    LoanApplicationStatusChange.objects.create(
        application=application, from_status=from_status, to_status=to_status, actor=actor, note=note[:200]
    )
    audit_record(
        actor=actor,
        action=f"loans.application.{to_status}",
        target=application,
        before={"status": from_status},
        after={"status": to_status, **fields},
        message=note[:500],
    )
    return application


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise ApplicationRefused(message)


@transaction.atomic
def loan_application_review_start(*, actor, application: LoanApplication, note: str = "") -> LoanApplication:
    """The bank has taken the file: submitted → under review."""
    _require(permissions.can_review_application(actor, application), "无权登记银行审核结果")
    return _application_transition(
        application=application,
        to_status=LoanApplicationStatus.UNDER_REVIEW,
        actor=actor,
        note=note.strip() or "银行已受理，进入审核",
    )


@transaction.atomic
def loan_application_approve(
    *, actor, application: LoanApplication, approved_amount, approved_rate=None, note: str = ""
) -> LoanApplication:
    """The bank approved, possibly for less than asked: under review → approved."""
    _require(permissions.can_review_application(actor, application), "无权登记银行审核结果")
    amount = calculator.check_amount(approved_amount)
    if amount > application.amount:
        raise LoanInputError(f"批准金额不能超过申请金额 {_yuan(application.amount)}")
    rate = None if approved_rate in (None, "") else calculator.check_rate(approved_rate)
    text = note.strip() or f"批准 {_yuan(amount)}" + (f"，年利率 {format_rate(rate)}" if rate is not None else "")
    return _application_transition(
        application=application,
        to_status=LoanApplicationStatus.APPROVED,
        actor=actor,
        note=text,
        approved_amount=amount,
        approved_rate=rate,
    )


@transaction.atomic
def loan_application_reject(*, actor, application: LoanApplication, reason: str) -> LoanApplication:
    """The bank declined (or withdrew its approval before paying out)."""
    _require(permissions.can_review_application(actor, application), "无权登记银行审核结果")
    reason = (reason or "").strip()
    if not reason:
        raise LoanInputError("请填写未获批准的原因")
    return _application_transition(
        application=application,
        to_status=LoanApplicationStatus.REJECTED,
        actor=actor,
        note=reason,
        rejection_reason=reason[:200],
    )


@transaction.atomic
def loan_application_disburse(
    *, actor, application: LoanApplication, amount, disbursed_on: date, bank_reference: str
) -> LoanApplication:
    """放款: the bank paid out. Recording the same bank serial number again returns the first record.

    The disbursement is also a payment of the order (房款 by bank transfer, with the bank's serial),
    recorded in the same transaction; like every transfer it counts once finance confirms the money
    arrived.
    """
    _require(permissions.can_disburse_application(actor, application), "无权登记银行放款")
    reference = (bank_reference or "").strip()
    if not reference:
        raise LoanInputError("请填写银行放款流水号")
    if len(reference) > 64:
        raise LoanInputError("放款流水号过长（最多64个字符）")
    recorded = LoanApplication.objects.filter(bank_reference=reference).first()
    if recorded is not None:
        if recorded.pk == application.pk:
            return recorded  # the same notice twice
        raise LoanInputError("该放款流水号已登记在其他贷款申请上")
    value = calculator.check_amount(amount)
    if application.approved_amount is not None and value > application.approved_amount:
        raise LoanInputError(f"放款金额不能超过批准金额 {_yuan(application.approved_amount)}")
    if disbursed_on > timezone.localdate():
        raise LoanInputError("放款日期不能晚于今天")
    try:
        with transaction.atomic():
            disbursed = _application_transition(
                application=application,
                to_status=LoanApplicationStatus.DISBURSED,
                actor=actor,
                note=f"放款 {_yuan(value)}，流水号 {reference}",
                disbursed_amount=value,
                disbursed_on=disbursed_on,
                bank_reference=reference,
            )
    except IntegrityError:
        raise LoanInputError("该放款流水号已登记在其他贷款申请上") from None
    payment_services.payment_record(
        actor=actor,
        method=PaymentMethod.objects.get(code="transfer"),
        charge_item=ChargeItem.objects.get(kind=ChargeKind.HOUSE_PRICE),
        amount=value,
        order=application.order,
        external_ref=reference,
        note=f"{application.product.bank.name}按揭贷款放款",
    )
    return disbursed


@transaction.atomic
def loan_document_open(*, actor, document: LoanDocument):
    """The stored file, opened for reading; who looked at a personal document goes in the log."""
    handle = document.file.open("rb")
    audit_record(
        actor=actor,
        action="loans.document.opened",
        target=document.application,
        data={"document": document.pk, "kind": document.kind},
    )
    return handle
