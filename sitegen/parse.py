"""Raw list text → ReadingList + [ListEntry] (each with its source line) → dedupe → [Paper].

A `.txt` list is the text of a Hugging Face papers page pasted as is: page furniture, then title and
abstract lines. Known furniture is dropped; any other line that is not part of an entry is
skipped with a warning, so every input line is accounted for. The other formats have their own
modules (`parse_hf`, `parse_bibtex`, `parse_arxiv`); the file's extension picks one.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.config import LIST_KEYS, ListSettings
from sitegen.errors import Diagnostics, Heard, Said, SourceError, say_again
from sitegen.parse_arxiv import parse_arxiv
from sitegen.parse_bibtex import parse_bibtex
from sitegen.parse_hf import parse_hf
from sitegen.identifiers import arxiv_id
from sitegen.records import Bibliographic, ListEntry, Membership, PageAnchor, Paper, ReadingList
from sitegen.resolve import best_title
from sitegen.yamlsource import load_mapping

if TYPE_CHECKING:
    from sitegen.state import Memo

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DATE_LINE = re.compile(
    r"^(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?P<day>\d{1,2})"
    r"(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?$",
    re.IGNORECASE,
)
# The page's own lines, compared without case or spaces: a copy may glue words ("byAK and ...") or part them.
FURNITURE_LINES = frozenset("".join(line.split()) for line in (
    "new",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "subscribe",
    "daily papers",
    "by ak and the research community",
    "upvote",
    "submitted by",
    "trending papers",
    "view paper",
))
# The labels of Hugging Face's pages around the papers, compared like FURNITURE_LINES without the arrows or
# dots beside them: the site's menu and footer, date paging, tabs, buttons, sign-in prompts. One is a paper's
# title only where an abstract follows it (a paper may be called "Next"); anywhere else it is dropped.
PAGE_LABELS = frozenset("".join(line.split()) for line in (
    "hugging face", "hugging face's logo", "models", "datasets", "spaces", "posts", "community", "docs", "enterprise",
    "solutions", "pricing", "log in", "login", "sign up", "sign in", "sign out", "settings", "profile", "inbox",
    "previous", "next", "previous day", "next day", "prev", "today", "daily", "weekly", "monthly", "trending", "papers",
    "collections", "search", "submit", "submit a paper", "load more", "show more", "see all", "view all",
    "system theme", "theme", "company", "tos", "terms of service", "privacy", "about", "jobs", "careers", "website",
    "learn", "blog", "status", "changelog", "forum", "discord", "github", "twitter", "linkedin", "x", "share",
    "share collection", "view history", "collection guide", "browse collections", "new collection", "add to collection",
    "sign up or log in to comment", "log in or sign up to comment", "join the community", "comment", "comments",
    "view pdf", "view arxiv page", "arxiv page", "project page", "upvoted", "follow", "following", "reply", "edit", "delete",
    "report", "hide", "paper author",
))
LABEL_ENDS = "←→‹›«»<>↑↓⬆▲△·•|-–—:.…"
# A fact the page shows beside a paper, alone or in a row joined by '·' or '•': a count (upvotes "▲ 42",
# "3 comments", "+4" more avatars, "GitHub 3.2k" stars), an arXiv id, a kind ("Paper"), a date it was published
# or updated ("Published on Mar 11, 2024", "updated 3 days ago"): a collection lists "Paper • 2309.16588 •
# Published Sep 28, 2023 • 36".
WHEN = (r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:,?\s+\d{4})?"
        r"|(?:about\s+|an?\s+|\d+\s+)?(?:second|minute|hour|day|week|month|year)s?\s+ago|yesterday|today|just now)")
COUNT = (r"(?:(?:[▲△⬆↑+]|upvotes?|likes?|comments?)\s*)?\d[\d,.]*\s*[kKmM]?(?:\s+(?:upvotes?|comments?|replies|likes?|citations?|models?|datasets?|spaces?"
         r"|collections?|papers?|items?|followers?))?|github\s*\d[\d,.]*\s*[kKmM]?")
COUNT_LINE = re.compile(rf"^(?:{COUNT})$", re.IGNORECASE)  # furniture wherever it stands: no title is a bare count
FACT = re.compile(rf"^(?:{COUNT}|(?:arxiv:?\s*)?\d{{4}}\.\d{{4,5}}(?:v\d+)?|paper|model|dataset|space|collection|note"
                  rf"|(?:(?:published|updated|submitted)(?:\s+on)?\s+|on\s+)?{WHEN}|\#\d+\s+paper\s+of\s+the\s+(?:day|week|month)"
                  rf"|(?:models|datasets|spaces|collections)\s+(?:citing|including)\s+this\s+paper(?:\s+\d+)?)$", re.IGNORECASE)
FACT_SEPARATOR = re.compile(r"\s*[·•]\s*")
# The authors' row of a paper card: names (or none, only avatars), then '·' and their count ("· 4 authors"),
# on one line or on three.
AUTHORS_COUNT = re.compile(r"^(?:(?P<names>.*?)\s*[·•]\s*|[·•]?\s*)\+?\d[\d,]*\s+(?:more\s+)?authors?$", re.IGNORECASE)
NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_.'’-]*(?:[.'’-][^\W\d_]*)*\.?$")
# A person's name is a word or a few; past this many, a line of an authors' row is no name.
NAME_WORDS = 4
SUBMITTED_BY = re.compile(r"^submitted by\b", re.IGNORECASE)
# A paper's own page: "Authors:" before its authors' names (one a line between commas, or all on the line), an
# "Abstract" heading before the abstract, and Hugging Face's "AI-generated summary" heading before a line of its own.
AUTHORS_LABEL = re.compile(r"^authors?\s*:", re.IGNORECASE)
HEADINGS = {"abstract": "abstract", "ai-generated summary": "summary", "ai generated summary": "summary"}
# How an abstract ends: a full stop, or '…' where the page cut it short (~200 characters on some views).
SENTENCE_ENDS = (".", "。", "…")
# A fact that says the line before it is a paper card's title: its kind, its arXiv id, when it was published.
CARD_FACT = re.compile(r"^(?:paper|(?:arxiv:?\s*)?\d{4}\.\d{4,5}(?:v\d+)?|published\b.*)$", re.IGNORECASE)
# What starts a paper card before its title: the submitter's name, the upvote count.
CARD_STARTS = ("submitter", "number")
# A paper's own page shows its arXiv id above its title.
PAGE_ID = re.compile(r"^arxiv:\s*\d{4}\.\d{4,5}(?:v\d+)?$", re.IGNORECASE)
# A line of digits alone: an upvote count or an arXiv id beside a paper, or a paper's title ("2048").
BARE_NUMBER = re.compile(r"^\d[\d,.]*$")
# Button text the page glues to the next line when it is copied ("SubscribeA Light CNN ...").
GLUED_PREFIXES = ("Subscribe", "Daily Papers", "byAK and the research community")
# The look-ahead lets the engine skip, in C, every character that cannot start one (4x faster).
URL = re.compile(r"(?=[hg])(?:https?://|(?<![\w./])(?:github\.com|huggingface\.co)/)[^\s<>\"'`{}\\]+", re.IGNORECASE)
URL_TRAILING = ".,;:!?'\"”’"
# What every URL holds, in a text with the letters re.IGNORECASE also matches to i and s folded in, then
# lower-cased: a text without them is not searched (URL's look-behind at every character is slow).
URL_HINTS = ("http", "github.com", "huggingface.co")
LIKE_I_AND_S = str.maketrans("\u0131\u0130\u017f", "iis")
CJK_CHARACTER = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
LINE_BREAK = re.compile(r"\r\n|\r|\n")
MAX_NAME_BYTES = 200  # a slug's UTF-8 bytes: room left under 255 for '.md', '-2' and the like
FormatParser = Callable[[Path, str, str, Diagnostics], tuple[dt.date | None, list[ListEntry]]]
FORMAT_PARSERS: dict[str, FormatParser] = {".json": parse_hf, ".bib": parse_bibtex, ".atom": parse_arxiv, ".xml": parse_arxiv}
FORMAT_NAMES = {".json": "a Hugging Face API response (JSON)", ".bib": "BibTeX", ".atom": "an arXiv API response (Atom)",
                ".xml": "an arXiv API response (Atom)"}
# How a saved web page starts (after a byte-order mark, blank lines or an XML declaration).
HTML_PAGE = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL)
# Abstracts of one paper from two sources hold the same words, one perhaps cut short or revised. Sharing this many
# distinct words is a paragraph in common: then each must lack this share of the other's words to be another paper's;
# sharing fewer (a sentence: "We propose a method for ..."), each lacking one word of the other's is enough.
SHARED_WORDS = 20
ANOTHER_ABSTRACT_SHARE = 0.5
# How alike two spellings of one word are (difflib's ratio), past which one is taken for a typo of the other.
TYPO_LIKENESS = 0.8


@dataclass(frozen=True)
class Line:
    number: int
    text: str


def decode(path: Path, data: bytes, keep_bom: bool = False) -> str:
    """UTF-8 text, without its byte-order mark unless `keep_bom` (a page rewritten keeps its own);
    anything else is an error naming the line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SourceError(path, line, "not UTF-8 text (save the file as UTF-8)") from None
    return text if keep_bom else text.removeprefix("\ufeff")


