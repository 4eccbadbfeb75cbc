"""Catalog → [RenderedFile]: every HTML page, feed and sitemap, through one Jinja Environment.

Templates link only through the `url` filter, which makes a site path relative to the page being
rendered and names its index.html, so one build works from file://, under /repo/ and at a root.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
import sys
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass, replace
from functools import cache
from operator import itemgetter
from pathlib import Path
from types import TracebackType
from typing import Any, cast
from urllib.parse import quote, quote_plus

import jinja2
from jinja2 import nodes
from markupsafe import Markup

from sitegen.catalog import INDEX_PAGE_SIZE, LIST_PAGE_SIZE, Catalog, ListView, TagView
from sitegen.cite import bib_file, bibtex_entry
from sitegen.errors import SitegenError, SourceError
from sitegen.identifiers import is_web_url
from sitegen.markup import make_markdown
from sitegen.output import RenderedFile
from sitegen.records import STATUSES, PaperPage
from sitegen.sandbox import BoundedEnvironment, ThemeEnvironment
from sitegen.tagging import MIN_SCORE, MIN_SCORE_LEAD, TAG_SHARES

THEME_PREFIX = "default"


class DedentedLoader(jinja2.FileSystemLoader):
    """Templates read with each line's indentation removed (outside <pre> and <textarea>): the
    templates stay indented for people, the pages carry none of it. Only horizontal space goes,
    so template errors keep their line numbers; what a page inserts is never touched. The default
    theme's HTML (`join_blocks`) also loses the line break beside a block element, which a browser
    does not show either (~90 bytes a paper page); a site's own templates keep theirs, as their CSS
    may lay those elements out inline."""

    def __init__(self, folder: Path, join_blocks: bool) -> None:
        super().__init__(folder)
        self.join_blocks = join_blocks

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        try:
            source, filename, uptodate = super().get_source(environment, template)
        except UnicodeDecodeError as error:
            path = next(p for folder in self.searchpath if (p := Path(folder, *template.split("/"))).is_file())
            line = error.object[: error.start].count(b"\n") + 1
            raise SourceError(path, line, f"a template must be UTF-8 text (byte 0x{error.object[error.start]:02x} is not)") from None
        return dedent_template(source, self.join_blocks and template.endswith(".html")), filename, uptodate


PRE_OPEN = re.compile(r"<(pre|textarea)\b", re.IGNORECASE)
PRE_CLOSE = re.compile(r"</(pre|textarea)>", re.IGNORECASE)
# Elements the default theme's CSS lays out as blocks: a line break before or after one is not shown.
BLOCKS = frozenset("html head body meta link script title header footer main nav article section div p h1 h2 h3 "
                   "h4 h5 h6 ul ol li pre form fieldset legend noscript".split())
LAST_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)[^<>]*>\n$")
FIRST_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")
# A line break kept in a template comment: gone from the page, still counted in the template's line numbers.
HIDDEN_BREAK = "{#\n#}"


def dedent_template(source: str, join_blocks: bool) -> str:
    """Leading spaces and tabs of every template line, except lines inside a <pre> or <textarea>; with
    `join_blocks`, also the line break after a line of markup (outside those) that a block element ends
    or the next line starts: a browser shows no space beside a block's edge."""
    lines = source.splitlines(keepends=True)
    inside = False
    kept: list[bool] = []  # lines inside a <pre> or <textarea>, or opening one: their text is the page's, as written
    for i, line in enumerate(lines):
        if not inside:
            lines[i] = line.lstrip(" \t")
        opened, closed = len(PRE_OPEN.findall(line)), len(PRE_CLOSE.findall(line))
        kept.append(inside or opened > 0)
        inside = opened > closed if opened != closed else inside
    if join_blocks:
        for i in range(len(lines) - 1):
            before, after = LAST_TAG.search(lines[i]), FIRST_TAG.match(lines[i + 1])
            if before and not kept[i] and (before[1].lower() in BLOCKS or (after and after[1].lower() in BLOCKS)):
                lines[i] = lines[i][:-1] + HIDDEN_BREAK
    return "".join(lines)


