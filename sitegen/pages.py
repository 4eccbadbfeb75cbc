"""Paper + existing page text → PaperPage, and PaperPage → the page text to write.

A page is `content/papers/<slug>.md`: YAML front matter, then the user's notes in Markdown.
sitegen owns MACHINE_FIELDS and rewrites only their lines; every other key, every comment and
the body are the user's and are kept byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sitegen.errors import SourceError
from sitegen.parse import slugify, title_key
from sitegen.records import RATINGS, STATUSES, Paper, PaperPage, TagMatch
from sitegen.yamlsource import Entry, check_type, compose_mapping

MACHINE_FIELDS = ("title", "abstract", "links", "lists", "auto_tags")
USER_DEFAULTS: dict[str, Any] = {"tags": [], "status": "unread"}
SHOWN_FIELDS = {*MACHINE_FIELDS, *USER_DEFAULTS, "rating"}  # the keys the paper page shows in their own places
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?P<yaml>.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
RESERVED_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
MAX_SLUG_LENGTH = 80
USER_FIELDS_NOTE = (
    "# Above: kept up to date by sitegen from your lists and taxonomy. Below: yours, never changed.\n"
    "# tags: your own; '-some-tag' removes an automatic one. status: unread, reading or read. rating: 1 to 5.\n"
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

    @property
    def key(self) -> str:
        return title_key(str(self.entries["title"].value))

    def is_edited(self) -> bool:
        """Whether the user put anything of theirs in this page (notes, tags, status, own keys)."""
        user_keys = set(self.entries) - set(MACHINE_FIELDS)
        defaults = all(self.entries[k].value == USER_DEFAULTS.get(k) for k in user_keys)
        return bool(self.body.strip()) or not defaults


def read_page(path: Path, text: str) -> PageSource:
    """Split and check a page; any problem is an error at its line, never a silent skip."""
    match = FRONT_MATTER.match(text)
    if not match:
        raise SourceError(path, 1, "a paper page must start with '---' front matter and close it with '---'")
    entries = compose_mapping(path, match["yaml"], first_line=2)
    if not isinstance(entries.get("title", Entry(None, 1, 0, 0)).value, str) or not entries["title"].value.strip():
        raise SourceError(path, entries["title"].key_line if "title" in entries else 1, "'title' must be non-empty text")
    expected: dict[str, type] = {"abstract": str, "links": list, "lists": list, "auto_tags": dict, "tags": list, "status": str}
    for key, kind in expected.items():
        if key in entries:
            check_type(path, entries[key].key_line, key, entries[key].value, kind)
    for key in ("tags", "links"):
        if key in entries and not all(isinstance(v, str) for v in entries[key].value or []):
            raise SourceError(path, entries[key].key_line, f"every item of '{key}' must be text")
    status = entries.get("status")
    if status is not None and status.value not in STATUSES:
        raise SourceError(path, status.key_line, f"'status' must be one of {', '.join(STATUSES)}, not {status.value!r}")
    rating = entries.get("rating")
    if rating is not None and rating.value is not None and (type(rating.value) is not int or rating.value not in RATINGS):
        raise SourceError(path, rating.key_line, f"'rating' must be a whole number from 1 to 5, not {rating.value!r}")
    return PageSource(path, text, entries, match.start("yaml"), match["yaml"], text[match.end() :])


def page_from_source(slug: str, source: PageSource, paper: Paper | None) -> PaperPage:
    """The page's record: machine fields from the paper (or the page if none), user fields from the page."""
    values = {k: e.value for k, e in source.entries.items()}
    auto = values.get("auto_tags") or {}
    return PaperPage(
        slug=slug,
        path=source.path,
        title=paper.title if paper else str(values["title"]),
        abstract=paper.abstract if paper else str(values.get("abstract") or ""),
        links=paper.links if paper else tuple(values.get("links") or ()),
        memberships=paper.memberships if paper else (),
        auto_tags=tuple(TagMatch(str(t), tuple(map(str, p or ()))) for t, p in auto.items()),
        user_tags=tuple(values.get("tags") or ()),
        status=str(values.get("status") or "unread"),
        notes=source.body,
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
    return PaperPage(slug, path, paper.title, paper.abstract, paper.links, paper.memberships, (), (), "unread", "")


def plan_pages(papers: list[Paper], sources: list[PageSource], papers_dir: Path) -> tuple[list[PaperPage], list[Path]]:
    """Every paper's page (existing slugs kept, new ones unique) and the unedited pages to remove.

    A page whose paper left every list stays if the user edited it (with no lists);
    an untouched one is removed, since re-adding the paper to a list recreates it.
    """
    by_key: dict[str, PageSource] = {}
    for source in sources:
        if source.key in by_key:
            other = by_key[source.key].path
            raise SourceError(source.path, source.entries["title"].key_line, f"same paper as {other}; merge the two pages")
        by_key[source.key] = source
    taken = {s.path.stem.casefold() for s in sources}
    pages: list[PaperPage] = []
    for paper in papers:
        existing = by_key.pop(paper.key, None)
        if existing is not None:
            pages.append(page_from_source(existing.path.stem, existing, paper))
        else:
            slug = unique_slug(paper.title, taken)
            pages.append(new_page(slug, papers_dir / f"{slug}.md", paper))
    removed = []
    for source in by_key.values():
        if source.is_edited():
            pages.append(page_from_source(source.path.stem, source, None))
        else:
            removed.append(source.path)
    return pages, removed


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


def machine_values(page: PaperPage) -> dict[str, Any]:
    """The machine-owned front matter of a page, in the order it is written."""
    return {
        "title": page.title,
        "abstract": page.abstract,
        "links": list(page.links),
        "lists": [
            {"list": m.list_slug, "position": m.position, **({"date": m.date} if m.date else {})}
            for m in page.memberships
        ],
        "auto_tags": {m.tag: list(m.phrases) for m in page.auto_tags},
    }


class PageDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Text with line breaks of any kind, or anything unprintable, goes double-quoted and escaped:
    PyYAML's plain and single-quoted styles turn NEL or U+2028 into a space."""


def represent_text(dumper: yaml.BaseDumper, value: str) -> yaml.ScalarNode:
    plain_safe = value.isprintable() and not any(c in value for c in "\x85\u2028\u2029\ufeff")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=None if plain_safe else '"')


