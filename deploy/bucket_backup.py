"""Copy an object-store bucket to a directory and back (deploy/backup.sh, restore.sh and
restore_drill.sh call it when S3_MEDIA_BUCKET / S3_PRIVATE_BUCKET are set).

    bucket_backup.py backup BUCKET DIR [BUCKET DIR ...]
        every object into DIR/objects/, and DIR/manifest.json (key, size, ETag, SHA-256,
        Content-Type of each)
    bucket_backup.py restore [--create] DIR:BUCKET:ACL [DIR:BUCKET:ACL ...]
        every object back with ACL (private or public-read), once every file of every
        DIR matches its manifest and every BUCKET is empty: otherwise nothing is uploaded
    bucket_backup.py compare BUCKET OTHER
        same keys and sizes (and ETags where both were single-part uploads)?
    bucket_backup.py drop BUCKET [BUCKET ...]
        delete drill buckets (-drill- in the name) and their objects

Objects are stored under numbered file names, so any key (spaces, "..", a trailing
slash) round-trips. Credentials and endpoint as the app has them: AWS_* variables (or
the machine's role), S3_ENDPOINT_URL, S3_REGION. Exit status 1, with the reason on
stderr, when anything does not match; a refused restore uploads nothing.
"""

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import boto3
from botocore.config import Config

CHUNK = 1024 * 1024


class Refused(Exception):
    pass


def client():
    return boto3.client(
        "s3",
        endpoint_url=os.environ.get("S3_ENDPOINT_URL") or None,
        region_name=os.environ.get("S3_REGION") or None,
        config=Config(signature_version="s3v4"),
    )


def listing(s3, bucket: str) -> dict[str, dict]:
    """Key -> {size, etag} of every object in ``bucket``."""
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            found[item["Key"]] = {"size": item["Size"], "etag": item["ETag"].strip('"')}
    return found


def backup(s3, bucket: str, dest: Path) -> str:
    (dest / "objects").mkdir(parents=True)
    entries = []
    for number, (key, listed) in enumerate(sorted(listing(s3, bucket).items()), start=1):
        name = f"objects/{number:08d}"
        answer = s3.get_object(Bucket=bucket, Key=key)
        digest = hashlib.sha256()
        with (dest / name).open("wb") as out:
            for chunk in answer["Body"].iter_chunks(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        entries.append(
            {
                "key": key,
                "file": name,
                "size": answer["ContentLength"],
                "etag": listed["etag"],
                "sha256": digest.hexdigest(),
                "content_type": answer.get("ContentType") or "binary/octet-stream",
            }
        )
    manifest = {"bucket": bucket, "objects": entries}
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    total = sum(e["size"] for e in entries)
    return f"bucket {bucket}: {len(entries)} objects, {total} bytes"


def _checked(source: Path) -> list[dict]:
    """The manifest's entries, once every file is there with its size and SHA-256."""
    try:
        entries = json.loads((source / "manifest.json").read_text())["objects"]
    except (OSError, ValueError, KeyError) as error:
        raise Refused(f"{source}: no readable manifest.json ({error})") from error
    for entry in entries:
        path = source / entry["file"]
        if not path.is_file() or path.stat().st_size != entry["size"]:
            raise Refused(f"{entry['key']}: {path} is missing or has the wrong size")
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise Refused(f"{entry['key']}: {path} does not match its checksum")
    return entries


def _empty(s3, bucket: str) -> bool:
    try:
        return not s3.list_objects_v2(Bucket=bucket, MaxKeys=1).get("KeyCount", 0)
    except s3.exceptions.NoSuchBucket as error:
        raise Refused(f"bucket {bucket} does not exist (--create makes it)") from error


def _target(spec: str) -> tuple[Path, str, str]:
    """DIR:BUCKET:ACL (the directory may contain colons, bucket names cannot)."""
    source, bucket, acl = spec.rsplit(":", 2)
    if acl not in ("private", "public-read") or not bucket:
        raise Refused(f"{spec!r}: expected DIR:BUCKET:private or DIR:BUCKET:public-read")
    return Path(source), bucket, acl


def restore(s3, specs: list[str], create: bool) -> str:
    """Every bucket's files and target checked first; then the uploads, bucket by bucket."""
    targets = []
    for spec in specs:
        source, bucket, acl = _target(spec)
        targets.append((source, bucket, acl, _checked(source)))
    for _, bucket, _, _ in targets:
        if not create and not _empty(s3, bucket):
            raise Refused(f"bucket {bucket} already has objects; restore into an empty one")
    done = []
    for source, bucket, acl, entries in targets:
        if create:
            region = os.environ.get("S3_REGION") or "us-east-1"
            where = {"LocationConstraint": region}
            s3.create_bucket(
                Bucket=bucket,
                **({} if region == "us-east-1" else {"CreateBucketConfiguration": where}),
            )
        for entry in entries:
            s3.upload_file(
                str(source / entry["file"]),
                bucket,
                entry["key"],
                ExtraArgs={"ContentType": entry["content_type"], "ACL": acl},
            )
        done.append(f"bucket {bucket}: {len(entries)} objects restored ({acl})")
    return "\n".join(done)


def compare(s3, bucket: str, other: str) -> str:
    ours, theirs = listing(s3, bucket), listing(s3, other)
    if ours.keys() != theirs.keys():
        missing, extra = sorted(ours.keys() - theirs.keys()), sorted(theirs.keys() - ours.keys())
        raise Refused(f"keys differ: missing {missing[:5]}, extra {extra[:5]}")
    for key, listed in ours.items():
        copy = theirs[key]
        single_part = "-" not in listed["etag"] + copy["etag"]
        if listed["size"] != copy["size"] or (single_part and listed["etag"] != copy["etag"]):
            raise Refused(f"{key}: {listed} in {bucket}, {copy} in {other}")
    return f"{len(ours)} objects: keys, sizes, ETags"


def drop(s3, buckets: list[str]) -> str:
    refused = [bucket for bucket in buckets if "-drill-" not in bucket]
    if refused:
        raise Refused(f"{refused}: only drill buckets (-drill- in the name) are dropped")
    for bucket in buckets:
        keys = list(listing(s3, bucket))
        for start in range(0, len(keys), 1000):
            chunk = [{"Key": key} for key in keys[start : start + 1000]]
            s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk})
        s3.delete_bucket(Bucket=bucket)
    return f"dropped {', '.join(buckets)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("backup")
    made.add_argument("pairs", nargs="+", metavar="BUCKET DIR")
    back = commands.add_parser("restore")
    back.add_argument("targets", nargs="+", metavar="DIR:BUCKET:ACL")
    back.add_argument("--create", action="store_true", help="create the buckets first")
    same = commands.add_parser("compare")
    same.add_argument("bucket")
    same.add_argument("other")
    gone = commands.add_parser("drop")
    gone.add_argument("buckets", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "backup" and len(args.pairs) % 2:
        parser.error("backup takes BUCKET DIR pairs")
    s3 = client()
    try:
        if args.command == "backup":
            for bucket, dest in zip(args.pairs[::2], args.pairs[1::2], strict=True):
                print(backup(s3, bucket, Path(dest)))
        elif args.command == "restore":
            print(restore(s3, args.targets, args.create))
        elif args.command == "compare":
            print(compare(s3, args.bucket, args.other))
        else:
            print(drop(s3, args.buckets))
    except Refused as error:
        done = "; nothing changed" if args.command in ("restore", "drop") else ""
        print(f"bucket_backup {args.command}: {error}{done}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
