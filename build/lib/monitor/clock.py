"""The one clock: naive UTC datetimes, as the store keeps them. Pass a `Clock` to make time testable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
