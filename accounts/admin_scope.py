"""Data scope (数据范围) in the admin: a staff user neither sees nor picks a project outside it.

Every admin of project data mixes in `ScopedAdminMixin`: its querysets (changelist, change page,
actions, deletes, history) start from the user's scope, the project-bound choices of its forms are
limited the same way, and an object outside the scope answers 404 exactly like a missing one, so
ids cannot be probed.
"""

from django.apps import apps
from django.db import models
from django.http import Http404

from accounts.scope import filter_by_scope


def _project_model():
    return apps.get_model("listings", "Project")


def scoped_choices(model: type[models.Model], user) -> models.QuerySet | None:
    """The rows of `model` a user may pick in a form, or None when `model` is not project data."""
    project_model = _project_model()
    if model is project_model:
        return filter_by_scope(project_model._default_manager.all(), user, "pk")
    project_field = next(
        (
            field
            for field in model._meta.concrete_fields
            if field.name == "project" and field.is_relation and field.related_model is project_model
        ),
        None,
    )
    if project_field is None:
        return None
    # The labels of project-bound rows name their project: join it instead of one query per choice.
    return filter_by_scope(model._default_manager.select_related("project"), user, "project")


class ScopedAdminMixin:
    """Limits a ModelAdmin (or inline) to the user's data scope.

    `scope_path` is the lookup from the admin's model to its project: "project",
    "building__project", or "pk" for Project itself; None leaves the queryset alone (for inlines
    of an already scoped parent, or models that are not project data) and only limits choices.
    """

    scope_path: str | None = "project"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.scope_path is None:
            return queryset
        return filter_by_scope(queryset, request.user, self.scope_path)

    def get_object(self, request, object_id, from_field=None):
        # Django's admin redirects to the index for a missing object; outside the scope is "missing",
        # and both answer 404 so a stranger learns nothing from the id.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("对象不存在或不在您的数据范围内")
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = scoped_choices(db_field.related_model, request.user)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        choices = scoped_choices(db_field.related_model, request.user)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)
