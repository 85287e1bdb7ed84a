"""Periodic payments jobs. Tasks take primitive values, call one service, and are safe to retry."""

from celery import shared_task

from payments import services


@shared_task(acks_late=True)
def deposits_convert_signed_task(batch_size: int = 200) -> int:
    """定金 of signed orders becomes purchase money; deducted coupons are marked converted (beat: every 10 min)."""
    return services.deposits_convert_signed(batch_size=batch_size)


@shared_task(acks_late=True)
def trades_close_expired_task() -> int:
    """Online trades nobody paid are closed an hour after their deadline (beat: hourly)."""
    return services.trades_close_expired()