def parse_list_file(
    path: Path, data: bytes, diagnostics: Diagnostics, today: dt.date, settings: ListSettings | None = None
) -> tuple[ReadingList, list[ListEntry]]:
    """Any list file: its extension decides the format; every format gives the same records. `settings`
    (sitegen.yml's `lists:`) describe it; a .txt's own front matter wins over them, field by field. A list
    with no papers is not published: a warning says so."""
    text = decode(path, data)
    parser = FORMAT_PARSERS.get(path.suffix.lower())
    if not text.strip():  # any format: the same words, the same level
        diagnostics.warn(path, None, "empty: nothing to publish")
        slug = list_slug(path)
        return ReadingList(slug, title_from_name(path), None, "", path, undated=True), []
    html = HTML_PAGE.match(text)
    if parser is not None and html:
        raise SourceError(path, text.count("\n", 0, html.end()) + 1, f"this is an HTML page (an error or login page?), not "
                          f"{FORMAT_NAMES[path.suffix.lower()]}: save the response itself")
    if parser is None:
        reading_list, entries = parse_list(path, text, diagnostics, today, settings)
    else:
        slug = list_slug(path)
        date, entries = parser(path, slug, text, diagnostics)
        reading_list = ReadingList(slug=slug, title=settings.title if settings and settings.title else title_from_name(path),
                                   date=settings.date if settings and settings.date else date,
                                   description=settings.description if settings else "", path=path)
    if not entries:
        diagnostics.warn(path, None, "no papers in this list: not published")
    return replace(reading_list, undated=reading_list.date is None), entries


def parse_list_remembered(path: Path, data: bytes, diagnostics: Diagnostics, today: dt.date, settings: ListSettings | None,
                          memo: Memo) -> tuple[ReadingList, list[ListEntry], str]:
    """`parse_list_file`, or its result (and what it said) from the last build, kept by the file's bytes, the
    day (a date line with no year) and its settings; and that key: a list unchanged since is not parsed again."""
    slug = list_slug(path)
    key, found = memo.find("lists", (str(path), data, today, settings), lambda found: found[0].path == path and found[0].slug == slug
                           and all(e.path == path and e.list_slug == slug for e in found[1]) and all(s[1] == str(path) for s in found[2]))
    if found is None:
        heard = Heard()
        reading_list, entries = parse_list_file(path, data, heard, today, settings)
        found = (reading_list, tuple(entries), tuple(heard.said))
    memo.keep(key, found)
    say_again(found[2], diagnostics)
    return found[0], list(found[1]), key


