"""Pages, lists and taxonomy → Catalog: everything the site shows, and every output path, computed once.

Templates and the search index read the catalog; nothing downstream computes a path of its own.
Two sources that would land on one output path are an error here, before anything is written.
"""

from __future__ import annotations

import datetime as dt
import difflib
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sitegen.cite import bibtex_entry, citation_keys
from sitegen.config import SiteConfig
from sitegen.errors import SourceError
from sitegen.parse import slugify
from sitegen.records import PaperPage, ReadingList, TagMatch, TagRule
from sitegen.related import Related


@dataclass(frozen=True)
class ListView:
    info: ReadingList
    papers: tuple[PaperPage, ...]  # in the list's order

    @property
    def slug(self) -> str:
        return self.info.slug

    @property
    def read_count(self) -> int:
        return sum(1 for p in self.papers if p.status == "read")

    @property
    def reading_count(self) -> int:
        return sum(1 for p in self.papers if p.status == "reading")


@dataclass(frozen=True)
class TagView:
    slug: str
    title: str
    description: str
    papers: tuple[PaperPage, ...]
    co_tags: tuple[tuple[str, int], ...]  # (tag slug, papers shared), most shared first
    automatic: bool
    suggested: tuple[tuple[PaperPage, TagMatch], ...] = ()  # papers like these, not tagged (a tag of the user's own), likeliest first


def latest_date(paper: PaperPage) -> dt.date:
    """The newest date of the lists that hold the paper: when it was added."""
    return max((m.date for m in paper.memberships if m.date), default=dt.date.min)


@dataclass(frozen=True)
class Catalog:
    config: SiteConfig
    papers: tuple[PaperPage, ...]  # sorted by title
    lists: tuple[ListView, ...]  # newest first, then by slug
    tags: tuple[TagView, ...]  # by slug
    paper_tags: dict[str, tuple[str, ...]]  # paper slug → tag slugs, automatic first
    updated: dt.date  # the newest list's date: what feeds say they were updated on (never the build day)
    citations: dict[str, str] = field(default_factory=dict)  # paper slug → its BibTeX entry
    related: dict[str, tuple[Related, ...]] = field(default_factory=dict)
    routes: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, slug) → site-relative path

    @cached_property
    def papers_by_slug(self) -> dict[str, PaperPage]:
        return {p.slug: p for p in self.papers}

    @cached_property
    def lists_by_slug(self) -> dict[str, ListView]:
        return {lv.slug: lv for lv in self.lists}

    @cached_property
    def tags_by_slug(self) -> dict[str, TagView]:
        return {t.slug: t for t in self.tags}

    @cached_property
    def recent_first(self) -> tuple[PaperPage, ...]:
        """The papers in the order they were added in: newest list date first, then list position (then slug)."""
        def order(p: PaperPage) -> tuple[int, int, str]:
            position = min((m.position for m in p.memberships), default=0)
            return (-latest_date(p).toordinal(), position, p.slug)
        return tuple(sorted(self.papers, key=order))

    @cached_property
    def added_rank(self) -> dict[str, int]:
        """Each paper's place in `recent_first`: any collection sorted by it is in the order it was added in."""
        return {p.slug: i for i, p in enumerate(self.recent_first)}

    @cached_property
    def in_no_list(self) -> tuple[PaperPage, ...]:
        """Papers no list has any more, kept for what the user wrote on their pages (a fact `sitegen check` notes)."""
        return tuple(p for p in self.papers if not p.memberships)

    def path(self, kind: str, slug: str = "") -> str:
        """The output path of a page, relative to the site root: the one place routes live."""
        return self.routes[(kind, slug)]

    def pages_of(self, kind: str, slug: str = "") -> tuple[str, ...]:
        """Every page of a long list, tag or index ('list', 'tag', 'papers'), page 1 first."""
        paths = [self.path(kind, slug)]
        while (key := (f"{kind}-page", f"{slug}/{len(paths) + 1}")) in self.routes:
            paths.append(self.routes[key])
        return tuple(paths)


NO_DATE = dt.date(1970, 1, 1)  # Atom needs a date; a site whose lists have none gets this fixed one
LIST_PAGE_SIZE = 200  # papers, each with its folded abstract, on one page of a reading list
INDEX_PAGE_SIZE = 1000  # one-line rows on one page of a tag or of all papers


