"""Paper + existing page text → PaperPage, and PaperPage → the page text to write.

A page is `content/papers/<slug>.md`: YAML front matter, then the user's notes in Markdown.
sitegen owns MACHINE_FIELDS and rewrites only their lines; every other key, every comment and
the body are the user's and are kept byte for byte. What the lists say of the paper (BIBLIO_FIELDS:
arxiv, doi, authors, year, venue, url, code, project) is sitegen's `metadata:` mapping, refreshed on
every build; the same keys at the top level are the user's and win (resolve.resolve decides). `links`
is the user's; sitegen's own links (found in the abstract) are `found_links`. `lookup` is what
`sitegen lookup` found on arXiv: only that command writes it; a build reads it as a source at arXiv's
rank and keeps it as it is (deleting the block undoes the lookup).

Pages written before `metadata:` existed held sitegen's fills as top-level keys: on such a page a
top-level value that some source gives for that field is sitegen's old fill and moves into
`metadata:`; any other value stays the user's.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from sitegen.errors import Diagnostics, SourceError
from sitegen.identifiers import ARXIV_FORMS, arxiv_id, is_web_url
from sitegen.parse import abstracts_differ, slugify, title_key
from sitegen.records import (
    RATINGS,
    STATUSES,
    Bibliographic,
    Claim,
    ListEntry,
    PageAnchor,
    Paper,
    PaperPage,
    ReadingList,
    TagMatch,
)
from sitegen.resolve import own_entries, resolve
from sitegen.yamlsource import Entry, check_type, compose_mapping, spans_fit

if TYPE_CHECKING:
    from sitegen.state import Memo

BIBLIO_FIELDS = ("arxiv", "doi", "authors", "year", "venue", "url", "code", "project")
MACHINE_FIELDS = ("title", "abstract", "found_links", "lists", "auto_tags", "metadata", "lookup")
# The `lookup:` mapping's keys and their types; `date` (the day it was looked up) is always there.
LOOKUP_FIELDS: dict[str, type] = {"date": dt.date, "arxiv": str, "authors": list, "year": int, "venue": str, "doi": str,
                                  "category": str}
USER_DEFAULTS: dict[str, Any] = {"tags": [], "status": "unread"}
# the keys the paper page shows in their own places
SHOWN_FIELDS = {*MACHINE_FIELDS, *BIBLIO_FIELDS, *USER_DEFAULTS, "links", "rating"}
EMPTY = Entry(None, 0, 0, 0)
# A page opens with a '---' line (after a byte order mark, if any) and its front matter ends at the first line
# that is '---' or '...' (trailing blanks allowed): `front_matter`.
OPENING_LINE = re.compile(r"\ufeff?---[ \t]*\r?\n")
CLOSING_LINE = re.compile(r"(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)")
RESERVED_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
MAX_SLUG_LENGTH = 80
USER_FIELDS_NOTE = (
    "# Above: kept up to date by sitegen from your lists and taxonomy (metadata: what the lists say). Below: yours.\n"
    "# tags: your own; '-some-tag' removes an automatic one. status: unread, reading or read. rating: 1 to 5.\n"
    "# arxiv, doi, authors, year, venue, url, code, project: write one here and your value wins over metadata's.\n"
    "# links: [...] adds links of your own. Add any key you like, and write notes in Markdown after the closing '---'.\n"
)
# The note pages made before `metadata:` carry: replaced by USER_FIELDS_NOTE when such a page is rewritten.
OLD_USER_FIELDS_NOTE = (
    "# Above: kept up to date by sitegen from your lists and taxonomy. Below: yours, never changed.\n"
    "# tags: your own; '-some-tag' removes an automatic one. status: unread, reading or read. rating: 1 to 5.\n"
    "# arxiv, doi, authors, year, venue, code, project (above, when known): filled in only when missing;\n"
    "#   change or add them and your value stays. links: [...] adds links of your own.\n"
    "# Add any key you like, and write notes in Markdown after the closing '---'.\n"
)


@dataclass(frozen=True)
class PageSource:
    """An existing page as read from disk: its text, front matter entries, and body."""

    path: Path
    text: str
    entries: dict[str, Entry]
    yaml_start: int
    yaml_text: str
    body: str

    @cached_property
    def key(self) -> str:
        return title_key(str(self.entries["title"].value))

    @cached_property
    def arxiv(self) -> str:
        """The page's arXiv id, read from the text as written: YAML reads `2309.16580` as a number (asked
        several times of each page: read once)."""
        entry = self.entries.get("arxiv")
        if entry is None or entry.value in (None, ""):
            return ""
        written = self.yaml_text[entry.start:entry.end].split(":", 1)[1].split("#")[0].strip().strip("'\"")
        return arxiv_id(written)

    def own_biblio(self, claims: tuple[Claim, ...]) -> Bibliographic:
        """The user's own bibliographic keys (top level). On a page from before `metadata:`, a value some
        source gives for that field is sitegen's old fill, not the user's (unless a comment is on its line)."""
        values = {k: e.value for k, e in self.entries.items() if k in BIBLIO_FIELDS and e.value not in (None, "", [])}
        own = biblio_of(values, self.arxiv)
        if "metadata" in self.entries:
            return own
        filled = {name for name in BIBLIO_FIELDS for claim in claims
                  if getattr(own, name) and getattr(own, name) == getattr(claim.biblio, name) and not self.commented(name)}
        return Bibliographic(**{name: getattr(own, name) for name in BIBLIO_FIELDS if name not in filled})

    def commented(self, key: str) -> bool:
        entry = self.entries[key]
        return bool(COMMENT.search(self.yaml_text[entry.start:line_end(self.yaml_text, entry.end)]))

    def recorded(self) -> Bibliographic:
        """What the sources said at the last build (`metadata:`); what is not of its type is ignored."""
        values = self.entries.get("metadata", EMPTY).value
        if not isinstance(values, dict):
            return Bibliographic()
        arxiv = arxiv_id(values["arxiv"]) if isinstance(values.get("arxiv"), str) else ""
        return biblio_of({k: v for k, v in values.items() if k in BIBLIO_FIELDS and valid(k, v)}, arxiv)

    def anchor(self) -> PageAnchor:
        return PageAnchor(self.path, self.entries["title"].key_line, str(self.entries["title"].value), page_abstract(self), self.arxiv,
                          str(self.entries.get("doi", EMPTY).value or ""), self.recorded().arxiv or self.looked_up().arxiv,
                          self.listed_titles())

    def listed_titles(self) -> tuple[str, ...]:
        """The titles the page's `lists:` entries record (where a list titled the paper otherwise)."""
        found = [m.get("title") for m in self.entries.get("lists", EMPTY).value or () if isinstance(m, dict)]
        return tuple(dict.fromkeys(t for t in found if isinstance(t, str) and t))

    def looked_up(self) -> Bibliographic:
        """What `sitegen lookup` found on arXiv for this page ('' or () when nothing, or not looked up)."""
        entry = self.entries.get("lookup")
        found: dict[str, Any] = entry.value if entry is not None and isinstance(entry.value, dict) else {}
        return Bibliographic(
            arxiv=arxiv_id(str(found.get("arxiv") or "")),
            doi=str(found.get("doi") or ""),
            authors=tuple(map(str, found.get("authors") or ())),
            year=found.get("year") or None,
            venue=str(found.get("venue") or ""),
            category=str(found.get("category") or ""),
        )

    def is_edited(self) -> bool:
        """Whether the user put anything of theirs in this page: anything that differs from what
        sitegen writes for these machine values (notes, tags, status, rating, own keys, a bibliographic
        key of their own, a comment, an empty key). What sitegen filled in (`metadata:`) does not count."""
        machine = {k: e.value for k, e in self.entries.items() if k in MACHINE_FIELDS}
        written = self.yaml_text.replace("\r\n", "\n").replace(OLD_USER_FIELDS_NOTE, USER_FIELDS_NOTE)
        return bool(self.body.strip()) or written != made_front_matter(machine) or self.text.startswith("\ufeff")


