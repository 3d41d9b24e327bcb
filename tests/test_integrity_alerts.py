"""A stored version that no longer matches its sha256 (edited in the database, a bad restore) must
not stop alerting: the other documents' changes reach their subscribers, the operators are told
once which version is bad, and the held changes go out once the text is restored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alerting_helpers import Project, SMTPSink, make_project, terms_page
from click.testing import CliRunner
from sqlalchemy import select

from monitor.cli import main
from monitor.demo.localserver import PageServer
from monitor.notify.alerts import checker_hooks, unfinished_batches
from monitor.store import Document, Version

OPS = "ops@example.com"


@pytest.fixture
def sink() -> Iterator[SMTPSink]:
    s = SMTPSink().start()
    yield s
    s.stop()


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer() as srv:
        srv.put("/f", terms_page("Framecast").encode())
        srv.put("/p", terms_page("Parley").encode())
        yield srv


@pytest.fixture
def project(tmp_path: Path, server: PageServer, sink: SMTPSink) -> Project:
    return make_project(
        tmp_path,
        server.base_url,
        {"Framecast": "/f", "Parley": "/p"},
        smtp_port=sink.port,
        operators=[OPS],
    )


def _latest(project: Project, service: str) -> tuple[int, str]:
    with project.store.session() as s:
        doc = s.scalars(select(Document).where(Document.service_id == service)).one()
        v = s.scalars(
            select(Version).where(Version.document_id == doc.id).order_by(Version.id.desc())
        ).first()
        assert v is not None
        return v.id, v.text


def _set_text(project: Project, version_id: int, text: str) -> None:
    with project.store.session() as s:
        s.get_one(Version, version_id).text = text


def _by_rcpt(sink: SMTPSink) -> dict[str, list[str]]:
    got: dict[str, list[str]] = {}
    for m in sink.messages:
        got.setdefault(m.rcpt_tos[0], []).append(m.message.get_body(("plain",)).get_content())
    return got


def test_bad_stored_text_is_isolated_and_reported(
    project: Project, server: PageServer, sink: SMTPSink
) -> None:
    project.subscribe("all@example.com")
    project.subscribe("framecast@example.com", services=["Framecast"])
    project.subscribe("parley@example.com", services=["Parley"])
    project.check()
    server.put("/f", terms_page("Framecast", jobs="two", expiry="thirty days").encode())
    server.put("/p", terms_page("Parley", jobs="three").encode())
    hooks = checker_hooks(project.settings, project.store)
    hooks.pop("on_run_finished")  # leave the batches for `send` to compose
    project.check(**hooks)
    bad_id, good_text = _latest(project, "Framecast")
    _set_text(project, bad_id, good_text.replace("two concurrent", "twenty concurrent"))

    runner = CliRunner()
    first = runner.invoke(main, ["--config", str(project.config), "send"])
    assert first.exit_code == 1, first.output  # held alerts are not a clean run for cron
    got = _by_rcpt(sink)
    assert sorted(got) == sorted([OPS, "all@example.com", "parley@example.com"])
    (everything,) = got["all@example.com"]
    assert "Parley / Terms of Service" in everything and "Framecast" not in everything
    (notice,) = got[OPS]
    assert "Framecast / Terms of Service" in notice and f"version {bad_id}" in notice
    with project.store.session() as s:
        held = unfinished_batches(s)
    assert held > 0  # Framecast's changes are held, not dropped

    again = runner.invoke(main, ["--config", str(project.config), "send", "--json"])
    assert again.exit_code == 1 and f'"held": {held}' in again.output, again.output
    assert len(_by_rcpt(sink)[OPS]) == 1  # told once

    _set_text(project, bad_id, good_text)  # the operator restores the text
    restored = runner.invoke(main, ["--config", str(project.config), "send"])
    assert restored.exit_code == 0, restored.output
    got = _by_rcpt(sink)
    assert len(got["framecast@example.com"]) == 1
    assert "Framecast / Terms of Service" in got["all@example.com"][1]
    with project.store.session() as s:
        assert unfinished_batches(s) == 0
