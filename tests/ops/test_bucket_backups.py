"""Backups of the object store: every object of both buckets copied out with a manifest
(deploy/bucket_backup.py, called by backup.sh) and restored into new buckets, against a
real S3 API served locally by moto (tests/ops/conftest.py)."""

import json
import shutil
import sys
from pathlib import Path

import pytest

from tests.ops.s3 import empty_bucket, fetch
from tests.ops.test_backups import _run, _url

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))

import bucket_backup  # noqa: E402

OBJECTS = {
    "pm-media": {
        "media/original_images/hero shot.jpg": (b"\xff\xd8 hero" * 500, "image/jpeg"),
        "media/documents/handout+v2.pdf": (b"%PDF-1.7 handout", "application/pdf"),
    },
    "pm-private": {
        "videos/ünïcode lesson.mp4": (b"\x00\x00\x00\x18ftypmp42" + bytes(70_000), "video/mp4"),
        "hls/abc/180p/seg_00000.ts": (b"\x47" + bytes(187), "video/mp2t"),
        "odd/../key/": (b"", "binary/octet-stream"),  # any key round-trips
    },
}


@pytest.fixture
def filled(object_store):
    for bucket, objects in OBJECTS.items():
        acl = "public-read" if bucket == "pm-media" else "private"
        for key, (data, content_type) in objects.items():
            object_store.put_object(
                Bucket=bucket, Key=key, Body=data, ContentType=content_type, ACL=acl
            )
    yield object_store
    for bucket in object_store.list_buckets()["Buckets"]:
        if "-restored" in bucket["Name"]:
            empty_bucket(object_store, bucket["Name"])


def test_both_buckets_round_trip_into_new_buckets(filled, tmp_path, capsys):
    pairs = [str(part) for bucket in OBJECTS for part in (bucket, tmp_path / bucket)]
    assert bucket_backup.main(["backup", *pairs]) == 0
    manifest = json.loads((tmp_path / "pm-private" / "manifest.json").read_text())
    assert manifest["bucket"] == "pm-private"
    listed = {o["key"]: (o["size"], o["etag"]) for o in manifest["objects"]}
    assert listed["videos/ünïcode lesson.mp4"][0] == 70_012
    assert set(listed) == set(OBJECTS["pm-private"])

    targets = [
        f"{tmp_path / 'pm-media'}:pm-media-restored:public-read",
        f"{tmp_path / 'pm-private'}:pm-private-restored:private",
    ]
    assert bucket_backup.main(["restore", "--create", *targets]) == 0
    for bucket in OBJECTS:
        assert bucket_backup.main(["compare", bucket, f"{bucket}-restored"]) == 0
    assert "3 objects: keys, sizes, ETags" in capsys.readouterr().out

    for key, (data, content_type) in OBJECTS["pm-private"].items():
        copy = filled.get_object(Bucket="pm-private-restored", Key=key)
        assert copy["Body"].read() == data and copy["ContentType"] == content_type
    # Public media stays public, lesson videos stay private.
    endpoint = filled.meta.endpoint_url
    status, data, _ = fetch(f"{endpoint}/pm-media-restored/media/documents/handout%2Bv2.pdf")
    assert status == 200 and data == b"%PDF-1.7 handout"
    assert fetch(f"{endpoint}/pm-private-restored/hls/abc/180p/seg_00000.ts")[0] == 403


def test_a_damaged_backup_is_refused_and_nothing_is_uploaded(filled, tmp_path, capsys):
    assert bucket_backup.main(["backup", "pm-private", str(tmp_path / "b")]) == 0
    first = sorted((tmp_path / "b" / "objects").iterdir())[0]
    first.write_bytes(first.read_bytes()[:-1] + b"?")
    assert bucket_backup.main(["backup", "pm-media", str(tmp_path / "m")]) == 0
    for bucket in ("pm-media-restored", "pm-private-restored"):
        filled.create_bucket(Bucket=bucket)

    targets = [f"{tmp_path / 'm'}:pm-media-restored:public-read"]
    targets += [f"{tmp_path / 'b'}:pm-private-restored:private"]
    assert bucket_backup.main(["restore", *targets]) == 1
    assert "does not match its checksum; nothing changed" in capsys.readouterr().err
    for bucket in ("pm-media-restored", "pm-private-restored"):  # not even the sound one
        assert filled.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_a_bucket_with_objects_is_not_restored_into(filled, tmp_path, capsys):
    assert bucket_backup.main(["backup", "pm-media", str(tmp_path / "b")]) == 0
    assert bucket_backup.main(["restore", f"{tmp_path / 'b'}:pm-private:private"]) == 1
    assert "already has objects; restore into an empty one" in capsys.readouterr().err
    assert filled.list_objects_v2(Bucket="pm-private")["KeyCount"] == 3
    assert bucket_backup.main(["drop", "pm-media-drill-1", "pm-private"]) == 1  # -drill- only


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not shutil.which("pg_dump"), reason="PostgreSQL client tools missing")
def test_the_restore_drill_compares_every_object_of_both_buckets(filled, s3_env):
    env = {
        "DATABASE_URL": _url(),
        "S3_MEDIA_BUCKET": "pm-media",
        "S3_PRIVATE_BUCKET": "pm-private",
        "S3_ENDPOINT_URL": s3_env,
        "S3_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    drill = _run("restore_drill.sh", env=env)
    assert drill.returncode == 0, drill.stderr + drill.stdout
    assert "S3_MEDIA_BUCKET        2 objects: keys, sizes, ETags  match" in drill.stdout
    assert "S3_PRIVATE_BUCKET      3 objects: keys, sizes, ETags  match" in drill.stdout
    assert "restore drill: passed" in drill.stdout
    # The drill's buckets are gone again.
    names = [b["Name"] for b in filled.list_buckets()["Buckets"]]
    assert not [name for name in names if "-drill-" in name]