BIBLIO_TYPES: dict[str, type] = {"doi": str, "authors": list, "year": int, "venue": str, "url": str, "code": str, "project": str}


def valid(key: str, value: Any) -> bool:
    """A `metadata:` value of the type sitegen writes (the mapping is sitegen's, but a hand may touch it)."""
    kind = BIBLIO_TYPES.get(key)
    if kind is None or isinstance(value, bool) or not isinstance(value, kind):
        return False
    return not isinstance(value, list) or all(isinstance(v, str) for v in value)


def biblio_of(values: dict[str, Any], arxiv: str) -> Bibliographic:
    """Front matter values (checked by read_page) as a Bibliographic; `arxiv` read as written."""
    return Bibliographic(
        arxiv=arxiv,
        doi=str(values.get("doi") or ""),
        authors=tuple(map(str, values.get("authors") or ())),
        year=values.get("year") or None,
        venue=str(values.get("venue") or ""),
        url=str(values.get("url") or ""),
        code=str(values.get("code") or ""),
        project=str(values.get("project") or ""),
    )


def read_page(path: Path, text: str, memo: Memo | None = None, written: bool = False) -> PageSource:
    """Split and check a page; any problem is an error at its line, never a silent skip. With a
    memo, front matter read by the last build, or (`written`) made by this one, is not parsed again."""
    found = front_matter(text)
    if found is None:
        raise SourceError(path, 1, "a paper page must start with '---' front matter and close it with '---'")
    yaml_start, yaml_end, body_start = found
    yaml_text = text[yaml_start:yaml_end]
    made = memo.made("yaml", yaml_text) if memo and written else None
    entries = (made if made is not None
               else memo.get("yaml", yaml_text, lambda: compose_mapping(path, yaml_text, first_line=2),
                             lambda found: spans_fit(yaml_text, found, first_line=2)) if memo
               else compose_mapping(path, yaml_text, first_line=2))
    if not isinstance(entries.get("title", Entry(None, 1, 0, 0)).value, str) or not entries["title"].value.strip():
        raise SourceError(path, entries["title"].key_line if "title" in entries else 1, "'title' must be non-empty text")
    expected: dict[str, type] = {"abstract": str, "links": list, "found_links": list, "lists": list, "auto_tags": dict,
                                 "tags": list, "status": str, "metadata": dict, **BIBLIO_TYPES}
    for key, kind in expected.items():
        if key in entries:
            check_type(path, entries[key].key_line, key, entries[key].value, kind)
    for key in ("tags", "links", "found_links", "authors"):
        if key in entries and not all(isinstance(v, str) for v in entries[key].value or []):
            raise SourceError(path, entries[key].key_line, f"every item of '{key}' must be text")
    auto = entries.get("auto_tags")
    if auto is not None and not all(isinstance(t, str) and (p is None or isinstance(p, list) and all(isinstance(w, str) for w in p))
                                    for t, p in (auto.value or {}).items()):
        raise SourceError(path, auto.key_line, "'auto_tags' must map each tag to the list of phrases that matched "
                          "(sitegen writes it: delete the key and the next build writes it again)")
    status = entries.get("status")
    if status is not None and status.value not in STATUSES:
        raise SourceError(path, status.key_line, f"'status' must be one of {', '.join(STATUSES)}, not {status.value!r}")
    rating = entries.get("rating")
    if rating is not None and rating.value is not None and (type(rating.value) is not int or rating.value not in RATINGS):
        raise SourceError(path, rating.key_line, f"'rating' must be a whole number from 1 to 5, not {rating.value!r}")
    if "lookup" in entries:
        check_lookup(path, entries["lookup"])
    source = PageSource(path, text, entries, yaml_start, yaml_text, text[body_start:])
    if "arxiv" in entries and entries["arxiv"].value not in (None, "") and not source.arxiv:
        raise SourceError(path, entries["arxiv"].key_line, f"'arxiv' {as_text(entries['arxiv'].value)!r} is not an arXiv id: "
                          f"{ARXIV_FORMS}, quoted: '2309.16588'")
    return source


