"""A BibTeX file (Zotero, Mendeley, Google Scholar or by hand) as a `.bib` list → [ListEntry].

bibtexparser splits the file into entries (with their lines) and names into parts; pylatexenc
turns the LaTeX in titles, names and venues into text ({BERT} → BERT, J{\\'e}gou → Jégou).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import replace
from pathlib import Path

from bibtexparser.middlewares import SeparateCoAuthors, SplitNameParts
from bibtexparser.middlewares.parsestack import default_parse_stack
from bibtexparser.library import Library
from bibtexparser.model import Block, Entry, ImplicitComment
from bibtexparser.splitter import Splitter
from pylatexenc.latex2text import (
    LatexNodes2Text,
    MacroTextSpec,
    get_default_latex_context_db,
)

from sitegen.errors import Diagnostics, SourceError
from sitegen.identifiers import ARXIV_FORMS, arxiv_id, arxiv_reference, doi_name, is_web_url
from sitegen.records import BibEntry, Bibliographic, ListEntry
from sitegen.resolve import TRUNCATED, is_truncation

logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # failed entries are reported as our own errors
LATEX_MACROS = get_default_latex_context_db()
# pylatexenc spells \textasciicircum as a modifier letter; LaTeX prints a plain caret.
LATEX_MACROS.add_context_category("sitegen", [MacroTextSpec("textasciicircum", "^")], prepend=True)
LATEX = LatexNodes2Text(latex_context=LATEX_MACROS, math_mode="text", strict_latex_spaces=True)
YEAR = re.compile(r"\b(\d{4})\b")
BARE_PERCENT = re.compile(r"(?<!\\)%")
SIMPLE_LATEX = re.compile(r"\\([%&$#_{}])|[{}]")  # an escaped special (the character) or a brace (nothing)
LATEX_BEYOND_BRACES = re.compile(r"[\\$~%&#^_]|--|``|''|[!?]`")  # macros, math, specials, ligatures
# The fields sitegen publishes (an allowlist): what a citation needs, in BibTeX and BibLaTeX. Anything
# else a reference manager writes (file, abstract, keywords, annote, urldate, owner, timestamp, groups,
# mendeley-tags, ...) may be private and is never kept, so no page, export or index can show it.
CITATION_FIELDS = frozenset("""
    author title year month journal booktitle volume number pages publisher doi url eprint archiveprefix primaryclass
    note editor address edition series school institution organization howpublished isbn issn chapter type
    journaltitle date eprinttype eprintclass location subtitle titleaddon maintitle booksubtitle issuetitle issue
    eventtitle eventdate venue pubstate version language
