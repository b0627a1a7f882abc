"""Periodic CMS jobs, run by Celery beat (schedule in settings.CELERY_BEAT_SCHEDULE)."""

from django.core.management import call_command

from celery import shared_task

from courses.retry import TASK_RETRY


@shared_task(ignore_result=True, **TASK_RETRY)
def publish_scheduled_pages() -> None:
    """Publish pages (and revisions) whose go-live time has passed, unpublish expired ones.

    Wagtail's own command does the work; beat runs it every minute so a scheduled workshop
    page goes live within a minute of its time. Safe to run concurrently: each revision is
    published once.
    """
    call_command("publish_scheduled")