# An address written without its scheme: a host name (a dotted name ending in letters, maybe a port), then a path
# or nothing. Not 'mailto:a@b.org', 'doi:10.1/x' or '10.1145/123': the hint would name a page that is not there.
HOST_FIRST = re.compile(r"(?:[A-Za-z0-9-]+\.)+[A-Za-z][A-Za-z0-9-]*(?::[0-9]+)?(?:[/?#]\S*)?\Z")


def page_warnings(sources: list[PageSource]) -> list[tuple[Path, int, str]]:
    """What a page says that it likely did not mean, each a warning at its key's line: an address that is not a
    web address (`links`, `url`, `code`, `project`: only http(s) ones are linked, identifiers.is_web_url), and a
    key that is a slip for one sitegen reads (`Status:`, `raiting:`, `notes:`), shown as a field of the user's own
    while the paper stays as it was."""
    found = []
    for source in sources:
        for key in ("links", "url", "code", "project"):
            entry = source.entries.get(key)
            if entry is None:
                continue
            for value in entry.value if isinstance(entry.value, list) else [entry.value]:
                if isinstance(value, str) and value.strip() and not is_web_url(value):
                    hint = f" (did you mean 'https://{value.strip()}'?)" if HOST_FIRST.match(value.strip()) else ""
                    found.append((source.path, entry.key_line,
                                  f"'{key}': {value!r} is not a web address (http:// or https://), so it is not shown{hint}"))
        for key, entry in source.entries.items():
            if isinstance(key, str) and key not in SHOWN_FIELDS and (meant := meant_key(key)):
                found.append((source.path, entry.key_line, f"'{key}' is not a key sitegen reads: it is shown as a field of "
                                                          f"your own ({meant})"))
    return found


