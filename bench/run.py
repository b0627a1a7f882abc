"""`make bench`: the project's pages as a ratio of the Django floor, measured in one run.

Serves ``../shared/bench-floor`` (the yardstick: ``/page/`` renders a ~20 KB template
every time, ``/raw/`` returns the same bytes from memory) and the project with production
settings (``config.settings.bench``: DEBUG off, PostgreSQL, Redis cache), each under
gunicorn with 2 sync workers, seeds the demo, then runs wrk against every target in turn,
re-measuring the floor between groups of pages. Prints one JSON line per page:

    {"page": "workshop_page", "who": "member", "req_per_s": ..., "floor_ratio": ...,
     "floor": "/page/", "queries": ..., "p50_ms": ..., "p99_ms": ..., "non_2xx": 0}

``who`` is ``anonymous-uncached`` (a server with ``PAGE_CACHE_SECONDS=0``: every request
renders), ``anonymous-cached`` (the production page cache on: the ratio is to ``/raw/``)
or ``member`` (signed in with a session cookie: always rendered). Each ratio divides by
the mean of the floor measurements just before and just after the page, since absolute
req/s on a shared machine drift between runs.

    .venv/bin/python bench/run.py [--floor DIR] [--duration 10s] [--only home,lesson]

``BENCH_FLOOR`` (or ``--floor``) overrides the yardstick's directory; ``--skip-setup``
reuses the database as it is.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import ROOT, env, prepare_database, run_wrk

PY = sys.executable
ANON = "anonymous-uncached"
CACHED = "anonymous-cached"
MEMBER = "member"
# Floor measurements bracket every group of this many project targets.
GROUP = 4


def default_floor() -> Path:
    """``BENCH_FLOOR`` or ``../shared/bench-floor``, relative to the repository root; from
    a git worktree, relative to the main checkout's root as well."""
    relative = Path(os.environ.get("BENCH_FLOOR") or "../shared/bench-floor")
    roots = [ROOT]
    common = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if common:
        roots.append(Path(common).parent)
    candidates = [(root / relative).resolve() for root in roots]
    return next((c for c in candidates if c.is_dir()), candidates[0])


# --- What to measure ------------------------------------------------------------------

TARGETS_CODE = r"""
import json, sys
sys.path.insert(0, "bench")
sys.argv = ["inprocess"]
import inprocess
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

paths = {name: path for name, (who, path) in inprocess.targets().items()}
clients = inprocess.clients()
register = paths["register_step"]
from courses.models import TicketType, Session
session_id = int(register.rstrip("/").rsplit("/", 1)[1])
ticket = TicketType.objects.filter(session_id=session_id).order_by("sort_order", "pk").first()
pages = {
    "home": "/",
    "workshop_index": paths["workshop_index"],
    "workshop_page": paths["workshop_page"],
    "library": paths["library_member"],
    "lesson": paths["lesson_member"],
    "register_tickets": register,
    "register_attendees": f"{register}?ticket_{ticket.pk}=1",
    "account": paths["account_therapist"],
}
# The demo's own accounts have no order: the newest paid workshop order and its buyer.
order = inprocess._buyer_order()
buyer = Client(HTTP_HOST="127.0.0.1", HTTP_X_REAL_IP="127.0.0.1")
buyer.force_login(order.buyer)
clients["buyer"] = buyer
pages["order"] = reverse("payments:order", args=[order.reference])
signed_in = {name: "therapist" if name in ("register_tickets", "register_attendees",
             "account") else "member" for name in pages}
signed_in["order"] = "buyer"
out = {"pages": {}, "cookies": {}}
for who in ("member", "therapist", "buyer"):
    out["cookies"][who] = clients[who].cookies["sessionid"].value

def count(client, path, clear):
    # Warm-up: imports, templates, per-process caches; the first render of a fresh
    # database also creates image renditions, which start a new content version.
    client.get(path)
    client.get(path)
    if clear:
        inprocess._clear_page_cache(path)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    return len(ctx.captured_queries), response.status_code

for name, path in pages.items():
    if path is None:
        continue
    anonymous = Client(HTTP_HOST="127.0.0.1", HTTP_X_REAL_IP="127.0.0.1")
    entry = {"path": path, "signed_in_as": signed_in[name]}
    entry["member"] = count(clients[signed_in[name]], path, clear=False)
    entry["anonymous_uncached"] = count(anonymous, path, clear=True)
    entry["anonymous_cached"] = count(anonymous, path, clear=False)
    out["pages"][name] = entry
print(json.dumps(out))
"""


@dataclass
class Target:
    page: str
    who: str
    url: str
    queries: int | None = None
    cookie: str = ""


