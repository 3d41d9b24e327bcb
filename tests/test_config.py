"""Settings from clausewatch.toml + an environment mapping: defaults, overrides, errors, init."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from monitor import __version__
from monitor.config import (
    DEFAULT_CONFIG_TEXT,
    FetchSettings,
    PlanSettings,
    Settings,
    check_cron,
    load_settings,
    validate_config,
    write_default_config,
)
from monitor.errors import ConfigError


def _config(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "clausewatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- defaults and lookup


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(None, {}, tmp_path)
    assert settings.config_path is None
    assert settings.root == tmp_path
    assert settings.data_dir == tmp_path / "data"
    assert settings.snapshots_dir == tmp_path / "snapshots"
    assert settings.declarations_dir == tmp_path / "declarations"
    assert settings.database_url == f"sqlite:///{tmp_path}/data/clausewatch.sqlite3"
    assert settings.site.output_dir == tmp_path / "data" / "site"
    assert settings.site.base_url == "http://127.0.0.1:8000/"
    assert settings.fetch == FetchSettings()
    assert settings.fetch.user_agent.startswith(f"ClauseWatch/{__version__} (+https://")
    assert settings.fetch.max_bytes == 10 * 1024 * 1024 and settings.fetch.browser == "auto"
    assert settings.smtp.url == "smtp://127.0.0.1:25" and settings.smtp.password is None
    assert settings.plans == {
        "free": PlanSettings("free", 1, same_day_alerts=False, weekly_digest=True),
        "watcher": PlanSettings("watcher", 10, same_day_alerts=True, weekly_digest=True),
    }
    assert (settings.failure_threshold, settings.default_schedule, settings.jitter_seconds) == (
        3,
        "0 6 * * *",
        300,
    )
    assert settings.operators == [] and settings.services == {}
    assert settings.analysis_workers is None  # "auto"
    assert settings == Settings(root=tmp_path)


def test_file_in_cwd_is_found(tmp_path: Path) -> None:
    path = _config(tmp_path, "failure_threshold = 5\n")
    settings = load_settings(None, {}, tmp_path)
    assert settings.config_path == path and settings.failure_threshold == 5


def test_env_config_path_wins_over_cwd(tmp_path: Path) -> None:
    _config(tmp_path, "failure_threshold = 5\n")
    other = _config(tmp_path / "elsewhere", "failure_threshold = 7\n")
    settings = load_settings(None, {"CLAUSEWATCH_CONFIG": str(other)}, tmp_path)
    assert settings.config_path == other and settings.failure_threshold == 7
    assert settings.root == other.parent


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml", {}, tmp_path)
    with pytest.raises(ConfigError, match="not found"):
        load_settings(None, {"CLAUSEWATCH_CONFIG": "nope.toml"}, tmp_path)


# ---------------------------------------------------------------- overrides


FULL = """
data_dir = "var"
snapshots_dir = "/srv/evidence"
declarations_dir = "decls"
operators = ["ops@example.com", "legal@localhost"]
failure_threshold = 4
default_schedule = "15 */4 * * 1-5"
jitter_seconds = 0
analysis_workers = 3

[fetch]
user_agent = "TestAgent/1"
connect_timeout = 3
read_timeout = 12.5
per_host_delay = 0
max_bytes = 1000
retries = 0
max_workers = 2
browser = "never"
chromium_path = "/usr/bin/chromium"

[services."Claude.ai"]
schedule = "0 * * * *"
locale = "fr-FR"
headers = { Cookie = "consent=1" }

[smtp]
url = "smtps://mail.example.com:465"
from_addr = "alerts@example.com"
username = "alerts"
timeout = 5

[plans.watcher]
max_platforms = 25

[plans.team]
max_platforms = 100
same_day_alerts = true

