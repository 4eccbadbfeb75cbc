#!/usr/bin/env python3
"""Build speed, memory and index size at N papers, beside Hugo + Pagefind on the same corpus.

    python3 benchmarks/bench_build.py [N ...] [--runs 3]      (default N: 1000 10000)

Corpora come from ../shared/bench/gen_corpus.py (raw lists for sitegen, a Hugo site for Hugo).
Prints a Markdown table of medians; paste it into benchmarks/RESULTS.md with the machine and date.
Needs `hugo` (Debian: apt-get install hugo) and `pagefind` (npm install pagefind) for the comparison;
without them those columns say "n/a".
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GEN_CORPUS = REPO.parent / "shared" / "bench" / "gen_corpus.py"
PEAK = "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); " \
       "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(r.returncode)"


def timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak resident memory (KiB, the largest process) of one command."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", PEAK, *command], cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return seconds, int(result.stderr.strip().splitlines()[-1])


def sitegen(site: Path) -> tuple[float, int]:
    return timed([sys.executable, "-m", "sitegen", "build", "-q"], site)


def make_site(corpus: Path, site: Path) -> None:
    shutil.rmtree(site, ignore_errors=True)
    (site / "content").mkdir(parents=True)
    shutil.copytree(corpus / "raw", site / "content" / "lists")
    shutil.copy(REPO / "content" / "taxonomy.yml", site / "content" / "taxonomy.yml")


def cold(site: Path) -> tuple[float, int]:
    for name in ("site", ".sitegen", "content/papers"):
        shutil.rmtree(site / name, ignore_errors=True)
    return sitegen(site)


def serve_update(site: Path) -> float:
    """Seconds from saving a note in a paper page to `sitegen serve` serving the updated page."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "-s", str(site), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert server.stderr is not None
        for line in server.stderr:
            if line.startswith("serving"):
                break
        page = sorted((site / "content" / "papers").glob("*.md"))[7]
        url = f"http://127.0.0.1:{port}/papers/{page.stem}/index.html"
        marker = f"served-note-{time.time_ns()}"
        start = time.perf_counter()
        page.write_text(page.read_text(encoding="utf-8") + f"\n{marker}\n", encoding="utf-8")
        while time.perf_counter() - start < 120:
            with urllib.request.urlopen(url, timeout=10) as response:
                if marker in response.read().decode():
                    return time.perf_counter() - start
            time.sleep(0.02)
        raise SystemExit("serve never showed the edit")
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=60)


def find_tool(name: str) -> str | None:
    local = REPO / "benchmarks" / "node_modules" / ".bin" / name
    return str(local) if local.exists() else shutil.which(name)


def median(values: list[float]) -> float:
    return statistics.median(values)


def bench(n: int, runs: int, work: Path) -> dict[str, object]:
    corpus = work / f"corpus-{n}"
    subprocess.run([sys.executable, str(GEN_CORPUS), str(n), str(corpus), "--forms", "raw,hugo"], check=True, capture_output=True)
    extra = work / f"extra-{n}"
    subprocess.run([sys.executable, str(GEN_CORPUS), "50", str(extra), "--forms", "raw", "--seed", "977"], check=True, capture_output=True)
    site = work / f"site-{n}"
    make_site(corpus, site)
    rows: dict[str, list[float]] = {k: [] for k in ("cold", "peak", "nothing", "notes", "new_list", "serve", "hugo", "pagefind")}
    for _ in range(runs):
        seconds, peak = cold(site)
        rows["cold"].append(seconds)
        rows["peak"].append(peak / 1024)
        rows["nothing"].append(sitegen(site)[0])
        page = sorted((site / "content" / "papers").glob("*.md"))[n // 2]
        page.write_text(page.read_text(encoding="utf-8") + f"\nA note written at {time.time()}.\n", encoding="utf-8")
        rows["notes"].append(sitegen(site)[0])
        shutil.copy(extra / "raw" / "list-1.txt", site / "content" / "lists" / "zz-new-list.txt")
        rows["new_list"].append(sitegen(site)[0])
        (site / "content" / "lists" / "zz-new-list.txt").unlink()
        rows["serve"].append(serve_update(site))
        hugo, pagefind = find_tool("hugo"), find_tool("pagefind")
        if hugo and pagefind:
            shutil.rmtree(corpus / "hugo" / "public", ignore_errors=True)
            rows["hugo"].append(timed([hugo, "--quiet"], corpus / "hugo")[0])
            rows["pagefind"].append(timed([pagefind, "--site", "public"], corpus / "hugo")[0])
    cold(site)
    index = (site / "site" / "search-index.js").read_bytes()
    papers = len(json.loads((site / "site" / "papers.json").read_text(encoding="utf-8"))["papers"])
    result: dict[str, object] = {k: median(v) if v else None for k, v in rows.items()}
    result.update(n=n, papers=papers, index_raw=len(index) / papers, index_gz=len(gzip.compress(index, 6)) / papers,
                  index_gz_total=len(gzip.compress(index, 6)))
    return result


def fmt(value: object, unit: str = "s") -> str:
    return "n/a" if value is None else f"{value:.2f} {unit}" if isinstance(value, float) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not GEN_CORPUS.exists():
        raise SystemExit(f"{GEN_CORPUS} is missing: the benchmarks need ../shared/ beside the repository")
    print(f"sitegen benchmark, medians of {args.runs} runs; {os.cpu_count()} cores; Python {sys.version.split()[0]}\n")
    print("| N | papers | cold build | peak memory | nothing changed | one note edited | new list of 50 | serve: edit shown | index raw / paper | index gz / paper | index gz total | Hugo | Pagefind | sitegen / (Hugo + Pagefind) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for n in args.sizes:
            r = bench(n, args.runs, Path(work))
            both = (r["hugo"] + r["pagefind"]) if r["hugo"] is not None and r["pagefind"] is not None else None  # type: ignore[operator]
            ratio = f"{r['cold'] / both:.2f}" if both else "n/a"  # type: ignore[operator]
            print(f"| {n} | {r['papers']} | {fmt(r['cold'])} | {fmt(r['peak'], 'MiB')} | {fmt(r['nothing'])} | {fmt(r['notes'])} | "
                  f"{fmt(r['new_list'])} | {fmt(r['serve'])} | {r['index_raw']:.0f} B | {r['index_gz']:.0f} B | {r['index_gz_total'] / 1e6:.2f} MB | "  # type: ignore[operator]
                  f"{fmt(r['hugo'])} | {fmt(r['pagefind'])} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
