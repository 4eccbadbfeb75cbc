#!/usr/bin/env python3
"""Automatic tags of the example site against the hand labels in tests/tagging_labels.json.

    python3 benchmarks/tag_quality.py [--per-tag] [--worst 5] [--folds 5]
    python3 benchmarks/tag_quality.py --speed CORPUS/raw [--corrected 500]   # CORPUS from gen_corpus.py N CORPUS --forms raw
    python3 benchmarks/tag_quality.py --note-edit CORPUS/raw [--corrected 500] [--repeat 3]
    python3 benchmarks/tag_quality.py --corrections [--seeds 3-7] [--taxonomy FILE]
    python3 benchmarks/tag_quality.py --suggestions [--seeds 0-2]

Tags every paper of content/lists/ with content/taxonomy.yml, as a build does, and prints precision,
recall, tags per paper, exact-set rate and key-tag rate (definitions as in the labels' scorer), for
all labelled papers and for two fixed halves of them: "dev" (the 100 whose title hash is lowest)
and "held out" (the other 40), so that a taxonomy change can be seen to generalise; with --folds K,
also for K folds by another title hash and their mean (decide a change on K-1 folds, watch the last). With --speed,
tags every paper of the lists in a folder instead, and prints the CPU seconds tagging took (best of
--repeat runs, the phrase trie built afresh in each); with --corrected N, N pages spread over the
lists carry corrections first, so the learning from them is timed too. With --note-edit, builds a site
of the lists in a temporary folder (real builds, in this process), corrects --corrected pages' `tags:`
as --speed does, builds, then --repeat times adds a note to one page and builds again, and prints the
CPU seconds of each rebuild's tagging call (phrase decision, learning or its memo, applying it; the
phrases' findings come from their memo in both), and their median.

With --corrections, simulates a user who corrects the tags of some labelled papers: for a random
split of the labels, the training papers' pages get the corrections a user would write (`tags:`
with the missing tags, `-tag` for the wrong automatic ones; a paper whose tags were right gets
none, as a user leaves it alone), the site is tagged again as a build tags it, and the automatic
tags of the other labelled papers are scored, beside the same papers with no corrections: for
each seed, 100 corrected / 40 scored and 28 corrected ("a fifth of the library") / 112 scored, and
the mean over seeds. Seeds 0-2 are the ones design choices were made on; report 3 and up.
--taxonomy tags with another taxonomy file, e.g. one not tuned on these labels, as a user's own
taxonomy is not: `git show 98441d8:content/taxonomy.yml > /tmp/untuned.yml` (as first written).
--confirmed: the user also writes the right tags of each training paper (every training page then teaches,
not only the ~half whose tags were wrong); --misses: the held-out labels missed, counted by cause.
--tuned-on-corrected (with --taxonomy untuned) stands in for the held-out check, where the corrected
papers are the ones content/taxonomy.yml was tuned on and the scored ones are not: the corrected
papers' phrase findings (what the user saw, corrected, and what learning is fitted on) come from
content/taxonomy.yml, tuned on them, and every other paper's from --taxonomy, not tuned on it. A
learner that trusts the phrases as far as they were right on the corrected papers is misled here
as it would be there; "no corrections" is then --taxonomy alone.

With --suggestions, judges the suggestions of a tag of the user's own by the labels: each taxonomy tag
that 6 or more labelled papers have is given, as a tag of the user's own ("own-TAG"), to 3 (then 5) of
them drawn at random (one draw per seed), and the other labelled papers it is suggested for are scored
against the labels (precision, recall, how many draws got no suggestion at all).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import random
import re
import sys
import time
import unicodedata
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitegen.errors import Diagnostics  # noqa: E402
from sitegen.pages import new_page  # noqa: E402
from sitegen.records import PaperPage, TagRule  # noqa: E402
from sitegen.parse import dedupe, parse_list  # noqa: E402
from sitegen.tagging import MAX_TAGS, candidates_of, load_taxonomy, phrase_trie, tag_pages  # noqa: E402

LABELS = REPO / "tests" / "tagging_labels.json"
DEV_SIZE = 100


def norm_title(title: str) -> str:
    return re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", title).casefold()).strip()


def untagged_pages(lists: Path) -> list[PaperPage]:
    """The papers of every list in a folder, as pages not yet tagged."""
    entries = []
    for path in sorted(lists.glob("*.txt")):
        entries += parse_list(path, path.read_text(encoding="utf-8"), Diagnostics(), dt.date(2026, 11, 21))[1]
    return [new_page(p.key, Path(p.key), p) for p in dedupe(entries, {}, Diagnostics())]


def taxonomy_rules(taxonomy: Path = REPO / "content" / "taxonomy.yml") -> tuple[TagRule, ...]:
    return load_taxonomy(taxonomy, taxonomy.read_text(encoding="utf-8"))


def example_tags() -> dict[str, tuple[str, ...]]:
    """Each example paper's automatic tags (best first), by normalised title."""
    pages = tag_pages(untagged_pages(REPO / "content" / "lists"), taxonomy_rules())
    return {norm_title(p.title): tuple(m.tag for m in p.auto_tags) for p in pages}


