#!/usr/bin/env python3
"""Automatic tags of the example site against the hand labels in tests/tagging_labels.json.

    python3 benchmarks/tag_quality.py [--per-tag] [--worst 5]

Tags every paper of content/lists/ with content/taxonomy.yml, as a build does, and prints precision,
recall, tags per paper, exact-set rate and key-tag rate (definitions as in the labels' scorer), for
all labelled papers and for two fixed halves of them: "dev" (the 100 whose title hash is lowest)
and "held out" (the other 40), so that a taxonomy change can be seen to generalise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import sys
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitegen.errors import Diagnostics  # noqa: E402
from sitegen.pages import new_page  # noqa: E402
from sitegen.parse import dedupe, parse_list  # noqa: E402
from sitegen.tagging import load_taxonomy, tag_pages  # noqa: E402

LABELS = REPO / "tests" / "tagging_labels.json"
DEV_SIZE = 100


def norm_title(title: str) -> str:
    return re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", title).casefold()).strip()


def example_tags(site: Path = REPO) -> dict[str, tuple[str, ...]]:
    """Each example paper's automatic tags (best first), by normalised title."""
    entries = []
    for path in sorted((site / "content" / "lists").glob("*.txt")):
        entries += parse_list(path, path.read_text(encoding="utf-8"), Diagnostics(), dt.date(2026, 11, 21))[1]
    papers = dedupe(entries, {})
    taxonomy = site / "content" / "taxonomy.yml"
    rules = load_taxonomy(taxonomy, taxonomy.read_text(encoding="utf-8"))
    pages = tag_pages([new_page(p.key, Path(p.key), p) for p in papers], rules)
    return {norm_title(p.title): tuple(m.tag for m in p.auto_tags) for p in pages}


def labelled() -> list[dict[str, object]]:
    return list(json.loads(LABELS.read_text(encoding="utf-8"))["papers"])


def split(labels: list[dict[str, object]]) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """A fixed dev/held-out split by title hash, independent of the labels' order."""
    ordered = sorted(labels, key=lambda p: hashlib.sha256(norm_title(str(p["title"])).encode()).hexdigest())
    return ordered[:DEV_SIZE], ordered[DEV_SIZE:]


def scores(labels: list[dict[str, object]], tags: dict[str, tuple[str, ...]]) -> dict[str, float]:
    tp = fp = fn = exact = key_hit = 0
    for paper in labels:
        auto, gold = set(tags[norm_title(str(paper["title"]))]), set(paper["tags"])  # type: ignore[call-overload]
        tp, fp, fn = tp + len(auto & gold), fp + len(auto - gold), fn + len(gold - auto)
        exact += auto == gold
        key_hit += paper["key_tag"] in auto
    n = len(labels)
    return {"precision": tp / max(1, tp + fp), "recall": tp / max(1, tp + fn), "tags/paper": (tp + fp) / n,
            "exact": exact / n, "key_hit": key_hit / n}


def per_tag(labels: list[dict[str, object]], tags: dict[str, tuple[str, ...]]) -> list[tuple[str, int, int, int]]:
    counts: dict[str, list[int]] = {}
    for paper in labels:
        auto, gold = set(tags[norm_title(str(paper["title"]))]), set(paper["tags"])  # type: ignore[call-overload]
        for tag in auto | gold:
            c = counts.setdefault(tag, [0, 0, 0])
            c[0] += tag in auto and tag in gold
            c[1] += tag in auto and tag not in gold
            c[2] += tag in gold and tag not in auto
    return [(t, *c) for t, c in counts.items()]  # type: ignore[misc]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-tag", action="store_true", help="print every tag's figures")
    parser.add_argument("--worst", type=int, default=5, help="print this many tags with the most errors")
    args = parser.parse_args()
    tags = example_tags()
    labels = labelled()
    dev, held_out = split(labels)
    for name, part in (("all", labels), ("dev", dev), ("held out", held_out)):
        s = scores(part, tags)
        print(f"{name:9} n={len(part):3}  " + "  ".join(f"{k} {v:.3f}" for k, v in s.items()))
    rows = sorted(per_tag(labels, tags), key=lambda r: (-(r[2] + r[3]), r[0]))
    print(f"\n{'tag':32} {'P':>5} {'R':>5}  tp fp fn")
    for tag, tp, fp, fn in rows if args.per_tag else rows[: args.worst]:
        print(f"{tag:32} {tp / max(1, tp + fp):5.2f} {tp / max(1, tp + fn):5.2f} {tp:3} {fp:2} {fn:2}")


if __name__ == "__main__":
    main()
