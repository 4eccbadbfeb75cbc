#!/usr/bin/env python3
"""Every figure of the speed targets, beside Hugo + Pagefind measured in the same run on the same corpus.

    python3 benchmarks/bench_build.py [--runs 3] [--with-100k] [--sizes 10000 ...]

For each size N (default 10000; `--with-100k` adds one pass at 100,000, 37 minutes on 2 busy cores)
a corpus comes from ../shared/bench/gen_corpus.py (raw lists for sitegen, its Hugo form for Hugo), and
each run measures: the cold build (its wall time, and the peak memory of its whole process tree,
workers included); Hugo then Pagefind on the same corpus; a rebuild with nothing changed; one edited
note; one paper marked `status: read`; then another note and another status edit (later edits, with the
build state a first edit leaves); a new list of 50 papers; `sitegen serve` showing an edited note; for each
of the rebuilds, which files under content/papers and site/ were rewritten (mtime) or changed (bytes): unlike
the seconds, these counts do not depend on the machine's load, which is printed with each run (`os.getloadavg`). After the first cold build: disk per paper, what one paper
page carries, and search from file:// in headless Chromium (search_budget.py). At 100,000 only the cold
build, Hugo + Pagefind, disk and search run. Medians of the runs; prints Markdown for RESULTS.md.
Needs `hugo` (Debian: apt-get install hugo) and Pagefind (npm install --prefix benchmarks); without
them their columns say "n/a". The measures read what the build wrote, so a changed layout (a sharded
index, pages elsewhere) is measured as it is.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import GEN_CORPUS, Changes, Run, changes, group, mean_anatomy, median, paper_pages, run_measured, site_bytes, snapshot  # noqa: E402
from search_budget import QUERY, SearchFigures, measure_search  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1790000000"}  # every build of a run on the same day
FULL_PASS_UP_TO = 20000  # above this, no incremental rebuilds: each would take as long as a cold build


def log(text: str) -> None:
    """Each figure as it is measured, on stderr: a long run stopped part-way still tells what it saw."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def find_tool(name: str) -> str | None:
    local = REPO / "benchmarks" / "node_modules" / ".bin" / name
    return str(local) if local.exists() else shutil.which(name)


def sitegen(site: Path) -> Run:
    return run_measured([sys.executable, "-m", "sitegen", "build", "-q"], site, ENV)


def cold(site: Path) -> Run:
    for name in ("site", ".sitegen", "content/papers"):
        shutil.rmtree(site / name, ignore_errors=True)
    return sitegen(site)


def measured_change(site: Path) -> tuple[Run, Changes]:
    """A build, and what it rewrote and changed under content/papers and site/."""
    roots = (site / "content" / "papers", site / "site")
    before = snapshot(site, *roots)
    run = sitegen(site)
    return run, changes(before, snapshot(site, *roots))


