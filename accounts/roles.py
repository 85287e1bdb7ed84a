"""The roles of DESIGN.md, declared in code and applied idempotently by `sync_roles`.

A role is a Django group; its permission set is exactly what is listed here (extra permissions
granted by hand are removed on the next sync, so the code stays the truth).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    code: str
    name: str
    permissions: tuple[str, ...]  # "app_label.codename"


BUYER = "buyer"
CONSULTANT = "consultant"
SALES_MANAGER = "sales_manager"
FINANCE = "finance"
ADMINISTRATOR = "administrator"
AUDITOR = "auditor"

_VIEW_INVENTORY = (
    "developers.view_company",
    "developers.view_news",
    "developers.view_propertymanager",
    "developers.view_department",
    "developers.view_employee",
    "listings.view_project",
    "listings.view_building",
    "listings.view_floorplan",
    "listings.view_unit",
    "listings.view_samplehouse",
    "listings.view_pricelistversion",
    "listings.view_publicationbatch",
)

_SALES_CONSULTANT = (
    "sales.view_customer",
    "sales.add_customer",
    "sales.change_customer",
    "sales.view_followup",
    "sales.add_followup",
    "sales.view_scheme",
    "sales.view_opening",
    "sales.view_registration",
    "sales.view_order",
    "sales.view_orderstatuschange",
    "sales.view_ordercobuyer",
    "sales.assist_order",
    "sales.cancel_order",
    "sales.view_saleschange",
    "sales.add_saleschange",
    "sales.view_coupon",
)
_SALES_MANAGER = (
    *_SALES_CONSULTANT,
    "sales.view_all_customers",
    "sales.add_scheme",
    "sales.change_scheme",
    "sales.add_opening",
    "sales.change_opening",
    "sales.draw_lottery",
    "sales.approve_saleschange",
)
_SALES_FINANCE = (
    "sales.view_customer",
    "sales.view_all_customers",
    "sales.view_scheme",
    "sales.view_opening",
    "sales.view_registration",
    "sales.view_order",
    "sales.view_orderstatuschange",
    "sales.view_ordercobuyer",
    "sales.view_saleschange",
    "sales.view_coupon",
)

ROLES: dict[str, Role] = {
    BUYER: Role(BUYER, "购房者", ()),
    CONSULTANT: Role(CONSULTANT, "置业顾问", (*_VIEW_INVENTORY, *_SALES_CONSULTANT)),
    SALES_MANAGER: Role(
        SALES_MANAGER,
        "销售经理",
        (
            *_VIEW_INVENTORY,
            "developers.add_news",
            "developers.change_news",
            "listings.add_project",
            "listings.change_project",
            "listings.add_building",
            "listings.change_building",
            "listings.add_floorplan",
            "listings.change_floorplan",
            "listings.add_unit",
            "listings.change_unit",
            "listings.add_samplehouse",
            "listings.change_samplehouse",
            "listings.import_prices",
            "listings.publish_unit",
            "listings.withhold_unit",
            *_SALES_MANAGER,
        ),
    ),
    FINANCE: Role(FINANCE, "财务", (*_VIEW_INVENTORY, *_SALES_FINANCE)),
    ADMINISTRATOR: Role(
        ADMINISTRATOR,
        "系统管理员",
        (
            "accounts.view_user",
            "accounts.add_user",
            "accounts.change_user",
            "accounts.view_buyerprofile",
            "accounts.view_staffprofile",
            "accounts.add_staffprofile",
            "accounts.change_staffprofile",
            "accounts.view_full_identity",
            "auth.view_group",
            "audit.view_auditentry",
            "audit.view_loginentry",
            "audit.export_auditentry",
            "audit.view_backup",
            "audit.add_backup",
            "audit.restore_backup",
            "developers.view_company",
            "developers.change_company",
            "developers.view_propertymanager",
            "developers.add_propertymanager",
            "developers.change_propertymanager",
            "developers.view_department",
            "developers.add_department",
            "developers.change_department",
            "developers.view_employee",
            "developers.add_employee",
            "developers.change_employee",
        ),
    ),
    AUDITOR: Role(AUDITOR, "审计员", ("audit.view_auditentry", "audit.view_loginentry", "audit.export_auditentry")),
}

STAFF_ROLES = tuple(code for code in ROLES if code != BUYER)


def role_name(code: str) -> str:
    return ROLES[code].name
