"""`sitegen.yml` → SiteConfig: typed, every key known, each problem at its line."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from sitegen.errors import SourceError
from sitegen.yamlsource import Entry, Loader, check_keys, compose_mapping

# What describes a list, in its own front matter (a .txt) or under `lists:` in sitegen.yml (any list).
LIST_KEYS: dict[str, type] = {"title": str, "date": dt.date, "description": str}


@dataclass(frozen=True)
class ListSettings:
    """`lists: {<file name without extension>: {title, date, description}}`: one list described."""

    name: str
    line: int
    title: str = ""
    date: dt.date | None = None
    description: str = ""

CONFIG_FILE = "sitegen.yml"


@dataclass(frozen=True)
class SiteConfig:
    """What a site may set; every field has a default, so the file is optional."""

    title: str = "Reading lists"
    description: str = "Research papers, read and to read."
    author: str = ""
    language: str = "en"
    base_url: str = ""  # e.g. https://user.github.io/repo/ — feeds, sitemap and canonical links need it
    recent_count: int = 12
    related_count: int = 4  # a 100,000-paper site fits GitHub Pages' 1 GB with four (10.07 KB a paper with five)
    lists: tuple[ListSettings, ...] = ()

    def list_settings(self, stem: str, slug: str) -> ListSettings | None:
        """What sitegen.yml says of the list file named `stem` (its slug works too)."""
        return next((s for s in self.lists if s.name in (stem, slug)), None)


# Bounds that keep a value meaningful: a negative count or a page of 10,000 "recent" papers is a typo.
COUNT_BOUNDS = {"recent_count": (0, 1000), "related_count": (0, 50)}
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


def load_config(path: Path, text: str | None) -> SiteConfig:
    """The settings in `text` (the bytes the build read from `path`, decoded), or the defaults
    when there is no file; every value is validated, not just typed."""
    if text is None:
        return SiteConfig()
    schema: dict[str, type] = {f.name: (int if f.type == "int" else dict if f.name == "lists" else str) for f in fields(SiteConfig)}
    entries = compose_mapping(path, text, first_line=1)
    check_keys(path, entries, schema)
    values: dict[str, Any] = {key: entry.value for key, entry in entries.items() if entry.value is not None}
    if "lists" in values:
        values["lists"] = lists_described(path, text, entries["lists"])
    for key, value in values.items():
        line = entries[key].key_line
        if schema[key] is int and isinstance(value, bool):
            raise SourceError(path, line, f"'{key}' must be a whole number, not {str(value).lower()}")
        if key in COUNT_BOUNDS and not COUNT_BOUNDS[key][0] <= value <= COUNT_BOUNDS[key][1]:
            low, high = COUNT_BOUNDS[key]
            raise SourceError(path, line, f"'{key}' must be from {low} to {high}, not {value}")
    base_url = str(values.get("base_url", ""))
    if base_url and not base_url.startswith(("http://", "https://")):
        raise SourceError(path, entries["base_url"].key_line, "'base_url' must start with https:// (or http://)")
    if base_url and not base_url.endswith("/"):
        values["base_url"] = base_url + "/"
    if "language" in values and not LANGUAGE_TAG.match(str(values["language"])):
        raise SourceError(path, entries["language"].key_line, f"'language' must be a language tag like en or pt-BR, not {values['language']!r}")
    if "title" in values and not str(values["title"]).strip():
        raise SourceError(path, entries["title"].key_line, "'title' must not be empty")
    return SiteConfig(**{k: (str(v) if schema[k] is str else v) for k, v in values.items()})  # type: ignore[arg-type]


def lists_described(path: Path, text: str, lists: Entry) -> tuple[ListSettings, ...]:
    """`lists:` read with each key's line: every problem (an unknown key, a date that is not one) at its line."""
    loader = Loader(text[lists.start:node_end_of(lists, text)])
    try:
        node = loader.get_single_node()
        assert isinstance(node, yaml.MappingNode)
        value = node.value[0][1]
        first = lists.key_line
        if not isinstance(value, yaml.MappingNode):
            raise SourceError(path, first, "'lists' must map each list's file name (without extension) to its title, date, description")
        described = []
        for name_node, settings_node in value.value:
            name, line = str(name_node.value), first + name_node.start_mark.line
            if not isinstance(settings_node, yaml.MappingNode):
                raise SourceError(path, line, f"lists: '{name}' must be a mapping of title, date, description")
            settings = {str(k.value): Entry(loader.construct_object(v, deep=True), first + k.start_mark.line, 0, 0) for k, v in settings_node.value}
            check_keys(path, settings, LIST_KEYS)
            known = {k: e.value for k, e in settings.items() if e.value is not None}
            described.append(ListSettings(name, line, str(known.get("title", "")), known.get("date"), str(known.get("description", ""))))
        return tuple(described)
    finally:
        loader.dispose()


def node_end_of(entry: Entry, text: str) -> int:
    newline = text.find("\n", entry.end)
    return len(text) if newline < 0 else newline
