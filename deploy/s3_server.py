"""The object store of `make deploy-check`: moto's S3 server, on loopback, checking the
signature and lifetime of presigned URLs as S3 does.

moto keeps private objects private (no signature: 403) but accepts any query string
that merely contains a signature, forged or expired. Real S3 refuses both, and the
check must prove that a lesson video URL is refused once it is tampered with or has
lapsed, so presigned (SigV4 query) requests are verified here before moto sees them:
same canonical request, same key derivation, the credentials this process was started
with. Requests signed in the Authorization header (the SDK's own calls) go to moto as
they are.

    AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… python deploy/s3_server.py --port 9000
"""

import argparse
import datetime
import hashlib
import hmac
import os
import sys
from urllib.parse import parse_qsl, quote

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

ALGORITHM = "AWS4-HMAC-SHA256"
ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<Error><Code>{code}</Code><Message>{message}</Message></Error>"
)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def presigned_refusal(
    environ: dict, access_key: str, secret: str, now: datetime.datetime
) -> tuple[str, str] | None:
    """(S3 error code, message) when a presigned request must be refused, else None."""
    query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    params = dict(query)
    if "X-Amz-Signature" not in params:
        if "Signature" in params:  # SigV2: the app signs with SigV4 (S3_SIGNATURE_VERSION)
            return "AccessDenied", "Only SigV4 presigned URLs are accepted here"
        return None
    try:
        key_id, date, region, service, _ = params["X-Amz-Credential"].split("/")
        signed_at = datetime.datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
        lifetime = int(params["X-Amz-Expires"])
        signed_headers = params["X-Amz-SignedHeaders"].split(";")
    except (KeyError, ValueError):
        return "AuthorizationQueryParametersError", "Malformed presigned URL"
    if params.get("X-Amz-Algorithm") != ALGORITHM or key_id != access_key:
        return "InvalidAccessKeyId", "The access key is not known here"
    headers = {
        name[5:].replace("_", "-").lower(): value
        for name, value in environ.items()
        if name.startswith("HTTP_")
    }
    path = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or "/").split("?")[0]
    canonical = "\n".join(
        [
            environ["REQUEST_METHOD"],
            path,
            "&".join(
                f"{_encode(k)}={_encode(v)}" for k, v in sorted(query) if k != "X-Amz-Signature"
            ),
            "".join(f"{h}:{' '.join(headers.get(h, '').split())}\n" for h in signed_headers),
            ";".join(signed_headers),
            "UNSIGNED-PAYLOAD",
        ]
    )
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        [ALGORITHM, params["X-Amz-Date"], scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(("AWS4" + secret).encode(), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, params["X-Amz-Signature"]):
        return "SignatureDoesNotMatch", "The request signature does not match"
    if now > signed_at + datetime.timedelta(seconds=lifetime):
        return "AccessDenied", "Request has expired"
    return None


class PresignedGate:
    """WSGI middleware: presigned requests with a bad signature or past their lifetime
    get S3's 403 answer; everything else goes to moto."""

    def __init__(self, app, access_key: str, secret: str):
        self.app, self.access_key, self.secret = app, access_key, secret

    def __call__(self, environ, start_response):
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        refusal = presigned_refusal(environ, self.access_key, self.secret, now)
        if refusal is None:
            return self.app(environ, start_response)
        body = ERROR.format(code=refusal[0], message=refusal[1]).encode()
        start_response(
            "403 Forbidden",
            [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
        )
        return [body]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    gate = PresignedGate(
        DomainDispatcherApplication(create_backend_app),
        os.environ["AWS_ACCESS_KEY_ID"],
        os.environ["AWS_SECRET_ACCESS_KEY"],
    )
    server = make_server(args.host, args.port, gate, True, request_handler=MotoRequestHandler)
    print(f"S3 (moto + presigned URL check) on http://{args.host}:{args.port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
