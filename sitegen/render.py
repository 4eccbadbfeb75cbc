"""Catalog → [RenderedFile]: every HTML page, feed and sitemap, through one Jinja Environment.

Templates link only through the `url` filter, which makes a site path relative to the page being
rendered and names its index.html, so one build works from file://, under /repo/ and at a root.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from sitegen.catalog import Catalog, ListView, TagView
from sitegen.errors import SitegenError, SourceError
from sitegen.markup import make_markdown
from sitegen.output import RenderedFile
from sitegen.records import PaperPage

THEME_PREFIX = "default"


def make_environment(template_dirs: list[Path], default_theme: Path) -> jinja2.Environment:
    """Site templates first, then the default theme; `default/x.html` always names the default's."""
    default_loader = jinja2.FileSystemLoader(default_theme)
    loader = jinja2.ChoiceLoader(
        [*(jinja2.FileSystemLoader(d) for d in template_dirs), default_loader, jinja2.PrefixLoader({THEME_PREFIX: default_loader})]
    )
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


class Renderer:
    """Renders each page of a catalog; holds the one Environment and the one MarkdownIt."""

    def __init__(self, catalog: Catalog, env: jinja2.Environment) -> None:
        self.catalog = catalog
        self.env = env
        self.markdown = make_markdown()
        self.markdown_cache: dict[str, Markup] = {}
        self.inline_cache: dict[str, Markup] = {}
        self.encoded: dict[str, str] = {}
        env.filters.update(
            url=self.url_filter,
            absolute_url=self.absolute_url,
            markdown=self.render_markdown,
            markdown_inline=self.render_markdown_inline,
            isodate=lambda d: d.isoformat() if d else "",
            longdate=long_date,
        )
        recent_first = recent(catalog.papers)
        env.globals.update(
            catalog=catalog,
            config=catalog.config,
            site_path=catalog.path,
            popular_tags=sorted(catalog.tags, key=lambda t: (-len(t.papers), t.slug)),
            recent_papers=recent_first[: catalog.config.recent_count],
            added_rank={p.slug: i for i, p in enumerate(recent_first)},
            sitemap_paths=sitemap_paths(catalog),
        )

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
        """`target`'s path relative to the page being rendered: up to the root, then down, encoded."""
        path = self.site_path_of(target) or "index.html"
        encoded = self.encoded.get(path)
        if encoded is None:
            encoded = self.encoded[path] = quote(path, safe="/.-_~#")
        return str(context["root"]) + encoded

    def absolute_url(self, target: Any) -> str:
        """For feeds, sitemap and canonical links: base_url + path ('' when no base_url is set)."""
        base = self.catalog.config.base_url
        if not base:
            return ""
        path = self.site_path_of(target)
        path = path.removesuffix("index.html")
        return base + quote(path, safe="/.-_~")

    def render_markdown(self, text: str) -> Markup:
        """Rendered once per text: an abstract appears on its paper's page and on list and home pages."""
        html = self.markdown_cache.get(text)
        if html is None:
            html = self.markdown_cache[text] = Markup(self.markdown.render(text))
        return html

    def render_markdown_inline(self, text: str) -> Markup:
        html = self.inline_cache.get(text)
        if html is None:
            html = self.inline_cache[text] = Markup(self.markdown.renderInline(text))
        return html

    def render(self, template_name: str, page_path: str, **values: Any) -> RenderedFile:
        try:
            template = self.env.get_template(template_name)
            root = posixpath.relpath(".", posixpath.dirname(page_path) or ".")
            text = template.render(page_path=page_path, root="" if root == "." else root + "/", **values)
        except jinja2.TemplateSyntaxError as error:
            raise SourceError(error.filename or error.name or template_name, error.lineno, error.message or "template syntax error") from None
        except jinja2.TemplateNotFound as error:
            raise SitegenError(f"template not found: {error.name}") from None
        except jinja2.TemplateError as error:
            path, line = template_place(error.__traceback__, template_name)
            raise SourceError(path, line, error.message or type(error).__name__) from None
        return RenderedFile(page_path, text.encode("utf-8"))

    def files(self) -> Iterator[RenderedFile]:
        """Every templated file of the site, in a fixed order."""
        c = self.catalog
        yield self.render("home.html", c.path("home"))
        yield self.render("papers.html", c.path("papers"))
        yield self.render("lists.html", c.path("lists"))
        yield self.render("tags.html", c.path("tags"))
        yield self.render("search.html", c.path("search"))
        yield self.render("404.html", c.path("404"))
        for list_view in c.lists:
            yield self.render("list.html", c.path("list", list_view.slug), list=list_view)
        for paper in c.papers:
            yield self.render("paper.html", c.path("paper", paper.slug), paper=paper, neighbours=neighbours(c, paper))
        for tag in c.tags:
            yield self.render("tag.html", c.path("tag", tag.slug), tag=tag)
        yield self.render("feed.xml", c.path("feed"), feed_title=c.config.title, feed_path=c.path("feed"),
                          feed_papers=recent(c.papers, 50), feed_page=c.path("home"))
        for list_view in c.lists:
            yield self.render("feed.xml", c.path("list-feed", list_view.slug), feed_title=f"{list_view.info.title} · {c.config.title}",
                              feed_path=c.path("list-feed", list_view.slug), feed_papers=list_view.papers, feed_page=c.path("list", list_view.slug))
        for tag in c.tags:
            yield self.render("feed.xml", c.path("tag-feed", tag.slug), feed_title=f"{tag.title} · {c.config.title}",
                              feed_path=c.path("tag-feed", tag.slug), feed_papers=recent(tag.papers, 50), feed_page=c.path("tag", tag.slug))
        if c.config.base_url:
            yield self.render("sitemap.xml", c.path("sitemap"))
        robots = "User-agent: *\nAllow: /\n"
        if c.config.base_url:
            robots += f"Sitemap: {self.absolute_url(c.path('sitemap'))}\n"
        yield RenderedFile(c.path("robots"), robots.encode())
        yield RenderedFile(c.path("nojekyll"), b"")


