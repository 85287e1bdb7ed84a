"""我的贷款方案: the plans a sales manager saved for the buyer, and one plan's repayment table."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from loans import calculator, charts, plans, selectors


def _layout(user) -> str:
    return "layouts/office.html" if user.is_staff else "layouts/storefront.html"


@require_GET
def plan_list(request):
    saved = selectors.loan_plan_list_for_user(request.user)[:200]
    return render(request, "loans/plan_list.html", {"plans": saved, "layout": _layout(request.user)})


@require_GET
def plan_detail(request, pk: int):
    plan = selectors.loan_plan_get_for_user(request.user, pk)
    schedule = plans.schedule_from_snapshot(plan.snapshot)
    context = {
        "plan": plan,
        "schedule": schedule,
        "years": calculator.by_year(schedule),
        "chart": charts.principal_interest_chart(schedule),
        "layout": _layout(request.user),
    }
    return render(request, "loans/plan_detail.html", context)
