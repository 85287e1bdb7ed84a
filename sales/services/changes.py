"""Sales changes (销售变更): 退房, 换房, 更名, 签约 — applied by staff, approved by a sales manager.

Approval and execution are one transaction: the order row is locked, the change is executed
(units, order, coupons), and the application becomes executed; if execution is refused nothing
changes and the application stays open. Each step lands in the operation log with who and why.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date

from accounts.models import User
from audit.services import audit_record, audit_record_refusal
from listings.models import Unit, UnitStatus
from listings.services import unit_transition
from sales import permissions, pricing
from sales.exceptions import ChangeNotAllowed, ConcurrentChange, DomainError
from sales.models import (
    DepositDisposition,
    Order,
    OrderCoBuyer,
    OrderStatus,
    SalesChange,
    SalesChangeKind,
    SalesChangeStatus,
)
from sales.services._transitions import order_cas, status_label
from sales.services.schemes import coupons_apply_at_signing, coupons_restore
from shuchang.core.money import ZERO
from shuchang.core.validators import validate_mobile, validate_resident_id

# The order statuses each kind of change applies to.
CHANGE_ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    SalesChangeKind.CANCEL: (OrderStatus.RESERVED, OrderStatus.SIGNED),
    SalesChangeKind.SWAP: (OrderStatus.RESERVED,),
    SalesChangeKind.RENAME: (OrderStatus.RESERVED, OrderStatus.SIGNED),
    SalesChangeKind.SIGN: (OrderStatus.RESERVED,),
}


# ---- payload validation: the same checks when applying and again when executing -----------------


def _clean_payload(kind: str, payload: dict, order: Order) -> dict:
    payload = payload or {}
    if kind == SalesChangeKind.CANCEL:
        disposition = payload.get("deposit_disposition")
        if disposition not in (DepositDisposition.REFUND, DepositDisposition.FORFEIT):
            raise ChangeNotAllowed("请选择定金处理方式：退还定金或定金不予退还")
        return {"deposit_disposition": disposition}
    if kind == SalesChangeKind.SWAP:
        unit = Unit.objects.filter(pk=payload.get("new_unit_id")).first()
        if unit is None or unit.project_id != order.project_id:
            raise ChangeNotAllowed("请选择本楼盘的另一套房源")
        if unit.pk == order.unit_id:
            raise ChangeNotAllowed("新房源与原房源相同")
        if unit.status != UnitStatus.AVAILABLE:
            raise ChangeNotAllowed(f"房源 {unit.code} 当前为「{unit.get_status_display()}」，不能换入")
        return {"new_unit_id": unit.pk, "new_unit": unit.code}
    if kind == SalesChangeKind.RENAME:
        return _clean_rename(payload, order)
    if kind == SalesChangeKind.SIGN:
        number = str(payload.get("contract_number") or "").strip()
        if not number:
            raise ChangeNotAllowed("请填写合同编号")
        signed_on = payload.get("contract_signed_on")
        signed_on = signed_on if isinstance(signed_on, date) else parse_date(str(signed_on or ""))
        if signed_on is None:
            raise ChangeNotAllowed("请填写签约日期")
        if signed_on > timezone.localdate():
            raise ChangeNotAllowed("签约日期不能晚于今天")
        taken = Order.objects.filter(project_id=order.project_id, contract_number=number).exclude(pk=order.pk)
        if taken.exists():
            raise ChangeNotAllowed(f"合同编号 {number} 已被使用")
        return {"contract_number": number, "contract_signed_on": signed_on.isoformat()}
    raise ChangeNotAllowed("变更类型无效")


def _clean_rename(payload: dict, order: Order) -> dict:
    action = payload.get("action")
    if action == "replace_buyer":
        buyer = User.objects.filter(pk=payload.get("buyer_id"), is_staff=False).first()
        if buyer is None or not buyer.is_verified_buyer:
            raise ChangeNotAllowed("新购房人须为已实名认证的购房者")
        if buyer.pk == order.buyer_id:
            raise ChangeNotAllowed("新购房人与原购房人相同")
        return {"action": action, "buyer_id": buyer.pk}
    if action == "add_co_buyer":
        name = str(payload.get("name") or "").strip()
        id_number = str(payload.get("id_number") or "").strip().upper()
        mobile = str(payload.get("mobile") or "").strip()
        if not name:
            raise ChangeNotAllowed("请填写共同购房人姓名")
        try:
            validate_resident_id(id_number)
            if mobile:
                validate_mobile(mobile)
        except ValidationError as exc:
            raise ChangeNotAllowed(exc.messages[0]) from None
        if order.co_buyers.filter(id_number=id_number).exists():
            raise ChangeNotAllowed("该共同购房人已在订单中")
        return {"action": action, "name": name, "id_number": id_number, "mobile": mobile}
    raise ChangeNotAllowed("请选择更名方式：更换购房人或增加共同购房人")


# ---- apply, approve, reject, withdraw ---------------------------------------------------------------


def sales_change_validate(*, order: Order, kind: str, payload: dict, reason: str, actor) -> dict:
    """The cleaned payload if `actor` may apply for this change now; else ChangeNotAllowed."""
    if not permissions.can_apply_change(actor, order):
        raise ChangeNotAllowed("您无权为该订单提交销售变更")
    if not (reason or "").strip():
        raise ChangeNotAllowed("请填写申请原因")
    if kind not in SalesChangeKind.values:
        raise ChangeNotAllowed("变更类型无效")
    if order.status not in CHANGE_ALLOWED_FROM[kind]:
        raise ChangeNotAllowed(f"订单当前为「{status_label(order.status)}」，不能办理{SalesChangeKind(kind).label}")
    if SalesChange.objects.filter(order=order, status=SalesChangeStatus.APPLIED).exists():
        raise ChangeNotAllowed("该订单已有待审批的变更申请")
    return _clean_payload(kind, payload, order)


@transaction.atomic
def sales_change_apply(*, order: Order, kind: str, payload: dict, reason: str, actor) -> SalesChange:
    """Apply for a change of a reserved (or signed) order; one open application per order."""
    cleaned = sales_change_validate(order=order, kind=kind, payload=payload, reason=reason, actor=actor)
    reason = reason.strip()
    try:
        with transaction.atomic():
            change = SalesChange.objects.create(
                order=order,
                project_id=order.project_id,
                kind=kind,
                payload=cleaned,
                reason=reason[:300],
                applicant=actor,
            )
    except IntegrityError:
        raise ChangeNotAllowed("该订单已有待审批的变更申请") from None
    audit_record(
        actor=actor,
        action=f"sales.change.{kind}.applied",
        target=change,
        data={"order_id": order.pk, "payload": cleaned, "reason": reason},
    )
    return change


def sales_change_approve(*, change: SalesChange, actor, note: str = "") -> SalesChange:
    """Approve and execute the change atomically; a refusal is logged and changes nothing."""
    try:
        return _approve(change=change, actor=actor, note=(note or "").strip())
    except DomainError as refusal:
        audit_record_refusal(
            actor=actor, action=f"sales.change.{change.kind}.approve", target=change, message=refusal.message
        )
        raise


@transaction.atomic
def _approve(*, change: SalesChange, actor, note: str) -> SalesChange:
    if not permissions.can_review_change(actor, change):
        if change.applicant_id == actor.pk:
            raise ChangeNotAllowed("不能审批自己提交的申请")
        raise ChangeNotAllowed("您无权审批该申请")
    now = timezone.now()
    # Lock order: the order row first, then units (in pk order); every writer of orders does the same.
    order = Order.objects.select_for_update().get(pk=change.order_id)
    if order.status not in CHANGE_ALLOWED_FROM[change.kind]:
        raise ChangeNotAllowed(f"订单当前为「{status_label(order.status)}」，不能办理{change.get_kind_display()}")
    payload = _clean_payload(change.kind, change.payload, order)
    if not SalesChange.objects.filter(pk=change.pk, status=SalesChangeStatus.APPLIED).update(
        status=SalesChangeStatus.EXECUTED, reviewer=actor, reviewed_at=now, review_note=note[:300]
    ):
        raise ChangeNotAllowed("该申请已被处理")
    change.status, change.reviewer, change.reviewed_at, change.review_note = (
        SalesChangeStatus.EXECUTED, actor, now, note[:300])  # fmt: skip
    reason = f"{change.get_kind_display()}（变更申请 #{change.pk}）：{change.reason}"[:200]
    executor = {
        SalesChangeKind.CANCEL: _execute_cancel,
        SalesChangeKind.SWAP: _execute_swap,
        SalesChangeKind.RENAME: _execute_rename,
        SalesChangeKind.SIGN: _execute_sign,
    }[change.kind]
    change.result = executor(change=change, order=order, payload=payload, actor=actor, reason=reason, now=now)
    SalesChange.objects.filter(pk=change.pk).update(result=change.result)
    audit_record(
        actor=actor,
        action=f"sales.change.{change.kind}.executed",
        target=change,
        data={"order_id": order.pk, "result": change.result, "note": note},
    )
    return change


@transaction.atomic
def sales_change_reject(*, change: SalesChange, actor, note: str) -> SalesChange:
    """Reject with a reason; the order is untouched."""
    if not permissions.can_review_change(actor, change):
        raise ChangeNotAllowed("不能审批自己提交的申请" if change.applicant_id == actor.pk else "您无权审批该申请")
    note = (note or "").strip()
    if not note:
        raise ChangeNotAllowed("请填写驳回理由")
    now = timezone.now()
    if not SalesChange.objects.filter(pk=change.pk, status=SalesChangeStatus.APPLIED).update(
        status=SalesChangeStatus.REJECTED, reviewer=actor, reviewed_at=now, review_note=note[:300]
    ):
        raise ChangeNotAllowed("该申请已被处理")
    change.status, change.reviewer, change.reviewed_at, change.review_note = (
        SalesChangeStatus.REJECTED, actor, now, note[:300])  # fmt: skip
    audit_record(actor=actor, action=f"sales.change.{change.kind}.rejected", target=change, data={"note": note})
    return change


@transaction.atomic
def sales_change_withdraw(*, change: SalesChange, actor) -> SalesChange:
    """The applicant takes back an application nobody has reviewed yet."""
    if change.applicant_id != actor.pk:
        raise ChangeNotAllowed("只有申请人可以撤回申请")
    if not SalesChange.objects.filter(pk=change.pk, status=SalesChangeStatus.APPLIED).update(
        status=SalesChangeStatus.WITHDRAWN
    ):
        raise ChangeNotAllowed("该申请已被处理，不能撤回")
    change.status = SalesChangeStatus.WITHDRAWN
    audit_record(actor=actor, action=f"sales.change.{change.kind}.withdrawn", target=change)
    return change


# ---- executors: run inside _approve's transaction, with the order row locked --------------------------


def _must_move_unit(*, unit_id: int, from_status: str, to_status: str, actor, reason: str) -> None:
    if not unit_transition(
        unit_ids=[unit_id], from_status=from_status, to_status=to_status, actor=actor, reason=reason
    ):
        raise ConcurrentChange(f"房源 #{unit_id}")


def _execute_cancel(*, change, order: Order, payload: dict, actor, reason: str, now: datetime) -> dict:
    """退房: the order is cancelled, the unit goes back on sale, coupons become usable again, and
    the deposit's fate is recorded (payments moves the money and then calls order_mark_refunded)."""
    from_status = order.status
    if not order_cas(
        order=order,
        from_status=from_status,
        to_status=OrderStatus.CANCELLED,
        actor=actor,
        reason=reason,
        closed_at=now,
        close_reason=reason,
        deposit_disposition=payload["deposit_disposition"],
    ):
        raise ConcurrentChange(order)
    unit_from = UnitStatus.RESERVED if from_status == OrderStatus.RESERVED else UnitStatus.SIGNED
    _must_move_unit(unit_id=order.unit_id, from_status=unit_from, to_status=UnitStatus.AVAILABLE, actor=actor,
                    reason=reason)  # fmt: skip
    restored = coupons_restore(order=order)
    return {
        "from_status": from_status,
        "deposit_disposition": payload["deposit_disposition"],
        "deposit_amount": str(order.deposit_amount),
        "coupons_restored": restored,
    }


