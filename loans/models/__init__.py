"""Loan models, split by sub-domain; import them from here (`from loans.models import LoanProduct`)."""

from loans.choices import HomeType, LoanKind, RateRule
from loans.models.applications import (
    LOAN_APPLICATION_TRANSITIONS,
    OPEN_APPLICATION_STATUSES,
    LoanApplication,
    LoanApplicationStatus,
    LoanApplicationStatusChange,
    LoanDocument,
    LoanDocumentKind,
)
from loans.models.plans import LoanPlan
from loans.models.rates import LEGAL_MAX_TERM_YEARS, Bank, LoanPolicy, LoanProduct, LprRate, ProvidentFundRate

__all__ = [
    "LEGAL_MAX_TERM_YEARS",
    "LOAN_APPLICATION_TRANSITIONS",
    "OPEN_APPLICATION_STATUSES",
    "Bank",
    "HomeType",
    "LoanApplication",
    "LoanApplicationStatus",
    "LoanApplicationStatusChange",
    "LoanDocument",
    "LoanDocumentKind",
    "LoanKind",
    "LoanPlan",
    "LoanPolicy",
    "LoanProduct",
    "LprRate",
    "ProvidentFundRate",
    "RateRule",
]
