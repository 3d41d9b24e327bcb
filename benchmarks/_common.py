"""Shared helpers for the benchmarks: synthetic pages, loopback servers, child-process timing.

Nothing here imports ClauseWatch: every measured run is a child process, so each one gets its own
wall time and CPU time (user + sys) from `os.wait4`, and the parent's own work (the page servers,
this bookkeeping) never counts against the program being measured.

Peak RSS is NOT taken from that `wait4`: on Linux a forked child inherits the parent's RSS
high-water mark until it execs, and `ru_maxrss` keeps it, so a 300 MiB benchmark process made
`python -c pass` read 311 MiB. The measured command is therefore started under `/usr/bin/time`
(a small C program, forked once; the command forks from it, not from us) and its `%M` is used;
the summed RSS of the whole process tree is sampled from /proc as well, for pools.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
CACHE_DIR = Path(
    os.environ.get("CLAUSEWATCH_BENCH_CACHE", "~/.cache/clausewatch-bench")
).expanduser()
DEFAULT_TIMEOUT = 15 * 60.0  # hard limit for any one child process (peers included)


def python_exe() -> str:
    """The project's virtualenv Python when it exists, else the one running this script."""
    return str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable


# ---------------------------------------------------------------- synthetic terms pages

_COMPANIES = [
    "Lumenforge",
    "Quillstack",
    "Brightwave Labs",
    "Orrery AI",
    "Tessellate",
    "Kitewire",
    "Northbeam Studio",
    "Parallax Render",
    "Cinderpath",
    "Harbourline",
    "Velloria",
    "Moonquarry",
]
_PRODUCTS = ["platform", "studio", "API", "workspace", "app", "service", "console", "toolkit"]
_CITIES = [
    ("Delaware", "Wilmington"),
    ("California", "San Francisco"),
    ("New York", "New York County"),
    ("England and Wales", "London"),
    ("Ireland", "Dublin"),
    ("Ontario", "Toronto"),
    ("Washington", "King County"),
    ("Texas", "Travis County"),
]
_BODIES = ["the American Arbitration Association", "JAMS", "the ICDR", "the LCIA"]

