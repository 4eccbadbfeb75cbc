"""`sitegen serve`: a real server on loopback, a real edit, the page updated and the browser told."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import raw_list, write_site


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


def wait_for(check, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_serve_updates_an_edited_page_and_reloads(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper")})
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "-s", str(site), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}/"
        wait_for(lambda: "Alpha Paper" in get(base + "index.html"))
        page = get(base + "papers/alpha-paper/index.html")
        assert '<script src="/__sitegen/reload.js"></script></body>' in page
        assert not (site / "site/papers/alpha-paper/index.html").read_text().count("__sitegen")  # never in site/
        version = get(base + "__sitegen/version")
        source = site / "content/papers/alpha-paper.md"
        source.write_text(source.read_text() + "A note written while serving.\n")
        wait_for(lambda: "A note written while serving." in get(base + "papers/alpha-paper/index.html"))
        wait_for(lambda: get(base + "__sitegen/version") != version)
        (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper", "Beta Paper", "Gamma Paper"))
        wait_for(lambda: "Gamma Paper" in get(base + "lists/week/index.html"))
    finally:
        os.killpg(server.pid, signal.SIGINT)
        _, errors = server.communicate(timeout=30)
        print(errors)
