"""Helpers for the PostgreSQL concurrency proofs: real threads on real connections."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

from courses import selectors


def slow_seat_count(monkeypatch, seconds: float) -> None:
    """Widen the window between counting seats and writing holds, as a busy server would."""
    real = selectors.session_seats_available

    def slow(**kwargs):
        left = real(**kwargs)
        time.sleep(seconds)
        return left

    monkeypatch.setattr(selectors, "session_seats_available", slow)
    # The per-ticket-type selector counts inside its own module.
    monkeypatch.setattr("courses.selectors.seats.session_seats_available", slow)
    # The checkout's count, prepared before the lock and run under it.
    real_counter = selectors.session_seats_left_counter

    def slow_counter(**kwargs):
        count = real_counter(**kwargs)

        def slow_count():
            left = count()
            time.sleep(seconds)
            return left

        return slow_count

    monkeypatch.setattr(selectors, "session_seats_left_counter", slow_counter)


def rush(fn, n: int) -> list:
    """Run ``fn(i)`` for i in 0..n-1 on n threads released at the same moment."""
    start = threading.Barrier(n)

    def worker(i):
        start.wait()
        try:
            return fn(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(worker, range(n)))