# How list files in the other formats begin: saved as .txt, each would make junk papers. Only the
# start counts: a pasted page that quotes a BibTeX entry further down is still a pasted page.
OTHER_FORMATS = (
    (re.compile(r"\A(?:\s*%[^\n]*\n)*\s*(?P<start>@[A-Za-z]+\s*\{)"), "BibTeX", ".bib"),  # after comment lines, as exports start
    (re.compile(r"\A\s*(?P<start>[\[{]\s*[\"\[{])"), "JSON", ".json"),
    (re.compile(r"\A\s*(?P<start><(\?xml|feed)\b)"), "an Atom feed", ".atom"),
)


def refuse_other_format(path: Path, text: str) -> None:
    """A .txt list is a pasted papers page; one that is plainly another format is an error naming it."""
    head = text[:4096]
    for pattern, name, suffix in OTHER_FORMATS:
        found = pattern.search(head)
        if found:
            line = text.count("\n", 0, found.start("start")) + 1
            raise SourceError(path, line, f"this looks like {name}, not a pasted papers page: rename the file to {path.stem}{suffix}")


def parse_list(
    path: Path, text: str, diagnostics: Diagnostics, today: dt.date, settings: ListSettings | None = None
) -> tuple[ReadingList, list[ListEntry]]:
    """One list file's text → its header (its front matter, else sitegen.yml's `settings`) and its entries in source order."""
    slug = list_slug(path)
    refuse_other_format(path, text)
    header, lines = split_list_front_matter(path, text)
    if settings is not None:
        given = {"title": settings.title, "date": settings.date, "description": settings.description}
        for key, value in given.items():
            if value and key in header and header[key] != value:
                diagnostics.warn(path, None, f"'{key}' is given here and in sitegen.yml (line {settings.line}): this file's is used")
        header = {**{k: v for k, v in given.items() if v}, **header}
    heard = Heard()  # what both steps say, told in the order of the file's lines
    content, abstracts, cards, date_line = strip_furniture(path, lines, heard)
    entries = pair_entries(path, slug, content, abstracts, cards, heard)
    say_again(tuple(sorted(heard.said, key=lambda said: said[2] or 0)), diagnostics)
    date = header.get("date")
    assert date is None or isinstance(date, dt.date)
    day_without_year = None
    if date is None and date_line is not None:
        date = resolve_date(date_line, today)
        month, day, year = date_line
        day_without_year = (month, day) if year is None and date is not None else None
    reading_list = ReadingList(
        slug=slug,
        title=str(header.get("title") or title_from_name(path)),
        date=date,
        description=str(header.get("description") or ""),
        path=path,
        day_without_year=day_without_year,
    )
    return reading_list, entries


def keep_recorded_date(reading_list: ReadingList, recorded: dict[str, dt.date], today: dt.date) -> ReadingList:
    """A date as first resolved, so the list never moves: one from a line with no year keeps the date the
    paper pages record for this list when it falls on the same day of the year; a list with no date
    at all gets the one they record, else the day of this (its first) build."""
    known = recorded.get(reading_list.slug)
    if reading_list.undated:
        return replace(reading_list, date=known or today)
    if reading_list.day_without_year is None or known is None or (known.month, known.day) != reading_list.day_without_year:
        return reading_list
    return replace(reading_list, date=known)


def list_slug(path: Path) -> str:
    return slugify(path.stem) or "list"


def title_from_name(path: Path) -> str:
    """A list's title when none is given: its file name as written, with its capitals ("SAE-week-1.txt" →
    "SAE week 1", not the address's "Sae week 1") and its dates ("HF_2025-03-11" → "HF 2025-03-11"), its
    first letter made a capital."""
    words = " ".join(re.split(r"(?:_|\s|(?<!\d)-|-(?!\d))+", path.stem)).strip() or list_slug(path)
    return words[:1].upper() + words[1:]


def split_list_front_matter(path: Path, text: str) -> tuple[dict[str, object], list[Line]]:
    """Optional YAML front matter (title, date, description) and the numbered lines after it."""
    raw_lines = LINE_BREAK.split(text)
    lines = [Line(i + 1, t) for i, t in enumerate(raw_lines)]
    if not raw_lines or raw_lines[0].strip() != "---":
        return {}, lines
    for end in range(1, len(raw_lines)):
        if raw_lines[end].strip() in ("---", "..."):
            break
    else:
        raise SourceError(path, 1, "front matter starts with '---' but has no closing '---'")
    header = load_mapping(path, "\n".join(raw_lines[1:end]), first_line=2, schema=LIST_KEYS)
    return header, lines[end + 1 :]


