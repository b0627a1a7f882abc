"""One winning seat hold, measured in-process: what each of the rush's winners costs the site.

    DATABASE_URL=postgres://... .venv/bin/python bench/rush_winner.py [--runs 30] [--profile]

The registration POST of ``bench/rush.py`` (same settings, one ticket, a signed-in buyer
with their own session and CSRF cookie), sent through Django's test client to a session
with seats to spare, so every POST is a grant. Prints one JSON line: the median CPU
milliseconds per winning POST (``cpu_ms``, process time, steadier than wall time on a
shared machine), its wall ``ms``, its ``queries`` (transaction statements included) and
the statements it ran, in order. ``--profile`` prints cProfile's top entries instead (all of
them saved in ``tmp/rush_winner.prof``).
"""

import argparse
import cProfile
import json
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rush import ENV  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (it will be migrated).")
    os.environ.update(ENV)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from tests.factories import SessionFactory, TicketTypeFactory

    call_command("migrate", verbosity=0, interactive=False)
    ticket = TicketTypeFactory(
        session=SessionFactory(capacity=10_000, workshop__title="Rush winner"),
        price_amount=34900,
        max_per_order=6,
    )
    path = f"/payments/register/{ticket.session_id}/?ticket_{ticket.pk}=1"
    run = time.time_ns()
    users = User.objects.bulk_create(
        User(email=f"winner{run}-{i}@example.com", password="!unusable")
        for i in range(args.runs + 3)
    )

    def prepared(user) -> tuple[Client, dict]:
        client = Client(SERVER_NAME="127.0.0.1", enforce_csrf_checks=True)
        client.force_login(user)
        page = client.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
        assert page.status_code == 200 and token, page.status_code
        return client, {
            "csrfmiddlewaretoken": token.group(1),
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "0",
            "form-MIN_NUM_FORMS": "1",
            "form-MAX_NUM_FORMS": "50",
            "form-0-ticket_type": str(ticket.pk),
            "form-0-attendee_name": "Rush Buyer",
            "form-0-attendee_email": "buyer@example.com",
        }

    buyers = [prepared(user) for user in users]

    def post(client, body):
        response = client.post(path, body, HTTP_REFERER=f"http://127.0.0.1{path}")
        assert response.status_code == 302, response.status_code

    for client, body in buyers[:2]:  # warm-up: imports, templates, connections
        post(client, body)
    client, body = buyers[2]
    with CaptureQueriesContext(connection) as ctx:
        post(client, body)
    statements = [q["sql"] for q in ctx.captured_queries]
    timed = buyers[3:]
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for client, body in timed:
            post(client, body)
        profiler.disable()
        profiler.dump_stats(ROOT / "tmp" / "rush_winner.prof")
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(60)
        stats.sort_stats("tottime").print_stats(30)
        return
    cpu, wall = [], []
    for client, body in timed:
        c0, w0 = time.process_time(), time.perf_counter()
        post(client, body)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    print(
        json.dumps(
            {
                "runs": len(timed),
                "cpu_ms": round(statistics.median(cpu), 2),
                "ms": round(statistics.median(wall), 2),
                "queries": len(statements),
                "statements": [re.sub(r"\s+", " ", s)[:120] for s in statements],
                "load_average": round(os.getloadavg()[0], 1),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
