"""Operations commands: daemon, worker, send, verify, status, subscribe, unsubscribe, subscribers."""

from __future__ import annotations

import os
import sys
from typing import Any

import click
from rich.table import Table

from monitor.cli import App, err, handle_errors, main, out, print_json
from monitor.errors import NotFound

ENV_STARTUP_SPREAD = "CLAUSEWATCH_DAEMON_STARTUP_SPREAD"
# The plan for one person watching a few platforms: same-day alerts and the weekly digest.
DEFAULT_PLAN = "watcher"


def _now() -> Any:
    from monitor.clock import utc_now

    return utc_now()


# ---------------------------------------------------------------- daemon


# Options the daemon and the workers share (one definition each).
OUTBOX_INTERVAL = click.option(
    "--outbox-interval",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds between outbox deliveries.",
)
CHECK_INTERVAL = click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Check every document every N seconds instead of on its cron schedule (testing).",
)
VERBOSE = click.option("-v", "--verbose", is_flag=True, help="Debug logging.")


@main.command()
@click.option(
    "--startup-spread",
    type=click.FloatRange(min=0),
    default=None,
    help=f"Seconds over which overdue documents are checked at start (default 90, or ${ENV_STARTUP_SPREAD}).",
)
@OUTBOX_INTERVAL
@CHECK_INTERVAL
@click.option("--jitter", type=click.IntRange(min=0), default=None, help="Override jitter_seconds.")
@click.option(
    "--retry-base",
    type=click.FloatRange(min=0.01),
    default=60.0,
    show_default=True,
    help="First SMTP retry delay in seconds (doubles each attempt, capped at 6 h).",
)
@click.option(
    "--shutdown-timeout",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Seconds in-flight work gets after SIGTERM before it is abandoned.",
)
@VERBOSE
@click.pass_obj
@handle_errors
def daemon(
    app: App,
    startup_spread: float | None,
    outbox_interval: float,
    interval: float | None,
    jitter: int | None,
    retry_base: float,
    shutdown_timeout: float,
    verbose: bool,
) -> None:
    """Run the scheduler: checks on schedule, e-mail delivery, weekly digest (until SIGTERM)."""
    import logging

    from monitor.ops.daemon import Daemon, DaemonOptions, configure_logging
    from monitor.store.locks import LockHeld

    if startup_spread is None:
        raw = os.environ.get(ENV_STARTUP_SPREAD)
        try:
            startup_spread = float(raw) if raw else 90.0
        except ValueError as exc:
            raise click.BadParameter(f"{ENV_STARTUP_SPREAD}={raw!r} is not a number") from exc
    configure_logging(logging.DEBUG if verbose else logging.INFO)
    options = DaemonOptions(
        startup_spread=startup_spread,
        outbox_interval=outbox_interval,
        interval=interval,
        jitter=jitter,
        retry_base=retry_base,
        shutdown_timeout=shutdown_timeout,
    )
    runner = Daemon(app.settings, app.store, app.declarations(), options)
    try:
        code = runner.run()
    except LockHeld as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(1)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # abandoned worker threads (if any) must not keep the process alive


# ---------------------------------------------------------------- worker


@main.command()
@click.option(
    "--batch",
    type=click.IntRange(min=0),
    default=0,
    help="Documents claimed per round (default: twice [fetch] max_workers).",
)
@click.option(
    "--lease",
    "lease_seconds",
    type=click.FloatRange(min=1),
    default=300.0,
    show_default=True,
    help="Seconds a claim lasts without a heartbeat (a crashed worker's claims expire after it).",
)
@click.option(
    "--poll",
    type=click.FloatRange(min=0.05),
    default=5.0,
    show_default=True,
    help="Seconds between rounds when nothing is due.",
)
@OUTBOX_INTERVAL
@CHECK_INTERVAL
@click.option("--no-send", is_flag=True, help="Check only: leave composing and delivery to others.")
@VERBOSE
@click.pass_obj
@handle_errors
def worker(
    app: App,
    batch: int,
    lease_seconds: float,
    poll: float,
    outbox_interval: float,
    interval: float | None,
    no_send: bool,
    verbose: bool,
) -> None:
    """One of several workers sharing a PostgreSQL store: claim due documents, check them, send
    (until SIGTERM). See docs/scaling.md."""
    import logging
    import signal

    from monitor.ops.daemon import configure_logging
    from monitor.ops.workers import Worker, WorkerOptions

    configure_logging(logging.DEBUG if verbose else logging.INFO)
    options = WorkerOptions(
        batch=batch,
        lease_seconds=lease_seconds,
        poll=poll,
        outbox_interval=outbox_interval,
        interval=interval,
        send=not no_send,
    )
    runner = Worker(app.settings, app.store, app.declarations(), options)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: runner.stop())
    code = runner.run()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # abandoned fetch threads (if any) must not keep the process alive


# ---------------------------------------------------------------- send


