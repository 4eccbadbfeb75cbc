"""Load → plan → write: the three steps of a build, which `build` and `serve` run alike.

1. load: read every input once and check it (reads only).
2. plan: assemble (pure: every output as data: page texts, removals, the catalog, the templates
   checked; `check` stops here), then the new site rendered into its aside folder, so a template
   error stops the build before any user-visible byte is written.
3. write: the user's pages, each only while it still holds the bytes load read, then the site swap.

The stages' modules are imported by the step that runs them: a build with nothing to do stops
before importing them (jinja2, markdown-it, lunr, the parsers: most of a no-op build's time).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import sitegen
from sitegen import state
from sitegen.errors import Diagnostics, SitegenError
from sitegen.output import (
    LiveTree,
    Proven,
    RenderedFile,
    abandon_site,
    aside_paths,
    claim_output,
    finish_site,
    interrupts_deferred,
    is_site_name,
    made_by_sitegen,
    proof_of,
    read_or_none,
    recover,
    refuse_own_files,
    removable,
    remove_checked,
    require_inside,
    revert_site,
    settle_site,
    start_site,
    sweep_temps,
    unproven,
    update_site,
    write_atomic,
    write_files,
)
from sitegen.state import input_digest, input_digests, is_list_file, read_inputs

if TYPE_CHECKING:
    import datetime as dt

    from sitegen.records import ListEntry, PageAnchor, PaperPage, ReadingList, TagMatch, TagRule
    from sitegen.catalog import Catalog
    from sitegen.config import SiteConfig
    from sitegen.pages import PageSource
    from sitegen.parallel import Ready, Sent
    from sitegen.render import Job, Renderer

Progress = Callable[[str, int], Callable[[], None]]  # (stage, total) → tick
SearchFiles = tuple[list[RenderedFile], dict[str, bytes]]  # the index's files, and the memo's search parts it changed
# Past this share of pages to render again, the site is made afresh and swapped in: one rename
# instead of a rename per file (a new list changes the related papers and tags of much of the site).
MOST_OF_THE_SITE = 0.5


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
    files_changed: int | None = None  # None: the site was made afresh
    unchanged: bool = False  # nothing changed since the last build: nothing was done or written


def package_resource(name: str) -> Path:
    """A folder shipped in the wheel (`sitegen/_data/<name>`), or the repository's top-level one."""
    installed = Path(sitegen.__file__).parent / "_data" / name
    return installed if installed.is_dir() else Path(sitegen.__file__).parent.parent / name


def build_date() -> dt.date:
    """Today, or the day of SOURCE_DATE_EPOCH for reproducible builds."""
    import datetime as dt  # here: a build with nothing to do has no day to resolve

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
    keep: Callable[[Assembled], None] | None = None,
) -> BuildSummary:
    """Build the site: load → plan → write; with `reuse`, stop at once when nothing changed since the last build.
    `keep` is given what a build that completes was assembled from (`serve` previews edited notes with it)."""
    started = time.perf_counter()
    preflight(site_dir, output_dir)
    with state.build_lock(site_dir):
        try:
            for folder in written_folders(site_dir):
                sweep_temps(folder, site_dir)
            recover(output_dir, diagnostics)  # a killed update undone before the output folder is read: its files are not the user's
            theme = package_resource("templates")
            record, discarded = state.read_record(site_dir)
            if discarded:
                diagnostics.warn(site_dir / state.STATE_FILE, None, discarded)
            listed = made_by_sitegen(output_dir)  # the marker, read once: every step below needs what it lists
            last = state.last_build(record, output_dir, listed)
            reusable = reuse and last.intact and not (strict and any(kind == "warning" for *_, kind in last.warnings))
            # Nothing changed: the inputs' stamps say so without reading them, else their bytes do.
            standing = state.stamps_now(site_dir, theme) if reusable else None
            unchanged = standing is not None and last.stamps == state.stamps_digest(standing)
            if not unchanged:
                inputs, stamps = read_inputs(site_dir, theme, standing)
                digests = input_digests(inputs)
                unchanged = reusable and last.inputs == input_digest(digests)
            if unchanged:
                for path, line, message, kind in last.warnings:
                    (diagnostics.note if kind == "note" else diagnostics.warn)(Path(path), line, message)
                return BuildSummary(0, 0, 0, 0, 0, 0, 0, time.perf_counter() - started, unchanged=True)
            memo, planted = state.load_memo(site_dir, last.memo)
            if planted and not discarded:  # else the record's warning says it all
                diagnostics.warn(site_dir / state.STATE_FILE.parent, None, f"{', '.join(p.name for p in planted)}: not left by this "
                                 "site's last build (a cloned or copied site?); ignored, and what they held is made again")
            loaded = load(site_dir, output_dir, theme, inputs, stamps, digests, diagnostics, progress, last.rendered, memo)
            state.settle_heap()
            proof, discarded_proof = state.read_proof(site_dir, output_dir)
            if discarded_proof:
                diagnostics.warn(site_dir / state.PROOF_FILE, None, discarded_proof)
            built = plan(loaded, diagnostics, progress, proof, listed)
            if strict and diagnostics.warnings:
                raise SitegenError(f"{len(diagnostics.warnings)} warning(s) and --strict: nothing written")
            summary = write(built, diagnostics, started)
            if keep is not None:
                keep(built.assembled)
            return summary
        except BaseException:
            from sitegen.parallel import (
                stop_workers,  # imported here: a build with nothing to do never needs it
            )

            stop_workers()  # a failed build leaves nothing running behind it, and no half-made site aside
            abandon_site(output_dir)
            raise
        finally:
            state.release_memo()


