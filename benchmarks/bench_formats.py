#!/usr/bin/env python3
"""Reading speed of each list format at N papers, and dedupe of all four together.

    python3 benchmarks/bench_formats.py [N ...] [--runs 3]      (default N: 1000 10000)

The papers are the example site's titles and abstracts, repeated with distinct arXiv ids and titles,
written as an HF daily-papers response, a BibTeX file, an arXiv Atom response and a pasted .txt list.
Prints a Markdown table of medians (seconds).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitegen.cite import latex_escape  # noqa: E402
from sitegen.errors import Diagnostics  # noqa: E402
from sitegen.parse import dedupe, parse_list_file  # noqa: E402


def example_papers() -> list[tuple[str, str]]:
    papers = []
    for path in sorted((REPO / "content" / "lists").glob("*.txt")):
        _, entries = parse_list_file(path, path.read_bytes(), Diagnostics(), dt.date(2026, 1, 1))
        papers += [(e.title, e.abstract) for e in entries if e.abstract]
    return papers


def corpus(n: int) -> list[tuple[str, str, str, list[str]]]:
    base = example_papers()
    return [(f"{2300 + i // 90000}.{10000 + i % 90000:05d}", f"{t} (variant {i})", a, ["Ada Lovelace", f"Author {i}"])
            for i, (t, a) in ((i, base[i % len(base)]) for i in range(n))]


def write_formats(folder: Path, papers: list[tuple[str, str, str, list[str]]]) -> dict[str, Path]:
    files = {"json": folder / "a.json", "bib": folder / "b.bib", "atom": folder / "c.atom", "txt": folder / "d.txt"}
    files["json"].write_text(json.dumps([{"paper": {"id": i, "title": t, "summary": a, "authors": [{"name": n} for n in names],
                                                    "publishedAt": "2023-09-28T17:59:05.000Z"}} for i, t, a, names in papers]))
    files["bib"].write_text("\n".join(
        f"@misc{{k{k},\n  title = {{{latex_escape(t)}}},\n  author = {{{' and '.join(names)}}},\n  year = {{2023}},\n"
        f"  eprint = {{{i}}},\n  archivePrefix = {{arXiv}},\n  abstract = {{{latex_escape(a)}}}\n}}\n"
        for k, (i, t, a, names) in enumerate(papers)))
    files["atom"].write_text('<feed xmlns="http://www.w3.org/2005/Atom">\n' + "".join(
        f"<entry><id>http://arxiv.org/abs/{i}v1</id><published>2023-09-28T17:59:05Z</published><title>{escape(t)}</title>"
        f"<summary>{escape(a)}</summary>{''.join(f'<author><name>{n}</name></author>' for n in names)}</entry>\n"
        for i, t, a, names in papers) + "</feed>\n")
    files["txt"].write_text("".join(f"{t}\n\n{a}\n\n" for _, t, a, _ in papers))
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print("| N | .json | .bib | .atom | .txt | dedupe of all four (4N entries) |")
    print("|---|---|---|---|---|---|")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            files = write_formats(Path(tmp), corpus(n))
            times: dict[str, list[float]] = {name: [] for name in [*files, "dedupe"]}
            for _ in range(args.runs):
                entries = []
                for name, path in files.items():
                    data = path.read_bytes()
                    start = time.perf_counter()
                    entries += parse_list_file(path, data, Diagnostics(), dt.date(2026, 1, 1))[1]
                    times[name].append(time.perf_counter() - start)
                start = time.perf_counter()
                papers = dedupe(entries, {}, Diagnostics())
                times["dedupe"].append(time.perf_counter() - start)
                assert len(papers) == n, (len(papers), n)
            print(f"| {n} | " + " | ".join(f"{statistics.median(times[k]):.2f} s" for k in times) + " |")


if __name__ == "__main__":
    main()
