#!/usr/bin/env python3
"""Search against its budgets, in headless Chromium from file://.

    python3 benchmarks/search_budget.py [--papers 10000] [--runs 5] [--gen-corpus ../shared/bench/gen_corpus.py]

For the example site and a synthetic corpus of N papers (../shared/bench/gen_corpus.py), prints:
the index script's size (raw, gzipped), the time from the first keystroke on the search page to the
first results shown (index load included, a fresh page each run), and the time each further
keystroke takes to update the results. Medians of several runs.
Budgets (10,000 papers): index ≤ 3 MB gzipped, first results ≤ 1 s, each keystroke ≤ 50 ms;
example site: first results ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
GEN_CORPUS = REPO.parent / "shared" / "bench" / "gen_corpus.py"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
QUERY = "representation learning"

# Page-side probe: the time of each keydown, and of each change to the result count after it.
PROBE = """() => {
  window.__keys = []; window.__updates = [];
  document.addEventListener('keydown', () => window.__keys.push(performance.now()), true);
  new MutationObserver(() => window.__updates.push(performance.now()))
    .observe(document.querySelector('.result-count'), {childList: true, characterData: true, subtree: true});
}"""


def build(site: Path) -> None:
    subprocess.run([sys.executable, "-m", "sitegen", "build", "-q", "-s", str(site)], check=True)


def measure(browser: object, site: Path, runs: int) -> tuple[float, float]:
    """(median first-results ms, median per-keystroke ms) over `runs` fresh pages."""
    firsts, keystrokes = [], []
    url = (site / "site" / "search" / "index.html").as_uri()
    for _ in range(runs):
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(url)
        page.evaluate(PROBE)
        page.focus("#search-page-input")
        page.keyboard.type(QUERY[0])
        page.wait_for_function("() => window.__updates.length > 0", timeout=20000)
        firsts.append(page.evaluate("window.__updates[0] - window.__keys[0]"))
        for char in QUERY[1:]:
            before = page.evaluate("window.__updates.length")
            page.keyboard.type(char)
            page.wait_for_function(f"() => window.__updates.length > {before}", timeout=20000)
            keystrokes.append(page.evaluate("window.__updates[window.__updates.length - 1] - window.__keys[window.__keys.length - 1]"))
        page.close()
    return statistics.median(firsts), statistics.median(keystrokes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--gen-corpus", type=Path, default=GEN_CORPUS, help="the corpus generator (default: %(default)s)")
    args = parser.parse_args()
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
        print("| site | index raw | index gzipped | first results (load included) | each further keystroke |")
        print("|---|---|---|---|---|")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for name, site in (("example (230 papers)", example), (f"synthetic ({args.papers} papers)", large)):
                build(site)
                index = (site / "site" / "search-index.js").read_bytes()
                first, keystroke = measure(browser, site, args.runs)
                print(f"| {name} | {len(index) / 1e6:.2f} MB | {len(gzip.compress(index, 6)) / 1e6:.2f} MB | "
                      f"{first:.0f} ms | {keystroke:.1f} ms |", flush=True)
            browser.close()


if __name__ == "__main__":
    main()