def preflight(site_dir: Path, output_dir: Path) -> None:
    """What a site must be before anything is read or written, checked alike by `build` and `check`
    (reads only): a site folder; the folders sitegen writes or reads not led outside it by a symlink;
    an output folder sitegen may replace, with nothing planted beside it; `.sitegen/` of its own."""
    require_site(site_dir)
    for folder in ("content/papers", "templates"):
        require_inside(site_dir / folder, site_dir)
    claim_output(output_dir, site_dir)
    state.check_state_files(site_dir)


def written_folders(site_dir: Path) -> set[Path]:
    """Every folder a build writes files into through a temp file: content/papers/, .sitegen/, and the
    folder each symlinked page points into (inside the site: `sweep_temps` never sweeps elsewhere),
    where a killed build's temp file waits to be swept."""
    papers = site_dir / "content" / "papers"
    try:
        with os.scandir(papers) as found:  # a link known from the folder's listing, not by a stat of each of 10,000 pages
            linked = {Path(e.path).resolve().parent for e in found if not e.name.startswith(".") and e.is_symlink() and e.is_file()}
    except (FileNotFoundError, NotADirectoryError):
        linked = set()
    return {papers, site_dir / state.STATE_FILE.parent, *linked}


def require_site(site_dir: Path) -> None:
    """A mistyped `-s` is an error before anything (the lock, the state folder) is created."""
    if not (site_dir / "content").is_dir():
        what = "does not exist" if not site_dir.exists() else "has no content/ folder"
        raise SitegenError(f"{site_dir}: {what}; not a sitegen site (`sitegen new DIR` makes one)")


@dataclass(frozen=True)
class LoadedSite:
    """Step 1, load: every input read once and checked; nothing written."""

    site_dir: Path
    output_dir: Path
    theme: Path
    inputs: dict[Path, bytes]
    stamps: dict[str, state.Stamp]  # each input's stamp, taken before it was read
    digests: dict[Path, str]  # each input's digest (`state.input_digests`)
    config: SiteConfig
    reading_lists: list[ReadingList]
    entries: list[ListEntry]
    list_keys: list[str]  # each list file's memo key: of what its entries were parsed from
    sources: list[PageSource]
    rules: tuple[TagRule, ...]
    memo: state.Memo  # the last build's results of slow steps, for the inputs that did not change
    rendered_last: dict[str, str]  # the last build's render keys, if the output folder is as it left it


@dataclass(frozen=True)
class PageWrite:
    """A user file to replace (or remove, `content` None), and the bytes the build read from it
    (None: there was no file): replaced only if it still holds them."""

    path: Path
    content: bytes | None
    read: bytes | None


@dataclass(frozen=True)
class Plan:
    """Step 2, plan: every output as data, and the new site rendered in its aside folder (sitegen's
    own, invisible until the swap): a template error stops the build before any byte is written."""

    assembled: Assembled  # every output as data: pages, page writes, catalog, render keys (its `files`, written aside, emptied)
    names: list[str]  # every file of the new site, sorted
    update: SiteUpdate | None  # None: the new site is whole in its aside folder, to swap in
    proof: frozenset[Proven]  # the files of the live site sitegen can prove it wrote (`.sitegen/written`)
    listed: frozenset[str]  # the files the live site's marker lists (`made_by_sitegen`)


