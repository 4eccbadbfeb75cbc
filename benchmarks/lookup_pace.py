#!/usr/bin/env python3
"""`sitegen lookup` on the example site, against a fake arXiv on 127.0.0.1 with the real pacing.

    .venv/bin/python benchmarks/lookup_pace.py [--copies N]

Builds the example lists (230 papers) into a temporary site, serves a fake arXiv API
(tests/fake_arxiv.py) that knows every example title (as arXiv would spell it: wrapped, with a
follow-up paper whose title contains it as a near miss), runs the real `sitegen lookup` command
against it (3 s between requests, as with the real service) and prints the requests it made, the
seconds it took, what it found, and whether the build afterwards asked anything. `--copies N` makes
the lists N times as long (each copy's titles made distinct), to check 2,000 papers too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from fake_arxiv import FakeArxiv, FakeArxivServer, FakePaper  # noqa: E402

from sitegen.errors import Diagnostics  # noqa: E402
from sitegen.pages import read_page  # noqa: E402
from sitegen.parse import parse_list_file  # noqa: E402


def sitegen(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sitegen", *args], capture_output=True, text=True, env={**os.environ, **(env or {})})


def copied_lists(target: Path, copies: int) -> None:
    """The example lists; with copies > 1, their papers again in pasted lists of their own, each title
    with ', part N' after it (distinct papers, titles as long as the examples')."""
    lists = target / "content" / "lists"
    shutil.copytree(REPO / "content" / "lists", lists)
    entries = []
    for path in sorted((REPO / "content" / "lists").glob("*.txt")):
        entries += parse_list_file(path, path.read_bytes(), Diagnostics(), dt.date(2026, 1, 1))[1]
    for n in range(2, copies + 1):
        text = "Daily Papers\n\nMar 11\n\n" + "".join(f"{e.title}, part {n}\n\n{e.abstract}\n\n" for e in entries if e.abstract)
        (lists / f"copy-{n}.txt").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        copied_lists(site, args.copies)
        shutil.copy(REPO / "content" / "taxonomy.yml", site / "content" / "taxonomy.yml")
        built = sitegen("build", "-s", str(site), "-q")
        assert built.returncode == 0, built.stderr
        titles = [str(read_page(p, p.read_text(encoding="utf-8")).entries["title"].value) for p in sorted((site / "content" / "papers").glob("*.md"))]
        papers = []
        for n, title in enumerate(titles, 1):
            papers.append(FakePaper(f"2401.{n:05d}v2", title.replace(" ", "  ", 1) + ".", (f"Author {n}", "Second Author")))
            papers.append(FakePaper(f"2402.{n:05d}v1", f"{title}: A Follow-up"))  # contains the whole title: must not be taken
        fake = FakeArxiv(papers)
        with FakeArxivServer(fake) as server:
            started = time.perf_counter()
            result = sitegen("lookup", "-s", str(site), "-q", env={"SITEGEN_ARXIV_API": server.url})
            seconds = time.perf_counter() - started
            asked = list(fake.asked)
            rebuilt = sitegen("build", "-s", str(site), "-q", env={"SITEGEN_ARXIV_API": server.url})
            build_requests = len(fake.asked) - len(asked)
        gaps = [b[0] - a[0] for a, b in zip(asked, asked[1:], strict=False)]
        wrong = sum(1 for p in sorted((site / "content" / "papers").glob("*.md"))
                    if str((read_page(p, p.read_text(encoding="utf-8")).entries["lookup"].value or {}).get("arxiv", "")).startswith("2402."))
        print(f"papers: {len(titles)}; exit status {result.returncode}; {result.stdout.strip()}")
        print(f"requests: {len(asked)} ({sum(m == 'POST' for _, m, _, _ in asked)} POST); wall time {seconds:.1f} s; "
              f"smallest gap between requests {min(gaps, default=0):.2f} s; follow-ups taken by mistake: {wrong}")
        print(f"build afterwards: exit status {rebuilt.returncode}, requests to the fake arXiv: {build_requests}")


if __name__ == "__main__":
    main()