def strip_furniture(
    path: Path, lines: list[Line], diagnostics: Diagnostics
) -> tuple[list[Line], set[int], dict[int, str], tuple[int, int, int | None] | None]:
    """Drop blank lines and page furniture; the lines kept, which of them are abstracts (`abstract_lines`), which are a
    paper card's title (with the arXiv id its facts give, or ''), and the first date line's (month, day, year).

    First what is furniture wherever it stands (buttons, a row of facts, an authors' row, the date, a paper
    page's headings), then what is furniture only where no abstract follows it (`without_page_labels`): the
    site's labels, a submitter's name, a line of names before "· N authors", a bare count or id."""
    content: list[Line] = []
    date_line: tuple[int, int, int | None] | None = None
    after_submitted_by = in_authors = in_discussion = count_next = False
    page_id = ""  # the arXiv id a paper's own page shows above its title
    heading: str | None = None  # "abstract": the next line is one, whatever its shape; "summary": HF's own, not the paper's
    discussion: list[Line] = []  # a paper's page after its abstract and "Community": comments, not papers
    before_papers = True  # no abstract yet: the site's menu may stand before a button glued to the first title
    doubtful: dict[int, str] = {}  # line number -> what it is if no abstract follows it (`without_page_labels`)
    headed: set[int] = set()  # abstracts under an "Abstract" heading (a paper's own page)
    cards: dict[int, str] = {}  # a paper card's title (an authors' row or a paper's facts follow it) -> the arXiv id the facts give
    for line in lines:
        text = line.text.strip()  # kept as pasted inside; only furniture is compared with spaces folded
        if before_papers:
            text = unglued(text)
        if not text:
            continue
        folded = " ".join(text.split())
        counted, count_next = count_next, False  # a number right after "Upvote" or a submitter's name is a count
        if in_discussion:
            discussion.append(Line(line.number, folded))
            continue
        if headed and "".join(folded.split()).lower() == "community":
            in_discussion = True
            continue
        if HEADINGS.get(folded.rstrip(":").lower()) and content and not looks_like_abstract(content[-1].text):  # a title waits for it
            heading, in_authors = HEADINGS[folded.rstrip(":").lower()], False
            continue
        if in_authors:
            in_authors = is_names(folded) or not any(c.isalnum() for c in folded)
            if in_authors:
                continue  # a paper page's authors, one a line between commas
        if after_submitted_by:
            after_submitted_by = False
            if len(text.split()) <= NAME_WORDS and len(text) <= 60:
                doubtful[line.number] = "submitter"  # the submitter's name, or a short title right after it
                count_next = True
        if SUBMITTED_BY.match(text):
            after_submitted_by = text.lower() == "submitted by"
            continue
        if AUTHORS_LABEL.match(folded):
            in_authors = True
            continue
        if heading == "summary":
            heading = None
            continue
        if is_furniture(folded):
            count_next = "".join(folded.split()).lower() == "upvote"
            continue
        authors = AUTHORS_COUNT.match(folded)
        if authors and (not authors["names"] or is_names(authors["names"])):  # "A Study of 1000 Authors" is a title
            names, title = authors_row_start(content, separated=folded[:1] in "·•", doubtful=doubtful, cards=cards)
            doubtful.update(dict.fromkeys(names, "names" if title is None else "authors"))
            if title is not None:
                cards.setdefault(title, "")
            continue
        date = DATE_LINE.match(folded)
        if date:
            if date_line is None:
                month = MONTHS.index(date["month"].lower()) + 1
                year = int(date["year"]) if date["year"] else None
                date_line = (month, int(date["day"]), year)
            continue
        if BARE_NUMBER.match(folded):
            if counted:
                continue
            doubtful[line.number] = "number"  # an upvote count or an arXiv id; or a paper called "2048"
        elif any(c.isdigit() for c in folded) and is_facts_row(folded):
            facts = FACT_SEPARATOR.split(folded.strip(" ·•"))
            row_id = next((arxiv_id(fact) for fact in facts if arxiv_id(fact)), "")
            title = card_title(content[-1], doubtful, identified=bool(row_id)) if content else None
            if PAGE_ID.match(folded):
                page_id = row_id  # a paper's own page: "arxiv:2309.16588" alone above its title
            elif title is not None and any(CARD_FACT.match(fact) for fact in facts):
                cards[title] = row_id or cards.get(title, "")
            elif (content and content[-1].number not in cards and any(fact.lower().startswith("updated") for fact in facts)
                  and (name := card_title(content[-1], doubtful)) is not None):
                doubtful[name] = "collection"  # a collection's name, then "updated 3 days ago", then its description
            continue  # a row of facts with a date, id or count in it ("Published on Nov 11, 2021") is no title, wherever it stands
        if heading == "abstract":
            headed.add(line.number)
            heading = None
        if page_id and line.number not in doubtful and not is_page_label(text):
            cards[line.number], page_id = page_id, ""
        content.append(Line(line.number, text))
        before_papers = before_papers and not looks_like_abstract(text)
    if discussion:
        diagnostics.warn(path, discussion[0].number, f"skipped the {len(discussion)} lines from '{shorten(discussion[0].text)}' on: "
                         "the discussion under 'Community' on a paper's page, not papers")
    kept, abstracts = without_page_labels(path, content, doubtful, headed, cards, diagnostics)
    return kept, abstracts, cards, date_line


def authors_row_start(content: list[Line], separated: bool, doubtful: dict[int, str], cards: dict[int, str]) -> tuple[set[int], int | None]:
    """Drop the '·' lines before an authors' row's count; return the line of names before those, if any (it goes
    unless an abstract follows the row: "Network In Network", "· 4 authors", its abstract is a title), and the title of
    the paper card the row ends, if one stands before it: the line before the names, or before the row. Where a card
    starts right before the names (its submitter or upvote count, a label, nothing), they are the card's short title."""
    while content and not any(c.isalnum() for c in content[-1].text):
        content.pop()
        separated = True
    if not content or content[-1].number in doubtful or content[-1].number in cards:  # a submitter, a count, a card's known title
        return set(), None
    if separated and is_names(content[-1].text.rstrip(" ·•,")) and not reads_as_sentence(content[-1].text):  # "A B C." is an abstract
        before = content[-2] if len(content) > 1 else None
        if before is not None and doubtful.get(before.number) not in CARD_STARTS and not is_page_label(before.text):
            return {content[-1].number}, card_title(before, doubtful)
    return set(), card_title(content[-1], doubtful)


def card_title(line: Line, doubtful: dict[int, str], identified: bool = False) -> int | None:
    """The line's number if it can be the title of the paper card whose facts or authors follow it; a bare number or
    a label only if `identified` (a paper's facts with its arXiv id follow it: '2048' or 'Models', then
    'Paper • 2304.07193 • ...': no label of the site stands there)."""
    kind = doubtful.get(line.number)
    plain = (kind is None and not is_page_label(line.text)) or (identified and kind in (None, "number"))
    return line.number if plain and not looks_like_abstract(line.text) and not reads_as_sentence(line.text) else None