@dataclass(frozen=True)
class SiteUpdate:
    """A site changed in place: the files whose bytes changed (rendered aside), and the files no longer made."""

    changed: list[str]
    gone: list[str]


def load(site_dir: Path, output_dir: Path, theme: Path, inputs: dict[Path, bytes], stamps: dict[str, state.Stamp],
         digests: dict[Path, str], diagnostics: Diagnostics, progress: Progress = no_progress, rendered_last: dict[str, str] | None = None,
         memo: state.Memo | None = None) -> LoadedSite:
    """Parse and check every input (`read_inputs`' bytes): lists, pages, taxonomy, settings."""
    from sitegen.config import CONFIG_FILE, load_config
    from sitegen.pages import read_page, recorded_list_dates
    from sitegen.parse import decode, keep_recorded_date, list_slug, parse_list_remembered
    from sitegen.tagging import load_taxonomy

    today = build_date()
    content = site_dir / "content"
    config_path = site_dir / CONFIG_FILE
    config = load_config(config_path, decode(config_path, inputs[config_path]) if config_path in inputs else None)

    in_lists = sorted(p for p in inputs if p.parent == content / "lists")
    list_paths = [p for p in in_lists if is_list_file(p)]
    for path in in_lists:
        if (unread := why_not_read(path)) is not None:
            diagnostics.warn(path, None, unread)
    if not list_paths and not (content / "papers").is_dir():
        raise SitegenError(f"{content / 'lists'}: no reading lists (*.txt, *.json, *.bib, *.atom) to build from; `sitegen new DIR` makes a site")
    memo = memo or state.Memo({})
    reading_lists: list[ReadingList] = []
    entries: list[ListEntry] = []
    list_keys: list[str] = []
    tick = progress("parse", len(list_paths))
    for path in list_paths:
        settings = config.list_settings(path.stem, list_slug(path))
        reading_list, list_entries, key = parse_list_remembered(path, inputs[path], diagnostics, today, settings, memo)
        list_keys.append(key)
        if list_entries:  # an empty list is not published (parse_list_file warned)
            reading_lists.append(reading_list)
            entries.extend(list_entries)
        tick()
    for settings in config.lists:
        if not any(settings.name in (path.stem, list_slug(path)) for path in list_paths):
            diagnostics.warn(config_path, settings.line, f"lists: '{settings.name}' is not a list file in content/lists/")

    papers_dir = content / "papers"
    page_paths = sorted(p for p in inputs if p.parent == papers_dir and p.suffix == ".md")
    tick = progress("pages", len(page_paths))
    sources: list[PageSource] = []
    for path in page_paths:
        sources.append(read_page(path, decode(path, inputs[path], keep_bom=True), memo))
        tick()
    recorded = recorded_list_dates(sources, reading_lists, entries)
    reading_lists = [keep_recorded_date(rl, recorded, today) for rl in reading_lists]
    taxonomy_path = content / "taxonomy.yml"
    rules = load_taxonomy(taxonomy_path, decode(taxonomy_path, inputs[taxonomy_path])) if taxonomy_path in inputs else ()
    if not rules:
        diagnostics.note(taxonomy_path, None, "no taxonomy: papers get only the tags you give them")
    return LoadedSite(site_dir, output_dir, theme, inputs, stamps, digests, config, reading_lists, entries, list_keys, sources, rules, memo,
                      rendered_last or {})


def why_not_read(path: Path) -> str | None:
    """Why an entry of content/lists/ is not read as a list (None: it is one, or a README). A list that
    cannot be read (a folder, a dangling link) is an error of its own, not also one of these."""
    if is_list_file(path):
        return None
    if path.is_dir():
        return "not read: a folder; lists are read from content/lists/ itself, not from folders in it"
    if not path.exists():
        return f"not read: a symlink to {os.readlink(path)}, which does not exist"
    if not path.name.lower().startswith("readme"):
        return "not read: lists are .txt (a pasted papers page), .json, .bib or .atom; rename it if it is one"
    return None


