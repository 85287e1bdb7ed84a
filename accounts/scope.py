"""Data scope (数据范围): which projects a staff user may see. Checked in querysets, never templates."""

from django.apps import apps
from django.db.models import QuerySet


def has_all_projects(user) -> bool:
    if not user.is_authenticated or not user.is_staff:
        return False
    if user.is_superuser:
        return True
    profile = getattr(user, "staff_profile", None)
    return profile is not None and profile.all_projects


def scoped_project_ids(user) -> QuerySet | None:
    """Ids of the projects a staff user may see, or None when they may see all of them."""
    if has_all_projects(user):
        return None
    profile = getattr(user, "staff_profile", None) if user.is_authenticated and user.is_staff else None
    if profile is None:
        return apps.get_model("listings", "Project").objects.none().values("pk")
    return profile.projects.values("pk")


def filter_by_scope(queryset: QuerySet, user, project_path: str = "project") -> QuerySet:
    """`queryset` limited to objects whose `project_path` lies in the user's data scope."""
    ids = scoped_project_ids(user)
    if ids is None:
        return queryset
    lookup = "pk__in" if project_path == "pk" else f"{project_path}__in"
    return queryset.filter(**{lookup: ids})
