"""The plan generator's entry point, exports of a plan, and saving a plan to a customer."""

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from loans import exports, plans, selectors
from loans.exceptions import LoanInputError
from loans.models import LoanPlan


def loan_plans_generate(*, actor, request: plans.PlanRequest, contract_on: date, rank_by: str) -> plans.PlanResult:
    """Every plan for `request` across the active products, priced at the rates of `contract_on`.

    A read: nothing is stored; `loan_plan_save` keeps the option a customer chooses.
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
def loan_plan_save(*, actor, customer, result: plans.PlanResult, key: str, contract_on: date) -> tuple[LoanPlan, bool]:
    """Keep one option of `result` for `customer` (the buyer then sees it in their account).

    Returns (plan, created): saving the same figures again returns the first plan.
    """
    if not selectors.customers_for_loan_plans(actor).filter(pk=customer.pk).exists():
        raise LoanInputError("无权为该客户保存贷款方案")
    option = result.option(key)
    if option is None:
        raise LoanInputError("该方案已不在可选方案中，请重新生成后再保存")
    snapshot = {**plans.plan_snapshot(option, result.request), "contract_on": contract_on.isoformat()}
    fingerprint = hashlib.sha256(json.dumps(snapshot, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    existing = LoanPlan.objects.filter(customer=customer, fingerprint=fingerprint).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            plan = LoanPlan.objects.create(
                customer=customer,
                fingerprint=fingerprint,
                kind=option.kind,
                bank_name=option.bank_name,
                products_label="；".join(product.name for product in option.products),
                term_years=option.term_years,
                method=option.method,
                price_amount=result.request.price,
                down_payment_amount=option.down_payment,
                commercial_amount=option.commercial_amount,
                provident_amount=option.provident_amount,
                commercial_rate=option.commercial_rate,
                provident_rate=option.provident_rate,
                first_payment_amount=option.first_payment,
                total_interest_amount=option.total_interest,
                contract_on=contract_on,
                snapshot=snapshot,
                created_by=actor,
            )
    except IntegrityError:  # the same plan saved by a parallel request
        return LoanPlan.objects.get(customer=customer, fingerprint=fingerprint), False
    audit_record(
        actor=actor,
        action="loans.plan.saved",
        target=plan,
        data={"customer": customer.pk, "plan": option.key, "loan_amount": option.loan_amount},
    )
    return plan, True
