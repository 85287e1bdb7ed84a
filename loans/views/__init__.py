"""Loan pages, split by sub-domain; urls.py and admin.py refer to them as `views.<name>`."""

from loans.views.admin_plans import plan_export, plan_generator, plan_save
from loans.views.applications import (
    application_action,
    application_create,
    application_detail,
    application_list,
    document_download,
    document_upload,
)
from loans.views.calculator import calculator_page
from loans.views.plans import plan_detail, plan_list

__all__ = [
    "application_action",
    "application_create",
    "application_detail",
    "application_list",
    "calculator_page",
    "document_download",
    "document_upload",
    "plan_detail",
    "plan_export",
    "plan_generator",
    "plan_list",
    "plan_save",
]
