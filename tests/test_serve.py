"""`sitegen serve`: a real server on loopback, real edits, the page updated, errors shown and survived.

No sleeps: the test waits for the lines serve prints ("watching", "rebuilt", "error:").
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import raw_list, write_site


def get(url: str) -> str:
    """A page from a server on loopback; the timeout is above serve's WAIT_SECONDS (25 s): a waiting request for the
    version is answered unchanged before it, and a loaded machine is no failure."""
    with urllib.request.urlopen(url, timeout=60) as response:
        return str(response.read().decode())


class Server:
    """`sitegen serve` in a subprocess, its stderr read line by line. It is started on port 0 and binds a free port
    itself, which it names: a port found free here first could be taken by another test's server before serve binds it."""

    def __init__(self, site: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "-s", str(site), "--port", "0"],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                                        env={**os.environ, "PYTHONFAULTHANDLER": "1"})  # a hung serve's threads, on SIGABRT
        self.lines: list[str] = []  # every stderr line read
        self.waited = 0  # how many of them the waits have gone past
        self.watchdog = threading.Timer(240, lambda: os.killpg(self.process.pid, signal.SIGKILL))  # a hung serve fails the test
        self.watchdog.start()
        self.port = self.serving_port()
        self.base = f"http://127.0.0.1:{self.port}/"

    def serving_port(self) -> int:
        """The port of the "serving ... at http://127.0.0.1:PORT/" line; the lines before it stay for wait_line."""
        while True:
            line = self.read_line("serving ")
            if line.startswith("serving "):
                address = re.search(r" at http://127\.0\.0\.1:(\d+)/ ", line)
                assert address is not None, line
                return int(address[1])

    def read_line(self, wanted: str) -> str:
        assert self.process.stderr is not None
        line = self.process.stderr.readline()
        if not line:
            raise AssertionError(f"serve ended before {wanted!r}:\n{''.join(self.lines)}")
        self.lines.append(line)
        return line

    def wait_line(self, *starts: str) -> str:
        """The next stderr line, after the last one waited for, that starts with one of `starts`."""
        while True:
            if self.waited == len(self.lines):
                self.read_line(" or ".join(starts))
            line = self.lines[self.waited]
            self.waited += 1
            if line.startswith(starts):
                return line

    def stop(self) -> str:
        self.watchdog.cancel()
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            _, errors = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:  # what each of its threads was doing, for the failure to say
            os.kill(self.process.pid, signal.SIGABRT)
            _, errors = self.process.communicate(timeout=30)
            raise AssertionError(f"serve did not stop on Ctrl+C:\n{''.join(self.lines)}{errors}") from None
        return "".join(self.lines) + errors


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, Server]]:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper")})
    server = Server(site)
    server.wait_line("watching ")
    yield site, server
    log = server.stop()
    assert "Traceback" not in log, log


