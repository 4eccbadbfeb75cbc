"""An arXiv API query response (Atom) saved to a `.atom` or `.xml` list → [ListEntry]."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from sitegen.errors import Diagnostics, SourceError
from sitegen.identifiers import arxiv_reference, doi_name
from sitegen.parse_hf import folded, iso_date
from sitegen.records import Bibliographic, ListEntry

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"


class LineRecorder(ET.TreeBuilder):
    """A tree builder that notes the line each <entry> starts on (ElementTree keeps no positions)."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: ET.XMLParser | None = None
        self.lines: dict[int, int] = {}  # id(element) → line

    def start(self, tag: Any, attrs: dict[str, str]) -> ET.Element:
        element = super().start(tag, attrs)
        if tag == ATOM + "entry" and self.parser is not None:
            self.lines[id(element)] = self.parser.parser.CurrentLineNumber
        return element


def parse_arxiv(path: Path, slug: str, text: str, diagnostics: Diagnostics) -> tuple[dt.date | None, list[ListEntry]]:
    """The entries of a saved arXiv API response; such a response has no list date."""
    recorder = LineRecorder()
    parser = ET.XMLParser(target=recorder)
    recorder.parser = parser
    try:
        parser.feed(text)
        root = parser.close()
    except ET.ParseError as error:
        raise SourceError(path, error.position[0], f"not valid XML: {error}".split(": line")[0]) from None
    if root.tag != ATOM + "feed":
        raise SourceError(path, 1, "expected an arXiv API response (an Atom <feed>)")
    entries: list[ListEntry] = []
    for element in root.iter(ATOM + "entry"):
        line = recorder.lines.get(id(element))
        arxiv = arxiv_reference(element.findtext(ATOM + "id") or "")
        title = folded(element.findtext(ATOM + "title"))
        if not arxiv or not title:
            diagnostics.warn(path, line, f"skipped an entry that is not an arXiv paper ({title or 'no title'})")
            continue
        abstract = folded(element.findtext(ATOM + "summary"))
        if not abstract:
            diagnostics.warn(path, line, f"'{title}' has no abstract")
        published = iso_date(element.findtext(ATOM + "published"))
        biblio = Bibliographic(
            arxiv=arxiv,
            doi=doi_name(element.findtext(ARXIV + "doi") or ""),
            authors=tuple(name for a in element.iter(ATOM + "author") if (name := folded(a.findtext(ATOM + "name")))),
            year=published.year if published else None,
            venue=folded(element.findtext(ARXIV + "journal_ref")),
        )
        entries.append(ListEntry(title, abstract, slug, len(entries) + 1, path, line or 1, line if abstract else None, biblio))
    return None, entries
