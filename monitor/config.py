"""ClauseWatch settings from `clausewatch.toml` plus an environment mapping.

Library code never reads os.environ: callers (the CLI, the demo) pass the mapping in. Secrets come
only from the environment: CLAUSEWATCH_SMTP_PASSWORD, CLAUSEWATCH_DATABASE_URL for a database
URL that carries a password, and `${NAME}` references in `[notify] urls` (a webhook token).
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from monitor import __version__
from monitor.errors import ConfigError
from monitor.models import EXPOSURES
from monitor.paths import safe_component

CONFIG_FILE_NAME = "clausewatch.toml"
ENV_CONFIG = "CLAUSEWATCH_CONFIG"
ENV_DATABASE_URL = "CLAUSEWATCH_DATABASE_URL"
ENV_SMTP_PASSWORD = "CLAUSEWATCH_SMTP_PASSWORD"

DEFAULT_USER_AGENT = f"ClauseWatch/{__version__} (+https://github.com/clausewatch; terms monitor)"
BROWSER_MODES = ("auto", "never", "always")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$"
)
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_PLAN_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


# ---------------------------------------------------------------- dataclasses


@dataclass
class FetchSettings:
    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    accept_language: str = "en-US,en;q=0.8"
    per_host_delay: float = 1.0  # seconds between two requests to the same host
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 2  # retries of transient failures
    backoff: float = 1.0  # base of the exponential backoff, seconds
    max_workers: int = 8
    browser: str = "auto"  # "auto" | "never" | "always"
    chromium_path: str | None = None
    # Whole fetch (connection, redirects, body, retries): a server dripping bytes stops here.
    deadline: float = 120.0
    # Non-public addresses that may be fetched (IPs or CIDR networks); all others are refused.
    allow_private: list[str] = field(default_factory=list)


@dataclass
class ServiceOverride:
    schedule: str | None = None  # 5-field cron
    locale: str | None = None  # Accept-Language for this service
    headers: dict[str, str] = field(default_factory=dict)
    # Hosts other than the declared one that this service's pages may redirect to.
    allowed_hosts: list[str] = field(default_factory=list)


@dataclass
class SmtpSettings:
    url: str = "smtp://127.0.0.1:25"
    from_addr: str = "clausewatch@localhost"
    username: str | None = None
    starttls: bool = False
    timeout: float = 30.0
    password: str | None = field(default=None, repr=False)  # only from CLAUSEWATCH_SMTP_PASSWORD


@dataclass
class NotifySettings:
    """Channels beyond e-mail: Apprise URLs or plain http(s) webhooks that hear of every change."""

    # `${NAME}` references are already replaced by the environment's values
    urls: list[str] = field(default_factory=list, repr=False)
    min_exposure: str = "low"


@dataclass
class PlanSettings:
    name: str
    max_platforms: int = 1
    same_day_alerts: bool = False
    weekly_digest: bool = True


def default_plans() -> dict[str, PlanSettings]:
    return {
        "free": PlanSettings("free", max_platforms=1, same_day_alerts=False, weekly_digest=True),
        "watcher": PlanSettings(
            "watcher", max_platforms=10, same_day_alerts=True, weekly_digest=True
        ),
    }


@dataclass
class SiteSettings:
    output_dir: Path = Path()  # empty = <data_dir>/site (filled in by Settings)
    base_url: str = "http://127.0.0.1:8000/"


@dataclass
class Settings:
    """Everything ClauseWatch needs; `Settings(root=folder)` gives the defaults rooted there."""

    config_path: Path | None = None
    root: Path = Path()
    data_dir: Path = Path()  # empty = <root>/data
    snapshots_dir: Path = Path()  # empty = <root>/snapshots
    database_url: str = ""  # empty = sqlite:///<data_dir>/clausewatch.sqlite3
    # where raw captures go: "folder" (snapshots_dir) or "database" (content-addressed blobs in
    # the store, readable by every worker; capture/db_archive.py)
    archive: str = "folder"
    declarations_dir: Path = Path()  # empty = <root>/declarations
    fetch: FetchSettings = field(default_factory=FetchSettings)
    services: dict[str, ServiceOverride] = field(default_factory=dict)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    plans: dict[str, PlanSettings] = field(default_factory=default_plans)
    site: SiteSettings = field(default_factory=SiteSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    operators: list[str] = field(default_factory=list)
    failure_threshold: int = 3  # consecutive failures before a document is reported
    default_schedule: str = "0 6 * * *"
    jitter_seconds: int = 300
    # processes that analyse new texts during a check run; None ("auto"): one per core but the
    # checker's own, on 3 cores or more, for runs with many new documents; 0: in the checker
    analysis_workers: int | None = None

    def __post_init__(self) -> None:
        # Relative paths are relative to root (the config file's folder); empty means default.
        self.root = self.root.absolute()
        self.data_dir = self._resolve(self.data_dir, "data")
        self.snapshots_dir = self._resolve(self.snapshots_dir, "snapshots")
        self.declarations_dir = self._resolve(self.declarations_dir, "declarations")
        if self.site.output_dir == Path():
            self.site.output_dir = self.data_dir / "site"
        elif not self.site.output_dir.is_absolute():
            self.site.output_dir = self.root / self.site.output_dir
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'clausewatch.sqlite3'}"
        else:
            self.database_url = resolve_sqlite_url(self.database_url, self.root)

    def _resolve(self, path: Path, default: str) -> Path:
        if path == Path():
            return self.root / default
        return path if path.is_absolute() else self.root / path

    def service(self, service_id: str) -> ServiceOverride:
        """The override for a service (an empty one when none is configured)."""
        return self.services.get(service_id, ServiceOverride())

    def schedule_for(self, service_id: str) -> str:
        return self.service(service_id).schedule or self.default_schedule


def resolve_sqlite_url(url: str, root: Path) -> str:
    """Make a relative `sqlite:///file` path relative to root instead of the process cwd."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return url
    rest = url[len(prefix) :]
    db_path, sep, query = rest.partition("?")
    if not db_path or db_path == ":memory:" or Path(db_path).is_absolute():
        return url
    return f"{prefix}{root / db_path}{sep}{query}"


