"""`sitegen serve`: build, serve the site on localhost, rebuild on change and reload the browser.

The reload script is added to HTML as it is served, never written into site/. A page file whose notes
alone changed is shown at once: its paper page rendered by the last build's renderer with the new notes,
served (never written) until a build that started after the save ends, at 10,000 papers a matter of
seconds. Saves are watched on a thread of their own, so a save during a build is shown at once too.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

from watchfiles import watch

from sitegen.build import Assembled, run_build
from sitegen.config import CONFIG_FILE
from sitegen.errors import Diagnostics, SitegenError
from sitegen.output import ChangedOnDisk, RenderedFile, interrupts_deferred
from sitegen.pages import front_matter, published_notes

if TYPE_CHECKING:
    from sitegen.render import Job, Renderer

RELOAD_PATH = "/__sitegen/reload.js"
VERSION_PATH = "/__sitegen/version"
# Asks for the build's version and error, the server answering when they change (or after WAIT_SECONDS):
# reloads after a new build or a preview, shows a build error over the page (as text, never as HTML) until
# a good build clears it.
RELOAD_SCRIPT = b"""(function () {
  var seen = null, since = -1;
  function show(error) {
    var box = document.getElementById("sitegen-error");
    if (!error) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "sitegen-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;z-index:2147483647;left:0;right:0;top:0;margin:0;padding:1em;" +
        "background:#7f1d1d;color:#fff;font:14px/1.4 monospace;white-space:pre-wrap;overflow-wrap:anywhere;max-height:50vh;overflow:auto";
      document.body.appendChild(box);
    }
    box.textContent = "sitegen: build failed (still showing the previous build)\\n" + error;
  }
  function poll() {
    fetch("/__sitegen/version?since=" + since, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (state) {
      if (seen !== null && state.version !== seen) { location.reload(); return; }
      seen = state.version;
      since = state.generation;
      show(state.error);
      poll();
    }).catch(function () { setTimeout(poll, 500); });
  }
  poll();
})();
"""
WAIT_SECONDS = 25  # the longest the server holds a question for the version before answering it unchanged
NOTES_READY = "edited notes now show at once"
MAX_RETRIES = 5  # builds in a row that a save during the build may restart
MAX_PATH_BYTES = 4096  # PATH_MAX on Linux
MAX_NAME_BYTES = 255  # NAME_MAX: no file system holds a longer file name
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
NO_SITE_YET = b"<!doctype html><meta charset=utf-8><title>sitegen</title><body><p>No site built yet.</p></body>"


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the regular files inside the output folder, and nothing else: no listing of a folder, no
    symlink followed out of it, no request naming another host (a web page that rebinds its own name
    to 127.0.0.1 would otherwise read the site, and the reload endpoint, from the user's browser)."""

    build: Builder

    def __init__(self, *args: Any, build: Builder, root: Path, **kwargs: Any) -> None:
        self.build, self.root = build, root
        super().__init__(*args, directory=str(root), **kwargs)

    def handle(self) -> None:
        """A browser that drops a request half-way (a reload, a closed tab) is no error to report."""
        try:
            super().handle()
        except ConnectionError:
            pass

    def do_HEAD(self) -> None:
        self.answer(head_only=True)

    def do_GET(self) -> None:
        self.answer(head_only=False)

    def refused(self) -> bool:
        """Answer 400 to a path no file can have: a NUL byte (which any web page can send to a
        local server), escapes that are not UTF-8, a name longer than any file system's; 421 to a
        Host that is not this server's own loopback address."""
        host = self.headers.get("Host")
        port = cast(http.server.HTTPServer, self.server).server_port
        if host is not None and host.lower() not in {f"{name}:{port}" for name in LOOPBACK_NAMES}:
            self.send_error(HTTPStatus.MISDIRECTED_REQUEST, "This server answers only to localhost on its own port")
            return True
        path = urlsplit(self.path).path
        try:
            text = unquote(path, errors="strict")
        except UnicodeDecodeError:
            text = "\0"
        if ("\0" in text or not path.startswith("/") or len(text.encode()) > MAX_PATH_BYTES
                or any(len(part.encode()) > MAX_NAME_BYTES for part in text.split("/"))):
            self.send_error(HTTPStatus.BAD_REQUEST, "No file can have this path")
            return True
        return False

    def answer(self, head_only: bool) -> None:
        if self.refused():
            return
        url = urlsplit(self.path)
        if url.path == VERSION_PATH:
            since = parse_qs(url.query).get("since", [""])[0]
            status = self.build.status(int(since) if re.fullmatch(r"-?[0-9]{1,18}", since) else None)
            self.respond(json.dumps(status).encode(), "application/json", head_only)
            return
        if url.path == RELOAD_PATH:
            self.respond(RELOAD_SCRIPT, "text/javascript", head_only)
            return
        shown = self.build.shown.get(unquote(url.path).lstrip("/") + ("index.html" if url.path.endswith("/") else ""))
        if shown is not None:
            self.respond(with_reload(shown.html), "text/html; charset=utf-8", head_only)
            return
        path = self.file_at(unquote(url.path))
        if path is not None and path.is_dir():
            if not url.path.endswith("/"):  # so that the page's relative links resolve from inside its folder
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", url.path + "/" + (f"?{url.query}" if url.query else ""))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            path = self.file_at(unquote(url.path) + "/index.html")
        if path is not None and path.is_file():
            body = path.read_bytes()
            if path.suffix == ".html":
                self.respond(with_reload(body), "text/html; charset=utf-8", head_only)
            else:
                self.respond(body, self.guess_type(str(path)), head_only)
        elif self.build.error:  # the error shows over this page until a good build
            self.respond(with_reload(NO_SITE_YET), "text/html; charset=utf-8", head_only)
        elif (missing := self.file_at("/404.html")) is not None and missing.is_file():
            # The site's own "not found" page, as GitHub Pages serves it, its links made from the site's root here.
            body = re.sub(rb'<base href="[^"]*">', b"", missing.read_bytes(), count=1).replace(b"<head>", b'<head><base href="/">', 1)
            self.respond(with_reload(body), "text/html; charset=utf-8", head_only, HTTPStatus.NOT_FOUND)
        else:
            self.send_error(HTTPStatus.NOT_FOUND, "No such page in the site")

    def file_at(self, url_path: str) -> Path | None:
        """The file or folder a URL path names, once symlinks are resolved, if it lies inside the
        output folder; None for anything else (outside, missing, a name the file system refuses)."""
        parts = [part for part in url_path.split("/") if part not in ("", ".")]
        if ".." in parts:
            return None
        try:
            root = self.root.resolve()
            path = root.joinpath(*parts).resolve()
            if path != root and root not in path.parents:
                return None
            return path if path.is_file() or path.is_dir() else None
        except (OSError, RuntimeError):  # a name too long, a symlink loop
            return None

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        """Never: a folder without index.html is no page."""
        self.send_error(HTTPStatus.NOT_FOUND, "No such page in the site")
        return None

    def respond(self, body: bytes, content_type: str, head_only: bool = False, status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a preview server's request log is noise."""


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line, not socketserver's traceback: a request that could not be answered does not stop serving."""
        error = sys.exc_info()[1]
        print(f"warning: a request from the browser could not be answered ({type(error).__name__}: {error})", file=sys.stderr)


def with_reload(html: bytes) -> bytes:
    """The page as served: the reload script added, never written into site/."""
    return html.replace(b"</body>", f'<script src="{RELOAD_PATH}"></script></body>'.encode(), 1)


@dataclass(frozen=True)
class Preview:
    """What showing an edited note at once needs of the last build: its renderer, and for each page file
    the digest of its front matter as that build left it and the job of its paper page."""

    renderer: Renderer
    pages: dict[Path, tuple[bytes, Job]]

    @classmethod
    def of(cls, assembled: Assembled) -> Preview:
        written = {change.path: change.content for change in assembled.page_writes}
        pages = {}
        for job in assembled.jobs:
            if job.template == "paper.html":
                path = job.values["paper"].path
                data = written[path] if path in written else assembled.loaded.inputs.get(path)
                split = split_page(data)
                if split is not None:
                    pages[path.absolute()] = (split[0], job)
        return cls(assembled.renderer, pages)

    def render(self, path: Path, data: bytes) -> RenderedFile | None:
        """The paper page of a page file whose front matter is as the build left it, with its notes as they
        now stand; None for any other change (the build that follows says what it makes of it)."""
        known, split = self.pages.get(path), split_page(data)
        if known is None or split is None or split[0] != known[0]:
            return None
        job = known[1]
        return self.renderer.run(replace(job, values={**job.values, "paper": replace(job.values["paper"], notes=published_notes(split[1]))}))


@dataclass(frozen=True)
class Shown:
    """A paper page previewed with its new notes: the page, and which save (counted from 1) it shows."""

    html: bytes
    save: int


def split_page(data: bytes | None) -> tuple[bytes, str] | None:
    """A page file's front matter (its digest) and notes, as `pages.read_page` splits them; None if it has no
    front matter or is not UTF-8."""
    try:
        text = data.decode("utf-8") if data is not None else ""
    except UnicodeDecodeError:
        return None
    found = front_matter(text)
    return (hashlib.blake2b(text[found[0]:found[1]].encode(), digest_size=16).digest(), text[found[2]:]) if found else None


class Builder:
    """Builds, one at a time: each one renders again only what the edit changed (the build's render
    keys), through the same load and assemble as `sitegen build`: serve never makes a page its own way.
    A preview is the build's own renderer and paper page, given the new notes. Saves come from the
    watching thread (`saved`); the builds run in the thread that called `serve`, where Ctrl+C lands."""

    def __init__(self, site_dir: Path, output_dir: Path, strict: bool) -> None:
        self.site_dir, self.output_dir, self.strict = site_dir, output_dir, strict
        self.version = 0
        self.error: str | None = None  # the last build's error, shown over every page until a good build
        self.lock = threading.Lock()
        self.preview: Preview | None = None  # from the last build that completed
        self.shown: dict[str, Shown] = {}  # site path → a page previewed since the last build, served instead of site/'s
        self.generation = 0  # counts every change of version, error or previews, that a browser may wait for
        self.changed = threading.Condition()
        self.saves = 0  # the saves seen so far
        self.built_for = 0  # the saves that the builds so far started after

    def status(self, since: int | None) -> dict[str, Any]:
        """The version and error, once they differ from what a browser that saw `since` knows (at most WAIT_SECONDS)."""
        with self.changed:
            self.changed.wait_for(lambda: self.generation != since, timeout=WAIT_SECONDS)
            return {"version": self.version, "error": self.error, "generation": self.generation}

    def announce(self, version: int, error: str | None, shown: dict[str, Shown]) -> None:
        with self.changed:
            self.version, self.error, self.shown = version, error, shown
            self.generation += 1
            self.changed.notify_all()

    def saved(self, paths: list[Path]) -> None:
        """From the watching thread: files were saved. Notes are previewed now; the build is asked for."""
        with self.changed:
            self.saves += 1
        self.show_notes(paths)
        with self.changed:
            self.changed.notify_all()

    def next_save(self) -> None:
        """Wait until something was saved that no build has started after."""
        with self.changed:
            self.changed.wait_for(lambda: self.saves > self.built_for)

    def keep(self, assembled: Assembled) -> None:
        self.preview = Preview.of(assembled)

    def full(self) -> bool:
        """A full build; any failure is shown (terminal and browser) and the previous site served.
        A page saved while the build ran wins: the build stops before replacing it and runs again."""
        with self.lock:
            for _ in range(MAX_RETRIES):
                with self.changed:
                    self.built_for = self.saves  # this build reads every save so far (a later one: the next build)
                diagnostics = Diagnostics()
                try:
                    summary = run_build(self.site_dir, self.output_dir, diagnostics, self.strict, keep=self.keep)
                except ChangedOnDisk as error:
                    print(f"{error.path} changed while building: building again", file=sys.stderr)
                    continue
                except Exception as error:  # serve outlives every failure, its own bugs included
                    self.fail(error)
                    return False
                finally:
                    for warning in diagnostics.warnings:
                        print(f"warning: {warning}", file=sys.stderr)
                with self.changed:  # the previews go, but those of saves made since the build started
                    self.announce(self.version + 1, None, {path: s for path, s in self.shown.items() if s.save > self.built_for})
                print("nothing changed" if summary.unchanged else f"rebuilt {summary.papers} papers in {summary.seconds:.2f} s", file=sys.stderr)
                return True
            self.fail(SitegenError(f"pages kept changing during {MAX_RETRIES} builds in a row; waiting for the next save"))
            return False

    def prepare(self) -> None:
        """After a first build with nothing to do (nothing assembled): the build again, in full, so that the
        first edited note can be shown at once; it renders nothing (every page's key is unchanged)."""
        with self.lock:
            if self.preview is None:
                try:
                    run_build(self.site_dir, self.output_dir, Diagnostics(), self.strict, reuse=False, keep=self.keep)
                except Exception:  # the next save's build says what is wrong
                    return
            if self.preview is None:
                return
        print(NOTES_READY, file=sys.stderr)

    def show_notes(self, paths: list[Path]) -> None:
        """Each saved page file whose notes alone changed, shown at once (never written into site/), when
        nothing but pages changed (a template, a list, the settings: the build says what they make)."""
        papers = (self.site_dir / "content" / "papers").absolute()
        preview, save = self.preview, self.saves
        if preview is None or any(path.parent != papers or path.suffix != ".md" for path in paths):
            return
        previewed = {}
        for path in paths:
            if path.is_symlink() or not path.is_file():
                continue
            try:
                rendered = preview.render(path, path.read_bytes())
            except Exception:  # the build that follows says what is wrong
                continue
            if rendered is not None:
                previewed[rendered.path] = Shown(rendered.content, save)
        if previewed:
            with self.changed:
                self.announce(self.version + 1, self.error, {**self.shown, **previewed})

    def fail(self, error: Exception) -> None:
        """One line in the terminal, the same line over the page in the browser."""
        line = str(error) if isinstance(error, SitegenError) else f"internal error: {type(error).__name__}: {error}"
        self.announce(self.version, line, {})
        print(f"error: {line} (still serving the previous build)", file=sys.stderr)


def is_input(site_dir: Path, path: Path) -> bool:
    """Whether a changed path is one a build reads: the whole site folder is watched, so that a
    templates/ folder or sitegen.yml made while serving is seen too; hidden files (temp files) are not."""
    try:
        parts = path.absolute().relative_to(site_dir.absolute()).parts
    except ValueError:
        return False
    if not parts or any(part.startswith(".") for part in parts):
        return False
    return parts[0] in ("content", "templates") or parts == (CONFIG_FILE,)


def serve(site_dir: Path, output_dir: Path, port: int, strict: bool) -> None:
    """Serve even after a failed first build: the error shows in the browser until a save fixes it."""
    if not 0 <= port <= 65535:
        raise SitegenError(f"--port {port}: a port is a number from 1 to 65535 (0: any free one)")
    builder = Builder(site_dir, output_dir, strict)
    handler = functools.partial(Handler, root=output_dir, build=builder)
    try:  # before the first build: a port in use is said at once
        server = Server(("127.0.0.1", port), handler)
    except OSError as error:
        raise SitegenError(f"127.0.0.1:{port}: cannot serve there ({error.strerror or error}); is another server "
                           "using the port? choose another with --port") from None
    port = server.server_address[1]
    builder.full()
    in_background(server.serve_forever)
    stop = threading.Event()
    in_background(watch_saves, site_dir, builder, stop)
    if builder.preview is not None:
        print(NOTES_READY, file=sys.stderr)
    elif builder.error is None:  # the site had nothing to build (a failed build: the save that mends it assembles it)
        in_background(builder.prepare)
    print(f"serving {output_dir} at http://127.0.0.1:{port}/ (Ctrl+C stops)", file=sys.stderr)
    try:
        while True:
            builder.next_save()
            builder.full()
    finally:
        stop.set()
        server.shutdown()


def in_background(target: Callable[..., object], *args: object) -> None:
    """A daemon thread born with Ctrl+C blocked, as are the threads it starts (a request's, the watcher's): the
    kernel gives a process's SIGINT to any thread that does not block it, and one that took it while the main
    thread slept waiting for a save left serve running (Python wakes only the main thread, for its own handler)."""
    with interrupts_deferred():
        threading.Thread(target=target, args=args, daemon=True).start()


def watch_saves(site_dir: Path, builder: Builder, stop: threading.Event) -> None:
    """On a thread of its own: each batch of saves handed to the builder as it comes, a build running or not."""
    watching = False
    for changes in watch(site_dir, watch_filter=lambda change, path: is_input(site_dir, Path(path)),
                         yield_on_timeout=True, rust_timeout=500, stop_event=stop, raise_interrupt=False):
        if not watching:  # the first yield comes once the watcher is in place: a save from now on is seen
            watching = True
            print(f"watching {site_dir} (content/, templates/, {CONFIG_FILE}) for changes", file=sys.stderr)
        if changes:
            builder.saved(sorted(Path(path).absolute() for _, path in changes))