[site]
output_dir = "public"
base_url = "https://terms.example.com/watch"
"""


def test_overrides_and_relative_paths(tmp_path: Path) -> None:
    cwd = tmp_path / "somewhere"
    cwd.mkdir()
    path = _config(tmp_path / "conf", FULL)
    settings = load_settings(path, {"CLAUSEWATCH_SMTP_PASSWORD": "s3cret"}, cwd)
    root = tmp_path / "conf"
    assert settings.root == root
    assert settings.data_dir == root / "var"  # relative to the file, not the cwd
    assert settings.snapshots_dir == Path("/srv/evidence")
    assert settings.declarations_dir == root / "decls"
    assert settings.database_url == f"sqlite:///{root}/var/clausewatch.sqlite3"
    assert settings.site.output_dir == root / "public"
    assert settings.site.base_url == "https://terms.example.com/watch/"
    assert settings.fetch.connect_timeout == 3.0 and isinstance(
        settings.fetch.connect_timeout, float
    )
    assert (settings.fetch.read_timeout, settings.fetch.max_bytes) == (12.5, 1000)
    assert settings.fetch.browser == "never" and settings.fetch.chromium_path == "/usr/bin/chromium"
    assert settings.fetch.accept_language == "en-US,en;q=0.8"  # untouched keys keep defaults
    claude = settings.services["Claude.ai"]
    assert (claude.schedule, claude.locale, claude.headers) == (
        "0 * * * *",
        "fr-FR",
        {"Cookie": "consent=1"},
    )
    assert settings.schedule_for("Claude.ai") == "0 * * * *"
    assert settings.schedule_for("Other") == "15 */4 * * 1-5"
    assert settings.smtp.password == "s3cret" and "s3cret" not in repr(settings)
    assert settings.smtp.username == "alerts"
    assert settings.plans["watcher"] == PlanSettings("watcher", 25, True, True)
    assert settings.plans["team"] == PlanSettings("team", 100, True, True)
    assert settings.plans["free"].max_platforms == 1
    assert settings.operators == ["ops@example.com", "legal@localhost"]
    assert settings.analysis_workers == 3


def test_env_database_url_overrides_file(tmp_path: Path) -> None:
    _config(tmp_path, 'database_url = "sqlite:///db/file.sqlite3"\n')
    assert load_settings(None, {}, tmp_path).database_url == f"sqlite:///{tmp_path}/db/file.sqlite3"
    url = "postgresql+psycopg://cw:pw@db.internal/cw"
    settings = load_settings(None, {"CLAUSEWATCH_DATABASE_URL": url}, tmp_path)
    assert settings.database_url == url
    memory = load_settings(None, {"CLAUSEWATCH_DATABASE_URL": "sqlite:///:memory:"}, tmp_path)
    assert memory.database_url == "sqlite:///:memory:"


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[fetch]\nread_timeout = "abc"\n', "fetch.read_timeout: expected a number, got 'abc'"),
        ("[fetch]\nread_timeout = 0\n", "fetch.read_timeout: must be greater than 0"),
        ("[fetch]\nretries = 1.5\n", "fetch.retries: expected an integer, got 1.5"),
        ("[fetch]\nmax_workers = true\n", "fetch.max_workers: expected an integer, got True"),
        ('[fetch]\nbrowser = "sometimes"\n', "fetch.browser: expected one of auto, never, always"),
        ("[fetch]\ntimeout = 3\n", "fetch.timeout: unknown key"),
        (
            '[fetch]\nallow_private = ["intranet"]\n',
            "fetch.allow_private[0]: 'intranet' is not an IP",
        ),
        ('[fetch]\nallow_private = "127.0.0.1"\n', "fetch.allow_private: expected an array"),
        ("[fetch]\ndeadline = 0\n", "fetch.deadline: must be greater than 0"),
        ("[services.X]\nallowed_hosts = ['https://x.org/']\n", "services.X.allowed_hosts[0]: "),
        ("colour = 1\n", "colour: unknown key"),
        ("[services.X]\nscheduel = '0 6 * * *'\n", "services.X.scheduel: unknown key"),
        ("[site]\nbase_url = 'ftp://x'\n", "site.base_url: expected an http(s) URL"),
        ('default_schedule = "0 6 * *"\n', "default_schedule: expected a 5-field cron"),
        ('default_schedule = "0 25 * * *"\n', "default_schedule: invalid cron expression"),
        ("[services.X]\nschedule = '61 * * * *'\n", "services.X.schedule: invalid cron"),
        ("[services.X]\nheaders = { 'Bad Name' = 'v' }\n", "services.X.headers.Bad Name: invalid"),
        ('operators = ["not-an-email"]\n', "operators[0]: not an e-mail address"),
        ('operators = "ops@example.com"\n', "operators: expected an array"),
        ('[smtp]\nurl = "http://mail"\n', "smtp.url: expected smtp://"),
        ('[smtp]\nurl = "smtp://u:pw@mail"\n', "smtp.url: put the password in"),
        ('[smtp]\nfrom_addr = "nobody"\n', "smtp.from_addr: not an e-mail address"),
        ('[smtp]\nurl = "smtps://m:465"\nstarttls = true\n', "smtp.starttls: smtps://"),
        ("[plans.gold]\nmax_platforms = 0\n", "plans.gold.max_platforms: must be at least 1"),
        ("[plans.gold]\nalerts = true\n", "plans.gold.alerts: unknown key"),
        ('fetch = "x"\n', "fetch: expected a table"),
        ("failure_threshold = 0\n", "failure_threshold: must be at least 1"),
        ('analysis_workers = "many"\n', 'analysis_workers: expected "auto" or an integer >= 0'),
        ("analysis_workers = -1\n", 'analysis_workers: expected "auto" or an integer >= 0'),
        ('[fetch]\nuser_agent = "a\\r\\nX-Evil: 1"\n', "fetch.user_agent: must be a single line"),
        ("[services.X]\nlocale = ''\n", "services.X.locale: must not be empty"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    _config(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_settings(None, {}, tmp_path)
    message = str(exc.value)
    assert message.startswith(f"clausewatch.toml: {expected}"), message
    assert "\n" not in message


def test_smtp_from_is_accepted_like_from_addr(tmp_path: Path) -> None:
    _config(tmp_path, '[smtp]\nfrom = "alerts@example.com"\n')
    assert load_settings(None, {}, tmp_path).smtp.from_addr == "alerts@example.com"
    _config(tmp_path, '[smtp]\nfrom_addr = "legacy@example.com"\n')
    assert load_settings(None, {}, tmp_path).smtp.from_addr == "legacy@example.com"
    _config(tmp_path, '[smtp]\nfrom = "nobody"\n')
    with pytest.raises(ConfigError, match=r"^clausewatch.toml: smtp.from: not an e-mail address"):
        load_settings(None, {}, tmp_path)


def test_smtp_from_and_from_addr_together_is_one_clear_error(tmp_path: Path) -> None:
    _config(tmp_path, '[smtp]\nfrom = "a@example.com"\nfrom_addr = "b@example.com"\n')
    problems = validate_config(None, {}, tmp_path)
    assert len(problems) == 1 and "\n" not in problems[0]
    assert problems[0].startswith("clausewatch.toml: smtp.from: ")
    assert "`from`" in problems[0] and "`from_addr`" in problems[0]


def test_find_config_file_names_the_file_and_init(tmp_path: Path) -> None:
    from monitor.config import find_config_file

    with pytest.raises(ConfigError) as exc:
        find_config_file(None, {}, tmp_path)
    message = str(exc.value)
    assert str(tmp_path / "clausewatch.toml") in message
    assert "clausewatch init" in message and "--config" in message
    assert "\n" not in message
    path = _config(tmp_path, "")
    assert find_config_file(None, {}, tmp_path) == path
    with pytest.raises(ConfigError, match="not found.*clausewatch init"):
        find_config_file(tmp_path / "other.toml", {}, tmp_path)


def test_password_in_toml_is_refused(tmp_path: Path) -> None:
    _config(tmp_path, '[smtp]\npassword = "hunter2"\n')
    with pytest.raises(ConfigError) as exc:
        load_settings(None, {}, tmp_path)
    assert str(exc.value).startswith("clausewatch.toml: smtp.password: ")
    assert "CLAUSEWATCH_SMTP_PASSWORD" in str(exc.value) and "hunter2" not in str(exc.value)


def test_invalid_toml_is_one_line(tmp_path: Path) -> None:
    _config(tmp_path, "[fetch\nretries = 1\n")
    with pytest.raises(ConfigError, match=r"^clausewatch.toml: invalid TOML: .*line 1"):
        load_settings(None, {}, tmp_path)


def test_validate_config_collects_every_problem(tmp_path: Path) -> None:
    _config(tmp_path, 'colour = 1\n[fetch]\nread_timeout = "abc"\n[smtp]\npassword = "x"\n')
    problems = validate_config(None, {}, tmp_path)
    assert len(problems) == 3
    assert all(p.startswith("clausewatch.toml: ") for p in problems)
    with pytest.raises(ConfigError, match=r"\(and 2 more problems\)$"):
        load_settings(None, {}, tmp_path)
    assert "not found" in validate_config(tmp_path / "missing.toml", {}, tmp_path)[0]
    _config(tmp_path, "")
    assert validate_config(None, {}, tmp_path) == []


def test_check_cron() -> None:
    assert check_cron("*/5 * * * *") is None
    assert check_cron("0 6 * * mon-fri") is None
    assert check_cron("0 6 * * * *") is not None


# ---------------------------------------------------------------- init


def test_default_config_round_trip(tmp_path: Path) -> None:
    path = write_default_config(tmp_path)
    assert path == tmp_path / "clausewatch.toml"
    assert (tmp_path / "declarations").is_dir()
    assert list((tmp_path / "declarations").iterdir()) == []
    settings = load_settings(None, {}, tmp_path)
    assert settings == Settings(config_path=path, root=tmp_path)
    text = path.read_text()
    for section in ("[fetch]", "[services]", "[smtp]", "[plans.free]", "[plans.watcher]", "[site]"):
        assert section in text
    assert "CLAUSEWATCH_SMTP_PASSWORD" in text and "CLAUSEWATCH_DATABASE_URL" in text


def test_default_config_refuses_to_overwrite(tmp_path: Path) -> None:
    path = _config(tmp_path, "# mine\n")
    with pytest.raises(ConfigError, match="already exists"):
        write_default_config(tmp_path)
    assert path.read_text() == "# mine\n"


def test_default_config_examples_are_valid(tmp_path: Path) -> None:
    # Uncommenting the commented-out examples must still give a valid file.
    lines = []
    for line in DEFAULT_CONFIG_TEXT.splitlines():
        candidate = line[2:] if line.startswith("# ") else None
        if candidate and ("=" in candidate or candidate.startswith("[services.")):
            try:
                tomllib.loads(candidate if "=" in candidate else "")
            except tomllib.TOMLDecodeError:
                lines.append(line)
                continue
            line = candidate
        lines.append(line)
    _config(tmp_path, "\n".join(lines) + "\n")
    settings = load_settings(None, {}, tmp_path)
    assert settings.services["Claude.ai"].headers == {"Cookie": "consent=1"}
    assert settings.smtp.username == "clausewatch"
    assert settings.database_url.startswith("postgresql+psycopg://")


# ---------------------------------------------------------------- [notify]


def test_notify_urls_with_environment_references(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        '[notify]\nurls = ["https://hooks.example.org/cw/${HOOK_KEY}", '
        '"json://127.0.0.1:9/feed", "json://127.0.0.1:9/feed"]\nmin_exposure = "medium"\n',
    )
    settings = load_settings(path, {"HOOK_KEY": "k3y-value"}, tmp_path)
    assert settings.notify.urls == [
        "https://hooks.example.org/cw/k3y-value",
        "json://127.0.0.1:9/feed",
    ]
    assert settings.notify.min_exposure == "medium"
    assert "k3y-value" not in repr(settings)
    assert load_settings(None, {}, tmp_path / "empty").notify.urls == []


def test_notify_problems_name_the_key_and_never_the_url(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        '[notify]\nurls = ["nope://t0ps3cret", "${MISSING}", "noscheme", 3]\n'
        'min_exposure = "extreme"\nurl = "x"\n',
    )
    problems = validate_config(path, {}, tmp_path)
    assert any(
        p.startswith("clausewatch.toml: notify.urls[0]: not a URL Apprise") for p in problems
    )
    assert "clausewatch.toml: notify.urls[1]: ${MISSING} not set in the environment" in problems
    assert any(
        p.startswith("clausewatch.toml: notify.urls[2]: expected an Apprise URL") for p in problems
    )
    assert "clausewatch.toml: notify.urls[3]: expected a string" in problems
    assert any(
        p.startswith("clausewatch.toml: notify.min_exposure: expected one of") for p in problems
    )
    assert any(p.startswith("clausewatch.toml: notify.url: unknown key") for p in problems)
    assert not any("t0ps3cret" in p for p in problems)


def test_fetch_guard_and_redirect_hosts_are_read(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        '[fetch]\nallow_private = ["127.0.0.1", "10.0.0.0/8"]\ndeadline = 45\n'
        '[services.Acme]\nallowed_hosts = ["Legal.Acme-Group.com"]\n',
    )
    settings = load_settings(path, {}, tmp_path)
    assert settings.fetch.allow_private == ["127.0.0.1", "10.0.0.0/8"]
    assert settings.fetch.deadline == 45.0
    assert settings.service("Acme").allowed_hosts == ["legal.acme-group.com"]
    assert (
        load_settings(None, {}, tmp_path / "none").fetch.allow_private == []
    )  # refused by default
