"""Load and check every input (reads only), run the stages, then write: pages first, then the site.

Nothing is written until every input has been read and every output computed, so bad input
never leaves half a site or a half-updated content folder.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import sitegen
from sitegen import state
from sitegen.catalog import build_catalog
from sitegen.config import load_config
from sitegen.errors import Diagnostics, SitegenError
from sitegen.output import (
    RenderedFile,
    abandon_site,
    finish_site,
    start_site,
    write_files,
    write_if_changed,
)
from sitegen.pages import PageSource, page_text, plan_pages, read_page
from sitegen.parallel import in_background, render_into, stop_workers
from sitegen.parse import decode, dedupe, is_list_file, parse_list_file
from sitegen.records import ListEntry, ReadingList
from sitegen.related import related_papers
from sitegen.render import Renderer, check_templates, export_json, make_environment
from sitegen.search import build_search, index_script
from sitegen.state import input_digest, read_inputs
from sitegen.tagging import load_taxonomy, tag_pages

Progress = Callable[[str, int], Callable[[], None]]  # (stage, total) → tick


@dataclass(frozen=True)
class BuildSummary:
    papers: int
    entries: int
    lists: int
    tags: int
    pages_written: int
    pages_removed: int
    files: int
    seconds: float
    unchanged: bool = False  # nothing changed since the last build: nothing was done or written
    renderer: Renderer | None = field(default=None, repr=False, compare=False)  # for `serve`'s quick updates


def package_resource(name: str) -> Path:
    """A folder shipped in the wheel (`sitegen/_data/<name>`), or the repository's top-level one."""
    installed = Path(sitegen.__file__).parent / "_data" / name
    return installed if installed.is_dir() else Path(sitegen.__file__).parent.parent / name


