"""Per-host politeness: request starts spaced by a minimum delay, one at a time per host.

The fetchers hold a slot while a request is being started (until the response headers arrive),
not while its body is read: a server dripping its body must not make every other document on that
host wait (the fetch deadline ends the drip itself).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def host_key(url: str) -> str:
    """The pacing key of a URL: lowercase host and effective port (so :443 and no port agree)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:  # a malformed port: pace it under the raw netloc rather than fail here
        return parts.netloc.lower()
    return f"{host}:{port}"


@dataclass
class _HostState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_start: float = float("-inf")


class HostPacer:
    """Thread-safe pacing of requests per host.

    `with pacer.slot(url):` blocks until no other request to the same host holds its slot and at
    least `delay` seconds have passed since the previous request to that host started. Different
    hosts never wait for each other.
    """

    def __init__(
        self,
        delay: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.delay = max(0.0, float(delay))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()  # guards the dict only; per-host locks do the waiting
        self._hosts: dict[str, _HostState] = {}

    def _state(self, key: str) -> _HostState:
        with self._lock:
            state = self._hosts.get(key)
            if state is None:
                state = self._hosts[key] = _HostState()
            return state

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        state = self._state(host_key(url))
        with state.lock:
            wait = state.last_start + self.delay - self._clock()
            if wait > 0:
                self._sleep(wait)
            state.last_start = self._clock()
            yield