""".split())
# An address of another scheme than http(s) in a field's text (file:///home/..., smb://, a Zotero link):
# a place on the user's machine or network, never published.
NOT_WEB_ADDRESS = re.compile(r"\b(?!https?:)[a-z][a-z0-9+.-]*:///?|\bfile:", re.IGNORECASE)
# A line of a value that looks like the next field: the comma before it is missing.
RUN_ON = re.compile(r"\n[ \t]*([A-Za-z][\w:.+-]*)[ \t]*=[ \t]*[{\"\d]")
# The venue of an entry whose journal is arXiv ('arXiv preprint arXiv:2309.16588', Google Scholar's and Zotero's
# way): the .bib says where the paper is, and that wins over a venue arXiv's feed gives (its id is the paper's arxiv).
PREPRINT = "arXiv preprint"
MONTH_MACROS = frozenset("jan feb mar apr may jun jul aug sep oct nov dec".split())


def parse_bibtex(path: Path, slug: str, text: str, diagnostics: Diagnostics) -> tuple[dt.date | None, list[ListEntry]]:
    """Every entry with a title, in file order; a .bib file has no list date."""
    library = Splitter(bibstr=text).split()
    mended = with_missing_commas(path, text, library, diagnostics)
    if mended != text:
        library = Splitter(bibstr=mended).split()
    cut_short = entries_cut_short(library)
    for entry in cut_short:
        diagnostics.warn(path, (entry.start_line or 0) + 1, f"skipped entry '{entry.key}': a '}}' ends it before its last field "
                         "(a brace too many in a value?)")
    skipped: list[Block] = [*cut_short]
    library.remove(skipped)
    resolve_string_chains(path, library)
    written = {entry.start_line: {f.key.casefold(): f.value for f in entry.fields} for entry in library.entries}
    for middleware in [*default_parse_stack(), SeparateCoAuthors(), SplitNameParts()]:
        library = middleware.transform(library=library)
    if library.failed_blocks:
        block = library.failed_blocks[0]
        reason = getattr(block.error, "abort_reason", "") or str(block.error)
        raise SourceError(path, (block.start_line or 0) + 1, f"cannot read this BibTeX entry: {reason}")
    entries: list[ListEntry] = []
    for entry in library.entries:
        line = (entry.start_line or 0) + 1
        try:
            title, abstract = latex_to_text(field(entry, "title")), latex_to_text(field(entry, "abstract"))
            known = biblio(entry, written.get(entry.start_line, {}), slug)
        except Exception as error:  # pylatexenc on malformed or hostile LaTeX (a macro short of arguments, deep nesting)
            raise SourceError(path, line, f"entry '{entry.key}': LaTeX that cannot be read as text ({type(error).__name__})") from None
        if not title:
            diagnostics.warn(path, line, f"skipped entry '{entry.key}': it has no title")
            continue
        if not abstract:
            diagnostics.note(path, line, f"entry '{entry.key}' has no abstract")
        eprint, prefix = field(entry, "eprint"), (field(entry, "archiveprefix") or field(entry, "eprinttype")).casefold()
        if eprint and prefix == "arxiv" and not arxiv_id(eprint):
            diagnostics.warn(path, line, f"entry '{entry.key}': eprint {eprint!r} is not an arXiv id ({ARXIV_FORMS}): not linked to arXiv")
        entries.append(ListEntry(title, abstract, slug, len(entries) + 1, path, line, line if abstract else None, known))
    return None, entries


def entries_cut_short(library: Library) -> list[Entry]:
    """Entries that a '}' too many closed early (`title = {A }}}B}, year = ...`): the rest of the entry is left
    on the line it ended on, where BibTeX reads it as a comment, and its later fields would be lost."""
    blocks = library.blocks
    cut = []
    for entry, after in zip(blocks, blocks[1:]):
        if isinstance(entry, Entry) and isinstance(after, ImplicitComment):
            rest = (after.raw or "").split("\n", 1)[0].strip()
            if rest and not rest.startswith("%") and after.start_line == (entry.start_line or 0) + (entry.raw or "").count("\n"):
                cut.append(entry)
    return cut


MAX_STRING_CHARS = 100_000  # a @string that joins others: far past any venue's name, far short of a doubling chain's


def resolve_string_chains(path: Path, library: Library) -> None:
    """@string names put in, as BibTeX does, in each @string (`@string{b = a # " x"}`, in file order) and in
    each entry's value joined with '#' (`journal = b # { Letters}`): bibtexparser resolves a name only when it
    is a field's whole value. A chain that doubles its length at each step is refused before it exhausts memory."""
    known: dict[str, str] = {}

    def expanded(value: str, line: int, what: str) -> str | None:
        parts = split_concatenation(value)
        if len(parts) == 1 and parts[0].casefold() not in known:
            return None  # one literal, or a name BibTeX knows (a month) or nobody does: as written
        text = "".join(literal(part) if part[:1] in ('{', '"') else known.get(part.casefold(), part) for part in parts)
        if len(text) > MAX_STRING_CHARS:
            raise SourceError(path, line, f"{what} expands to over {MAX_STRING_CHARS:,} characters")
        return text

    for string in library.strings:
        text = expanded(str(string.value), (string.start_line or 0) + 1, f"@string '{string.key}'")
        if text is not None:
            string.value = "{" + text + "}"
        known[string.key.casefold()] = text if text is not None else literal(str(string.value).strip())
    for entry in library.entries:
        for item in entry.fields:
            text = expanded(str(item.value), (item.start_line or entry.start_line or 0) + 1, f"entry '{entry.key}': '{item.key}'")
            if text is not None:
                item.value = "{" + text + "}"


def literal(part: str) -> str:
    """A value's text without its enclosing braces or quotes (a number as it is)."""
    return part[1:-1] if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')) else part


def split_concatenation(value: str) -> list[str]:
    """`a # " x" # {y}` → ['a', '" x"', '{y}']: the parts joined by '#' outside braces and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(value):
        if char == "{" and value[index - 1:index] != "\\":
            depth += 1
        elif char == "}" and value[index - 1:index] != "\\":
            depth -= 1
        elif char == '"' and depth == 0 and value[index - 1:index] != "\\":
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(value[start:index].strip())
            start = index + 1
    parts.append(value[start:].strip())
    return parts


def with_missing_commas(path: Path, text: str, library: Library, diagnostics: Diagnostics) -> str:
    """The text with a comma put where one is missing between two fields (`title = {First}` then, on the next
    line, `author = {...}`): BibTeX would read one run-on value, 'First author = ...', and publish it as the
    title. Each such line is a warning; a `name = {` inside a value's braces or quotes is text, not a field."""
    lines = text.split("\n")
    ends: set[int] = set()  # 0-based lines that a missing comma should end
    for entry in library.entries:
        for item in entry.fields:
            value = str(item.value)
            for found in RUN_ON.finditer(value):
                before = value[: found.start()]
                if before.count("{") == before.count("}") and (before.count('"') - before.count('\\"')) % 2 == 0:
                    line = (item.start_line or 0) + before.count("\n")
                    ends.add(line)
                    diagnostics.warn(path, line + 2, f"entry '{entry.key}': a comma is missing before '{found.group(1)} =' "
                                     f"(end of line {line + 1}): read as two fields")
    for line in ends:
        lines[line] = lines[line].rstrip() + ","
    return "\n".join(lines) if ends else text