def discover(cache_seconds: int) -> dict:
    """Paths, query counts (in-process, after a warm-up) and session cookies."""
    result = subprocess.run(
        [PY, "-c", TARGETS_CODE],
        cwd=ROOT,
        env={**env(), "PAGE_CACHE_SECONDS": str(cache_seconds)},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def plan(found: dict, uncached: str, cached: str, only: set[str]) -> list[Target]:
    targets = []
    for name, entry in found["pages"].items():
        if only and name not in only:
            continue
        path = entry["path"]
        queries, status = entry["anonymous_uncached"]
        if status == 200:  # pages for signed-in people redirect anonymous visitors
            targets.append(Target(name, ANON, uncached + path, queries))
        queries, status = entry["member"]
        if status == 200:
            cookie = "sessionid=" + found["cookies"][entry["signed_in_as"]]
            targets.append(Target(name, MEMBER, uncached + path, queries, cookie))
        queries, status = entry["anonymous_cached"]
        if entry["anonymous_uncached"][1] == 200 and queries == 0:
            targets.append(Target(name, CACHED, cached + path, queries))
    return targets


# --- Servers --------------------------------------------------------------------------


def gunicorn(app: str, port: int, cwd: Path, extra_env: dict) -> subprocess.Popen:
    command = [PY, "-m", "gunicorn", app, "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}"]
    command += ["--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning"]
    return subprocess.Popen(command, cwd=cwd, env=extra_env, start_new_session=True)


def wait_ready(url: str) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"bench: nothing answers at {url}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check(target: Target) -> None:
    """The page answers 200 (not a redirect to sign in) before wrk counts it."""
    opener = urllib.request.build_opener(_NoRedirect)
    headers = dict(h.split(": ", 1) for h in _headers(target))
    for _ in range(5):
        try:
            response = opener.open(urllib.request.Request(target.url, headers=headers), timeout=30)
        except urllib.error.HTTPError as error:
            raise SystemExit(f"bench: {target.page} ({target.who}) answered {error.code}") from None
        response.read()


def measure(target: Target, duration: str, connections: int) -> dict:
    return run_wrk(target.url, duration, connections, _headers(target))


def _headers(target: Target) -> tuple[str, ...]:
    """nginx (deploy/nginx.conf) always sets X-Real-IP; allauth refuses signed-in
    requests without it in production."""
    if target.who == "floor":
        return ()
    return ("X-Real-IP: 127.0.0.1", *((f"Cookie: {target.cookie}",) if target.cookie else ()))


# --- The run --------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--floor", type=Path, default=None)
    parser.add_argument("--duration", default=os.environ.get("BENCH_DURATION", "10s"))
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8791, help="first of three ports")
    parser.add_argument("--only", default="", help="page names, comma-separated")
    parser.add_argument("--skip-setup", action="store_true")
    args = parser.parse_args()
    floor_dir = (args.floor or default_floor()).resolve()
    if not (floor_dir / "floorproj").is_dir():
        raise SystemExit(f"bench: no bench-floor at {floor_dir} (set BENCH_FLOOR or --floor)")
    if not args.skip_setup:
        prepare_database()
    cached_seconds = int(os.environ.get("BENCH_PAGE_CACHE_SECONDS", "5"))
    found = discover(cached_seconds)
    base = {p: f"http://127.0.0.1:{p}" for p in (args.port, args.port + 1, args.port + 2)}
    floor_url, uncached_url, cached_url = base.values()
    only = {n for n in args.only.split(",") if n}
    targets = plan(found, uncached_url, cached_url, only)

    servers = [
        gunicorn("floorproj.wsgi", args.port, floor_dir, {**os.environ, "PYTHONPATH": ""}),
        gunicorn("config.wsgi", args.port + 1, ROOT, {**env(), "PAGE_CACHE_SECONDS": "0"}),
        gunicorn(
            "config.wsgi",
            args.port + 2,
            ROOT,
            {**env(), "PAGE_CACHE_SECONDS": str(cached_seconds)},
        ),
    ]
    try:
        for url in (floor_url + "/raw/", uncached_url + "/healthz", cached_url + "/healthz"):
            wait_ready(url)
        for target in targets:
            check(target)
        floors = [Target("floor_page", "floor", floor_url + "/page/")]
        floors.append(Target("floor_raw", "floor", floor_url + "/raw/"))
        for target in floors:
            check(target)
        run(targets, floors, args.duration, args.connections)
    finally:
        for server in servers:
            try:
                os.killpg(server.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            server.wait(timeout=20)


def run(targets: list[Target], floors: list[Target], duration: str, connections: int) -> None:
    """Floor, a group of pages, floor again, ...; each page's ratio uses the floor
    measured on either side of its group."""
    groups = [targets[i : i + GROUP] for i in range(0, len(targets), GROUP)]
    before = _floor(floors, duration, connections)
    printed_floor = False
    for group in groups:
        results = [(t, measure(t, duration, connections)) for t in group]
        after = _floor(floors, duration, connections)
        if not printed_floor:
            for name, figures in before.items():
                print(json.dumps({"page": name, "who": "floor", **figures}), flush=True)
            printed_floor = True
        for target, figures in results:
            key = "floor_raw" if target.who == CACHED else "floor_page"
            floor = (before[key]["req_per_s"] + after[key]["req_per_s"]) / 2
            line = {
                "page": target.page,
                "who": target.who,
                "req_per_s": figures["req_per_s"],
                "floor_ratio": round(figures["req_per_s"] / floor, 3),
                "floor": "/raw/" if key == "floor_raw" else "/page/",
                "floor_req_per_s": round(floor, 1),
                "queries": target.queries,
                "p50_ms": figures["p50_ms"],
                "p99_ms": figures["p99_ms"],
                "non_2xx": figures["non_2xx"],
                "timeouts": figures["timeouts"],
            }
            print(json.dumps(line), flush=True)
        before = after
    for name, figures in before.items():
        print(json.dumps({"page": name, "who": "floor", **figures}), flush=True)


def _floor(floors: list[Target], duration: str, connections: int) -> dict[str, dict]:
    return {t.page: measure(t, duration, connections) for t in floors}


if __name__ == "__main__":
    main()
