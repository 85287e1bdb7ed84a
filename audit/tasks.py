from celery import shared_task

from audit import services


@shared_task(acks_late=True)
def audit_seal_chain_task() -> int:
    return services.audit_seal_chain()