def make_environment(template_dirs: list[Path], default_theme: Path, own_templates: bool) -> BoundedEnvironment | ThemeEnvironment:
    """Site templates first, then the default theme; `default/x.html` always names the default's. Sandboxed
    and bounded if the site has templates of its own (`own_templates`): they are someone else's code."""
    default_loader = DedentedLoader(default_theme, join_blocks=True)
    # Without templates of its own, the site's folder is not even looked in: a template that appears there
    # later (during the build, or while `serve` previews with this environment) is never run unsandboxed.
    loader = jinja2.ChoiceLoader(
        [*(DedentedLoader(d, join_blocks=False) for d in template_dirs if own_templates), default_loader, jinja2.PrefixLoader({THEME_PREFIX: default_loader})]
    )
    env = (BoundedEnvironment if own_templates else ThemeEnvironment)(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.tests["web_url"] = is_web_url
    return env


TEMPLATES = ("home.html", "papers.html", "lists.html", "tags.html", "search.html", "404.html", "list.html",
             "paper.html", "tag.html", "feed.xml", "sitemap.xml")


@contextmanager
def template_errors(template_name: str) -> Iterator[None]:
    """Any failure of a template, whatever Python raised in it, as one line at its file and line."""
    try:
        yield
    except SitegenError:
        raise
    except jinja2.TemplateSyntaxError as error:
        raise SourceError(error.filename or error.name or template_name, error.lineno, error.message or "template syntax error") from None
    except jinja2.TemplateNotFound as error:
        path, line = template_place(error.__traceback__, template_name)
        raise SourceError(path, line, f"template '{error.name}' not found (looked in templates/ and the default theme)") from None
    except RecursionError as error:
        path, line = template_place(error.__traceback__, template_name)
        raise SourceError(path, line, "templates include or call each other without end") from None
    except jinja2.TemplateError as error:
        path, line = template_place(error.__traceback__, template_name)
        raise SourceError(path, line, in_template_terms(error.message or type(error).__name__)) from None
    except Exception as error:  # what the template's own expressions raise: 1/0, a date filter given text...
        path, line = template_place(error.__traceback__, template_name)
        raise SourceError(path, line, f"{type(error).__name__}: {error}") from None


RECORD_WITHOUT = re.compile(r"'(sitegen\.[\w.]+)\.(\w+) object' has no attribute '([^']*)'")


def in_template_terms(message: str) -> str:
    """Jinja's "'sitegen.records.PaperPage object' has no attribute 'x'" said as a template's author needs it: the
    record's name and the fields it has (sitegen's module path means nothing to them)."""
    found = RECORD_WITHOUT.fullmatch(message)
    record = getattr(sys.modules.get(found.group(1)), found.group(2), None) if found else None
    if found is None or not is_dataclass(record):
        return message
    return f"a {found.group(2)} has no field '{found.group(3)}' (its fields: {', '.join(f.name for f in fields(record))})"


def check_templates(env: jinja2.Environment) -> None:
    """Parse every template before anything is written, and each one they extend, include or import
    by name (which must exist): such an error stops the build at once, at its file and line."""
    assert env.loader is not None
    pending: list[tuple[str, str | None, int | None]] = [(name, None, None) for name in TEMPLATES]
    seen: set[str] = set()
    while pending:
        name, referrer, line = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        with template_errors(name):
            try:
                source, filename, _ = env.loader.get_source(env, name)
            except jinja2.TemplateNotFound:
                if referrer is None:
                    raise
                raise SourceError(referrer, line, f"template '{name}' not found (looked in templates/ and the default theme)") from None
            tree = env.parse(source, name, filename)
        for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
            named = getattr(node, "template", None)
            if isinstance(named, nodes.Const) and isinstance(named.value, str) and not getattr(node, "ignore_missing", False):
                pending.append((named.value, filename, node.lineno))


class Renderer:
    """Renders each page of a catalog; holds the one Environment and the one MarkdownIt."""

    def __init__(self, catalog: Catalog, env: BoundedEnvironment | ThemeEnvironment) -> None:
        self.catalog = catalog
        self.env = env
        markdown = make_markdown()
        # Each text rendered once: an abstract or a title appears on several pages.
        self.render_markdown = cache(lambda text: Markup(markdown.render(text)))
        self.render_markdown_inline = cache(lambda text: Markup(markdown.renderInline(text)))
        self.encode = cache(lambda path: quote(path, safe="/.-_~#"))
        env.filters.update(
            url=self.url_filter,
            absolute_url=self.absolute_url,
            markdown=self.render_markdown,
            markdown_inline=self.render_markdown_inline,
            isodate=lambda d: d.isoformat() if d else "",
            longdate=long_date,
            initial=initial,
            teaser=self.teaser,
            abstract_start=abstract_start,
            words_before=words_before,
            words_after=words_after,
            query=lambda text: quote_plus(str(text), safe=""),
        )
        env.globals.update(
            catalog=catalog,
            config=catalog.config,
            site_path=catalog.path,
            popular_tags=sorted(catalog.tags, key=lambda t: (-len(t.papers), t.slug)),
            recent_papers=catalog.recent_first[: catalog.config.recent_count],
            added_rank=catalog.added_rank,
            sitemap_paths=sitemap_paths(catalog),
            statuses=STATUSES,
            tag_thresholds={"score": MIN_SCORE, "lead": MIN_SCORE_LEAD, "shares": TAG_SHARES[2:]},
            collection_counts=self.collection_counts,
            first_of_each_initial=self.first_of_each_initial,
        )
        self.counted: dict[tuple[int, bool], tuple[tuple[PaperPage, ...], Counts]] = {}
        self.initials: dict[tuple[int, int], tuple[tuple[PaperPage, ...], dict[str, tuple[int, str]]]] = {}

    def collection_counts(self, papers: tuple[PaperPage, ...], tags: bool) -> Counts:
        """What a collection's filter counts, once for all its pages (in Jinja, each page of a
        10,000-paper collection counted them again)."""
        found = self.counted.get((id(papers), tags))
        if found is None or found[0] is not papers:
            found = self.counted[(id(papers), tags)] = (papers, collection_counts(papers, self.catalog.paper_tags, tags))
        return found[1]

    def first_of_each_initial(self, papers: tuple[PaperPage, ...], size: int) -> dict[str, tuple[int, str]]:
        found = self.initials.get((id(papers), size))
        if found is None or found[0] is not papers:
            found = self.initials[(id(papers), size)] = (papers, first_of_each_initial(papers, size))
        return found[1]

    def site_path_of(self, target: Any) -> str:
        """The site path of a record or of a path given as text."""
        if isinstance(target, PaperPage):
            return self.catalog.path("paper", target.slug)
        if isinstance(target, ListView):
            return self.catalog.path("list", target.slug)
        if isinstance(target, TagView):
            return self.catalog.path("tag", target.slug)
        if isinstance(target, str):
            return target
        raise TypeError(f"no URL for {target!r}")

    @jinja2.pass_context
    def url_filter(self, context: jinja2.runtime.Context, target: Any) -> str:
        """`target`'s path relative to the page being rendered (up past the folders they do not
        share, then down), encoded: `../b/index.html` from papers/a/ to papers/b/."""
        return self.encode(relative_path(str(context["page_path"]), self.site_path_of(target) or "index.html"))

    def teaser(self, abstract: str) -> Markup:
        """The start of an abstract for pages that list many papers; the paper's page has all of it."""
        return self.render_markdown(abstract_start(abstract))

    def absolute_url(self, target: Any) -> str:
        """For feeds, sitemap and canonical links: base_url + path ('' when no base_url is set)."""
        base = self.catalog.config.base_url
        if not base:
            return ""
        path = self.site_path_of(target)
        path = path.removesuffix("index.html")
        return base + quote(path, safe="/.-_~")

    def render(self, template_name: str, page_path: str, **values: Any) -> RenderedFile:
        with template_errors(template_name):
            template = self.env.get_template(template_name)
            root = posixpath.relpath(".", posixpath.dirname(page_path) or ".")
            self.env.start_page()
            text = self.env.page_text(cast(Generator[str, None, None], template.generate(page_path=page_path, root="" if root == "." else root + "/", **values)))
        return RenderedFile(page_path, xml_safe(text).encode("utf-8"))

    def jobs(self) -> list[Job]:
        """Every templated file of the site, in a fixed order, ready to render in any process."""
        c = self.catalog
        jobs = [Job(name, c.path(kind), {}) for name, kind in
                (("home.html", "home"), ("lists.html", "lists"), ("tags.html", "tags"),
                 ("search.html", "search"), ("404.html", "404"))]
        jobs += [Job("papers.html", pager.path, {"pager": pager}) for pager in pagers(c, "papers", "", c.papers, INDEX_PAGE_SIZE)]
        jobs += [Job("list.html", pager.path, {"list": lv, "pager": pager})
                 for lv in c.lists for pager in pagers(c, "list", lv.slug, lv.papers, LIST_PAGE_SIZE)]
        around = neighbours(c)
        jobs += [Job("paper.html", c.path("paper", p.slug), {"paper": p, "neighbours": around[p.slug]}) for p in c.papers]
        jobs += [Job("tag.html", pager.path, {"tag": t, "pager": pager})
                 for t in c.tags for pager in pagers(c, "tag", t.slug, t.papers, INDEX_PAGE_SIZE)]
        jobs.append(feed(c.path("feed"), c.config.title, c.recent_first, c.path("home")))
        jobs += [feed(c.path("list-feed", lv.slug), f"{lv.info.title} · {c.config.title}", lv.papers, c.path("list", lv.slug))
                 for lv in c.lists]
        jobs += [feed(c.path("tag-feed", t.slug), f"{t.title} · {c.config.title}", recent(c, t.papers), c.path("tag", t.slug))
                 for t in c.tags]
        if c.config.base_url:
            jobs.append(Job("sitemap.xml", c.path("sitemap"), {}))
        return jobs

    def run(self, job: Job) -> RenderedFile:
        return self.render(job.template, job.path, **job.values)

    def plain_files(self) -> list[RenderedFile]:
        """The files no template makes."""
        c = self.catalog
        robots = "User-agent: *\nAllow: /\n"
        if c.config.base_url:
            robots += f"Sitemap: {self.absolute_url(c.path('sitemap'))}\n"
        bibs = [RenderedFile(c.path("bib"), bib_file(c.citations[p.slug] for p in sorted(c.papers, key=lambda p: p.slug)))]
        bibs += [RenderedFile(c.path("list-bib", lv.slug), bib_file(list_citation(c, lv.slug, p) for p in lv.papers)) for lv in c.lists]
        collections = [("papers", "", c.papers), *(("list", lv.slug, lv.papers) for lv in c.lists),
                       *(("tag", t.slug, t.papers) for t in c.tags)]
        rows = [rows_script(c, c.path(f"{kind}-rows", slug), papers, kind == "list") for kind, slug, papers in collections
                if (f"{kind}-rows", slug) in c.routes]
        return [RenderedFile(c.path("robots"), robots.encode()), RenderedFile(c.path("nojekyll"), b""), *bibs, *rows]


@dataclass(frozen=True)
class Counts:
    """A collection's papers by status, and by tag (most papers first) when its filter has tag chips."""

    statuses: dict[str, int]
    tags: list[tuple[str, int]]


def collection_counts(papers: tuple[PaperPage, ...], paper_tags: dict[str, tuple[str, ...]], tags: bool) -> Counts:
    """A collection's papers by status and, for a filter with tag chips, by tag."""
    statuses = Counter(p.status for p in papers)
    tag_counts = Counter(t for p in papers for t in paper_tags[p.slug]) if tags else Counter()
    # most papers first, ties in the order first met (as Jinja's dictsort(by='value', reverse=true) gives)
    return Counts({s: statuses[s] for s in STATUSES}, sorted(tag_counts.items(), key=itemgetter(1), reverse=True))


def first_of_each_initial(papers: tuple[PaperPage, ...], size: int) -> dict[str, tuple[int, str]]:
    """For the A–Z jump of an index in pages of `size`: each initial's first paper, as (page index, slug)."""
    firsts: dict[str, tuple[int, str]] = {}
    for i, paper in enumerate(papers):
        firsts.setdefault(initial(paper.title), (i // size, paper.slug))
    return firsts


@dataclass(frozen=True)
class Pager:
    """One page of a list, tag or index too long for one: its papers and where all its pages are."""

    papers: tuple[PaperPage, ...]
    number: int  # 1 for the first page
    size: int  # papers per page
    paths: tuple[str, ...]  # every page's site path, page 1 first
    rows: str  # site path of the script with every paper of the collection ('' when one page holds all)

    @property
    def path(self) -> str:
        return self.paths[self.number - 1]

    @property
    def offset(self) -> int:
        """How many papers come before this page's first."""
        return (self.number - 1) * self.size


def pagers(catalog: Catalog, kind: str, slug: str, papers: tuple[PaperPage, ...], size: int) -> list[Pager]:
    paths = catalog.pages_of(kind, slug)
    rows = catalog.routes.get((f"{kind}-rows", slug), "")
    return [Pager(papers[i * size : (i + 1) * size], i + 1, size, paths, rows) for i in range(len(paths))]


def rows_script(catalog: Catalog, path: str, papers: tuple[PaperPage, ...], tags: bool) -> RenderedFile:
    """Papers of a paginated collection, a classic script (no fetch, so it loads from file://) that
    the filter reads to cover all pages: `{"count": papers in the collection, "path": [before, after],
    "tags": [slug, ...], "rows": [[middle of the site path, title, status, [tag numbers]], ...]}`.
    A list's filter has tag chips, so its rows are every paper, with tags. An index's or a tag's
    filter has status chips only: its rows are the papers reading or read (`"statuses"`), few in a
    large collection; unread is filtered page by page. What every row would repeat is said once:
    the start and end its paths share, each tag slug, and status '' for unread."""
    shown = papers if tags else tuple(p for p in papers if p.status != "unread")
    paths = [catalog.path("paper", p.slug) for p in shown]
    before, after = shared_ends(paths) if paths else ("", "")
    slugs = sorted({t for p in shown for t in catalog.paper_tags[p.slug]}) if tags else []
    number = {slug: i for i, slug in enumerate(slugs)}
    rows = [[site_path[len(before): len(site_path) - len(after)], p.title, "" if p.status == "unread" else p.status,
             [number[t] for t in catalog.paper_tags[p.slug]] if tags else []] for site_path, p in zip(paths, shown, strict=True)]
    data: dict[str, Any] = {"count": len(papers), "path": [before, after], "tags": slugs, "rows": rows}
    if not tags:
        data["statuses"] = [s for s in STATUSES if s != "unread"]
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return RenderedFile(path, f"window.sitegenRows = {text};\n".encode("utf-8"))


def shared_ends(paths: list[str]) -> tuple[str, str]:
    """The folder every path starts in and the '/file' every path ends with ('' when they differ)."""
    start = posixpath.commonprefix(paths)
    start = start[: start.rfind("/") + 1]
    end = posixpath.commonprefix([p[len(start):][::-1] for p in paths])[::-1]
    end = end[end.find("/"):] if "/" in end else ""
    return start, end


@dataclass(frozen=True)
class Job:
    """One file to render: the template, the output path, and the template's own variables."""

    template: str
    path: str
    values: dict[str, Any]


FEED_SIZE = 50
# What XML 1.0 forbids (a form feed copied out of a PDF): feed readers reject the whole feed over one.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Every rendered page and feed with the characters XML 1.0 forbids turned into spaces."""
    return XML_FORBIDDEN.sub(" ", text)


def feed(path: str, title: str, papers: tuple[PaperPage, ...], page: str) -> Job:
    """An Atom feed of the first FEED_SIZE papers, in the order given."""
    return Job("feed.xml", path, {"feed_title": title, "feed_path": path, "feed_papers": papers[:FEED_SIZE], "feed_page": page})


def template_place(trace: TracebackType | None, template_name: str) -> tuple[str, int | None]:
    """The innermost template file and line in a traceback (Jinja maps its frames to template lines)."""
    place: tuple[str, int | None] = (template_name, None)
    while trace is not None:
        if "__jinja_exception__" in trace.tb_frame.f_globals:  # a frame Jinja made to stand for a template line
            place = (trace.tb_frame.f_code.co_filename, trace.tb_lineno)
        trace = trace.tb_next
    return place


@cache
def folders(path: str) -> tuple[str, ...]:
    return tuple(path.split("/")[:-1])


def relative_path(page: str, target: str) -> str:
    """`target` (a site path) as a link from `page` (another), without going up to the root and
    down again through the folders both are in."""
    here, there = folders(page), target.split("/")
    shared = 0
    while shared < len(here) and shared < len(there) - 1 and here[shared] == there[shared]:
        shared += 1
    return "../" * (len(here) - shared) + "/".join(there[shared:])


TEASER_CHARS = 200  # two lines of a list on a desktop; every paper of a list carries one
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"'])")


@cache
def abstract_start(abstract: str) -> str:
    """Whole sentences up to TEASER_CHARS (at least the first, cut at a word if it is longer), then
    '…' when more follows. A cut never leaves a `$` formula open."""
    text = " ".join(abstract.split())
    if len(text) <= TEASER_CHARS:
        return text
    ends = [m.start() for m in SENTENCE_END.finditer(text)]
    cut = max((e for e in ends if e <= TEASER_CHARS), default=0)
    if not cut:
        cut = text.rfind(" ", 0, TEASER_CHARS) if " " in text[:TEASER_CHARS] else TEASER_CHARS
    start = text[:cut]
    if start.count("$") % 2:
        start = start[: start.rfind("$")].rstrip()
    return start + " …" if start else text


def word_places(text: str) -> tuple[list[str], list[int]]:
    """The text split into words and the spaces between them, and where the words are."""
    parts = re.split(r"(\s+)", text)
    return parts, [i for i, part in enumerate(parts) if part and not part.isspace()]


def words_before(text: str, count: int) -> str:
    """The last `count` words of the text before a matched phrase, '…' first when some are left out."""
    parts, words = word_places(text.removeprefix("…"))
    return text if len(words) <= count else "…" + "".join(parts[words[-count]:])


def words_after(text: str, count: int) -> str:
    """The first `count` words of the text after a matched phrase, '…' last when some are left out."""
    parts, words = word_places(text.removesuffix("…"))
    return text if len(words) <= count else "".join(parts[: words[count - 1] + 1]) + "…"


def long_date(date: dt.date | None) -> str:
    """'11 March 2026', spelled the same whatever the machine's locale."""
    if date is None:
        return ""
    months = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
    return f"{date.day} {months[date.month - 1]} {date.year}"


def initial(title: str) -> str:
    """The letter a title files under in the A–Z jump: A–Z, '0–9', or '#' for anything else."""
    first = next((c for c in title if c.isalnum()), "")
    if first.isascii() and first.isalpha():
        return first.upper()
    return "0–9" if first.isdigit() else "#"


def recent(catalog: Catalog, papers: tuple[PaperPage, ...]) -> tuple[PaperPage, ...]:
    """A collection's papers in the order they were added in (`Catalog.recent_first`, worked out once for the site)."""
    rank = catalog.added_rank
    return tuple(sorted(papers, key=lambda p: rank[p.slug]))


def sitemap_paths(catalog: Catalog) -> list[str]:
    """Every HTML page but 404, in a stable order."""
    return sorted(p for (kind, _), p in catalog.routes.items() if p.endswith(".html") and kind != "404")


Neighbours = list[tuple[ListView, PaperPage | None, PaperPage | None]]


def neighbours(catalog: Catalog) -> dict[str, Neighbours]:
    """For each paper, for each list it is in: the papers before and after it there."""
    found: dict[str, Neighbours] = {p.slug: [] for p in catalog.papers}
    for list_view in catalog.lists:
        papers = list_view.papers
        for i, paper in enumerate(papers):
            found[paper.slug].append((list_view, papers[i - 1] if i > 0 else None, papers[i + 1] if i + 1 < len(papers) else None))
    for paper in catalog.papers:
        order = [m.list_slug for m in paper.memberships]
        found[paper.slug].sort(key=lambda n: order.index(n[0].slug) if n[0].slug in order else len(order))
    return found


def known(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields that have a value: not None, '', or []."""
    return {key: value for key, value in fields.items() if value not in (None, "", [])}


def export_json(catalog: Catalog, entries: dict[str, str]) -> RenderedFile:
    """`papers.json`: every paper's data, for other tools; stable order, no timestamps. What each
    paper is, not what the site already says elsewhere: its `url` (papers/<slug>/index.html) and
    no separate slug, no abstract (on the paper's page, and in its
    source content/papers/<slug>.md), no BibTeX (papers.bib), each list's title once in `lists`,
    `auto_tags` as tag slugs (the phrases that matched are in the page's front matter and on its
    page), no key for what is not known (no `doi` rather than `"doi": null`); compact. Its abstracts alone would cost 1.3 KB of the 10 KB a paper may take on disk.
    `entries`: each paper's entry (`export_entry`), by slug: made once per paper, and carried over while it stands."""
    lists = [{"slug": lv.slug, "title": lv.info.title, "date": lv.info.date.isoformat() if lv.info.date else None}
             for lv in sorted(catalog.lists, key=lambda lv: lv.slug)]
    papers = ",".join(entries[p.slug] for p in sorted(catalog.papers, key=lambda p: p.slug))
    # As json.dumps writes {"lists": lists, "papers": [...]} compactly, with each paper's entry as written once
    text = f'{{"lists":{json.dumps(lists, ensure_ascii=False, separators=(",", ":"))},"papers":[{papers}]}}\n'
    return RenderedFile(catalog.path("export"), text.encode("utf-8"))


def export_entry(catalog: Catalog, p: PaperPage) -> str:
    """A paper's entry in `papers.json`, as compact JSON text."""
    return json.dumps({
        "title": p.title,
        "tags": list(catalog.paper_tags[p.slug]),
        "auto_tags": [m.tag for m in p.auto_tags],
        "lists": [{"slug": m.list_slug, "position": m.position, "date": m.date.isoformat() if m.date else None}
                  for m in p.memberships],
        "status": p.status,
        "url": catalog.path("paper", p.slug),
        **known({"links": list(p.every_link), "arxiv": p.arxiv, "doi": p.doi, "authors": list(p.authors), "year": p.year,
                 "venue": p.venue, "web_page": p.url if is_web_url(p.url) else "", "code": p.code, "project": p.project, "notes": p.notes}),
    }, ensure_ascii=False, separators=(",", ":"))


def list_citation(catalog: Catalog, list_slug: str, page: PaperPage) -> str:
    """A paper in a list's own .bib download: that list's entry when its file holds one (its key and fields,
    the page's values where they differ), so a colleague's .bib never changes the keys of yours; else the site's."""
    own = next((entry for entry in page.list_bibtex if entry.list_slug == list_slug), None)
    return bibtex_entry(replace(page, bibtex=own), own.key) if own else catalog.citations[page.slug]
