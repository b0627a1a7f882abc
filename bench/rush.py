"""Checkout rush: N buyers press "Reserve" at the same moment for a session of C seats.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/physiomassage_bench \
        .venv/bin/python bench/rush.py [--buyers 300] [--capacity 30]

Starts the site under gunicorn twice (two instances, two ports, the same PostgreSQL), as
two web servers behind a load balancer would be. Every buyer has their own signed-in
session; each first opens the attendee page (its own CSRF cookie and form token; not
timed), then all buyers submit the real registration form at once, alternating between
the two instances. Prints one JSON line:

    {"buyers":..,"capacity":..,"held":..,"oversold":..,"errors":..,"p50_ms":..,
     "p99_ms":..,"holds_per_s":..,"all_answered_ms":..,"winners_p99_ms":..,
     "sold_out_answers":..,"server_cpu_ms_per_answer":..,"load_average":..}

``held`` must equal ``capacity`` and ``oversold`` must be 0. Stripe is the in-process fake
(``STRIPE_FAKE_ALLOWED``), so no network call is timed. The database named in
DATABASE_URL is migrated and gets a fresh workshop session per run.
"""

import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "STRIPE_FAKE_ALLOWED": "1",
    "STRIPE_SECRET_KEY": "",
    "CELERY_TASK_ALWAYS_EAGER": "1",
    "LOG_LEVEL": "WARNING",
    "CONN_MAX_AGE": "600",
    # 300 buyers from one address in seconds is what the per-address limit refuses.
    "RATE_LIMITS_ENABLED": "0",
}


def setup(buyers: int, capacity: int) -> tuple[int, int, list[str]]:
    """Fresh session with one ticket type, and ``buyers`` users each signed in."""
    os.environ.update(ENV)
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from accounts.models import User
    from tests.factories import SessionFactory, TicketTypeFactory

    call_command("migrate", verbosity=0, interactive=False)
    ticket = TicketTypeFactory(
        session=SessionFactory(capacity=capacity, workshop__title="Rush benchmark"),
        price_amount=34900,
        max_per_order=6,
    )
    run = int(time.time())
    users = User.objects.bulk_create(
        User(email=f"rush{run}-{i}@example.com", password="!unusable") for i in range(buyers)
    )
    cookies = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies.append(store.session_key)
    return ticket.session_id, ticket.pk, cookies


def count(session_id: int) -> tuple[int, int]:
    from courses import selectors
    from courses.models import Registration, RegistrationStatus, Session

    session = Session.objects.get(pk=session_id)
    held = Registration.objects.filter(session=session, status=RegistrationStatus.HELD).count()
    return held, selectors.session_seats_taken(session=session)


def start_servers(ports: list[int], workers: int, threads: int) -> list[subprocess.Popen]:
    env = os.environ | ENV
    servers = [
        subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "config.wsgi",
                f"--bind=127.0.0.1:{port}",
                f"--workers={workers}",
                # Sync workers (as deploy/gunicorn.conf.py) serve queued buyers first come,
                # first served; many threads per worker share the GIL and slow everyone.
                *(["--worker-class=gthread", f"--threads={threads}"] if threads > 1 else []),
                "--backlog=2048",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        for port in ports
    ]
    deadline = time.time() + 60
    for port in ports:
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise SystemExit(f"gunicorn on port {port} did not start")
            time.sleep(0.3)
    return servers


def cpu_seconds(servers: list[subprocess.Popen]) -> float:
    """CPU (user + system) used so far by the servers' workers: what the rush cost the
    site, whatever else the machine was doing meanwhile (wall times are not)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for server in servers:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
        for pid in [server.pid, *children.read_text().split()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def request(port, method, path, cookies, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), "Host": "127.0.0.1"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Referer"] = f"http://127.0.0.1:{port}{path}"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read().decode()
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            cookies[name] = rest.split(";")[0]
    conn.close()
    return response.status, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--buyers", type=int, default=300)
    parser.add_argument("--capacity", type=int, default=30)
    parser.add_argument("--ports", type=int, nargs=2, default=[8101, 8102])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (1: sync workers)"
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (it will be migrated).")

    session_id, ticket_id, session_keys = setup(args.buyers, args.capacity)
    servers = start_servers(args.ports, args.workers, args.threads)
    try:
        path = f"/payments/register/{session_id}/?ticket_{ticket_id}=1"
        buyers = [
            {"port": args.ports[i % 2], "cookies": {"sessionid": key}}
            for i, key in enumerate(session_keys)
        ]

        def prepare(buyer):
            status, html = request(buyer["port"], "GET", path, buyer["cookies"])
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
            assert status == 200 and token, f"attendee page: {status}"
            buyer["body"] = urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": token.group(1),
                    "form-TOTAL_FORMS": "1",
                    "form-INITIAL_FORMS": "0",
                    "form-MIN_NUM_FORMS": "1",
                    "form-MAX_NUM_FORMS": "50",
                    "form-0-ticket_type": str(ticket_id),
                    "form-0-attendee_name": "Rush Buyer",
                    "form-0-attendee_email": "buyer@example.com",
                }
            )

        with ThreadPoolExecutor(32) as pool:
            list(pool.map(prepare, buyers))

        start = threading.Barrier(len(buyers) + 1)
        results: list[tuple[str, float, float]] = [("", 0.0, 0.0)] * len(buyers)

        def buy(index):
            buyer = buyers[index]
            start.wait()
            began = time.perf_counter()
            try:
                status, html = request(buyer["port"], "POST", path, buyer["cookies"], buyer["body"])
                if status == 302:
                    outcome = "held"
                elif status == 200 and "We could not reserve these seats" in html:
                    outcome = "sold_out"
                else:
                    outcome = f"error {status}"
            except OSError as error:
                outcome = f"error {error}"
            results[index] = (outcome, began, time.perf_counter())

        threads = [threading.Thread(target=buy, args=(i,)) for i in range(len(buyers))]
        for thread in threads:
            thread.start()
        cpu_before = cpu_seconds(servers)
        start.wait()
        t0 = time.perf_counter()
        for thread in threads:
            thread.join()
        server_cpu_ms = (cpu_seconds(servers) - cpu_before) * 1000
        first = min(r[1] for r in results)
        last = max(r[2] for r in results)
        latencies = sorted((end - began) * 1000 for _, began, end in results)
        winners = sorted((end - began) * 1000 for o, began, end in results if o == "held")
        held, taken = count(session_id)
        errors = [o for o, *_ in results if o.startswith("error")]

        def pct(values, p):
            return round(values[min(len(values) - 1, int(len(values) * p))], 1) if values else None

        print(
            json.dumps(
                {
                    "buyers": len(buyers),
                    "capacity": args.capacity,
                    "held": held,
                    "oversold": max(0, taken - args.capacity),
                    "errors": len(errors),
                    "p50_ms": round(statistics.median(latencies), 1),
                    "p99_ms": pct(latencies, 0.99),
                    "holds_per_s": round(held / (last - t0), 1),
                    "all_answered_ms": round((last - first) * 1000, 1),
                    "winners_p99_ms": pct(winners, 0.99),
                    "sold_out_answers": sum(1 for o, *_ in results if o == "sold_out"),
                    # Server CPU per answer: the figure a busy machine does not distort.
                    "server_cpu_ms_per_answer": round(server_cpu_ms / len(buyers), 1),
                    "load_average": round(os.getloadavg()[0], 1),
                }
            )
        )
        if errors:
            print("errors:", sorted(set(errors))[:5], file=sys.stderr)
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
