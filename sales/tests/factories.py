"""Sales test helpers: every object is made through the services, so it obeys the real rules.

`registered` signs up through the service "just before sign-up closed" when that is already past,
or writes the row directly when asked (`direct=True`, for the concurrency tests' bulk set-up).
"""

import itertools
import uuid
from datetime import date, timedelta

from django.utils import timezone

from accounts.services import buyer_register, buyer_verify_identity, staff_create
from sales import services
from sales.models import FeeStatus, Opening, OpeningMode, Registration
from shuchang.core.validators import id_number_check_char

_serial = itertools.count(1)


def id_number(serial: int) -> str:
    """A valid resident ID number (checksum included), distinct per serial."""
    born_on = date(1960, 1, 1) + timedelta(days=serial // 1000)
    first17 = f"110105{born_on:%Y%m%d}{serial % 1000:03d}"
    return first17 + id_number_check_char(first17)


def buyer(name: str = "王五", *, verified: bool = True):
    """A new buyer account, real-name verified unless told otherwise."""
    serial = next(_serial)
    user = buyer_register(mobile=f"137{serial:08d}", password="Test-pass-2026")
    if verified:
        buyer_verify_identity(user=user, real_name=name, id_number=id_number(serial))
        user.refresh_from_db()  # drop the cached, not yet verified profile
    return user


def staff(username: str, role_codes: list[str], project_ids=()):
    return staff_create(
        actor=None,
        username=username,
        password="Test-pass-2026",
        full_name=username,
        role_codes=role_codes,
        project_ids=project_ids,
    )


def opening(*, project, units, actor, publish: bool = True, **fields) -> Opening:
    fields.setdefault("name", "首次开盘")
    fields.setdefault("mode", OpeningMode.FREE)
    opening = services.opening_create(project=project, actor=actor, unit_ids=[u.pk for u in units], **fields)
    if publish:
        opening = services.opening_publish(opening=opening, actor=actor)
    return opening


def registered(opening: Opening, user, *, paid: bool = True, direct: bool = False) -> Registration:
    """The buyer signed up for `opening` (认筹 paid when the opening requires it)."""
    if direct:
        registration = Registration.objects.create(
            opening=opening,
            buyer=user,
            fee_amount=opening.registration_fee_amount if opening.requires_registration else 0,
            fee_status=FeeStatus.UNPAID if opening.requires_registration else FeeStatus.NOT_REQUIRED,
        )
    else:
        at = min(timezone.now(), opening.signup_ends_at - timedelta(minutes=1))
        registration = services.registration_create(opening=opening, buyer=user, actor=user, at=at)
    if opening.requires_registration and paid:
        registration = services.registration_mark_paid(registration=registration, actor=None, paid_at=timezone.now())
    return registration


def token() -> str:
    return uuid.uuid4().hex


def select(user, unit, opening=None, *, payment_method: str = "mortgage", request_token: str | None = None):
    unit.refresh_from_db()
    return services.order_select(
        buyer=user,
        unit=unit,
        opening=opening,
        actor=user,
        payment_method=payment_method,
        request_token=request_token or token(),
    )


def sales_state() -> dict:
    """Everything a refused selection or transition must leave untouched."""
    from audit.models import AuditEntry
    from listings.models import Unit, UnitStatusChange
    from sales.models import Order, OrderStatusChange, SalesChange

    return {
        "orders": list(Order.objects.order_by("pk").values_list("pk", "status", "unit_id", "buyer_id")),
        "units": dict(Unit.objects.values_list("pk", "status")),
        "unit_history": UnitStatusChange.objects.count(),
        "order_history": OrderStatusChange.objects.count(),
        "changes": list(SalesChange.objects.order_by("pk").values_list("pk", "status")),
        "log": AuditEntry.objects.filter(action__startswith="sales.", result="success").count(),
    }
