"""`make deploy-check`: the production topology started from deploy/ and driven end to end.

On a Debian machine as root, loopback only: nginx (from a config generated from
deploy/nginx.conf) in front of two gunicorn instances (deploy/gunicorn.conf.py), one Celery
worker and Celery beat, on PostgreSQL, Redis and a local S3 object store (moto, for
public media and private lesson videos), with config.settings.deploycheck (production plus
the offline Stripe fake) and a fresh database. Prints one PASS/FAIL line
per step and a summary; exits 1 on any FAIL. Stops everything it started and drops its
database, also on failure or Ctrl-C. See deploy/README.md.

    .venv/bin/python deploy/check.py [--keep] [--disk]   (REDIS_URL picks the Redis db)

--disk keeps uploads on local disk instead (lesson videos through nginx's
X-Accel-Redirect location), the single-machine topology.
"""

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

import check_s3
import check_stack
import check_steps
from check_http import Browser
from check_stack import ROOT, Stack, free_port, psql, run

RESULTS: list[tuple[str, bool, str, float]] = []


def step(name: str, action) -> bool:
    started = time.monotonic()
    try:
        detail, ok = action(), True
    except Exception as error:  # every failure becomes a FAIL line, the run goes on
        detail, ok = f"{type(error).__name__}: {error}", False
        if os.environ.get("DEPLOY_CHECK_DEBUG"):
            traceback.print_exc()
    took = time.monotonic() - started
    RESULTS.append((name, ok, str(detail), took))
    print(f"{'PASS' if ok else 'FAIL'}  {name:<18} {detail}  ({took:.1f} s)", flush=True)
    return ok


