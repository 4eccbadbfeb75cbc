"""`sitegen.yml` → SiteConfig: typed, every key known, each problem at its line."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from sitegen.errors import SourceError
from sitegen.yamlsource import load_mapping

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
    related_count: int = 5


def load_config(site_dir: Path) -> SiteConfig:
    path = site_dir / CONFIG_FILE
    if not path.exists():
        return SiteConfig()
    text = path.read_text(encoding="utf-8")
    schema = {f.name: (int if f.type == "int" else str) for f in fields(SiteConfig)}
    values = load_mapping(path, text, first_line=1, schema=schema)
    base_url = str(values.get("base_url", ""))
    if base_url and not base_url.startswith(("http://", "https://")):
        raise SourceError(path, line_of(text, "base_url"), "'base_url' must start with https:// (or http://)")
    if base_url and not base_url.endswith("/"):
        values["base_url"] = base_url + "/"
    return SiteConfig(**{k: (str(v) if schema[k] is str else v) for k, v in values.items()})  # type: ignore[arg-type]


def line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"{key}:"):
            return number
    return 1
