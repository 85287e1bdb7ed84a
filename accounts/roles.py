"""The roles of DESIGN.md, declared in code and applied idempotently by `sync_roles`.

A role is a Django group; its permission set is exactly what is declared (extra permissions
granted by hand are removed on the next sync, so the code stays the truth). The permissions of
the foundation apps are listed here; every other app declares what each role may do with it in
`<app>/permissions.py` as `ROLE_PERMISSIONS = {role code: (permissions…)}`, beside the predicates
that use them, and `role_permissions` gathers them — so accounts never imports the apps above it.
"""

from collections import defaultdict
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps


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

ROLES: dict[str, Role] = {
    BUYER: Role(BUYER, "购房者", ()),
    CONSULTANT: Role(CONSULTANT, "置业顾问", _VIEW_INVENTORY),
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
        ),
    ),
    FINANCE: Role(FINANCE, "财务", _VIEW_INVENTORY),
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


def _declared_by_apps() -> dict[str, list[str]]:
    declared: dict[str, list[str]] = defaultdict(list)
    for config in apps.get_app_configs():
        module_name = f"{config.name}.permissions"
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name:
                continue
            raise
        for code, permissions in getattr(module, "ROLE_PERMISSIONS", {}).items():
            declared[code].extend(permissions)
    return declared


def role_permissions() -> dict[str, tuple[str, ...]]:
    """Every role's full permission set: the foundation's list plus what each app declares."""
    declared = _declared_by_apps()
    return {code: tuple(dict.fromkeys((*role.permissions, *declared.get(code, ())))) for code, role in ROLES.items()}
