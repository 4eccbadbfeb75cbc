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
import os
import posixpath
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sitegen import state
from sitegen.build import Assembled, assemble, load, no_progress, package_resource, preflight
from sitegen.errors import Diagnostics, SitegenError, format_place
from sitegen.output import MARKER, LiveTree, folders_are_real, kill_point, made_by_sitegen, plain_bytes, refuse_own_files

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
    """What `sitegen build` does before it writes: the same checks (the very same functions), load and
    assemble, and every page rendered (into a temporary folder outside the site, so that a template
    failing at render time is found too). Reads only."""
    from sitegen.parallel import render_into

    preflight(site_dir, output_dir)
    theme = package_resource("templates")
    record, _ = state.read_record(site_dir)
    inputs, stamps = state.read_inputs(site_dir, theme)
    memo, _ = state.load_memo(site_dir, record.memo if record else {})
    loaded = load(site_dir, output_dir, theme, inputs, stamps, state.input_digests(inputs), diagnostics, memo=memo)
    assembled = assemble(loaded, diagnostics)
    refuse_own_files(output_dir, [*assembled.render_keys, *(file.path for file in assembled.files)], made_by_sitegen(output_dir),
                     LiveTree(output_dir))
    sweep_check_folders()
    with tempfile.TemporaryDirectory(prefix=f"{CHECK_PREFIX}{os.getpid()}-") as folder:
        render_into(Path(folder), assembled.renderer, assembled.jobs, no_progress("render", 0))
        kill_point("check-rendered")
    return assembled


CHECK_PREFIX = "sitegen-check-"  # then the pid of the check that renders there


def sweep_check_folders() -> None:
    """Remove the temporary folders of checks that were killed (their process is gone): only this
    user's, only of this naming."""
    with os.scandir(tempfile.gettempdir()) as found:
        for entry in found:
            named = re.fullmatch(rf"{CHECK_PREFIX}(\d+)-\w+", entry.name)
            try:
                if not named or not entry.is_dir(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_uid != os.getuid():
                    continue
            except FileNotFoundError:  # another check, done meanwhile, removed its own
                continue
            try:
                os.kill(int(named.group(1)), 0)
            except ProcessLookupError:
                shutil.rmtree(entry.path, ignore_errors=True)
            except (PermissionError, OverflowError):
                pass  # alive (another user's), or no pid at all


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
    now = state.file_digests(assembled.loaded.digests, site_dir)
    found = []
    for name in sorted(set(now) | set(record.sources)):
        if not name.startswith("content/lists/") or now.get(name) == record.sources.get(name):
            continue
        what = "removed" if name not in now else "changed"
        found.append(Finding("warning", format_place(site_dir / name, None, f"{what} since the last build (run `sitegen build`)")))
    return found


def check_output(output_dir: Path) -> list[Finding]:
    """The built site: links that lead nowhere, papers no page links to, the search index against papers.json.
    Only the files sitegen made are judged (a file of yours in the folder is yours), and only plain files
    are read: a symlink is never followed, a FIFO or device never opened (either could block or never end)."""
    if not (output_dir / "index.html").is_file():
        return [Finding("warning", format_place(output_dir, None, "no built site here (run `sitegen build`)"))]
    try:
        made = made_by_sitegen(output_dir) if (output_dir / MARKER).is_file() else set()
    except SitegenError as error:
        return [Finding("error", str(error))]
    problems = []
    odd = sorted(name for name in made if os.path.lexists(output_dir / name) and not is_plain(output_dir, name))
    problems += [format_place(output_dir / name, None, "not a plain file (a symlink, FIFO, device or folder); not read") for name in odd]
    linked: set[str] = set()
    for here in sorted(name for name in made if name.endswith(".html") and name not in odd):
        page = output_dir / here
        parser = Links()
        data = plain_bytes(page)
        if data is None:
            problems.append(format_place(page, None, "cannot read"))
            continue
        parser.feed(data.decode("utf-8", errors="replace"))
        problems += [format_place(page, None, f"a link that is no URL: {url[:200]}") for url in parser.not_urls]
        for url in parser.urls:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(here), unquote(urlsplit(url).path)))
            if urlsplit(url).path and not is_file(output_dir / target):
                problems.append(format_place(page, None, f"broken link to {url if len(url) <= 200 else url[:200] + '…'}"))
            elif here.startswith(("lists/", "tags/", "papers/page/")) or here == "papers/index.html":
                linked.add(target)  # a paper in no list any more (its page kept for your edits) is on the index
    if odd or not all(is_plain(output_dir, name) for name in ("papers.json", "search-index.js") if os.path.lexists(output_dir / name)) \
            or any(not is_plain(output_dir, name) for name in files_of(output_dir, "search-index")):
        return [Finding("warning", p) for p in problems]  # the index is read through many files: none is read unless all are plain
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


def is_plain(output_dir: Path, name: str) -> bool:
    """Whether `output_dir/name` is a plain file reached through real folders (lstat only: nothing opened)."""
    try:
        return folders_are_real(output_dir, name) and stat.S_ISREG(os.lstat(output_dir / name).st_mode)
    except OSError:
        return False


def files_of(output_dir: Path, folder: str) -> list[str]:
    """The names directly in `output_dir/folder` (relative to `output_dir`), without following a symlink."""
    if os.path.islink(output_dir / folder) or not (output_dir / folder).is_dir():
        return [folder] if os.path.lexists(output_dir / folder) else []
    return [f"{folder}/{name}" for name in sorted(os.listdir(output_dir / folder))]


def read_papers(path: Path, problems: list[str]) -> list[dict[str, str]]:
    """papers.json's papers (title and url), or none and a problem if it is not what sitegen writes."""
    if not path.is_file():
        return []
    try:
        papers = json.loads((plain_bytes(path) or b"").decode("utf-8"))["papers"]
        return [{"title": str(p["title"]), "url": str(p["url"])} for p in papers]
    except (OSError, ValueError, LookupError, TypeError, RecursionError):
        problems.append(format_place(path, None, "not the papers.json sitegen writes (run `sitegen build`)"))
        return []


def check_site(site_dir: Path, output_dir: Path) -> list[Finding]:
    diagnostics = Diagnostics()
    try:
        assembled = check_build(site_dir, output_dir, diagnostics)
    except SitegenError as error:
        found = [*(Finding("warning", str(w)) for w in diagnostics.warnings), Finding("error", str(error)), *check_output(output_dir)]
    else:
        warnings, notes = library_notes(assembled, diagnostics)
        found = [*warnings, *changed_since_built(assembled), *check_output(output_dir), *notes]
    return list(dict.fromkeys(found))  # one line once (a bad marker stops the build and the output check alike)
