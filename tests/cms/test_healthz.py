from unittest import mock

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_cache_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "broker": "ok", "status": "ok"}


def test_healthz_is_503_only_when_database_is_down(client):
    with mock.patch("cms.views.connection.cursor", side_effect=OSError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error: OSError"
    assert response.json()["status"] == "unavailable"
