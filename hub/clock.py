"""The hub's clock: one place to read time and to wait, so tests can move time."""

from __future__ import annotations

import time
from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def sleep(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)


def monotonic() -> float:
    return time.monotonic()
