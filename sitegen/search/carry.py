"""The search index carried over from one build to the next: each paper's terms and each term's shard item (as
JSON) are kept, in the memo's `search-*` files, which only the search worker reads and makes, so that an edit
analyses the papers it changes and patches the items of their terms, instead of analysing ten thousand papers and
serializing sixty thousand terms again. The files it gives are byte for byte those `index_files` makes from
scratch (the tests hold the two equal across edits); shards whose items did not change keep their bytes."""

from __future__ import annotations

import json
from hashlib import blake2b
from dataclasses import dataclass
from itertools import accumulate, repeat
from operator import itemgetter
from typing import Any

from sitegen.output import RenderedFile
from sitegen.state import SEARCH_PARTS
from sitegen.search.index import (FIELDS, PaperTerms, SearchPaper, SearchSource, boosts, build_search, deltas, field_lengths, paper_terms,
                                  search_doc, undelta)
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
        terms, items = patched_renumbered(known, papers, renumbering)
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


def patched_renumbered(known: Carried, papers: list[CarriedPaper], renumbering: list[int]) -> tuple[list[str], list[str]]:
    """The sorted terms and their items for `papers`, from the last build's (`known`), whose papers are numbered
    `renumbering` now: the papers gone are taken out of their terms' items, every item's numbers shifted past the
    papers added and gone, then the papers added or changed put into their terms' items. Only the terms of papers
    added, gone or changed are read back and made again, besides the shift, which leaves a term's entries in order
    (a new list of 50 papers among 10,000 made the whole index again: every paper after one added is numbered anew)."""
    terms, items = known.terms, known.items
    gone = {ref: (paper.terms, NO_TERMS) for ref, (paper, now) in enumerate(zip(known.papers, renumbering)) if now < 0}
    if gone:
        terms, items = patched(terms, items, gone)
    if any(now != ref for ref, now in enumerate(renumbering) if now >= 0):
        items = shifted(items, renumbering)
    before = {now: paper.terms for paper, now in zip(known.papers, renumbering) if now >= 0}
    changes = {ref: (before.get(ref, NO_TERMS), paper.terms) for ref, paper in enumerate(papers) if paper.terms is not before.get(ref)}
    return patched(terms, items, changes) if changes else (terms, items)


def shifted(items: list[str], renumbering: list[int]) -> list[str]:
    """Items whose papers are numbered `renumbering` now (an increasing map over the papers they hold)."""
    renumber = renumbering.__getitem__
    made = []
    for text in items:
        item = json.loads(text)
        for k in range(len(FIELDS)):
            item[2 * k] = deltas(list(map(renumber, accumulate(item[2 * k]))))
        made.append(script_json(item))
    return made


def entries(found: PaperTerms, field: int) -> dict[str, tuple[int, Any]]:
    """A paper's terms in one field: term → (its count, its title place, None outside the title)."""
    places = found.places if field == 0 else repeat(None)
    return dict(zip(found.fields()[field], zip(found.field_counts(field), places)))


def patched(known_terms: list[str], known_items: list[str], changed: dict[int, tuple[PaperTerms, PaperTerms]]) -> tuple[list[str], list[str]]:
    """The sorted terms and their items once the papers numbered as `changed`'s keys hold the second of its terms
    instead of the first (`NO_TERMS`: a paper added, or gone): only the items of the terms whose count or place in a
    field of those papers changed are read back and made again."""
    changes: dict[str, dict[int, dict[int, tuple[int, Any] | None]]] = {}  # term → field → paper → (count, place) now, None: gone
    for ref, (before, now_terms) in changed.items():
        for k in range(len(FIELDS)):
            old, new = entries(before, k), entries(now_terms, k)
            for term in old.keys() | new.keys():
                if old.get(term) != new.get(term):
                    changes.setdefault(term, {}).setdefault(k, {})[ref] = new.get(term)
    number = {term: i for i, term in enumerate(known_terms)}
    made: dict[str, str | None] = {}
    for term, fields in changes.items():
        item = json.loads(known_items[number[term]]) if term in number else [[] for _ in range(2 * len(FIELDS) + 1)]
        for k, now in fields.items():
            refs = undelta(item[2 * k])
            kept = [entry for entry in zip(refs, item[2 * k + 1] or [1] * len(refs), item[-1] if k == 0 else repeat(None))
                    if entry[0] not in now]
            found = sorted([*kept, *((ref, *entry) for ref, entry in now.items() if entry is not None)], key=itemgetter(0))
            item[2 * k] = deltas([ref for ref, _, _ in found])
            counts = [tf for _, tf, _ in found]
            item[2 * k + 1] = [] if counts.count(1) == len(counts) else counts  # [] means every count is 1
            if k == 0:
                item[-1] = [place if isinstance(place, int) else list(place) for _, _, place in found]
        made[term] = script_json(item) if any(item[2 * k] for k in range(len(FIELDS))) else None
    added = [term for term, item in made.items() if item is not None and term not in number]
    removed = {term for term, item in made.items() if item is None}
    kept_items = {term: item for term, item in made.items() if item is not None}
    if not added and not removed:
        items = list(known_items)
        for term, item in kept_items.items():
            items[number[term]] = item
        return known_terms, items
    terms = sorted({*known_terms, *added} - removed)
    return terms, [kept_items[term] if term in kept_items else known_items[number[term]] for term in terms]


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