# (section title, clause templates). Slots are filled per page from a seeded RNG, so every page
# reads differently while the structure (sections, numbering) stays stable across revisions.
_SECTIONS: list[tuple[str, list[str]]] = [
    (
        "Acceptance of These Terms",
        [
            "By creating an account, accessing or using the {product} you agree to be bound by these "
            "Terms and by our Privacy Policy, which is incorporated by reference.",
            "If you use the {product} on behalf of an organisation, you represent that you have "
            "authority to bind that organisation, and \u201cyou\u201d refers to it.",
            "If you do not agree to these Terms, you must not access or use the {product}.",
            "These Terms form a binding contract between you and {company}, Inc. and govern your "
            "access to every feature we offer now or in the future.",
        ],
    ),
    (
        "Eligibility and Accounts",
        [
            "You must be at least {age} years old, or the age of majority where you live, to use the "
            "{product}.",
            "You are responsible for safeguarding your credentials and for all activity that occurs "
            "under your account, whether or not you authorised it.",
            "You must notify us within {short} days of becoming aware of any unauthorised use of "
            "your account.",
            "We may refuse registration or cancel an account name at our discretion, including where "
            "a name infringes the rights of a third party.",
        ],
    ),
    (
        "Plans, Credits and Billing",
        [
            "Subscriptions renew automatically at the end of each billing period unless you cancel at "
            "least {short} days before the renewal date in your account settings.",
            "Prepaid credits expire {months} months after the date of purchase, and unused credits do "
            "not roll over to the next billing period.",
            "Except where required by law, all fees are non-refundable, including fees for partially "
            "used periods.",
            "We may change our prices by giving you {notice} days' notice by email; the new price "
            "applies from your next billing period.",
            "Jobs that fail because of an error on our side are not charged, and any credits consumed "
            "by them are returned within {short} business days.",
            "Each workspace may run up to {jobs} concurrent jobs and send up to {rpm} requests per "
            "minute to the API; requests above these limits are queued or rejected.",
            "We may place a temporary hold of up to ${amount} on your payment method to verify it.",
        ],
    ),
    (
        "Your Content and Outputs",
        [
            "As between you and {company}, you own the outputs you generate with the {product} and "
            "may use them for any lawful purpose, including commercial purposes.",
            "You grant us a worldwide, non-exclusive, royalty-free licence to host, store, reproduce "
            "and display your content solely to operate and improve the {product}.",
            "We may use prompts, uploads and outputs to train and improve our models unless you opt "
            "out in your settings within {short} days of creating your account.",
            "Content you create is visible in the public gallery by default unless you switch your "
            "workspace to private mode.",
            "You may not use outputs to develop models that compete with the {product}.",
            "You must not upload the voice, likeness or biometric data of any person without their "
            "written consent.",
        ],
    ),
    (
        "Acceptable Use",
        [
            "You may not use the {product} to generate unlawful, harassing, defamatory or sexually "
            "explicit content involving minors.",
            "You may not probe, scan or test the vulnerability of the {product} or circumvent any "
            "rate limit or access control.",
            "You may not resell, sublicense or provide the {product} to third parties except as "
            "expressly allowed by your plan.",
            "We may remove any content that we reasonably believe violates these Terms, with or "
            "without notice.",
        ],
    ),
    (
        "Changes to the Service and to These Terms",
        [
            "We may modify these Terms at any time. We will give you at least {notice} days' notice "
            "of material changes by email or through the {product}.",
            "Your continued use of the {product} after the effective date of a change constitutes "
            "acceptance of the revised Terms.",
            "We may add, change or discontinue features of the {product} at any time, and we will "
            "try to give reasonable notice of discontinuation.",
        ],
    ),
    (
        "Suspension and Termination",
        [
            "We may suspend or terminate your access at any time if you breach these Terms, if "
            "required by law, or to protect the {product} or other users.",
            "You may stop using the {product} and close your account at any time from your settings.",
            "On termination, unused credits are forfeited and we may delete your content after "
            "{retention} days.",
        ],
    ),
    (
        "Data Retention and Privacy",
        [
            "We retain account data for as long as your account is active and for {retention} days "
            "after it is closed, unless a longer period is required by law.",
            "Our processing of personal data is described in the Privacy Policy, which forms part of "
            "these Terms.",
            "You may request deletion of your personal data at any time by contacting "
            "privacy@{domain}.",
        ],
    ),
    (
        "Disclaimers",
        [
            "THE {upper} IS PROVIDED \u201cAS IS\u201d AND \u201cAS AVAILABLE\u201d WITHOUT "
            "WARRANTIES OF ANY KIND, WHETHER EXPRESS, IMPLIED OR STATUTORY.",
            "We do not warrant that outputs will be accurate, unique, or free of third-party rights.",
            "Some jurisdictions do not allow the exclusion of implied warranties, so some of the "
            "above exclusions may not apply to you.",
        ],
    ),
    (
        "Limitation of Liability",
        [
            "To the maximum extent permitted by law, {company}'s total liability arising out of these "
            "Terms will not exceed the greater of ${amount} or the fees you paid in the {months} "
            "months before the claim.",
            "We are not liable for indirect, incidental, special, consequential or punitive damages, "
            "or for lost profits, revenues or data.",
        ],
    ),
    (
        "Indemnification",
        [
            "You will defend, indemnify and hold harmless {company} and its affiliates from any claim "
            "arising out of your content, your use of the {product} or your breach of these Terms.",
        ],
    ),
    (
        "Dispute Resolution and Arbitration",
        [
            "Any dispute arising out of these Terms will be resolved by binding individual "
            "arbitration administered by {body}, except that either party may bring claims in small "
            "claims court.",
            "YOU AND {upper_company} WAIVE ANY RIGHT TO A JURY TRIAL AND TO PARTICIPATE IN A CLASS "
            "ACTION OR REPRESENTATIVE PROCEEDING.",
            "You may opt out of this arbitration agreement by writing to us within {notice} days of "
            "first accepting these Terms.",
            "Before starting arbitration, you agree to try to resolve the dispute informally for at "
            "least {notice} days by contacting legal@{domain}.",
        ],
    ),
    (
        "Governing Law and Venue",
        [
            "These Terms are governed by the laws of {state}, without regard to its conflict of laws "
            "rules.",
            "Subject to the arbitration section, the courts located in {city} have exclusive "
            "jurisdiction over any dispute, and you consent to their jurisdiction.",
        ],
    ),
    (
        "General",
        [
            "If any provision of these Terms is held unenforceable, the remaining provisions remain "
            "in full force and effect.",
            "Our failure to enforce a provision is not a waiver of our right to do so later.",
            "You may not assign these Terms without our prior written consent; we may assign them "
            "in connection with a merger, acquisition or sale of assets.",
            "Notices to you may be sent to the email address associated with your account and are "
            "effective when sent.",
        ],
    ),
]

