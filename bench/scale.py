"""Flat cost as the business grows: every page and admin list measured in-process (ms and
queries) on the demo site, then again after bulk-seeding issue 13's data set (200
workshops, 1,000 sessions, 50,000 registrations, 20,000 orders, 5,000 members, 100
masterclasses x 10 lessons), plus the CSV exports on the large data. One JSON line per
page and per admin list.

    DATABASE_URL=postgres://... .venv/bin/python bench/scale.py [--skip-setup] [--runs 5]

``--skip-setup`` measures the database as it is (already seeded) and prints large only.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import ROOT, env, prepare_database

PY = sys.executable
EXPORTS = {
    "export_orders_csv": "orders:index",
    "export_registrations_csv": "order_registrations:index",
}


def inprocess(runs: int) -> dict[str, dict]:
    out = subprocess.run(
        [PY, "bench/inprocess.py", "--runs", str(runs)],
        cwd=ROOT,
        env=env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def seed_large() -> float:
    started = time.perf_counter()
    subprocess.run(
        [PY, "manage.py", "shell", "-c", "from demo.scale import seed_scale; print(seed_scale())"],
        cwd=ROOT,
        env=env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return round(time.perf_counter() - started, 1)


def exports() -> dict[str, dict]:
    code = (
        "import sys, json, time; sys.argv = ['x']\n"
        "sys.path.insert(0, 'bench')\n"
        "import inprocess\n"
        "from django.db import connection\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "from django.urls import reverse\n"
        "client = inprocess.clients()['staff']\n"
        f"out = {{}}\n"
        f"for name, url_name in {EXPORTS!r}.items():\n"
        "    with CaptureQueriesContext(connection) as ctx:\n"
        "        started = time.perf_counter()\n"
        "        response = client.get(reverse(url_name), {'export': 'csv'})\n"
        "        rows = b''.join(response.streaming_content).count(b'\\n') - 1\n"
        "        ms = (time.perf_counter() - started) * 1000\n"
        "    out[name] = {'ms': round(ms, 1), 'queries': len(ctx.captured_queries),\n"
        "                 'rows': rows, 'streaming': response.streaming}\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [PY, "-c", code], cwd=ROOT, env=env(), check=True, capture_output=True, text=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-setup", action="store_true")
    args = parser.parse_args()
    small = {}
    if not args.skip_setup:
        prepare_database()
        small = inprocess(args.runs)
        seconds = seed_large()
        print(json.dumps({"seeded_in_s": seconds}), flush=True)
    large = inprocess(args.runs)
    for name, figures in large.items():
        line = {"page": name, "ms": figures["ms"], "queries": figures["queries"]}
        if name in small:
            before = small[name]
            line |= {
                "ms_small": before["ms"],
                "queries_small": before["queries"],
                "queries_flat": before["queries"] == figures["queries"],
            }
        if "seq_scans" in figures:
            line["seq_scans"] = figures["seq_scans"]
        line["status"] = figures["status"]
        print(json.dumps(line), flush=True)
    for name, figures in exports().items():
        print(json.dumps({"page": name, **figures}), flush=True)
    # Wall times on a shared machine: how busy it was when they were taken.
    print(json.dumps({"load_average": round(os.getloadavg()[0], 1)}), flush=True)


if __name__ == "__main__":
    main()
