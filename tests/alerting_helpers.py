"""Helpers shared by the alerting, mailer and daemon tests: realistic synthetic terms pages, a
project folder (config + declarations) pointing at a local server, and a local SMTP sink."""

from __future__ import annotations

import email
import threading
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from conftest import LOOPBACK_TOML

from monitor.capture.declarations import write_declaration

BASE_CLAUSES = [
    (
        "Acceptance of these Terms",
        "By creating an account or otherwise using the Services you agree to be bound by these "
        "Terms. If you use the Services on behalf of an organisation you confirm that you have "
        "authority to bind that organisation, and the word you refers to both of you.",
    ),
    (
        "Eligibility",
        "You must be at least 18 years old, or the age of majority where you live if that is "
        "higher, to create an account or to use the Services in any way.",
    ),
    (
        "Accounts",
        "You are responsible for all activity under your account, including activity by anyone "
        "you allow to use your credentials or keys. Keep your password confidential and tell us "
        "promptly if you believe your account has been accessed without permission.",
    ),
    (
        "Concurrency",
        "Each workspace may run up to {jobs} concurrent generation jobs at any time. Jobs submitted "
        "above this limit are queued and start automatically when a running job finishes.",
    ),
    (
        "Credits",
        "Purchased credits expire {expiry} after the date of purchase. Credits are not refundable, "
        "have no cash value and cannot be transferred between accounts or workspaces.",
    ),
    (
        "Your content",
        "You keep ownership of the prompts, images and videos you upload. You grant us a limited "
        "licence to host, store and process that content only to operate and improve the Services "
        "for you, and this licence ends when you delete the content from your workspace.",
    ),
    (
        "Acceptable use",
        "You must not use the Services to create unlawful, deceptive or harmful material, to "
        "infringe the rights of others, to harass any person, or to interfere with the security, "
        "integrity or performance of the Services or of the systems of other users.",
    ),
    (
        "Changes to these Terms",
        "We may update these Terms from time to time. We will give you at least thirty days notice "
        "of material changes by email, and your continued use after that date means you accept "
        "the updated Terms. If you do not agree you may close your account before that date.",
    ),
    (
        "Termination",
        "You may stop using the Services at any time and close your account from the settings "
        "page. We may suspend or terminate your access if you materially breach these Terms and "
        "do not cure the breach within fourteen days after we notify you in writing about it.",
    ),
    (
        "Limitation of liability",
        "To the extent permitted by law our total liability for all claims relating to the "
        "Services is limited to the amounts you paid us in the twelve months before the claim, "
        "and we are not liable for indirect, incidental or consequential damages of any kind.",
    ),
    (
        "Governing law",
        "These Terms are governed by the laws of the State of Delaware, without regard to its "
        "conflict of laws rules, and the courts located in Wilmington have exclusive jurisdiction "
        "over any dispute that is not subject to arbitration under these Terms.",
    ),
    (
        "Contact",
        "Questions about these Terms can be sent to our legal team at the postal address listed "
        "on our website, and we aim to answer every written question within thirty days of "
        "receiving it, in the language in which it was asked whenever that is possible.",
    ),
]


def terms_page(
    name: str = "Framecast",
    *,
    jobs: str = "ten",
    expiry: str = "twelve months",
    extra: str = "",
    updated: str = "January 5, 2026",
) -> str:
    """A realistic terms page (> 400 words, numbered clauses); `extra` is raw HTML appended."""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Terms of Service | {name}</title></head><body>",
        "<nav><a href='/'>Home</a> <a href='/pricing'>Pricing</a></nav>",
        "<main id='terms'><article class='legal'>",
        f"<h1>{name} Terms of Service</h1><p class='updated'>Last updated: {updated}</p>",
        f"<p>These Terms of Service form a binding agreement between you and {name} Labs, Inc. "
        "and govern your access to and use of our websites, applications and API.</p>",
    ]
    for i, (title, text) in enumerate(BASE_CLAUSES, start=1):
        body = text.format(jobs=jobs, expiry=expiry)
        parts.append(f"<h2>{i}. {title}</h2><p>{body}</p>")
        parts.append(
            f"<p>{i}.2 The provisions of this section apply to every plan, including free trials, "
            "team workspaces and enterprise agreements, unless a signed order form says "
            "otherwise in writing.</p>"
        )
    parts.append(extra)
    parts.append("</article></main><footer>Copyright</footer></body></html>")
    return "\n".join(parts)


SELECT = ["main#terms"]