def test_serve_updates_an_edited_page_and_reloads(served: tuple[Path, Server]) -> None:
    site, server = served
    base = server.base
    assert "Alpha Paper" in get(base + "index.html")
    page = get(base + "papers/alpha-paper/index.html")
    assert '<script src="/__sitegen/reload.js"></script></body>' in page
    assert "location.reload()" in get(base + "__sitegen/reload.js?v=2")  # a query (a cache buster) names the same script
    assert not (site / "site/papers/alpha-paper/index.html").read_text().count("__sitegen")  # never in site/
    version = get(base + "__sitegen/version")
    source = site / "content/papers/alpha-paper.md"
    source.write_text(source.read_text() + "A note written while serving.\n")
    server.wait_line("rebuilt", "nothing changed")
    assert "A note written while serving." in get(base + "papers/alpha-paper/index.html")
    assert get(base + "__sitegen/version") != version
    (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper", "Beta Paper", "Gamma Paper"))
    server.wait_line("rebuilt")
    assert "Gamma Paper" in get(base + "lists/week/index.html")


def test_serve_shows_a_build_error_over_the_page_and_clears_it(served: tuple[Path, Server], browser: Any) -> None:
    from playwright.sync_api import expect

    site, server = served
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(server.base + "papers/alpha-paper/index.html")
    expect(page.locator("#sitegen-error")).to_have_count(0)
    write_site(site, {"templates/paper.html": "{{ paper.title }} {{ no_such_variable }}\n"})
    line = server.wait_line("error:")
    assert line.strip() == f"error: {site}/templates/paper.html:1: 'no_such_variable' is undefined (still serving the previous build)"
    overlay = page.locator("#sitegen-error")
    expect(overlay).to_be_visible()
    expect(overlay).to_contain_text("'no_such_variable' is undefined")
    box = overlay.bounding_box()
    assert box is not None and box["width"] <= 390 and box["y"] == 0
    source = site / "content/papers/alpha-paper.md"  # a save while the template is broken: serve lives on
    source.write_text(source.read_text() + "Another note.\n")
    server.wait_line("error:")
    (site / "templates/paper.html").unlink()
    server.wait_line("rebuilt")
    expect(page.locator("#sitegen-error")).to_have_count(0)
    expect(page.get_by_text("Another note.")).to_be_visible()
    context.close()


def test_only_the_main_thread_can_take_a_ctrl_c(served: tuple[Path, Server]) -> None:
    """A Ctrl+C that the kernel handed to another thread (the server's, a request's, the watcher's) left serve
    running once in a while: Python runs its handler only in the main thread, which slept on, waiting for a save.
    Every other thread blocks SIGINT, a request's too, so the main thread always takes it."""
    import http.client

    _, server = served
    generation = json.loads(get(server.base + "__sitegen/version?since=-1"))["generation"]
    waiting = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)  # held by its thread until a save
    waiting.request("GET", f"/__sitegen/version?since={generation}")
    get(server.base + "index.html")  # answered after the waiting request's thread started: connections are taken in turn
    pid = server.process.pid
    blocked = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            status = (task / "status").read_text()
        except (FileNotFoundError, ProcessLookupError):  # a thread that ended meanwhile (the index.html request's)
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        blocked[int(task.name)] = bool(int(fields["SigBlk"], 16) & 1 << (signal.SIGINT - 1))
    assert blocked.pop(pid) is False
    assert len(blocked) >= 3 and all(blocked.values()), blocked  # the server's, the waiting request's, the watcher's
    waiting.close()


