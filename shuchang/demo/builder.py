"""Build the whole demo data set in one transaction: all of it, or nothing."""

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from developers.models import Company, PropertyManager
from listings.models import Project
from shuchang.demo import company, inventory, loans, payments, people, sales


@dataclass
class DemoContext:
    """What the steps built so far; later steps (and later issues' steps) read it."""

    today: date
    staff: dict[str, User] = field(default_factory=dict)
    buyers: list[User] = field(default_factory=list)
    company: Company | None = None
    property_managers: list[PropertyManager] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    timings: dict[str, float] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] += n


# The steps, in dependency order. Later issues append theirs (openings, orders, payments, loans…).
STEPS: tuple[Callable[[DemoContext], None], ...] = (
    people.build_roles,
    people.build_staff,
    company.build_company,
    inventory.build_projects,
    people.build_scoped_staff,
    company.build_departments,
    people.build_buyers,
    sales.build_customers,
    sales.build_schemes,
    sales.build_openings,
    sales.build_orders,
    payments.build_deposits,
    sales.build_contracts,
    payments.build_down_payment,
    payments.build_points,
    loans.build_loan_plans,
)


def demo_present() -> bool:
    """True once a developer company exists: the demo never writes into a database that has data."""
    return Company.objects.exists()


@transaction.atomic
def build_demo(*, today: date | None = None, steps=STEPS) -> DemoContext | None:
    """Load the demo into an empty database and return what was built; None (and no writes) if data exists."""
    if demo_present():
        return None
    ctx = DemoContext(today=today or timezone.localdate())
    for step in steps:
        started = time.perf_counter()
        step(ctx)
        ctx.timings[step.__name__] = time.perf_counter() - started
    audit_record(actor=None, action="demo.loaded", target=ctx.company, data=dict(ctx.counts))
    return ctx
