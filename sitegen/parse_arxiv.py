"""An arXiv API query response (Atom) saved to a `.atom` or `.xml` list → [ListEntry]."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.parsers import expat

from sitegen.errors import Diagnostics, SourceError
from sitegen.identifiers import arxiv_reference, doi_name
from sitegen.parse_hf import folded, iso_date
from sitegen.records import Bibliographic, ListEntry

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"


def entry_lines(path: Path, text: str) -> list[int]:
    """The line each <entry> starts on, in document order (ElementTree keeps no positions; expat does)."""
    lines: list[int] = []
    parser = expat.ParserCreate(namespace_separator="}")

    def start(name: str, attributes: object) -> None:
        if "{" + name == ATOM + "entry":
            lines.append(parser.CurrentLineNumber)

    parser.StartElementHandler = start
    try:
        parser.Parse(text, True)
    except expat.ExpatError as error:
        raise SourceError(path, error.lineno, f"not valid XML: {expat.ErrorString(error.code)}") from None
    return lines


def parse_arxiv(path: Path, slug: str, text: str, diagnostics: Diagnostics) -> tuple[dt.date | None, list[ListEntry]]:
    """The entries of a saved arXiv API response; such a response has no list date."""
    lines = entry_lines(path, text)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:  # e.g. an external entity, which expat alone skips
        raise SourceError(path, error.position[0], "not valid XML: " + str(error).split(":")[0]) from None
    if root.tag != ATOM + "feed":
        raise SourceError(path, 1, "expected an arXiv API response (an Atom <feed>)")
    entries: list[ListEntry] = []
    for element, line in zip(root.iter(ATOM + "entry"), lines, strict=True):
        if "/api/errors" in (element.findtext(ATOM + "id") or ""):  # how the arXiv API reports a bad query
            said = folded(element.findtext(ATOM + "summary")) or folded(element.findtext(ATOM + "title")) or "an error"
            raise SourceError(path, line, f"the arXiv API answered with an error, not papers: {said} (save a response that lists papers)")
        arxiv = arxiv_reference(element.findtext(ATOM + "id") or "")
        title = folded(element.findtext(ATOM + "title"))
        if not arxiv or not title:
            diagnostics.warn(path, line, f"skipped an entry that is not an arXiv paper ({title or 'no title'})")
            continue
        abstract = folded(element.findtext(ATOM + "summary"))
        if not abstract:
            diagnostics.note(path, line, f"'{title}' has no abstract")
        published = iso_date(element.findtext(ATOM + "published"))
        biblio = Bibliographic(
            arxiv=arxiv,
            doi=doi_name(element.findtext(ARXIV + "doi") or ""),
            authors=tuple(name for a in element.iter(ATOM + "author") if (name := folded(a.findtext(ATOM + "name")))),
            year=published.year if published else None,
            venue=folded(element.findtext(ARXIV + "journal_ref")),
        )
        entries.append(ListEntry(title, abstract, slug, len(entries) + 1, path, line, line if abstract else None, biblio))
    return None, entries