def biblio(entry: Entry, written: dict[str, str], slug: str) -> Bibliographic:
    """What an entry says of its paper (BibLaTeX's journaltitle, date and eprinttype too), and its citation."""
    journal = latex_to_text(field(entry, "journal") or field(entry, "journaltitle"))
    arxiv = entry_arxiv(entry, journal)
    year = YEAR.search(field(entry, "year") or field(entry, "date"))
    doi = doi_name(field(entry, "doi"))
    url = field(entry, "url")
    reads = Bibliographic(
        arxiv=arxiv,
        doi=doi,
        authors=authors(entry),
        year=int(year.group(1)) if year else None,
        venue=latex_to_text(field(entry, "booktitle")) or (PREPRINT if arxiv_reference(journal) or journal.casefold() == "arxiv" else journal),
        url="" if not is_web_url(url) or arxiv_reference(url) or (doi and doi_name(url) == doi) else url,
    )
    return replace(reads, bibtex=citation(entry, written, reads, slug))


def citation(entry: Entry, written: dict[str, str], reads: Bibliographic, slug: str) -> BibEntry:
    """The entry's citation fields (CITATION_FIELDS), in file order, each as written when it stands alone
    (`{...}`, `"..."`, a number, a month), else (a `@string` macro, `#` joins) as its text in braces. A `url`
    that is not http(s), or any field holding another scheme's address (a local file), is left out like a
    private field."""
    kept = []
    for item in entry.fields:
        name = item.key.casefold()
        text = field(entry, name)
        if name in CITATION_FIELDS and not (name == "url" and not is_web_url(text)) and not NOT_WEB_ADDRESS.search(text):
            raw = written.get(name, "")
            kept.append((item.key, raw if stands_alone(raw) else "{" + field(entry, name) + "}"))
    return BibEntry(entry.entry_type, entry.key, tuple(kept), latex_to_text(field(entry, "title")), reads, slug)


def stands_alone(raw: str) -> bool:
    """Whether a field's BibTeX text means the same in any file: one braced or quoted value, a number, a month."""
    raw = raw.strip()
    if raw.isdigit() or raw.casefold() in MONTH_MACROS:
        return True
    if len(raw) < 2 or (raw[0], raw[-1]) not in (("{", "}"), ('"', '"')):
        return False
    depth = 0
    for index, char in enumerate(raw[1:-1], 1):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0 or (raw[0] == '"' and char == '"' and depth == 0 and raw[index - 1] != "\\"):
            return False
    return depth == 0


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
    """Display names 'First von Last, Jr' from the split parts, LaTeX made text; 'and others' kept as
    resolve.TRUNCATED, so that a list cut short is never taken as the whole."""
    names = []
    for key, value in entry.fields_dict.items():
        if key.casefold() == "author" and isinstance(value.value, list):
            for parts in value.value:
                words = [*parts.first, *parts.von, *parts.last]
                name = latex_to_text(" ".join(words)) + (", " + latex_to_text(" ".join(parts.jr)) if parts.jr else "")
                if name:
                    names.append(name)
    given = tuple(name for name in names if not is_truncation(name))
    return given if len(given) == len(names) else (*given, TRUNCATED)


def latex_to_text(value: str) -> str:
    """LaTeX source → plain text, spaces folded: braces dropped, accents and escapes made characters.

    Text whose only LaTeX is braces and escaped specials (most titles and abstracts: `{ViT}`, `50\\%`)
    skips pylatexenc, which reads a character at a time: the same result, far sooner."""
    if not LATEX_BEYOND_BRACES.search(SIMPLE_LATEX.sub("", value)):
        return " ".join(SIMPLE_LATEX.sub(lambda m: m.group(1) or "", value).split())
    # A bare % would start a LaTeX comment and drop the rest of the field: in a .bib it means per cent.
    return " ".join(LATEX.latex_to_text(BARE_PERCENT.sub(r"\\%", value)).split())