# Sentences that lengthen clauses; they vary the text between pages without adding structure.
_FILLER = [
    "This applies to every workspace, project and API key associated with your account.",
    "Where the {product} is provided through a reseller, the reseller's terms also apply.",
    "For the purposes of this section, \u201cbusiness day\u201d means a day other than a weekend "
    "or a public holiday in {city}.",
    "We will describe any such measure in the release notes published at docs.{domain}.",
    "Nothing in this section limits any right you have under applicable consumer protection law.",
    "This obligation survives the termination or expiry of these Terms.",
    "Requests made under this section should include your account identifier and a description "
    "of the issue.",
    "Where local law requires a longer period, that longer period applies instead.",
    "Enterprise customers may have agreed different terms in an order form, which prevails over "
    "this section to the extent of any conflict.",
    "We may provide additional guidance in our help centre, which does not form part of these Terms.",
    "Examples given in this section are illustrative and do not limit its scope.",
    "Any amounts are stated in United States dollars and exclude applicable taxes.",
]
_LIST_ITEMS = [
    "misrepresent the origin of any output as human-made where disclosure is required",
    "access the {product} through automated means other than our published API",
    "interfere with or disrupt the integrity or performance of the {product}",
    "collect personal information about other users without their consent",
    "use the {product} to send unsolicited commercial messages",
    "reverse engineer, decompile or attempt to extract the source code or model weights",
    "impersonate any person or entity or misstate your affiliation with them",
    "upload material that contains viruses or other harmful code",
    "use the {product} in violation of export control or sanctions laws",
    "remove or obscure any proprietary notice or watermark in outputs",
]
_TARGET_BYTES = 50_000


def _slots(rng: random.Random, index: int) -> dict[str, str]:
    company = f"{rng.choice(_COMPANIES)} {index:04d}"
    state, city = rng.choice(_CITIES)
    product = rng.choice(_PRODUCTS)
    return {
        "company": company,
        "upper_company": company.upper(),
        "product": product,
        "upper": f"{product.upper()}",
        "domain": f"example-{index:04d}.test",
        "state": state,
        "city": city,
        "body": rng.choice(_BODIES),
        "age": str(rng.choice([13, 16, 18])),
        "short": str(rng.choice([3, 5, 7, 10, 14])),
        "notice": str(rng.choice([14, 15, 30, 45, 60])),
        "months": str(rng.choice([3, 6, 12, 18, 24])),
        "retention": str(rng.choice([30, 60, 90, 180])),
        "jobs": str(rng.choice([2, 3, 4, 5, 8, 10])),
        "rpm": str(rng.choice([60, 120, 300, 600, 1200])),
        "amount": str(rng.choice([50, 100, 200, 500, 1000])),
    }


def _clauses(index: int) -> tuple[dict[str, str], list[tuple[str, list[str], list[str]]]]:
    """Sections of one page: (title, clauses, list items); deterministic per index."""
    rng = random.Random(index * 7919 + 17)
    slots = _slots(rng, index)
    sections: list[tuple[str, list[str], list[str]]] = []
    size = 0
    rounds = 0
    while size < _TARGET_BYTES * 0.82:  # the rest is markup, navigation and footer
        for title, templates in _SECTIONS:
            picked = [t for t in templates if rng.random() < 0.85] or templates[:1]
            clauses = []
            for template in picked:
                extra = rng.sample(_FILLER, k=rng.randint(0, 3))
                text = " ".join([template, *extra]).format(**slots)
                clauses.append(text)
                size += len(text) + 60
            items = []
            if rng.random() < 0.35:
                items = [i.format(**slots) for i in rng.sample(_LIST_ITEMS, k=rng.randint(3, 6))]
                size += sum(len(i) + 20 for i in items)
            if rounds:
                title = f"{title} (Part {rounds + 1})"
            sections.append((title, clauses, items))
        rounds += 1
    return slots, sections


