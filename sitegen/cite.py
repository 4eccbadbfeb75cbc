"""PaperPage → its BibTeX entry and citation key; the `.bib` files of each list and of the whole site.

A paper that came from a `.bib` file keeps its entry's type, key (made unique), citation fields as
written and their order (parse_bibtex kept only CITATION_FIELDS: nothing private is ever published);
a field whose value the paper's page shows otherwise (resolve's answer) is rewritten to that value, and
one the entry lacks is added, so the Cite block and the page agree. Any other paper gets an `@inproceedings` (its
venue names a meeting), `@article` (another venue) or `@misc` entry from what is known, with text escaped so that LaTeX, and our own
BibTeX reader, give the same text back.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sitegen.identifiers import arxiv_id, arxiv_reference, is_web_url, with_arxiv_id
from sitegen.records import BibEntry, PaperPage
from sitegen.resolve import is_truncation

LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
ESCAPES = str.maketrans(LATEX_SPECIALS)  # one C pass per field: 10,000 papers' entries are made on every build
LIGATURE = re.compile(r"(?<=[-`'!?])(?=[-`'])")  # '--', '``', "''", '!`', '?`' would become – “ ” ¡ ¿
KEY_STOPWORDS = frozenset("a an the on of in for to and with from by is are at as via towards toward".split())
# The entry types whose venue is a `booktitle`; any other's is a `journal`.
IN_A_BOOK = frozenset({"inproceedings", "incollection", "conference", "inbook"})
# The entry types of a paper not (yet) published anywhere: a venue found for it makes them an article or inproceedings.
PREPRINT_KINDS = frozenset({"misc", "online", "unpublished", "preprint", "electronic"})
# A venue that names a meeting (its words, or the usual short names of machine learning's): cited `@inproceedings`.
MEETING = re.compile(r"\b(?:conference|proceedings|workshops?|symposium|meeting|congress|"
                     r"neurips|nips|iclr|icml|cvpr|iccv|eccv|wacv|bmvc|aaai|ijcai|acl|emnlp|naacl|eacl|coling|"
                     r"kdd|sigir|www|chi|uai|aistats|colt|corl|icra|iros|miccai|icassp|interspeech|siggraph|colm)\b", re.I)
# A title word BibTeX styles would lower-case wrongly: a capital after its first letter (CBAM, ResNeSt, GPT-4, t-SNE).
KEEP_CASE = re.compile(r"(?<![\w{\\])(?=\w*[A-Z])(\w+(?:-\w+)*)(?![\w}])")


def latex_escape(text: str) -> str:
    """Plain text → BibTeX field text that reads back as the same text."""
    escaped = " ".join(text.split()).translate(ESCAPES)
    return LIGATURE.sub("{}", escaped)


def citation_keys(pages: Iterable[PaperPage]) -> dict[str, str]:
    """Paper slug → a citation key unique in the site: a .bib entry's own key, else `caron2021emerging`
    (first author's last name, year, first word of the title), else the slug; clashes get b, c, ..."""
    keys: dict[str, str] = {}
    used: set[str] = set()
    for page in sorted(pages, key=lambda p: p.slug):
        base = (page.bibtex.key if page.bibtex else "") or generated_key(page) or page.slug
        key, suffix = base, ord("b")
        while key.casefold() in used:
            key, suffix = f"{base}{chr(suffix)}", suffix + 1
        used.add(key.casefold())
        keys[page.slug] = key
    return keys


def ascii_word(text: str) -> str:
    """Letters and digits only, accents dropped, lower case: 'Jégou' → 'jegou'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()


def generated_key(page: PaperPage) -> str:
    if not page.authors or not page.year:
        return ""
    last_name = ascii_word(page.authors[0].split(",")[0].split()[-1]) if page.authors[0].split() else ""
    words = [w for w in (ascii_word(w) for w in page.title.split()) if w]
    first_word = next((w for w in words if w not in KEY_STOPWORDS), words[0] if words else "")
    return f"{last_name}{page.year}{first_word}" if last_name else ""


def bibtex_entry(page: PaperPage, key: str) -> str:
    """The paper's BibTeX entry under `key`."""
    if page.bibtex:
        return entry_text(*with_page_values(page.bibtex, page), key=key)
    fields: list[tuple[str, str]] = [("title", title_field(page.title))]
    if page.authors:
        fields.append(("author", " and ".join(author_field(a) for a in page.authors)))
    meeting = bool(page.venue and MEETING.search(page.venue))
    if page.venue:
        fields.append(("booktitle" if meeting else "journal", latex_escape(page.venue)))
    if page.year:
        fields.append(("year", str(page.year)))
    if page.doi:
        fields.append(("doi", latex_escape(page.doi)))
    if page.arxiv:
        fields += [("eprint", page.arxiv), ("archivePrefix", "arXiv"), *([("primaryClass", page.category)] if page.category else [])]
    if is_web_url(page.url) or page.arxiv:
        fields.append(("url", latex_escape(page.url) if is_web_url(page.url) else f"https://arxiv.org/abs/{page.arxiv}"))
    return entry_text("inproceedings" if meeting else "article" if page.venue else "misc", [(name, "{" + value + "}") for name, value in fields], key)


def title_field(title: str) -> str:
    """The title escaped, each word with a capital past its first letter braced ({CBAM}, {ResNeSt}): bibliography
    styles lower-case titles, and braces keep what must stay as written."""
    escaped = latex_escape(title)
    return KEEP_CASE.sub(lambda m: "{" + m.group(1) + "}" if any(map(str.isupper, m.group(1)[1:])) else m.group(1), escaped)


def entry_text(kind: str, fields: list[tuple[str, str]], key: str) -> str:
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}"


