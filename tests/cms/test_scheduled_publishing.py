import datetime

from django.conf import settings
from django.utils import timezone

import pytest

from cms.models import WorkshopIndexPage, WorkshopPage
from cms.tasks import publish_scheduled_pages
from tests.factories import WorkshopFactory

pytestmark = pytest.mark.django_db


def test_beat_runs_publish_scheduled_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["publish-scheduled-pages"]
    assert entry["task"] == "cms.tasks.publish_scheduled_pages"
    assert entry["schedule"] == 60.0


def test_scheduled_workshop_page_goes_live_when_the_task_runs(page_tree, client):
    index = WorkshopIndexPage.objects.get()
    page = WorkshopPage(
        title="Scheduled Clinic",
        slug="scheduled-clinic",
        workshop=WorkshopFactory(),
        summary="Goes live on schedule.",
        live=False,
        go_live_at=timezone.now() + datetime.timedelta(hours=1),
    )
    index.add_child(instance=page)
    revision = page.save_revision()
    revision.publish()
    page.refresh_from_db()
    assert not page.live
    publish_scheduled_pages.delay()
    page.refresh_from_db()
    assert not page.live

    # The go-live time arrives (both the schedule and the revision's own field).
    past = timezone.now() - datetime.timedelta(minutes=1)
    revision.refresh_from_db()
    revision.content["go_live_at"] = past.isoformat()
    revision.approved_go_live_at = past
    revision.save(update_fields=["content", "approved_go_live_at"])
    publish_scheduled_pages.delay()
    page.refresh_from_db()
    assert page.live
    assert client.get("/workshops/scheduled-clinic/").status_code == 200
