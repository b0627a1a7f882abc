"""Milliseconds and queries of each page and admin list, measured in-process with the test
client (no server, no network): what one rendered request costs the application.

    DJANGO_SETTINGS_MODULE=config.settings.bench python bench/inprocess.py [--runs 5]

Prints one JSON object: ``{name: {"ms": median, "queries": n, "status": code}}``.
Every anonymous page is measured as a cache miss (the page cache is emptied first).

``--floor`` adds ``floor_page_ms`` (``../shared/bench-floor``'s ``/page/`` through its own
test client, in a subprocess, measured just before) and each page's ``floor_ratio``
(floor ms / page ms): on a busy machine a steadier guide than milliseconds, though only
``make bench`` (gunicorn and wrk) gives the figures the goal is judged by.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def targets() -> dict[str, tuple[str | None, str]]:
    """name -> (who is signed in: None, "member", "therapist", "buyer" or "staff"; path)."""
    from django.urls import reverse

    from cms.models import LessonPage, MasterclassPage, WorkshopPage
    from courses.models import Session, SessionStatus
    from payments.models import Order

    workshop = WorkshopPage.objects.live().order_by("pk").first()
    series = MasterclassPage.objects.live().order_by("pk").first()
    lesson = LessonPage.objects.live().descendant_of(series).filter(is_preview=False).first()
    session = (
        Session.objects.filter(status=SessionStatus.SCHEDULED, workshop=workshop.workshop_id)
        .order_by("-starts_at")
        .first()
    )
    order = Order.objects.filter(buyer__email=_therapist_email()).first()
    ticket = session.ticket_types.order_by("sort_order", "pk").first()
    pages: dict[str, tuple[str | None, str]] = {
        "home": (None, "/"),
        "workshop_index": (None, "/workshops/"),
        "home_member": ("member", "/"),
        "workshop_index_member": ("member", "/workshops/"),
        "workshop_page": (None, workshop.url),
        "workshop_page_member": ("member", workshop.url),
        "library_member": ("member", series.get_parent().url),
        "masterclass_member": ("member", series.url),
        "lesson_member": ("member", lesson.url),
        "library": (None, series.get_parent().url),
        "masterclass": (None, series.url),
        "lesson": (None, lesson.url),
        "account_therapist": ("therapist", reverse("accounts:dashboard")),
        "register_step": ("therapist", reverse("payments:register", args=[session.pk])),
    }
    pages["register_attendees"] = (
        "therapist",
        reverse("payments:register", args=[session.pk]) + f"?ticket_{ticket.pk}=1",
    )
    if order is not None:
        pages["order_page"] = ("therapist", reverse("payments:order", args=[order.reference]))
    elif (buyer_order := _buyer_order()) is not None:
        # The demo's own accounts have no order (as in run.py): the newest paid workshop
        # order, seen by its buyer.
        pages["order_page"] = ("buyer", reverse("payments:order", args=[buyer_order.reference]))
    # My account of someone with orders, tickets and refunds, not only an empty one.
    pages["account_buyer"] = ("buyer", reverse("accounts:dashboard"))
    registration_filter = f"?status=confirmed&session={session.pk}"
    for name, url in [
        ("admin_sessions", reverse("workshop_sessions:index")),
        ("admin_registrations", reverse("order_registrations:index")),
        ("admin_orders", reverse("orders:index")),
        ("admin_memberships", reverse("memberships:index")),
        ("admin_waitlist", reverse("courses:staff_waitlist", args=[session.pk])),
    ]:
        pages[name] = ("staff", url)
    pages["admin_registrations_search"] = ("staff", pages["admin_registrations"][1] + "?q=zz9")
    pages["admin_registrations_filtered"] = (
        "staff",
        pages["admin_registrations"][1] + registration_filter,
    )
    pages["admin_orders_search"] = ("staff", pages["admin_orders"][1] + "?q=zz9")
    pages["admin_orders_filtered"] = ("staff", pages["admin_orders"][1] + "?status=paid")
    pages["admin_memberships_search"] = ("staff", pages["admin_memberships"][1] + "?q=zz9")
    pages["admin_memberships_filtered"] = (
        "staff",
        pages["admin_memberships"][1] + "?status=active",
    )
    pages["admin_sessions_search"] = ("staff", pages["admin_sessions"][1] + "?q=Denver")
    pages["admin_sessions_filtered"] = ("staff", pages["admin_sessions"][1] + "?status=scheduled")
    # A search that matches many rows, not only a rare one.
    pages["admin_orders_search_common"] = ("staff", pages["admin_orders"][1] + "?q=example")
    return pages


def _buyer_order():
    from payments.models import Order, OrderStatus

    return (
        Order.objects.filter(status=OrderStatus.PAID, session__isnull=False, buyer__isnull=False)
        .select_related("buyer")
        .order_by("-pk")
        .first()
    )


def _therapist_email() -> str:
    from demo import content

    return content.VISITOR_EMAIL


def clients() -> dict[str | None, Client]:
    from django.contrib.auth import get_user_model

    from allauth.mfa.models import Authenticator

    from demo import content

    User = get_user_model()
    staff, _ = User.objects.get_or_create(
        email="bench-staff@example.com",
        defaults={"full_name": "Bench Staff", "is_staff": True, "is_superuser": True},
    )
    if not Authenticator.objects.filter(user=staff).exists():
        from allauth.mfa.totp.internal.auth import TOTP

        TOTP.activate(staff, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    out: dict[str | None, Client] = {
        None: Client(HTTP_HOST="127.0.0.1", HTTP_X_REAL_IP="127.0.0.1")
    }
    for who, email in [
        ("member", content.MEMBER_EMAIL),
        ("therapist", _therapist_email()),
        ("staff", staff.email),
        ("buyer", getattr(getattr(_buyer_order(), "buyer", None), "email", None)),
    ]:
        if email is None:
            continue
        client = Client(HTTP_HOST="127.0.0.1", HTTP_X_REAL_IP="127.0.0.1")
        client.force_login(User.objects.get(email=email))
        if who == "staff":
            session = client.session
            session["account_authentication_methods"] = [{"method": "mfa", "type": "totp"}]
            session.save()
        out[who] = client
    return out


def measure(runs: int, only: set[str] | None = None) -> dict[str, dict]:
    by_who = clients()
    results = {}
    for name, (who, path) in targets().items():
        if only and name not in only:
            continue
        client = by_who[who]
        client.get(path)  # warm-up: imports, template compilation, connection
        timings = []
        for _ in range(runs):
            _clear_page_cache(path)
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(path)
                if response.streaming:
                    b"".join(response.streaming_content)
                timings.append((time.perf_counter() - started) * 1000)
        results[name] = {
            "ms": round(statistics.median(timings), 1),
            "queries": len(ctx.captured_queries),
            "status": response.status_code,
        }
        if name.startswith("admin_") and connection.vendor == "postgresql":
            results[name]["seq_scans"] = seq_scans(ctx.captured_queries)
    return results


WATCHED_TABLES = ("courses_registration", "payments_order")


def seq_scans(queries: list[dict]) -> list[str]:
    """Tables of ``WATCHED_TABLES`` that PostgreSQL's plans read in full (``EXPLAIN`` of
    each SELECT the request made): a list that grows with the data."""
    found = set()
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.startswith("SELECT") or not any(t in sql for t in WATCHED_TABLES):
                continue
            cursor.execute("EXPLAIN " + sql)
            for (line,) in cursor.fetchall():
                for table in WATCHED_TABLES:
                    if f"Seq Scan on {table}" in line:
                        found.add(table)
    return sorted(found)


def _clear_page_cache(path: str) -> None:
    """Forget the anonymous page cache's copy of ``path`` (nothing else), shared and kept."""
    from django.test import RequestFactory

    from cms.middleware import kept_pages, page_cache_key

    cache.delete(page_cache_key(RequestFactory(HTTP_HOST="127.0.0.1").get(path)))
    kept_pages.clear()


