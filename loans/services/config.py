"""Banks, products, rate rows and the national policy, edited in the admin.

Every change writes the operation log with before and after. Rate rows are never deleted: a loan
keeps the rate of its contract date, so history must stay.
"""

from django.db import models, transaction

from audit.services import audit_record, snapshot


@transaction.atomic
def loan_setting_save(*, instance: models.Model, actor) -> models.Model:
    """Create or change a bank, product, rate row or policy, with before/after in the operation log."""
    model = type(instance)
    is_new = instance.pk is None
    before = None if is_new else snapshot(model.objects.select_for_update().get(pk=instance.pk))
    instance.full_clean()
    instance.save()
    label = model._meta.model_name
    audit_record(
        actor=actor,
        action=f"loans.{label}.{'created' if is_new else 'changed'}",
        target=instance,
        before=before,
        after=snapshot(instance),
    )
    return instance
