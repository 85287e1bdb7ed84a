"""Loan writes, split by sub-domain; call them as `services.<name>` (imported here)."""

from loans.services.applications import (
    loan_application_approve,
    loan_application_disburse,
    loan_application_reject,
    loan_application_review_start,
    loan_application_submit,
    loan_document_open,
    loan_document_upload,
)
from loans.services.config import loan_setting_save
from loans.services.plans import (
    EXPORT_FORMATS,
    ExportedFile,
    loan_plan_export,
    loan_plan_save,
    loan_plans_generate,
)

__all__ = [
    "EXPORT_FORMATS",
    "ExportedFile",
    "loan_application_approve",
    "loan_application_disburse",
    "loan_application_reject",
    "loan_application_review_start",
    "loan_application_submit",
    "loan_document_open",
    "loan_document_upload",
    "loan_plan_export",
    "loan_plan_save",
    "loan_plans_generate",
    "loan_setting_save",
]
