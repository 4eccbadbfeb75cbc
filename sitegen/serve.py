"""`sitegen serve`: build, serve the site on localhost, rebuild on change and reload the browser.

The reload script is added to HTML as it is served, never written into site/.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path
from typing import Any

from watchfiles import watch

from sitegen.build import run_build
from sitegen.errors import Diagnostics, SitegenError

RELOAD_PATH = "/__sitegen/reload.js"
VERSION_PATH = "/__sitegen/version"
RELOAD_SCRIPT = b"""(function () {
  var seen = null;
  function poll() {
    fetch("/__sitegen/version", { cache: "no-store" }).then(function (r) { return r.text(); }).then(function (v) {
      if (seen !== null && v !== seen) location.reload();
      seen = v;
    }).catch(function () {}).finally(function () { setTimeout(poll, 500); });
  }
  poll();
})();
"""


class Build:
    """The current build's number, bumped after each successful rebuild."""

    def __init__(self) -> None:
        self.version = 0
        self.lock = threading.Lock()


class Handler(http.server.SimpleHTTPRequestHandler):
    build: Build

    def __init__(self, *args: Any, build: Build, **kwargs: Any) -> None:
        self.build = build
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        if self.path == VERSION_PATH:
            self.respond(str(self.build.version).encode(), "text/plain")
        elif self.path == RELOAD_PATH:
            self.respond(RELOAD_SCRIPT, "text/javascript")
        else:
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                path = path / "index.html"
            if path.suffix == ".html" and path.is_file():
                html = path.read_bytes().replace(b"</body>", f'<script src="{RELOAD_PATH}"></script></body>'.encode(), 1)
                self.respond(html, "text/html; charset=utf-8")
            else:
                super().do_GET()

    def respond(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a preview server's request log is noise."""


def rebuild(site_dir: Path, output_dir: Path, strict: bool) -> bool:
    diagnostics = Diagnostics()
    try:
        summary = run_build(site_dir, output_dir, diagnostics, strict)
    except SitegenError as error:
        print(f"error: {error} (still serving the previous build)", file=sys.stderr)
        return False
    finally:
        for warning in diagnostics.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    print(f"rebuilt {summary.papers} papers in {summary.seconds:.2f} s", file=sys.stderr)
    return True


def serve(site_dir: Path, output_dir: Path, port: int, strict: bool) -> None:
    build = Build()
    if not rebuild(site_dir, output_dir, strict):
        raise SitegenError("the first build failed; fix it and run `sitegen serve` again")
    handler = functools.partial(Handler, directory=str(output_dir), build=build)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"serving {output_dir} at http://127.0.0.1:{port}/ (Ctrl+C stops)", file=sys.stderr)
    watched = [p for p in (site_dir / "content", site_dir / "templates", site_dir / "sitegen.yml") if p.exists()]
    try:
        for _ in watch(*watched, watch_filter=lambda change, path: not Path(path).name.startswith(".")):
            if rebuild(site_dir, output_dir, strict):
                build.version += 1
    finally:
        server.shutdown()
