"""Report jobs. Tasks take primitive values and call one service; a retried task does not build twice."""

from celery import shared_task

from reports import services


@shared_task(acks_late=True)
def report_generate_task(generated_id: int) -> int:
    """A report requested in the background (too large for the request)."""
    return services.report_generate(generated_id=generated_id).row_count


@shared_task(acks_late=True)
def reports_daily_task() -> int:
    """The previous day's 日报 for the download centre (beat: nightly, REPORTS_DAILY_AT)."""
    return len(services.reports_generate_scheduled(period="daily"))


@shared_task(acks_late=True)
def reports_monthly_task() -> int:
    """The previous month's 月报 (beat: on the 1st, REPORTS_MONTHLY_AT)."""
    return len(services.reports_generate_scheduled(period="monthly"))


@shared_task(acks_late=True)
def reports_prune_task() -> int:
    """Files past REPORTS_RETENTION_DAYS are deleted (beat: daily)."""
    return services.reports_prune()
