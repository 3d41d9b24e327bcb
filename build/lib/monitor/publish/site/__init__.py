"""The static site: home, weekly digests, platforms, documents, changes, categories, Atom feeds.

    build_site(settings, store, output_dir=None, now=None) -> SiteBuild

Pages are plain semantic HTML with one small stylesheet, no scripts and no external requests,
relative links only (the folder works from any web server path and from file://). The build is
atomic: everything is written into a temporary folder next to the output, which then replaces the
previous site with two renames, so readers never see a half-written site.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.errors import ClauseWatchError
from monitor.publish.site.model import load_model
from monitor.publish.site.pages import SiteWriter, environment
from monitor.publish.site.paths import SitePaths, iso_week, slugify, week_bounds

__all__ = ["SiteBuild", "SitePaths", "build_site", "iso_week", "slugify", "week_bounds"]


class SiteError(ClauseWatchError):
    """The site could not be written (the previous site is left in place)."""


@dataclass
class SiteBuild:
    output_dir: Path
    pages: int  # HTML pages written
    files: int  # every file written (pages, feeds, stylesheet)
    changes: int  # change pages
    generated_at: datetime

    @property
    def index(self) -> Path:
        return self.output_dir / "index.html"


def build_site(
    settings: Any,
    store: Any,
    output_dir: Path | None = None,
    now: datetime | None = None,
) -> SiteBuild:
    """Render the whole site from the store into output_dir (default: settings.site.output_dir).

    `now` (naive UTC; default: the current time) dates the build and decides which weeks are
    complete. Raises SiteError when the output folder cannot be written.
    """
    out = Path(output_dir or settings.site.output_dir).absolute()
    if now is None:
        now = datetime.now(UTC).replace(tzinfo=None)
    elif now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    with store.session() as s:
        model = load_model(s, now)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(out)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
    except OSError as exc:
        raise SiteError(f"{out}: cannot create the site folder: {exc}") from exc
    try:
        writer = SiteWriter(model, tmp, settings.site.base_url, environment())
        written = writer.build()
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; a web server must be able to read it
        _swap(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise SiteError(f"{out}: cannot write the site: {exc}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return SiteBuild(
        output_dir=out,
        pages=sum(1 for p in written if p.endswith(".html")),
        files=len(written),
        changes=len(model.changes),
        generated_at=now,
    )


def _remove_stale(out: Path, max_age: float = 3600.0) -> None:
    """Delete temporary folders that a killed build left next to the output (older than an hour)."""
    now = time.time()
    for pattern in (f".{out.name}.build-*", f".{out.name}.old-*"):
        for path in out.parent.glob(pattern):
            try:
                if path.is_dir() and now - path.stat().st_mtime > max_age:
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                continue


def _swap(new: Path, out: Path) -> None:
    """Replace `out` by `new`: rename the old site aside, move the new one in, delete the old."""
    if not out.exists():
        new.rename(out)
        return
    if not out.is_dir():
        raise OSError(f"{out} exists and is not a folder")
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    out.rename(old)
    try:
        new.rename(out)
    except OSError:
        old.rename(out)  # put the previous site back
        raise
    shutil.rmtree(old, ignore_errors=True)
