"""Slows down password and token guessing: a few failures per key, then a pause.

Kept in memory: a restart resets it, which costs an attacker a restart per handful of guesses.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_SECONDS = 300.0


class Throttle:
    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        failures = self._failures[key]
        horizon = self.clock() - self.window
        while failures and failures[0] < horizon:
            failures.popleft()
        return failures

    def retry_after(self, key: str) -> int:
        """Seconds before `key` may try again; 0 if it may now."""
        with self._lock:
            failures = self._recent(key)
            if len(failures) < self.max_failures:
                return 0
            return max(1, int(failures[0] + self.window - self.clock()) + 1)

    def failed(self, key: str) -> None:
        with self._lock:
            self._recent(key).append(self.clock())

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
