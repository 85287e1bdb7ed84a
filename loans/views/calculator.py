"""The buyer's mortgage calculator (房贷计算器)."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from loans import calculator, charts, forms, selectors
from loans.exceptions import LoanInputError


@login_not_required
@require_GET
@vary_on_headers("HX-Request")
def calculator_page(request):
    """房贷计算器: recalculates as the buyer types (htmx swaps #results); a plain GET form without JS."""
    defaults = selectors.calculator_defaults(on=timezone.localdate())
    form = forms.CalculatorForm(request.GET or forms.CalculatorForm.initial_data(defaults))
    quote = None
    if form.is_valid():
        try:
            quote = calculator.quote(**form.quote_arguments())
        except LoanInputError as error:
            form.add_error(None, error.message)
    context = {
        "form": form,
        "quote": quote,
        "chart": charts.principal_interest_chart(quote.schedule) if quote else None,
        "years": calculator.by_year(quote.schedule) if quote else [],
        "defaults": defaults,
    }
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "loans/calculator.html#results" if partial else "loans/calculator.html", context)