@main.command()
@click.option(
    "--due-only",
    is_flag=True,
    help="Respect the retry backoff (for cron); default: try every unsent message now.",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def send(app: App, due_only: bool, as_json: bool) -> None:
    """Compose unfinished alert batches and deliver the outbox now (exit 1 if some stay queued or
    are held)."""
    from monitor.notify.alerts import compose_pending, held_items, report_undeliverable
    from monitor.notify.mailer import deliver_outbox
    from monitor.store.locks import OUTBOX_LOCK

    settings = app.settings
    if not app.store_exists():  # nothing can be queued yet; do not create an empty store
        if as_json:
            print_json(
                {"composed": 0, "sent": 0, "failed": 0, "remaining": 0, "held": 0, "errors": []}
            )
        else:
            out.print("0 sent, 0 failed, 0 still queued (no store yet)", markup=False)
        return
    with app.store.session() as s:
        composed = compose_pending(s, settings, _now())
    report = deliver_outbox(
        settings.smtp,
        app.store,
        clock=_now,
        include_deferred=not due_only,
        lock_path=settings.data_dir / OUTBOX_LOCK,
    )
    if report.undeliverable:  # tell the operators now rather than at the next run
        with app.store.session() as s:
            notices = report_undeliverable(s, settings, _now())
        if notices:
            more = deliver_outbox(
                settings.smtp,
                app.store,
                clock=_now,
                include_deferred=not due_only,
                lock_path=settings.data_dir / OUTBOX_LOCK,
            )
            report.sent += more.sent
            report.failed += more.failed
            report.errors += more.errors
            report.remaining = more.remaining
    with app.store.session() as s:
        held = held_items(s, _now())
    if as_json:
        print_json(
            {
                "composed": len(composed),
                "sent": report.sent,
                "failed": report.failed,
                "undeliverable": report.undeliverable,
                "remaining": report.remaining,
                "held": held,
                "errors": report.errors,
            }
        )
    else:
        for line in report.errors:
            err.print(f"warning: {line}", markup=False)
        refused = f" ({report.undeliverable} refused for good)" if report.undeliverable else ""
        out.print(
            f"{report.sent} sent, {report.failed} failed{refused}, {report.remaining} still queued",
            markup=False,
        )
        if held:
            err.print(
                f"warning: {held} alert items held: a stored text fails its sha256 or composing"
                " them failed (the operators were told; `clausewatch verify` finds bad texts)",
                markup=False,
            )
    if report.failed or report.remaining or held:  # as documented: exit 1 while some stay queued
        sys.exit(1)


# ---------------------------------------------------------------- verify


@main.command()
@click.option("--json", "as_json", is_flag=True, help="The counts and problems as JSON.")
@click.pass_obj
@handle_errors
def verify(app: App, as_json: bool) -> None:
    """Check every archived capture against its sha256 in the store and its sidecar, find missing
    and extra files, and check every stored text (exit 1 on any problem)."""
    from monitor.ops.verify import verify_evidence

    result = verify_evidence(app.existing_store, app.settings.snapshots_dir)
    if as_json:
        print_json(result.as_dict())
    else:
        for problem in result.problems:
            err.print(f"problem: {problem}", markup=False)
        out.print(
            f"{result.snapshots} snapshot(s), {result.files} file(s), {result.versions} "
            f"version(s) checked: {len(result.problems)} problem(s)",
            markup=False,
        )
    if not result.ok:
        sys.exit(1)


# ---------------------------------------------------------------- status


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def status(app: App, as_json: bool) -> None:
    """Daemon running or not, last/next check per document, failures, outbox backlog."""
    from monitor.ops.daemon import daemon_status
    from monitor.store.leases import workers_status

    now = _now()
    data = daemon_status(app.settings, app.existing_store, app.declarations(strict=False), now)
    data.update(workers_status(app.existing_store, now))
    if as_json:
        print_json(data)
        return
    d = data["daemon"]
    out.print(
        f"daemon: {'running (pid ' + str(d['pid']) + ')' if d['running'] else 'not running'}",
        markup=False,
    )
    table = Table()
    for col in ("service", "document", "last check (UTC)", "next check (UTC)", "failures"):
        table.add_column(col)
    for doc in data["documents"]:
        nxt = doc["next_run_at"] or ""
        if doc["overdue"]:
            nxt = "overdue" + (" (due at daemon start)" if not d["running"] else "")
        fails = str(doc["consecutive_failures"])
        if doc["last_error_reason"]:
            fails += f" ({doc['last_error_reason']})"
        table.add_row(
            doc["service"], doc["terms_type"], doc["last_checked_at"] or "never", nxt, fails
        )
    out.print(table)
    for run in data["interrupted_runs"][:3]:
        out.print(
            f"interrupted: {run['kind']} run {run['id']} started {run['started_at']}, "
            f"last activity {run['finished_at'] or 'unknown'} (killed or crashed mid-way)",
            markup=False,
        )
    alive = [w for w in data["workers"] if w["alive"]]
    if data["workers"]:
        claims = sum(len(w["claims"]) for w in alive)
        out.print(f"workers: {len(alive)} alive, {claims} claim(s) held", markup=False)
    o = data["outbox"]
    refused = f", {o['failed']} refused for good" if o.get("failed") else ""
    out.print(
        f"outbox: {o['backlog']} unsent ({o['due']} due, {o['retrying']} retrying{refused})"
        + (f"; last error: {o['last_error']}" if o["last_error"] else ""),
        markup=False,
    )


# ---------------------------------------------------------------- subscribers


@main.command()
@click.argument("email")
@click.option(
    "--plan",
    default=DEFAULT_PLAN,
    show_default=True,
    help="Plan name from the configuration (free, watcher, ...).",
)
@click.option("--service", "services", multiple=True, help="Platform to watch (repeatable).")
@click.option("--category", "categories", multiple=True, help="Taxonomy category id (repeatable).")
@click.option(
    "--min-exposure",
    type=click.Choice(["low", "medium", "high"]),
    default="low",
    show_default=True,
)
@click.option(
    "--notify",
    "notify_urls",
    multiple=True,
    metavar="URL",
    help="Also send the alerts to this Apprise URL (slack://, msteams://, matrix://, json://, ...) "
    "or http(s) webhook (repeatable; replaces the subscriber's URLs).",
)
@click.option("--no-notify", is_flag=True, help="Remove the subscriber's notification URLs.")
@click.pass_obj
@handle_errors
def subscribe(
    app: App,
    email: str,
    plan: str,
    services: tuple[str, ...],
    categories: tuple[str, ...],
    min_exposure: str,
    notify_urls: tuple[str, ...],
    no_notify: bool,
) -> None:
    """Subscribe EMAIL (re-subscribing updates the plan and filters; the notification URLs are kept
    unless --notify or --no-notify is given)."""
    from monitor.config import mask_url
    from monitor.notify.subscribers import SubscriptionError
    from monitor.notify.subscribers import subscribe as do_subscribe

    if notify_urls and no_notify:
        raise click.UsageError("give --notify URL or --no-notify, not both")
    urls: list[str] | None = [] if no_notify else (list(notify_urls) if notify_urls else None)
    declared = app.declarations(strict=False)
    try:
        with app.store.session() as s:
            result = do_subscribe(
                s,
                app.settings,
                email,
                plan,
                services=services,
                categories=categories,
                min_exposure=min_exposure,
                declared_services=declared,
                notify_urls=urls,
                now=_now(),
            )
            sub = result.subscriber
            what = "subscribed" if result.created else "updated"
            scope = ", ".join(sub.services) or "all platforms"
            line = f"{what} {sub.email} (plan {sub.plan}; {scope}; min exposure {sub.min_exposure})"
            if sub.notify_urls:
                line += f"; also notifies {', '.join(mask_url(u) for u in sub.notify_urls)}"
    except SubscriptionError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(2)
    out.print(line, markup=False)


@main.command()
@click.argument("email", required=False)
@click.option("--token", help="Unsubscribe token (from the List-Unsubscribe link).")
@click.pass_obj
@handle_errors
def unsubscribe(app: App, email: str | None, token: str | None) -> None:
    """Stop all e-mail to EMAIL (or to the holder of --token)."""
    from monitor.notify.subscribers import SubscriptionError, unsubscribe_token
    from monitor.notify.subscribers import unsubscribe as do_unsubscribe

    if bool(email) == bool(token):
        raise click.UsageError("give either EMAIL or --token")
    try:
        with app.existing_store.session() as s:
            sub = do_unsubscribe(s, email) if email else unsubscribe_token(s, token or "")
            address = sub.email if sub else None
    except SubscriptionError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(2)
    if address is None:
        raise NotFound(f"no subscriber {'with that token' if token else email}")
    out.print(f"unsubscribed {address}", markup=False)


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--all", "include_inactive", is_flag=True, help="Include unsubscribed addresses.")
@click.pass_obj
@handle_errors
def subscribers(app: App, as_json: bool, include_inactive: bool) -> None:
    """List subscribers with their plan and filters."""
    from monitor.notify.subscribers import list_subscribers, subscriber_dict

    with app.existing_store.session() as s:
        rows = [
            subscriber_dict(sub)
            for sub in list_subscribers(s, include_inactive=include_inactive or as_json)
        ]
    if as_json:
        print_json(rows)
        return
    table = Table()
    for col in ("email", "plan", "platforms", "categories", "min exposure", "also to", "active"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["email"],
            r["plan"],
            ", ".join(r["services"]) or "all",
            ", ".join(r["categories"]) or "all",
            r["min_exposure"],
            ", ".join(r["notify"]),
            "yes" if r["active"] else "no",
        )
    out.print(table)