def is_names(text: str) -> bool:
    """A person's name or a few, as an authors' row shows them ('Timothée Darcet', 'J. Mairal, P. Bojanowski')."""
    names = [name.split() for name in text.strip(" ·•,").split(",")]
    return all(0 < len(words) <= NAME_WORDS and all(NAME_WORD.match(w) for w in words) for words in names)


def is_furniture(line: str) -> bool:
    """A line of the page around the papers that is furniture wherever it stands (a button, a heading, a count),
    however the copy spaced it. A bare number is not: a paper may be called "2048"."""
    return "".join(line.split()).lower() in FURNITURE_LINES or (COUNT_LINE.match(line) is not None and not BARE_NUMBER.match(line))


def is_page_label(text: str) -> bool:
    """A label of the site around the papers (a menu item, paging, a button) or a row of a paper's facts."""
    folded = " ".join(text.split())
    return "".join(folded.strip(LABEL_ENDS + " ").split()).lower() in PAGE_LABELS or is_facts_row(folded)


def is_facts_row(folded: str) -> bool:
    """A row of a paper's facts ("Paper • 2309.16588 • Published Sep 28, 2023 • 36", "updated 3 days ago")."""
    facts = [fact for fact in FACT_SEPARATOR.split(folded.strip(" ·•")) if fact]
    return bool(facts) and all(FACT.match(fact) for fact in facts)


def without_page_labels(path: Path, content: list[Line], doubtful: dict[int, str], headed: set[int], cards: dict[int, str],
                        diagnostics: Diagnostics) -> tuple[list[Line], set[int]]:
    """Drop the site around the papers: a page label, a submitter's name or a bare count wherever no abstract follows
    it (then it is a title), and an authors' row's names, with a warning (a short title before "· N authors" looks the
    same). A bare number or a submitter's name right after a title waiting for its abstract is that paper's, not the
    next paper's title. Any other line is kept for pairing, which warns of what is no paper: a line is never dropped
    unsaid for its place or its shape alone. A line with no letters or digits is skipped, with a warning between the
    papers (before the first or after the last, it is the page's menu or footer). Returns the lines kept and which
    lines are abstracts (`abstract_lines`, decided once for both passes)."""
    lettered = [line for line in content if any(c.isalnum() for c in line.text)]
    abstracts = abstract_lines(lettered, headed, cards)
    starts = [i for i in range(len(lettered) - 1) if lettered[i + 1].number in abstracts and lettered[i].number not in abstracts]
    header_ends = lettered[starts[0]].number if starts else 0
    footer_starts = lettered[starts[-1] + 1].number + 1 if starts else 1 << 62
    titled = {lettered[i].number for i in range(len(lettered) - 1) if lettered[i + 1].number in abstracts}
    before_paragraph = {lettered[i].number for i in range(len(lettered) - 1) if looks_like_abstract(lettered[i + 1].text)}
    kept: list[Line] = []
    for line in content:
        kind = doubtful.get(line.number)
        waiting = bool(kept) and kept[-1].number not in abstracts  # a title kept, its abstract not yet
        if not any(c.isalnum() for c in line.text):
            if header_ends <= line.number < footer_starts:
                diagnostics.warn(path, line.number, f"skipped '{shorten(line.text)}': no letters or digits")
        elif kind == "authors":  # names between a card's title and its authors' count: never a title, said all the same
            diagnostics.warn(path, line.number, f"skipped '{shorten(line.text)}': taken for the names of an authors' row")
        elif kind == "collection" and line.number not in before_paragraph:  # before a whole abstract, a paper updated
            diagnostics.warn(path, line.number, f"skipped '{shorten(line.text)}': taken for the name of a collection (it is 'updated')")
        elif line.number in abstracts or line.number in cards or (line.number in titled and not (kind in CARD_STARTS and waiting)):
            kept.append(line)
        elif is_page_label(line.text):
            continue
        elif kind == "names":  # a line of names, or a short title before "· N authors": said, either way
            diagnostics.warn(path, line.number, f"skipped '{shorten(line.text)}': taken for the names of an authors' row")
        elif kind is None:
            kept.append(line)
    return kept, abstracts


def unglued(text: str) -> str:
    """A title without the button text the copy glued to its front ("SubscribeA Light CNN"): only
    where a new capitalised word (or a number) starts right after the button, so that
    "Subscribers of ..." or "Daily Papers: ..." stay whole. Called only before the first abstract."""
    for prefix in GLUED_PREFIXES:
        rest = text[len(prefix) :]
        if text.startswith(prefix) and rest and (rest[0].isupper() or rest[0].isdigit()):
            return rest
    return text


def words_in(text: str) -> int:
    """Words, a CJK character counting as one (those scripts put no spaces between words)."""
    return len(text.split()) + len(CJK_CHARACTER.findall(text))


def looks_like_abstract(text: str) -> bool:
    """A paragraph wherever it stands: abstracts are long; titles are short and rarely end with a full stop
    (or with '…', where the page cut an abstract short)."""
    words = words_in(text)
    return words > 30 or len(text) > 250 or (words >= 12 and text.endswith(SENTENCE_ENDS))


def reads_as_sentence(text: str) -> bool:
    """A short abstract, if a title stands before it: a few words that end as a sentence does."""
    return words_in(text) >= 3 and text[:1].isalnum() and text.endswith(SENTENCE_ENDS) and not is_page_label(text)


