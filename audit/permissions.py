"""The permission matrix: per role, what it may do — read from the role declarations in code."""

from django.contrib.auth.models import Permission

from accounts.roles import ROLES, role_permissions


def permission_matrix() -> dict:
    """{"roles": [names], "rows": [(app label, permission name, codename, [bool per role])]}."""
    declared = role_permissions()
    granted = {code: set(permissions) for code, permissions in declared.items()}
    wanted = sorted({dotted for permissions in declared.values() for dotted in permissions})
    permissions = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in=[dotted.split(".", 1)[1] for dotted in wanted]
        )
    }
    rows = []
    for dotted in wanted:
        permission = permissions.get(dotted)
        app_label = dotted.split(".", 1)[0]
        app_name = permission.content_type.model_class()._meta.app_config.verbose_name if permission else app_label
        rows.append(
            (
                app_name,
                permission.name if permission else dotted,
                dotted,
                [dotted in granted[code] for code in ROLES],
            )
        )
    return {"roles": [role.name for role in ROLES.values()], "rows": rows}
