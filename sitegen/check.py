"""`sitegen check`: a site's content and its built output checked, nothing changed.

Each problem is one line with its place; the command exits 1 if there is any.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sitegen import state
from sitegen.build import build_date, why_not_read
from sitegen.config import CONFIG_FILE, load_config
from sitegen.errors import Diagnostics, SitegenError, format_place
from sitegen.output import claim_output
from sitegen.pages import PageSource, earlier_page_of_same_paper, read_page
from sitegen.parse import decode, parse_list_file
from sitegen.records import is_list_file
from sitegen.search import read_payload


class Links(HTMLParser):
    """The internal links and loads of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value and not urlsplit(value).scheme and not value.startswith(("#", "//")):
                self.urls.append(value)


def plain_files(paths: list[Path], problems: list[str]) -> list[Path]:
    """The paths that are plain files to read; anything else (a FIFO would block) is a problem."""
    plain = []
    for path in paths:
        try:
            if state.input_stamp(path, must=True) is not None:
                plain.append(path)
        except SitegenError as error:
            problems.append(str(error))
    return plain


def check_settings(site_dir: Path, output_dir: Path) -> list[str]:
    """`sitegen.yml` and the output folder, as a build would judge them."""
    problems = []
    config_path = site_dir / CONFIG_FILE
    try:
        if config_path.exists() or config_path.is_symlink():
            if state.input_stamp(config_path, must=True) is not None:
                load_config(config_path, decode(config_path, config_path.read_bytes()))
    except SitegenError as error:
        problems.append(str(error))
    try:
        claim_output(output_dir, site_dir, built_last=state.built_last(site_dir, output_dir))
    except SitegenError as error:
        problems.append(str(error))
    return problems


def check_content(site_dir: Path) -> list[str]:
    problems: list[str] = []
    content = site_dir / "content"
    in_lists = [Path(p) for p in state.visible_files(content / "lists")]
    problems += [format_place(p, None, unread) for p in in_lists if (unread := why_not_read(p)) is not None]
    list_files = [p for p in in_lists if is_list_file(p)]
    for path in plain_files(list_files, problems):
        try:
            diagnostics = Diagnostics()
            _, entries = parse_list_file(path, path.read_bytes(), diagnostics, build_date())
        except SitegenError as error:
            problems.append(str(error))
            continue
        problems += [str(w) for w in diagnostics.warnings]
        problems += [format_place(path, e.line, f"'{e.title}' has no abstract") for e in entries if not e.abstract
                     and not any(w.line == e.line for w in diagnostics.warnings)]
    seen_by_arxiv: dict[str, PageSource] = {}
    seen_by_title: dict[str, list[PageSource]] = {}
    slugs: dict[str, Path] = {}
    for path in plain_files(sorted((content / "papers").glob("*.md")), problems):
        try:
            page = read_page(path, decode(path, path.read_bytes(), keep_bom=True))
        except SitegenError as error:
            problems.append(str(error))
            continue
        same = earlier_page_of_same_paper(page, seen_by_arxiv, seen_by_title)
        if same is not None:
            problems.append(format_place(path, page.entries["title"].key_line, f"same paper as {same.path}"))
        folded = path.stem.casefold()
        if folded in slugs:
            problems.append(format_place(path, None, f"slug differs only in case from {slugs[folded]}"))
        slugs.setdefault(folded, path)
    last = state.load(site_dir).get("sources")
    if last is not None:
        for path in plain_files(list_files, []):
            name = str(path.relative_to(site_dir))
            digest = hashlib.blake2b(path.read_bytes(), digest_size=12).hexdigest()
            if last.get(name) != digest:
                problems.append(format_place(path, None, "changed since the last build (run `sitegen build`)"))
        for name in sorted(set(last) - {str(p.relative_to(site_dir)) for p in content.rglob("*") if p.is_file()}):
            if name.startswith("content/lists/"):
                problems.append(format_place(site_dir / name, None, "removed since the last build (run `sitegen build`)"))
    return problems


def check_output(output_dir: Path) -> list[str]:
    if not (output_dir / "index.html").is_file():
        return [format_place(output_dir, None, "no built site here (run `sitegen build`)")]
    problems = []
    linked: set[str] = set()
    for page in sorted(output_dir.rglob("*.html")):
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        here = page.relative_to(output_dir).as_posix()
        for url in parser.urls:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(here), unquote(urlsplit(url).path)))
            if urlsplit(url).path and not (output_dir / target).is_file():
                problems.append(format_place(page, None, f"broken link to {url}"))
            elif here.startswith(("lists/", "tags/", "papers/page/")) or here == "papers/index.html":
                linked.add(target)  # a paper in no list any more (its page kept for your edits) is on the index
    papers_json = output_dir / "papers.json"
    papers = json.loads(papers_json.read_text(encoding="utf-8"))["papers"] if papers_json.is_file() else []
    for paper in papers:
        if paper["url"] not in linked:
            problems.append(format_place(output_dir / paper["url"], None, "no list, tag or index page links to this paper"))
    try:
        payload = read_payload(output_dir / "search-index.js")
    except SitegenError as error:
        return [*problems, str(error)]
    indexed = {(doc.title, doc.url) for doc in payload.docs}
    pages = {(p["title"], p["url"]) for p in papers}
    for title, url in sorted(pages - indexed):
        problems.append(format_place(output_dir / "search-index.js", None, f"'{title}' ({url}) is not in the search index"))
    for title, url in sorted(indexed - pages):
        problems.append(format_place(output_dir / "search-index.js", None, f"'{title}' ({url}) is in the index but not in papers.json"))
    return problems


def check_site(site_dir: Path, output_dir: Path) -> list[str]:
    return check_settings(site_dir, output_dir) + check_content(site_dir) + check_output(output_dir)
