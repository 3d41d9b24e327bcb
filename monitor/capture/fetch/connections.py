"""The connections requests opens for the monitor: guarded and bound to a fetch deadline.

Every new connection checks the addresses its host resolves to before connecting, and the address
it actually reached before a byte is sent, so each redirect hop and a name that resolves
differently the second time are judged like the first. Every connection used while a `Deadline` is active registers its socket with it;
when the deadline passes the socket is shut down, which ends a read that a server keeps alive one
byte at a time (each byte resets the read timeout, so only a total deadline stops it).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from monitor.capture.fetch.guard import AddressGuard


class Deadline:
    """The end of one fetch: sockets registered with it are shut down when it passes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._sockets.clear()

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if self.expired:
                _shut(sock)
            else:
                self._sockets.append(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    # shutdown, not close: it wakes a recv blocked in another thread
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


_active = threading.local()


@contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Bind the connections this thread uses inside the block to one deadline."""
    watch = Deadline(seconds)
    previous = getattr(_active, "deadline", None)
    _active.deadline = watch
    watch.start()
    try:
        yield watch
    finally:
        watch.cancel()
        _active.deadline = previous


def _register(sock: socket.socket | None) -> None:
    watch: Deadline | None = getattr(_active, "deadline", None)
    if watch is not None:
        watch.watch(sock)


class _GuardedMixin:
    guard: AddressGuard = AddressGuard()
    host: str
    port: int
    sock: Any

    def _new_conn(self) -> socket.socket:
        # Before connecting (not even a SYN to an internal host, whose open ports would show in
        # the error), then the address reached (the name may resolve differently the second time).
        self.guard.check_host(self.host, self.port)
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        try:
            self.guard.check_address(self.host, str(sock.getpeername()[0]))
        except OSError:
            sock.close()
            raise
        return sock

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _register(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _register(self.sock)  # a kept-alive connection; a new one registers in connect()
        super().request(*args, **kwargs)  # type: ignore[misc]


def guarded_adapter(guard: AddressGuard) -> HTTPAdapter:
    """An adapter whose connections are checked by `guard` and honour the active deadline."""
    http_conn = type("GuardedHTTPConnection", (_GuardedMixin, HTTPConnection), {"guard": guard})
    https_conn = type("GuardedHTTPSConnection", (_GuardedMixin, HTTPSConnection), {"guard": guard})
    pools = {
        "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }

    class GuardedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

    return GuardedAdapter()


def mount_guard(session: requests.Session, guard: AddressGuard) -> None:
    adapter = guarded_adapter(guard)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
