"""The plain, frozen records that the pipeline stages pass to each other. No I/O here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

STATUSES = ("unread", "reading", "read")
RATINGS = range(1, 6)  # `rating: 1` to `rating: 5`, shown as stars


# Where a paper's values come from, by file extension (a page's own keys are "page").
SOURCE_BY_SUFFIX = {".bib": "bibtex", ".atom": "arxiv", ".xml": "arxiv", ".json": "hf", ".txt": "pasted"}


@dataclass(frozen=True)
class ReadingList:
    """One list file of `content/lists/`: its identity and what its header (or `sitegen.yml`) says."""

    slug: str
    title: str
    date: dt.date | None
    description: str
    path: Path
    # (month, day) when the date comes from a date line with no year ("Mar 11"): resolved against the
    # build day the first time, then read back from the paper pages that record it (`keep_recorded_date`)
    day_without_year: tuple[int, int] | None = None
    # No date anywhere (a .bib, an .atom, a .txt with no date line): the day of the first build, read back
    # from the paper pages that record it, so the list stays put
    undated: bool = False


@dataclass(frozen=True)
class BibEntry:
    """A `.bib` entry to cite from: its type, its key and its citation fields only (the allowlist in
    parse_bibtex: never `file`, `annote`, `keywords` and the like), each value as BibTeX text, in file order."""

    kind: str
    key: str
    fields: tuple[tuple[str, str], ...]
    title: str = ""  # what the entry's title reads as: cite.py rewrites a field only where the paper's value differs
    reads: Bibliographic | None = None  # what the entry says of the paper (with no `bibtex` of its own)
    list_slug: str = ""  # the list whose file holds it: that list's own .bib download cites this entry


@dataclass(frozen=True)
class Bibliographic:
    """What a list format may know about a paper besides title and abstract ('' or () when unknown)."""

    arxiv: str = ""  # e.g. "2309.16588", without version
    doi: str = ""  # e.g. "10.1145/3442188.3445922"
    authors: tuple[str, ...] = ()  # display names, "First Last"
    year: int | None = None
    venue: str = ""  # booktitle or journal
    code: str = ""  # code repository URL
    project: str = ""  # project page URL
    url: str = ""  # the paper's own web page (a .bib's `url`), when it is not an arXiv one
    bibtex: BibEntry | None = None  # the entry a .bib file gave, if one did
    category: str = ""  # arXiv's primary category (e.g. cs.CV), as `sitegen lookup` found it


@dataclass(frozen=True)
class Claim:
    """What one source says of a paper: `source` is one of resolve.RANK's kinds ('page', 'bibtex', ...)."""

    source: str
    biblio: Bibliographic


@dataclass(frozen=True)
class ListEntry:
    """One title + abstract as it stands in a list, with the line it starts on."""

    title: str
    abstract: str
    list_slug: str
    position: int
    path: Path
    line: int
    abstract_line: int | None  # None when the abstract was cut off
    biblio: Bibliographic = Bibliographic()

    @property
    def claim(self) -> Claim:
        return Claim(SOURCE_BY_SUFFIX.get(self.path.suffix.lower(), "pasted"), self.biblio)


@dataclass(frozen=True)
class PageAnchor:
    """An existing paper page as dedupe sees it: what ties it to list entries (its title, abstract, the
    ids the user wrote and the arXiv id sitegen recorded), so it joins the paper they are in."""

    path: Path
    line: int  # of its title
    title: str
    abstract: str
    arxiv: str  # the user's own `arxiv:`
    doi: str  # the user's own `doi:`
    recorded_arxiv: str  # `metadata: arxiv:`, what the sources said at the last build, else what `sitegen lookup` found
    # the titles its lists gave it where they differ from its own (`lists:` entries' `title:`): a merge
    # that retitled the page still finds the entries that matched it by their titles
    listed_titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Membership:
    """A paper's place in one reading list."""

    list_slug: str
    position: int
    date: dt.date | None
    title: str = ""  # the title the list gives the paper, where it is not the paper's (as title_key compares)


