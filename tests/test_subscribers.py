"""Subscriptions: addresses, plans and their limits, filters, unsubscribe (address and token), CLI."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from alerting_helpers import make_project
from click.testing import CliRunner

from monitor.cli import main
from monitor.notify.subscribers import (
    SubscriptionError,
    list_subscribers,
    matches,
    subscribe,
    unsubscribe,
    unsubscribe_token,
)
from monitor.store import Change

NOW = datetime(2026, 1, 5, 12, 0)
SERVICES = {"Framecast": "/f", "Parley": "/p", "Tillpoint": "/t"}


@pytest.fixture
def project(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    return make_project(tmp_path, "http://127.0.0.1:9", SERVICES, database_url=database_url)


def _sub(project, email: str, plan: str, **kw):  # type: ignore[no-untyped-def]
    with project.store.session() as s:
        result = subscribe(
            s,
            project.settings,
            email,
            plan,
            declared_services=project.services(),
            now=NOW,
            **kw,
        )
        return result.subscriber, result.created


def test_free_plan_allows_one_platform(project) -> None:  # type: ignore[no-untyped-def]
    sub, created = _sub(project, "a@example.com", "free", services=["Framecast"])
    assert created and sub.services == ["Framecast"]
    with pytest.raises(SubscriptionError, match="allows 1 platform"):
        _sub(project, "b@example.com", "free", services=["Framecast", "Parley"])


def test_all_platforms_only_within_the_plan_limit(project) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SubscriptionError, match="pick the platforms with --service"):
        _sub(project, "a@example.com", "free")  # 3 services watched, free allows 1
    sub, _ = _sub(project, "a@example.com", "watcher")  # watcher allows 10
    assert sub.services == []


def test_resubscribing_updates(project) -> None:  # type: ignore[no-untyped-def]
    first, created = _sub(project, "A@Example.COM", "free", services=["framecast"])
    assert created and first.email == "A@example.com" and first.services == ["Framecast"]
    second, created = _sub(
        project,
        "A@example.com",
        "watcher",
        services=["Framecast", "Parley"],
        categories=["credit_expiry"],
        min_exposure="high",
    )
    assert not created and second.id == first.id and second.token == first.token
    assert second.plan == "watcher" and second.min_exposure == "high"
    with project.store.session() as s:
        assert len(list_subscribers(s)) == 1


@pytest.mark.parametrize(
    ("email", "kw", "message"),
    [
        ("not-an-address", {}, "not an e-mail address"),
        ("a@example.com", {"categories": ["no_such_category"]}, "unknown category"),
        ("a@example.com", {"services": ["Nowhere"]}, "unknown service"),
        ("a@example.com", {"min_exposure": "extreme"}, "min exposure"),
    ],
)
def test_bad_requests_are_rejected(project, email, kw, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SubscriptionError, match=message):
        _sub(project, email, "watcher", **kw)


def test_unknown_plan(project) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SubscriptionError, match="unknown plan 'gold'"):
        _sub(project, "a@example.com", "gold")


def test_unsubscribe_by_address_and_token(project) -> None:  # type: ignore[no-untyped-def]
    a, _ = _sub(project, "a@example.com", "watcher")
    b, _ = _sub(project, "b@example.com", "watcher")
    with project.store.session() as s:
        assert unsubscribe(s, "a@example.com") is not None
        assert unsubscribe(s, "nobody@example.com") is None
        assert unsubscribe_token(s, b.token) is not None
        assert unsubscribe_token(s, "bogus") is None
        assert [x.active for x in list_subscribers(s)] == [False, False]


def _change(**kw) -> Change:  # type: ignore[no-untyped-def]
    base = {
        "kind": "modified",
        "categories": ["credit_expiry"],
        "editorial": False,
        "exposure": "medium",
        "alertable": True,
    }
    return Change(**{**base, **kw})


def test_matching_filters(project) -> None:  # type: ignore[no-untyped-def]
    sub, _ = _sub(
        project,
        "a@example.com",
        "watcher",
        services=["Framecast"],
        categories=["credit_expiry", "arbitration"],
        min_exposure="medium",
    )
    assert matches(sub, "Framecast", _change())
    assert not matches(sub, "Parley", _change())  # service filter
    assert not matches(sub, "Framecast", _change(categories=["refunds"]))  # no overlap
    assert not matches(sub, "Framecast", _change(exposure="low"))  # below min exposure
    assert not matches(sub, "Framecast", _change(editorial=True))
    assert not matches(sub, "Framecast", _change(kind="flapping"))
    assert not matches(sub, "Framecast", _change(alertable=False))  # imported / technical


def test_cli_subscribe_and_list(project) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    base = ["--config", str(project.config)]
    ok = runner.invoke(
        main, [*base, "subscribe", "a@example.com", "--plan", "free", "--service", "Parley"]
    )
    assert ok.exit_code == 0, ok.output
    too_many = runner.invoke(
        main,
        [*base, "subscribe", "b@example.com", "--plan", "free"]
        + ["--service", "Parley", "--service", "Framecast"],
    )
    assert too_many.exit_code == 2
    assert "allows 1 platform" in too_many.output
    listed = runner.invoke(main, [*base, "subscribers", "--json"])
    data = json.loads(listed.output)
    assert [(d["email"], d["plan"], d["services"]) for d in data] == [
        ("a@example.com", "free", ["Parley"])
    ]
    gone = runner.invoke(main, [*base, "unsubscribe", "a@example.com"])
    assert gone.exit_code == 0
    assert (
        json.loads(runner.invoke(main, [*base, "subscribers", "--json"]).output)[0]["active"]
        is False
    )
