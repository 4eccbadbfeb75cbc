"""Render jobs → the facts each one shows → its key. A file whose key is the one the last build
recorded is not rendered again: its bytes would be the same.

As Lektor records what each artifact read, each template of the default theme has its facts spelled
out here, and nothing else goes into its key:
- a paper's page: the paper whole (notes, rating and all), its tags' titles, its citation, its lists'
  titles and lengths with the titles of the papers before and after it, its related papers' titles;
- a list, tag or index page: the rows it prints (for each paper only the fields a row shows: a list's
  rows title, status, authors, year, first link, abstract and tags; an index's or a tag's title,
  status, authors and year) and what its filter counts over the whole collection (statuses, tags);
- a feed: its entries (title, authors, abstract, tag slugs, latest list date) and the site's date;
- the home, lists and tags pages: their counts, list cards, top tags and the rows they show.
Every key also covers what any page may read: sitegen's version and code, the templates, the settings
and the taxonomy. So a status edit renders again its paper's page and the pages that filter or count it,
a note or rating edit its paper's page alone.

A site with templates of its own may read anything in the catalog: there every key covers all of it,
notes included (a safe fallback: an edit there renders the whole site again).

What a paper's page, rows and feed entries show of the paper alone is digested once per paper
(`PaperFacts`) and carried over to the next build by a digest of what made the paper's page
(`paper_input_key`): a note edit at 10,000 papers digests one paper, not 10,000.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sitegen
from sitegen import state
from sitegen.catalog import Catalog, ListView, TagView, latest_date
from sitegen.config import SiteConfig
from sitegen.records import PaperFacts, PaperPage, ReadingList, TagRule
from sitegen.render import Job, Pager, collection_counts, export_entry, first_of_each_initial, sitemap_paths

Facts = tuple[Any, ...]


def own_templates_in(inputs: dict[Path, bytes], site_dir: Path, theme: Path) -> bool:
    """Whether the site has templates of its own (any file of templates/ but its static/ files, whatever its
    name: on a file system blind to case `Paper.HTML` is `paper.html`): they may read anything. The theme's own
    folder is not, nor a file with the very bytes of the theme's file of its name: sitegen's repository is its
    example site, with the theme at `templates/`, which an install that is not editable copies elsewhere."""
    own = site_dir / "templates"
    if own.resolve() == theme.resolve():
        return False
    return any(state.is_under(p, own) and not state.is_under(p, own / "static") and inputs.get(theme / p.relative_to(own)) != data
               for p, data in inputs.items())


def paper_input_key(made_from: str, page: PaperPage, position: int, read: bytes | None) -> str:
    """A digest of everything a finished paper page is made of: `made_from` (the keys of the papers, the phrase
    findings and what corrections teach: each stands for the whole step's inputs), the page's place, slug and
    path, and the bytes of its file (`read`; None: it has none yet), with sitegen's code. Equal keys, equal
    pages: made from digests the build has already, without digesting the page."""
    return state.made_digest(made_from, str(position), page.slug, str(page.path), "new" if read is None else "read", read or b"")


def paper_facts(catalog: Catalog, page: PaperPage, text_kept: bool) -> PaperFacts:
    """What `JobFacts` and `papers.json` read of one paper alone (see `PaperFacts`)."""
    return PaperFacts(
        page=state.value_digest(vars(page)),
        item=state.value_digest((page.slug, page.title, page.status, page.authors, page.year, page.links[:1], page.abstract)),
        line=state.value_digest((page.slug, page.title, page.status, page.authors, page.year)),
        entry=state.value_digest((page.slug, page.title, page.authors, page.abstract, catalog.paper_tags[page.slug], latest_date(page))),
        export=export_entry(catalog, page),
        text_kept=text_kept,
    )


def render_keys(site_dir: Path, theme: Path, inputs: dict[Path, bytes], config: SiteConfig, rules: tuple[TagRule, ...],
                reading_lists: list[ReadingList], catalog: Catalog, jobs: list[Job], facts: dict[str, PaperFacts]) -> dict[str, str]:
    """Each job's key: a digest of the facts it is made from and of what every page reads."""
    own = site_dir / "templates"
    templates = sorted((p, data) for p, data in inputs.items() if state.is_under(p, theme) or state.is_under(p, own))
    site = (sitegen.__version__, state.code_digest(), templates, config, rules)
    if own_templates_in(inputs, site_dir, theme):
        everything = state.value_digest((site, reading_lists, catalog.papers, catalog.related)).encode()
        return {job.path: keyed(everything, job, ()) for job in jobs}
    job_facts = JobFacts(catalog, facts)
    shared = state.value_digest(site).encode()
    return {job.path: keyed(shared, job, job_facts.of(job)) for job in jobs}


def keyed(shared: bytes, job: Job, facts: Facts) -> str:
    digest = hashlib.blake2b(shared, digest_size=16)
    digest.update(f"{job.template}\0{job.path}\0".encode())
    digest.update(state.value_digest(facts).encode())
    return digest.hexdigest()


class JobFacts:
    """The facts of each template's jobs; each paper's own fields digested once per way pages show it (`facts`)."""

    def __init__(self, catalog: Catalog, facts: dict[str, PaperFacts]) -> None:
        self.catalog = catalog
        self.facts = facts
        self.items: dict[str, str] = {}
        self.filters: dict[tuple[str, str], Facts] = {}
        self.initials: dict[int, Facts] = {}  # page size → each initial's first (page, paper slug)
        self.by_template: dict[str, Callable[[dict[str, Any]], Facts]] = {
            "home.html": lambda _: self.home(), "lists.html": lambda _: self.list_cards(), "tags.html": lambda _: self.tag_counts(),
            "search.html": lambda _: (), "404.html": lambda _: (), "sitemap.xml": lambda _: tuple(sitemap_paths(catalog)),
            "papers.html": self.index_page, "list.html": self.list_page, "tag.html": self.tag_page,
            "paper.html": self.paper_page, "feed.xml": self.feed,
        }

    def of(self, job: Job) -> Facts:
        return self.by_template[job.template](job.values)

    def tag_titles(self, paper: PaperPage) -> Facts:
        return tuple((slug, self.catalog.tags_by_slug[slug].title) for slug in self.catalog.paper_tags[paper.slug])

    def item(self, paper: PaperPage) -> str:
        """What a list's or the home page's row of a paper shows (the `paper_item` macro)."""
        if (found := self.items.get(paper.slug)) is None:
            found = self.items[paper.slug] = state.value_digest((self.facts[paper.slug].item, self.tag_titles(paper)))
        return found

    def line(self, paper: PaperPage) -> str:
        """What an index's or a tag's one-line row shows (the `paper_row` macro)."""
        return self.facts[paper.slug].line

    def entry(self, paper: PaperPage) -> str:
        """What a feed's entry shows."""
        return self.facts[paper.slug].entry

    def filter_counts(self, kind: str, slug: str, papers: tuple[PaperPage, ...], tags: bool) -> Facts:
        """What a collection's filter counts over all its papers: statuses, and tags with their titles."""
        if (found := self.filters.get((kind, slug))) is None:
            counts = collection_counts(papers, self.catalog.paper_tags, tags)
            found = self.filters[(kind, slug)] = (len(papers), tuple(counts.statuses.items()),
                                                   tuple((t, n, self.catalog.tags_by_slug[t].title) for t, n in counts.tags))
        return found

    @staticmethod
    def pager(pager: Pager) -> Facts:
        return (pager.number, pager.size, pager.paths, pager.rows)

    @staticmethod
    def list_card(lv: ListView) -> Facts:
        return (lv.slug, lv.info.title, lv.info.date, lv.info.description, len(lv.papers), lv.reading_count, lv.read_count)

    def list_cards(self) -> Facts:
        return tuple(self.list_card(lv) for lv in self.catalog.lists)

    def tag_counts(self) -> Facts:
        return tuple((t.slug, t.title, len(t.papers)) for t in self.catalog.tags)

    def home(self) -> Facts:
        c = self.catalog
        popular = sorted(c.tags, key=lambda t: (-len(t.papers), t.slug))[:20]
        return (len(c.papers), len(c.tags), self.filter_counts("papers", "", c.papers, False), self.list_cards(),
                tuple((t.slug, t.title, len(t.papers)) for t in popular),
                tuple(self.item(p) for p in c.papers if p.status == "reading"),
                tuple(self.item(p) for p in c.recent_first[: c.config.recent_count]))

    def index_page(self, values: dict[str, Any]) -> Facts:
        pager: Pager = values["pager"]
        c = self.catalog
        if (found := self.initials.get(pager.size)) is None:
            found = self.initials[pager.size] = tuple(first_of_each_initial(c.papers, pager.size).items())
        single = len(pager.paths) == 1
        added = tuple(c.added_rank[p.slug] for p in pager.papers) if single else ()
        return (found, self.filter_counts("papers", "", c.papers, False), self.pager(pager),
                tuple(self.line(p) for p in pager.papers), added)

    def list_page(self, values: dict[str, Any]) -> Facts:
        lv: ListView = values["list"]
        pager: Pager = values["pager"]
        return (self.list_card(lv), self.filter_counts("list", lv.slug, lv.papers, True), self.pager(pager),
                tuple(self.item(p) for p in pager.papers))

    def tag_page(self, values: dict[str, Any]) -> Facts:
        tag: TagView = values["tag"]
        pager: Pager = values["pager"]
        titles = self.catalog.tags_by_slug
        return ((tag.slug, tag.title, tag.description, tag.automatic, tuple((s, n, titles[s].title) for s, n in tag.co_tags)),
                self.filter_counts("tag", tag.slug, tag.papers, False), self.pager(pager), tuple(self.line(p) for p in pager.papers),
                tuple((p.slug, p.title, m) for p, m in tag.suggested))

    def paper_page(self, values: dict[str, Any]) -> Facts:
        paper: PaperPage = values["paper"]
        c = self.catalog
        around = tuple((lv.slug, lv.info.title, len(lv.papers), before and (before.slug, before.title), after and (after.slug, after.title))
                       for lv, before, after in values["neighbours"])
        related = tuple((r.slug, c.papers_by_slug[r.slug].title) for r in c.related.get(paper.slug, ()))
        auto = tuple((m.tag, c.tags_by_slug[m.tag].title if m.tag in c.tags_by_slug else None) for m in paper.auto_tags)
        return (self.facts[paper.slug].page, self.tag_titles(paper), auto, c.citations[paper.slug], around, related)

    def feed(self, values: dict[str, Any]) -> Facts:
        return (values["feed_title"], values["feed_path"], values["feed_page"], self.catalog.updated,
                tuple(self.entry(p) for p in values["feed_papers"]))
