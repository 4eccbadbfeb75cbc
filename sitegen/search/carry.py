"""The search index carried over from one build to the next: each paper's terms and each term's shard item (as
JSON) are kept, in the memo's `search-*` files, which only the search worker reads and makes, so that an edit
analyses the papers it changes and patches the items of their terms, instead of analysing ten thousand papers and
serializing sixty thousand terms again. The files it gives are byte for byte those `index_files` makes from
scratch (the tests hold the two equal across edits); shards whose items did not change keep their bytes."""

from __future__ import annotations

import json
from hashlib import blake2b
from dataclasses import dataclass
from bisect import bisect_left
from itertools import accumulate, repeat
from typing import Any

from sitegen.output import RenderedFile
from sitegen.state import SEARCH_PARTS
from sitegen.search.index import (FIELDS, PaperTerms, SearchPaper, SearchSource, boosts, build_search, deltas, field_lengths, paper_terms,
                                  search_doc)
from sitegen.search.shards import DocRow, doc_row, script_json, shard_files, term_items


@dataclass(frozen=True)
class CarriedPaper:
    """One paper as the index has it: what it was made from, its terms and its row."""

    made_from: tuple[Any, ...]  # every field of the paper its terms and row are made from (`made_from`)
    terms: PaperTerms
    row: DocRow


@dataclass(frozen=True)
class Carried:
    """What the next build's index starts from: its papers, by slug, in number (title) order, and the sorted terms
    with each one's shard item as JSON."""

    slugs: tuple[str, ...]
    papers: tuple[CarriedPaper, ...]
    terms: list[str]
    items: list[str]


def made_from(paper: SearchPaper) -> tuple[Any, ...]:
    """What a paper's terms and row are made from, compared by value with the last build's: its fields, but for the
    abstract and notes, two thirds of what is kept, which are kept as digests (a few milliseconds for ten thousand)."""
    return (paper.title, paper.authors, paper.tags, paper.lists, paper.list_titles, blake2b(paper.abstract.encode(), digest_size=16).digest(),
            blake2b(paper.notes.encode(), digest_size=16).digest(), paper.status, paper.url, paper.arxiv, paper.doi)


def carried_files(source: SearchSource, known: Carried | None) -> tuple[list[RenderedFile], Carried | None]:
    """The index's files, made from `known` (the last build's, None if there is none) where the papers are the
    same, and what the next build starts from (None: the same as `known`)."""
    previous = dict(zip(known.slugs, known.papers)) if known is not None else {}
    papers: list[CarriedPaper] = []
    for paper in source.papers:
        made = made_from(paper)
        found = previous.get(paper.slug)
        if found is None or found.made_from != made:
            analysed_now = paper_terms(paper)  # the last build's when the same, so that `patched` leaves them be
            found = CarriedPaper(made, found.terms if found is not None and found.terms == analysed_now else analysed_now, doc_row(search_doc(paper)))
        papers.append(found)
    slugs = tuple(paper.slug for paper in source.papers)
    analysed = [paper.terms for paper in papers]
    renumbering = renumbered_refs(known.slugs, slugs) if known is not None else None
    if known is not None and renumbering is not None:
        terms, items = patched(known, papers, renumbering)
        same = known.slugs == slugs and all(now is before for now, before in zip(papers, known.papers))
    else:
        terms, items = made_afresh(source, analysed)
        same = False
    head = {"fields": FIELDS, "boosts": boosts(len(papers)), "tags": source.tags, "lists": source.lists, "terms": terms,
            "lengths": field_lengths(analysed)}
    files = shard_files(source, head, [paper.row for paper in papers], items)
    return files, (None if same else Carried(slugs, tuple(papers), terms, items))


def made_afresh(source: SearchSource, analysed: list[PaperTerms]) -> tuple[list[str], list[str]]:
    """The sorted terms and their items, from every paper's terms (the payload let go of before the shards are cut)."""
    payload = build_search(source, analysed)
    return payload.terms, term_items(payload)


NO_TERMS = PaperTerms(terms=("",) * len(FIELDS), counts=("",) * len(FIELDS), places=(), lengths=(0,) * len(FIELDS))  # a paper not there


def renumbered_refs(before: tuple[str, ...], now: tuple[str, ...]) -> list[int] | None:
    """Each paper's number now (-1: gone) by its number before, when the papers still there keep their order (papers
    are numbered in title order: papers added or removed shift the numbers after them); None when one moved (a title
    edited), which is made afresh."""
    number = {slug: ref for ref, slug in enumerate(now)}
    refs = [number.get(slug, -1) for slug in before]
    kept = [ref for ref in refs if ref >= 0]
    return refs if all(a < b for a, b in zip(kept, kept[1:])) else None


def entries(found: PaperTerms, field: int) -> dict[str, tuple[int, Any]]:
    """A paper's terms in one field: term → (its count, its title place, None outside the title)."""
    places = found.places if field == 0 else repeat(None)
    return dict(zip(found.fields()[field], zip(found.field_counts(field), places)))