def abstract_lines(lines: list[Line], headed: set[int], cards: dict[int, str]) -> set[int]:
    """The numbers of the lines that are abstracts: a paragraph (or a line under an "Abstract" heading) anywhere; a
    short sentence right after a line that is no abstract (its title), unless a paragraph follows it (then it is
    that paragraph's title, one that ends with a full stop). A card's title is no abstract."""
    strong = [line.number not in cards and (line.number in headed or looks_like_abstract(line.text)) for line in lines]
    found: set[int] = set()
    after_title = False
    for i, line in enumerate(lines):
        if strong[i] or (after_title and line.number not in cards and reads_as_sentence(line.text)
                         and not (i + 1 < len(lines) and strong[i + 1])):
            found.add(line.number)
        after_title = line.number not in found
    return found


def pair_entries(
    path: Path, slug: str, content: list[Line], abstracts: set[int], cards: dict[int, str], diagnostics: Diagnostics
) -> list[ListEntry]:
    """Pair title and abstract lines (`abstracts`: the numbers of the latter), skipping (with a warning) what fits neither;
    a paper card's title (`cards`, with its arXiv id) is a paper with or without an abstract."""
    entries: list[ListEntry] = []

    def add(title: Line, abstract: Line | None) -> None:
        text, line = (abstract.text, abstract.number) if abstract else ("", None)
        biblio = Bibliographic(arxiv=cards.get(title.number, ""))
        entries.append(ListEntry(title.text, text, slug, len(entries) + 1, path, title.number, line, biblio))

    i = 0
    while i < len(content):
        line = content[i]
        following = content[i + 1] if i + 1 < len(content) else None
        if line.number in abstracts:
            diagnostics.warn(path, line.number, "skipped a paragraph with no title line before it")
            i += 1
        elif line.number in cards and (following is None or following.number not in abstracts):
            diagnostics.note(path, line.number, f"'{shorten(line.text)}' has no abstract on this page")
            add(line, None)
            i += 1
        elif following is None:
            diagnostics.warn(path, line.number, f"'{shorten(line.text)}' has no abstract (cut off?)")
            add(line, None)
            i += 1
        elif following.number in abstracts or (i + 2 == len(content) and following.number not in cards):
            if following.number not in abstracts:  # the file's last two lines: a title and its abstract, cut short?
                diagnostics.warn(path, following.number, f"'{shorten(following.text)}' is taken as the abstract of "
                                 f"'{shorten(line.text)}', the last paper (cut off?)")
            add(line, following)
            i += 2
        elif i + 2 < len(content) and content[i + 2].number in abstracts:
            diagnostics.warn(path, line.number, f"skipped '{shorten(line.text)}': not a title followed by an abstract")
            i += 1
        else:
            diagnostics.warn(path, line.number, f"skipped '{shorten(line.text)}': no abstract follows it")
            i += 1
    return entries


def shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def resolve_date(date_line: tuple[int, int, int | None], today: dt.date) -> dt.date | None:
    """A date line without a year means its most recent occurrence on or before `today`."""
    month, day, year = date_line
    if year is not None:
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    for candidate in range(today.year, today.year - 8, -1):
        try:
            date = dt.date(candidate, month, day)
        except ValueError:
            continue
        if date <= today:
            return date
    return None


def url_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, href) of each URL in a text, without the sentence punctuation after it.

    The one definition of a URL in an abstract: for the paper's links and for links in rendered text.
    """
    if not may_hold_url(text):
        return []
    spans = []
    for match in URL.finditer(text):
        url = match.group(0)
        while url and (url[-1] in URL_TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
            url = url[:-1]
        href = url if url.lower().startswith("http") else "https://" + url
        if href.split("://", 1)[1]:
            spans.append((match.start(), match.start() + len(url), href))
    return spans


def may_hold_url(text: str) -> bool:
    """False only for a text in which URL cannot match: most abstracts, tested without the regex."""
    return "/" in text and any(hint in text.translate(LIKE_I_AND_S).lower() for hint in URL_HINTS)


def find_links(abstract: str) -> tuple[str, ...]:
    """URLs in an abstract, in order, once each."""
    return tuple(dict.fromkeys(href for _, _, href in url_spans(abstract)))


def title_key(title: str) -> str:
    """What makes two titles the same paper: case, punctuation and spacing do not count; format
    characters (soft hyphen, zero-width space) and variation selectors (❤ or ❤️) are dropped;
    symbols and emoji count (∇-Prox is not ∂-Prox)."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(folded.translate(TITLE_KEY_CHARS).split())


class TitleKeyChars(dict[int, str]):
    """`str.translate`'s table for `title_key`, filled in as characters are first seen (a title's
    characters are looked up in C, not classified one by one in Python)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        category = unicodedata.category(char)
        kept = "" if category == "Cf" or is_variation_selector(char) else char if category[0] in "LNMS" else " "
        self[code] = kept
        return kept


TITLE_KEY_CHARS = TitleKeyChars()


def is_variation_selector(char: str) -> bool:
    """U+FE00-FE0F and U+E0100-E01EF choose how a character looks (❤ or ❤️), not which it is."""
    return "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"


def slugify(text: str, max_length: int = 80, max_bytes: int = MAX_NAME_BYTES) -> str:
    """Lower-case words joined by '-': accents dropped from Latin letters, other scripts kept;
    at most `max_length` characters and `max_bytes` bytes of UTF-8, so that a file name made
    from it (with its extension) fits every file system's 255-byte limit."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    letters = "".join(c for c in decomposed if unicodedata.category(c) != "Cf" and not unicodedata.combining(c))
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFC", letters))

    def fits(candidate: str) -> bool:
        return len(candidate) <= max_length and len(candidate.encode("utf-8")) <= max_bytes

    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if not fits(candidate):
            while not slug and word and not fits(word):
                word = word[:-1]
            slug = slug or word
            break
        slug = candidate
    return slug


