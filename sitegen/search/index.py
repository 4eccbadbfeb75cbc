"""Catalog → what the index is made of (`SearchSource`: plain records, sent to the search worker) → search payload: postings, term frequencies, field lengths and title positions (everything lunr's
BM25 vectors and our ranking are made of, as small integers) and one `SearchDoc` a paper (what results show).

The vectors themselves (one float per term of every field of every paper, most of a serialized lunr index)
are not shipped: both engines (query.py, search-core.js) score from the postings with lunr's own formula.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from operator import sub
from typing import TYPE_CHECKING, Any

from sitegen.markup import plain_markdown, plain_text
from sitegen.search.analyze import author_terms, identifier_key, index_terms, title_stems

if TYPE_CHECKING:
    from sitegen.catalog import Catalog

FIELDS = {"title": 10, "author": 3, "tags": 4, "lists": 2, "abstract": 1, "notes": 1}
EXACT_BOOST, PREFIX_BOOST, FUZZY_BOOST = 3, 1, 1
FUZZY_MIN_LENGTH = 5
PREFIX_MIN_LENGTH = {0: 2, 2000: 3}  # from this many papers on, prefixes this short expand to too much
STEM_PREFIX_MIN_LENGTH = 4
SNIPPET_LENGTH = 200
NOTES_LENGTH = 600  # of the user's notes shipped, for a snippet around a match in them


@dataclass(frozen=True)
class SearchDoc:
    """What a result shows of a paper, and what the facets and identifier lookup know of it. Shipped (in the
    `docs` shards) as a JSON object with these names (an empty tags, notes, authors or math left out), `lists`,
    `arxiv` and `doi` aside: the facets and `ids` shards carry those. Read by name on both sides (`doc["title"]`
    in `sitegen search`, `doc.title` in search-ui.js)."""

    title: str  # as the paper's page has it (math as `$...$`)
    url: str
    tags: tuple[str, ...]  # slugs, automatic first
    lists: tuple[str, ...]  # slugs of the lists it is in
    snippet: str  # the abstract's start
    status: str
    notes: str  # the user's notes as a reader sees them, the first NOTES_LENGTH characters
    authors: str  # "First Last, First Last"
    math: tuple[tuple[str, str], ...]  # the title as runs of (readable text, TeX or ""), when it has math; else ()
    arxiv: str
    doi: str

    SHIPPED = ("title", "url", "tags", "snippet", "status", "notes", "authors", "math")
    OPTIONAL = ("tags", "notes", "authors", "math")  # left out when empty: most papers have no notes or math (~3 MB at 100,000)

    def shipped(self) -> dict[str, Any]:
        """The fields a result shows, by name, those with nothing in them left out: what one item of a `docs` shard is."""
        return {name: value for name in self.SHIPPED if (value := getattr(self, name)) or name not in self.OPTIONAL}

    @classmethod
    def from_shipped(cls, item: dict[str, Any], lists: tuple[str, ...], arxiv: str, doi: str) -> SearchDoc:
        return cls(title=item["title"], url=item["url"], tags=tuple(item.get("tags", ())), lists=lists, snippet=item["snippet"],
                   status=item["status"], notes=item.get("notes", ""), authors=item.get("authors", ""),
                   math=tuple((text, tex) for text, tex in item.get("math", ())), arxiv=arxiv, doi=doi)

    def identifiers(self) -> list[str]:
        """The keys a query's identifier finds this paper by."""
        return [identifier_key(kind, value) for kind, value in (("arxiv", self.arxiv), ("doi", self.doi)) if value]


@dataclass(frozen=True)
class Payload:
    """The whole index before it is cut into shards (and as `read_payload` puts it back together). Postings are
    each term's refs as gaps, field by field; frequencies [] when every one is 1; positions each term's places
    among its papers' title stems (a number, a list, or [] for a hyphenated name's whole)."""

    fields: dict[str, int]
    boosts: dict[str, int]
    tags: dict[str, str]  # slug → title
    lists: dict[str, str]  # slug → title
    docs: tuple[SearchDoc, ...]
    terms: list[str]
    postings: dict[str, list[list[int]]]
    frequencies: dict[str, list[list[int]]]
    positions: list[Any]
    lengths: dict[str, list[int]]