def write_project(
    root: Path,
    base_url: str,
    services: dict[str, str],
    *,
    smtp_port: int = 1,
    operators: list[str] | None = None,
    failure_threshold: int = 3,
    extra: str = "",
    database_url: str = "",
) -> Path:
    """clausewatch.toml + one declaration per service (service id -> path on the server);
    `database_url` (the `database_url` fixture) "" keeps the default SQLite file."""
    from conftest import database_toml

    (root / "declarations").mkdir(parents=True, exist_ok=True)
    ops = ", ".join(f'"{o}"' for o in operators or [])
    config = root / "clausewatch.toml"
    config.write_text(
        'data_dir = "data"\nsnapshots_dir = "snapshots"\ndeclarations_dir = "declarations"\n'
        f"operators = [{ops}]\nfailure_threshold = {failure_threshold}\njitter_seconds = 0\n"
        f"{database_toml(database_url)}{extra}\n"
        '[fetch]\nper_host_delay = 0.0\nbrowser = "never"\nretries = 0\nbackoff = 0.01\n'
        f"{LOOPBACK_TOML}"
        "connect_timeout = 2.0\nread_timeout = 5.0\n\n"
        f'[smtp]\nurl = "smtp://127.0.0.1:{smtp_port}"\nfrom_addr = "alerts@clausewatch.test"\n'
        "timeout = 5.0\n\n"
        '[site]\nbase_url = "https://watch.example.org/"\n',
        encoding="utf-8",
    )
    for sid, path in services.items():
        write_declaration(
            root / "declarations",
            sid,
            sid,
            {"Terms of Service": {"fetch": base_url + path, "select": SELECT, "remove": ["nav"]}},
        )
    return config


# ---------------------------------------------------------------- SMTP sink


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> Message:
        return email.message_from_bytes(self.data, policy=default_policy)


@dataclass
class _Handler:
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    reject: bool = False
    # recipient -> the answer to its RCPT TO (e.g. "550 5.1.1 no such user"); others get 250
    refuse: dict[str, str] = field(default_factory=dict)
    # recipients whose DATA makes the server drop the connection without an answer
    drop: set[str] = field(default_factory=set)
    rcpt_attempts: list[str] = field(default_factory=list)  # every RCPT TO address, in order

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        with self.lock:
            self.rcpt_attempts.append(address)
            answer = self.refuse.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.drop & set(envelope.rcpt_tos):
            server.transport.close()  # hang up mid-transaction: the client sees a lost connection
            return "421 4.4.2 closing"
        if self.reject:
            return "451 4.3.0 try again later"
        with self.lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 OK"


class SMTPSink:
    """A real aiosmtpd server on 127.0.0.1; `start()`/`stop()` can be repeated on the same port."""

    def __init__(self, port: int = 0) -> None:
        self.handler = _Handler()
        self.port = port or _free_port()
        self.controller: Controller | None = None

    def start(self) -> SMTPSink:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def parts(msg: Message) -> dict[str, str]:
    """content type -> decoded body of each leaf part."""
    out: dict[str, str] = {}
    for part in msg.walk():
        if part.is_multipart():
            continue
        out[part.get_content_type()] = part.get_content()  # type: ignore[attr-defined]
    return out


# ---------------------------------------------------------------- in-process project


@dataclass
class Project:
    root: Path
    config: Path
    settings: Any
    store: Any

    def services(self) -> dict[str, Any]:
        from monitor.capture.declarations import load_declarations

        services, problems = load_declarations(self.settings.declarations_dir)
        assert not [p for p in problems if p.severity == "error"], problems
        return services

    def checker(self, **hooks: Any) -> Any:
        from monitor.notify.alerts import checker_hooks
        from monitor.ops.checker import Checker

        return Checker(
            self.settings, self.store, **(hooks or checker_hooks(self.settings, self.store))
        )

    def check(self, **hooks: Any) -> Any:
        checker = self.checker(**hooks)
        try:
            return checker.run(self.services())
        finally:
            checker.close()

    def subscribe(self, email_addr: str, plan: str = "watcher", **kw: Any) -> Any:
        from monitor.clock import utc_now
        from monitor.notify.subscribers import subscribe

        with self.store.session() as s:
            return subscribe(
                s,
                self.settings,
                email_addr,
                plan,
                declared_services=self.services(),
                now=utc_now(),
                **kw,
            ).subscriber


def make_project(root: Path, base_url: str, services: dict[str, str], **kw: Any) -> Project:
    from monitor.config import load_settings
    from monitor.store import Store

    config = write_project(root, base_url, services, **kw)
    settings = load_settings(config, {}, root)
    return Project(root, config, settings, Store(settings.database_url))


# ---------------------------------------------------------------- webhook receiver


@dataclass
class Hook:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        import json

        return json.loads(self.body)


class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 that records every POST. It answers with the next
    (status, body) queued for the request's path (`answer_for`), else the next queued for any
    path (`answer`), else 200."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        receiver = self
        self.hooks: list[Hook] = []
        self.answers: list[tuple[int, str]] = []
        self.by_path: dict[str, list[tuple[int, str]]] = {}
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.hooks.append(Hook(self.path, dict(self.headers.items()), body))
                    queue = receiver.by_path.get(self.path) or receiver.answers
                    status, text = queue.pop(0) if queue else (200, "ok")
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def answer(self, *answers: tuple[int, str]) -> None:
        with self.lock:
            self.answers.extend(answers)

    def answer_for(self, path: str, *answers: tuple[int, str]) -> None:
        with self.lock:
            self.by_path.setdefault(path, []).extend(answers)

    def received(self, path: str | None = None) -> list[Hook]:
        with self.lock:
            return [h for h in self.hooks if path is None or h.path == path]

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