# A note's private parts: HTML comments, to the end of the note if one is never closed (as a browser reads it).
PRIVATE_NOTE = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)


def published_notes(body: str) -> str:
    """A page's notes as the site shows and indexes them: without what the user wrote between `<!--` and `-->`
    (a reminder to oneself, a colleague's name), which Markdown would otherwise print as text. The page keeps it."""
    return PRIVATE_NOTE.sub("", body)


def meant_key(key: str) -> str | None:
    """What a key of the user's own that is close to one sitegen reads was likely meant to be (None: not close)."""
    folded = key.lower().strip()
    if folded in ("notes", "note"):
        return "your notes go below the front matter's closing '---'"
    close = difflib.get_close_matches(folded, sorted(SHOWN_FIELDS), n=1, cutoff=0.85)
    return f"did you mean '{close[0]}'?" if close else None


def front_matter(text: str) -> tuple[int, int, int] | None:
    """Where a page's front matter is: its YAML's start and end, and the end of its closing line (None: it has
    none). Only lines that start with '---' or '...' are tried as the closing one (a regular expression's lazy
    `.*?` tried it at every character: 60 µs of each page's reading)."""
    opening = OPENING_LINE.match(text)
    if opening is None:
        return None
    start = at = opening.end()
    while (closing := CLOSING_LINE.match(text, at)) is None:
        lines = [found for mark in ("\n---", "\n...") if (found := text.find(mark, at)) >= 0]
        if not lines:
            return None
        at = min(lines) + 1
    return start, at, closing.end()


def check_lookup(path: Path, entry: Entry) -> None:
    """A `lookup:` block is input like any other: a mapping of LOOKUP_FIELDS with a date, each of its type."""
    undo = "(what `sitegen lookup` found; delete the block to look the paper up again)"
    if not isinstance(entry.value, dict):
        raise SourceError(path, entry.key_line, f"'lookup' must be a mapping {undo}")
    for key, value in entry.value.items():
        if key not in LOOKUP_FIELDS:
            raise SourceError(path, entry.key_line, f"'lookup' has an unknown key {key!r} (known: {', '.join(LOOKUP_FIELDS)}) {undo}")
        check_type(path, entry.key_line, f"lookup: {key}", value, LOOKUP_FIELDS[key])
    if not isinstance(entry.value.get("date"), dt.date):
        raise SourceError(path, entry.key_line, f"'lookup' must have the date it was looked up (date: YYYY-MM-DD) {undo}")
    if not all(isinstance(v, str) for v in entry.value.get("authors") or []):
        raise SourceError(path, entry.key_line, "every item of 'lookup: authors' must be text")
    found_id = entry.value.get("arxiv")
    if found_id is not None and not (isinstance(found_id, str) and arxiv_id(found_id)):
        raise SourceError(path, entry.key_line, f"'lookup: arxiv' must be a quoted arXiv id such as '2309.16588' {undo}")


