"""`sitegen serve`: a real server on loopback, real edits, the page updated, errors shown and survived.

No sleeps: the test waits for the lines serve prints ("watching", "rebuilt", "error:").
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import raw_list, write_site


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


class Server:
    """`sitegen serve` in a subprocess, its stderr read line by line."""

    def __init__(self, site: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        self.process = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "-s", str(site), "--port", str(self.port)],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.lines: list[str] = []
        self.watchdog = threading.Timer(240, lambda: os.killpg(self.process.pid, signal.SIGKILL))  # a hung serve fails the test
        self.watchdog.start()

    def wait_line(self, *starts: str) -> str:
        """The next stderr line that starts with one of `starts` (lines before it are kept)."""
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            if line.startswith(starts):
                return line
        raise AssertionError(f"serve ended before {starts}:\n{''.join(self.lines)}")

    def stop(self) -> str:
        self.watchdog.cancel()
        os.killpg(self.process.pid, signal.SIGINT)
        _, errors = self.process.communicate(timeout=30)
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
    expect(overlay).to_be_visible(timeout=20_000)
    expect(overlay).to_contain_text("'no_such_variable' is undefined")
    box = overlay.bounding_box()
    assert box is not None and box["width"] <= 390 and box["y"] == 0
    source = site / "content/papers/alpha-paper.md"  # a save while the template is broken: serve lives on
    source.write_text(source.read_text() + "Another note.\n")
    server.wait_line("error:")
    (site / "templates/paper.html").unlink()
    server.wait_line("rebuilt")
    expect(page.locator("#sitegen-error")).to_have_count(0, timeout=20_000)
    expect(page.get_by_text("Another note.")).to_be_visible()
    context.close()


def test_serve_answers_malformed_requests_with_400_and_no_traceback(served: tuple[Path, Server]) -> None:
    """A NUL byte (any web page can make the browser send one to a local server), escapes that are
    not UTF-8, a path longer than any file's: each gets 400, and serve's terminal no traceback."""
    import http.client

    site, server = served
    for method, path in [("GET", "/papers/%00"), ("GET", "/%00/index.html"), ("HEAD", "/papers/%00"), ("GET", "/%ff%fe"),
                         ("GET", "/papers/" + "a" * 5000), ("GET", "/papers/%00/../index.html")]:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
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
