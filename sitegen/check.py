"""`sitegen check`: a site judged exactly as `sitegen build` judges it, and its built output; nothing changed.

It runs the build's own load and assemble and renders every page into a temporary folder, so a
site that `build` refuses is refused here with the same line. Every line says its kind:
- `error:` the build would fail (the message `sitegen build` prints);
- `warning:` a warning of the build (a skipped line, a list not read), or a problem of the built site
  (a broken link, a paper missing from the search index, a list changed since the last build);
- `note:` a fact of a normal library that needs no fixing (an entry without an abstract, a paper
  kept in no list because its page holds your edits).
The command exits 1 if there is any error or warning; notes alone do not fail it.
"""

from __future__ import annotations

import json
import posixpath
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sitegen import state
from sitegen.build import Assembled, assemble, load, no_progress, package_resource, require_site
from sitegen.errors import Diagnostics, SitegenError, format_place
from sitegen.output import MARKER, claim_output, made_by_sitegen, refuse_own_files

FAILING = ("error", "warning")


@dataclass(frozen=True)
class Finding:
    """One line of the report: its kind (error, warning or note) and its text."""

    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}"


class Links(HTMLParser):
    """The internal links and loads of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.not_urls: list[str] = []  # `http://[x`: what no browser can follow

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                try:
                    scheme = urlsplit(value).scheme
                except ValueError:
                    self.not_urls.append(value)
                    continue
                if not scheme and not value.startswith(("#", "//")):
                    self.urls.append(value)


def check_build(site_dir: Path, output_dir: Path, diagnostics: Diagnostics) -> Assembled:
    """What `sitegen build` does before it writes: the same checks, load and assemble, and every page
    rendered (into a temporary folder outside the site, so that a template failing at render time is
    found too). Reads only."""
    from sitegen.parallel import render_into

    require_site(site_dir)
    claim_output(output_dir, site_dir)
    state.check_state_files(site_dir)
    theme = package_resource("templates")
    record, _ = state.read_record(site_dir)
    inputs, stamps = state.read_inputs(site_dir, theme)
    memo, _ = state.load_memo(site_dir, record.memo if record else {})
    loaded = load(site_dir, output_dir, theme, inputs, stamps, diagnostics, memo=memo)
    assembled = assemble(loaded, diagnostics)
    refuse_own_files(output_dir, [*assembled.render_keys, *(file.path for file in assembled.files)])
    with tempfile.TemporaryDirectory(prefix="sitegen-check-") as folder:
        render_into(Path(folder), assembled.renderer, assembled.jobs, no_progress("render", 0))
    return assembled


def library_notes(assembled: Assembled, diagnostics: Diagnostics) -> tuple[list[Finding], list[Finding]]:
    """The build's warnings (to fix) and its notes (the facts of a normal library: an exported entry with
    no abstract, a site with no taxonomy; the same levels as `build`), and the other facts said so that
    nothing is a surprise."""
    notes = [Finding("note", str(n)) for n in diagnostics.notes]
    notes += [Finding("note", format_place(page.path, None, "in no list: kept because the page holds your edits (or you made "
                                           "it); it shows on the papers index"))
              for page in assembled.pages if not page.memberships]
    return [Finding("warning", str(w)) for w in diagnostics.warnings], notes


def changed_since_built(assembled: Assembled) -> list[Finding]:
    """The lists changed or removed since the last build: the built site does not show them yet."""
    site_dir = assembled.loaded.site_dir
    record, _ = state.read_record(site_dir)
    if record is None:
        return []
    now = state.file_digests(assembled.loaded.inputs, site_dir)
    found = []
    for name in sorted(set(now) | set(record.sources)):
        if not name.startswith("content/lists/") or now.get(name) == record.sources.get(name):
            continue
        what = "removed" if name not in now else "changed"
        found.append(Finding("warning", format_place(site_dir / name, None, f"{what} since the last build (run `sitegen build`)")))
    return found


def check_output(output_dir: Path) -> list[Finding]:
    """The built site: links that lead nowhere, papers no page links to, the search index against papers.json.
    Only the files sitegen made are judged (a file of yours in the folder is yours)."""
    if not (output_dir / "index.html").is_file():
        return [Finding("warning", format_place(output_dir, None, "no built site here (run `sitegen build`)"))]
    try:
        made = made_by_sitegen(output_dir) if (output_dir / MARKER).is_file() else set()
    except SitegenError as error:
        return [Finding("error", str(error))]
    problems = []
    linked: set[str] = set()
    for here in sorted(name for name in made if name.endswith(".html")):
        page = output_dir / here
        parser = Links()
        try:
            parser.feed(page.read_bytes().decode("utf-8", errors="replace"))
        except OSError as error:
            problems.append(format_place(page, None, f"cannot read ({error.strerror})"))
            continue
        problems += [format_place(page, None, f"a link that is no URL: {url[:200]}") for url in parser.not_urls]
        for url in parser.urls:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(here), unquote(urlsplit(url).path)))
            if urlsplit(url).path and not is_file(output_dir / target):
                problems.append(format_place(page, None, f"broken link to {url if len(url) <= 200 else url[:200] + '…'}"))
            elif here.startswith(("lists/", "tags/", "papers/page/")) or here == "papers/index.html":
                linked.add(target)  # a paper in no list any more (its page kept for your edits) is on the index
    papers = read_papers(output_dir / "papers.json", problems)
    for paper in papers:
        if paper["url"] not in linked:
            problems.append(format_place(output_dir / paper["url"], None, "no list, tag or index page links to this paper"))
    try:
        from sitegen.search import read_payload

        payload = read_payload(output_dir / "search-index.js")
        indexed = {(doc.title, doc.url) for doc in payload.docs}
    except SitegenError as error:
        return [Finding("warning", p) for p in problems] + [Finding("warning", str(error))]
    except Exception:  # read back from disk, where anything may stand in for it (nested past the stack, ill-typed)
        problems.append(format_place(output_dir / "search-index.js", None, "not a search index sitegen made (run `sitegen build`)"))
        return [Finding("warning", p) for p in problems]
    pages = {(p["title"], p["url"]) for p in papers}
    for title, url in sorted(pages - indexed):
        problems.append(format_place(output_dir / "search-index.js", None, f"'{title}' ({url}) is not in the search index"))
    for title, url in sorted(indexed - pages):
        problems.append(format_place(output_dir / "search-index.js", None, f"'{title}' ({url}) is in the index but not in papers.json"))
    return [Finding("warning", p) for p in problems]


def is_file(path: Path) -> bool:
    """Whether a link's target is a file: a name too long for the file system is none (not an error)."""
    try:
        return path.is_file()
    except OSError:
        return False


def read_papers(path: Path, problems: list[str]) -> list[dict[str, str]]:
    """papers.json's papers (title and url), or none and a problem if it is not what sitegen writes."""
    if not path.is_file():
        return []
    try:
        papers = json.loads(path.read_bytes().decode("utf-8"))["papers"]
        return [{"title": str(p["title"]), "url": str(p["url"])} for p in papers]
    except (OSError, ValueError, LookupError, TypeError, RecursionError):
        problems.append(format_place(path, None, "not the papers.json sitegen writes (run `sitegen build`)"))
        return []


def check_site(site_dir: Path, output_dir: Path) -> list[Finding]:
    diagnostics = Diagnostics()
    try:
        assembled = check_build(site_dir, output_dir, diagnostics)
    except SitegenError as error:
        return [*(Finding("warning", str(w)) for w in diagnostics.warnings), Finding("error", str(error)), *check_output(output_dir)]
    warnings, notes = library_notes(assembled, diagnostics)
    return [*warnings, *changed_since_built(assembled), *check_output(output_dir), *notes]
