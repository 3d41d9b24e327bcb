"""`pip install .` gives a working product: the wheel carries its templates, data and demo pages.

The wheel is built from the project's tracked files, installed into a fresh virtualenv (its
dependencies are borrowed from the test environment, so nothing is downloaded), and the demo runs
there from an empty folder: a check against loopback pages, an alert e-mail delivered to a local
SMTP server, a change summary and the static site, all rendered from the installed templates.
"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# the installed copy only: no checkout on the path of the child processes
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}

pytestmark = pytest.mark.slow


def tracked_copy(target: Path) -> Path:
    """The files a clean clone has (what CI and a user build from), copied to `target`."""
    files = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        src = ROOT / name.decode()
        dst = target / name.decode()
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            dst.symlink_to(src.readlink())
        elif src.is_file():
            shutil.copy2(src, dst)
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the project's wheel installed; returns its bin/ folder."""
    base = tmp_path_factory.mktemp("wheel")
    source = tracked_copy(base / "src")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(base / "dist"), str(source)],
        check=True, cwd=base,
    )  # fmt: skip
    wheels = list((base / "dist").glob("clausewatch-*.whl"))
    assert len(wheels) == 1
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bindir = env_dir / "bin"
    site = Path(
        subprocess.run(
            [str(bindir / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    # the dependencies of the test environment, after the venv's own packages
    (site / "borrowed-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        # --ignore-installed: the borrowed folder holds the checkout's editable install, which
        # must neither satisfy this requirement nor be uninstalled
        [sys.executable, "-m", "pip", "--python", str(bindir / "python"), "install", "--quiet",
         "--no-deps", "--no-index", "--ignore-installed", str(wheels[0])],
        check=True, env=CLEAN_ENV,
    )  # fmt: skip
    return bindir


def test_the_wheel_holds_templates_data_and_demo_pages(installed: Path) -> None:
    probe = (
        "import monitor, pathlib; p = pathlib.Path(monitor.__file__).parent; "
        "print(p); print(sorted(x.name for x in (p / 'templates').iterdir()))"
    )
    out = subprocess.run(
        [str(installed / "python"), "-c", probe], capture_output=True, text=True, check=True,
        cwd=installed, env=CLEAN_ENV,
    ).stdout.splitlines()  # fmt: skip
    assert out[0].startswith(str(installed.parent))  # the installed copy, not the checkout
    assert "email_alert.html.j2" in out[1] and "site" in out[1]


# Run by the installed interpreter: everything it imports comes from the wheel (and the borrowed
# dependencies); the commands are the installed `clausewatch` script.
FIRST_USE = r"""
import json, re, socket, subprocess, sys, threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

from monitor.capture.declarations import write_declaration
from monitor.demo.localserver import PageServer
from monitor.demo.run import REMOVE, SELECT, page

CLI = str(Path(sys.executable).parent / "clausewatch")
mails, hooks = [], []


class Sink:
    async def handle_DATA(self, server, session, envelope):
        mails.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        hooks.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def run(*args):
    done = subprocess.run([CLI, *args], capture_output=True, text=True)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


receiver = HTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=receiver.serve_forever, daemon=True).start()
with socket.socket() as probe:  # a free loopback port (aiosmtpd needs one chosen up front)
    probe.bind(("127.0.0.1", 0))
    smtp_port = probe.getsockname()[1]
smtp = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
smtp.start()
with PageServer() as pages:
    pages.put("/terms", page("framecast_terms_v1.html"))
    run("init")
    config = Path("clausewatch.toml")
    text = config.read_text()
    text = text.replace('url = "smtp://127.0.0.1:25"', f'url = "smtp://127.0.0.1:{smtp_port}"')
    hook = f"http://127.0.0.1:{receiver.server_port}/hook"
    text = re.sub(r"^urls = \[\]$", f'urls = ["{hook}"]', text, flags=re.M)
    text = text.replace("per_host_delay = 1.0", "per_host_delay = 0.0")
    text = text.replace("allow_private = []", 'allow_private = ["127.0.0.1"]')
    config.write_text(text)
    terms = {"fetch": pages.base_url + "/terms", "select": SELECT, "remove": REMOVE}
    write_declaration(Path("declarations"), "Framecast", "Framecast", {"Terms of Service": terms})
    run("validate")
    run("check")
    run("subscribe", "you@example.com", "--service", "Framecast")
    pages.put("/terms", page("framecast_terms_v2.html"))
    run("check")
    run("send")
    run("site", "build")
smtp.stop()
receiver.shutdown()
assert [to for to, _ in mails] == [["you@example.com"]], mails
assert hooks and hooks[0]["documents"][0]["service"] == "Framecast", hooks
assert next(Path(".").rglob("site/index.html"), None) is not None
print("first use: OK")
"""


def test_installed_first_use_checks_alerts_by_mail_and_webhook_and_builds_the_site(
    installed: Path, tmp_path: Path
) -> None:
    """init, check against a loopback page, an alert over SMTP and a JSON webhook, the site."""
    run = subprocess.run(
        [str(installed / "python"), "-c", FIRST_USE],
        capture_output=True, text=True, cwd=tmp_path, timeout=600, env=CLEAN_ENV,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "first use: OK" in run.stdout


def test_installed_demo_checks_alerts_summarises_and_builds_the_site(
    installed: Path, tmp_path: Path
) -> None:
    run = subprocess.run(
        [str(installed / "python"), "-m", "monitor.demo"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600, env=CLEAN_ENV,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "TemplateNotFound" not in run.stdout + run.stderr
    out = tmp_path / "demo-output"
    alert = email.message_from_bytes((out / "alert.eml").read_bytes())
    assert alert.get_content_type() == "multipart/alternative"
    assert "Framecast" in (out / "change-summary.md").read_text(encoding="utf-8")
    assert (out / "data" / "site" / "index.html").is_file()
    assert (out / "data" / "site" / "style.css").is_file()
