"""Refusals of the loan module; each carries the Chinese message the user sees."""

from shuchang.core.exceptions import DomainError


class LoanInputError(DomainError):
    """Bad calculator or plan input: nothing is computed, the message says what to fix."""

    default_message = "贷款参数有误，请检查后重试"


class InvalidLoanAmount(LoanInputError):
    default_message = "贷款金额无效"


class InvalidRate(LoanInputError):
    default_message = "贷款利率无效"


class InvalidTerm(LoanInputError):
    default_message = "贷款期限无效"


class InvalidPrepayment(LoanInputError):
    default_message = "提前还款参数无效"


class RateNotConfigured(DomainError):
    """The rate table has no row in force on the contract date."""

    default_message = "该日期没有生效的贷款利率，请先在后台维护利率表"
