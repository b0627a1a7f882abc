"""Backups an operator can trust: backup.sh and restore.sh round-trip the database, and
restore refuses what would do harm. Needs PostgreSQL's pg_dump/pg_restore/psql."""

import shutil
import subprocess
from pathlib import Path

from django.db import connection

import pytest

from courses.models import AccessGrant, Registration
from tests.factories import AccessGrantFactory, RegistrationFactory, UserFactory

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("pg_dump"), reason="PostgreSQL client tools missing"),
]


def _url(name: str | None = None) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name or s['NAME']}"


def _run(script: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own scripts, fixed arguments
        [str(DEPLOY / script), *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        check=False,
    )


@pytest.fixture
def business():
    buyer = UserFactory()
    RegistrationFactory.create_batch(3)
    AccessGrantFactory(user=buyer)


def test_the_restore_drill_finds_every_order_registration_and_grant(business):
    drill = _run("restore_drill.sh", env={"DATABASE_URL": _url()})
    assert drill.returncode == 0, drill.stderr + drill.stdout
    assert "restore drill: passed" in drill.stdout
    registrations = str(Registration.objects.count())
    assert registrations == "3"
    assert f"courses_registration   live {registrations:>6}" in drill.stdout
    assert AccessGrant.objects.count() == 1


def test_the_restore_drill_brings_back_every_uploaded_file(business, tmp_path):
    media, private = tmp_path / "media", tmp_path / "private-media"
    (media / "original_images").mkdir(parents=True)
    (media / "original_images" / "hero.jpg").write_bytes(b"\xff\xd8 a picture")
    (private / "videos" / "2026").mkdir(parents=True)
    (private / "videos" / "2026" / "lesson one.mp4").write_bytes(b"\x00" * 4096)
    env = {"DATABASE_URL": _url(), "MEDIA_ROOT": str(media), "PRIVATE_MEDIA_ROOT": str(private)}
    drill = _run("restore_drill.sh", env=env)
    assert drill.returncode == 0, drill.stderr + drill.stdout
    assert "MEDIA_ROOT                  1 files, checksums  match" in drill.stdout
    assert "PRIVATE_MEDIA_ROOT          1 files, checksums  match" in drill.stdout
    assert "restore drill: passed" in drill.stdout


def test_restore_refuses_a_database_that_has_tables(business, tmp_path):
    made = _run("backup.sh", str(tmp_path), env={"DATABASE_URL": _url()})
    assert made.returncode == 0, made.stderr
    backup = made.stdout.strip().splitlines()[-1]
    before = Registration.objects.count()
    refused = _run("restore.sh", backup, _url())
    assert refused.returncode == 1
    assert (
        "the target database has" in refused.stderr
        and "restore into an empty one" in refused.stderr
    )
    assert Registration.objects.count() == before


def test_restore_refuses_a_damaged_backup(business, tmp_path):
    backup = Path(_run("backup.sh", str(tmp_path), env={"DATABASE_URL": _url()}).stdout.split()[-1])
    with (backup / "database.dump").open("ab") as dump:
        dump.write(b"bit rot")
    refused = _run("restore.sh", str(backup), _url("postgres"))
    assert refused.returncode == 1
    assert "checksums" in refused.stderr and "nothing restored" in refused.stderr


def test_backup_without_a_database_url_says_so(tmp_path):
    result = _run("backup.sh", str(tmp_path))
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr
