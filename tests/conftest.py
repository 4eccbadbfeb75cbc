"""Shared helpers: tiny real sites in tmp_path, the real CLI, node and Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from playwright.sync_api import expect

# Example timings are not the property under test: on a loaded 2-core CI machine hypothesis's default
# 200 ms deadline fails correct code. Every property test runs without one (explicit @settings inherit this).
settings.register_profile("no-deadline", deadline=None)
# CI (.ci/run sets SITEGEN_HYPOTHESIS=ci): each property test tries the same examples every run (drawn from a hash of
# the test), so CI is red for a change, never for a draw; runs elsewhere keep exploring new examples.
settings.register_profile("ci", parent=settings.get_profile("no-deadline"), derandomize=True, database=None)
settings.load_profile(os.environ.get("SITEGEN_HYPOTHESIS", "no-deadline"))

# expect() waits 5 s by default, Playwright's actions 30 s: on a loaded 2-core CI machine, with Chromium loading a search
# index's shards from disk, 5 s is too short for correct pages. A broken page still fails, after 30 s.
expect.set_options(timeout=30_000)

# Started in the background (`nohup`, some CI runners), the suite inherits an ignored Ctrl+C, and so
# would every sitegen it starts: the tests that interrupt a build or stop `serve` need it heard.
signal.signal(signal.SIGINT, signal.default_int_handler)

REPO = Path(__file__).resolve().parent.parent
NODE_DIR = REPO / "tests" / "node"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def paper_text(title: str, abstract: str) -> str:
    return f"{title}\n\n{abstract}\n\n"


ABSTRACT = (
    "We study how {topic} changes what deep networks learn, with experiments on several datasets and a theory "
    "that explains the effect. Code is at https://github.com/example/{slug}."
)


def raw_list(*titles: str, header: str = "Daily Papers\n\nMar 11\n\n") -> str:
    """A list in the pasted form: furniture, then title and abstract lines."""
    body = "".join(paper_text(t, ABSTRACT.format(topic=t.lower(), slug=t.split()[0].lower())) for t in titles)
    return header + body


def exported_papers(site: Path) -> list[dict[str, Any]]:
    """papers.json's papers, each with the abstract and notes of its page (content/papers/<slug>.md):
    papers.json leaves the abstract to the pages, so tests of the data read it where it is."""
    from sitegen.pages import read_page

    papers = json.loads((site / "site/papers.json").read_text(encoding="utf-8"))["papers"]
    for paper in papers:
        path = site / "content" / "papers" / f"{paper['url'].split('/')[1]}.md"
        source = read_page(path, path.read_text(encoding="utf-8"))
        paper["abstract"] = str(source.entries["abstract"].value or "") if "abstract" in source.entries else ""
        paper["notes"] = source.body
    return papers


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    """A site from a dict of relative path → text (or bytes)."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def run_sitegen(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line, in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *map(str, args)],
        cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300,
    )


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's example site, copied and built once for the session."""
    root = tmp_path_factory.mktemp("example")
    shutil.copytree(REPO / "content" / "lists", root / "content" / "lists")
    shutil.copy(REPO / "content" / "taxonomy.yml", root / "content" / "taxonomy.yml")
    result = run_sitegen("build", "-s", root, env={"SOURCE_DATE_EPOCH": "1790000000"})
    assert result.returncode == 0, result.stderr
    return root


def node_query(site: Path, queries: list[str] = [], words: list[str] = [], expand: bool = False, reference: bool = False) -> dict[str, Any]:  # noqa: B006
    """Ask the real lunr.js (from npm) and the browser's search code, in node (and, with `reference`,
    the code before it scored from the postings: lunr.js's own Index.query, tests/node/lunr-reference.js)."""
    if not (NODE_DIR / "node_modules" / "lunr").is_dir():
        pytest.fail("tests/node/node_modules is missing: run `npm ci --prefix tests/node` (the README's test command does)")
    out = subprocess.run(
        ["node", str(NODE_DIR / "query.js")], input=json.dumps({"site": str(site), "queries": queries, "words": words, "expand": expand, "reference": reference}),
        capture_output=True, text=True, check=True, timeout=300,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


# The search page (search-ui.js) draws a query's answer in steps, each after what it needs has loaded: the first
# results with the count, the rest of the page once typing pauses, then the facets' counts.
RESULTS_PAGE = 50  # results drawn before "Show more results" (search-ui.js's PAGE_SIZE)
COUNT = re.compile(r"^(No papers match|1 paper matches|([\d,]+) papers match)\.")


def search_drawn(page: Any) -> int:
    """How many papers match, once the search page has drawn its whole answer: the count, the first page of results
    and (when anything matches) the facets. Called after a new page's search or after `redrawn`: it would take an
    earlier query's answer, still shown, for the new one's."""
    count = page.locator(".result-count")
    expect(count).to_have_text(COUNT)
    found = COUNT.match(count.inner_text())
    assert found is not None
    matches = 0 if found[1] == "No papers match" else int((found[2] or "1").replace(",", ""))
    expect(page.locator(".results .result")).to_have_count(min(matches, RESULTS_PAGE))
    if matches:
        expect(page.locator(".facet-status label").first).to_be_attached()
    return matches


@contextmanager
def redrawn(*parts: Any) -> Iterator[None]:
    """The block's action makes the page draw these parts again, asynchronously: afterwards, wait until the element
    each one showed before is gone, so that no assertion of the new state can pass on the old one, which may look
    the same (the same number of results, the same facet counts)."""
    shown = [part.first.element_handle() for part in parts]
    yield
    for part, element in zip(parts, shown):
        part.page.wait_for_function("(element) => !element.isConnected", arg=element)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, through Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_of(browser: Any) -> Iterator[Callable[..., Any]]:
    """A fresh Chromium page; afterwards, no request left file:// and nothing went wrong in the console."""
    opened: list[tuple[Any, list[str], list[str]]] = []

    def open_page(**options: Any) -> Any:
        context = browser.new_context(**options)
        page = context.new_page()
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        opened.append((context, requests, errors))
        return page
    yield open_page
    for context, requests, errors in opened:
        assert [u for u in requests if not u.startswith("file://")] == []
        assert errors == []
        context.close()
