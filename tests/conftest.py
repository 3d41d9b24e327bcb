"""Shared fixtures.

Local HTTP server (`http_server`, or `make_http_server()` for several): a threaded HTTP/1.1 server
on 127.0.0.1 with an ephemeral port. Set routes per test, path (with or without query) -> spec:

    from conftest import Reply

    http_server.routes["/terms"] = Reply(200, {"ETag": '"v1"'}, "<p>hello</p>")
    http_server.routes["/flaky"] = [Reply(500), Reply(500), Reply(200, body="ok")]  # in turn
    http_server.routes["/ua"] = lambda req: Reply(403) if "Chrome" not in req.headers.get(
        "user-agent", "") else Reply(200, body="welcome")
    http_server.routes["/page"] = "<html>...</html>"  # str/bytes: a 200 text/html page

    url = http_server.url("/terms")
    http_server.hits("/terms")  # list[Request], each with .time (time.monotonic() at arrival)

A spec is a `Reply`, str/bytes, a list of specs (served in order, the last one repeats), or a
callable (Request) -> spec. Unknown paths get 404. A callable that raises answers 500 and fails the
test at teardown. `Reply(delay=...)` waits before answering, `Reply(reset=True)` drops the
connection with a TCP reset, and a body given as a list of chunks is sent chunked (spaced by
`chunk_delay`).

`fetch_opts(**overrides)` builds settings accepted by `monitor.capture.fetch` (fast timeouts, no delays,
loopback allowed). A test that writes a clausewatch.toml adds `LOOPBACK_TOML` to its [fetch] table.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

# ---------------------------------------------------------------- local HTTP server


@dataclass
class Reply:
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | str | list[bytes] = b""
    delay: float = 0.0  # seconds before the status line (simulates a slow server)
    chunk_delay: float = 0.0  # seconds between chunks of a list body
    reset: bool = False  # drop the connection (RST) instead of answering


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query
    query: str
    headers: dict[str, str]  # lowercase names
    body: bytes
    time: float  # time.monotonic() when the request line and headers had arrived
    client: tuple[str, int]


Spec = Any  # Reply | str | bytes | list[Spec] | Callable[[Request], Spec]


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # keep-alive connections must not block shutdown
    allow_reuse_address = True
    app: LocalHTTPServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-answer (timeouts, size caps) are expected in these tests


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parts.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
            time=time.monotonic(),
            client=self.client_address[:2],
        )
        app = self.server.app
        app._record(request)
        app._answer(self, request, app._resolve(request))

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle


class LocalHTTPServer:
    def __init__(self, routes: Mapping[str, Spec] | None = None, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Spec] = dict(routes or {})
        self.errors: list[str] = []  # tracebacks of route callables that raised
        self.stopping = threading.Event()
        self._log: list[Request] = []
        self._counters: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()
        self._httpd = _Server((host, 0), _Handler)
        self._httpd.app = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"http://{self.netloc}{path}"

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._log)

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self.stopping.set()  # wakes handlers sleeping in a delay
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LocalHTTPServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------ handler side

    def _record(self, request: Request) -> None:
        with self._lock:
            self._log.append(request)

    def _resolve(self, request: Request) -> Reply:
        full = f"{request.path}?{request.query}" if request.query else request.path
        key = full if full in self.routes else request.path
        if key not in self.routes:
            return Reply(404, {"Content-Type": "text/plain"}, f"no route for {full}")
        spec = self.routes[key]
        for _ in range(100):  # callables may return lists and so on; no infinite loops
            if isinstance(spec, Reply):
                return spec
            if isinstance(spec, str | bytes):
                return Reply(200, {"Content-Type": "text/html; charset=utf-8"}, spec)
            if isinstance(spec, list):
                spec = spec[min(self._next(key, spec), len(spec) - 1)]
            elif callable(spec):
                try:
                    spec = spec(request)
                except Exception:
                    self.errors.append(traceback.format_exc())
                    return Reply(500, {"Content-Type": "text/plain"}, "route callable raised")
            else:
                raise TypeError(f"bad route spec for {key}: {spec!r}")
        raise TypeError(f"route spec for {key} does not resolve to a Reply")

    def _next(self, key: str, spec: list[Any]) -> int:
        with self._lock:
            index = self._counters.get((key, id(spec)), 0)
            self._counters[(key, id(spec))] = index + 1
            return index

    def _answer(self, handler: _Handler, request: Request, reply: Reply) -> None:
        if reply.delay and self.stopping.wait(reply.delay):
            handler.close_connection = True
            return
        if reply.reset:
            _reset(handler)
            return
        try:
            self._write(handler, request, reply)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True

    def _write(self, handler: _Handler, request: Request, reply: Reply) -> None:
        headers = dict(reply.headers)
        names = {k.lower() for k in headers}
        body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
        if isinstance(reply.body, str) and "content-type" not in names:
            headers["Content-Type"] = "text/html; charset=utf-8"
        chunked = isinstance(body, list)
        if chunked:
            headers.setdefault("Transfer-Encoding", "chunked")
        elif "content-length" not in names:
            headers["Content-Length"] = str(len(body) if reply.status not in (204, 304) else 0)
        handler.send_response(reply.status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if request.method == "HEAD" or reply.status in (204, 304):
            return
        if isinstance(body, list):
            for chunk in body:
                handler.wfile.write(f"{len(chunk):X}\r\n".encode() + chunk + b"\r\n")
                handler.wfile.flush()
                if reply.chunk_delay and self.stopping.wait(reply.chunk_delay):
                    return
            handler.wfile.write(b"0\r\n\r\n")
        else:
            handler.wfile.write(body)


def _reset(handler: _Handler) -> None:
    """Close with SO_LINGER 0 so the client sees ECONNRESET, like a bot wall dropping us."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


