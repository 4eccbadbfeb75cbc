"""A BibTeX file (Zotero, Mendeley, Google Scholar or by hand) as a `.bib` list → [ListEntry].

bibtexparser splits the file into entries (with their lines) and names into parts; pylatexenc
turns the LaTeX in titles, names and venues into text ({BERT} → BERT, J{\\'e}gou → Jégou).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

from bibtexparser.entrypoint import parse_string
from bibtexparser.middlewares import SeparateCoAuthors, SplitNameParts
from bibtexparser.model import Entry
from pylatexenc.latex2text import (
    LatexNodes2Text,
    MacroTextSpec,
    get_default_latex_context_db,
)

from sitegen.errors import Diagnostics, SourceError
from sitegen.identifiers import arxiv_id, arxiv_reference, doi_name
from sitegen.records import Bibliographic, ListEntry

logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # failed entries are reported as our own errors
LATEX_MACROS = get_default_latex_context_db()
# pylatexenc spells \textasciicircum as a modifier letter; LaTeX prints a plain caret.
LATEX_MACROS.add_context_category("sitegen", [MacroTextSpec("textasciicircum", "^")], prepend=True)
LATEX = LatexNodes2Text(latex_context=LATEX_MACROS, math_mode="text", strict_latex_spaces=True)
YEAR = re.compile(r"\b(\d{4})\b")
BARE_PERCENT = re.compile(r"(?<!\\)%")
SIMPLE_LATEX = re.compile(r"\\([%&$#_{}])|[{}]")  # an escaped special (the character) or a brace (nothing)
LATEX_BEYOND_BRACES = re.compile(r"[\\$~%&#^_]|--|``|''|[!?]`")  # macros, math, specials, ligatures


def parse_bibtex(path: Path, slug: str, text: str, diagnostics: Diagnostics) -> tuple[dt.date | None, list[ListEntry]]:
    """Every entry with a title, in file order; a .bib file has no list date."""
    library = parse_string(text, append_middleware=[SeparateCoAuthors(), SplitNameParts()])
    if library.failed_blocks:
        block = library.failed_blocks[0]
        reason = getattr(block.error, "abort_reason", "") or str(block.error)
        raise SourceError(path, (block.start_line or 0) + 1, f"cannot read this BibTeX entry: {reason}")
    entries: list[ListEntry] = []
    for entry in library.entries:
        line = (entry.start_line or 0) + 1
        try:
            title, abstract, known = latex_to_text(field(entry, "title")), latex_to_text(field(entry, "abstract")), biblio(entry)
        except Exception as error:  # pylatexenc on malformed or hostile LaTeX (a macro short of arguments, deep nesting)
            raise SourceError(path, line, f"entry '{entry.key}': LaTeX that cannot be read as text ({type(error).__name__})") from None
        if not title:
            diagnostics.warn(path, line, f"skipped entry '{entry.key}': it has no title")
            continue
        if not abstract:
            diagnostics.warn(path, line, f"entry '{entry.key}' has no abstract")
        entries.append(ListEntry(title, abstract, slug, len(entries) + 1, path, line, line if abstract else None, known))
    return None, entries


def biblio(entry: Entry) -> Bibliographic:
    journal = latex_to_text(field(entry, "journal"))
    arxiv = entry_arxiv(entry, journal)
    year = YEAR.search(field(entry, "year") or field(entry, "date"))
    return Bibliographic(
        arxiv=arxiv,
        doi=doi_name(field(entry, "doi")),
        authors=authors(entry),
        year=int(year.group(1)) if year else None,
        venue=latex_to_text(field(entry, "booktitle")) or ("" if arxiv_reference(journal) or journal.casefold() == "arxiv" else journal),
        code="",
        project="",
        bibtex=(entry.raw or "").strip(),
    )


def entry_arxiv(entry: Entry, journal: str) -> str:
    """From eprint (with an arXiv archivePrefix, or shaped like an id), an arXiv URL or DOI, or 'arXiv:NNNN' in journal."""
    prefix = (field(entry, "archiveprefix") or field(entry, "eprinttype")).casefold()
    eprint = arxiv_id(field(entry, "eprint")) if prefix in ("", "arxiv") else ""
    return eprint or arxiv_reference(field(entry, "url")) or arxiv_reference(field(entry, "doi")) or arxiv_reference(journal)


def field(entry: Entry, name: str) -> str:
    """A field's raw value whatever the case of its name ('' when absent)."""
    for key, value in entry.fields_dict.items():
        if key.casefold() == name:
            return str(value.value).strip()
    return ""


def authors(entry: Entry) -> tuple[str, ...]:
    """Display names 'First von Last, Jr' from the split parts, LaTeX made text; 'others' dropped."""
    names = []
    for key, value in entry.fields_dict.items():
        if key.casefold() == "author" and isinstance(value.value, list):
            for parts in value.value:
                words = [*parts.first, *parts.von, *parts.last]
                name = latex_to_text(" ".join(words)) + (", " + latex_to_text(" ".join(parts.jr)) if parts.jr else "")
                if name and name.casefold() != "others":
                    names.append(name)
    return tuple(names)


def latex_to_text(value: str) -> str:
    """LaTeX source → plain text, spaces folded: braces dropped, accents and escapes made characters.

    Text whose only LaTeX is braces and escaped specials (most titles and abstracts: `{ViT}`, `50\\%`)
    skips pylatexenc, which reads a character at a time: the same result, far sooner."""
    if not LATEX_BEYOND_BRACES.search(SIMPLE_LATEX.sub("", value)):
        return " ".join(SIMPLE_LATEX.sub(lambda m: m.group(1) or "", value).split())
    # A bare % would start a LaTeX comment and drop the rest of the field: in a .bib it means per cent.
    return " ".join(LATEX.latex_to_text(BARE_PERCENT.sub(r"\\%", value)).split())