def template_place(trace: TracebackType | None, template_name: str) -> tuple[str, int | None]:
    """The innermost template file and line in a traceback (Jinja maps its frames to template lines)."""
    place: tuple[str, int | None] = (template_name, None)
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml")):
            place = (filename, trace.tb_lineno)
        trace = trace.tb_next
    return place


def long_date(date: dt.date | None) -> str:
    """'11 March 2026', spelled the same whatever the machine's locale."""
    if date is None:
        return ""
    months = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
    return f"{date.day} {months[date.month - 1]} {date.year}"


def latest_date(paper: PaperPage) -> dt.date:
    return max((m.date for m in paper.memberships if m.date), default=dt.date.min)


def recent(papers: tuple[PaperPage, ...], count: int | None = None) -> tuple[PaperPage, ...]:
    """Newest list date first, then list position: the order papers were added in."""
    def order(p: PaperPage) -> tuple[int, int, str]:
        position = min((m.position for m in p.memberships), default=0)
        return (-latest_date(p).toordinal(), position, p.slug)
    return tuple(sorted(papers, key=order))[:count]


def sitemap_paths(catalog: Catalog) -> list[str]:
    """Every HTML page but 404, in a stable order."""
    return sorted(p for (kind, _), p in catalog.routes.items() if p.endswith(".html") and kind != "404")


def neighbours(catalog: Catalog, paper: PaperPage) -> list[tuple[ListView, PaperPage | None, PaperPage | None]]:
    """For each list the paper is in: the papers before and after it there."""
    found = []
    for membership in paper.memberships:
        list_view = catalog.lists_by_slug.get(membership.list_slug)
        if list_view is None:
            continue
        slugs = [p.slug for p in list_view.papers]
        i = slugs.index(paper.slug)
        previous = list_view.papers[i - 1] if i > 0 else None
        following = list_view.papers[i + 1] if i + 1 < len(slugs) else None
        found.append((list_view, previous, following))
    return found


def export_json(catalog: Catalog) -> RenderedFile:
    """`papers.json`: every paper as data, for other tools; stable order, no timestamps."""
    def membership(m: Any) -> dict[str, Any]:
        lv = catalog.lists_by_slug.get(m.list_slug)
        return {"slug": m.list_slug, "title": lv.info.title if lv else m.list_slug, "position": m.position,
                "date": m.date.isoformat() if m.date else None}
    papers = [
        {
            "slug": p.slug,
            "title": p.title,
            "abstract": p.abstract,
            "tags": list(catalog.paper_tags[p.slug]),
            "auto_tags": {m.tag: list(m.phrases) for m in p.auto_tags},
            "lists": [membership(m) for m in p.memberships],
            "links": list(p.links),
            "status": p.status,
            "notes": p.notes,
            "url": catalog.path("paper", p.slug),
        }
        for p in sorted(catalog.papers, key=lambda p: p.slug)
    ]
    text = json.dumps({"papers": papers}, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    return RenderedFile(catalog.path("export"), text.encode("utf-8"))

