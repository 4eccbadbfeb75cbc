"""The plain, frozen records that the pipeline stages pass to each other. No I/O here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

STATUSES = ("unread", "reading", "read")
RATINGS = range(1, 6)  # `rating: 1` to `rating: 5`, shown as stars


@dataclass(frozen=True)
class ReadingList:
    """One `content/lists/*.txt` file: its identity and what its header says."""

    slug: str
    title: str
    date: dt.date | None
    description: str
    path: Path


@dataclass(frozen=True)
class ListEntry:
    """One title + abstract as it stands in a list, with the line it starts on."""

    title: str
    abstract: str
    list_slug: str
    position: int
    path: Path
    line: int
    abstract_line: int | None  # None when the abstract was cut off


@dataclass(frozen=True)
class Membership:
    """A paper's place in one reading list."""

    list_slug: str
    position: int
    date: dt.date | None


@dataclass(frozen=True)
class Paper:
    """A distinct paper after deduplication across lists."""

    key: str
    title: str
    abstract: str
    links: tuple[str, ...]
    memberships: tuple[Membership, ...]


@dataclass(frozen=True)
class TagRule:
    """One taxonomy entry: a tag and the phrases that trigger it."""

    slug: str
    title: str
    description: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class TagMatch:
    """An automatic tag and the taxonomy phrases that matched (the reason)."""

    tag: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class PaperPage:
    """A paper as its Markdown page holds it: machine fields plus the user's own."""

    slug: str
    path: Path
    title: str
    abstract: str
    links: tuple[str, ...]
    memberships: tuple[Membership, ...]
    auto_tags: tuple[TagMatch, ...]
    user_tags: tuple[str, ...]
    status: str
    notes: str
    rating: int | None = None
    extra: tuple[tuple[str, str], ...] = ()  # the user's own other keys, in page order, values as text
