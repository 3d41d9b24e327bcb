"""What a document's own history says about a new version: volatile page text, flapping within a
time window, returns from a broken capture, and continuity after an import (markup only)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from monitor.changes.history_writer import HistoryWriter
from monitor.changes.recording import Recorded, ensure_document, record_version
from monitor.cli import main
from monitor.store import Change, Store

BODY = """# Widget Terms

## 1. Fees

You pay the fees shown at checkout. We may change the fees with {notice} days' notice by email.

## 2. Termination

Either party may end this agreement at any time by written notice to the other party.

## 3. Data

We keep your account data for as long as your account is open and delete it on request.
"""
# A line that changes in every capture and that the differ alone cannot tell from a real edit
# (an identifier, not a counter, a date or a link): only the document's own history shows it is
# volatile.
BANNER = "Reviewed under release {n} of our policy toolkit for the whole company.\n\n"
NAMES = ("r7f3a9c1e", "r0be44d2a", "r9c1d0e77", "r3aa8f215", "r5d7e0c94", "r61b2f8d3")
START = datetime(2025, 1, 1, 10, 0)


def _history(
    store: Store, texts: list[str], days: float = 1.0, origin: str = "import"
) -> list[Recorded]:
    """Record `texts` one by one through the live path, `days` apart; the last one as `origin`
    'capture' when asked."""
    out = []
    with store.session() as s:
        doc = ensure_document(s, "Widget", "Widget", "Terms of Service", None, START)
        for i, text in enumerate(texts):
            out.append(
                record_version(
                    s,
                    doc,
                    text,
                    captured_at=START + timedelta(days=days * i),
                    recorded_at=START,
                    url=None,
                    snapshot_ids=[],
                    origin=origin,
                    alertable=False,
                )
            )
        s.commit()
    return out


def _substantive(recorded: Recorded) -> list[Change]:
    return recorded.substantive


def test_line_that_changes_in_most_captures_is_volatile(tmp_path: Path) -> None:
    texts = [BANNER.format(n=n) + BODY.format(notice=30) for n in NAMES]
    (tmp_path / "data").mkdir()
    recorded = _history(Store(f"sqlite:///{tmp_path}/data/clausewatch.sqlite3"), texts)
    assert _substantive(recorded[1])  # once is no pattern: the first change of the line is judged
    last = recorded[-1]
    assert not _substantive(last)
    assert {c.editorial_kind for c in last.changes} == {"volatile"}
    assert "volatile page text" in last.changes[0].reasons[0]
    # the decision is visible to users with the editorial changes
    config = tmp_path / "clausewatch.toml"
    config.write_text('data_dir = "data"\n')
    shown = CliRunner().invoke(
        main, ["--config", str(config), "changes", "--include-editorial", "--json"]
    )
    assert shown.exit_code == 0, shown.output
    volatile_rows = [r for r in json.loads(shown.stdout) if r["editorial_kind"] == "volatile"]
    assert volatile_rows and "volatile page text" in volatile_rows[0]["reasons"][0]
    hidden = CliRunner().invoke(main, ["--config", str(config), "changes", "--json"])
    assert not [r for r in json.loads(hidden.stdout) if r["editorial_kind"] == "volatile"]


def test_change_touching_volatile_and_real_text_is_never_silenced(tmp_path: Path) -> None:
    texts = [BANNER.format(n=n) + BODY.format(notice=30) for n in NAMES[:5]]
    texts.append(
        BANNER.format(n=NAMES[5])
        + BODY.format(notice=30).replace("delete it on request", "keep it for ten years")
    )
    recorded = _history(Store(f"sqlite:///{tmp_path}/s.sqlite3"), texts)
    assert _substantive(recorded[-1])


def test_number_changed_once_in_a_stable_document_alerts(tmp_path: Path) -> None:
    texts = [BODY.format(notice=30)] + [
        BODY.format(notice=30) + f"\nSee also section {i}.\n" for i in range(1, 5)
    ]
    texts.append(texts[-1].replace("30 days", "7 days"))
    recorded = _history(Store(f"sqlite:///{tmp_path}/s.sqlite3"), texts)
    events = _substantive(recorded[-1])
    assert events and any(d["name"] == "notice_period" for e in events for d in e.fact_deltas)


def test_a_value_that_keeps_changing_still_alerts_when_it_is_a_fact(tmp_path: Path) -> None:
    texts = [BODY.format(notice=n) for n in (30, 20, 14, 10, 7, 5)]
    recorded = _history(Store(f"sqlite:///{tmp_path}/s.sqlite3"), texts)
    assert all(_substantive(r) for r in recorded[1:])


def test_flapping_within_ninety_days_whatever_the_captures_between(tmp_path: Path) -> None:
    a, b = BODY.format(notice=30), BODY.format(notice=30).replace("by email", "by post")
    fillers = [b + f"\nNotice {i}.\n" for i in range(8)]  # eight captures between the returns
    recorded = _history(Store(f"sqlite:///{tmp_path}/s.sqlite3"), [a, b, *fillers, a], days=5)
    assert [c.kind for c in recorded[-1].changes] == ["flapping"]
    assert recorded[-1].flapping


def test_return_after_more_than_ninety_days_is_a_change(tmp_path: Path) -> None:
    a, b = BODY.format(notice=30), BODY.format(notice=30).replace("by email", "by post")
    recorded = _history(Store(f"sqlite:///{tmp_path}/s.sqlite3"), [a, b, b + "\nMore.\n", a], 50)
    assert not recorded[-1].flapping and _substantive(recorded[-1])


def test_return_from_a_partial_capture_does_not_alert(tmp_path: Path) -> None:
    full = BODY.format(notice=30)
    partial = full.split("## 2.")[0].replace("# Widget Terms", "# Widget Terms (2025)")
    back = full.replace("# Widget Terms", "# Widget Terms (2025)")  # the title change stays
    recorded = _history(Store(f"sqlite:///{tmp_path}/s.sqlite3"), [full, partial, back])
    assert _substantive(recorded[1])  # the partial capture itself is a change when it comes
    assert not _substantive(recorded[2])
    # (the differ may also name the title's own edit, e.g. "heading_format")
    assert "return" in {c.editorial_kind for c in recorded[2].changes if c.kind == "editorial"}
    # a return that also brings new words is judged as usual
    again = back.replace("delete it on request", "keep it for ten years")
    recorded = _history(Store(f"sqlite:///{tmp_path}/t.sqlite3"), [full, partial, again])
    assert _substantive(recorded[2])


def test_first_capture_after_an_import_in_other_markup_is_a_technical_upgrade(
    tmp_path: Path,
) -> None:
    store = Store(f"sqlite:///{tmp_path}/s.sqlite3")
    imported = BODY.format(notice=30)
    _history(store, [imported])
    restyled = imported.replace("## 1. Fees", "1\\. Fees\n--------").replace(
        "by written notice", "by *written* notice"
    )
    [live] = _history(store, [restyled], origin="capture")[-1:]
    assert live.version.technical_upgrade and live.changes == []
    # the same page with a word changed is a change
    store2 = Store(f"sqlite:///{tmp_path}/t.sqlite3")
    _history(store2, [imported])
    [changed] = _history(store2, [restyled.replace("30 days", "7 days")], origin="capture")
    assert not changed.version.technical_upgrade and _substantive(changed)


def test_import_writer_decides_like_record_version(tmp_path: Path) -> None:
    """The bulk writer answers the history questions from memory as the store answers them."""
    texts = [BANNER.format(n=n) + BODY.format(notice=30) for n in NAMES[:5]]
    full = texts[-1]
    partial = full.split("## 2.")[0]
    texts += [partial, full.replace("30 days", "7 days"), partial, full, texts[1]]

    def rows(store: Store) -> list[tuple[object, ...]]:
        with store.session() as s:
            return [
                (c.to_version_id, c.kind, c.editorial, c.editorial_kind, c.reasons)
                for c in s.scalars(select(Change).order_by(Change.id))
            ]

    live = Store(f"sqlite:///{tmp_path}/live.sqlite3")
    _history(live, texts)
    bulk = Store(f"sqlite:///{tmp_path}/bulk.sqlite3")
    with bulk.session() as s:
        doc = ensure_document(s, "Widget", "Widget", "Terms of Service", None, START)
        writer = HistoryWriter(s, doc)
        for i, text in enumerate(texts):
            writer.add(
                text,
                captured_at=START + timedelta(days=i),
                recorded_at=START,
                technical_upgrade=False,
                source_ref=None,
                analysis=None,
            )
        writer.flush()
        s.commit()
    assert rows(bulk) == rows(live)
    kinds = {r[3] for r in rows(live)}
    assert "volatile" in kinds and any(r[1] == "flapping" for r in rows(live))
    assert any(not r[2] and r[1] not in ("flapping", "moved") for r in rows(live))


def test_return_from_a_landing_page_is_compared_with_the_last_good_version(
    tmp_path: Path,
) -> None:
    full = BODY.format(notice=30)
    landing = (
        "# Widget\n\nBuild faster with Widget. Start your free trial today and invite your team."
        "\n\n## Features\n\nFast, simple and secure collaboration for every team size.\n"
    )
    back = full.replace("delete it on request", "keep it for ten years")
    recorded = _history(Store(f"sqlite:///{tmp_path}/s.sqlite3"), [full, landing, back])
    events = _substantive(recorded[2])
    assert events and all(c.from_version_id == recorded[0].version.id for c in recorded[2].changes)
    texts = [(c.after or {}).get("text", "") + (c.before or {}).get("text", "") for c in events]
    assert all("Fees" not in t and "Termination" not in t for t in texts)  # nothing "re-added"
    assert any("ten years" in t for t in texts)
    assert "held little of the document" in events[0].reasons[-1]


def _with_pixel(text: str, i: int) -> str:
    return text + f"\nPage views today: {1000 + 7 * i}\n"


def test_a_line_that_keeps_changing_alone_is_volatile(tmp_path: Path) -> None:
    """A promotion comes and goes in a few captures among many where only a view counter
    changes: both are volatile on this page; a real edit still alerts."""
    plain = BODY.format(notice=30)
    promo = "Join our developer summit in Paris and meet the team behind the product.\n\n" + plain
    pages = [promo if i in (4, 8, 12) else plain for i in range(15)]
    texts = [_with_pixel(t, i) for i, t in enumerate(pages)]
    texts.append(_with_pixel(promo, 15))
    edited = promo.replace("delete it on request", "keep it for ten years")
    texts.append(_with_pixel(edited, 16))
    recorded = _history(Store(f"sqlite:///{tmp_path}/s.sqlite3"), texts)
    assert _substantive(recorded[4])  # the first time, nothing says it is page chrome
    assert not _substantive(recorded[15])
    assert {c.editorial_kind for c in recorded[15].changes} == {"volatile"}
    assert _substantive(recorded[16])


def test_hidden_address_after_an_import_is_the_same_text(tmp_path: Path) -> None:
    """OTA keeps a CDN's "[email protected]" placeholder where our extractor decodes the address:
    across that change of extractor the placeholder matches any one address, and only that."""
    hidden = "[\\[email\u00a0protected\\]](https://widget.example/cdn-cgi/l/email-protection)"
    imported = BODY.format(notice=30) + f"\nWrite to us at {hidden} with any question.\n"
    decoded = imported.replace(hidden, "[help@widget.example](mailto:help@widget.example)")
    store = Store(f"sqlite:///{tmp_path}/s.sqlite3")
    _history(store, [imported])
    [live] = _history(store, [decoded], origin="capture")[-1:]
    assert live.version.technical_upgrade and live.changes == []
    # an address changed in the live text itself is still a change
    store2 = Store(f"sqlite:///{tmp_path}/t.sqlite3")
    _history(store2, [decoded])
    moved = decoded.replace("help@widget.example", "legal@widget.example")
    [changed] = _history(store2, [moved], origin="capture")[-1:]
    assert not changed.version.technical_upgrade


def test_list_numbered_otherwise_after_an_import_is_the_same_text(tmp_path: Path) -> None:
    """A renderer shows only an ordered list's first number and counts on; OTA writes "1." for
    every item where we write what a browser shows. Numbers escaped as text still count."""
    items = "\n\nWe collect:\n\n{0}.  your name\n{1}.  your e-mail address\n{2}.  your country\n"
    imported = BODY.format(notice=30) + items.format(1, 1, 1)
    store = Store(f"sqlite:///{tmp_path}/s.sqlite3")
    _history(store, [imported])
    [live] = _history(store, [BODY.format(notice=30) + items.format(1, 2, 3)], origin="capture")
    assert live.version.technical_upgrade and live.changes == []
    store2 = Store(f"sqlite:///{tmp_path}/t.sqlite3")
    _history(store2, [BODY.format(notice=30)])
    renumbered = BODY.format(notice=30).replace("## 2. Termination", "## 3. Termination")
    [changed] = _history(store2, [renumbered], origin="capture")
    assert not changed.version.technical_upgrade