def page_from_source(slug: str, source: PageSource, paper: Paper | None) -> PaperPage:
    """The page's record: machine fields from the paper (or the page if none), user fields from the page,
    and each bibliographic value as resolve decides: the user's own key, else what the lists and
    `sitegen lookup` say (`metadata:` holds the lists' alone: lookup's stay in their own block)."""
    values = {k: e.value for k, e in source.entries.items()}
    auto = values.get("auto_tags") or {}
    listed = paper.claims if paper else (Claim("recorded", source.recorded()),)
    claims = (*listed, Claim("lookup", source.looked_up()))
    own = source.own_biblio(claims)
    return PaperPage(
        slug=slug,
        path=source.path,
        title=paper.title if paper else str(values["title"]),
        abstract=paper.abstract if paper else str(values.get("abstract") or ""),
        links=paper.links if paper else tuple(values.get("found_links") or ()),
        memberships=paper.memberships if paper else (),
        auto_tags=tuple(TagMatch(str(t), tuple(map(str, p or ()))) for t, p in auto.items()),
        user_tags=tuple(values.get("tags") or ()),
        status=str(values.get("status") or "unread"),
        notes=published_notes(source.body),
        user_links=tuple(values.get("links") or ()),
        **biblio_fields(resolve((Claim("page", own), *claims))),
        metadata=resolve(listed),
        own=tuple(name for name in BIBLIO_FIELDS if getattr(own, name)),
        list_bibtex=own_entries(listed),
        rating=values.get("rating"),
        extra=tuple((k, as_text(v)) for k, v in values.items() if k not in SHOWN_FIELDS),
    )


