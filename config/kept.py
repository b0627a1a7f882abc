"""What one process keeps for itself between requests (routes, menus, whole pages).

Each store is bounded, so bots asking for any URL cannot grow a process: past ``size``
entries the least recently used goes first. An entry may carry the moment it stops being
true (``until``, in whatever clock the caller passes as ``now``). Thread-safe: gunicorn's
threaded workers share one store.
"""

import math
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class Kept:
    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Any, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, now: float = -math.inf, default: Any = None) -> Any:
        """The value kept for ``key`` if it is still true at ``now``, else ``default``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return default
            if entry[1] <= now:
                del self._entries[key]
                return default
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, value: Any, until: float = math.inf) -> Any:
        with self._lock:
            self._entries[key] = (value, until)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