@dataclass(frozen=True)
class Paper:
    """A distinct paper after deduplication across lists."""

    key: str
    title: str
    abstract: str
    links: tuple[str, ...]
    memberships: tuple[Membership, ...]
    claims: tuple[Claim, ...] = ()  # every source's word on it; resolve.resolve picks each field's value
    pages: tuple[Path, ...] = ()  # its existing pages (two, when a user's id joined two papers' pages), by path


@dataclass(frozen=True)
class TagRule:
    """One taxonomy entry: a tag, the phrases that trigger it and those that never do (`not:`)."""

    slug: str
    title: str
    description: str
    phrases: tuple[str, ...]
    excluded: tuple[str, ...] = ()


@dataclass(frozen=True)
class TagEvidence:
    """One place a tag's phrase was found, with the words around it: the reason shown to the user."""

    phrase: str
    in_title: bool
    before: str
    words: str
    after: str
    place: str = ""  # in the abstract: "first sentence" or "what the paper does" when that weighed the mention more


@dataclass(frozen=True)
class TagMatch:
    """An automatic or suggested tag and its reason: the taxonomy phrases that matched, their score and
    where they stand, and, for a tag the user's corrections taught, how many papers they gave it and
    the words it was recognised by.

    Pages keep only tag and phrases in their front matter; the rest is recomputed on each build.
    """

    tag: str
    phrases: tuple[str, ...]
    score: float = 0.0
    evidence: tuple[TagEvidence, ...] = ()
    learned_from: int = 0  # papers you gave this tag, which taught it to this one (0: the phrases alone decided)
    learned_words: tuple[str, ...] = ()  # words this paper shares with those papers that weighed most, most first


@dataclass(frozen=True)
class PaperPage:
    """A paper as its Markdown page holds it: machine fields plus the user's own."""

    slug: str
    path: Path
    title: str
    abstract: str
    links: tuple[str, ...]
    memberships: tuple[Membership, ...]
    auto_tags: tuple[TagMatch, ...]
    user_tags: tuple[str, ...]
    status: str
    notes: str
    user_links: tuple[str, ...] = ()  # the links the user wrote in `links:`; `links` are found by sitegen
    arxiv: str = ""
    doi: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str = ""
    code: str = ""
    project: str = ""
    url: str = ""
    bibtex: BibEntry | None = None  # the source .bib entry, when the paper came from one (not kept in the page)
    category: str = ""  # arXiv's primary category, from the page's `lookup:` block
    metadata: Bibliographic = Bibliographic()  # what the lists say (the page's `metadata:`), before lookup's and the user's own keys
    own: tuple[str, ...] = ()  # the bibliographic keys the user wrote on the page (they win over `metadata`)
    list_bibtex: tuple[BibEntry, ...] = ()  # each .bib list's own entry for the paper (one per list)

    @property
    def every_link(self) -> tuple[str, ...]:
        """The user's links, then those sitegen found, once each."""
        return tuple(dict.fromkeys(self.user_links + self.links))
    rating: int | None = None
    extra: tuple[tuple[str, str], ...] = ()  # the user's own other keys, in page order, values as text
    suggested_tags: tuple[TagMatch, ...] = ()  # tags of the user's own that papers like this one have: shown, never applied


@dataclass(frozen=True)
class PaperFacts:
    """What a build makes of one finished paper page alone, kept by a digest of what made the page
    (`depends.paper_input_key`): a later build whose inputs leave the paper as it was carries these
    over instead of digesting and writing it out again (an edit touches one paper, not 10,000)."""

    page: str  # digest of the whole page record: what its own page shows of it
    item: str  # digest of what a list's or the home page's row shows of it (its tags' titles aside)
    line: str  # digest of what an index's or a tag's one-line row shows
    entry: str  # digest of what a feed's entry shows
    export: str  # its `papers.json` entry, as JSON text
    text_kept: bool  # its page text is the page as read, and making it said nothing
