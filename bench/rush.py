"""Checkout rush: N buyers press "Reserve" at the same moment for a session of C seats.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/physiomassage_bench \
    REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/rush.py [--buyers 300] [--capacity 30] [--ports 8101 8102]

Starts the site under gunicorn twice (two instances, two ports, the same PostgreSQL and
Redis), as two web servers behind a load balancer would be. Every buyer has their own
signed-in session; each first opens the attendee page (its own CSRF cookie and form token;
not timed), then all buyers submit the real registration form at once, alternating between
the two instances. Prints one JSON line:

    {"buyers":..,"capacity":..,"held":..,"oversold":..,"errors":..,"p50_ms":..,
     "p99_ms":..,"holds_per_s":..,"all_answered_ms":..,"winners_p99_ms":..,
     "sold_out_answers":..,"server_cpu_ms_per_answer":..,"send_spread_ms":..,
     "tasks_enqueued":..,"load_average":..}

``held`` must equal ``capacity`` and ``oversold`` must be 0. Each latency runs from the
moment that buyer's connection is opened to the last byte of the answer.

As in production, and unlike ``make run``:
- Redis is required (``REDIS_URL``): the cache is what tells the four workers the seats
  figure; without it each process would keep its own.
- Tasks go to the broker (``REDIS_URL``), never run inside the request
  (``CELERY_TASK_ALWAYS_EAGER`` off): a worker would run them elsewhere. No worker runs
  here; ``tasks_enqueued`` says how many the rush handed over (0 today: neither a
  winning hold nor a refusal enqueues anything, so eager tasks never inflated the figures).
- The buyers' requests all come from one thread (``--client loop``, the default): a
  selector loop opens and writes all 300 within a few milliseconds (``send_spread_ms``)
  and times each answer as it arrives. 300 buyers are 300 machines; 300 Python threads
  here would take CPU from the servers on the same two cores and wait for the GIL to
  time an answer. ``--client threads`` is the earlier client (one thread and one
  ``http.client`` connection per buyer), for comparison.
Stripe is the in-process fake (``STRIPE_FAKE_ALLOWED``), so no network call is timed
(a real checkout adds Stripe's answer time to each winner's). The settings are
``config.settings.dev`` with ``DEBUG`` off: production's need real Stripe keys. The
database named in DATABASE_URL is migrated and gets a fresh workshop session per run.
"""

import argparse
import http.client
import json
import os
import re
import selectors
import signal
import socket
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
    # Tasks go to the broker (REDIS_URL), as in production; no worker runs them here.
    "CELERY_TASK_ALWAYS_EAGER": "0",
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
        store[BACKEND_SESSION_KEY] = "accounts.backends.AuthenticationBackend"
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


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


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


SOLD_OUT = b"We could not reserve these seats"


def outcome_of(status: int, body: bytes) -> str:
    if status == 302:
        return "held"
    if status == 200 and SOLD_OUT in body:
        return "sold_out"
    return f"error {status}"


def rush_loop(buyers: list[dict], path: str, timeout: float = 60) -> list[tuple[str, float, float]]:
    """All buyers' POSTs from this one thread: each buyer's connection is opened and its
    request written in turn (on loopback both return at once), then every answer is read
    as it arrives (the servers close the connection after it). Returns (outcome, opened,
    answered) per buyer."""
    requests = []
    for buyer in buyers:
        body = buyer["body"].encode()
        cookies = "; ".join(f"{k}={v}" for k, v in buyer["cookies"].items())
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookies}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Referer: http://127.0.0.1:{buyer['port']}{path}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        requests.append(head.encode() + body)
    selector = selectors.DefaultSelector()
    results: list[tuple[str, float, float]] = [("error no answer", 0.0, 0.0)] * len(buyers)
    for index, buyer in enumerate(buyers):
        opened = time.perf_counter()
        try:
            sock = socket.create_connection(("127.0.0.1", buyer["port"]), timeout=timeout)
            sock.sendall(requests[index])
        except OSError as error:
            results[index] = (f"error {error}", opened, time.perf_counter())
            continue
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ, (index, opened, bytearray()))
    deadline = time.perf_counter() + timeout
    while selector.get_map() and time.perf_counter() < deadline:
        for key, _events in selector.select(timeout=1):
            sock, (index, opened, received) = key.fileobj, key.data
            try:
                chunk = sock.recv(65536)
            except OSError as error:
                outcome = f"error {error}"
            else:
                if chunk:
                    received += chunk
                    continue
                head, _, body = bytes(received).partition(b"\r\n\r\n")
                status = head.split(b" ", 2)[1] if head.startswith(b"HTTP/") else b"0"
                outcome = outcome_of(int(status), body)
            results[index] = (outcome, opened, time.perf_counter())
            selector.unregister(sock)
            sock.close()
    for key in list(selector.get_map().values()):
        key.fileobj.close()
    return results


def rush_threads(buyers: list[dict], path: str) -> list[tuple[str, float, float]]:
    """The earlier client: one thread and one ``http.client`` connection per buyer,
    released together by a barrier."""
    start = threading.Barrier(len(buyers) + 1)
    results: list[tuple[str, float, float]] = [("", 0.0, 0.0)] * len(buyers)

    def buy(index):
        buyer = buyers[index]
        start.wait()
        began = time.perf_counter()
        try:
            status, html = request(buyer["port"], "POST", path, buyer["cookies"], buyer["body"])
            outcome = outcome_of(status, html.encode())
        except OSError as error:
            outcome = f"error {error}"
        results[index] = (outcome, began, time.perf_counter())

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(len(buyers))]
    for thread in threads:
        thread.start()
    start.wait()
    for thread in threads:
        thread.join()
    return results


def tasks_queued() -> int:
    """Messages waiting in the broker's default queue (and its priority lists)."""
    import redis

    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    return sum(broker.llen(key) for key in broker.scan_iter(match="celery*", _type="list"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--buyers", type=int, default=300)
    parser.add_argument("--capacity", type=int, default=30)
    parser.add_argument("--ports", type=int, nargs=2, default=[8101, 8102])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (1: sync workers)"
    )
    parser.add_argument(
        "--client", choices=["loop", "threads"], default="loop", help="see the docstring"
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (it will be migrated).")
    if not os.environ.get("REDIS_URL", "").startswith("redis"):
        raise SystemExit("Set REDIS_URL to a Redis database (the cache and the task broker).")
    busy = [port for port in args.ports if port_in_use(port)]
    if busy:
        raise SystemExit(f"Port {busy[0]} is in use: pick others with --ports.")

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

        queued_before = tasks_queued()
        cpu_before = cpu_seconds(servers)
        client = rush_loop if args.client == "loop" else rush_threads
        results = client(buyers, path)
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
                    "holds_per_s": round(held / (last - first), 1),
                    "all_answered_ms": round((last - first) * 1000, 1),
                    "winners_p99_ms": pct(winners, 0.99),
                    "sold_out_answers": sum(1 for o, *_ in results if o == "sold_out"),
                    # Server CPU per answer: the figure a busy machine does not distort.
                    "server_cpu_ms_per_answer": round(server_cpu_ms / len(buyers), 1),
                    # How long the client took to open every buyer's connection.
                    "send_spread_ms": round((max(r[1] for r in results) - first) * 1000, 1),
                    "tasks_enqueued": tasks_queued() - queued_before,
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
