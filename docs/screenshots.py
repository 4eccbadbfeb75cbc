"""Screenshots of the example site as a reader sees it, light and dark, desktop and phone, into docs/screenshots/.

    .venv/bin/python docs/screenshots.py

Builds the example lists in a temporary folder, marks a few papers read or being read, gives one a rating,
keys of its own and notes with math, then photographs home, a filtered list, that paper, search on a phone
and the 404 page of a nested path served as GitHub Pages serves it (under /repo/).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect, sync_playwright

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
NOTES = "\nRegisters soak up attention: $\\mathbf{r}_i \\in \\mathbb{R}^d$, and\n\n$$\\mathrm{softmax}\\left(\\frac{QK^\\top}{\\sqrt{d}}\\right)V$$\n"


def sitegen(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "sitegen", *args], check=True, env={**os.environ, "SOURCE_DATE_EPOCH": "1790000000"})


def reading_site(root: Path, base_url: str) -> None:
    shutil.copytree(REPO / "content" / "lists", root / "content" / "lists")
    shutil.copy(REPO / "content" / "taxonomy.yml", root / "content" / "taxonomy.yml")
    (root / "sitegen.yml").write_text(f"title: Reading lists\nbase_url: {base_url}\n")
    sitegen("build", "-s", str(root))
    papers = root / "content" / "papers"
    chosen = sorted(p for p in papers.glob("*.md") if "list: feature-learning" in p.read_text())
    edits = {p: "status: read\n" for p in chosen[:3]} | {chosen[3]: "status: reading\n"}
    edits[papers / "vision-transformers-need-registers.md"] = "status: reading\nrating: 4\nvenue: ICLR 2024\nmy_rating: 5\n"
    for page, fields in edits.items():
        text = page.read_text().replace("status: unread\n", fields)
        page.write_text(text + (NOTES if page.stem == "vision-transformers-need-registers" else ""))
    sitegen("build", "-s", str(root))


class SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """The site under /repo/, and 404.html for any missing path, as GitHub Pages does."""

    def translate_path(self, path: str) -> str:
        return super().translate_path(path.removeprefix("/repo"))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        body = (Path(self.directory) / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def shoot(page: Page, name: str, full_page: bool = False) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        root = Path(folder)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SubPathHandler, directory=str(root / "site")))
        base = f"http://127.0.0.1:{server.server_address[1]}/repo/"
        reading_site(root, base)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for scheme in ("light", "dark"):
            for device, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
                context = browser.new_context(color_scheme=scheme, viewport=viewport, is_mobile=device == "phone",
                                              has_touch=device == "phone", device_scale_factor=1)
                page = context.new_page()
                site = (root / "site").as_uri()
                page.goto(f"{site}/index.html")
                shoot(page, f"home-{device}-{scheme}")
                page.goto(f"{site}/lists/feature-learning/index.html")
                page.get_by_role("button", name="Read 3").click()
                expect(page.locator(".filter-status")).to_have_text("3 of 75 papers shown")
                shoot(page, f"list-filtered-{device}-{scheme}")
                page.goto(f"{site}/papers/vision-transformers-need-registers/index.html")
                expect(page.locator(".notes .katex-display")).to_be_visible()
                shoot(page, f"paper-math-{device}-{scheme}", full_page=True)
                page.goto(f"{site}/search/index.html?q=vision%20transformers")
                expect(page.locator(".results .result-title").first).to_be_visible()
                shoot(page, f"search-{device}-{scheme}")
                page.goto(base + "papers/old-slug/")
                expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
                shoot(page, f"404-nested-{device}-{scheme}")
                context.close()
        browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