_NUMBER = re.compile(r"(?<= )(\d{1,4})(?= )")


def _revise(index: int, revision: int, sections: list[tuple[str, list[str], list[str]]]) -> str:
    """Apply `revision` rounds of substantive edits in place; returns the 'last updated' date."""
    for r in range(1, revision + 1):
        rng = random.Random(index * 104729 + r)
        # a number changes (a notice period, a cap, a limit) ...
        candidates = [
            (si, ci)
            for si, (_t, clauses, _i) in enumerate(sections)
            for ci, text in enumerate(clauses)
            if _NUMBER.search(text)
        ]
        si, ci = rng.choice(candidates)
        text = sections[si][1][ci]
        sections[si][1][ci] = _NUMBER.sub(
            lambda m, r=r: str(int(m.group(1)) * 2 + r), text, count=1
        )
        # ... and a clause is added to another section
        sj = rng.randrange(len(sections))
        sections[sj][1].append(
            f"Revision {r}: we may also suspend accounts that exceed {rng.randint(2, 20)} "
            "concurrent jobs for more than one hour, and credits bought after this change expire "
            f"{rng.choice([30, 60, 90])} days after purchase."
        )
    return f"2025-{1 + revision % 12:02d}-{1 + (index + revision) % 28:02d}"


def generate_page(index: int, revision: int = 0, sections_kept: int | None = None) -> bytes:
    """A synthetic ~50 KB terms page: site navigation, a table of contents, numbered clauses,
    lists and footers around an `article.legal`. Same index and revision = same bytes.
    `sections_kept` keeps only the first sections (14 are about 16 KB; 5 about 6 KB), for
    benchmarks that measure coordination rather than clause analysis."""
    slots, sections = _clauses(index)
    if sections_kept is not None:
        sections = sections[:sections_kept]
    updated = _revise(index, revision, sections) if revision else f"2024-06-{1 + index % 28:02d}"
    company, domain = slots["company"], slots["domain"]
    out: list[str] = [
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>",
        f"<title>Terms of Service | {company}</title>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<style>body{font-family:sans-serif;margin:0}nav.top a{margin:0 .5em}"
        "article.legal{max-width:48em;margin:auto}.num{font-weight:bold;margin-right:.4em}</style>",
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
        "</script></head><body>",
        "<div class='cookie-banner'>We use cookies to improve your experience. "
        "<button>Accept all</button> <button>Manage preferences</button></div>",
        "<header class='site'><nav class='top' aria-label='Main'>",
        f"<a href='https://{domain}/'>{company}</a>",
    ]
    for label in ("Product", "Pricing", "Docs", "Blog", "Careers", "Log in", "Sign up"):
        out.append(f"<a href='https://{domain}/{label.lower().replace(' ', '-')}'>{label}</a>")
    out.append("</nav></header>\n<main id='content'><article class='legal'>")
    out.append(f"<h1>{company} Terms of Service</h1>")
    out.append(f"<p class='updated'>Last updated: {updated}</p>")
    out.append("<nav class='toc' aria-label='Contents'><h2>Contents</h2><ol>")
    for n, (title, _c, _i) in enumerate(sections, 1):
        out.append(f"<li><a href='#s{n}'>{title}</a></li>")
    out.append("</ol></nav>")
    out.append(
        f"<p>Welcome to {company}. Please read these Terms of Service carefully before using "
        f"the {slots['product']}.</p>"
    )
    for n, (title, clauses, items) in enumerate(sections, 1):
        out.append(f"<section id='s{n}'><h2>{n}. {title}</h2>")
        numbered_list = n % 3 == 0
        if numbered_list:
            out.append("<ol class='clauses'>")
        for m, text in enumerate(clauses, 1):
            if numbered_list:
                out.append(f"<li id='c{n}-{m}'>{text}</li>")
            else:
                out.append(f"<p id='c{n}-{m}'><span class='num'>{n}.{m}</span> {text}</p>")
        if numbered_list:
            out.append("</ol>")
        if items:
            out.append(f"<h3>{n}.{len(clauses) + 1} Prohibited conduct</h3>")
            out.append("<p>In particular, you must not:</p><ul>")
            out.extend(f"<li>{item};</li>" for item in items)
            out.append("</ul>")
        out.append("<p class='back'><a href='#content'>Back to top</a></p></section>")
    out.append(
        f"<p>Questions about these Terms can be sent to legal@{domain}.</p>"
        "<footer class='doc-footer'><a href='#'>Print</a> <a href='#'>Download PDF</a></footer>"
        "</article></main>"
    )
    out.append("<footer class='site'><nav aria-label='Footer'>")
    for label in ("Terms", "Privacy", "Cookies", "Security", "Status", "Contact"):
        out.append(f"<a href='https://{domain}/{label.lower()}'>{label}</a>")
    out.append(f"</nav><p>&copy; 2024 {company}, Inc. All rights reserved.</p></footer>")
    out.append("</body></html>\n")
    return "\n".join(out).encode("utf-8")