def test_a_missing_page_is_the_sites_own_not_found_page(served: tuple[Path, Server], browser: Any) -> None:
    """A mistyped address showed Python's bare "Error response": now the site's 404 page, styled, whose links
    lead into the site, with status 404, at any depth."""
    from playwright.sync_api import expect

    _, server = served
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    response = page.goto(server.base + "papers/no-such-paper/deeper/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert page.evaluate("[...document.styleSheets].some((s) => s.href === location.origin + '/static/style.css' && s.cssRules.length > 0)")
    page.get_by_role("link", name="list of all papers").click()
    expect(page.get_by_role("link", name="Alpha Paper")).to_be_visible()
    assert page.url == server.base + "papers/index.html"
    context.close()


def test_serve_answers_malformed_requests_with_400_and_no_traceback(served: tuple[Path, Server]) -> None:
    """A NUL byte (any web page can make the browser send one to a local server), escapes that are
    not UTF-8, a path longer than any file's: each gets 400, and serve's terminal no traceback."""
    import http.client

    site, server = served
    for method, path in [("GET", "/papers/%00"), ("GET", "/%00/index.html"), ("HEAD", "/papers/%00"), ("GET", "/%ff%fe"),
                         ("GET", "/papers/" + "a" * 5000), ("GET", "/papers/%00/../index.html")]:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        connection.request(method, path)
        response = connection.getresponse()
        response.read()
        connection.close()
        assert response.status == 400, (method, path, response.status)
    assert "Alpha Paper" in get(server.base + "index.html")  # still serving
    source = site / "content/papers/alpha-paper.md"
    source.write_text(source.read_text() + "A note.\n")
    server.wait_line("rebuilt")
    assert not any("Traceback" in line or line.startswith("warning: a request") for line in server.lines), server.lines


def test_serve_answers_only_for_its_own_files_and_its_own_name(served: tuple[Path, Server], tmp_path_factory: pytest.TempPathFactory) -> None:
    """Only regular files inside site/: no folder listed, no symlink followed out of it, a name past
    NAME_MAX refused; only Host names of the loopback on serve's port (DNS rebinding); a folder's URL
    without its slash is redirected, so that the page's relative links work."""
    import http.client

    site, server = served
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("secret")
    (site / "site/leak").symlink_to(outside)
    (site / "site/secret.txt").symlink_to(outside / "secret.txt")
    (site / "site/empty").mkdir()

    def ask(path: str, host: str | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        connection.putrequest(method, path, skip_host=True)
        connection.putheader("Host", host or f"127.0.0.1:{server.port}")
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        connection.close()
        return response.status, dict(response.getheaders()), body

    for path in ["/leak/secret.txt", "/secret.txt", "/leak/", "/empty/", "/static/", "/papers/../../outside/secret.txt"]:
        status, _, body = ask(path)
        assert status in (400, 404) and b"secret" not in body and b"Directory listing" not in body, (path, status, body[:200])
    for path in ["/papers/" + "a" * 256 + "/index.html", "/" + "%C3%A9" * 128]:
        for method in ("GET", "HEAD"):
            assert ask(path, method=method)[0] in (400, 404), (method, path)
    for host in ["evil.example", f"evil.example:{server.port}", f"127.0.0.1.nip.io:{server.port}", "127.0.0.1:1", f"localhost.:{server.port}"]:
        status, _, body = ask("/index.html", host)
        assert status in (400, 421) and b"Alpha Paper" not in body, (host, status)
    for host in [f"127.0.0.1:{server.port}", f"localhost:{server.port}", f"LOCALHOST:{server.port}", f"[::1]:{server.port}"]:
        status, _, body = ask("/index.html", host)
        assert status == 200 and b"Alpha Paper" in body, host
    status, headers, _ = ask("/papers?x=1")
    assert status == 301 and headers["Location"] == "/papers/?x=1"
    assert ask("/papers/")[0] == 200 and ask("/papers/alpha-paper")[1].get("Location") == "/papers/alpha-paper/"
    assert not any("Traceback" in line or line.startswith("warning: a request") for line in server.lines), server.lines


def test_an_edited_note_is_shown_before_its_build_and_is_the_page_the_build_makes(tmp_path: Path) -> None:
    """At 10,000 papers a note's build takes seconds: the paper page with the new notes is rendered at once by
    the last build's renderer and served (never written) until that build ends, which makes the same bytes.
    A change to the front matter waits for the build."""
    import functools

    import sitegen.serve

    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper")})
    builder = sitegen.serve.Builder(site, site / "site", strict=False)
    assert builder.full()
    server = sitegen.serve.Server(("127.0.0.1", 0), functools.partial(sitegen.serve.Handler, root=site / "site", build=builder))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        seen = json.loads(get(base + "__sitegen/version?since=-1"))
        answered: list[str] = []  # a browser waiting for the version is answered when the preview is there: it reloads
        waiting = threading.Thread(target=lambda: answered.append(get(base + f"__sitegen/version?since={seen['generation']}")))
        waiting.start()
        source = site / "content/papers/alpha-paper.md"
        source.write_text(source.read_text() + "\nA note shown *at once*.\n")
        builder.show_notes([source.absolute()])
        waiting.join()
        assert json.loads(answered[0])["version"] == seen["version"] + 1
        for url in ("papers/alpha-paper/", "papers/alpha-paper/index.html"):
            assert "A note shown <em>at once</em>." in get(base + url)
        assert "at once" not in (site / "site/papers/alpha-paper/index.html").read_text()  # nothing written
        preview = builder.shown["papers/alpha-paper/index.html"].html
        assert builder.full() and builder.shown == {}
        assert (site / "site/papers/alpha-paper/index.html").read_bytes() == preview
        source.write_text(source.read_text().replace("status: unread", "status: read") + "More.\n")
        builder.show_notes([source.absolute()])
        assert builder.shown == {} and "More." not in get(base + "papers/alpha-paper/")
    finally:
        server.shutdown()


def test_a_note_saved_while_a_build_runs_is_shown_at_once_and_stays_until_a_build_reads_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The builds run apart from the watching: a second save, made while the first save's build runs (seconds at
    10,000 papers), is previewed at once, not after that build; that build's end keeps the preview (it may have
    read the page before the save), and the build the save asked for replaces it with the page it writes."""
    import sitegen.serve

    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper")})
    builder = sitegen.serve.Builder(site, site / "site", strict=False)
    assert builder.full()
    held = [(threading.Event(), threading.Event()) for _ in range(2)]  # for each build: (it has read the pages, it may end)
    real_build = sitegen.serve.run_build

    def held_build(*args: Any, **kwargs: Any) -> Any:
        summary = real_build(*args, **kwargs)
        read, end = held.pop(0)
        read.set()
        assert end.wait(timeout=120)
        return summary

    monkeypatch.setattr(sitegen.serve, "run_build", held_build)
    (first_read, first_end), (second_read, second_end) = held

    def builds() -> None:  # serve's own loop: a build for each batch of saves no build has started after
        for _ in range(2):
            builder.next_save()
            builder.full()

    building = threading.Thread(target=builds)
    building.start()
    alpha, beta = site / "content/papers/alpha-paper.md", site / "content/papers/beta-paper.md"
    alpha.write_text(alpha.read_text() + "\nFirst save.\n")
    builder.saved([alpha.absolute()])
    assert first_read.wait(timeout=120)  # the first save's build is running, the pages read before the second save
    beta.write_text(beta.read_text() + "\nSecond save, *during the build*.\n")
    builder.saved([beta.absolute()])
    assert "Second save, <em>during the build</em>." in builder.shown["papers/beta-paper/index.html"].html.decode()
    first_end.set()
    assert second_read.wait(timeout=120)  # the first build ended; the one the second save asked for runs
    assert "papers/beta-paper/index.html" in builder.shown and "papers/alpha-paper/index.html" not in builder.shown
    second_end.set()
    building.join(timeout=120)
    assert builder.shown == {}
    assert "Second save, <em>during the build</em>." in (site / "site/papers/beta-paper/index.html").read_text()
    assert "First save." in (site / "site/papers/alpha-paper/index.html").read_text()


def test_serve_started_on_a_built_site_gets_ready_to_show_notes_at_once(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper")})
    assert subprocess.run([sys.executable, "-m", "sitegen", "build", "-s", str(site)], capture_output=True).returncode == 0
    server = Server(site)
    try:
        assert server.wait_line("nothing changed", "rebuilt").startswith("nothing changed")
        server.wait_line("edited notes now show at once")
    finally:
        log = server.stop()
    assert "Traceback" not in log and "rebuilt" not in log, log


def test_a_template_that_appears_after_the_build_is_never_run_by_a_preview(tmp_path: Path) -> None:
    """A site with no templates of its own renders with the theme alone, unsandboxed: a `templates/paper.html`
    written after the build (a `git pull` that brings it with a note edit) is not looked for by that build's
    environment, so neither a preview nor the rest of that build runs it; the next build sandboxes it."""
    import sitegen.serve

    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper")})
    assert subprocess.run([sys.executable, "-m", "sitegen", "build", "-s", str(site)], capture_output=True).returncode == 0
    builder = sitegen.serve.Builder(site, site / "site", strict=False)
    builder.prepare()  # serve started on a built site: assembled, nothing rendered here
    write_site(site, {"templates/paper.html": "OWN TEMPLATE {{ paper.notes }}\n"})
    source = site / "content/papers/alpha-paper.md"
    source.write_text(source.read_text() + "\nA note.\n")
    builder.show_notes([(site / "templates/paper.html").absolute(), source.absolute()])
    assert builder.shown == {}  # a template in the same save: the build decides
    builder.show_notes([source.absolute()])
    assert "OWN TEMPLATE" not in builder.shown["papers/alpha-paper/index.html"].html.decode()
    assert builder.full()
    assert (site / "site/papers/alpha-paper/index.html").read_text().startswith("OWN TEMPLATE")
