"""`sitegen serve`: build, serve the site on localhost, rebuild on change and reload the browser.

The reload script is added to HTML as it is served, never written into site/.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from watchfiles import watch

from sitegen.build import run_build
from sitegen.errors import Diagnostics, SitegenError
from sitegen.output import write_atomic
from sitegen.pages import page_from_source, read_page
from sitegen.parse import decode
from sitegen.render import Job, Renderer, neighbours

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


class Handler(http.server.SimpleHTTPRequestHandler):
    build: Builder

    def __init__(self, *args: Any, build: Builder, **kwargs: Any) -> None:
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


class Builder:
    """Full builds, one at a time, and the quick update of single edited paper pages between them."""

    def __init__(self, site_dir: Path, output_dir: Path, strict: bool) -> None:
        self.site_dir, self.output_dir, self.strict = site_dir, output_dir, strict
        self.version = 0
        self.renderer: Renderer | None = None
        self.lock = threading.Lock()

    def full(self) -> bool:
        with self.lock:
            diagnostics = Diagnostics()
            try:
                # the first build always runs in full: quick updates need its catalog
                summary = run_build(self.site_dir, self.output_dir, diagnostics, self.strict, reuse=self.renderer is not None)
            except SitegenError as error:
                print(f"error: {error} (still serving the previous build)", file=sys.stderr)
                return False
            finally:
                for warning in diagnostics.warnings:
                    print(f"warning: {warning}", file=sys.stderr)
            if summary.renderer is not None:
                self.renderer = summary.renderer
            self.version += 1
            print("nothing changed" if summary.unchanged else f"rebuilt {summary.papers} papers in {summary.seconds:.2f} s", file=sys.stderr)
            return True

    def quick(self, changed: set[Path]) -> bool:
        """Re-render just the edited paper pages, from the pages as they stand, into the live site."""
        papers_dir = (self.site_dir / "content" / "papers").resolve()
        if self.renderer is None or not changed or any(p.parent.resolve() != papers_dir or p.suffix != ".md" or not p.exists() for p in changed):
            return False
        with self.lock:
            catalog = self.renderer.catalog
            around = neighbours(catalog)
            for path in changed:
                if path.stem not in catalog.papers_by_slug:
                    return False
                try:
                    source = read_page(path, decode(path, path.read_bytes(), keep_bom=True))
                except SitegenError as error:
                    print(f"error: {error}", file=sys.stderr)
                    return True  # nothing to show; the full build will say it again
                page = page_from_source(path.stem, source, None)
                old = catalog.papers_by_slug[path.stem]
                page = replace(page, memberships=old.memberships)
                job = Job("paper.html", catalog.path("paper", page.slug), {"paper": page, "neighbours": around[page.slug]})
                file = self.renderer.run(job)
                write_atomic(self.output_dir / file.path, file.content)
            self.version += 1
            print(f"updated {len(changed)} paper page(s); full build follows", file=sys.stderr)
            return True


def serve(site_dir: Path, output_dir: Path, port: int, strict: bool) -> None:
    builder = Builder(site_dir, output_dir, strict)
    if not builder.full():
        raise SitegenError("the first build failed; fix it and run `sitegen serve` again")
    handler = functools.partial(Handler, directory=str(output_dir), build=builder)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"serving {output_dir} at http://127.0.0.1:{port}/ (Ctrl+C stops)", file=sys.stderr)
    watched = [p for p in (site_dir / "content", site_dir / "templates", site_dir / "sitegen.yml") if p.exists()]
    try:
        for changes in watch(*watched, watch_filter=lambda change, path: not Path(path).name.startswith(".")):
            if builder.quick({Path(path) for _, path in changes}):
                threading.Thread(target=builder.full, daemon=True).start()
            else:
                builder.full()
    finally:
        server.shutdown()