def patched(known: Carried, papers: list[CarriedPaper], renumbering: list[int]) -> tuple[list[str], list[str]]:
    """The sorted terms and their items for `papers`, from the last build's (`known`), whose papers are numbered
    `renumbering` now: each item's numbers are shifted past the papers added and gone (which keeps its entries in
    order), the papers gone taken out of their terms' items, and the papers added or changed put into theirs. Items
    that neither a shift nor a change reaches are kept as they were. (A new list of 50 papers among 10,000 made the
    whole index again from every paper's terms: every paper after one added is numbered anew.)"""
    before = {now: paper.terms for paper, now in zip(known.papers, renumbering) if now >= 0}
    changes: dict[str, dict[int, dict[int, tuple[int, Any] | None]]] = {}  # term → field → paper → (count, place) now, None: gone
    for ref, paper in enumerate(papers):
        was = before.get(ref, NO_TERMS)
        if paper.terms is was:
            continue
        for k in range(len(FIELDS)):
            old, new = entries(was, k), entries(paper.terms, k)
            for term in old.keys() | new.keys():
                if old.get(term) != new.get(term):
                    changes.setdefault(term, {}).setdefault(k, {})[ref] = new.get(term)
    gone: dict[str, set[int]] = {}  # term → the fields in which a paper gone held it
    for paper, now in zip(known.papers, renumbering):
        if now < 0:
            for k in range(len(FIELDS)):
                for term in paper.terms.field_terms(k):
                    gone.setdefault(term, set()).add(k)
    shift = any(now != ref for ref, now in enumerate(renumbering) if now >= 0)
    number = {term: i for i, term in enumerate(known.terms)}
    items = list(known.items)
    emptied: set[str] = set()
    touched = range(len(items)) if shift else sorted(number[term] for term in changes.keys() | gone.keys() if term in number)
    for i in touched:
        term = known.terms[i]
        item = json.loads(known.items[i])
        for k in range(len(FIELDS)):
            item[2 * k] = deltas(list(map(renumbering.__getitem__, accumulate(item[2 * k]))))
            if k in gone.get(term, ()) or k in changes.get(term, {}):
                put(item, k, changes.get(term, {}).get(k, {}), dropped=k in gone.get(term, ()))
        if any(item[2 * k] for k in range(len(FIELDS))):
            items[i] = script_json(item)
        else:
            emptied.add(term)
    added = {term: new_item(fields) for term, fields in changes.items() if term not in number}
    if not added and not emptied:
        return known.terms, items
    made = dict(zip(known.terms, items)) | added
    terms = sorted(made.keys() - emptied)
    return terms, [made[term] for term in terms]


def new_item(fields: dict[int, dict[int, tuple[int, Any] | None]]) -> str:
    """The item of a term no paper held before."""
    item: list[Any] = [[] for _ in range(2 * len(FIELDS) + 1)]
    for k, now in fields.items():
        put(item, k, now, dropped=False)
    return script_json(item)


def put(item: list[Any], field: int, now: dict[int, tuple[int, Any] | None], dropped: bool) -> None:
    """A term's item (its numbers already shifted) with the papers of `now` holding it in `field` as `now` says
    (their count and title place, None: not), and the papers gone (numbered -1) taken out when `dropped`."""
    refs = list(accumulate(item[2 * field]))
    counts = item[2 * field + 1] or [1] * len(refs)
    places: list[Any] = item[-1] if field == 0 else [None] * len(refs)
    if dropped:
        kept = [(ref, count, place) for ref, count, place in zip(refs, counts, places) if ref >= 0]
        refs, counts, places = [ref for ref, _, _ in kept], [count for _, count, _ in kept], [place for _, _, place in kept]
    for ref, entry in sorted(now.items()):
        at = bisect_left(refs, ref)
        there = at < len(refs) and refs[at] == ref
        if entry is None and there:
            del refs[at], counts[at], places[at]
        elif entry is not None and there:
            counts[at], places[at] = entry
        elif entry is not None:
            refs.insert(at, ref)
            counts.insert(at, entry[0])
            places.insert(at, entry[1])
    item[2 * field] = deltas(refs)
    item[2 * field + 1] = [] if counts.count(1) == len(counts) else counts  # [] means every count is 1
    if field == 0:
        item[-1] = [place if isinstance(place, int) else list(place) for place in places]


def parts(carried: Carried) -> dict[str, Any]:
    """What is carried over, as the memo keeps it: the papers' order, and the papers and the terms' items each cut
    into SEARCH_PARTS parts by a digest of slug or term (`search-order`, `search-papers-N`, `search-terms-N`)."""
    cut: dict[str, Any] = {"search-order": carried.slugs}
    cut.update({f"search-{what}-{n}": {} for what in ("papers", "terms") for n in range(SEARCH_PARTS)})
    for slug, paper in zip(carried.slugs, carried.papers):
        cut[f"search-papers-{part_of(slug)}"][slug] = paper
    for term, item in zip(carried.terms, carried.items):
        cut[f"search-terms-{part_of(term)}"][term] = item
    return cut


def joined(cut: dict[str, Any]) -> Carried | None:
    """The parts put back together (None if one is missing or of another form: made afresh)."""
    order = cut.get("search-order")
    papers: dict[str, CarriedPaper] = {}
    items: dict[str, str] = {}
    for n in range(SEARCH_PARTS):
        held, kept = cut.get(f"search-papers-{n}"), cut.get(f"search-terms-{n}")
        if not isinstance(held, dict) or not isinstance(kept, dict):
            return None
        papers.update(held)
        items.update(kept)
    if not isinstance(order, tuple) or len(order) != len(papers) or not all(isinstance(papers.get(slug), CarriedPaper) for slug in order):
        return None
    terms = sorted(items)
    return Carried(order, tuple(papers[slug] for slug in order), terms, [items[term] for term in terms])


def part_of(key: str) -> int:
    return int.from_bytes(blake2b(key.encode(), digest_size=4).digest()) % SEARCH_PARTS


def carried_over(source: SearchSource, known: dict[str, Any]) -> tuple[list[RenderedFile], dict[str, Any]]:
    """The index's files, from the parts the last build carried over (`known`: kind → part; missing if it had none),
    and the parts this one carries over that differ from those."""
    files, carried = carried_files(source, joined(known))
    if carried is None:
        return files, {}
    return files, {kind: part for kind, part in parts(carried).items() if known.get(kind) != part}
