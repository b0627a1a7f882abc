"""Celery tasks of the accounts app: thin, call one service."""

from celery import shared_task

from courses.retry import TASK_RETRY

from .services.privacy import account_deletions_process_due


@shared_task(**TASK_RETRY)
def account_deletions_process() -> int:
    """Beat: erase the accounts whose deletion cooling-off period has ended."""
    return account_deletions_process_due()
