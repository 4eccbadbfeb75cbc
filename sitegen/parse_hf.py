"""A Hugging Face papers API response saved to a `.json` list → [ListEntry].

Accepts the daily-papers shape (objects wrapping a `paper`), the search shape (bare paper objects)
and one paper object (`/api/papers/<id>`). Each entry's line is where its object starts in the file.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sitegen.errors import Diagnostics, SourceError
from sitegen.identifiers import ARXIV_FORMS, arxiv_id
from sitegen.records import Bibliographic, ListEntry


def parse_hf(path: Path, slug: str, text: str, diagnostics: Diagnostics) -> tuple[dt.date | None, list[ListEntry]]:
    """The entries of a saved response, and the day of the daily page it is (None for other endpoints)."""
    items = top_level_items(path, text)
    refuse_error_body(path, items)
    entries: list[ListEntry] = []
    days: list[dt.date] = []
    for line, item in items:
        if not isinstance(item, dict):
            diagnostics.warn(path, line, "skipped: not a paper object")
            continue
        wrapped = item.get("paper")
        paper: dict[str, Any] = wrapped if isinstance(wrapped, dict) else item
        day = iso_date(item.get("publishedAt")) if isinstance(wrapped, dict) else None
        if day is not None:
            days.append(day)
        title = folded(paper.get("title") or item.get("title"))
        if not title:
            diagnostics.warn(path, line, "skipped a paper with no title")
            continue
        abstract = folded(paper.get("summary") or item.get("summary"))
        if not abstract:
            diagnostics.note(path, line, f"'{title}' has no abstract")
        published = iso_date(paper.get("publishedAt"))
        given_id = str(paper.get("id") or "")
        if given_id and not arxiv_id(given_id):
            diagnostics.warn(path, line, f"'{title}': id {given_id!r} is not an arXiv id ({ARXIV_FORMS}): not linked to arXiv")
        biblio = Bibliographic(
            arxiv=arxiv_id(given_id),
            authors=author_names(paper.get("authors")),
            year=published.year if published else None,
            code=text_or_empty(paper.get("githubRepo")),
            project=text_or_empty(paper.get("projectPage")),
        )
        entries.append(ListEntry(title, abstract, slug, len(entries) + 1, path, line, line if abstract else None, biblio))
    return (max(days) if days else None), entries


# Where an API's error body puts what it says: `{"error": "Invalid date format"}` and its kin.
ERROR_KEYS = ("error", "errors", "message", "detail")


def refuse_error_body(path: Path, items: list[tuple[int, Any]]) -> None:
    """A saved response that is an error, not papers: one line naming the file and what the service said."""
    if len(items) != 1 or not isinstance(items[0][1], dict):
        return
    line, item = items[0]
    if "title" in item or "paper" in item:
        return
    said = next((item[key] for key in ERROR_KEYS if item.get(key)), None)
    if said is not None:
        what = said if isinstance(said, str) else json.dumps(said, ensure_ascii=False)
        raise SourceError(path, line, f"the Hugging Face API answered with an error, not papers: {shorten(what)} (save a response that lists papers)")
    keys = ", ".join(sorted(map(str, item))[:6]) or "none"
    raise SourceError(path, line, f"not a Hugging Face papers API response: an object with no paper in it (its keys: {shorten(keys)})")


def shorten(text: str, width: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def author_names(authors: object) -> tuple[str, ...]:
    """The `name` of each author object, in order; anything else in the list is ignored."""
    if not isinstance(authors, list):
        return ()
    return tuple(name for a in authors if isinstance(a, dict) and (name := folded(a.get("name"))))


def top_level_items(path: Path, text: str) -> list[tuple[int, Any]]:
    """Each element of the top-level array (or the one object) with the line it starts on."""
    decoder = json.JSONDecoder(parse_int=bounded_int, parse_constant=no_constant)
    index = 0  # where the item being decoded starts, for the error's line
    try:
        start = len(text) - len(text.lstrip())
        if text[start:start + 1] != "[":
            value, end = decoder.raw_decode(text, start)
            if text[end:].strip():
                raise json.JSONDecodeError("extra data after the JSON value", text, end)
            if not isinstance(value, dict):
                raise SourceError(path, 1, "expected a Hugging Face papers API response (a JSON array or object)")
            return [(line_of(text, start), plain_text(path, line_of(text, start), value))]
        items = []
        index = start + 1
        line, counted = 1, 0  # newlines counted up to `counted`: lines found in one pass, not one per item
        while True:
            index = skip_space(text, index)
            if text[index:index + 1] == "]":
                break
            item, end = decoder.raw_decode(text, index)
            line, counted = line + text.count("\n", counted, index), index
            items.append((line, plain_text(path, line, item)))
            index = skip_space(text, end)
            if text[index:index + 1] == ",":
                index += 1
            elif text[index:index + 1] != "]":
                raise json.JSONDecodeError("expected ',' or ']'", text, index)
        if text[index + 1:].strip():
            raise json.JSONDecodeError("extra data after the JSON array", text, index + 1)
        return items
    except json.JSONDecodeError as error:
        raise SourceError(path, error.lineno, f"not valid JSON: {error.msg}") from None
    except RecursionError:  # the decoder recurses per level: a hostile file nests thousands deep
        raise SourceError(path, line_of(text, index), "JSON nested too deep to be a papers API response") from None
    except ValueError as error:  # bounded_int, no_constant
        raise SourceError(path, line_of(text, index), f"not usable JSON: {error}") from None


MAX_DIGITS = 1000  # a number of an API response has a few; past 4,300 Python cannot even read it


def bounded_int(digits: str) -> int:
    if len(digits) > MAX_DIGITS:
        raise ValueError(f"a number of {len(digits):,} digits")
    return int(digits)


def no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def plain_text(path: Path, line: int, item: Any) -> Any:
    """The item, if every text in it is Unicode text: JSON may spell half a character (a lone surrogate
    escape such as \\ud83d), which no page, file or terminal can hold."""
    try:
        json.dumps(item, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:
        bad = error.object[error.start:error.end]
        raise SourceError(path, line, f"an escape {bad.encode('unicode_escape').decode()} that is half a character (a lone "
                          "surrogate): not text; fix or remove it") from None
    return item


def skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def folded(value: object) -> str:
    """Text with its line breaks and runs of spaces folded to single spaces (the API wraps long titles)."""
    return " ".join(value.split()) if isinstance(value, str) else ""


def text_or_empty(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def iso_date(value: object) -> dt.date | None:
    """The date of an ISO 8601 timestamp such as '2023-09-28T17:59:05.000Z'."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
