"""Token buckets: the client paces itself with them, the sandboxes enforce them.

One bucket holds ``burst`` tokens and refills ``rate`` tokens per second, the
model Amazon documents in its "Usage Plan" tables and the one the hub's own
per-account throttle uses.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from connectors.base import RateLimit


class TokenBucket:
    """A thread-safe token bucket."""

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate = float(rate)
        self.burst = int(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self._lock = threading.Lock()

    @classmethod
    def from_limit(cls, limit: RateLimit, scale: float = 1.0) -> TokenBucket:
        return cls(limit.rate * scale, limit.burst)

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._stamp)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
        self._stamp = now

    def take(self) -> float:
        """Take one token if there is one: 0.0; else the seconds until one is there."""
        with self._lock:
            self._refill(self._clock())
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0.0
            return (1.0 - self._tokens) / self.rate

    def reserve(self, max_wait: float) -> float | None:
        """Reserve a token, possibly in the future: the seconds to wait before using it.

        Returns None (nothing reserved) when the wait would exceed ``max_wait``.
        Reserving lets concurrent callers queue up fairly instead of all waking
        at once and colliding.
        """
        with self._lock:
            self._refill(self._clock())
            wait = 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.rate
            if wait > max_wait:
                return None
            self._tokens -= 1.0  # may go negative: later callers wait longer
            return wait

    def wait_time(self) -> float:
        """Seconds until a token is free, without taking it."""
        with self._lock:
            self._refill(self._clock())
            return 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.rate