def tagging_seconds(lists: Path, repeat: int, corrected: int) -> tuple[int, float]:
    """How many papers the lists hold, and the least CPU time tag_pages took over them, with `corrected`
    pages (one every len/corrected) corrected as a user would: the first automatic tag removed, the
    taxonomy's next tag added, and every fourth of them given a tag of the user's own."""
    pages, rules = untagged_pages(lists), taxonomy_rules()
    if corrected:
        every, slugs = max(1, len(pages) // corrected), [rule.slug for rule in rules]
        tagged = tag_pages(pages, rules)
        pages = [replace(page, user_tags=tuple([f"-{m.tag}" for m in done.auto_tags[:1]] + [slugs[i % len(slugs)]]
                                               + (["mine"] if i % (4 * every) == 0 else [])))
                 if i % every == 0 else page for i, (page, done) in enumerate(zip(pages, tagged))]
    best = math.inf
    for _ in range(repeat):
        phrase_trie.cache_clear()
        start = time.process_time()
        tag_pages(pages, rules)
        best = min(best, time.process_time() - start)
    return len(pages), best


def note_edit_seconds(lists: Path, repeat: int, corrected: int) -> list[float]:
    """CPU seconds of the tagging call of each of `repeat` rebuilds after a note edit (see the docstring)."""
    import shutil
    import statistics
    import tempfile
    from collections.abc import Callable
    from typing import Any

    import sitegen.state
    import sitegen.tagging
    from sitegen.build import run_build

    spent: list[float] = []
    depth = [0]

    def timed(function: Callable[..., Any], only: str | None = None) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            if only is not None and args[1] != only:  # Memo.get(self, kind, ...): the "learned" kind only
                return function(*args, **kwargs)
            depth[0] += 1
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:
                    spent.append(time.process_time() - start)
        return run

    with tempfile.TemporaryDirectory() as work:
        site = Path(work) / "site"
        shutil.copytree(lists, site / "content" / "lists")
        shutil.copy(REPO / "content" / "taxonomy.yml", site / "content" / "taxonomy.yml")
        run_build(site, site / "site", Diagnostics())
        pages = sorted((site / "content" / "papers").glob("*.md"))
        every, slugs = max(1, len(pages) // max(1, corrected)), [rule.slug for rule in taxonomy_rules()]
        for i, page in enumerate(pages[::every][:corrected]):
            text = page.read_text(encoding="utf-8")
            first = re.search(r"\nauto_tags:\n  ([\w-]+):", text)
            tags = ([f"-{first[1]}"] if first else []) + [slugs[i % len(slugs)]] + (["mine"] if i % 4 == 0 else [])
            page.write_text(re.sub(r"\ntags: .*\n", f"\ntags: [{', '.join(tags)}]\n", text, count=1), encoding="utf-8")
        run_build(site, site / "site", Diagnostics())
        # The tagging call as builds make it: tag_pages (before the memo), or the phrase decision, the memo's "learned" step, applying it.
        patches = [(sitegen.tagging, name) for name in ("tag_pages", "phrase_tagged", "with_learned") if hasattr(sitegen.tagging, name)]
        originals = [(owner, name, getattr(owner, name)) for owner, name in patches] + [(sitegen.state.Memo, "get", sitegen.state.Memo.get)]
        for owner, name, original in originals:
            setattr(owner, name, timed(original, "learned" if name == "get" else None))
        try:
            seconds = []
            for n in range(repeat):
                pages[1].write_text(pages[1].read_text(encoding="utf-8") + f"\nA note, take {n}.\n", encoding="utf-8")
                spent.clear()
                run_build(site, site / "site", Diagnostics())
                seconds.append(sum(spent))
        finally:
            for owner, name, original in originals:
                setattr(owner, name, original)
    print(f"{len(pages)} papers, {corrected} corrected: tagging call of a note-edit rebuild "
          + ", ".join(f"{s:.3f}" for s in seconds) + f" s CPU, median {statistics.median(seconds):.3f}")
    return seconds


def labelled() -> list[dict[str, object]]:
    return list(json.loads(LABELS.read_text(encoding="utf-8"))["papers"])


def split(labels: list[dict[str, object]]) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """A fixed dev/held-out split by title hash, independent of the labels' order."""
    ordered = sorted(labels, key=lambda p: hashlib.sha256(norm_title(str(p["title"])).encode()).hexdigest())
    return ordered[:DEV_SIZE], ordered[DEV_SIZE:]


def folds(labels: list[dict[str, object]], k: int) -> list[list[dict[str, object]]]:
    """K folds by a title hash other than the dev/held-out split's, so that they cut across it."""
    parts: list[list[dict[str, object]]] = [[] for _ in range(k)]
    for paper in labels:
        parts[int(hashlib.sha256(("fold" + norm_title(str(paper["title"]))).encode()).hexdigest(), 16) % k].append(paper)
    return parts


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


def corrections(train: list[dict[str, object]], tags: dict[str, tuple[str, ...]], confirmed: bool = False) -> dict[str, tuple[str, ...]]:
    """What a user writes in `tags:` of each training paper: its missing tags (with `confirmed`, all its tags, the
    right automatic ones too, so that every training page teaches), then `-tag` for each wrong automatic one."""
    edits = {}
    for paper in train:
        key, gold = norm_title(str(paper["title"])), list(paper["tags"])  # type: ignore[call-overload]
        given = tags[key]
        edits[key] = tuple([t for t in gold if confirmed or t not in given] + [f"-{t}" for t in given if t not in gold])
    return edits


def miss_causes(test: list[dict[str, object]], train: list[dict[str, object]], tags: dict[str, tuple[str, ...]],
                found: dict[str, dict[str, float]], causes: dict[str, int]) -> None:
    """Adds each held-out label the automatic tags missed to `causes`, by why: the paper already had MAX_TAGS
    (the cap; some are beyond it, the labels having more), a phrase of the tag was found but too weakly, or none
    was; and how many training papers have it."""
    positives: dict[str, int] = {}
    for paper in train:
        for tag in paper["tags"]:  # type: ignore[attr-defined]
            positives[tag] = positives.get(tag, 0) + 1
    for paper in test:
        key, gold = norm_title(str(paper["title"])), set(paper["tags"])  # type: ignore[call-overload]
        causes["beyond the cap (labels past the 3rd)"] = causes.get("beyond the cap (labels past the 3rd)", 0) + max(0, len(gold) - MAX_TAGS)
        for tag in sorted(gold - set(tags[key])):
            why = ("at the 3-tag cap" if len(tags[key]) >= MAX_TAGS else "phrase found, weakly" if found[key].get(tag, 0.0) > 0
                   else "no phrase found")
            n = positives.get(tag, 0)
            for cause in (why, f"{why}, {'0' if not n else '1-3' if n <= 3 else '4+'} training papers have it",
                          *(["key tag"] if paper["key_tag"] == tag else [])):
                causes[cause] = causes.get(cause, 0) + 1


def correction_runs(seeds: list[int], taxonomy: Path, tuned_on_corrected: bool = False, confirmed: bool = False, misses: bool = False) -> None:
    """Score held-out papers after corrections on random training splits (see the module's docstring)."""
    labels, pages, rules = labelled(), untagged_pages(REPO / "content" / "lists"), taxonomy_rules(taxonomy)
    found = candidates_of(pages, rules)
    plain = {norm_title(p.title): tuple(m.tag for m in p.auto_tags) for p in tag_pages(pages, rules, found)}
    tuned_found = candidates_of(pages, taxonomy_rules()) if tuned_on_corrected else found
    tuned = {norm_title(p.title): tuple(m.tag for m in p.auto_tags) for p in tag_pages(pages, rules, tuned_found)}
    keys = ("precision", "recall", "key_hit", "tags/paper", "max")
    for size in (100, 28):
        rows: dict[str, list[dict[str, float]]] = {"no corrections": [], "corrections": []}
        causes: dict[str, int] = {}
        for seed in seeds:
            order = sorted(labels, key=lambda p: norm_title(str(p["title"])))
            random.Random(seed).shuffle(order)
            train, test = order[:size], order[size:]
            edits = corrections(train, tuned, confirmed)
            corrected = [replace(page, user_tags=edits.get(norm_title(page.title), ())) for page in pages]
            mixed = {page.slug: (tuned_found if norm_title(page.title) in edits else found)[page.slug] for page in pages}
            learned = {norm_title(p.title): tuple(m.tag for m in p.auto_tags) for p in tag_pages(corrected, rules, mixed)}
            if misses:
                miss_causes(test, train, learned, {norm_title(p.title): {m.tag: m.score for m in mixed[p.slug]} for p in pages}, causes)
            for name, tags in (("no corrections", plain), ("corrections", learned)):
                s = scores(test, tags)
                s["max"] = max(len(tags[norm_title(str(p["title"]))]) for p in test)
                rows[name].append(s)
                print(f"{size:3} corrected, {len(test):3} scored, seed {seed}, {name:15} " + "  ".join(f"{k} {s[k]:.3f}" for k in keys))
        for name, runs in rows.items():
            print(f"{size:3} corrected, mean of {len(runs)} seeds, {name:15} "
                  + "  ".join(f"{k} {sum(r[k] for r in runs) / len(runs):.3f}" if k != "max" else f"max {max(r['max'] for r in runs):.0f}" for k in keys))
        for cause, n in sorted(causes.items()):
            print(f"{size:3} corrected, labels missed over {len(seeds)} seeds: {n:4} {cause}")


def suggestion_runs(seeds: list[int]) -> None:
    """Own-tag suggestions scored against the labels (see the module's docstring)."""
    from sitegen.learning import learn
    from sitegen.tagging import phrase_tagged

    labels, pages, rules = labelled(), untagged_pages(REPO / "content" / "lists"), taxonomy_rules()
    found = candidates_of(pages, rules)
    decided = phrase_tagged(pages, found)
    slug_of = {norm_title(page.title): page.slug for page in pages}
    gold = {slug_of[norm_title(str(p["title"]))]: set(p["tags"]) for p in labels}  # type: ignore[call-overload]
    tags = sorted({tag for g in gold.values() for tag in g if sum(tag in h for h in gold.values()) >= 6})
    for size in (3, 5):
        right = wrong = missed = none = 0
        for seed in seeds:
            for tag in tags:
                given = set(random.Random(f"{seed}{tag}").sample(sorted(slug for slug, g in gold.items() if tag in g), size))
                learned = learn([replace(page, user_tags=(f"own-{tag}",)) if page.slug in given else page for page in decided], found, rules)
                suggested = {slug for slug, (_, shown) in learned.items() if any(m.tag == f"own-{tag}" for m in shown)}
                right += sum(tag in gold[slug] for slug in suggested & gold.keys())
                wrong += sum(tag not in gold[slug] for slug in suggested & gold.keys())
                missed += sum(tag in g and slug not in given | suggested for slug, g in gold.items())
                none += not suggested
        print(f"own tag given to {size}, {len(tags)} tags x {len(seeds)} seeds: suggestions precision {right / max(1, right + wrong):.3f} "
              f"recall {right / max(1, right + missed):.3f} ({right} right, {wrong} wrong; no suggestion for {none} of {len(tags) * len(seeds)})")


def seed_range(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-tag", action="store_true", help="print every tag's figures")
    parser.add_argument("--worst", type=int, default=5, help="print this many tags with the most errors")
    parser.add_argument("--folds", type=int, default=0, metavar="K", help="also print K folds of the labels and their mean")
    parser.add_argument("--speed", type=Path, metavar="LISTS", help="time the tagging of every paper of the lists in LISTS")
    parser.add_argument("--note-edit", type=Path, metavar="LISTS", help="time the tagging call of a rebuild after a note edit")
    parser.add_argument("--repeat", type=int, default=3, help="with --speed: runs to take the best of; with --note-edit: rebuilds")
    parser.add_argument("--corrected", type=int, default=0, metavar="N", help="with --speed or --note-edit: correct N pages first")
    parser.add_argument("--corrections", action="store_true", help="score held-out papers after simulated corrections")
    parser.add_argument("--suggestions", action="store_true", help="score own-tag suggestions against the labels")
    parser.add_argument("--seeds", type=seed_range, default=seed_range("0-2"), help="with --corrections or --suggestions: seeds, e.g. 3-7")
    parser.add_argument("--taxonomy", type=Path, default=REPO / "content" / "taxonomy.yml", help="with --corrections: the taxonomy to tag with")
    parser.add_argument("--tuned-on-corrected", action="store_true",
                        help="with --corrections: phrases tuned on the corrected papers only (see the docstring)")
    parser.add_argument("--confirmed", action="store_true",
                        help="with --corrections: the user also writes the right tags of every corrected paper, so that all of them teach")
    parser.add_argument("--misses", action="store_true", help="with --corrections: count the held-out labels missed, by cause")
    args = parser.parse_args()
    if args.suggestions:
        suggestion_runs(args.seeds)
        return
    if args.corrections:
        correction_runs(args.seeds, args.taxonomy, args.tuned_on_corrected, args.confirmed, args.misses)
        return
    if args.note_edit:
        note_edit_seconds(args.note_edit, args.repeat, args.corrected)
        return
    if args.speed:
        papers, seconds = tagging_seconds(args.speed, args.repeat, args.corrected)
        print(f"tagged {papers} papers ({args.corrected} corrected) in {seconds:.2f} s CPU (best of {args.repeat})")
        return
    tags = example_tags()
    labels = labelled()
    dev, held_out = split(labels)
    for name, part in (("all", labels), ("dev", dev), ("held out", held_out)):
        s = scores(part, tags)
        print(f"{name:9} n={len(part):3}  " + "  ".join(f"{k} {v:.3f}" for k, v in s.items()))
    if args.folds:
        parts = folds(labels, args.folds)
        per_fold = [scores(part, tags) for part in parts]
        for i, (part, s) in enumerate(zip(parts, per_fold)):
            print(f"fold {i:<4} n={len(part):3}  " + "  ".join(f"{k} {v:.3f}" for k, v in s.items()))
        print("fold mean        " + "  ".join(f"{k} {sum(s[k] for s in per_fold) / len(per_fold):.3f}" for k in per_fold[0]))
    rows = sorted(per_tag(labels, tags), key=lambda r: (-(r[2] + r[3]), r[0]))
    print(f"\n{'tag':32} {'P':>5} {'R':>5}  tp fp fn")
    for tag, tp, fp, fn in rows if args.per_tag else rows[: args.worst]:
        print(f"{tag:32} {tp / max(1, tp + fp):5.2f} {tp / max(1, tp + fn):5.2f} {tp:3} {fp:2} {fn:2}")


if __name__ == "__main__":
    main()