def with_page_values(entry: BibEntry, page: PaperPage) -> tuple[str, list[tuple[str, str]]]:
    """The entry's type and fields, each field whose value the page shows otherwise rewritten (or added, at the end).
    A venue that another source gave (the .bib had none) or the user set makes the type follow it (`cited_kind`)."""
    kind = entry.kind
    fields = list(entry.fields)
    reads = entry.reads
    where = {name.casefold(): index for index, (name, _) in enumerate(fields)}

    def put(names: tuple[str, ...], value: str) -> None:
        at = next((where[name] for name in names if name in where), None)
        if at is None:
            where[names[0]] = len(fields)
            fields.append((names[0], value))
        else:
            fields[at] = (fields[at][0], value)

    def differs(name: str) -> bool:
        return bool(getattr(page, name)) and (reads is None or getattr(reads, name) != getattr(page, name))

    if differs("arxiv"):  # every field that carries the entry's old id (journal, note, eprint, url) carries the page's
        for index, (name, value) in enumerate(fields):
            inner, wrap = (value[1:-1], value[0] + value[-1]) if value[:1] in "{\"" and len(value) > 1 else (value, "")
            if arxiv_reference(inner) or arxiv_id(inner):
                corrected = with_arxiv_id(inner, page.arxiv)
                fields[index] = (name, wrap[:1] + corrected + wrap[1:] if wrap else corrected)

    if page.title != entry.title:
        put(("title",), "{" + title_field(page.title) + "}")
    if differs("authors"):
        put(("author",), "{" + " and ".join(author_field(a) for a in page.authors) + "}")
    if differs("year"):
        put(("year", "date"), f"{{{page.year}}}")
    if differs("venue"):
        kind = cited_kind(entry.kind, page.venue)
        if kind.casefold() in IN_A_BOOK:  # a journal field the entry had becomes the booktitle, in its place
            for index, (name, value) in enumerate(fields):
                if name.casefold() in ("journal", "journaltitle") and "booktitle" not in where:
                    fields[index] = ("booktitle", value)
                    where["booktitle"] = where.pop(name.casefold())
        venue = ("booktitle",) if kind.casefold() in IN_A_BOOK else ("journal", "journaltitle")
        put(("booktitle", "journal", "journaltitle") if "booktitle" in where else venue, "{" + latex_escape(page.venue) + "}")
    if differs("doi"):
        put(("doi",), "{" + latex_escape(page.doi) + "}")
    if differs("url") and is_web_url(page.url):
        put(("url",), "{" + latex_escape(page.url) + "}")
    if differs("arxiv"):
        put(("eprint",), "{" + page.arxiv + "}")
        if "archiveprefix" not in where and "eprinttype" not in where:
            put(("archivePrefix",), "{arXiv}")
    return kind, fields


def cited_kind(kind: str, venue: str) -> str:
    """The entry type a venue from elsewhere asks for: a meeting's makes an @article or a preprint's type
    (@misc, @online, @unpublished) @inproceedings; another venue makes a preprint's type @article. Any other type
    (a book, a thesis, a report, an @inproceedings whose venue names no known meeting) is kept."""
    if kind.casefold() not in PREPRINT_KINDS | {"article"}:
        return kind
    if MEETING.search(venue):
        return "inproceedings"
    return "article" if kind.casefold() in PREPRINT_KINDS else kind


def author_field(name: str) -> str:
    """A display name 'First Last' as BibTeX's 'Last, First'; braced whole when splitting would change it
    (one word, a comma as in 'Smith, Jr.', or a word 'and' that BibTeX reads as the next author)."""
    if is_truncation(name):
        return "others"
    words = name.split()
    if len(words) < 2 or "," in name or any(w.casefold() == "and" for w in words):
        return "{" + latex_escape(name) + "}"
    return f"{latex_escape(words[-1])}, {latex_escape(' '.join(words[:-1]))}"


def bib_file(entries: Iterable[str]) -> bytes:
    return ("\n\n".join(entries) + "\n").encode("utf-8")
