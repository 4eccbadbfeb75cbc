#!/usr/bin/env python3
"""How many papers' related lists a new list moves: related papers of a corpus, then of the corpus with
a new list's papers added, compared paper by paper (the slugs, in order, as the paper pages show them).

    python3 benchmarks/related_churn.py [N] [--extra 50]      (default N: 10000)

A list that changed because a new paper entered it is what a new list should change; every other
changed list is a page rendered again for nothing (weights that moved with the corpus, candidates cut
at a term's best papers). Corpora from ../shared/bench/gen_corpus.py (the extra list with another seed,
as bench_build.py makes it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import GEN_CORPUS, REPO  # noqa: E402

sys.path.insert(0, str(REPO))
from sitegen.errors import Diagnostics  # noqa: E402
from sitegen.parse import dedupe, parse_list_file, slugify  # noqa: E402
from sitegen.related import Document, related_papers  # noqa: E402

TODAY = dt.date(2026, 12, 7)


def documents(lists: list[Path]) -> list[Document]:
    """(slug, title, abstract) of each distinct paper of the lists, as a build's dedupe gives them."""
    entries, dates = [], {}
    for path in lists:
        reading_list, found = parse_list_file(path, path.read_bytes(), Diagnostics(), TODAY)
        entries.extend(found)
        dates[reading_list.slug] = reading_list.date
    return [(slugify(p.title), p.title, p.abstract) for p in dedupe(entries, dates, Diagnostics())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=10000)
    parser.add_argument("--extra", type=int, default=50)
    parser.add_argument("--seed", type=int, default=977, help="of the new list (held-out checks use other lists)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sitegen-churn-") as work:
        for n, out, seed in ((args.n, "corpus", "1"), (args.extra, "extra", str(args.seed))):
            subprocess.run([sys.executable, str(GEN_CORPUS), str(n), f"{work}/{out}", "--forms", "raw", "--seed", seed], check=True, capture_output=True)
        lists = sorted(Path(work, "corpus", "raw").glob("*.txt"))
        before_docs = documents(lists)
        after_docs = documents([*lists, Path(work, "extra", "raw", "list-1.txt")])
    new = {d[0] for d in after_docs} - {d[0] for d in before_docs}
    started = time.process_time()
    before = related_papers(before_docs, 4)
    seconds = time.process_time() - started
    after = related_papers(after_docs, 4)
    changed = [slug for slug in before if [r.slug for r in before[slug]] != [r.slug for r in after.get(slug, ())]]
    entered = [slug for slug in changed if any(r.slug in new for r in after.get(slug, ()))]
    print(f"{len(before_docs)} papers, {len(new)} new: related lists changed {len(changed)}, of which a new paper entered "
          f"{len(entered)}, others {len(changed) - len(entered)}; related papers of the first corpus took {seconds:.1f} s CPU")


if __name__ == "__main__":
    main()