@dataclass(frozen=True)
class Assembled:
    """Step 2a, assemble (pure: reads and writes nothing): every page's text, the catalog, the
    templates parsed and checked, the jobs to render and the other files. `build`, `check` and
    `serve` all go through it, so they cannot disagree on what is wrong with a site."""

    loaded: LoadedSite
    pages: list[PaperPage]
    page_writes: list[PageWrite]
    catalog: Catalog
    renderer: Renderer
    jobs: list[Job]
    render_keys: dict[str, str]
    files: list[RenderedFile]  # the files no template renders: exports, the search index, static files


def assemble(loaded: LoadedSite, diagnostics: Diagnostics, progress: Progress = no_progress) -> Assembled:
    """Every page text, every removal, the catalog, the templates checked and the render jobs."""
    from sitegen.catalog import build_catalog, tag_name_warnings
    from sitegen.depends import own_templates_in, paper_facts, paper_input_key, render_keys
    from sitegen.pages import page_text, page_warnings, plan_pages
    from sitegen.parallel import Ready, in_background
    from sitegen.parse import dedupe_heard, dedupe_remembered, remember_dedupe, slugify
    from sitegen.related import related_papers
    from sitegen.render import Renderer, check_templates, export_json, make_environment
    from sitegen.learning import learn, learning_inputs
    from sitegen.tagging import are_findings, phrase_decision, phrase_findings, scored_candidates, with_learned

    site_dir, content = loaded.site_dir, loaded.site_dir / "content"
    anchors, dates = [s.anchor() for s in loaded.sources], {rl.slug: rl.date for rl in loaded.reading_lists}
    papers, papers_key = dedupe_remembered(loaded.entries, loaded.list_keys, dates, diagnostics, anchors, loaded.memo)
    planned, removed = plan_pages(papers, loaded.sources, content / "papers")
    state.settle_heap()  # before the workers below fork
    # The slowest stage needs only titles and abstracts: start it now, on the other core.
    listed = [(page.slug, page.title, page.abstract) for page in planned if page.memberships]
    memo = loaded.memo
    # A memo's values are input too (a site unpacked with its times kept vouches for planted ones): each
    # names only papers and tags of this build, else the step runs again.
    slugs, rule_slugs = {page.slug for page in planned}, {rule.slug for rule in loaded.rules}
    related_key, known_related = memo.find("related", (listed, loaded.config.related_count), lambda found: all(
        slug in slugs and all(r.slug in slugs for r in others) for slug, others in found.items()))
    related = Ready(known_related) if known_related is not None else in_background(len(listed), related_papers, listed, loaded.config.related_count)
    # A paper's phrase findings depend on its title and abstract and the rules alone: kept by paper, so that a new
    # list matches its own papers only; the scores, which weigh the phrases over all papers, are made again.
    rules_key = state.value_digest(loaded.rules)
    finding_digests = {page.slug: state.made_digest(rules_key, page.title, page.abstract) for page in planned}
    # Scoring weighs every paper's findings: kept whole (by a digest of every paper's findings' key), so that an edit leaving
    # every title and abstract as they were scores nothing; so are the phrases' decision and what learning makes of the scores.
    scores_digest = state.made_digest(*(part for item in finding_digests.items() for part in item))

    def tags_of_these_papers(found: dict[str, tuple[TagMatch, ...]]) -> bool:
        """A kept value by paper (scores, decisions) is of these papers and these rules' tags: it is input too."""
        return found.keys() == slugs and all(m.tag in rule_slugs for ms in found.values() for m in ms)

    decisions_key, decisions = memo.find("tags", ("decided", scores_digest), tags_of_these_papers)
    own_slugs = {slugify(tag) for page in planned for tag in page.user_tags if not tag.startswith("-")}
    learned_key, learned = memo.find("learned", (scores_digest, learning_inputs(planned)),
                                     lambda found: found.keys() <= slugs and all(m.tag in rule_slugs for tags, _ in found.values() for m in tags)
                                     and all(m.tag in own_slugs for _, suggested in found.values() for m in suggested))
    # The last build kept the scores and findings of its own papers only: when it kept these decisions, its scores and
    # findings files hold the very values this build would keep, and stand as they are, unread (22 MB each at 10,000 papers).
    if decisions is None or learned is None or not memo.keep_standing("scores", "findings"):
        scores_key, candidates = memo.carried("scores", scores_digest)
        if candidates is not None and not tags_of_these_papers(candidates):
            memo.refused.add("scores")
            candidates = None
        if candidates is None or not memo.keep_standing("findings"):
            phrases = frozenset((rule.slug, p) for rule in loaded.rules for p in rule.phrases)
            findings: dict[str, tuple[TagMatch, ...]] = {}
            for page in planned:
                key, found = memo.carried("findings", finding_digests[page.slug])
                if found is not None and not are_findings(found, phrases):
                    memo.refused.add("findings")  # a memo's value is input too: one not of these rules is made again
                    found = None
                findings[page.slug] = found if found is not None else phrase_findings(page, loaded.rules)
                memo.keep(key, findings[page.slug])
            candidates = candidates if candidates is not None else scored_candidates(findings)
        memo.keep(scores_key, candidates)
        decisions = decisions if decisions is not None else {slug: phrase_decision(found) for slug, found in candidates.items()}
        decided = [replace(page, auto_tags=decisions[page.slug]) for page in planned]  # as phrase_tagged(planned, candidates)
        learned = learned if learned is not None else learn(decided, candidates, loaded.rules)
    else:
        decided = [replace(page, auto_tags=decisions[page.slug]) for page in planned]
    memo.keep(decisions_key, decisions)
    memo.keep(learned_key, learned)
    pages = with_learned(decided, learned)
    state.settle_heap()
    # What the last build made of each paper whose page is made of the same things (see depends.PaperFacts).
    made_from = "\0".join((papers_key, decisions_key, learned_key))
    carried = [memo.carried("facts", paper_input_key(made_from, page, position, loaded.inputs.get(page.path)))
               for position, page in enumerate(pages)]
    source_by_path = {s.path: s for s in loaded.sources}
    page_writes: list[PageWrite] = []
    text_kept: list[bool] = []
    for page, (_, found) in zip(pages, carried, strict=True):
        read = loaded.inputs.get(page.path)
        if found is not None and found.text_kept:
            text_kept.append(True)
            continue
        said = diagnostics.per_file[page.path]
        text = page_text(page, source_by_path.get(page.path), diagnostics, memo).encode("utf-8")
        text_kept.append(text == read and diagnostics.per_file[page.path] == said)
        if text != read:
            page_writes.append(PageWrite(page.path, text, read))
    for path in removed:
        if path.is_symlink():
            diagnostics.warn(path, None, "its paper left every list, but it is a symlink: left alone (delete it yourself)")
        else:
            page_writes.append(PageWrite(path, None, loaded.inputs[path]))
    # The next build reads the pages this one writes (after a cold build, all of them): what dedupe makes of
    # them is made now, on the other core, so that the first edit after a cold build matches up no paper again.
    upcoming = anchors_after(loaded.sources, anchors, page_writes, memo)
    matched = in_background(len(upcoming), dedupe_heard, loaded.entries, dates, upcoming) if upcoming != anchors else None

    tags_lines = {s.path: s.entries["tags"].key_line for s in loaded.sources if "tags" in s.entries}
    for path, line, message in [*tag_name_warnings(pages, tags_lines, loaded.rules), *page_warnings(loaded.sources)]:
        diagnostics.warn(path, line, message)
    catalog = build_catalog(loaded.config, loaded.reading_lists, pages, loaded.rules)
    # The workers started above end before the search's starts: two cores gain nothing from three workers at once,
    # and each holds its own copy of what it touched of the build's heap (together the build's peak of memory).
    catalog = replace(catalog, related=related.result())
    memo.keep(related_key, catalog.related)
    if matched is not None:
        remember_dedupe(memo, loaded.list_keys, dates, upcoming, matched.result())
    # The search index is the next slowest stage, and only reads the catalog: on the other core too (`search_files`).
    searched = search_files(catalog, memo)
    env = make_environment([site_dir / "templates"], loaded.theme, own_templates_in(loaded.inputs, site_dir, loaded.theme))
    check_templates(env)
    facts = {}
    for page, (key, found), kept in zip(pages, carried, text_kept, strict=True):
        facts[page.slug] = found if found is not None else paper_facts(catalog, page, kept)
        memo.keep(key, facts[page.slug])
    other_files = [export_json(catalog, {slug: made.export for slug, made in facts.items()}), *static_files(site_dir, loaded.theme, loaded.inputs)]
    renderer = Renderer(catalog, env)
    jobs = renderer.jobs()
    keys = render_keys(site_dir, loaded.theme, loaded.inputs, loaded.config, loaded.rules, loaded.reading_lists, catalog, jobs, facts)
    search, carried_search = searched.result()
    for kind, data in carried_search.items():
        memo.replace(kind, data)
    files = [*renderer.plain_files(), *other_files, *search]
    return Assembled(loaded, pages, page_writes, catalog, renderer, jobs, keys, files)


