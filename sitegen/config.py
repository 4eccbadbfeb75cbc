"""`sitegen.yml` → SiteConfig: typed, every key known, each problem at its line."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path

from sitegen.errors import SourceError
from sitegen.yamlsource import check_keys, compose_mapping

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


# Bounds that keep a value meaningful: a negative count or a page of 10,000 "recent" papers is a typo.
COUNT_BOUNDS = {"recent_count": (0, 1000), "related_count": (0, 50)}
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


def load_config(path: Path, text: str | None) -> SiteConfig:
    """The settings in `text` (the bytes the build read from `path`, decoded), or the defaults
    when there is no file; every value is validated, not just typed."""
    if text is None:
        return SiteConfig()
    schema = {f.name: (int if f.type == "int" else str) for f in fields(SiteConfig)}
    entries = compose_mapping(path, text, first_line=1)
    check_keys(path, entries, schema)
    values = {key: entry.value for key, entry in entries.items() if entry.value is not None}
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
