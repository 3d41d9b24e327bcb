"""Per-host politeness across workers (store/host_turns.py, SharedHostPacer): two real
`clausewatch worker` processes on one store never ask one host twice within the configured delay,
nor two things at once; a turn held elsewhere too long fails the fetch with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alerting_helpers import terms_page, write_project
from conftest import LocalHTTPServer, Reply
from sqlalchemy import select

from monitor.capture.fetch.politeness import SharedHostPacer, host_key
from monitor.config import load_settings
from monitor.errors import FetchError
from monitor.store import Capture, Document, Store
from monitor.store.host_turns import (
    FileHostTurns,
    HostTurnUnavailable,
    PostgresHostTurns,
    host_turns,
)
from monitor.store.schema import WorkerRow

DELAY = 0.4  # [fetch] per_host_delay
ANSWER = 0.15  # each page's response headers come this long after its request


def _start(root: Path, config: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "worker", "--poll", "0.2",
         "--batch", "3", "--interval", "3600", "--no-send"],
        cwd=root, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")},
    )  # fmt: skip


def test_two_worker_processes_share_each_hosts_turns(
    tmp_path: Path, make_http_server: Callable[..., LocalHTTPServer], database_url: str
) -> None:
    from test_daemon import wait_for

    hosts = [make_http_server(), make_http_server()]
    services: dict[str, str] = {}
    for i in range(16):  # alternating hosts, so every batch of 3 asks both
        server = hosts[i % 2]
        server.routes[f"/d{i}"] = Reply(
            200, {"Content-Type": "text/html"}, terms_page(f"Svc{i}"), delay=ANSWER
        )
        services[f"Svc{i:02d}"] = server.url(f"/d{i}")
    config = write_project(tmp_path, "", services, database_url=database_url)
    text = config.read_text()
    config.write_text(text.replace("per_host_delay = 0.0", f"per_host_delay = {DELAY}"))
    settings = load_settings(config, {}, tmp_path)
    store = Store(settings.database_url)

    def captured() -> int:
        with store.session() as s:
            return len(s.execute(select(Capture.id).join(Document)).all())

    procs = [_start(tmp_path, config, tmp_path / f"worker{k}.log") for k in range(2)]
    try:
        wait_for(lambda: captured() == len(services), timeout=120, what="every document checked")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
    logs = "\n".join((tmp_path / f"worker{k}.log").read_text() for k in range(2))
    assert all(p.returncode == 0 for p in procs), logs
    with store.session() as s:
        checks = sorted(s.scalars(select(WorkerRow.checks)).all())
    assert len(checks) == 2 and checks[0] >= 1, (checks, logs)  # both workers took part
    for server in hosts:
        arrivals = sorted(r.time for r in server.requests)
        assert len(arrivals) == 8
        gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
        # a request arrives only after the previous one to this host was answered (one at a
        # time) and the delay has passed since: neither bound depends on the machine's speed
        assert min(gaps) >= ANSWER + DELAY, (server.netloc, gaps)
    store.dispose()


@pytest.fixture
def turns(tmp_path: Path, database_url: str) -> Iterator[tuple[Store, str]]:
    url = database_url or f"sqlite:///{tmp_path / 'data' / 'clausewatch.db'}"
    store = Store(url)
    yield store, url
    store.dispose()


def _second_gate(store: Store, tmp_path: Path) -> PostgresHostTurns | FileHostTurns:
    """Another worker's gate on the same store, one that gives up waiting quickly."""
    if store.engine.dialect.name == "postgresql":
        return PostgresHostTurns(store, connections=1, wait_limit=0.3)
    return FileHostTurns(tmp_path / "data" / "host-turns", wait_limit=0.3)


def test_a_turn_held_elsewhere_too_long_fails_the_fetch_clearly(
    tmp_path: Path, turns: tuple[Store, str]
) -> None:
    store, _ = turns
    holder = host_turns(store, connections=1)
    assert holder is not None
    other = _second_gate(store, tmp_path)
    url = "https://example.org/terms"
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with holder.hold(host_key(url), 0.0):
            held.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    try:
        assert held.wait(30)
        with (
            pytest.raises(HostTurnUnavailable, match="example.org:443"),
            other.hold(host_key(url), 0.0),
        ):
            pass
        pacer = SharedHostPacer(0.0, other)
        with pytest.raises(FetchError) as caught, pacer.slot(url):
            pass
        assert caught.value.transient and "held this host's turn" in str(caught.value)
        assert "\n" not in str(caught.value)
        # another host is not held up
        with other.hold(host_key("https://other.example/"), 0.0):
            pass
    finally:
        release.set()
        t.join(30)
    with other.hold(host_key(url), 0.0):  # free again once released
        pass
    holder.close()
    other.close()


HOLDER = """
import sys, time
from monitor.store import Store
from monitor.store.host_turns import host_turns
turns = host_turns(Store(sys.argv[1]), connections=1)
with turns.hold("example.org:443", 0.0):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_dead_workers_turn_is_released(tmp_path: Path, turns: tuple[Store, str]) -> None:
    """A worker SIGKILLed while it holds a host's turn does not block that host: the server (or
    the kernel, for the SQLite file lock) releases the turn with the process."""
    store, url = turns
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"held"
        other = _second_gate(store, tmp_path)
        with pytest.raises(HostTurnUnavailable), other.hold("example.org:443", 0.0):
            pass
    finally:
        child.kill()
        child.wait(30)
    patient = (
        PostgresHostTurns(store, connections=1, wait_limit=60)
        if store.engine.dialect.name == "postgresql"
        else FileHostTurns(tmp_path / "data" / "host-turns", wait_limit=60)
    )
    with patient.hold("example.org:443", 0.0):
        pass
    other.close()
    patient.close()
