"""Loan writes and the plan generator's entry point.

Banks, products, rate rows and the policy are edited in the admin through `loan_setting_save`,
which writes the operation log with before and after. Rate rows are never deleted: a loan keeps
the rate of its contract date, so history must stay.
"""

from dataclasses import dataclass
from datetime import date

from django.db import models, transaction
from django.utils import timezone

from audit.services import audit_record, snapshot
from loans import exports, plans, selectors
from loans.exceptions import LoanInputError


def loan_plans_generate(*, actor, request: plans.PlanRequest, contract_on: date, rank_by: str) -> plans.PlanResult:
    """Every plan for `request` across the active products, priced at the rates of `contract_on`.

    A read: nothing is stored (saving a plan to a customer comes with sales.Customer).
    """
    products = selectors.plan_products(on=contract_on)
    policy = selectors.plan_policy(on=contract_on)
    return plans.generate_plans(request=request, products=products, policy=policy, rank_by=rank_by)


@dataclass(frozen=True)
class ExportedFile:
    content: bytes
    filename: str
    content_type: str


EXPORT_FORMATS = {
    "pdf": (exports.plan_pdf, "application/pdf"),
    "xlsx": (exports.plan_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@transaction.atomic
def loan_plan_export(
    *,
    actor,
    result: plans.PlanResult,
    key: str,
    file_format: str,
    contract_on: date,
    customer_name: str = "",
) -> ExportedFile:
    """One option of `result` as a PDF or Excel file; the export is written to the operation log."""
    option = result.option(key)
    if option is None:
        raise LoanInputError("该方案已不在可选方案中，请重新生成后再导出")
    if file_format not in EXPORT_FORMATS:
        raise LoanInputError("导出格式只能是PDF或Excel")
    render, content_type = EXPORT_FORMATS[file_format]
    document = exports.PlanDocument(
        option=option,
        request=result.request,
        contract_on=contract_on,
        generated_at=timezone.now(),
        customer_name=customer_name.strip(),
        prepared_by=actor.get_full_name() or actor.get_username(),
    )
    content = render(document)
    audit_record(
        actor=actor,
        action="loans.plan.exported",
        data={
            "format": file_format,
            "plan": option.key,
            "contract_on": contract_on,
            "price": result.request.price,
            "loan_amount": option.loan_amount,
        },
    )
    return ExportedFile(content, exports.plan_filename(document, file_format), content_type)


@transaction.atomic
def loan_setting_save(*, instance: models.Model, actor) -> models.Model:
    """Create or change a bank, product, rate row or policy, with before/after in the operation log."""
    model = type(instance)
    is_new = instance.pk is None
    before = None if is_new else snapshot(model.objects.select_for_update().get(pk=instance.pk))
    instance.full_clean()
    instance.save()
    label = model._meta.model_name
    audit_record(
        actor=actor,
        action=f"loans.{label}.{'created' if is_new else 'changed'}",
        target=instance,
        before=before,
        after=snapshot(instance),
    )
    return instance
