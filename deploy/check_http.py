"""A small browser for deploy/check.py: cookies, CSRF tokens, redirects and sign-in
(with the demo staff's TOTP second factor), speaking plain HTTP to nginx only."""

import gzip
import http.client
import re
import time
import urllib.parse
from dataclasses import dataclass, field

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        data = self.body
        if self.headers.get("content-encoding") == "gzip":
            data = gzip.decompress(data)
        return data.decode("utf-8", "replace")

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass
class Browser:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        # nginx tells the app the request came over HTTPS (deploy/check_stack.py), so
        # the CSRF check compares the Referer and Origin with https://.
        return f"https://127.0.0.1:{self.port}"

    def request(
        self, method: str, path: str, body: dict | None = None, headers: dict | None = None
    ) -> Response:
        sent = {"Host": f"127.0.0.1:{self.port}", "Accept-Encoding": "gzip"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Referer"] = self.origin + path
            sent["Origin"] = self.origin
        sent.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=data, headers=sent)
            raw = conn.getresponse()
            payload = raw.read()
            received: dict[str, str] = {}
            for name, value in raw.getheaders():
                if name.lower() == "set-cookie":
                    cookie, _, rest = value.partition("=")
                    self.cookies[cookie] = rest.split(";")[0]
                key = name.lower()
                received[key] = f"{received[key]}, {value}" if key in received else value
            return Response(raw.status, received, payload)
        finally:
            conn.close()

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def follow(self, response: Response, limit: int = 8) -> tuple[Response, str]:
        """Follow redirects (GET), staying on nginx; returns the last response and path."""
        path = ""
        while response.status in (301, 302, 303) and limit:
            location = urllib.parse.urlsplit(response.header("location"))
            path = location.path + (f"?{location.query}" if location.query else "")
            response = self.get(path)
            limit -= 1
        return response, path

    def form_post(self, path: str, fields: dict, action: str = "") -> Response:
        """GET the page for its CSRF token, then POST ``fields`` with it (to ``action``)."""
        page = self.get(path)
        token = CSRF_FIELD.search(page.text)
        if page.status != 200 or token is None:
            raise AssertionError(f"GET {path}: {page.status}, no form")
        body = {"csrfmiddlewaretoken": token.group(1)} | fields
        return self.request("POST", action or path, body=body)

    def sign_in(self, email: str, password: str, totp_secret: str = "") -> None:
        response = self.form_post("/accounts/login/", {"login": email, "password": password})
        response, path = self.follow(response)
        if "/2fa/" in path and totp_secret:
            response = self.form_post(path, {"code": totp_code(totp_secret)})
            response, path = self.follow(response)
        if response.status != 200 or "/accounts/login" in path or "/2fa/" in path:
            raise AssertionError(f"sign-in as {email} ended on {path or '?'} ({response.status})")


def totp_code(secret: str) -> str:
    """The current code, computed as demo/management/commands/demo_credentials.py does."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))
