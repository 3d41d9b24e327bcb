"""The demo's mail path: subscribe a demo address, alert it about the last check, deliver over SMTP.

Uses a local aiosmtpd server on 127.0.0.1 unless a port is given (tests use their own server).
"""

from __future__ import annotations

import os
import socket
from dataclasses import replace as dc_replace
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select

from monitor.capture.declarations import load_declarations
from monitor.clock import utc_now
from monitor.config import load_settings
from monitor.notify.alerts import compose_pending
from monitor.notify.mailer import SMTP_POLICY, build_email, deliver_outbox
from monitor.notify.subscribers import matches, subscribe
from monitor.store import Capture, Change, Document, OutboxMessage, Store
from monitor.store.schema import AlertItem

DEMO_ADDRESS = "demo@clausewatch.example"


def run_demo_alerts(
    config_path: Path,
    smtp_port: int | None,
    out_file: Path,
    *,
    address: str = DEMO_ADDRESS,
) -> dict[str, Any]:
    """`make demo`: subscribe `address` (plan watcher), make sure the latest check run's changes are
    alerted to it, deliver the outbox over SMTP on 127.0.0.1 and write the alert e-mail to
    `out_file` (RFC 5322 .eml).

    With `smtp_port=None` a local aiosmtpd server is started here and the file holds exactly what
    it received; with a port, delivery goes to that server and the file holds the message sent.
    Safe to call after the check (changes recorded before the subscription are backfilled).
    """
    settings = load_settings(config_path, dict(os.environ), config_path.parent)
    store = Store(settings.database_url)
    received: list[bytes] = []
    controller: Any = None
    if smtp_port is None:

        class _Sink:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                received.append(bytes(envelope.content))
                return "250 OK"

        with socket.socket() as probe_socket:  # a free loopback port for the local server
            probe_socket.bind(("127.0.0.1", 0))
            smtp_port = int(probe_socket.getsockname()[1])
        controller = Controller(_Sink(), hostname="127.0.0.1", port=smtp_port)
        controller.start()
    smtp = dc_replace(settings.smtp, url=f"smtp://127.0.0.1:{smtp_port}", starttls=False)
    try:
        services, _problems = load_declarations(settings.declarations_dir)
        now = utc_now()
        with store.session() as s:
            sub = subscribe(
                s, settings, address, "watcher", declared_services=services, now=now
            ).subscriber
            run_id = s.scalar(
                select(Capture.run_id)
                .where(Capture.outcome == "changed", Capture.run_id.is_not(None))
                .order_by(Capture.id.desc())
                .limit(1)
            )
            if run_id is not None:
                versions = s.scalars(
                    select(Capture.version_id).where(
                        Capture.run_id == run_id, Capture.outcome == "changed"
                    )
                ).all()
                known = set(
                    s.scalars(select(AlertItem.change_id).where(AlertItem.subscriber_id == sub.id))
                )
                for change in s.scalars(select(Change).where(Change.to_version_id.in_(versions))):
                    doc = s.get_one(Document, change.document_id)
                    if change.id not in known and matches(sub, doc.service_id, change):
                        s.add(
                            AlertItem(
                                run_id=run_id,
                                subscriber_id=sub.id,
                                change_id=change.id,
                                created_at=now,
                            )
                        )
                s.flush()
            compose_pending(s, settings, now, stale_after=None)
            mine = s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.recipient == sub.email, OutboxMessage.kind == "alert")
                .order_by(OutboxMessage.id.desc())
            ).first()
            sent_bytes = (
                build_email(mine, smtp.from_addr).as_bytes(policy=SMTP_POLICY) if mine else b""
            )
            subject = mine.subject if mine else None
            wanted_id = mine.message_id.encode() if mine else b""
        report = deliver_outbox(smtp, store, clock=utc_now, include_deferred=True)
    finally:
        if controller is not None:
            controller.stop()
        store.dispose()
    ours = [raw for raw in received if wanted_id and wanted_id in raw]
    data = ours[-1] if ours else sent_bytes
    if data:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_bytes(data)
    return {
        "subscriber": address,
        "subject": subject,
        "sent": report.sent,
        "failed": report.failed,
        "file": str(out_file) if data else None,
    }
