"""Admin writes go to the operation log exactly like service writes: who, what, before and after.

`AuditedModelAdmin` is the base of every ModelAdmin that can change data. One admin save is one
log entry: Django's admin calls `save_model` and then `save_related` (many-to-many fields and
inline rows) inside the one transaction it opens for the form, so the entry is written at the end
of `save_related`, when the whole change is known, and commits or rolls back with it.
"""

from django.contrib import admin
from django.db import models, transaction

from audit.services import audit_record, snapshot

# Never written to the log, whatever the model: credentials, even hashed.
ALWAYS_EXCLUDED = frozenset({"password"})


def _plain(value):
    """A form value as the log stores it: objects as ids, object lists as sorted ids."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(_plain(item) for item in value)
    return value


def _field_value(obj: models.Model, name: str):
    value = getattr(obj, name, None)
    if isinstance(value, models.Manager):  # a many-to-many field: its current ids
        value = value.all()
    return _plain(value)


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose creates, updates and deletes each leave an operation-log entry."""

    # Extra field names a subclass keeps out of the log (besides ALWAYS_EXCLUDED).
    audit_exclude: tuple[str, ...] = ()

    def audit_action(self, verb: str) -> str:
        return f"{self.opts.app_label}.{self.opts.model_name}.{verb}"

    def audit_snapshot(self, obj: models.Model) -> dict:
        """Concrete fields and many-to-many ids of `obj`, without the excluded fields."""
        excluded = ALWAYS_EXCLUDED | set(self.audit_exclude)
        names = [
            field.attname
            for field in obj._meta.concrete_fields
            if field.name not in excluded and field.attname not in excluded
        ]
        values = snapshot(obj, names)
        if obj.pk is not None:
            for field in obj._meta.many_to_many:
                if field.name not in excluded:
                    values[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
        return values

    def _stored_snapshot(self, obj: models.Model) -> dict | None:
        # The form has already written its values onto `obj`: "before" must come from the database.
        stored = type(obj)._base_manager.filter(pk=obj.pk).first()
        return self.audit_snapshot(stored) if stored is not None else None

    # -- create and update ------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        before = self._stored_snapshot(obj) if change and obj.pk is not None else None
        super().save_model(request, obj, form, change)
        request.__dict__.setdefault("_audit_pending", {})[(obj._meta.label_lower, obj.pk)] = (before, change)

    def save_formset(self, request, form, formset, change):
        # Keep what the inline rows held before the save: deleted rows lose their id on delete().
        formset._audit_initial = {
            id(inline_form.instance): (inline_form.instance.pk, dict(inline_form.initial))
            for inline_form in formset.initial_forms
        }
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before, was_change = request.__dict__.get("_audit_pending", {}).pop(
            (obj._meta.label_lower, obj.pk), (None, change)
        )
        after = self.audit_snapshot(obj)
        changed = sorted(name for name in after if before is None or before.get(name) != after[name])
        data = {"via": "admin", "changed": changed}
        inline_changes = self._inline_changes(formsets)
        if inline_changes:
            data["inlines"] = inline_changes
        audit_record(
            actor=request.user,
            action=self.audit_action("updated" if was_change else "created"),
            target=obj,
            before=before,
            after=after,
            data=data,
        )

    def _inline_changes(self, formsets) -> list[dict]:
        """What each inline formset created, changed or deleted, with before/after values."""
        changes = []
        excluded = ALWAYS_EXCLUDED | set(self.audit_exclude)
        for formset in formsets:
            initial = getattr(formset, "_audit_initial", {})
            label = formset.model._meta.label_lower
            for obj in getattr(formset, "new_objects", []):
                changes.append({"op": "created", "model": label, "id": obj.pk, "after": self.audit_snapshot(obj)})
            for obj, changed_names in getattr(formset, "changed_objects", []):
                old = initial.get(id(obj), (obj.pk, {}))[1]
                names = [name for name in changed_names if name not in excluded]
                changes.append(
                    {
                        "op": "updated",
                        "model": label,
                        "id": obj.pk,
                        "before": {name: _plain(old.get(name)) for name in names},
                        "after": {name: _field_value(obj, name) for name in names},
                    }
                )
            for obj in getattr(formset, "deleted_objects", []):
                pk, old = initial.get(id(obj), (obj.pk, {}))
                before = {name: _plain(value) for name, value in old.items() if name not in excluded}
                changes.append({"op": "deleted", "model": label, "id": pk, "before": before})
        return changes

    # -- delete -----------------------------------------------------------------------------

    def delete_model(self, request, obj):
        # The entry is written first, while the object still has its id; a failed delete rolls it back.
        with transaction.atomic():
            audit_record(
                actor=request.user,
                action=self.audit_action("deleted"),
                target=obj,
                before=self.audit_snapshot(obj),
                data={"via": "admin"},
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit_record(
                    actor=request.user,
                    action=self.audit_action("deleted"),
                    target=obj,
                    before=self.audit_snapshot(obj),
                    data={"via": "admin", "bulk": True},
                )
            super().delete_queryset(request, queryset)
