"""Who sees which reports. accounts.roles gathers ROLE_PERMISSIONS from here."""

_CHARGE = ("reports.view_charge_reports", "reports.export_reports", "reports.view_generatedreport")
_PROPERTY = ("reports.view_property_reports",)

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # 财务: every charge report, their exports and the download centre.
    "finance": (*_CHARGE, *_PROPERTY),
    # 销售经理: the property and sales statistics, and the charge reports of their projects.
    "sales_manager": (*_CHARGE, *_PROPERTY),
}