# ---------------------------------------------------------------- validation helpers


@dataclass(frozen=True)
class ConfigProblem:
    """One problem in the configuration; `file` and `key` are None when it is not about one."""

    file: str | None
    key: str | None
    message: str

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.key, self.message) if part)


class _Problems:
    """Collects one-line problems `<file>: <key>: <message>`."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.problems: list[ConfigProblem] = []

    def add(self, key: str, message: str) -> None:
        self.problems.append(ConfigProblem(self.label, key, message))


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class _Reader:
    """Typed reads from one TOML table, recording problems under a key prefix."""

    def __init__(self, table: Mapping[str, Any], prefix: str, problems: _Problems) -> None:
        self.table = table
        self.prefix = prefix
        self.problems = problems

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def error(self, name: str, message: str) -> None:
        self.problems.add(self.key(name), message)

    def check_keys(self, allowed: set[str]) -> None:
        for name in self.table:
            if name not in allowed:
                self.error(name, f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def number(
        self, name: str, default: float, minimum: float = 0.0, strict: bool = False
    ) -> float:
        if name not in self.table:
            return default
        value = _number(self.table[name])
        if value is None:
            self.error(name, f"expected a number, got {_show(self.table[name])}")
            return default
        if value < minimum or (strict and value == minimum):
            word = "greater than" if strict else "at least"
            self.error(name, f"must be {word} {minimum:g}, got {_show(self.table[name])}")
            return default
        return value

    def integer(self, name: str, default: int, minimum: int = 0) -> int:
        if name not in self.table:
            return default
        value = self.table[name]
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(name, f"expected an integer, got {_show(value)}")
            return default
        if value < minimum:
            self.error(name, f"must be at least {minimum}, got {value}")
            return default
        return value

    def boolean(self, name: str, default: bool) -> bool:
        if name not in self.table:
            return default
        value = self.table[name]
        if not isinstance(value, bool):
            self.error(name, f"expected true or false, got {_show(value)}")
            return default
        return value

    def string(
        self, name: str, default: str, check: Callable[[str], str | None] | None = None
    ) -> str:
        value = self.optional_string(name, check)
        return default if value is None else value

    def optional_string(
        self, name: str, check: Callable[[str], str | None] | None = None
    ) -> str | None:
        if name not in self.table:
            return None
        value = self.table[name]
        if not isinstance(value, str):
            self.error(name, f"expected a string, got {_show(value)}")
            return None
        if not value.strip():
            self.error(name, "must not be empty")
            return None
        problem = check(value) if check else None
        if problem:
            self.error(name, problem)
            return None
        return value

    def string_list(self, name: str, check: Callable[[str], str | None]) -> list[str]:
        if name not in self.table:
            return []
        value = self.table[name]
        if not isinstance(value, list):
            self.error(name, f"expected an array of strings, got {_show(value)}")
            return []
        out = []
        for i, item in enumerate(value):
            problem = check(item) if isinstance(item, str) else "expected a string"
            if problem:
                self.problems.add(f"{self.key(name)}[{i}]", problem)
            else:
                out.append(item)
        return out

    def table_of(self, name: str) -> Mapping[str, Any]:
        if name not in self.table:
            return {}
        value = self.table[name]
        if not isinstance(value, dict):
            self.error(name, f"expected a table, got {_show(value)}")
            return {}
        return value


def check_cron(expr: str) -> str | None:
    """None when `expr` is a valid 5-field crontab expression, else why not."""
    if len(expr.split()) != 5:
        return f"expected a 5-field cron expression, got {expr!r}"
    from apscheduler.triggers.cron import CronTrigger  # lazy: only needed when validating

    try:
        CronTrigger.from_crontab(expr, timezone="UTC")
    except ValueError as exc:
        return f"invalid cron expression {expr!r}: {exc}"
    return None


def _single_line(value: str) -> str | None:
    # Values sent as HTTP headers: a line break would inject another header.
    return "must be a single line" if "\r" in value or "\n" in value else None


def check_email(value: str) -> str | None:
    return None if _EMAIL.match(value) else f"not an e-mail address: {value!r}"


def _check_http_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"expected an http(s) URL, got {value!r}"
    return None


def _check_smtp_url(value: str) -> str | None:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return f"invalid URL {value!r}"
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        return f"expected smtp://host[:port] or smtps://host[:port], got {value!r}"
    if parts.password:
        return f"put the password in {ENV_SMTP_PASSWORD}, not in the URL"
    return None


WEBHOOK_SCHEMES = ("http", "https")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def notify_channel(url: str) -> str:
    """ "webhook" for a plain http(s) URL (ClauseWatch's JSON body), else "apprise"."""
    match = _SCHEME.match(url)
    return "webhook" if match and match.group(1).lower() in WEBHOOK_SCHEMES else "apprise"


def apprise_plugin(url: str, **kwargs: Any) -> Any:
    """Apprise's plugin for `url`, or None when Apprise cannot use it. Apprise's own log lines
    about a bad URL are silenced: the caller reports the problem (without the URL)."""
    import logging

    import apprise  # lazy: a second to import, needed only for the non-webhook channels

    logger = logging.getLogger("apprise")
    was_disabled = logger.disabled
    logger.disabled = True
    try:
        return apprise.Apprise.instantiate(url, suppress_exceptions=True, **kwargs)
    except Exception:  # noqa: BLE001 - an unusable URL, whatever the plugin raised
        return None
    finally:
        logger.disabled = was_disabled


def check_notify_url(value: str) -> str | None:
    """None when `value` is a usable notification URL, else why not (never echoing the URL,
    which may carry a token)."""
    if not value.strip() or any(ch in value for ch in "\r\n\t ") or len(value) > 2000:
        return "expected one URL without spaces or line breaks"
    match = _SCHEME.match(value)
    if not match:
        return (
            "expected an Apprise URL (slack://, msteams://, matrix://, json://, ...) "
            "or an http(s):// webhook URL"
        )
    scheme = match.group(1).lower()
    if scheme in WEBHOOK_SCHEMES:
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            return f"invalid {scheme}:// URL"
        return None if parts.hostname else f"{scheme}:// URL without a host"
    if apprise_plugin(value) is None:
        return (
            f"not a URL Apprise understands ({scheme}://...; see the Apprise wiki for the format)"
        )
    return None


def mask_url(url: str) -> str:
    """The URL without its secrets, for logs, status and listings: a webhook keeps its scheme and
    host only; an Apprise URL is shown as Apprise prints it in privacy mode, without parameters
    and without the path segments it would show as written."""
    match = _SCHEME.match(url)
    scheme = match.group(1).lower() if match else "?"
    if scheme in WEBHOOK_SCHEMES:
        try:
            parts = urlsplit(url)
            host = parts.hostname or "?"
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            return f"{scheme}://***"
        hidden = "/***" if parts.path.strip("/") or parts.query else ""
        return f"{scheme}://{host}{port}{hidden}"
    try:
        plugin = apprise_plugin(url)
        if plugin is not None:
            # Apprise's privacy form hides what it knows to be secret; a path segment it shows
            # as written (json://host/<token>) is hidden too.
            shown = urlsplit(str(plugin.url(privacy=True)).split("?", 1)[0])
            written = {unquote(seg) for seg in urlsplit(url).path.split("/") if len(seg) >= 4}
            path = "/".join(
                "***" if unquote(seg) in written else seg for seg in shown.path.split("/")
            )
            netloc = shown.netloc
            host = urlsplit(url).hostname or ""
            if host and "." not in host and host != "localhost" and host in netloc.lower():
                netloc = netloc.lower().replace(host, "***")  # a token or topic, not a host name
            return urlunsplit((shown.scheme, netloc, path, "", ""))
    except Exception:  # noqa: BLE001 - masking must never fail or leak
        pass
    return f"{scheme}://***"


def expand_env_refs(value: str, env: Mapping[str, str]) -> tuple[str, list[str]]:
    """`value` with each `${NAME}` replaced from env, and the names that are not set."""
    missing: list[str] = []

    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in env:
            missing.append(name)
            return ""
        return env[name]

    return _ENV_REF.sub(repl, value), missing


# ---------------------------------------------------------------- sections


def _read_fetch(r: _Reader) -> FetchSettings:
    d = FetchSettings()
    r.check_keys(set(FetchSettings.__dataclass_fields__))
    browser = r.string("browser", d.browser)
    if browser not in BROWSER_MODES:
        r.error("browser", f"expected one of {', '.join(BROWSER_MODES)}, got {browser!r}")
        browser = d.browser
    return FetchSettings(
        user_agent=r.string("user_agent", d.user_agent, _single_line),
        connect_timeout=r.number("connect_timeout", d.connect_timeout, strict=True),
        read_timeout=r.number("read_timeout", d.read_timeout, strict=True),
        accept_language=r.string("accept_language", d.accept_language, _single_line),
        per_host_delay=r.number("per_host_delay", d.per_host_delay),
        max_bytes=r.integer("max_bytes", d.max_bytes, minimum=1),
        max_redirects=r.integer("max_redirects", d.max_redirects),
        retries=r.integer("retries", d.retries),
        backoff=r.number("backoff", d.backoff),
        max_workers=r.integer("max_workers", d.max_workers, minimum=1),
        browser=browser,
        chromium_path=r.optional_string("chromium_path"),
        deadline=r.number("deadline", d.deadline, strict=True),
        allow_private=r.string_list("allow_private", _check_network),
    )


def _check_network(value: str) -> str | None:
    try:
        ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return f'{value!r} is not an IP address or network (CIDR), e.g. "127.0.0.1" or "10.0.0.0/8"'
    return None


def _check_host_name(value: str) -> str | None:
    host = value.strip()
    if not host or any(c in host for c in "/:@ "):
        return f"{value!r} is not a host name (no scheme, path or port)"
    return None


def _read_headers(r: _Reader) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in r.table_of("headers").items():
        key = r.key(f"headers.{name}")
        if not _HEADER_NAME.match(name):
            r.problems.add(key, f"invalid HTTP header name {name!r}")
        elif not isinstance(value, str) or "\r" in value or "\n" in value:
            r.problems.add(key, "expected a single-line string value")
        else:
            headers[name] = value
    return headers


def _read_services(r: _Reader) -> dict[str, ServiceOverride]:
    services: dict[str, ServiceOverride] = {}
    for service_id, table in r.table.items():
        sr = _Reader({}, f"{r.prefix}.{service_id}", r.problems)
        if not safe_component(service_id):
            sr.problems.add(sr.prefix, "not a valid service id")
            continue
        if not isinstance(table, dict):
            sr.problems.add(sr.prefix, f"expected a table, got {_show(table)}")
            continue
        sr.table = table
        sr.check_keys({"schedule", "locale", "headers", "allowed_hosts"})
        services[service_id] = ServiceOverride(
            schedule=sr.optional_string("schedule", check_cron),
            locale=sr.optional_string("locale", _single_line),
            headers=_read_headers(sr),
            allowed_hosts=[
                h.strip().lower() for h in sr.string_list("allowed_hosts", _check_host_name)
            ],
        )
    return services


def _read_smtp(r: _Reader, env: Mapping[str, str]) -> SmtpSettings:
    d = SmtpSettings()
    if "password" in r.table:
        r.error("password", f"do not store the password in the file; set {ENV_SMTP_PASSWORD}")
    r.check_keys({"url", "from", "from_addr", "username", "starttls", "timeout", "password"})
    url = r.string("url", d.url, _check_smtp_url)
    starttls = r.boolean("starttls", d.starttls)
    if starttls and url.startswith("smtps:"):
        r.error("starttls", "smtps:// is already encrypted; use starttls with smtp:// only")
    # `from` is what mail tools call it; `from_addr` is the older name. One of them, not both.
    from_key = "from" if "from" in r.table else "from_addr"
    if "from" in r.table and "from_addr" in r.table:
        r.error("from", "give the sender address once: `from` or `from_addr`, not both")
    return SmtpSettings(
        url=url,
        from_addr=r.string(from_key, d.from_addr, check_email),
        username=r.optional_string("username"),
        starttls=starttls,
        timeout=r.number("timeout", d.timeout, strict=True),
        password=env.get(ENV_SMTP_PASSWORD) or None,
    )


def _read_plans(r: _Reader) -> dict[str, PlanSettings]:
    plans = default_plans()
    for name, table in r.table.items():
        pr = _Reader({}, f"{r.prefix}.{name}", r.problems)
        if not _PLAN_NAME.match(name):
            pr.problems.add(pr.prefix, "plan names use letters, digits, '-' and '_' only")
            continue
        if not isinstance(table, dict):
            pr.problems.add(pr.prefix, f"expected a table, got {_show(table)}")
            continue
        pr.table = table
        pr.check_keys({"max_platforms", "same_day_alerts", "weekly_digest"})
        base = plans.get(name, PlanSettings(name))  # a built-in plan is only partly overridden
        plans[name] = PlanSettings(
            name=name,
            max_platforms=pr.integer("max_platforms", base.max_platforms, minimum=1),
            same_day_alerts=pr.boolean("same_day_alerts", base.same_day_alerts),
            weekly_digest=pr.boolean("weekly_digest", base.weekly_digest),
        )
    return plans


def _read_site(r: _Reader) -> SiteSettings:
    r.check_keys({"output_dir", "base_url"})
    base_url = r.string("base_url", SiteSettings.base_url, _check_http_url)
    output_dir = r.optional_string("output_dir")
    return SiteSettings(
        output_dir=Path(output_dir) if output_dir else Path(),
        base_url=base_url if base_url.endswith("/") else base_url + "/",
    )


def _read_notify(r: _Reader, env: Mapping[str, str]) -> NotifySettings:
    d = NotifySettings()
    r.check_keys({"urls", "min_exposure"})
    min_exposure = r.string("min_exposure", d.min_exposure)
    if min_exposure not in EXPOSURES:
        r.error("min_exposure", f"expected one of {', '.join(EXPOSURES)}, got {min_exposure!r}")
        min_exposure = d.min_exposure
    urls: list[str] = []
    value = r.table.get("urls", [])
    if not isinstance(value, list):
        r.error("urls", f"expected an array of URLs, got {type(value).__name__}")
        return NotifySettings(urls, min_exposure)
    for i, item in enumerate(value):
        key = f"urls[{i}]"
        if not isinstance(item, str):
            r.error(key, "expected a string")
            continue
        url, missing = expand_env_refs(item, env)
        if missing:
            r.error(key, f"{', '.join('${' + m + '}' for m in missing)} not set in the environment")
            continue
        problem = check_notify_url(url)
        if problem:
            r.error(key, problem)
        elif url not in urls:
            urls.append(url)
    return NotifySettings(urls, min_exposure)


def _read_operators(r: _Reader) -> list[str]:
    if "operators" not in r.table:
        return []
    value = r.table["operators"]
    if not isinstance(value, list):
        r.error("operators", f"expected an array of e-mail addresses, got {_show(value)}")
        return []
    out = []
    for i, item in enumerate(value):
        problem = check_email(item) if isinstance(item, str) else "expected a string"
        if problem:
            r.problems.add(f"operators[{i}]", problem)
        else:
            out.append(item)
    return out


ARCHIVES = ("folder", "database")

_TOP_KEYS = {
    "data_dir",
    "snapshots_dir",
    "database_url",
    "archive",
    "declarations_dir",
    "operators",
    "failure_threshold",
    "default_schedule",
    "jitter_seconds",
    "analysis_workers",
}
_SECTIONS = {"fetch", "services", "smtp", "plans", "site", "notify"}


def _path(r: _Reader, name: str) -> Path:
    value = r.optional_string(name)
    return Path(value).expanduser() if value else Path()


def _build(
    data: Mapping[str, Any],
    config_path: Path | None,
    root: Path,
    env: Mapping[str, str],
    problems: _Problems,
) -> Settings:
    r = _Reader(data, "", problems)
    r.check_keys(_TOP_KEYS | _SECTIONS)
    database_url = env.get(ENV_DATABASE_URL) or r.string("database_url", "")
    return Settings(
        config_path=config_path,
        root=root,
        data_dir=_path(r, "data_dir"),
        snapshots_dir=_path(r, "snapshots_dir"),
        database_url=database_url,
        archive=r.string(
            "archive",
            "folder",
            lambda v: (
                None if v in ARCHIVES else f"expected one of {', '.join(ARCHIVES)}, got {v!r}"
            ),
        ),
        declarations_dir=_path(r, "declarations_dir"),
        fetch=_read_fetch(_Reader(r.table_of("fetch"), "fetch", problems)),
        services=_read_services(_Reader(r.table_of("services"), "services", problems)),
        smtp=_read_smtp(_Reader(r.table_of("smtp"), "smtp", problems), env),
        plans=_read_plans(_Reader(r.table_of("plans"), "plans", problems)),
        site=_read_site(_Reader(r.table_of("site"), "site", problems)),
        notify=_read_notify(_Reader(r.table_of("notify"), "notify", problems), env),
        operators=_read_operators(r),
        failure_threshold=r.integer("failure_threshold", 3, minimum=1),
        default_schedule=r.string("default_schedule", "0 6 * * *", check_cron),
        jitter_seconds=r.integer("jitter_seconds", 300),
        analysis_workers=_read_analysis_workers(r),
    )


def _read_analysis_workers(r: _Reader) -> int | None:
    """ "auto" (None) or a number of processes, 0 for none."""
    value = r.table.get("analysis_workers", "auto")
    if value == "auto":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        r.error("analysis_workers", f'expected "auto" or an integer >= 0, got {_show(value)}')
        return None
    return value


# ---------------------------------------------------------------- public API


def _locate(path: Path | None, env: Mapping[str, str], cwd: Path) -> Path | None:
    """The config file to read, or None for built-in defaults."""
    if path is None and env.get(ENV_CONFIG):
        path = Path(env[ENV_CONFIG]).expanduser()
    if path is None:
        candidate = cwd / CONFIG_FILE_NAME
        return candidate if candidate.is_file() else None
    path = path if path.is_absolute() else cwd / path
    if not path.is_file():
        raise ConfigError(
            f"{path}: configuration file not found (given by --config or {ENV_CONFIG}); "
            f"`clausewatch init FOLDER` writes FOLDER/{CONFIG_FILE_NAME}"
        )
    return path


def find_config_file(path: Path | None, env: Mapping[str, str], cwd: Path) -> Path:
    """The configuration file the command line reads: `path` (--config), $CLAUSEWATCH_CONFIG or
    ./clausewatch.toml. Raises ConfigError naming the file looked for when there is none."""
    found = _locate(path, env, cwd.absolute())
    if found is None:
        raise ConfigError(
            f"{cwd.absolute() / CONFIG_FILE_NAME}: no configuration file here; run "
            "`clausewatch init` to write one, or pass --config PATH (or set "
            f"{ENV_CONFIG})"
        )
    return found


def _label(path: Path, cwd: Path) -> str:
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


def _load(
    path: Path | None, env: Mapping[str, str], cwd: Path
) -> tuple[Settings, list[ConfigProblem]]:
    cwd = cwd.absolute()
    found = _locate(path, env, cwd)
    if found is None:
        problems = _Problems(f"(defaults in {cwd})")
        return _build({}, None, cwd, env, problems), problems.problems
    label = _label(found, cwd)
    try:
        data = tomllib.loads(found.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{label}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: invalid TOML: {exc}") from exc
    problems = _Problems(label)
    return _build(data, found, found.parent, env, problems), problems.problems


def load_settings(path: Path | None, env: Mapping[str, str], cwd: Path) -> Settings:
    """Settings from the config file (see `_locate`) and env. Raises ConfigError on any problem."""
    settings, problems = _load(path, env, cwd)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ConfigError(f"{problems[0]}{more}")
    return settings


def config_problems(path: Path | None, env: Mapping[str, str], cwd: Path) -> list[ConfigProblem]:
    """Every problem in the configuration (empty when it is valid)."""
    try:
        return _load(path, env, cwd)[1]
    except ConfigError as exc:
        return [ConfigProblem(None, None, str(exc))]


def validate_config(path: Path | None, env: Mapping[str, str], cwd: Path) -> list[str]:
    """Every problem in the configuration, one line each (empty when it is valid)."""
    return [str(p) for p in config_problems(path, env, cwd)]


def write_default_config(folder: Path) -> Path:
    """Write a commented `clausewatch.toml` and an empty `declarations/`; never overwrites."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / CONFIG_FILE_NAME
    try:
        with target.open("x", encoding="utf-8") as fh:  # "x": fail instead of overwriting
            fh.write(DEFAULT_CONFIG_TEXT)
    except FileExistsError as exc:
        raise ConfigError(f"{target}: already exists; not overwriting it") from exc
    (folder / "declarations").mkdir(exist_ok=True)
    return target


DEFAULT_CONFIG_TEXT = f"""\
# ClauseWatch configuration.
# Relative paths are resolved against the folder that holds this file.
# Unknown keys and bad values are reported (file + key) before anything is fetched.
#
# Secrets never go in this file. Set them in the environment instead:
#   {ENV_SMTP_PASSWORD}   password for the SMTP server
#   {ENV_DATABASE_URL}    database URL (overrides database_url; use it when the URL has a password)
#   {ENV_CONFIG}          path of this file, when it is not ./clausewatch.toml
#   and any variable named as ${{NAME}} in [notify] urls (a webhook token)

# Where the database, the site and other working data live.
data_dir = "data"
# The evidence archive: immutable raw captures (never rewritten).
snapshots_dir = "snapshots"
# archive = "database" keeps the raw captures in the database instead (content-addressed, sha256
# checked on every read): what several workers on several machines need (docs/scaling.md).
# archive = "folder"
# Open Terms Archive declarations: one <service id>.json per service.
declarations_dir = "declarations"
# SQLAlchemy URL. Default: SQLite in <data_dir>/clausewatch.sqlite3.
# PostgreSQL example (put it in {ENV_DATABASE_URL} when it carries a password):
# database_url = "postgresql+psycopg://clausewatch@localhost/clausewatch"

# Who receives operational alerts (a document failing repeatedly, an address or notification
# channel that refuses a message for good, a stored text or archived file failing its sha256).
operators = []
# Consecutive failed checks before a document is reported as failing.
failure_threshold = 3
# When documents are checked (5-field cron, UTC): minute hour day-of-month month day-of-week.
default_schedule = "0 6 * * *"
# Random delay (seconds) added to each scheduled check so hosts are not hit all at once.
jitter_seconds = 300
# Processes that analyse new texts during a check: "auto" = one per core but the checker's own,
# on 3 cores or more, when a run has many documents without a version; 0 = in the checker only.
analysis_workers = "auto"

[fetch]
# Sent with every request so site owners can identify the monitor.
user_agent = "{DEFAULT_USER_AGENT}"
# Seconds to wait for a connection, then for the response.
connect_timeout = 10.0
read_timeout = 30.0
# Accept-Language header (services can override it with `locale`).
accept_language = "en-US,en;q=0.8"
# Minimum seconds between two requests to the same host.
per_host_delay = 1.0
# Largest response accepted, in bytes.
max_bytes = {10 * 1024 * 1024}
max_redirects = 5
# Retries of transient failures (timeouts, 5xx) with exponential backoff starting at `backoff` s.
retries = 2
backoff = 1.0
# Documents fetched in parallel.
max_workers = 8
# Headless browser for pages that need JavaScript (executeClientScripts):
# "auto" = only when a declaration asks for it, "never", or "always".
browser = "auto"
# Path of the Chromium binary; unset = let Playwright find one.
# chromium_path = "/usr/bin/chromium"
# Seconds one fetch may take in all (connection, redirects, body, retries): a server that sends
# one byte at a time never trips the read timeout, so this is what stops it.
deadline = 120.0
# Private, loopback, link-local (cloud metadata) and unique-local addresses are refused for every
# request, redirect and browser request. List here the addresses or networks you do mean to watch
# (an intranet), e.g. allow_private = ["10.1.2.3", "192.168.0.0/16", "127.0.0.1", "::1"].
allow_private = []

# Per-service overrides, keyed by service id (the declaration file name without .json).
[services]
# [services."Claude.ai"]
# schedule = "30 */6 * * *"
# locale = "fr-FR,fr;q=0.8"
# headers = {{ Cookie = "consent=1" }}
# A capture that ends on another host than the declared one (after redirects) is a failed
# capture; list the hosts this service may legitimately redirect to ("www." is always accepted).
# allowed_hosts = ["legal.example-group.com"]

[smtp]
# smtp://host:port (optionally with starttls = true) or smtps://host:port (TLS from the start).
url = "smtp://127.0.0.1:25"
# The sender address (`from_addr` is accepted too, but not both).
from = "clausewatch@localhost"
# Login name, if the server needs one; the password comes from {ENV_SMTP_PASSWORD}.
# username = "clausewatch"
starttls = false
timeout = 30.0

# Subscription plans. Add your own with [plans.NAME].
[plans.free]
max_platforms = 1
same_day_alerts = false
weekly_digest = true

[plans.watcher]
max_platforms = 10
same_day_alerts = true
weekly_digest = true

[notify]
# Chat and webhook channels that hear of every substantive change (one message per check run),
# besides the subscribers' e-mail. Apprise URLs (slack://, msteams://, matrix://, json://, ...) or a
# plain https:// URL that receives ClauseWatch's JSON body (docs/json.md). Keep tokens out of this
# file: "${{NAME}}" is replaced by the environment variable NAME.
# Example: urls = ["slack://${{SLACK_TOKENS}}/#legal", "https://hooks.example.org/cw/${{HOOK_KEY}}"]
urls = []
# Only changes at or above this exposure: low, medium or high.
min_exposure = "low"

[site]
# Where the weekly digest site is written. Default: <data_dir>/site.
# output_dir = "data/site"
# Public address of the site, used for links in e-mails and feeds.
base_url = "http://127.0.0.1:8000/"
"""