@dataclass(frozen=True)
class PaperTerms:
    """What the index holds of one paper's text (its title, authors, tags, lists' titles, abstract and notes), kept
    between builds (carry.py) so that an edit analyses only the papers it changes. A field's terms are one string
    (space-separated: a term never holds a space): ten thousand papers are sixty thousand strings to keep and read
    back, not a million."""

    terms: tuple[str, ...]  # each field's distinct terms, in FIELDS' order, as first found
    counts: tuple[str, ...]  # how often each of them is found in its field, as a character a term (its code point):
    # one string a field, not a number a term (a tenth of the time to read back)
    places: tuple[int | tuple[int, ...], ...]  # each title term's place among the title's stems: one, several, none ()
    lengths: tuple[int, ...]  # each field's length: its terms counted with repeats

    def fields(self) -> list[list[str]]:
        return [self.field_terms(k) for k in range(len(self.terms))]

    def field_terms(self, field: int) -> list[str]:
        terms = self.terms[field]
        return terms.split(" ") if terms else []

    def field_counts(self, field: int) -> list[int]:
        return list(map(ord, self.counts[field]))


@dataclass(frozen=True)
class SearchPaper:
    """What the index is made of one paper: its fields as the catalog resolved them, with its tags, lists and URL."""

    slug: str
    title: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]  # slugs, automatic first
    lists: tuple[str, ...]  # slugs of the lists it is in
    list_titles: tuple[str, ...]  # their titles
    abstract: str
    notes: str  # as the page has them (Markdown)
    status: str
    url: str
    arxiv: str
    doi: str


@dataclass(frozen=True)
class SearchSource:
    """Everything the index is made of, as plain records: what the search worker is sent instead of inheriting the
    build's heap (a forked worker copied every page of it that it touched, or that its allocations landed in: at
    10,000 papers ~400 MiB, the build's peak of memory)."""

    papers: tuple[SearchPaper, ...]  # in title order: how they are numbered
    tags: dict[str, str]  # slug → title, of every tag
    lists: dict[str, str]  # slug → title, of every list
    index_path: str  # the base's path in the site
    folder: str  # the shards' folder


def search_source(catalog: Catalog) -> SearchSource:
    lists = catalog.lists_by_slug
    papers = []
    for paper in catalog.papers:
        memberships = tuple(m.list_slug for m in paper.memberships if m.list_slug in lists)
        papers.append(SearchPaper(slug=paper.slug, title=paper.title, authors=paper.authors, tags=tuple(catalog.paper_tags[paper.slug]),
                                  lists=memberships, list_titles=tuple(lists[s].info.title for s in memberships), abstract=paper.abstract,
                                  notes=paper.notes, status=paper.status, url=catalog.path("paper", paper.slug), arxiv=paper.arxiv, doi=paper.doi))
    return SearchSource(papers=tuple(papers), tags={t.slug: t.title for t in catalog.tags}, lists={lv.slug: lv.info.title for lv in catalog.lists},
                        index_path=catalog.path("search-index"), folder=catalog.path("search-shards"))


MOST_COUNTED = 0x10FFFF  # the last code point: a word more often in one field (a pasted abstract of one word a million times) counts as this


def paper_terms(paper: SearchPaper) -> PaperTerms:
    """A paper's terms, field by field."""
    found = (index_terms(paper.title), author_terms(paper.authors), index_terms(" ".join(t.replace("-", " ") for t in paper.tags)),
             index_terms(" ".join(paper.list_titles)), index_terms(paper.abstract), index_terms(plain_text(paper.notes)))
    counts = [Counter(terms) for terms in found]
    places: dict[str, list[int]] = {}
    for place, stem in enumerate(title_stems(paper.title)):
        places.setdefault(stem, []).append(place)
    return PaperTerms(terms=tuple(" ".join(c) for c in counts), counts=tuple("".join(chr(min(n, MOST_COUNTED)) for n in c.values()) for c in counts),
                      places=tuple(at[0] if len(at) == 1 else tuple(at) for at in (places.get(term, []) for term in counts[0])),
                      lengths=tuple(map(len, found)))


def search_doc(paper: SearchPaper) -> SearchDoc:
    return SearchDoc(title=paper.title, url=paper.url, tags=paper.tags, lists=paper.lists, snippet=snippet(paper.abstract),
                     status=paper.status, notes=plain_text(paper.notes)[:NOTES_LENGTH], authors=", ".join(paper.authors),
                     math=math_runs(paper.title), arxiv=paper.arxiv, doi=paper.doi)