FLOOR_CODE = """
import os, statistics, sys, time
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = "floorproj.settings"
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
assert client.get("/page/").status_code == 200
timings = []
for _ in range(RUNS):
    started = time.perf_counter()
    client.get("/page/")
    timings.append((time.perf_counter() - started) * 1000)
print(statistics.median(timings))
"""


def floor_page_ms(runs: int) -> float:
    """Median ms of the floor's ``/page/`` in-process (its own interpreter and settings)."""
    import subprocess

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import default_floor

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    out = subprocess.run(
        [sys.executable, "-c", FLOOR_CODE.replace("RUNS", str(max(runs, 30)))],
        cwd=default_floor(),
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return round(float(out.strip().splitlines()[-1]), 2)


def profile(name: str, runs: int, limit: int = 40) -> None:
    """cProfile ``runs`` renders of one target (after a warm-up), sorted by cumulative
    time: where a rendered request spends its milliseconds."""
    import cProfile
    import pstats

    who, path = targets()[name]
    client = clients()[who]
    client.get(path)
    profiler = cProfile.Profile()
    for _ in range(runs):
        _clear_page_cache(path)
        profiler.enable()
        client.get(path)
        profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(limit)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="")
    parser.add_argument("--profile", default="", help="one target name: print its profile")
    parser.add_argument("--floor", action="store_true", help="add the floor's /page/ ms")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile, args.runs)
        return
    only = {n for n in args.only.split(",") if n}
    floor = floor_page_ms(args.runs) if args.floor else None
    results = measure(args.runs, only or None)
    if floor is not None:
        for figures in results.values():
            figures["floor_ratio"] = round(floor / figures["ms"], 2)
        results = {"floor_page_ms": floor, **results}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
