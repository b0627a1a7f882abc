"""Issue 12 item 9, "database down for /healthz": the one dependency without which the
site is down. With the database at a closed port /healthz answers 503 at once, naming
the database, so the load balancer takes the process out; cache and broker still report.
(tests/cms/test_healthz.py covers the same answer with a failing cursor.)"""

from django.db import connection


def test_healthz_answers_503_when_the_database_is_unreachable(
    client, django_db_blocker, closed_port, settings
):
    settings.CELERY_BROKER_URL = ""  # only the database is at fault here
    saved = dict(connection.settings_dict)
    with django_db_blocker.unblock():
        connection.close()
        if connection.vendor == "postgresql":
            connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port))
        else:
            connection.settings_dict["NAME"] = "/nonexistent-directory/physiomassage.sqlite3"
        try:
            response = client.get("/healthz")
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"].startswith("error: ")
    assert body["cache"] == "ok"
    assert body["broker"] == "eager"