def environment(work: Path, port: int, database: str, store) -> dict:
    return (
        os.environ
        | (store.environment() if store else {})
        | {
            "DJANGO_SETTINGS_MODULE": "config.settings.deploycheck",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
            "CELERY_BROKER_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "EMAIL_URL": f"filemail://{work}/mail",
            "STRIPE_SECRET_KEY": "sk_test_deploycheck",
            "STRIPE_WEBHOOK_SECRET": "whsec_deploycheck",
            "STATIC_ROOT": str(work / "staticfiles"),
            "MEDIA_ROOT": str(work / "media"),
            "PRIVATE_MEDIA_ROOT": str(work / "private-media"),
            "GUNICORN_WORKERS": "1",
            "PYTHONPATH": str(ROOT / "deploy"),
            "DEPLOYCHECK_SLOW_MAIL": str(work / "mail-slow"),
            "MAIL_SEND_LEASE_SECONDS": "5",
            # A fresh cache namespace: Wagtail caches renditions (file names) and pages, and
            # those of an earlier run's database must not be served from this one.
            "CACHE_KEY_PREFIX": database,
            "OUTBOX_REDISPATCH_SECONDS": "5",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )


def worker_restart(stack: Stack, port: int, mail_dir: Path) -> str:
    """Kill the worker, book (its mail task waits in Redis), restart it: sent exactly once."""
    from demo import content

    stack.kill("worker")
    browser = Browser(port)
    browser.sign_in(content.THERAPIST_EMAIL, content.THERAPIST_PASSWORD)
    attendee = f"deploycheck-restart-{os.getpid()}@example.com"
    booking = check_steps.book(browser, attendee)
    time.sleep(3)
    pending = check_steps.booking_mails(mail_dir, booking, attendee)
    check_steps.expect(pending == (0, 0), f"mail sent with the worker down: {pending}")
    stack.worker()
    took = check_steps.wait_for_mail(mail_dir, booking, attendee)
    time.sleep(5)  # anything sent twice would arrive now
    receipts, tickets = check_steps.booking_mails(mail_dir, booking, attendee)
    check_steps.expect((receipts, tickets) == (1, 1), f"receipts {receipts}, tickets {tickets}")
    return (
        f"worker killed, order {booking['order']} booked, nothing sent in 3 s; restarted: "
        f"receipt and ticket each delivered once ({took:.1f} s after restart)"
    )


def worker_killed_mid_send(stack: Stack, port: int, work: Path) -> str:
    """Book while the mail server is slow, kill -9 the worker while it is sending, restart
    it: the outbox hands the task over again and the e-mail goes out once."""
    from demo import content

    flag, sending = work / "mail-slow", work / "mail-slow.sending"
    flag.touch()
    try:
        browser = Browser(port)
        browser.sign_in(content.THERAPIST_EMAIL, content.THERAPIST_PASSWORD)
        attendee = f"deploycheck-midsend-{os.getpid()}@example.com"
        booking = check_steps.book(browser, attendee)
        started = time.monotonic()
        while not sending.exists():
            check_steps.expect(time.monotonic() - started < 60, "the worker never began a send")
            time.sleep(0.2)
        stack.kill("worker")
    finally:
        flag.unlink(missing_ok=True)
    cut = check_steps.booking_mails(work / "mail", booking, attendee)
    check_steps.expect(cut[0] + cut[1] < 2, f"both e-mails out before the kill: {cut}")
    stack.worker()
    took = check_steps.wait_for_mail(work / "mail", booking, attendee, seconds=120)
    time.sleep(8)  # a second copy (lease 5 s, redispatch 5 s, beat every 3 s) would be here
    receipts, tickets = check_steps.booking_mails(work / "mail", booking, attendee)
    check_steps.expect((receipts, tickets) == (1, 1), f"receipts {receipts}, tickets {tickets}")
    return (
        f"worker killed during a send for order {booking['order']} ({cut[0]} receipt, "
        f"{cut[1]} ticket out); restarted: the outbox handed it over again, receipt and "
        f"ticket each delivered once ({took:.1f} s after restart)"
    )


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    parser.add_argument("--disk", action="store_true", help="uploads on disk, not in S3")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("make deploy-check runs as root on a Debian machine (nginx, apt-get).")
        return 2
    # SIGTERM is handled like Ctrl-C: the finally block below cleans up.
    signal.signal(signal.SIGTERM, _interrupt)
    work = Path(tempfile.mkdtemp(prefix="deploycheck-"))
    work.chmod(0o755)  # nginx workers (nobody) read static files and videos from here
    for sub in ("mail", "staticfiles", "media", "private-media"):
        (work / sub).mkdir()
    database = f"deploycheck_{time.strftime('%Y%m%d%H%M%S')}_{os.getpid()}"
    port, web = free_port(), {"web-a": free_port(), "web-b": free_port()}
    store = None if args.disk else check_s3.object_store(free_port())
    env = environment(work, port, database, store)
    stack, created = Stack(work, env), False
    started = time.monotonic()
    try:
        notes = check_stack.ensure_services()
        psql(f"create database {database}")
        created = True
        manage = [str(ROOT / ".venv/bin/python"), "manage.py"]
        ready = store is None or step("object store", lambda: check_s3.start(stack, store))
        commands = ["migrate --noinput", "collectstatic --noinput", "seed_demo"]
        commands += ["object_store_cors"] if store else []

        def setup() -> str:
            took = [f"{c.split()[0]} {run([*manage, *c.split()], env):.0f} s" for c in commands]
            return ", ".join([*notes, f"database {database}: {', '.join(took)}"])

        ready = ready and step("setup", setup)
        config = check_stack.nginx_config(work, port, list(web.values()))
        ready = ready and step(
            "start",
            lambda: [
                *(stack.gunicorn(name, p) for name, p in web.items()),
                stack.worker(),
                stack.beat(),
                stack.nginx(config, port),
                f"nginx 127.0.0.1:{port} → gunicorn {list(web.values())}, worker, beat",
            ][-1],
        )
        if ready:
            drive(port, stack, web, work, env, store)
    except KeyboardInterrupt:
        print("Interrupted: stopping everything the check started.")
        RESULTS.append(("interrupted", False, "Ctrl-C / SIGTERM", 0.0))
    except Exception as error:
        RESULTS.append(("setup", False, f"{type(error).__name__}: {error}", 0.0))
        print(f"FAIL  {error}")
    finally:
        stack.stop_all()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        if created:
            psql(f"drop database if exists {database} with (force)")
        if args.keep:
            print(f"Logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return summary(started)


def drive(port: int, stack: Stack, web: dict[str, int], work: Path, env: dict, store) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from demo import content

    mail_dir = work / "mail"
    step("pages", lambda: check_steps.pages(port))
    step("static", lambda: check_steps.static(port))
    booked: dict = {}

    def booking() -> str:
        therapist = Browser(port)
        therapist.sign_in(content.THERAPIST_EMAIL, content.THERAPIST_PASSWORD)
        attendee = f"deploycheck-{os.getpid()}@example.com"
        booked.update(check_steps.book(therapist, attendee))
        took = check_steps.wait_for_mail(mail_dir, booked, attendee)
        return (
            f"therapist paid order {booked['order']} ({booked['status']}) on the test "
            f"payment page; worker delivered receipt + ticket in {took:.1f} s"
        )

    step("booking + mail", booking)
    if store is None:
        step("video (X-Accel)", lambda: check_steps.video(port))
    else:
        step("media (S3)", lambda: check_s3.media(port, store, work))
        step("video (S3 presigned)", lambda: check_s3.video(port, store))
        step("HLS (S3)", lambda: check_s3.hls(port, store))
    step(
        "check-in",
        lambda: check_steps.check_in(port, booked),
    )
    step("gunicorn failover", lambda: check_steps.failover(port, stack, web))
    step("worker restart", lambda: worker_restart(stack, port, mail_dir))
    step("worker killed mid-send", lambda: worker_killed_mid_send(stack, port, work))
    step("restore drill", lambda: restore_drill(env))


def restore_drill(env: dict) -> str:
    done = subprocess.run(
        [str(ROOT / "deploy/restore_drill.sh")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    lines = done.stdout.strip().splitlines()
    check_steps.expect(done.returncode == 0, " | ".join(lines[-4:]) + done.stderr[-300:])
    return " | ".join(" ".join(line.split()) for line in lines)


def summary(started: float) -> int:
    failed = [name for name, ok, *_ in RESULTS if not ok]
    print(f"\n{'step':<24}{'result':<8}{'seconds':>8}")
    for name, ok, _detail, took in RESULTS:
        print(f"{name:<24}{'PASS' if ok else 'FAIL':<8}{took:>8.1f}")
    total = time.monotonic() - started
    verdict = f"FAILED: {', '.join(failed)}" if failed else "all steps passed"
    print(f"deploy-check: {verdict} ({len(RESULTS)} steps, {total:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