# ---------------------------------------------------------------- loopback page servers


@dataclass
class _Page:
    etag: str
    last_modified: str
    modified_ts: float
    ok: bytes  # the complete 200 response (status line, headers, body)
    not_modified: bytes  # the complete 304 response


def _response(status: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    head = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


class PageFarm:
    """`count` threaded HTTP/1.1 servers on loopback ports, i.e. `count` distinct hosts for
    per-host politeness. Responses are pre-rendered bytes sent with one `sendall`; keep-alive,
    ETag / If-None-Match and Last-Modified / If-Modified-Since (304) are supported.
    `latency` seconds pass before each answer, as from a distant origin (0: loopback speed)."""

    def __init__(self, count: int = 8, latency: float = 0.0) -> None:
        self.pages: dict[str, _Page] = {}
        self.stats = {"200": 0, "304": 0, "404": 0}
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        farm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._answer(head=False)

            def do_HEAD(self) -> None:  # noqa: N802
                self._answer(head=True)

            def _answer(self, *, head: bool) -> None:
                page = farm.pages.get(self.path.split("?", 1)[0])
                if page is None:
                    body = b"<html><body><h1>404 Not Found</h1></body></html>"
                    raw = _response(
                        "404 Not Found",
                        [("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
                        body,
                    )
                    key = "404"
                elif _not_modified(self.headers, page):
                    raw, key = page.not_modified, "304"
                else:
                    raw, key = page.ok, "200"
                with farm._lock:
                    farm.stats[key] += 1
                if head and key == "200":
                    raw = raw[: raw.index(b"\r\n\r\n") + 4]
                if latency:
                    time.sleep(latency)
                self.wfile.write(raw)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

        for _ in range(count):
            server = Server(("127.0.0.1", 0), Handler)
            self._servers.append(server)
            self._threads.append(threading.Thread(target=server.serve_forever, daemon=True))

    @property
    def hosts(self) -> list[str]:
        return [f"http://127.0.0.1:{s.server_address[1]}" for s in self._servers]

    def url(self, index: int, path: str) -> str:
        return self.hosts[index % len(self._servers)] + path

    def put(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
        now = time.time()
        etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
        lastmod = email.utils.formatdate(now, usegmt=True)
        common = [("ETag", etag), ("Last-Modified", lastmod), ("Cache-Control", "no-cache")]
        ok = _response(
            "200 OK",
            [("Content-Type", content_type), ("Content-Length", str(len(body))), *common],
            body,
        )
        not_modified = _response("304 Not Modified", common, b"")
        # a path is served by every port; callers spread paths over hosts with url()
        self.pages[path] = _Page(etag, lastmod, int(now), ok, not_modified)

    def reset_stats(self) -> dict[str, int]:
        with self._lock:
            old, self.stats = self.stats, {"200": 0, "304": 0, "404": 0}
        return old

    def __enter__(self) -> PageFarm:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()


def _not_modified(headers: Any, page: _Page) -> bool:
    inm = headers.get("If-None-Match")
    if inm is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or page.etag in tags
    ims = headers.get("If-Modified-Since")
    if ims:
        try:
            when = email.utils.parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError, IndexError):
            return False
        return page.modified_ts <= when
    return False


# ---------------------------------------------------------------- timing a child process


@dataclass
class Measured:
    label: str
    wall: float = 0.0  # seconds
    user: float = 0.0
    sys: float = 0.0
    maxrss_kib: int = 0  # peak RSS of the largest process of the command (`/usr/bin/time` %M)
    rss_method: str = ""  # how maxrss_kib was obtained
    tree_peak_kib: int = (
        0  # polled sum of the RSS of the child and all its descendants (0 = not polled)
    )
    parent_cpu: float = 0.0  # CPU this process (i.e. the page servers' threads) used meanwhile
    returncode: int | None = None
    timed_out: bool = False
    stdout: str = ""
    stderr: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cpu(self) -> float:
        return self.user + self.sys

    @property
    def maxrss_mib(self) -> float:
        return self.maxrss_kib / 1024

    @property
    def peak_mib(self) -> float:
        """Peak RSS of the command: the largest process, or the summed tree when it was polled
        and larger (several processes alive at once, e.g. a worker pool)."""
        return max(self.maxrss_kib, self.tree_peak_kib) / 1024

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["cpu"] = round(self.cpu, 3)
        data["maxrss_mib"] = round(self.maxrss_mib, 1)
        data["stdout"] = self.stdout[-2000:]
        data["stderr"] = self.stderr[-2000:]
        return data


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def tree_rss_kib(root: int) -> int:
    """Sum of VmRSS over `root` and all its descendants (from /proc)."""
    children = _children_map()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except (OSError, IndexError, ValueError):
            pass
    return total


def run_measured(
    label: str,
    cmd: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    poll_tree: bool = False,
    quiet: bool = False,
) -> Measured:
    """Run `cmd` as a child in its own session; wall and user+sys CPU come from `os.wait4` on
    that child alone, peak RSS from `/usr/bin/time` around it (see the module docstring). With
    poll_tree, /proc is also sampled every 0.1 s for the summed RSS of the whole process tree
    (pools and browsers: several processes at once)."""
    if not quiet:
        print(f"  running {label} ...", end="", flush=True)
    m = Measured(label)
    env = bytecode_env(dict(os.environ) if env is None else env)
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file,
    ):
        argv = list(cmd)
        if TIME_EXE:
            argv = [TIME_EXE, "-f", "%M", "-o", rss_file.name, *argv]
        own = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True
        )
        box: list[tuple[int, int, Any]] = []
        waiter = threading.Thread(target=lambda: box.append(os.wait4(proc.pid, 0)), daemon=True)
        waiter.start()
        deadline = started + timeout
        while waiter.is_alive():
            if poll_tree:
                m.tree_peak_kib = max(m.tree_peak_kib, tree_rss_kib(proc.pid))
            waiter.join(0.1 if poll_tree else 0.5)
            if waiter.is_alive() and time.perf_counter() > deadline:
                m.timed_out = True
                _kill_group(proc.pid)
                waiter.join(30)
                break
        m.wall = time.perf_counter() - started
        now = resource.getrusage(resource.RUSAGE_SELF)
        m.parent_cpu = now.ru_utime + now.ru_stime - own.ru_utime - own.ru_stime
        if box:
            _pid, status, usage = box[0]
            m.returncode = os.waitstatus_to_exitcode(status)
            proc.returncode = m.returncode  # reaped by wait4; stop Popen from reaping again
            m.user, m.sys = usage.ru_utime, usage.ru_stime
            m.maxrss_kib, m.rss_method = _peak_rss(rss_file.read(), usage.ru_maxrss)
        _kill_group(proc.pid)  # leftovers (e.g. a browser the child did not close)
        out.seek(0)
        err.seek(0)
        m.stdout = out.read().decode("utf-8", "replace")
        m.stderr = err.read().decode("utf-8", "replace")
    if not quiet:
        state = "TIMED OUT" if m.timed_out else f"exit {m.returncode}"
        print(f" {m.wall:.2f} s wall, {m.cpu:.2f} s CPU, {m.maxrss_mib:.0f} MiB ({state})")
    return m


TIME_EXE = shutil.which("time", path="/usr/bin:/bin")  # GNU time (Debian package `time`)


def _peak_rss(time_output: str, wait4_maxrss: int) -> tuple[int, str]:
    """Peak RSS in KiB from `/usr/bin/time -f %M`; without it, `wait4`'s figure, flagged as an
    upper bound that includes this process's own high-water mark."""
    lines = [ln for ln in time_output.splitlines() if ln.strip().isdigit()]
    if lines:
        return int(lines[-1]), "time"
    return wait4_maxrss, "wait4 (upper bound: includes the benchmark's own peak)"


def bytecode_env(env: dict[str, str]) -> dict[str, str]:
    """Every measured Python runs with bytecode allowed, as an installed tool would: a
    PYTHONDONTWRITEBYTECODE inherited from the caller would make one tool recompile its sources
    on every start while a peer loads its cached `.pyc` files."""
    return {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}


def compile_bytecode(python: str | Path, *folders: Path) -> None:
    """Write `.pyc` files (with the interpreter that will run them) for every source under
    `folders` before anything is timed."""
    for folder in folders:
        if folder.is_dir():
            run_quiet([str(python), "-m", "compileall", "-q", "-j", "0", str(folder)])


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)  # the child's own session: only what we started


