"""A small threaded HTTP server on a loopback port, serving pages held in memory.

Used by `make demo` (the synthetic provider pages) and by the benchmarks. It speaks HTTP/1.1 with
keep-alive, ETag and Last-Modified, so conditional GETs behave as they do against real sites.
"""

from __future__ import annotations

import hashlib
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class PageServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.pages: dict[str, tuple[bytes, str, str, str]] = {}  # path -> body, type, etag, lastmod
        self._lock = threading.Lock()
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                with server._lock:
                    server.requests += 1
                    page = server.pages.get(self.path.split("?", 1)[0])
                if page is None:
                    body = b"<html><body><h1>404 Not Found</h1></body></html>"
                    self._send(404, body, "text/html; charset=utf-8", {})
                    return
                body, ctype, etag, lastmod = page
                if self.headers.get("If-None-Match") == etag:
                    self._send(304, b"", ctype, {"ETag": etag, "Last-Modified": lastmod})
                    return
                self._send(200, body, ctype, {"ETag": etag, "Last-Modified": lastmod})

            def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def put(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        with self._lock:
            self.pages[path] = (body, content_type, etag, formatdate(usegmt=True))

    def __enter__(self) -> PageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
