"""Page throughput: the demo site under gunicorn (2 sync workers, PostgreSQL, production
settings with DEBUG off), loaded with wrk. Prints one JSON line per page.

    .venv/bin/python bench/pages.py [--duration 15s] [--connections 32]

Uses its own database (physiomassage_workshops_bench unless DATABASE_URL says
otherwise), rebuilt with migrate + seed_demo on each run.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SETTINGS = "config.settings.bench"
PAGES = {
    "home": "/",
    "workshop_index": "/workshops/",
    "workshop_page": "/workshops/physiomassage-training/",
}


def env() -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "PYTHONPATH": str(ROOT)}


def manage(*args: str) -> None:
    subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env(), check=True, stdout=subprocess.DEVNULL
    )


def prepare_database() -> None:
    url = subprocess.run(
        [
            PY,
            "-c",
            "from django.conf import settings; import django; django.setup(); "
            "d = settings.DATABASES['default']; print(d['NAME'], d.get('HOST') or '', d.get('USER') or '')",
        ],
        cwd=ROOT,
        env=env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    name, host, user = [*url, "", ""][:3]
    psql = ["psql", "-h", host or "127.0.0.1", "-U", user or "postgres", "-d", "postgres", "-qc"]
    subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)
    subprocess.run([*psql, f'CREATE DATABASE "{name}"'], check=True)
    manage("migrate", "--noinput")
    manage("seed_demo")
    manage("collectstatic", "--noinput")


def count_queries() -> dict[str, int]:
    """Queries for one anonymous request per page, after a warm-up, with caches empty
    (what a cache miss costs)."""
    code = (
        "import django, json; django.setup()\n"
        "from django.core.cache import cache\n"
        "from django.db import connection\n"
        "from django.test import Client\n"
        "from django.test.utils import CaptureQueriesContext\n"
        f"pages = {PAGES!r}\n"
        "client = Client(HTTP_HOST='127.0.0.1')\n"
        "out = {}\n"
        "for name, path in pages.items():\n"
        "    client.get(path)\n"
        "    cache.clear()\n"
        "    with CaptureQueriesContext(connection) as ctx:\n"
        "        assert client.get(path).status_code == 200\n"
        "    out[name] = len(ctx.captured_queries)\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [PY, "-c", code], cwd=ROOT, env=env(), check=True, capture_output=True, text=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return round(float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit], 2)


def run_wrk(url: str, duration: str, connections: int, headers: tuple[str, ...] = ()) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}", "--timeout", "10s", "--latency"]
    command += [arg for header in headers for arg in ("-H", header)]
    out = subprocess.run(
        [*command, url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", out)
    return {
        "req_per_s": round(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), 1),
        "p50_ms": ms(latency["50"]),
        "p99_ms": ms(latency["99"]),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", default="15s")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--skip-setup", action="store_true")
    args = parser.parse_args()
    if not args.skip_setup:
        prepare_database()
    queries = count_queries()
    server = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-w",
            "2",
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{args.port}",
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env(),
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        for name, path in PAGES.items():
            for _ in range(5):
                urllib.request.urlopen(base + path, timeout=10).read()
            result = run_wrk(base + path, args.duration, args.connections)
            print(json.dumps({"page": name, **result, "queries": queries[name]}), flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