def serve_update(site: Path) -> float:
    """Seconds from saving a note in a paper page to `sitegen serve` serving the updated page."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "-s", str(site), "--port", str(port)], env=ENV,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert server.stderr is not None
        waiting_for = {"watching", "edited notes now show at once"}  # its watcher in place, ready to show a note at once
        for line in server.stderr:
            waiting_for -= {start for start in waiting_for if line.startswith(start)}
            if not waiting_for:
                break
        page = sorted((site / "content" / "papers").glob("*.md"))[7]
        url = f"http://127.0.0.1:{port}/papers/{page.stem}/index.html"
        marker = f"served-note-{time.time_ns()}"
        start = time.perf_counter()
        page.write_text(page.read_text(encoding="utf-8") + f"\n{marker}\n", encoding="utf-8")
        while time.perf_counter() - start < 300:
            with urllib.request.urlopen(url, timeout=30) as response:
                if marker in response.read().decode():
                    return time.perf_counter() - start
            time.sleep(0.02)
        raise SystemExit("serve never showed the edit")
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=120)


def hugo_and_pagefind(hugo_site: Path) -> tuple[float, float] | None:
    hugo, pagefind = find_tool("hugo"), find_tool("pagefind")
    if not (hugo and pagefind):
        return None
    for name in ("public", "resources"):
        shutil.rmtree(hugo_site / name, ignore_errors=True)
    return (run_measured([hugo, "--quiet"], hugo_site).seconds,
            run_measured([pagefind, "--site", "public"], hugo_site).seconds)


@dataclass
class Figures:
    n: int
    papers: int = 0
    cold: list[Run] = field(default_factory=list)
    hugo: list[float] = field(default_factory=list)
    pagefind: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    noop: list[tuple[Run, Changes]] = field(default_factory=list)
    note: list[tuple[Run, Changes]] = field(default_factory=list)
    status: list[tuple[Run, Changes]] = field(default_factory=list)
    later_note: list[tuple[Run, Changes]] = field(default_factory=list)
    later_status: list[tuple[Run, Changes]] = field(default_factory=list)
    new_list: list[tuple[Run, Changes]] = field(default_factory=list)
    serve: list[float] = field(default_factory=list)
    site_total: int = 0
    site_by_top: dict[str, int] = field(default_factory=dict)
    hugo_public: int = 0
    anatomy: dict[str, float] = field(default_factory=dict)
    anatomy_pages: int = 0
    search: SearchFigures | None = None
    seconds: float = 0.0
    loads: list[float] = field(default_factory=list)  # the 1-minute load average at each cold build


def corpus(n: int, work: Path) -> tuple[Path, Path]:
    """(a sitegen site of N papers, the corpus's Hugo site)."""
    out = work / f"corpus-{n}"
    subprocess.run([sys.executable, str(GEN_CORPUS), str(n), str(out), "--forms", "raw,hugo"], check=True, capture_output=True)
    site = work / f"site-{n}"
    (site / "content").mkdir(parents=True)
    shutil.copytree(out / "raw", site / "content" / "lists")
    shutil.copy(REPO / "content" / "taxonomy.yml", site / "content" / "taxonomy.yml")
    return site, out / "hugo"


def bench(n: int, runs: int, work: Path, search_runs: int, peers: bool) -> Figures:
    started = time.perf_counter()
    site, hugo_site = corpus(n, work)
    extra = work / "extra-50"
    if not extra.exists():
        subprocess.run([sys.executable, str(GEN_CORPUS), "50", str(extra), "--forms", "raw", "--seed", "977"], check=True, capture_output=True)
    figures = Figures(n)
    full_pass = n <= FULL_PASS_UP_TO
    log(f"{n} papers: corpus ready")
    for run in range(runs):
        figures.loads.append(os.getloadavg()[0])
        figures.cold.append(cold(site))
        log(f"{n} run {run + 1}: cold build {figures.cold[-1]} (load average before it {figures.loads[-1]:.1f})")
        if run == 0:
            measure_site(figures, site, search_runs)
            log(f"{n}: {figures.papers} papers, site/ {figures.site_total} B, page {figures.anatomy}, search {figures.search}")
        both = hugo_and_pagefind(hugo_site) if peers else None
        log(f"{n} run {run + 1}: Hugo, Pagefind {both}")
        if both:
            figures.hugo.append(both[0])
            figures.pagefind.append(both[1])
            figures.ratios.append(figures.cold[-1].seconds / sum(both))
            if run == 0:
                figures.hugo_public = sum(p.stat().st_size for p in (hugo_site / "public").rglob("*") if p.is_file())
        if not full_pass:
            continue
        figures.noop.append(measured_change(site))
        log(f"{n} run {run + 1}: no-op {figures.noop[-1][0].seconds:.2f} s, {figures.noop[-1][1].describe()}")
        for which, (note, status) in enumerate(((figures.note, figures.status), (figures.later_note, figures.later_status))):
            page = sorted((site / "content" / "papers").glob("*.md"))[(len(figures.cold) * 7 + 11 * which) % figures.papers]
            page.write_text(page.read_text(encoding="utf-8") + f"\nA note written in run {run}.\n", encoding="utf-8")
            note.append(measured_change(site))
            log(f"{n} run {run + 1}: {('one', 'later')[which]} note {note[-1][0].seconds:.2f} s, {note[-1][1].describe()}")
            page = sorted((site / "content" / "papers").glob("*.md"))[(len(figures.cold) * 7 + 11 * which + 3) % figures.papers]
            text = page.read_text(encoding="utf-8")
            page.write_text(re.sub(r"\nstatus: \w+\n", "\nstatus: read\n" if "\nstatus: read\n" not in text else "\nstatus: reading\n", text, count=1),
                            encoding="utf-8")
            status.append(measured_change(site))
            log(f"{n} run {run + 1}: {('one', 'later')[which]} status edit {status[-1][0].seconds:.2f} s, {status[-1][1].describe()}")
        shutil.copy(extra / "raw" / "list-1.txt", site / "content" / "lists" / "zz-new-list-of-50.txt")
        figures.new_list.append(measured_change(site))
        log(f"{n} run {run + 1}: new list {figures.new_list[-1][0].seconds:.2f} s, {figures.new_list[-1][1].describe()}")
        (site / "content" / "lists" / "zz-new-list-of-50.txt").unlink()
        figures.serve.append(serve_update(site))
        log(f"{n} run {run + 1}: serve showed an edit after {figures.serve[-1]:.2f} s")
    figures.seconds = time.perf_counter() - started
    shutil.rmtree(site, ignore_errors=True)
    shutil.rmtree(hugo_site.parent, ignore_errors=True)
    return figures


def measure_site(figures: Figures, site: Path, search_runs: int) -> None:
    """Disk, page anatomy and search of a freshly cold-built site."""
    figures.papers = len(list((site / "content" / "papers").glob("*.md")))
    total, by_top = site_bytes(site / "site")
    figures.site_total, figures.site_by_top = total, dict(by_top)
    pages = paper_pages(site / "site", site / "content" / "papers", every=max(1, figures.papers // 200))
    figures.anatomy, figures.anatomy_pages = (mean_anatomy(pages) if pages else {}), len(pages)
    figures.search = measure_search(site / "site", search_runs)


# --- printing ----------------------------------------------------------------------------------------

def secs(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "met" if ok else "**not met**"


def incremental_row(name: str, measured: list[tuple[Run, Changes]], cold_s: float, target: float) -> str:
    if not measured:
        return f"| {name} | not run at this size | | ≤ {target:.0%} of cold | n/a |"
    seconds = median([r.seconds for r, _ in measured])
    assert seconds is not None
    last = measured[-1][1]
    rewritten = ", ".join(sorted({f"{len(c.rewritten)}" for _, c in measured}))
    return (f"| {name} | {secs(seconds)} = {seconds / cold_s:.1%} of cold; files rewritten (each run): {rewritten}, "
            f"last run's by place: {group(last.rewritten, 8) or 'none'}; changed: {last.describe()} | | "
            f"≤ {target:.0%} of cold{', nothing written' if target == 0.01 else ''} | "
            f"{verdict(seconds <= target * cold_s and (target != 0.01 or not any(c.rewritten or c.changed for _, c in measured)))} |")


def report(f: Figures) -> float:
    """Print a size's table; return its median cold build (seconds)."""
    cold_s = median([r.seconds for r in f.cold])
    assert cold_s is not None
    rss = median([r.peak_rss_mib for r in f.cold])
    pss = median([r.peak_pss_mib for r in f.cold])
    processes = max(r.peak_processes for r in f.cold)
    hugo, pagefind, ratio = median(f.hugo), median(f.pagefind), median(f.ratios)
    print(f"\n### {f.n} papers asked, {f.papers} built; {len(f.cold)} run(s); this size took {f.seconds / 60:.1f} min; "
          f"1-minute load average before each cold build: {', '.join(f'{x:.1f}' for x in f.loads)}\n")
    print("| figure | sitegen | Hugo + Pagefind (same run) | target | |")
    print("|---|---|---|---|---|")
    each = ", ".join(f"{r.seconds:.1f}" for r in f.cold)
    both = f"{secs(hugo + pagefind)} (Hugo {secs(hugo)} + Pagefind {secs(pagefind)})" if hugo and pagefind else "n/a"
    ratio_text = f"{ratio:.2f}× (each run: {', '.join(f'{x:.2f}' for x in f.ratios)})" if ratio else "n/a"
    print(f"| cold build | {secs(cold_s)} (runs: {each} s) | {both} | ≤ 1.0× Hugo + Pagefind | {ratio_text + ': ' + verdict(ratio <= 1.0) if ratio else 'n/a'} |")
    print(incremental_row("no-op rebuild", f.noop, cold_s, 0.01))
    print(incremental_row("one edited note", f.note, cold_s, 0.05))
    print(incremental_row("one status edit", f.status, cold_s, 0.05))
    print(incremental_row("a later note edit", f.later_note, cold_s, 0.05))
    print(incremental_row("a later status edit", f.later_status, cold_s, 0.05))
    print(incremental_row("new list of 50 papers", f.new_list, cold_s, 0.10))
    if f.serve:
        print(f"| `serve`: edited paper page served | {secs(median(f.serve))} (the full build follows in the background) | | | |")
    pss_target = 1024 if f.n >= 100000 else 600
    assert rss is not None and pss is not None
    print(f"| peak memory, process tree (PSS) | {pss:.0f} MiB (RSS {rss:.0f} MiB; up to {processes} processes) | | "
          f"≤ {pss_target} MiB at {f.n:,} | {verdict(pss <= pss_target)} |")
    per_paper = f.site_total / max(f.papers, 1)
    hugo_disk = f"{f.hugo_public / max(f.papers, 1) / 1000:.1f} KB/paper (Hugo public/ incl. Pagefind)" if f.hugo_public else ""
    print(f"| disk: site/ per paper | {per_paper / 1000:.1f} KB ({f.site_total / 1e6:.1f} MB total) | {hugo_disk} | ≤ 10 KB | {verdict(per_paper <= 10000)} |")
    if f.search:
        s = f.search
        print(f"| search: first results, load included | {s.first_ms:.0f} ms ({s.loaded_bytes / 1e6:.2f} MB of scripts loaded) | | ≤ 1 s | {verdict(s.first_ms <= 1000)} |")
        print(f"| search: each further keystroke | {s.keystroke_ms:.1f} ms | | ≤ 50 ms | {verdict(s.keystroke_ms <= 50)} |")
        print(f"| search index on disk | {s.index_bytes / 1e6:.2f} MB raw, {s.index_gzipped / 1e6:.2f} MB gzipped in {s.index_files} file(s) | | | |")
    print("\nsite/ by top-level entry (bytes per paper): " + ", ".join(
        f"{name} {size / max(f.papers, 1):.0f}" for name, size in sorted(f.site_by_top.items(), key=lambda kv: -kv[1])[:8]))
    if f.anatomy:
        total = f.anatomy["total"]
        parts = ", ".join(f"{k} {v:.0f} B ({v / total:.0%})" for k, v in f.anatomy.items() if k not in ("total", "gzipped"))
        print(f"\nOne paper page, mean of {f.anatomy_pages} pages: {total:.0f} B ({f.anatomy['gzipped']:.0f} B gzipped); {parts}")
    return cold_s


def main() -> None:
    # Started in the background (`nohup ... &`), this process ignores Ctrl+C, and so would the `serve`
    # it starts: the SIGINT that stops serve like a user's Ctrl+C would go unheard.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--search-runs", type=int, default=5, help="fresh search pages per size")
    parser.add_argument("--with-100k", action="store_true", help="add one pass at 100,000 papers (slow: 37 min on 2 busy cores)")
    parser.add_argument("--no-peers", action="store_true", help="skip Hugo + Pagefind (no ratio)")
    args = parser.parse_args()
    if not GEN_CORPUS.exists():
        raise SystemExit(f"{GEN_CORPUS} is missing: the benchmarks need ../shared/ beside the repository")
    started = time.perf_counter()
    print(f"sitegen speed benchmark: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; search query {QUERY!r}")
    plan = [(n, args.runs) for n in args.sizes] + ([(100000, 1)] if args.with_100k else [])
    with tempfile.TemporaryDirectory(prefix="sitegen-bench-") as work:
        colds: dict[int, float] = {}
        for n, runs in plan:
            colds[n] = report(bench(n, runs, Path(work), args.search_runs if runs > 1 else 3, not args.no_peers))
            sys.stdout.flush()
    if 10000 in colds and 100000 in colds:
        scale = colds[100000] / colds[10000]
        print(f"\nCold build at 100,000 = {scale:.1f}× the 10,000 build's (target ≤ 12×): {verdict(scale <= 12)}")
    print(f"\nWhole benchmark: {(time.perf_counter() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
