#!/usr/bin/env python3
"""Search against its budgets, in headless Chromium from file://.

    python3 benchmarks/search_budget.py [--papers 10000] [--runs 5] [--gen-corpus ../shared/bench/gen_corpus.py]
    python3 benchmarks/search_budget.py --site SITE/site [--runs 5]   # a site built already (100,000 papers: ~11 min to build)

For the example site and a synthetic corpus of N papers (../shared/bench/gen_corpus.py), or for one
built site, prints: the index's size (raw, gzipped) and files, the time from the first keystroke on
the search page to the first results shown (index load included, a fresh page each run), and the time
each further keystroke takes to update the results. Medians of several runs. Index files are found by
name (search-index*, *shard*), so a sharded index is measured as it is (`search-index.js`, the base,
and `search-index/`, its shards); "loaded" is every local script the page requested while the query
was typed: the page's own scripts, lunr.js, the base and the shards the query and the results shown
needed. bench_build.py calls `measure_search` for its search figures.
Budgets (10,000 papers): index ≤ 3 MB gzipped, first results ≤ 1 s, each keystroke ≤ 50 ms;
example site: first results ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from playwright.sync_api import Browser, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import GEN_CORPUS  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
QUERY = "representation learning"  # common words: in most papers of the synthetic corpus
# Index files, however the search stage lays them out: one script, or shards beside it or in a folder.
INDEX_FILE = re.compile(r"(search[-_.]?index|shard)", re.IGNORECASE)

# Page-side probe: the time of each keydown, and of each change to what the results area shows after it.
PROBE = """() => {
  window.__keys = []; window.__updates = [];
  document.addEventListener('keydown', () => window.__keys.push(performance.now()), true);
  const shown = document.querySelector('.result-count') || document.querySelector('[data-search-page]') || document.querySelector('main');
  new MutationObserver(() => window.__updates.push(performance.now()))
    .observe(shown, {childList: true, characterData: true, subtree: true});
}"""
INPUT = "#search-page-input, main input[type=search]"


@dataclass(frozen=True)
class SearchFigures:
    first_ms: float  # median, first keydown to first results shown, index load included
    keystroke_ms: float  # median, keydown to results updated, over every further keystroke
    loaded_bytes: int  # bytes of the local files the page requested (the index shards the query needed)
    index_bytes: int
    index_gzipped: int
    index_files: int


def index_files(site_root: Path) -> list[Path]:
    return [p for p in sorted(site_root.rglob("*")) if p.is_file() and INDEX_FILE.search(str(p.relative_to(site_root)))
            and p.suffix in (".js", ".json")]


def search_page(site_root: Path) -> Path:
    for candidate in (site_root / "search" / "index.html", site_root / "search.html"):
        if candidate.exists():
            return candidate
    raise SystemExit(f"{site_root}: no search page (search/index.html or search.html)")


def measure(browser: Browser, site_root: Path, runs: int) -> tuple[float, float, int]:
    """(median first-results ms, median per-keystroke ms, bytes loaded) over `runs` fresh pages."""
    firsts, keystrokes, loaded = [], [], 0
    url = search_page(site_root).as_uri()
    for _ in range(runs):
        context = browser.new_context()
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(url)
        page.evaluate(PROBE)
        page.focus(INPUT)
        page.keyboard.type(QUERY[0])
        page.wait_for_function("() => window.__updates.length > 0", timeout=120000)
        firsts.append(page.evaluate("window.__updates[0] - window.__keys[0]"))
        for char in QUERY[1:]:
            before = page.evaluate("window.__updates.length")
            page.keyboard.type(char)
            page.wait_for_function(f"() => window.__updates.length > {before}", timeout=120000)
            keystrokes.append(page.evaluate("window.__updates[window.__updates.length - 1] - window.__keys[window.__keys.length - 1]"))
        files = {Path(unquote(urlparse(u).path)) for u in requested if u.startswith("file:")}
        loaded = sum(f.stat().st_size for f in files if f.is_file() and f.suffix in (".js", ".json"))
        context.close()
    return statistics.median(firsts), statistics.median(keystrokes), loaded


def measure_search(site_root: Path, runs: int) -> SearchFigures:
    """Search figures of a built site (its `site/` folder), in a headless Chromium of its own."""
    files = index_files(site_root)
    raw = b"".join(f.read_bytes() for f in files)
    gzipped = sum(len(gzip.compress(f.read_bytes(), 6)) for f in files)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            first, keystroke, loaded = measure(browser, site_root, runs)
        finally:
            browser.close()
    return SearchFigures(first, keystroke, loaded, len(raw), gzipped, len(files))


def build(site: Path) -> None:
    subprocess.run([sys.executable, "-m", "sitegen", "build", "-q", "-s", str(site)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--gen-corpus", type=Path, default=GEN_CORPUS, help="the corpus generator (default: %(default)s)")
    parser.add_argument("--site", type=Path, help="measure this built site's output folder only")
    args = parser.parse_args()
    if args.site:
        s = measure_search(args.site.resolve(), args.runs)
        print(f"{args.site}: index {s.index_bytes / 1e6:.2f} MB raw, {s.index_gzipped / 1e6:.2f} MB gzipped in {s.index_files} files; "
              f"loaded for the query {s.loaded_bytes / 1e6:.2f} MB; first results {s.first_ms:.0f} ms; each further keystroke {s.keystroke_ms:.1f} ms "
              f"(medians of {args.runs} runs, query typed: {QUERY!r})")
        return
    with tempfile.TemporaryDirectory() as work:
        example = Path(work) / "example"
        (example / "content").mkdir(parents=True)
        shutil.copytree(REPO / "content" / "lists", example / "content" / "lists")
        shutil.copy(REPO / "content" / "taxonomy.yml", example / "content")
        corpus = Path(work) / "corpus"
        subprocess.run([sys.executable, str(args.gen_corpus), str(args.papers), str(corpus), "--forms", "raw"], check=True, capture_output=True)
        large = Path(work) / "large"
        (large / "content").mkdir(parents=True)
        shutil.copytree(corpus / "raw", large / "content" / "lists")
        shutil.copy(REPO / "content" / "taxonomy.yml", large / "content")
        print(f"search budgets, medians of {args.runs} runs, query typed: {QUERY!r}\n")
        print("| site | index raw | index gzipped | index files | loaded for the query | first results (load included) | each further keystroke |")
        print("|---|---|---|---|---|---|---|")
        for name, site in (("example (230 papers)", example), (f"synthetic ({args.papers} papers)", large)):
            build(site)
            s = measure_search(site / "site", args.runs)
            print(f"| {name} | {s.index_bytes / 1e6:.2f} MB | {s.index_gzipped / 1e6:.2f} MB | {s.index_files} | {s.loaded_bytes / 1e6:.2f} MB | "
                  f"{s.first_ms:.0f} ms | {s.keystroke_ms:.1f} ms |", flush=True)


if __name__ == "__main__":
    main()
