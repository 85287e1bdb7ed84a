"""Every report by its identifier."""

from reports.exporters.base import Report
from reports.exporters.charges import ChargeItemSummary, OperatorSummary, ReceiptDetail, ReceiptSummary
from reports.exporters.property import (
    ConsultantPerformance,
    Inventory,
    OpeningSellThrough,
    Owners,
    SalesByPeriod,
)
from reports.exporters.yearly import Arrears, HouseholdLedger, MonthlyChargeItems

REPORTS: dict[str, type[Report]] = {
    report.code: report
    for report in (
        ReceiptDetail,
        ReceiptSummary,
        OperatorSummary,
        ChargeItemSummary,
        MonthlyChargeItems,
        Arrears,
        HouseholdLedger,
        Inventory,
        SalesByPeriod,
        OpeningSellThrough,
        Owners,
        ConsultantPerformance,
    )
}

__all__ = ["REPORTS", "Report"]
