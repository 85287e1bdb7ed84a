"""Demo loan support: the consultant generates bank loan plans (贷款方案) for 张伟's reserved unit
and saves the cheapest one to his customer record, so the buyer sees it at /loans/plans/.

Through loans.services: `loan_plans_generate` (a read, priced at today's rates) and `loan_plan_save`.
"""

from decimal import Decimal

from loans import services as loan_services
from loans.choices import HomeType
from loans.plans import PlanRequest, RankBy
from sales.models import Customer
from shuchang.core.money import to_amount
from shuchang.demo.sales import DEMO_TOKENS, demo_order


def build_loan_plans(ctx) -> None:
    """A first-home 按揭 for the reserved order: 40% down, 25 years, ranked by the first month's payment."""
    consultant = ctx.staff["consultant"]
    order = demo_order(*DEMO_TOKENS["reserved"])
    # The reservation linked the buyer to the consultant's customer record with his mobile.
    customer = Customer.objects.get(project_id=order.project_id, user=order.buyer)
    request = PlanRequest(
        price=order.price_amount,
        down_payment=to_amount(order.price_amount * Decimal("0.40")),
        monthly_income=Decimal("85000.00"),
        age=36,
        home_type=HomeType.FIRST,
        property_fee=Decimal("700.00"),
        provident_eligible=True,
        provident_ceiling=Decimal("1200000.00"),
        terms=(20, 25, 30),
    )
    result = loan_services.loan_plans_generate(
        actor=consultant, request=request, contract_on=ctx.today, rank_by=RankBy.MONTHLY_PAYMENT
    )
    if not result.options:
        return  # nothing affordable at today's rates: leave it to the consultant in the admin
    loan_services.loan_plan_save(
        actor=consultant, customer=customer, result=result, key=result.options[0].key, contract_on=ctx.today
    )
    ctx.count("loan_plans")