def as_text(value: Any) -> str:
    """A user's front matter value as one line to show: lists joined, nested mappings as `key: value`."""
    if isinstance(value, list):
        return ", ".join(as_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {as_text(v)}" for k, v in value.items())
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def new_page(slug: str, path: Path, paper: Paper) -> PaperPage:
    sourced = resolve(paper.claims)
    return PaperPage(slug, path, paper.title, paper.abstract, paper.links, paper.memberships, (), (), "unread", "",
                     **biblio_fields(sourced), metadata=sourced, list_bibtex=own_entries(paper.claims))


def biblio_fields(biblio: Bibliographic) -> dict[str, Any]:
    """A PaperPage's bibliographic keyword arguments."""
    return {name: getattr(biblio, name) for name in (*BIBLIO_FIELDS, "bibtex", "category")}


def plan_pages(papers: list[Paper], sources: list[PageSource], papers_dir: Path) -> tuple[list[PaperPage], list[Path]]:
    """Every paper's page (its existing page, found by dedupe, or a new one with a unique slug) and the
    unedited pages to remove. Of two pages of one paper (a user's id joined them), the edited one is kept
    and the other, untouched, removed; both edited is an error.

    A page whose paper left every list stays if the user edited it (with no lists);
    an untouched one is removed, since re-adding the paper to a list recreates it.
    """
    by_arxiv: dict[str, PageSource] = {}
    by_title: dict[str, list[PageSource]] = {}
    words: dict[str, frozenset[str]] = {}  # each abstract's words, made once however many pages share its title
    for source in sources:
        same = earlier_page_of_same_paper(source, by_arxiv, by_title, words)
        if same is not None:
            raise SourceError(source.path, source.entries["title"].key_line, f"same paper as {same.path}; merge the two pages")
    taken = {s.path.stem.casefold() for s in sources}
    unclaimed = {s.path: s for s in sources}
    pages: list[PaperPage] = []
    for paper in papers:
        found = sorted((unclaimed[path] for path in paper.pages), key=lambda s: not s.is_edited() if len(paper.pages) > 1 else 0)
        if len(found) > 1 and found[1].is_edited():
            raise SourceError(found[1].path, found[1].entries["title"].key_line, f"same paper as {found[0].path}; merge the two pages")
        existing = unclaimed.pop(found[0].path) if found else None
        if existing is not None:
            pages.append(page_from_source(existing.path.stem, existing, paper))
        else:
            slug = unique_slug(paper.title, taken)
            pages.append(new_page(slug, papers_dir / f"{slug}.md", paper))
    removed = []
    for source in unclaimed.values():
        if source.is_edited():
            pages.append(page_from_source(source.path.stem, source, None))
        else:
            removed.append(source.path)
    return pages, removed


def earlier_page_of_same_paper(source: PageSource, by_arxiv: dict[str, PageSource],
                               by_title: dict[str, list[PageSource]], words: dict[str, frozenset[str]]) -> PageSource | None:
    """The page seen before that is the same paper as `source` (same arXiv id, or same title with no id
    and an abstract that does not differ), if any; then notes `source` as seen. `words`: `abstracts_differ`'s cache."""
    same = by_arxiv.get(source.arxiv) if source.arxiv else next(
        (s for s in by_title.get(source.key, []) if not s.arxiv and not abstracts_differ(page_abstract(s), page_abstract(source), words)),
        None)
    if source.arxiv:
        by_arxiv.setdefault(source.arxiv, source)
    by_title.setdefault(source.key, []).append(source)
    return same


def page_abstract(source: PageSource) -> str:
    return str(source.entries["abstract"].value or "") if "abstract" in source.entries else ""


def unique_slug(title: str, taken: set[str]) -> str:
    """A readable file-name-safe slug not yet taken (case-insensitively); marks it taken."""
    base = slugify(title, MAX_SLUG_LENGTH) or "paper"
    if base in RESERVED_NAMES:
        base = f"{base}-paper"
    slug, n = base, 2
    while slug.casefold() in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug.casefold())
    return slug


def recorded_dates(source: PageSource) -> dict[str, dt.date]:
    """The date of each list a page's `lists:` records one for."""
    found: dict[str, dt.date] = {}
    for membership in source.entries.get("lists", EMPTY).value or ():
        if isinstance(membership, dict) and isinstance(membership.get("date"), dt.date):
            found.setdefault(str(membership.get("list")), membership["date"])
    return found


def recorded_list_dates(sources: list[PageSource], reading_lists: list[ReadingList], entries: list[ListEntry]) -> dict[str, dt.date]:
    """The date each list has in the pages' `lists:` entries: where a list's resolved date is kept, with the
    content, so that a date line with no year keeps the year it was first given and a list with no date
    the day it was first built (`parse.keep_recorded_date`). A list renamed since (no page records its
    new name) keeps the date recorded under its old name: the gone list that most of its papers' pages
    record, if they are at least half of its papers."""
    recorded: dict[str, dt.date] = {}
    each = [recorded_dates(source) for source in sources]
    for dates in each:
        for slug, date in dates.items():
            recorded.setdefault(slug, date)
    present = {rl.slug for rl in reading_lists}
    gone: dict[str, set[str]] = {}  # a paper's arXiv id or title key → lists its page records that are gone
    for source, dates in zip(sources, each, strict=True):
        slugs = {slug for slug in dates if slug not in present}
        for key in (source.arxiv, source.recorded().arxiv, source.key):
            if key and slugs:
                gone.setdefault(key, set()).update(slugs)
    for reading_list in reading_lists:
        if reading_list.slug in recorded or not gone:
            continue
        papers = [e for e in entries if e.list_slug == reading_list.slug]
        votes = Counter(slug for e in papers for slug in gone.get(e.biblio.arxiv, set()) | gone.get(title_key(e.title), set()))
        if votes:
            slug, count = min(votes.items(), key=lambda vote: (-vote[1], vote[0]))
            if 2 * count >= len(papers):
                recorded[reading_list.slug] = recorded[slug]
    return recorded


