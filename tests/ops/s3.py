"""Helpers for the object-store tests (the fixtures are in conftest.py)."""

import urllib.error
import urllib.request


def empty_bucket(client, bucket: str) -> None:
    for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
        client.delete_object(Bucket=bucket, Key=item["Key"])
    client.delete_bucket(Bucket=bucket)


def fetch(url: str, **headers) -> tuple[int, bytes, dict]:
    """(status, body, headers) of a plain GET, as a browser without cookies makes it."""
    try:
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - local server
        with urllib.request.urlopen(request) as answer:  # noqa: S310
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, b"", dict(error.headers)