class Groups:
    """Union-find over the nodes dedupe joins (list entries, then pages), each group with the arXiv ids
    that say which paper it is: the ids of its entries and the ones users wrote on its pages."""

    def __init__(self, ids: list[frozenset[str]]) -> None:
        self.parent = list(range(len(ids)))
        self.ids = list(ids)
        self.members = [[node] for node in range(len(ids))]  # of each root

    def find(self, node: int) -> int:
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def conflict(self, a: int, b: int) -> bool:
        """Two groups that each know an arXiv id, none in common: two papers."""
        first, second = self.ids[self.find(a)], self.ids[self.find(b)]
        return bool(first and second and not first & second)

    def join(self, a: int, b: int) -> None:
        a, b = self.find(a), self.find(b)
        if a != b:
            a, b = min(a, b), max(a, b)
            self.parent[b] = a
            self.ids[a] = self.ids[a] | self.ids[b]
            self.members[a] += self.members[b]
            self.members[b] = []

    def texts(self, node: int, texts: list[str]) -> list[str]:
        """The texts of every node in `node`'s group."""
        return [texts[n] for n in self.members[self.find(node)]]


def dedupe(entries: list[ListEntry], dates: dict[str, dt.date | None], diagnostics: Diagnostics,
           anchors: list[PageAnchor] | None = None) -> list[Paper]:
    """One Paper per distinct paper, in order of first appearance, keeping every membership and
    every source's claims; each with its existing page (`anchors`), if one is that paper.

    Nodes (entries and pages) are one paper when they share an arXiv id (a page joins the ids the user
    wrote and the one sitegen recorded: a corrected id keeps the paper in its lists), or a DOI, or a
    title (ignoring case, punctuation and spacing) when their abstracts do not clearly differ and no
    ids contradict. Each step is over sets, taken in an order of their contents, so the answer never
    depends on the order of the files or their names. Same title but different abstracts or ids: two
    papers, and a warning naming both places.
    """
    pages = anchors or []
    titles = [title_key(e.title) for e in entries] + [title_key(a.title) for a in pages]
    abstracts = [e.abstract for e in entries] + [a.abstract for a in pages]
    groups = Groups([frozenset({e.biblio.arxiv} - {""}) for e in entries] + [frozenset({a.arxiv} - {""}) for a in pages])
    words: dict[str, frozenset[str]] = {}  # each abstract's words, found once
    by_identifier: dict[str, list[int]] = {}
    for node, entry in enumerate(entries):
        by_identifier.setdefault(f"arxiv:{entry.biblio.arxiv}" if entry.biblio.arxiv else "", []).append(node)
        by_identifier.setdefault(f"doi:{entry.biblio.doi.casefold()}" if entry.biblio.doi else "", []).append(node)
    for number, anchor in enumerate(pages, len(entries)):
        for key in {f"arxiv:{anchor.arxiv}", f"arxiv:{anchor.recorded_arxiv}", f"doi:{anchor.doi.casefold()}"} - {"arxiv:", "doi:"}:
            by_identifier.setdefault(key, []).append(number)
    by_identifier.pop("", None)
    for key in sorted(by_identifier):  # arXiv ids first ('arxiv:' < 'doi:'): a DOI never joins two ids
        nodes = by_identifier[key]
        if key.startswith("arxiv:") or not any(groups.conflict(a, b) for a in nodes for b in nodes):
            for node in nodes[1:]:
                groups.join(nodes[0], node)

    def differ(a: int, b: int) -> bool:
        return any(abstracts_differ(x, y, words) for x in groups.texts(a, abstracts) for y in groups.texts(b, abstracts))

    by_title: dict[str, list[int]] = {}
    for node, key in enumerate(titles):
        by_title.setdefault(key, []).append(node)
    for number, anchor in enumerate(pages, len(entries)):  # and a page under each title its lists gave it
        for key in {title_key(t) for t in anchor.listed_titles} - {titles[number]}:
            by_title.setdefault(key, []).append(number)
    for key in sorted(by_title):
        nodes = by_title[key]
        roots = sorted({groups.find(n) for n in nodes})
        # Groups with no arXiv id and this title: one paper unless their abstracts differ, taken in the
        # order of what they hold (an entry with no abstract may fit two that differ: the first takes it).
        loose = sorted((r for r in roots if not groups.ids[r]), key=lambda r: sorted(groups.texts(r, abstracts), reverse=True))
        for number, a in enumerate(loose):
            for b in loose[number + 1:]:
                if groups.find(a) != groups.find(b) and not differ(a, b):
                    groups.join(a, b)
        # then each joins the paper with an id and this title whose abstract it shares most (all chosen
        # before any joins, so that no choice depends on another's)
        known = [r for r in roots if groups.ids[r]]
        choices = []
        for root in {groups.find(r) for r in loose}:
            fits = [r for r in known if not groups.conflict(root, r) and not differ(root, r)]
            if fits:
                choices.append((root, max(fits, key=lambda r: (overlap(root, r, groups, abstracts, words), sorted(groups.ids[r])))))
        for root, chosen in choices:
            groups.join(root, chosen)
    return papers_of(entries, pages, groups, dates, diagnostics, titles)


def dedupe_remembered(entries: list[ListEntry], list_keys: list[str], dates: dict[str, dt.date | None], diagnostics: Diagnostics,
                      anchors: list[PageAnchor], memo: Memo) -> tuple[list[Paper], str]:
    """`dedupe`, or its result (and what it said) from the last build, kept by what it reads: the lists (their
    parse keys stand for their entries), their dates and the pages' anchors; and that key (it stands for the
    papers). An edit of a page's notes, tags or status leaves its anchor, so the library is not matched up again."""
    pages, slugs = {a.path for a in anchors}, set(dates)
    key, found = memo.find("papers", (list_keys, dates, anchors), lambda found: all(
        set(p.pages) <= pages and all(m.list_slug in slugs for m in p.memberships) for p in found[0]))
    found = found if found is not None else dedupe_heard(entries, dates, anchors)
    memo.keep(key, found)
    say_again(found[1], diagnostics)
    return list(found[0]), key


Deduped = tuple[tuple[Paper, ...], tuple[Said, ...]]


