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