def _execute_swap(*, change, order: Order, payload: dict, actor, reason: str, now: datetime) -> dict:
    """换房: the order moves to another available unit of the project, at that unit's current
    price; both units change in this transaction, locked in primary-key order."""
    old_id, new_id = order.unit_id, payload["new_unit_id"]
    units = {unit.pk: unit for unit in Unit.objects.select_for_update().filter(pk__in=[old_id, new_id]).order_by("pk")}
    new_unit = units[new_id]
    if new_unit.status != UnitStatus.AVAILABLE:
        raise ChangeNotAllowed(f"房源 {new_unit.code} 当前为「{new_unit.get_status_display()}」，不能换入")
    quote = pricing.price_quote(unit=new_unit, payment_method=order.payment_method, at=now)
    _must_move_unit(unit_id=old_id, from_status=UnitStatus.RESERVED, to_status=UnitStatus.AVAILABLE, actor=actor,
                    reason=reason)  # fmt: skip
    _must_move_unit(unit_id=new_id, from_status=UnitStatus.AVAILABLE, to_status=UnitStatus.LOCKED, actor=actor,
                    reason=reason)  # fmt: skip
    _must_move_unit(unit_id=new_id, from_status=UnitStatus.LOCKED, to_status=UnitStatus.RESERVED, actor=actor,
                    reason=reason)  # fmt: skip
    old = {"unit_id": old_id, "unit": units[old_id].code, "price": str(order.price_amount)}
    Order.objects.filter(pk=order.pk).update(
        unit=new_unit,
        price_version_id=new_unit.price_version_id,
        list_price_amount=quote.list_price_amount,
        price_amount=quote.final_price_amount,
        price_breakdown=quote.snapshot() | {"swapped_from": old},
    )
    order.unit = new_unit
    return {"old": old, "new": {"unit_id": new_id, "unit": new_unit.code, "price": str(quote.final_price_amount)}}