PageDumper.add_representer(str, represent_text)


def dump_yaml(values: dict[str, Any]) -> str:
    return yaml.dump(values, Dumper=PageDumper, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


def page_text(page: PaperPage, source: PageSource | None) -> str:
    """The page as it should stand on disk: only machine-owned lines differ from `source`."""
    machine = machine_values(page)
    if source is not None and all(k in source.entries and source.entries[k].value == v for k, v in machine.items()):
        return source.text
    if source is None:
        return f"---\n{dump_yaml(machine)}{USER_FIELDS_NOTE}{dump_yaml(USER_DEFAULTS)}---\n"
    edits: list[tuple[int, int, str]] = []
    insert_at = 0
    for key, value in machine.items():
        entry = source.entries.get(key)
        if entry is None:
            edits.append((insert_at, insert_at, dump_yaml({key: value})))
            continue
        end = line_end(source.yaml_text, entry.end)
        edits.append((entry.start, end, dump_yaml({key: value})))
        insert_at = end
    yaml_text = source.yaml_text
    # Later edits first, so earlier offsets stay valid; keys inserted at one place keep their order.
    for _, (start, end, replacement) in sorted(enumerate(edits), key=lambda e: (e[1][0], e[1][1], e[0]), reverse=True):
        yaml_text = yaml_text[:start] + replacement + yaml_text[end:]
    if not keeps_values(source, yaml_text, machine):
        user = {k: e.value for k, e in source.entries.items() if k not in machine}
        yaml_text = dump_yaml(machine) + dump_yaml(user)
    return source.text[: source.yaml_start] + yaml_text + source.text[source.yaml_start + len(source.yaml_text) :]


def keeps_values(source: PageSource, yaml_text: str, machine: dict[str, Any]) -> bool:
    """Whether an edited front matter holds exactly the new machine values and the user's old ones."""
    try:
        values = {k: e.value for k, e in compose_mapping(source.path, yaml_text, 2).items()}
    except SourceError:
        return False
    user = {k: e.value for k, e in source.entries.items() if k not in machine}
    return values == {**user, **machine}


def line_end(text: str, index: int) -> int:
    """Just past the newline that ends the line `index` is on (or the text's end)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1