def paginate(routes: dict[tuple[str, str], str], kind: str, slug: str, count: int, size: int) -> None:
    """Pages 2, 3, ... of a collection at `<its folder>/page/<n>/`, and, if there are several,
    `<its folder>/rows.js` with every paper of it, for filters that cover all its pages."""
    folder = routes[(kind, slug)].removesuffix("index.html")
    pages = max(1, -(-count // size))
    for number in range(2, pages + 1):
        routes[(f"{kind}-page", f"{slug}/{number}")] = f"{folder}page/{number}/index.html"
    if pages > 1:
        routes[(f"{kind}-rows", slug)] = f"{folder}rows.js"


PAGE_ROUTES = {
    ("home", ""): "index.html",
    ("papers", ""): "papers/index.html",
    ("tags", ""): "tags/index.html",
    ("lists", ""): "lists/index.html",
    ("search", ""): "search/index.html",
    ("404", ""): "404.html",
    ("feed", ""): "feed.xml",
    ("sitemap", ""): "sitemap.xml",
    ("robots", ""): "robots.txt",
    ("nojekyll", ""): ".nojekyll",
    ("export", ""): "papers.json",
    ("bib", ""): "papers.bib",
    ("search-index", ""): "search-index.js",
    ("search-shards", ""): "search-index/",  # the folder of the index's shards (search.index_files names them)
}


def effective_tags(page: PaperPage) -> tuple[str, ...]:
    """Automatic tags minus those the user removed with '-tag', then the user's own, as slugs."""
    removed = {slugify(t[1:]) for t in page.user_tags if t.startswith("-")}
    added = [slugify(t) for t in page.user_tags if not t.startswith("-")]
    automatic = [m.tag for m in page.auto_tags if m.tag not in removed]
    return tuple(dict.fromkeys(t for t in automatic + added if t))


def tag_spelling(tag: str) -> str:
    """What tells two spellings of a tag apart once case, accents, spaces, '-' and '_' are set aside:
    'Deep Learning' and 'deep-learning' are one tag; 'C++', 'c#' and 'C' are three."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", tag).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and not c.isspace() and c not in "-_")


def tag_name_warnings(pages: list[PaperPage], tags_lines: dict[Path, int], rules: tuple[TagRule, ...]) -> list[tuple[Path, int | None, str]]:
    """The user's tags that name no page (no letter or digit: '', '.', '-'), removals of a tag the taxonomy
    has not (a typo removes nothing), and different tags that would share one page ('C++' and 'c#' are both
    tags/c/): each a warning at the page's `tags:` line."""
    found: list[tuple[Path, int | None, str]] = []
    taxonomy = sorted(rule.slug for rule in rules)
    first: dict[str, dict[str, str]] = {slug: {tag_spelling(slug): f"the taxonomy's '{slug}'"} for slug in taxonomy}
    for page in sorted(pages, key=lambda p: str(p.path)):
        line = tags_lines.get(page.path)
        for tag in page.user_tags:
            name = tag[1:] if tag.startswith("-") else tag
            slug = slugify(name)
            if not slug:
                found.append((page.path, line, f"tag {tag!r} has no letter or digit to name its page: ignored"))
                continue
            if tag.startswith("-"):
                if slug not in taxonomy:  # not `first`: it gathers the user's own tags too, in page order
                    near = difflib.get_close_matches(slug, taxonomy, n=1)
                    hint = f" (did you mean '-{near[0]}'?)" if near else ""
                    found.append((page.path, line, f"tag {tag!r} removes nothing: the taxonomy has no tag '{slug}'{hint}"))
                continue
            spellings = first.setdefault(slug, {})
            other = next(iter(spellings.values()), None)
            spelling = tag_spelling(name)
            if spelling not in spellings:
                spellings[spelling] = f"'{name}' ({page.path}:{line})" if line else f"'{name}' ({page.path})"
                if other is not None:
                    found.append((page.path, line, f"tag '{name}' and {other} are different tags but share the page "
                                  f"tags/{slug}/ (and its papers): rename one"))
    return found


def build_catalog(
    config: SiteConfig,
    reading_lists: list[ReadingList],
    pages: list[PaperPage],
    rules: tuple[TagRule, ...],
) -> Catalog:
    paper_tags = {p.slug: effective_tags(p) for p in pages}
    members: dict[str, list[tuple[int, PaperPage]]] = {rl.slug: [] for rl in reading_lists}
    for page in pages:
        for m in page.memberships:
            if m.list_slug in members:
                members[m.list_slug].append((m.position, page))
    lists = tuple(
        ListView(rl, tuple(p for _, p in sorted(members[rl.slug], key=lambda x: x[0])))
        for rl in sorted(reading_lists, key=lambda r: (-(r.date or dt.date.min).toordinal(), r.slug))
    )
    tags = build_tags(pages, paper_tags, rules)
    keys = citation_keys(pages)
    routes = dict(PAGE_ROUTES)
    claims: dict[str, str] = {}
    for reading_list in reading_lists:
        route_name(reading_list.slug, "list", str(reading_list.path))
        claim(routes, claims, ("list", reading_list.slug), f"lists/{reading_list.slug}/index.html", str(reading_list.path))
        routes[("list-feed", reading_list.slug)] = f"lists/{reading_list.slug}/feed.xml"
        routes[("list-bib", reading_list.slug)] = f"lists/{reading_list.slug}/{reading_list.slug}.bib"
        paginate(routes, "list", reading_list.slug, len(members[reading_list.slug]), LIST_PAGE_SIZE)
    for page in pages:
        route_name(page.slug, "paper", str(page.path))
        claim(routes, claims, ("paper", page.slug), f"papers/{page.slug}/index.html", str(page.path))
    paginate(routes, "papers", "", len(pages), INDEX_PAGE_SIZE)
    for tag in tags:
        route_name(tag.slug, "tag", f"tag '{tag.slug}'")
        routes[("tag", tag.slug)] = f"tags/{tag.slug}/index.html"
        routes[("tag-feed", tag.slug)] = f"tags/{tag.slug}/feed.xml"
        paginate(routes, "tag", tag.slug, len(tag.papers), INDEX_PAGE_SIZE)
    return Catalog(
        config=config,
        papers=tuple(sorted(pages, key=lambda p: (p.title.casefold(), p.slug))),
        lists=lists,
        tags=tags,
        paper_tags=paper_tags,
        updated=max((rl.date for rl in reading_lists if rl.date), default=NO_DATE),
        citations={page.slug: bibtex_entry(page, keys[page.slug]) for page in pages},
        routes=routes,
    )


NOT_IN_ADDRESSES = "#?%\\"  # a link cannot hold these as they are: '#' and '?' end the path, '%' starts an escape


def route_name(name: str, kind: str, source: str) -> None:
    """A list's, paper's or tag's name is a folder of the site and a part of every link to it: it
    must be one plain name that a link can carry (the url filter escapes spaces and the like)."""
    bad = sorted({c for c in name if c in NOT_IN_ADDRESSES or ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or c in "\u2028\u2029"})  # controls, line breaks
    if name in ("", ".", "..") or name.startswith(".") or "/" in name:
        raise SourceError(source, None, f"{name!r} cannot be a {kind} page's name (it would not be a folder of the site); rename it")
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise SourceError(source, None, f"the name becomes the {kind} page's address ({kind}s/{name}/), and {shown} cannot "
                          "be in an address: every link to it would be cut or changed; rename it (letters, digits, '-')")


def claim(routes: dict[tuple[str, str], str], claims: dict[str, str], key: tuple[str, str], path: str, source: str) -> None:
    """Give `path` to `source`, or fail if another source has it (e.g. lists 'A.txt' and 'a.txt')."""
    folded = path.casefold()
    if folded in claims:
        raise SourceError(source, None, f"would be written to {path}, as is {claims[folded]}; rename one of them")
    claims[folded] = source
    routes[key] = path


def build_tags(
    pages: list[PaperPage], paper_tags: dict[str, tuple[str, ...]], rules: tuple[TagRule, ...]
) -> tuple[TagView, ...]:
    rule_by_slug = {r.slug: r for r in rules}
    spelled: dict[str, str] = {}
    for page in pages:
        for tag in page.user_tags:
            if not tag.startswith("-") and slugify(tag):
                spelled.setdefault(slugify(tag), tag)
    tagged: dict[str, list[PaperPage]] = {}
    for page in pages:
        for tag in paper_tags[page.slug]:
            tagged.setdefault(tag, []).append(page)
    suggested: dict[str, list[tuple[PaperPage, TagMatch]]] = {}
    for page in pages:
        for match in page.suggested_tags:
            suggested.setdefault(match.tag, []).append((page, match))
    views = []
    for slug in sorted(tagged):
        papers = tuple(sorted(tagged[slug], key=lambda p: (p.title.casefold(), p.slug)))
        co = Counter(t for p in papers for t in paper_tags[p.slug] if t != slug)
        rule = rule_by_slug.get(slug)
        views.append(
            TagView(
                slug=slug,
                title=rule.title if rule else spelled.get(slug, slug),
                description=rule.description if rule else "",
                papers=papers,
                co_tags=tuple(sorted(co.items(), key=lambda x: (-x[1], x[0]))[:8]),
                automatic=rule is not None,
                suggested=tuple(sorted(suggested.get(slug, ()), key=lambda pm: (-pm[1].score, pm[0].slug))),
            )
        )
    return tuple(views)
