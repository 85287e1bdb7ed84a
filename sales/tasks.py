"""Periodic sales jobs. Tasks take primitive ids, call one service, and are safe to retry."""

from celery import shared_task

from sales import services


@shared_task(acks_late=True)
def orders_expire_overdue_task(batch_size: int = 100) -> int:
    """Expire the holds nobody paid for (beat: every 15 s); readers also expire lazily."""
    return services.orders_expire_overdue(batch_size=batch_size)