def machine_values(page: PaperPage) -> dict[str, Any]:
    """The machine-owned front matter of a page, in the order it is written."""
    return {
        "title": page.title,
        "abstract": page.abstract,
        "found_links": list(page.links),
        "lists": [
            {"list": m.list_slug, "position": m.position, **({"date": m.date} if m.date else {}), **({"title": m.title} if m.title else {})}
            for m in page.memberships
        ],
        "auto_tags": {m.tag: list(m.phrases) for m in page.auto_tags},
        "metadata": {name: list(value) if isinstance(value, tuple) else value
                     for name in BIBLIO_FIELDS if (value := getattr(page.metadata, name))},
    }


class PageDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Text with line breaks of any kind, or anything unprintable, goes double-quoted and escaped:
    PyYAML's plain and single-quoted styles turn NEL or U+2028 into a space. A value met twice (a
    list's date, when a paper is in a list twice) is written twice, never as an `&id001` anchor."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def represent_text(dumper: yaml.BaseDumper, value: str) -> yaml.ScalarNode:
    plain_safe = value.isprintable() and not any(c in value for c in "\x85\u2028\u2029\ufeff")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=None if plain_safe else '"')


PageDumper.add_representer(str, represent_text)


def dump_yaml(values: dict[str, Any]) -> str:
    return yaml.dump(values, Dumper=PageDumper, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


USER_DEFAULTS_YAML = dump_yaml(USER_DEFAULTS)


def page_text(page: PaperPage, source: PageSource | None, diagnostics: Diagnostics, memo: Memo | None = None) -> str:
    """The page as it should stand on disk: only the lines of machine fields whose value changed
    differ from `source`, in its own line endings; a comment on such a line is kept. When that
    cannot be done without changing the user's YAML, the page is left as it is, with a warning.
    The front matter of a page made or changed here goes into `memo` with its entries, so that the
    next build does not parse it again (after a cold build: all 10,000 pages' YAML)."""
    machine = machine_values(page)
    if source is None:
        front = made_front_matter(machine)
        if memo is not None:
            memo.remember("yaml", front, made_entries(front, machine))
        return f"---\n{front}---\n"
    newline = "\r\n" if "\r\n" in source.yaml_text else "\n"
    edits: list[tuple[int, int, str]] = []
    # A page from before `metadata:`: sitegen's old fills leave the top level, and its note is renewed.
    migrated = [] if "metadata" in source.entries else [k for k in BIBLIO_FIELDS if k in source.entries and k not in page.own]
    for key in migrated:
        old = source.entries[key]
        edits.append((old.start, line_end(source.yaml_text, old.end), ""))
    old_note = OLD_USER_FIELDS_NOTE.replace("\n", newline)
    if old_note in source.yaml_text:
        at = source.yaml_text.index(old_note)
        edits.append((at, at + len(old_note), USER_FIELDS_NOTE.replace("\n", newline)))
    insert_at = 0
    for key, value in machine.items():
        entry = source.entries.get(key)
        end = line_end(source.yaml_text, entry.end) if entry is not None else insert_at
        if entry is not None and entry.value == value:
            insert_at = end
            continue
        replacement = dump_yaml({key: value})
        if entry is not None:
            replacement = with_comments(source, key, source.yaml_text[entry.start : end], replacement)
        edits.append((entry.start if entry is not None else insert_at, end, replacement.replace("\n", newline)))
        insert_at = end
    if not edits:
        return source.text
    yaml_text = source.yaml_text
    # Later edits first, so earlier offsets stay valid; keys inserted at one place keep their order.
    for _, (start, end, replacement) in sorted(enumerate(edits), key=lambda e: (e[1][0], e[1][1], e[0]), reverse=True):
        yaml_text = yaml_text[:start] + replacement + yaml_text[end:]
    entries = entries_keeping_values(source, yaml_text, machine, migrated)
    if entries is None:
        line = source.entries["title"].key_line
        diagnostics.warn(source.path, line, "sitegen's fields could not be updated without changing your own YAML "
                         "(an anchor or alias they share?): page left as it is, the site uses the new values")
        return source.text
    if memo is not None:
        memo.remember("yaml", yaml_text, entries)
    return source.text[: source.yaml_start] + yaml_text + source.text[source.yaml_start + len(source.yaml_text) :]


def made_front_matter(machine: dict[str, Any]) -> str:
    """The front matter sitegen writes for these machine values: its fields, a note on whose is what,
    the user's fields at their defaults. A page that still holds exactly this is untouched by the user."""
    return f"{dump_yaml(machine)}{USER_FIELDS_NOTE}{USER_DEFAULTS_YAML}"


COMMENT = re.compile(r"(?:^|[ \t])#[^\n]*$")


def with_comments(source: PageSource, key: str, old: str, new: str) -> str:
    """`new` (one field's YAML) carrying the comments of `old`, the text it replaces: the comment
    on the key's line stays at its end (or above the key, if the new value spans lines), any other
    comment follows the field on a line of its own."""
    old = old.replace("\r\n", "\n")
    lines = old.split("\n")
    comments = [(n, m.group(0).lstrip()) for n, text in enumerate(lines) if (m := COMMENT.search(text))]
    if not comments:
        return new
    stripped = "\n".join(COMMENT.sub("", text) for text in lines)
    try:
        same = compose_mapping(source.path, stripped, 1).get(key)
    except SourceError:
        same = None
    if same is None or same.value != source.entries[key].value:
        return new  # what looked like a comment is part of a value; entries_keeping_values decides
    first = [text for n, text in comments if n == 0]
    rest = "".join(f"{text}\n" for n, text in comments if n > 0)
    if not first:
        return new + rest
    if new.count("\n") == 1:
        return f"{new[:-1]}  {first[0]}\n{rest}"
    return f"{first[0]}\n{new}{rest}"


def entries_keeping_values(source: PageSource, yaml_text: str, machine: dict[str, Any], migrated: list[str]) -> dict[str, Entry] | None:
    """An edited front matter's entries, if it holds exactly the new machine values and the user's old
    ones (but sitegen's old fills, `migrated` into `metadata:`); else None."""
    try:
        entries = compose_mapping(source.path, yaml_text, 2)
    except SourceError:
        return None
    user = {k: e.value for k, e in source.entries.items() if k not in machine and k not in migrated}
    return entries if {k: e.value for k, e in entries.items()} == {**user, **machine} else None


def made_entries(front: str, machine: dict[str, Any]) -> dict[str, Entry]:
    """The entries `compose_mapping(front, first_line=2)` finds in `made_front_matter(machine)`, without
    parsing it: the values are the machine's own (PageDumper writes them so that they read back equal, of
    the same types), each key starts a line at the left edge (nothing else does: values' lines are indented
    or are a sequence's `- `), and each value's text ends at the newline before the next key. The user's
    defaults after the note are parsed once."""
    entries: dict[str, Entry] = {}
    starts = [0]
    for key in list(machine)[1:]:
        starts.append(front.index(f"\n{key}:", starts[-1]) + 1)
    defaults_at = len(front) - len(USER_DEFAULTS_YAML)
    ends = [*starts[1:], defaults_at - len(USER_FIELDS_NOTE)]
    for (key, value), start, end in zip(machine.items(), starts, ends):
        entries[key] = Entry(value, 2 + front.count("\n", 0, start), start, end - 1)
    lines_before = front.count("\n", 0, defaults_at)
    for key, entry in user_default_entries().items():
        entries[key] = Entry(entry.value, entry.key_line + lines_before, entry.start + defaults_at, entry.end + defaults_at)
    return entries


@cache
def user_default_entries() -> dict[str, Entry]:
    return compose_mapping(Path("defaults"), USER_DEFAULTS_YAML, first_line=2)


def line_end(text: str, index: int) -> int:
    """Just past the newline that ends the line `index` is on (or the text's end)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1
