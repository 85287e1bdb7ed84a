"""Payment notices (缴费通知单) and dunning notices (催款通知): a snapshot of an order's statement,
kept as issued so a reprint shows what the buyer was sent."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from payments import selectors
from payments.exceptions import PaymentNotAllowed
from payments.models import NoticeKind, PaymentNotice
from payments.services._common import person_name, require
from sales.models import Order


@transaction.atomic
def notice_issue(*, order: Order, actor, kind: str = NoticeKind.NOTICE, as_of: date | None = None) -> PaymentNotice:
    """Issue a 缴费通知单 (what is due, paid, outstanding) or a 催款通知 (only when something is overdue)."""
    require(actor, "payments.add_paymentnotice", order.project_id, "您没有出具通知单的权限")
    if kind not in NoticeKind.values:
        raise PaymentNotAllowed("通知单类型不正确")
    as_of = as_of or timezone.localdate()
    statement = selectors.order_statement(order, as_of=as_of)
    if statement.schedule is None:
        raise PaymentNotAllowed("该订单还没有应收计划，请先生成应收计划")
    if kind == NoticeKind.DUNNING and statement.overdue <= 0:
        raise PaymentNotAllowed(f"截至{as_of:%Y年%m月%d日}该订单没有逾期未付的款项")
    notice = PaymentNotice.objects.create(
        order=order,
        project_id=order.project_id,
        kind=kind,
        as_of=as_of,
        payer_name=person_name(order.buyer)[:50],
        unit_label=f"{order.project.name} {order.unit.code}"[:60],
        lines=[line.as_json() for line in statement.lines],
        due_amount=statement.total,
        paid_amount=statement.paid,
        outstanding_amount=statement.outstanding,
        overdue_amount=statement.overdue,
        issued_by=actor,
    )
    audit_record(
        actor=actor,
        action=f"payments.notice.{kind}",
        target=notice,
        data={"order_id": order.pk, "as_of": as_of, "outstanding": statement.outstanding, "overdue": statement.overdue},
    )
    return notice
