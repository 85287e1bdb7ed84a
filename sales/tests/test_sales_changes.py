"""Sales changes (销售变更): 退房, 换房, 更名, 签约 — applied, then approved-and-executed or rejected."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from listings.models import UnitStatus
from sales import services
from sales.exceptions import ChangeNotAllowed, DomainError
from sales.models import (
    CouponStatus,
    DepositDisposition,
    OrderCoBuyer,
    OrderStatus,
    SalesChange,
    SalesChangeStatus,
    SchemeKind,
)
from sales.tests import factories
from sales.tests.factories import sales_state, select

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(buyer, units):
    """A reserved order on units[0] (deposit paid)."""
    order = select(buyer, units[0], payment_method="full")
    return services.order_reserve(order=order, actor=None, paid_at=timezone.now())


def _apply(order, actor, kind, payload, reason="客户申请"):
    return services.sales_change_apply(order=order, kind=kind, payload=payload, reason=reason, actor=actor)


def _status(obj):
    obj.refresh_from_db()
    return obj.status


def test_refund_cancels_the_order_frees_the_unit_and_records_the_deposit_choice(order, units, consultant,
                                                                                  sales_manager):  # fmt: skip
    change = _apply(order, consultant, "cancel", {"deposit_disposition": "refund"}, reason="客户资金变故")

    services.sales_change_approve(change=change, actor=sales_manager, note="同意退房")

    order.refresh_from_db()
    assert (order.status, order.deposit_disposition) == (OrderStatus.CANCELLED, DepositDisposition.REFUND)
    assert _status(units[0]) == UnitStatus.AVAILABLE
    assert (_status(change), change.reviewer, change.result["deposit_amount"]) == (
        SalesChangeStatus.EXECUTED, sales_manager, "20000.00")  # fmt: skip
    services.order_mark_refunded(order=order, actor=None)
    assert _status(order) == OrderStatus.REFUNDED
    assert AuditEntry.objects.filter(action__startswith="sales.change.cancel").count() == 2


def test_a_forfeited_deposit_is_never_marked_refunded(order, consultant, sales_manager):
    change = _apply(order, consultant, "cancel", {"deposit_disposition": "forfeit"})
    services.sales_change_approve(change=change, actor=sales_manager)
    order.refresh_from_db()

    with pytest.raises(DomainError):
        services.order_mark_refunded(order=order, actor=None)

    assert _status(order) == OrderStatus.CANCELLED


def test_swap_moves_the_order_to_another_unit_at_that_units_price(order, units, consultant, sales_manager, project):
    services.scheme_create(project=project, actor=sales_manager, name="98折", kind=SchemeKind.DISCOUNT,
                           discount_rate=Decimal("0.98"), valid_from=timezone.now() - timedelta(days=1))  # fmt: skip
    target = units[3]
    change = _apply(order, consultant, "swap", {"new_unit_id": target.pk})

    services.sales_change_approve(change=change, actor=sales_manager)

    order.refresh_from_db()
    assert order.unit == target and order.status == OrderStatus.RESERVED
    assert (_status(units[0]), _status(target)) == (UnitStatus.AVAILABLE, UnitStatus.RESERVED)
    assert order.price_amount == Decimal("1775760.00")  # 1,812,000 × 0.98
    assert order.price_breakdown["swapped_from"]["unit"] == units[0].code
    assert _status(change) == SalesChangeStatus.EXECUTED


def test_a_swap_whose_target_was_sold_meanwhile_is_refused_and_stays_open(order, units, other_buyer, consultant,
                                                                          sales_manager):  # fmt: skip
    change = _apply(order, consultant, "swap", {"new_unit_id": units[3].pk})
    select(other_buyer, units[3])
    before = sales_state()

    with pytest.raises(ChangeNotAllowed) as refusal:
        services.sales_change_approve(change=change, actor=sales_manager)

    assert "不能换入" in refusal.value.message
    assert sales_state() == before and _status(change) == SalesChangeStatus.APPLIED
    assert AuditEntry.objects.filter(action="sales.change.swap.approve", result="refused").count() == 1


def test_rename_replaces_the_buyer(order, other_buyer, consultant, sales_manager):
    change = _apply(order, consultant, "rename", {"action": "replace_buyer", "buyer_id": other_buyer.pk})

    services.sales_change_approve(change=change, actor=sales_manager)

    order.refresh_from_db()
    assert order.buyer == other_buyer and order.status == OrderStatus.RESERVED


def test_rename_adds_a_co_buyer(order, consultant, sales_manager):
    payload = {"action": "add_co_buyer", "name": "张太太", "id_number": "440524198001010013", "mobile": "13700000001"}
    change = _apply(order, consultant, "rename", payload)

    services.sales_change_approve(change=change, actor=sales_manager)

    co_buyer = OrderCoBuyer.objects.get(order=order)
    assert (co_buyer.name, co_buyer.change) == ("张太太", change)
    assert str(co_buyer) == "张*太（440524********0013）"


def test_signing_records_the_contract_and_deducts_the_buyers_coupon(order, buyer, units, consultant, sales_manager,
                                                                    project):  # fmt: skip
    scheme = services.scheme_create(project=project, actor=sales_manager, name="电商券", kind=SchemeKind.COUPON,
                                    coupon_price_amount=10000, deduction_amount=30000,
                                    valid_from=timezone.now() - timedelta(days=1))  # fmt: skip
    coupon = services.coupon_issue(scheme=scheme, buyer=buyer, actor=buyer)
    services.coupon_mark_paid(coupon=coupon, actor=None, paid_at=timezone.now())
    change = _apply(
        order, consultant, "sign", {"contract_number": "YQ-2026-0001", "contract_signed_on": timezone.localdate()}
    )

    services.sales_change_approve(change=change, actor=sales_manager)

    order.refresh_from_db()
    assert (order.status, order.contract_number, order.contract_signed_on) == (
        OrderStatus.SIGNED, "YQ-2026-0001", timezone.localdate())  # fmt: skip
    assert (order.coupon_deduction_amount, order.contract_price_amount) == (Decimal("30000.00"), Decimal("1770000.00"))
    assert _status(units[0]) == UnitStatus.SIGNED
    assert (_status(coupon), coupon.used_order) == (CouponStatus.USED, order)
    services.order_complete(order=order, actor=None)
    assert (_status(order), _status(units[0])) == (OrderStatus.COMPLETED, UnitStatus.SOLD)


def test_refund_after_signing_makes_the_coupon_usable_again(order, buyer, units, consultant, sales_manager, project):
    scheme = services.scheme_create(project=project, actor=sales_manager, name="电商券", kind=SchemeKind.COUPON,
                                    coupon_price_amount=10000, deduction_amount=30000,
                                    valid_from=timezone.now() - timedelta(days=1))  # fmt: skip
    coupon = services.coupon_issue(scheme=scheme, buyer=buyer, actor=buyer)
    services.coupon_mark_paid(coupon=coupon, actor=None, paid_at=timezone.now())
    sign = _apply(order, consultant, "sign", {"contract_number": "YQ-1", "contract_signed_on": "2026-12-01"})
    services.sales_change_approve(change=sign, actor=sales_manager)
    order.refresh_from_db()

    refund = _apply(order, consultant, "cancel", {"deposit_disposition": "refund"})
    services.sales_change_approve(change=refund, actor=sales_manager)

    assert _status(order) == OrderStatus.CANCELLED and _status(units[0]) == UnitStatus.AVAILABLE
    coupon.refresh_from_db()
    assert (coupon.status, coupon.used_order) == (CouponStatus.PAID, None)


def test_a_rejection_needs_a_reason_and_leaves_the_order_alone(order, consultant, sales_manager):
    change = _apply(order, consultant, "cancel", {"deposit_disposition": "forfeit"})

    with pytest.raises(ChangeNotAllowed) as no_reason:
        services.sales_change_reject(change=change, actor=sales_manager, note="")
    services.sales_change_reject(change=change, actor=sales_manager, note="合同约定不支持退房")

    assert no_reason.value.message == "请填写驳回理由"
    assert (_status(change), change.review_note) == (SalesChangeStatus.REJECTED, "合同约定不支持退房")
    assert _status(order) == OrderStatus.RESERVED


def test_nobody_approves_their_own_application(order, sales_manager, second_manager):
    change = _apply(order, sales_manager, "cancel", {"deposit_disposition": "refund"})
    before = sales_state()

    with pytest.raises(ChangeNotAllowed) as refusal:
        services.sales_change_approve(change=change, actor=sales_manager)

    assert refusal.value.message == "不能审批自己提交的申请"
    assert sales_state() == before
    services.sales_change_approve(change=change, actor=second_manager)
    assert _status(order) == OrderStatus.CANCELLED


def test_a_consultant_cannot_approve(order, consultant):
    change = _apply(order, consultant, "cancel", {"deposit_disposition": "refund"})

    with pytest.raises(ChangeNotAllowed):
        services.sales_change_approve(change=change, actor=consultant)

    assert _status(change) == SalesChangeStatus.APPLIED


def test_one_open_application_per_order(order, consultant):
    _apply(order, consultant, "cancel", {"deposit_disposition": "refund"})

    with pytest.raises(ChangeNotAllowed) as refusal:
        _apply(order, consultant, "rename", {"action": "replace_buyer", "buyer_id": order.buyer_id})

    assert refusal.value.message == "该订单已有待审批的变更申请"
    assert SalesChange.objects.count() == 1


def test_the_applicant_may_withdraw(order, consultant, sales_manager):
    change = _apply(order, consultant, "cancel", {"deposit_disposition": "refund"})

    with pytest.raises(ChangeNotAllowed):
        services.sales_change_withdraw(change=change, actor=sales_manager)
    services.sales_change_withdraw(change=change, actor=consultant)

    assert _status(change) == SalesChangeStatus.WITHDRAWN
    assert _apply(order, consultant, "cancel", {"deposit_disposition": "refund"}).status == SalesChangeStatus.APPLIED


@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        ("cancel", {}, "请选择定金处理方式：退还定金或定金不予退还"),
        ("swap", {"new_unit_id": None}, "请选择本楼盘的另一套房源"),
        ("rename", {"action": "replace_buyer", "buyer_id": None}, "新购房人须为已实名认证的购房者"),
        (
            "rename",
            {"action": "add_co_buyer", "name": "李某", "id_number": "123"},
            "身份证号码应为18位，最后一位可以是数字或X",
        ),
        ("sign", {"contract_number": "", "contract_signed_on": "2026-12-01"}, "请填写合同编号"),
        ("sign", {"contract_number": "X-1", "contract_signed_on": "2999-01-01"}, "签约日期不能晚于今天"),
    ],
)
def test_an_unsound_application_is_refused_with_nothing_changed(order, consultant, kind, payload, message):
    before = sales_state()

    with pytest.raises(ChangeNotAllowed) as refusal:
        _apply(order, consultant, kind, payload)

    assert refusal.value.message == message
    assert sales_state() == before


def test_an_unpaid_order_takes_no_sales_change(buyer, units, consultant):
    pending = select(buyer, units[1])

    with pytest.raises(ChangeNotAllowed) as refusal:
        _apply(pending, consultant, "cancel", {"deposit_disposition": "refund"})

    assert refusal.value.message == "订单当前为「待付定金」，不能办理退房"


def test_staff_outside_the_project_cannot_apply(order, other_project, sales_roles):
    outsider = factories.staff("outsider", ["consultant"], project_ids=[other_project.pk])

    with pytest.raises(ChangeNotAllowed):
        _apply(order, outsider, "cancel", {"deposit_disposition": "refund"})

    assert not SalesChange.objects.exists()