def anchors_after(sources: list[PageSource], anchors: list[PageAnchor], page_writes: list[PageWrite], memo: state.Memo) -> list[PageAnchor]:
    """The pages' anchors (`anchors`: of `sources`) as the next build will read them, once this one's page writes are made."""
    from sitegen.pages import read_page

    if not page_writes:
        return anchors
    written = {change.path: change.content for change in page_writes}
    standing = {source.path: anchor for source, anchor in zip(sources, anchors) if source.path not in written}
    for path, content in written.items():
        if content is not None:
            standing[path] = read_page(path, content.decode("utf-8"), memo, written=True).anchor()
    return [standing[path] for path in sorted(standing)]


def search_files(catalog: Catalog, memo: state.Memo) -> Sent[SearchFiles] | Ready[SearchFiles]:
    """The search index's files (`search-index.js` and its shards), and the memo's `search-*` parts this build changed
    (pickled), made in a process of its own from what the index is made of and the parts the last build carried
    over (read there, never here)."""
    from sitegen.parallel import sent_away
    from sitegen.search import worker
    from sitegen.search.index import search_source

    part_files = {kind: (path, memo.proven[kind]) for kind, path in memo.lazy.items()}
    return sent_away(len(catalog.papers), "sitegen.search.worker", worker.search_files, search_source(catalog), part_files,
                     f"search:{state.code_digest()}")


