"""Site commands: `site build [OUTPUT]` and `serve [--port N]`."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from monitor.cli import App, err, handle_errors, main, out, print_json, progress_report


@main.group()
def site() -> None:
    """The static site: weekly digests, platform and category pages, Atom feeds."""


@site.command("build")
@click.argument("output", type=click.Path(path_type=Path), required=False)
@click.option("--json", "as_json", is_flag=True, help="What was built, as JSON.")
@click.pass_obj
@handle_errors
def build(app: App, output: Path | None, as_json: bool) -> None:
    """Build the site into OUTPUT (default: [site] output_dir, i.e. <data_dir>/site)."""
    from monitor.publish.site import build_site
    from monitor.store.queries import iso

    store = app.existing_store
    with progress_report("site build"):
        result = build_site(app.settings, store, output_dir=output)
    if as_json:
        print_json(
            {
                "output_dir": str(result.output_dir),
                "index": str(result.index),
                "pages": result.pages,
                "files": result.files,
                "changes": result.changes,
                "generated_at": iso(result.generated_at),
            }
        )
        return
    out.print(
        f"built {result.pages} pages ({result.files} files, {result.changes} changes) "
        f"in {result.output_dir}",
        markup=False,
    )
    out.print(f"open {result.index}", markup=False)


@main.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder to serve (default: [site] output_dir).",
)
@click.pass_obj
@handle_errors
def serve(app: App, port: int, directory: Path | None) -> None:
    """Preview the built site on http://127.0.0.1:PORT/ (loopback only; Ctrl-C stops)."""
    root = (directory or app.settings.site.output_dir).absolute()
    if not (root / "index.html").is_file():
        err.print(f"error: {root}: no site here; run `clausewatch site build` first", markup=False)
        sys.exit(2)
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer  # only for `serve`

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root))
    try:
        httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        err.print(f"error: cannot listen on 127.0.0.1:{port}: {exc.strerror}", markup=False)
        sys.exit(1)
    host, real_port = httpd.server_address[:2]
    out.print(f"serving {root} on http://{host!s}:{real_port}/ (Ctrl-C to stop)", markup=False)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
