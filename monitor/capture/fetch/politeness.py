"""Per-host politeness: request starts spaced by a minimum delay, one at a time per host.

The fetchers hold a slot while a request is being started (until the response headers arrive),
not while its body is read: a server dripping its body must not make every other document on that
host wait (the fetch deadline ends the drip itself).

`HostPacer` paces the threads of one process. `SharedHostPacer` also takes the host's turn shared
with the other workers on the store (store/host_turns.py), so the pacing holds across processes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from monitor.errors import ClauseWatchError, FetchError

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


class HostTurns(Protocol):
    """Turns per host shared between processes (store/host_turns.py)."""

    def hold(self, host: str, delay: float) -> AbstractContextManager[None]: ...


class SharedHostPacer(HostPacer):
    """Pacing that holds across the workers sharing a store.

    The local per-host lock comes first, so one thread per process waits for the shared turn;
    the shared turn gives one request at a time per host across all workers and spaces the turns
    by `delay` from the end of the previous one (store/host_turns.py says why from the end).
    """

    def __init__(self, delay: float, turns: HostTurns) -> None:
        super().__init__(delay)
        self.turns = turns

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        key = host_key(url)
        with self._state(key).lock, ExitStack() as stack:
            try:
                stack.enter_context(self.turns.hold(key, self.delay))
            except ClauseWatchError as exc:  # the store failed, or a frozen worker holds the turn
                raise FetchError(f"{url}: {exc}", url=url, transient=True) from exc
            yield