def _execute_rename(*, change, order: Order, payload: dict, actor, reason: str, now: datetime) -> dict:
    """更名: replace the buyer (the quota slot stays with the opening registration it came from),
    or add a co-buyer (共同购房人)."""
    if payload["action"] == "replace_buyer":
        previous = order.buyer_id
        Order.objects.filter(pk=order.pk).update(buyer_id=payload["buyer_id"], customer=None)
        order.buyer_id, order.customer = payload["buyer_id"], None
        return {"action": "replace_buyer", "from_buyer_id": previous, "to_buyer_id": payload["buyer_id"]}
    co_buyer = OrderCoBuyer.objects.create(
        order=order, name=payload["name"], id_number=payload["id_number"], mobile=payload["mobile"], change=change
    )
    return {"action": "add_co_buyer", "co_buyer_id": co_buyer.pk}


def _execute_sign(*, change, order: Order, payload: dict, actor, reason: str, now: datetime) -> dict:
    """签约: record the contract number and date; the order and the unit become signed, and the
    buyer's paid coupons for this unit are deducted from the contract price."""
    signed_on = parse_date(payload["contract_signed_on"])
    coupons = coupons_apply_at_signing(order=order, at=now)
    deduction = sum((coupon.deduction_amount for coupon in coupons), ZERO)
    contract_price = max(order.price_amount - deduction, ZERO)
    if not order_cas(
        order=order,
        from_status=OrderStatus.RESERVED,
        to_status=OrderStatus.SIGNED,
        actor=actor,
        reason=reason,
        signed_at=now,
        contract_number=payload["contract_number"],
        contract_signed_on=signed_on,
        coupon_deduction_amount=deduction,
        contract_price_amount=contract_price,
    ):
        raise ConcurrentChange(order)
    _must_move_unit(unit_id=order.unit_id, from_status=UnitStatus.RESERVED, to_status=UnitStatus.SIGNED, actor=actor,
                    reason=reason)  # fmt: skip
    return {
        "contract_number": payload["contract_number"],
        "contract_signed_on": payload["contract_signed_on"],
        "coupon_ids": [coupon.pk for coupon in coupons],
        "coupon_deduction": str(deduction),
        "contract_price": str(contract_price),
    }
