"""What the benchmarks measure about a command and a built site, independent of how sitegen lays it out.

- `run_measured`: wall time and the peak memory of a command's whole process tree (workers included),
  sampled from /proc, since `ru_maxrss` only knows the largest single process.
- `snapshot` / `changes`: which files a build rewrote (mtime) and which it changed (bytes).
- `site_bytes`, `page_anatomy`: disk per paper and what one paper page carries.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import statistics
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

SAMPLE_SECONDS = 0.02
REPO = Path(__file__).resolve().parent.parent
# ../shared/bench/gen_corpus.py beside the repository (or beside a folder of worktrees above it).
GEN_CORPUS = next((p / "shared" / "bench" / "gen_corpus.py" for p in REPO.parents
                   if (p / "shared" / "bench" / "gen_corpus.py").exists()), REPO.parent / "shared" / "bench" / "gen_corpus.py")


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mib: float  # sum over the process tree at its largest sample (shared pages counted in each process)
    peak_pss_mib: float  # the same with shared pages split between the processes that share them
    peak_processes: int


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found.extend(int(c) for c in f.read().split())
    except OSError:
        pass
    return found


def _tree(pid: int) -> list[int]:
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(_children(p))
    return tree


def _memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KiB; (0, 0) once it has gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def run_measured(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run `command`, sampling its process tree's memory every 20 ms; raise with its output if it fails."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0, 0, 0]
    finished = threading.Event()

    def sample() -> None:
        while not finished.is_set():
            pids = _tree(process.pid)
            rss, pss = map(sum, zip(*(_memory_kib(p) for p in pids)))
            peak[0], peak[1], peak[2] = max(peak[0], rss), max(peak[1], pss), max(peak[2], len(pids))
            finished.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    seconds = time.perf_counter() - start
    finished.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{out[-3000:]}\n{err[-3000:]}")
    return Run(seconds, peak[0] / 1024, peak[1] / 1024, peak[2])


Snapshot = dict[str, tuple[int, str]]  # relative path -> (mtime_ns, sha1 of the bytes)


def snapshot(base: Path, *roots: Path) -> Snapshot:
    """Every file under the roots, by path relative to `base`, with its mtime and digest."""
    files: Snapshot = {}
    for root in roots:
        if not root.exists():
            continue
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                files[path.relative_to(base).as_posix()] = (path.stat().st_mtime_ns, hashlib.sha1(path.read_bytes()).hexdigest())
    return files


@dataclass(frozen=True)
class Changes:
    rewritten: list[str]  # written again (mtime moved), whether or not the bytes changed
    changed: list[str]  # bytes differ, or added, or removed

    def describe(self, limit: int = 6) -> str:
        if not self.rewritten and not self.changed:
            return "nothing written"
        if len(self.changed) <= limit:
            return f"{len(self.rewritten)} files rewritten, {len(self.changed)} changed: {', '.join(self.changed) or 'none'}"
        return f"{len(self.rewritten)} files rewritten, {len(self.changed)} changed: {group(self.changed, limit)}"


def changes(before: Snapshot, after: Snapshot) -> Changes:
    rewritten = sorted(p for p in after if p in before and after[p][0] != before[p][0]) + sorted(set(after) - set(before))
    changed = sorted(p for p in set(before) | set(after) if before.get(p, (0, ""))[1] != after.get(p, (0, ""))[1])
    return Changes(rewritten, changed)


def group(paths: list[str], limit: int) -> str:
    """'site/papers 3, site/tags 2, …' — where the files are, by their first two path parts."""
    counts = Counter("/".join(p.split("/")[:2]) for p in paths)
    shown = ", ".join(f"{where} {n}" for where, n in counts.most_common(limit))
    return shown + (f", +{len(counts) - limit} more places" if len(counts) > limit else "")


def site_bytes(site: Path) -> tuple[int, Counter[str]]:
    """Total bytes of the files under `site`, and the bytes under each top-level entry."""
    by_top: Counter[str] = Counter()
    for path in site.rglob("*"):
        if path.is_file():
            by_top[path.relative_to(site).parts[0]] += path.stat().st_size
    return sum(by_top.values()), by_top


# --- what one paper page carries -------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
        "path", "circle", "rect", "line", "polyline", "polygon", "use", "stop"}  # SVG shapes are often self-closed


CATEGORIES = ("inline SVG", "navigation, header, footer", "related papers", "inline script/style")


def _category(tag: str, attrs: dict[str, str]) -> str | None:
    """The part of a page an element is, by what it is rather than where the theme puts it."""
    names = f"{attrs.get('class', '')} {attrs.get('id', '')} {attrs.get('aria-label', '')}".lower()
    if tag == "svg":
        return "inline SVG"
    if "related" in names or "similar" in names:
        return "related papers"
    if tag in ("nav", "header", "footer") and "page-header" not in names:
        return "navigation, header, footer"
    if tag in ("script", "style"):
        return "inline script/style"
    return None


class _Anatomy(HTMLParser):
    """Bytes of the outermost elements of each category; offsets come from the parser's positions."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        starts = [0]
        for line in text.splitlines(keepends=True):
            starts.append(starts[-1] + len(line.encode()))
        self.lines, self.line_starts = text.splitlines(keepends=True), starts
        self.stack: list[tuple[str, str | None, int]] = []  # (tag, category, start byte)
        self.bytes: Counter[str] = Counter()

    def _offset(self) -> int:
        line, column = self.getpos()
        if line > len(self.lines):
            return self.line_starts[-1]
        return self.line_starts[line - 1] + len(self.lines[line - 1][:column].encode())

    def _open(self) -> bool:
        return any(category for _, category, _ in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        category = None if self._open() else _category(tag, {k: v or "" for k, v in attrs})
        start = self._offset()
        if tag in VOID:
            if category:
                self.bytes[category] += len((self.get_starttag_text() or "").encode())
            return
        self.stack.append((tag, category, start))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        category = None if self._open() else _category(tag, {k: v or "" for k, v in attrs})
        if category:
            self.bytes[category] += len((self.get_starttag_text() or "").encode())

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                _, category, start = self.stack[i]
                del self.stack[i:]
                if category:
                    end = self._offset() + len(f"</{tag}>".encode())
                    self.bytes[category] += end - start
                return


def page_anatomy(html: str) -> dict[str, int]:
    """Bytes of one page: total, gzipped, and per part; 'removable whitespace' is what a minifier drops
    (every run of whitespace cut to one character, whitespace between tags dropped)."""
    parser = _Anatomy(html)
    parser.feed(html)
    parser.close()
    data = html.encode()
    between_tags = sum(len(m.group(1)) for m in re.finditer(rb">(\s+)<", data))
    runs = sum(len(m.group(0)) - 1 for m in re.finditer(rb"\s{2,}", data))
    parts = {category: parser.bytes[category] for category in CATEGORIES}
    return {"total": len(data), "gzipped": len(gzip.compress(data, 6)), **parts,
            "the paper itself (the rest)": len(data) - sum(parts.values()), "removable whitespace (of all)": max(between_tags, runs)}


def mean_anatomy(pages: list[Path]) -> dict[str, float]:
    totals: Counter[str] = Counter()
    for page in pages:
        totals.update(page_anatomy(page.read_text(encoding="utf-8")))
    return {k: v / len(pages) for k, v in totals.items()}


def paper_pages(site_root: Path, papers_dir: Path, every: int = 1) -> list[Path]:
    """The HTML page of each paper page source (content/papers/<slug>.md), wherever the theme puts it."""
    found = []
    for source in sorted(papers_dir.glob("*.md"))[::every]:
        for candidate in (site_root / "papers" / source.stem / "index.html", site_root / "papers" / f"{source.stem}.html"):
            if candidate.exists():
                found.append(candidate)
                break
    return found


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None