def build_search(source: SearchSource, analysed: Sequence[PaperTerms] | None = None) -> Payload:
    """The payload of a site's papers, numbered in title order, from each paper's terms (`analysed`, by paper; made
    now if not given)."""
    if analysed is None:
        analysed = [paper_terms(paper) for paper in source.papers]
    docs = tuple(search_doc(paper) for paper in source.papers)
    # Each paper's field split into its terms only while that field is read (all of them at once were a million
    # strings at 10,000 papers, most of the search worker's peak of memory).
    terms = sorted({term for found in analysed for field in found.terms if field for term in field.split(" ")})
    number = {t: i for i, t in enumerate(terms)}
    postings: dict[str, list[list[int]]] = {}
    frequencies: dict[str, list[list[int]]] = {}
    for k, name in enumerate(FIELDS):
        refs: list[list[int]] = [[] for _ in terms]
        tfs: list[list[int]] = [[] for _ in terms]
        for ref, found in enumerate(analysed):
            for n, tf in zip(map(number.__getitem__, found.field_terms(k)), found.field_counts(k)):
                refs[n].append(ref)
                tfs[n].append(tf)
        postings[name] = [deltas(r) for r in refs]
        frequencies[name] = [[] if f.count(1) == len(f) else f for f in tfs]  # [] means every tf is 1
    # Where each term stands among its papers' title stems, in posting order: one place as a number, several as a
    # list, none ([]) for a hyphenated name's whole. What "the words as a phrase in the title" is ranked from.
    positions: list[list[Any]] = [[] for _ in terms]
    for found in analysed:
        for n, place in zip(map(number.__getitem__, found.field_terms(0)), found.places):
            positions[n].append(place if isinstance(place, int) else list(place))
    return Payload(fields=FIELDS, boosts=boosts(len(docs)), tags=source.tags, lists=source.lists, docs=docs, terms=terms, postings=postings,
                   frequencies=frequencies, positions=positions, lengths=field_lengths(analysed))


def boosts(papers: int) -> dict[str, int]:
    return {"exact": EXACT_BOOST, "prefix": PREFIX_BOOST, "fuzzy": FUZZY_BOOST, "fuzzyMinLength": FUZZY_MIN_LENGTH,
            "prefixMinLength": max(v for k, v in PREFIX_MIN_LENGTH.items() if papers >= k), "stemPrefixMinLength": STEM_PREFIX_MIN_LENGTH}


def field_lengths(analysed: Sequence[PaperTerms]) -> dict[str, list[int]]:
    """Each field's length (its terms counted with repeats) in each paper."""
    return {name: [found.lengths[k] for found in analysed] for k, name in enumerate(FIELDS)}


def deltas(refs: list[int]) -> list[int]:
    """Ascending refs as gaps from the previous one: small numbers, which compress well."""
    return list(map(sub, refs, [0, *refs]))


def undelta(gaps: list[int]) -> list[int]:
    refs, total = [], 0
    for gap in gaps:
        total += gap
        refs.append(total)
    return refs


def snippet(text: str) -> str:
    if len(text) <= SNIPPET_LENGTH:
        return text
    cut = text.rfind(" ", 0, SNIPPET_LENGTH)
    return text[: cut if cut > 0 else SNIPPET_LENGTH] + "…"


def math_runs(title: str) -> tuple[tuple[str, str], ...]:
    """A title with math (`$β$-VAE`) as runs of (readable text, TeX), TeX "" outside math, parsed by the pages' own
    Markdown rules so that results show it as the pages do; () for a title without math."""
    if "$" not in title:
        return ()
    runs: list[tuple[str, str]] = []
    tex: str | None = None
    for token in plain_markdown().parseInline(title)[0].children or []:
        if token.type == "math_open":
            tex = str(token.attrs["data-tex"])
            runs.append(("", tex))
        elif token.type == "math_close":
            tex = None
        elif token.type in ("text", "code_inline"):
            if tex is None and runs and not runs[-1][1]:
                runs[-1] = (runs[-1][0] + token.content, "")
            elif tex is None:
                runs.append((token.content, ""))
            else:
                runs[-1] = (runs[-1][0] + token.content, tex)
        elif token.type in ("softbreak", "hardbreak") and tex is None:
            runs.append((" ", ""))
    return tuple(runs) if any(tex for _, tex in runs) else ()