def build_date() -> dt.date:
    """Today, or the day of SOURCE_DATE_EPOCH for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def no_progress(stage: str, total: int) -> Callable[[], None]:
    return lambda: None


def run_build(
    site_dir: Path,
    output_dir: Path,
    diagnostics: Diagnostics,
    strict: bool = False,
    progress: Progress = no_progress,
    reuse: bool = True,
) -> BuildSummary:
    """Build the site; with `reuse`, stop at once when nothing changed since the last build."""
    with state.build_lock(site_dir):
        try:
            return build_locked(site_dir, output_dir, diagnostics, strict, progress, reuse)
        except BaseException:
            stop_workers()  # a failed build leaves nothing running behind it
            raise


def build_locked(
    site_dir: Path, output_dir: Path, diagnostics: Diagnostics, strict: bool, progress: Progress, reuse: bool
) -> BuildSummary:
    started = time.perf_counter()
    today = build_date()
    content = site_dir / "content"
    theme = package_resource("templates")
    inputs = read_inputs(site_dir, theme)
    last_warnings = state.unchanged(site_dir, output_dir, input_digest(inputs, today.isoformat())) if reuse else None
    if last_warnings is not None and not (strict and last_warnings):
        for path, line, message in last_warnings:
            diagnostics.warn(Path(path), line, message)
        return BuildSummary(0, 0, 0, 0, 0, 0, 0, time.perf_counter() - started, unchanged=True)
    config = load_config(site_dir)

    list_paths = sorted(p for p in inputs if p.parent == content / "lists" and is_list_file(p))
    if not list_paths and not (content / "papers").is_dir():
        raise SitegenError(f"{content / 'lists'}: no reading lists (*.txt, *.json, *.bib, *.atom) to build from; `sitegen new DIR` makes a site")
    reading_lists: list[ReadingList] = []
    entries: list[ListEntry] = []
    tick = progress("parse", len(list_paths))
    for path in list_paths:
        reading_list, list_entries = parse_list_file(path, inputs[path], diagnostics, today)
        reading_lists.append(reading_list)
        entries.extend(list_entries)
        tick()
    papers = dedupe(entries, {rl.slug: rl.date for rl in reading_lists}, diagnostics)
    # The slowest stage needs only titles and abstracts: start it now, on the other core.
    related = in_background(related_papers, [(p.key, p.title, p.abstract) for p in papers], config.related_count)

    papers_dir = content / "papers"
    page_paths = sorted(p for p in inputs if p.parent == papers_dir and p.suffix == ".md")
    tick = progress("pages", len(page_paths))
    sources: list[PageSource] = []
    for path in page_paths:
        sources.append(read_page(path, decode(path, inputs[path])))
        tick()
    taxonomy_path = content / "taxonomy.yml"
    rules = load_taxonomy(taxonomy_path, decode(taxonomy_path, inputs[taxonomy_path])) if taxonomy_path in inputs else ()
    if not rules:
        diagnostics.warn(taxonomy_path, None, "no taxonomy: papers get only the tags you give them")

    planned, removed = plan_pages(papers, sources, papers_dir)
    pages = tag_pages(planned, rules)
    source_by_path = {s.path: s for s in sources}
    page_texts = {page.path: page_text(page, source_by_path.get(page.path)) for page in pages}

    catalog = build_catalog(config, reading_lists, pages, rules, today)
    env = make_environment([site_dir / "templates"], theme)
    check_templates(env)
    other_files = [export_json(catalog), index_script(build_search(catalog), catalog), *static_files(site_dir, theme, inputs)]

    if strict and diagnostics.warnings:
        raise SitegenError(f"{len(diagnostics.warnings)} warning(s) and --strict: nothing written")

    # Every input is read and checked, every template parses: from here on, writing.
    with cannot_write():
        written = write_pages(page_texts, removed, inputs)  # while related papers are still being found
    slug_of = {paper.key: page.slug for paper, page in zip(papers, planned)}
    catalog = replace(catalog, related={
        slug_of[key]: tuple(replace(r, slug=slug_of[r.slug]) for r in found) for key, found in related.result().items()
    })
    renderer = Renderer(catalog, env)
    jobs = renderer.jobs()
    with cannot_write():
        folder = start_site(output_dir)
        try:
            count = write_files(folder, [*renderer.plain_files(), *other_files])
            count += render_into(folder, renderer, jobs, progress("render", len(jobs)))
            finish_site(output_dir)
        except BaseException:
            abandon_site(output_dir)
            raise
    # After the page writes: the next build sees these pages as they now stand.
    warnings = [[str(w.path), w.line, w.message] for w in diagnostics.warnings]
    state.save(site_dir, output_dir, inputs, input_digest(inputs, today.isoformat()), warnings)
    return BuildSummary(
        papers=len(pages),
        entries=len(entries),
        lists=len(reading_lists),
        tags=len(catalog.tags),
        pages_written=written,
        pages_removed=len(removed),
        files=count,
        seconds=time.perf_counter() - started,
        renderer=renderer,
    )


@contextmanager
def cannot_write() -> Iterator[None]:
    """A folder that is read-only, full or gone: one line naming it, not a traceback."""
    try:
        yield
    except OSError as error:
        raise SitegenError(f"{error.filename or 'output'}: cannot write ({error.strerror or error})") from None


def write_pages(page_texts: dict[Path, str], removed: list[Path], inputs: dict[Path, bytes]) -> int:
    """Write the pages whose text changed and remove the untouched orphans; `inputs` follows suit."""
    written = 0
    for path, text in page_texts.items():
        if write_if_changed(path, text):
            written += 1
            inputs[path] = text.encode("utf-8")
    for path in removed:
        path.unlink()
        inputs.pop(path, None)
    return written


def static_files(site_dir: Path, theme: Path, inputs: dict[Path, bytes]) -> list[RenderedFile]:
    """The theme's static/ folder, with the site's own static/ files taking precedence by name;
    their bytes are among the inputs already read."""
    found: dict[str, bytes] = {}
    for root in (theme / "static", site_dir / "templates" / "static"):
        for path in sorted(p for p in inputs if root in p.parents):
            found["static/" + path.relative_to(root).as_posix()] = inputs[path]
    return [RenderedFile(name, content) for name, content in sorted(found.items())]
