from unittest import mock

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "status": "ok"}


def test_healthz_is_503_when_database_is_down(client):
    with mock.patch("cms.views.connection.cursor", side_effect=OSError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error: OSError"