def dedupe_heard(entries: list[ListEntry], dates: dict[str, dt.date | None], anchors: list[PageAnchor]) -> Deduped:
    """`dedupe`'s papers and what it said."""
    heard = Heard()
    return tuple(dedupe(entries, dates, heard, anchors)), tuple(heard.said)


def remember_dedupe(memo: Memo, list_keys: list[str], dates: dict[str, dt.date | None], anchors: list[PageAnchor], found: Deduped) -> None:
    """Keep for the next build what `dedupe_remembered` will ask of it with these inputs (made ahead, on the other core),
    instead of what it made of the pages as they stood (the next build reads them as this one leaves them)."""
    memo.remember("papers", (list_keys, dates, anchors), found, alone=True)


def overlap(a: int, b: int, groups: Groups, abstracts: list[str], words: dict[str, frozenset[str]]) -> int:
    """Words two groups' abstracts share (the best pair)."""
    mine, theirs = groups.texts(a, abstracts), groups.texts(b, abstracts)
    for text in mine + theirs:
        if text not in words:
            words[text] = frozenset(title_key(text).split())
    return max((len(words[x] & words[y]) for x in mine for y in theirs), default=0)


def papers_of(entries: list[ListEntry], pages: list[PageAnchor], groups: Groups, dates: dict[str, dt.date | None],
              diagnostics: Diagnostics, titles: list[str]) -> list[Paper]:
    """The papers the groups make, each with its memberships, claims and pages; warnings for what stays apart."""
    members: dict[int, list[int]] = {}
    for node in range(len(entries)):
        members.setdefault(groups.find(node), []).append(node)
    page_of: dict[int, list[PageAnchor]] = {}
    for number, anchor in enumerate(pages, len(entries)):
        page_of.setdefault(groups.find(number), []).append(anchor)
    firsts: dict[str, ListEntry] = {}
    for root in sorted(members, key=lambda r: min((entries[n].path, entries[n].line) for n in members[r])):
        first = min((entries[n] for n in members[root]), key=lambda e: (e.path, e.line))
        for key in dict.fromkeys(titles[n] for n in members[root]):
            other = firsts.setdefault(key, first)
            if other is not first:
                diagnostics.warn(first.path, first.line, f"'{shorten(first.title)}' has the title of the paper at "
                                 f"{other.path}:{other.line} but another abstract or arXiv id: kept as two papers")
    papers = []
    taken: set[str] = set()
    for root, nodes in members.items():
        group = [entries[n] for n in nodes]
        title = best_title((e.claim.source, e.title) for e in group)
        abstract = min((e.abstract for e in group), key=lambda a: (-len(a), a))
        in_list: dict[str, ListEntry] = {}
        for entry in sorted(group, key=lambda e: (e.list_slug, e.position)):  # in a list once, at its first place
            if entry.list_slug in in_list:
                again = in_list[entry.list_slug]
                where = f"at line {again.line}" if again.line else "above"
                diagnostics.warn(entry.path, entry.line, f"'{shorten(entry.title)}' is in this list already, {where}: listed once, at its first place")
            else:
                in_list[entry.list_slug] = entry
        memberships = tuple(Membership(e.list_slug, e.position, dates.get(e.list_slug), "" if title_key(e.title) == title_key(title) else e.title)
                            for e in group if in_list[e.list_slug] is e)
        claims = tuple(sorted((e.claim for e in group), key=repr))
        ids = sorted({e.biblio.arxiv for e in group if e.biblio.arxiv})
        key = f"arxiv:{ids[0]}" if ids else title_key(title)
        n = 2
        while key in taken:
            key, n = f"{title_key(title)} ({n})", n + 1
        taken.add(key)
        own_pages = tuple(sorted(a.path for a in page_of.get(root, [])))
        papers.append(Paper(key, title, abstract, find_links(abstract), memberships, claims, own_pages))
    return papers


def abstracts_differ(first: str, second: str, words: dict[str, frozenset[str]] | None = None) -> bool:
    """Both known, and not versions of one abstract: each lacks words of the other, not counting a typo of one of the
    other's words or a word cut short at its end. Two that share a paragraph's worth of words (SHARED_WORDS) are one
    abstract unless each lacks half of the other's (a revised version keeps its page); shorter ones must agree to the
    word: counting shared words alone merged two one-sentence abstracts of one pattern ("We propose a method for
    image segmentation." and "... for speech recognition.") under one title.

    `words` caches each abstract's words across calls."""
    if not first or not second or first == second:  # most pairs: a page and the entry it was made from
        return False
    cache = {} if words is None else words
    for text in (first, second):
        if text not in cache:
            cache[text] = frozenset(title_key(text).split())
    a, b = cache[first], cache[second]
    return bool(a and b) and lacks_words_of(a, b) and lacks_words_of(b, a)


def lacks_words_of(mine: frozenset[str], theirs: frozenset[str]) -> bool:
    """`mine` has words `theirs` lacks: half of them where the two share a paragraph's worth of words (counted: so many
    are no typos, and comparing each pair of words took 58 s at 10,000 papers), else one that is neither a typo of one
    of theirs nor one of theirs cut short."""
    lacking = mine - theirs
    if len(mine & theirs) >= SHARED_WORDS:
        return len(lacking) >= max(1, math.ceil(ANOTHER_ABSTRACT_SHARE * len(mine)))
    others = sorted(theirs - mine)
    return any(not any(other.startswith(word) for other in theirs) and not any(is_typo(word, other) for other in others)
               for word in sorted(lacking))


def is_typo(word: str, other: str) -> bool:
    """Two spellings of one word ("segmentaion", "segmentation"); the cheap upper bound first."""
    matcher = SequenceMatcher(None, word, other)
    return matcher.real_quick_ratio() >= TYPO_LIKENESS and matcher.ratio() >= TYPO_LIKENESS