def run_quiet(
    cmd: Sequence[str], *, timeout: float = 600, **kw: Any
) -> subprocess.CompletedProcess[str]:
    """Run a helper command (install, version lookup); never raises on a non-zero exit."""
    try:
        return subprocess.run(
            list(cmd), capture_output=True, text=True, timeout=timeout, check=False, **kw
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return subprocess.CompletedProcess(list(cmd), 127, "", f"{exc.__class__.__name__}: {exc}")


# ---------------------------------------------------------------- environment facts


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip() and "unexpected operator" not in line:  # Debian's chromium wrapper noise
            return line.strip()
    return ""


def chromium_version() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        return "not installed"
    return first_line(run_quiet([exe, "--version"], timeout=60).stdout) or "unknown"


def clausewatch_version() -> str:
    proc = run_quiet([python_exe(), "-c", "import monitor; print(monitor.__version__)"], timeout=60)
    return proc.stdout.strip() or "unknown"


def machine_info() -> dict[str, Any]:
    import sqlite3

    return {
        "cores": os.cpu_count(),
        "machine": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "clausewatch": clausewatch_version(),
        "sqlite": sqlite3.sqlite_version,
        "git": first_line(run_quiet(["git", "--version"], timeout=30).stdout) or "not installed",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------- output


def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def print_table(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    print(f"\n{title}")
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("-" * len(line))
    for row in cells:
        print(
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def ratio(a: float | None, b: float | None) -> float | None:
    if not a or not b:
        return None
    return a / b


def output_dir(given: str | None, prefix: str) -> Path:
    if given:
        path = Path(given).expanduser().absolute()
        path.mkdir(parents=True, exist_ok=True)
        return path
    return Path(tempfile.mkdtemp(prefix=prefix))


def write_json(folder: Path, name: str, data: Any) -> Path:
    target = folder / name
    target.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    return target


def peer_versions() -> dict[str, str]:
    """Versions of the peers from the benchmark cache (never installs anything)."""
    exe = CACHE_DIR / "urlwatch-venv" / "bin" / "urlwatch"
    urlwatch = (
        first_line(run_quiet([str(exe), "--version"], timeout=60).stdout) if exe.exists() else ""
    )
    engine = CACHE_DIR / "ota-engine/node_modules/@opentermsarchive/engine/package.json"
    ota = json.loads(engine.read_text(encoding="utf-8"))["version"] if engine.exists() else ""
    return {
        "urlwatch": urlwatch or "not installed (run check_cycle.py)",
        "ota_engine": ota or "not installed (run check_cycle.py)",
        "chromium": chromium_version(),
    }


def print_info(info: dict[str, Any]) -> None:
    print("\nMachine and versions")
    for key, value in info.items():
        print(f"  {key:12} {value}")


LAST_IMPORT = CACHE_DIR / "last-import"  # import_history.py leaves its store here for site_build.py


def write_clausewatch_config(folder: Path, **fetch: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "# written by the ClauseWatch benchmarks",
        'data_dir = "data"',
        'snapshots_dir = "snapshots"',
        'declarations_dir = "declarations"',
        "",
        "[fetch]",
        'browser = "never"',
        'allow_private = ["127.0.0.1", "::1"]  # the benchmarks serve pages on loopback',
    ]
    lines += [f"{k} = {json.dumps(v)}" for k, v in fetch.items()]
    config = folder / "clausewatch.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "declarations").mkdir(exist_ok=True)
    return config


def clausewatch_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")}