def plan(loaded: LoadedSite, diagnostics: Diagnostics, progress: Progress = no_progress,
         proof: frozenset[Proven] = frozenset(), listed: Iterable[str] = ()) -> Plan:
    """Assemble, then render the new site aside: all of it, or only what changed since the last build."""
    from sitegen.parallel import render_into

    assembled = assemble(loaded, diagnostics, progress)
    jobs, keys, files = assembled.jobs, assembled.render_keys, assembled.files
    previous = loaded.rendered_last
    listed = frozenset(listed)
    tree = LiveTree(loaded.output_dir)  # the live site, read in one walk (refuses a FIFO, socket or device in it)
    refuse_own_files(loaded.output_dir, [*keys, *(file.path for file in files)], listed, tree)
    update: SiteUpdate | None = None
    live = loaded.output_dir.resolve()
    # (after `refuse_own_files`, every folder on the way to a file of the site is a real one, or not there: the walk saw it)
    changed_jobs = [job for job in jobs if previous.get(job.path) != keys[job.path] or not tree.is_file(job.path)]
    names = sorted({*keys, *(file.path for file in files)})
    kept = unproven(live, names, proof, listed)
    if kept:
        diagnostics.note(loaded.output_dir, None, f"{len(kept)} file(s) sitegen's marker lists are no longer part of the site, "
                         f"but sitegen cannot prove they are the very files it wrote (changed, copied or cloned, or no "
                         f"{state.PROOF_FILE}): kept as yours ({', '.join(kept[:3])}); delete them if they are not")
    if previous and len(changed_jobs) <= len(jobs) * MOST_OF_THE_SITE:
        # The live site is as the last build left it and most of it stays: change only what differs.
        jobs = changed_jobs
        files = [file for file in files if read_or_none(live / file.path) != file.content]
        update = SiteUpdate(sorted({*(file.path for file in files), *(job.path for job in jobs)}),
                            removable(live, names, proof, listed))
    with cannot_write(loaded.output_dir):  # into sitegen's own aside folder; run_build drops it if anything fails
        folder = start_site(loaded.output_dir, diagnostics)
        write_files(folder, files)
        # Written aside, their bytes (search index, papers.json, .bib files, rows: 21 MB at 10,000 papers) are not
        # needed again: let them go before the render worker forks, rather than hold them to the end.
        files, assembled = [], replace(assembled, files=[])
        render_into(folder, assembled.renderer, jobs, progress("render", len(jobs)))
    return Plan(assembled, names, update, proof, listed)


