"""`make demo`: a self-contained run against synthetic provider pages on a loopback port.

Serves the bundled pages, runs a check pass, publishes a changed version of one provider's terms,
runs again, and shows what was archived and what changed. Needs no internet.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from importlib import resources
from pathlib import Path

from monitor.capture.declarations import write_declaration
from monitor.demo.localserver import PageServer

DEMO_DIR = Path("demo-output")

# service id -> (name, {terms type: (path on the demo server, page file)})
SERVICES: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "Framecast": (
        "Framecast",
        {
            "Terms of Service": ("/framecast/terms", "framecast_terms_v1.html"),
            "Privacy Policy": ("/framecast/privacy", "framecast_privacy.html"),
        },
    ),
    "Parley": (
        "Parley",
        {
            "Terms of Service": ("/parley/terms", "parley_terms.html"),
            "Acceptable Use Policy": ("/parley/usage-policy", "parley_usage_policy.html"),
        },
    ),
    "Tillpoint": (
        "Tillpoint",
        {
            "Terms of Service": ("/tillpoint/terms", "tillpoint_terms.html"),
            "Pricing": ("/tillpoint/pricing", "tillpoint_pricing.html"),
        },
    ),
}
SELECT = ["main#terms, article.legal"]
REMOVE = ["nav", "footer", ".cookie-banner"]


def page(name: str) -> bytes:
    return resources.files("monitor.demo").joinpath("pages", name).read_bytes()


def write_config(folder: Path) -> Path:
    config = folder / "clausewatch.toml"
    config.write_text(
        "# Demo configuration written by `make demo`.\n"
        'data_dir = "data"\n'
        'snapshots_dir = "snapshots"\n'
        'declarations_dir = "declarations"\n\n'
        "[fetch]\n"
        "per_host_delay = 0.0\n"
        'browser = "never"\n'
        "# the demo's pages are served on loopback, which is refused unless listed here\n"
        'allow_private = ["127.0.0.1", "::1"]\n',
        encoding="utf-8",
    )
    return config


def write_declarations(folder: Path, base_url: str) -> None:
    for service_id, (name, terms) in SERVICES.items():
        write_declaration(
            folder,
            service_id,
            name,
            {
                terms_type: {"fetch": base_url + path, "select": SELECT, "remove": REMOVE}
                for terms_type, (path, _file) in terms.items()
            },
        )


def shown_path(path: Path) -> str:
    """A path as the demo prints it: relative to the current folder when it is inside it."""
    path = path.absolute()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def cli_program() -> str:
    """How this shell reaches the CLI: `clausewatch` when that is on PATH (an activated or
    installed environment), else the script next to this interpreter (`.venv/bin/clausewatch`)."""
    script = Path(sys.executable).parent / "clausewatch"
    on_path = shutil.which("clausewatch")
    if not script.exists() or (on_path and Path(on_path).resolve() == script.resolve()):
        return "clausewatch"
    return shown_path(script)


def command_line(config: Path, *args: str, stdout: Path | None = None) -> str:
    """The command as a user pastes it: shell-quoted, with the --config the demo uses."""
    line = shlex.join([cli_program(), "--config", shown_path(config), *args])
    return line + (f" > {shlex.quote(shown_path(stdout))}" if stdout else "")


def run_cli(config: Path, *args: str, echo: bool = True) -> int:
    """Run a clausewatch command in-process, echoing it the way a user would type it."""
    from monitor.cli import main

    if echo:
        print(f"\n$ {command_line(config, *args)}", flush=True)
    try:
        main(["--config", str(config), *args], prog_name="clausewatch", standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def show_archive(root: Path) -> None:
    print(f"\nEvidence archive ({root}/):")
    for path in sorted(root.rglob("*")):
        if path.is_file():
            print(f"  {path.relative_to(root)}  ({path.stat().st_size:,} bytes)")


def main() -> int:
    if DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)
    (DEMO_DIR / "declarations").mkdir(parents=True)
    config = write_config(DEMO_DIR).resolve()
    with PageServer() as server:
        for _sid, (_name, terms) in SERVICES.items():
            for path, file in terms.values():
                server.put(path, page(file))
        write_declarations(DEMO_DIR / "declarations", server.base_url)
        print(f"Serving the synthetic provider pages at {server.base_url}")
        run_cli(config, "validate")

        print("\n== First pass: everything is new ==")
        run_cli(config, "check")

        print("\n== Framecast publishes new terms (concurrency, credits, notice, training) ==")
        server.put("/framecast/terms", page("framecast_terms_v2.html"))
        status = run_cli(config, "check")

        run_cli(config, "history", "Framecast", "Terms of Service")
        run_cli(config, "changes", "--service", "Framecast")
        summary = DEMO_DIR / "change-summary.md"
        run_cli_to_file(
            config, summary, "diff", "Framecast", "Terms of Service", "--format", "markdown"
        )
        run_cli(config, "diff", "Framecast", "Terms of Service")
        run_cli(config, "compare", "concurrency_limit")
        show_alert(config)
        run_cli(config, "site", "build")
    show_archive(DEMO_DIR / "snapshots")
    print("\nWhat to open:")
    print(f"  change summary (Markdown): {summary}")
    print(f"  alert e-mail as received over SMTP: {DEMO_DIR / 'alert.eml'}")
    print(f"  static site: {DEMO_DIR / 'data' / 'site' / 'index.html'}")
    print(f"Everything is in {DEMO_DIR.resolve()}/ (configuration, archive, database).")
    return status


def run_cli_to_file(config: Path, target: Path, *args: str) -> None:
    """Run a command with its standard output captured into `target` (echoed with `> target`)."""
    import contextlib
    import io

    print(f"\n$ {command_line(config, *args, stdout=target)}", flush=True)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        run_cli(config, *args, echo=False)
    target.write_text(buffer.getvalue(), encoding="utf-8")


def show_alert(config: Path) -> None:
    """Subscribe a demo address, deliver the alert over a local SMTP server, keep the .eml."""
    from monitor.demo.alerts import run_demo_alerts

    print("\n== Same-day alert: a local SMTP server receives the e-mail ==")
    info = run_demo_alerts(config, None, DEMO_DIR / "alert.eml")
    print(f"subscribed {info['subscriber']} (plan watcher); delivered over SMTP:")
    print(f"  Subject: {info['subject']}")
    print(f"  saved as {info['file']}")


if __name__ == "__main__":
    sys.exit(main())
