"""Reports fixtures: the site with the reports pages, the role permissions every app declares, and a
small known set of money made through the payments services.

The known set (all on one project, one order of 张三, unit 1-0101):
  A  定金    现金  20,000.00  finance
  B  首付款  现金  50,000.00  finance            (a partial payment of the price)
  C  首付款  现金  10,000.00  finance  voided
  D  首付款  减免   3,000.00  manager           (a waiver)
  E  首付款  现金  −5,000.00  finance  red        (a refund of B)
Counting (valid) total: 68,000.00; voided apart: 10,000.00.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache

from accounts.roles import ROLES, role_permissions
from listings.tests.factories import ProjectFactory, building_with_units
from payments import services as payment_services
from payments.models import ChargeKind, Payment, Receipt, WaiverLimit
from payments.tests import factories


@pytest.fixture(autouse=True)
def _reports_site(settings, tmp_path):
    settings.ROOT_URLCONF = "reports.tests.urls"
    settings.REPORTS_ROOT = tmp_path / "reports"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def all_role_permissions(roles):
    """Every app's declared permissions on the role groups (what roles_sync does once they are gathered)."""
    from payments import permissions as payments_permissions

    declared = {code: list(perms) for code, perms in role_permissions().items()}
    # payments still names its dict PAYMENTS_ROLE_PERMISSIONS (not gathered yet): add it by hand.
    for code, perms in getattr(payments_permissions, "PAYMENTS_ROLE_PERMISSIONS", {}).items():
        declared.setdefault(code, []).extend(perms)
    for code, dotted in declared.items():
        group = Group.objects.get(name=ROLES[code].name)
        for name in dotted:
            app_label, codename = name.split(".")
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                group.permissions.add(permission)


@pytest.fixture
def finance(finance, all_role_permissions):
    return finance


@pytest.fixture
def sales_manager(sales_manager, all_role_permissions):
    return sales_manager


@pytest.fixture
def consultant(consultant, all_role_permissions):
    return consultant


@pytest.fixture
def buyer(buyer):
    buyer.refresh_from_db()
    return buyer


@pytest.fixture
def project(db):
    return ProjectFactory(name="舒畅·云栖府", slug="yunqi")


@pytest.fixture
def other_project(db):
    return ProjectFactory(name="舒畅·锦江苑", slug="jinjiang")


@pytest.fixture
def units(project):
    building = building_with_units(project=project, number="1", floors=3, units_per_floor=2)
    return list(building.units.order_by("pk"))


@dataclass
class KnownSet:
    order: object
    deposit: Payment
    partial: Payment
    voided: Payment
    waiver: Payment
    refund: Payment

    @property
    def receipts(self) -> list[Receipt]:
        return [p.receipt for p in (self.deposit, self.partial, self.voided, self.waiver, self.refund)]


@pytest.fixture
def known_set(buyer, units, finance, sales_manager) -> KnownSet:
    order = factories.select(buyer, units[0])
    deposit = factories.pay_deposit_cash(order, finance)
    order.refresh_from_db()
    partial = factories.pay(order, finance, "50000.00")
    voided = factories.pay(order, finance, "10000.00")
    payment_services.receipt_void(receipt=voided.receipt, actor=finance, reason="金额录错")
    WaiverLimit.objects.create(user=sales_manager, limit_amount=Decimal("5000.00"))
    waiver = factories.pay(order, sales_manager, "3000.00", method_code="waiver", reason="老业主优惠")
    refund = payment_services.refund_create(payment=partial, amount="5000.00", actor=finance, reason="多收退回")
    for payment in (deposit, partial, voided, waiver, refund):
        payment.refresh_from_db()
    assert deposit.charge_item.kind == ChargeKind.DEPOSIT
    return KnownSet(order=order, deposit=deposit, partial=partial, voided=voided, waiver=waiver, refund=refund)