def write(built: Plan, diagnostics: Diagnostics, started: float) -> BuildSummary:
    """Step 3, write: the site swap, then the user's pages (each only if unchanged since it was read):
    a swap that fails (a mount point, a folder not writable) has changed nothing of the user's."""
    assembled = built.assembled
    loaded = assembled.loaded
    digests, stamps = dict(loaded.digests), dict(loaded.stamps)
    written = removed = 0
    # A failure leaves the previous site (run_build drops the aside folder); Ctrl+C waits for the end.
    with cannot_write(loaded.output_dir), interrupts_deferred():
        changed = None
        # The files in the aside folder are the same files once swapped or moved in (a rename keeps the inode):
        # all of the site, or, for an update, the files that changed.
        aside = built.names if built.update is None else built.update.changed
        proof = built.proof | proof_of(aside_paths(loaded.output_dir)[0], aside)
        if built.update is None:
            finish_site(loaded.output_dir, built.names, built.proof, built.listed)
        else:
            changed = update_site(loaded.output_dir, built.update.changed, built.update.gone, built.names, built.proof)
        try:
            for change in assembled.page_writes:
                if change.content is None:
                    remove_checked(change.path, change.read or b"")
                    digests.pop(change.path, None)
                    stamps.pop(str(change.path), None)
                    removed += 1
                else:
                    write_atomic(change.path, change.content, loaded.site_dir, expected=change.read, check=True)
                    digests[change.path] = state.file_digest(change.content)
                    stamps[str(change.path)] = state.stamp(change.path)
                    written += 1
        except BaseException:
            revert_site(loaded.output_dir)  # the site matches the pages as they stand
            raise
        settle_site(loaded.output_dir)
        # After the page writes, so the next build sees these pages as they now stand; inside the deferred
        # Ctrl+C, so a build interrupted here still records what it wrote (the next one has nothing to do).
        # Not those about sitegen's own state: this build replaces it, and a build with nothing to do must not say them again.
        own_state = loaded.site_dir / state.STATE_FILE.parent
        warnings = [[str(d.path), d.line, d.message, kind] for kind, found in (("warning", diagnostics.warnings), ("note", diagnostics.notes))
                    for d in found if not d.path.is_relative_to(own_state)]
        # Before the record: a build killed before its proof is saved is not one a build with nothing to do
        # trusts (until then the new files are unproven: kept if the site drops them, and said so).
        state.save_proof(loaded.site_dir, proof)
        memo_stamps = state.save_memo(loaded.site_dir, loaded.memo)  # first: the record vouches for the memo files it wrote or proved
        state.save(loaded.site_dir, loaded.output_dir, digests, stamps, warnings, assembled.render_keys, built.names, memo_stamps)
    return BuildSummary(
        papers=len(assembled.pages),
        entries=len(loaded.entries),
        lists=len(loaded.reading_lists),
        tags=len(assembled.catalog.tags),
        pages_written=written,
        pages_removed=removed,
        files=len(built.names),
        files_changed=changed,
        seconds=time.perf_counter() - started,
    )


@contextmanager
def cannot_write(folder: Path) -> Iterator[None]:
    """A folder that is read-only, full or gone: one line naming it (the file, else `folder`), not a traceback."""
    try:
        yield
    except OSError as error:
        raise SitegenError(f"{error.filename or folder}: cannot write ({error.strerror or error})") from None


def static_files(site_dir: Path, theme: Path, inputs: dict[Path, bytes]) -> list[RenderedFile]:
    """The theme's static/ folder, with the site's own static/ files taking precedence by name;
    their bytes are among the inputs already read."""
    found: dict[str, bytes] = {}
    source: dict[str, Path] = {}
    for root in (theme / "static", site_dir / "templates" / "static"):
        for path in sorted(p for p in inputs if state.is_under(p, root)):
            name = "static/" + path.relative_to(root).as_posix()
            if not is_site_name(name):  # the marker and the proof list names a line each
                raise SitegenError(f"{path}: a control character, line break or backslash in its name; a file of the site "
                                   "cannot have one: rename it")
            found[name], source[name] = inputs[path], path
    for name in found:  # one of the site's static files where another needs a folder (templates/static/search.js/x)
        folder = next((name[:at] for at, c in enumerate(name) if c == "/" and name[:at] in found), None)
        if folder is not None:
            mine, other = (source[name], source[folder]) if state.is_under(source[name], site_dir) else (source[folder], source[name])
            raise SitegenError(f"{mine}: {folder} would be both a file and a folder of the site (with {other}); rename it")
    return [RenderedFile(name, content) for name, content in sorted(found.items())]
