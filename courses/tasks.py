"""Celery tasks of the courses app: thin, take ids, call one service."""

from celery import shared_task

from . import services


@shared_task
def holds_expire() -> int:
    """Periodic: mark lapsed holds expired (availability never waits for this)."""
    return services.holds_expire()