@pytest.fixture
def make_http_server() -> Iterator[Callable[..., LocalHTTPServer]]:
    """Factory for local servers (several per test are fine); all are closed at teardown."""
    servers: list[LocalHTTPServer] = []

    def make(routes: Mapping[str, Spec] | None = None, host: str = "127.0.0.1") -> LocalHTTPServer:
        server = LocalHTTPServer(routes, host)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()
    errors = [e for s in servers for e in s.errors]
    assert not errors, "a route callable raised:\n" + "\n".join(errors)


@pytest.fixture
def http_server(make_http_server: Callable[..., LocalHTTPServer]) -> LocalHTTPServer:
    return make_http_server()


# ---------------------------------------------------------------- fetch settings


@dataclass
class FetchOpts:
    """Satisfies monitor.capture.fetch.FetchOptions with test-friendly values."""

    user_agent: str = "ClauseWatch-test/0.1 (+https://clausewatch.invalid/bot)"
    connect_timeout: float = 2.0
    read_timeout: float = 2.0
    accept_language: str = "en-GB,en;q=0.8"
    per_host_delay: float = 0.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    retries: int = 2
    backoff: float = 0.01
    max_workers: int = 4
    browser: str = "never"
    chromium_path: str | None = None
    deadline: float = 30.0
    # the tests' pages are served on loopback, which the SSRF guard refuses unless allowed
    allow_private: list[str] = field(default_factory=lambda: list(LOOPBACK))


# The allow-list every test configuration uses for its loopback servers (127.0.0.2 stays refused,
# so tests can serve a "forbidden internal host" on it).
LOOPBACK = ("127.0.0.1", "::1")
LOOPBACK_TOML = 'allow_private = ["127.0.0.1", "::1"]\n'


@pytest.fixture
def fetch_opts() -> Callable[..., FetchOpts]:
    def make(**overrides: Any) -> FetchOpts:
        return FetchOpts(**overrides)

    return make


# ---------------------------------------------------------------- stores: SQLite and PostgreSQL

# Set to 1 to skip the PostgreSQL half of the store tests on a machine without PostgreSQL. Without
# it (and always in CI) a PostgreSQL that cannot start fails those tests: never a silent skip.
SKIP_POSTGRES_ENV = "CLAUSEWATCH_TEST_SKIP_POSTGRES"


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """One real PostgreSQL server for the session (tests/pgserver.py), stopped at the end."""
    from pgserver import PostgresUnavailable, TempPostgres

    if os.environ.get(SKIP_POSTGRES_ENV) == "1" and not os.environ.get("CI"):
        pytest.skip(f"PostgreSQL tests skipped ({SKIP_POSTGRES_ENV}=1)")
    try:
        server = TempPostgres().start()
    except (PostgresUnavailable, OSError, subprocess.SubprocessError) as exc:
        pytest.fail(f"PostgreSQL could not start: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each store test runs twice: "" (the default SQLite file in the project's data folder) and
    the URL of a fresh, empty PostgreSQL database (dropped after the test)."""
    if request.param == "sqlite":
        yield ""
        return
    server = request.getfixturevalue("postgres")
    url = server.create_database()
    yield url
    server.drop_database(url)


def database_toml(database_url: str) -> str:
    """The clausewatch.toml line that points a project at `database_url` ("" for the default)."""
    return f'database_url = "{database_url}"\n' if database_url else ""
