"""arXiv's query API: one polite client (paced, one connection, retries) and its Atom answer → [ArxivRecord].

arXiv's terms of use ask for at most one request every 3 seconds and a single connection at a time;
under load it answers 503, sometimes with Retry-After. The client waits 3 s after each answer ends
before it sends the next request (so requests reach arXiv at least 3 s apart whatever the answers'
sizes), waits what Retry-After asks (never less than the 3 s), and retries a timeout, a refused
connection or a bad answer with a growing pause. Clock and sleep are injected so tests check the
pacing without waiting for it.
"""

from __future__ import annotations

import email.utils
import http.client
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

import sitegen
from sitegen.errors import SitegenError
from sitegen.identifiers import ID, doi_name

API_ENV = "SITEGEN_ARXIV_API"  # the full query URL; tests and benchmarks point it at a local server
DEFAULT_API = "https://export.arxiv.org/api/query"
SPACING = 3.0  # seconds between one answer and the next request (arXiv's terms: one request every 3 s)
TIMEOUT = 30.0  # seconds without a byte before a request counts as timed out
DEADLINE = 60.0  # seconds a whole answer may take (a server trickling a byte at a time never trips TIMEOUT)
LARGEST = 20_000_000  # bytes an answer may have (200 results of a batch are about 0.5 MB)
CHUNK = 65536
ATTEMPTS = 4  # tries of one request before the lookup stops
LONGEST_WAIT = 600.0  # a Retry-After longer than this stops the lookup instead of waiting
LONGEST_GET = 2000  # characters of query string; a longer query goes as a POST body, as the API allows
ENTRY_ID = re.compile(rf"https?://arxiv\.org/abs/{ID}")  # an entry's <id>, whole: nothing before or after the arXiv id
CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[a-z]+)*)?")  # cs.CV, hep-th, math.AG, physics.acc-ph, q-bio.NC
LONGEST_CATEGORY = 40
LONGEST_VENUE = 300  # characters of journal_ref kept (a real one is under 150)
LONGEST_DOI = 200
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


class ApiError(SitegenError):
    """arXiv could not be asked, or answered something that is not a usable feed, after every retry."""


class Refused(ApiError):
    """An answer that asking again cannot change (an HTTP 4xx other than 429): not retried."""


class QueryRejected(Refused):
    """arXiv answered with its Atom error entry: the query itself is wrong (another query may do)."""


@dataclass(frozen=True)
class ArxivRecord:
    """One paper as arXiv's feed describes it ('' or () where the feed says nothing)."""

    arxiv: str  # without its version
    title: str  # as arXiv has it, line breaks folded to spaces
    authors: tuple[str, ...]
    year: int | None  # of the first version
    venue: str  # arxiv:journal_ref
    doi: str
    category: str  # the primary category, e.g. cs.CV


@dataclass(frozen=True)
class Feed:
    """An answer: its records, and how many results the query has in all (more than returned: cut off)."""

    records: tuple[ArxivRecord, ...]
    total: int


@dataclass
class Client:
    """Asks arXiv, one request at a time, paced; counts the requests it sent."""

    url: str = field(default_factory=lambda: os.environ.get(API_ENV, DEFAULT_API))
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    timeout: float = TIMEOUT
    deadline: float = DEADLINE
    largest: int = LARGEST
    spacing: float = SPACING
    requests: int = 0
    ready_at: float = 0.0  # the clock time before which no request may be sent

    def check_url(self) -> None:
        """ApiError unless the API address is an http(s) URL with a host: checked once, before any page is read."""
        try:
            parts = urllib.parse.urlsplit(self.url.strip())
            host = parts.hostname
            parts.port  # noqa: B018 - a port that is not a number raises here, not in the middle of a lookup
        except ValueError as error:
            raise ApiError(f"{API_ENV}={self.url!r} is not a URL ({error})") from None
        if parts.scheme not in ("http", "https") or not host:
            raise ApiError(f"{API_ENV}={self.url!r} is not an http:// or https:// URL with a host "
                           f"(unset it to ask arXiv itself, {DEFAULT_API})")

    def request_url(self, params: str) -> str:
        """The API address with `params` merged into the query string it may already have."""
        parts = urllib.parse.urlsplit(self.url.strip())
        query = "&".join(q for q in (parts.query, params) if q)
        return urllib.parse.urlunsplit(parts._replace(query=query, fragment=""))

    def search(self, query: str, max_results: int) -> Feed:
        """The answer to a `search_query`, relevance first; ApiError when every try failed."""
        params = urllib.parse.urlencode({"search_query": query, "start": 0, "max_results": max_results, "sortBy": "relevance"})
        problem, backoff = "", 0.0
        for attempt in range(ATTEMPTS):
            self.wait_until(self.ready_at + backoff)
            try:
                return read_feed(self.fetch(params))
            except RetryAfter as busy:
                if busy.seconds > LONGEST_WAIT:
                    raise ApiError(f"{self.url}: arXiv is busy and asks to wait {busy.seconds:.0f} s; try again later") from None
                problem, backoff = f"busy (HTTP {busy.status})", 0.0
                self.ready_at = max(self.ready_at, self.clock() + busy.seconds)
            except Refused:
                raise
            except (ApiError, OSError, http.client.HTTPException) as error:
                problem, backoff = describe(error), self.spacing * 2 ** attempt  # 3, 6, 12 s more than the pacing
        raise ApiError(f"{self.url}: {problem}, {ATTEMPTS} tries")

    def wait_until(self, when: float) -> None:
        now = self.clock()
        if when > now:
            self.sleep(when - now)

    def fetch(self, params: str) -> bytes:
        """One request's answer body (GET, or POST for a long query); the next request waits `spacing` after it."""
        post = len(params) > LONGEST_GET
        request = urllib.request.Request(
            self.request_url("" if post else params), data=params.encode() if post else None,
            headers={"User-Agent": f"sitegen/{sitegen.__version__} (sitegen lookup)"})
        if post:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        self.requests += 1
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return self.read_body(answer)
        except urllib.error.HTTPError as error:
            body = error.read()
            if error.code in (429, 503):
                raise RetryAfter(error.code, max(self.spacing, retry_after(error.headers.get("Retry-After")))) from None
            rejected = atom_error(body)
            if rejected:
                raise QueryRejected(f"{self.url}: arXiv rejected the query: {rejected}") from None
            if 400 <= error.code < 500:
                raise Refused(f"{self.url}: HTTP {error.code} {error.reason} (is the address right?)") from None
            raise ApiError(f"HTTP {error.code} {error.reason}") from None
        finally:
            self.ready_at = self.clock() + self.spacing


    def read_body(self, answer: http.client.HTTPResponse) -> bytes:
        """An answer's body, read a chunk at a time; ApiError (retried, like a timeout) past `deadline` or `largest`."""
        ends_at = time.monotonic() + self.deadline
        length = answer.headers.get("Content-Length") or ""
        if length.strip().isdigit() and int(length) > self.largest:
            raise ApiError(f"the answer was larger than {self.largest:,} bytes")
        body = bytearray()
        while chunk := answer.read1(CHUNK):
            body += chunk
            if len(body) > self.largest:
                raise ApiError(f"the answer was larger than {self.largest:,} bytes")
            if time.monotonic() > ends_at:
                raise ApiError(f"the answer took more than {self.deadline:.0f} s")
        return bytes(body)


class RetryAfter(Exception):
    """A 503 or 429: wait this many seconds, then ask again."""

    def __init__(self, status: int, seconds: float) -> None:
        super().__init__(status, seconds)
        self.status, self.seconds = status, seconds


def retry_after(value: str | None) -> float:
    """Retry-After's seconds (a number or an HTTP date); 0 when absent or unreadable."""
    if not value:
        return 0.0
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, when.timestamp() - time.time())


def describe(error: BaseException) -> str:
    """What went wrong with a request, in a few words."""
    if isinstance(error, urllib.error.URLError):
        error = error.reason if isinstance(error.reason, BaseException) else error
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "no answer in time"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, http.client.IncompleteRead):
        return "the answer was cut off"
    if isinstance(error, OSError):
        return error.strerror or str(error) or type(error).__name__
    return str(error) or type(error).__name__


def atom_error(body: bytes) -> str:
    """The message of arXiv's error feed (one entry titled 'Error'), or '' if the body is not one."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return ""
    entries = root.findall(ATOM + "entry")
    if len(entries) == 1 and (entries[0].findtext(ATOM + "title") or "").strip() == "Error":
        return " ".join((entries[0].findtext(ATOM + "summary") or "no reason given").split())
    return ""


def read_feed(body: bytes) -> Feed:
    """An answer's records; ApiError for anything that is not a whole Atom feed (an HTML page, a cut-off feed)."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        kind = "an HTML page" if body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")) else "not a whole Atom feed"
        raise ApiError(f"the answer was {kind} ({str(error).split(':')[0]})") from None
    if root.tag != ATOM + "feed":
        kind = "an HTML page" if root.tag.split("}")[-1].lower() == "html" else f"<{root.tag.split('}')[-1]}>"
        raise ApiError(f"the answer was {kind}, not an Atom feed")
    rejected = atom_error(body)
    if rejected:
        raise QueryRejected(f"arXiv rejected the query: {rejected}")
    records = tuple(record for entry in root.iter(ATOM + "entry") if (record := read_entry(entry)) is not None)
    total_text = (root.findtext(OPENSEARCH + "totalResults") or "").strip()
    return Feed(records, int(total_text) if total_text.isdigit() else len(records))


def read_entry(entry: ET.Element) -> ArxivRecord | None:
    """One <entry>; None for one whose <id> is not exactly an arXiv abs URL, or with no title. What it stores is
    checked for its form (a category that is not one, a DOI with junk around it are dropped; a venue is cut short)."""
    whole_id = ENTRY_ID.fullmatch((entry.findtext(ATOM + "id") or "").strip())
    arxiv = whole_id.group(1) if whole_id else ""
    title = " ".join((entry.findtext(ATOM + "title") or "").split())
    if not arxiv or not title:
        return None
    published = (entry.findtext(ATOM + "published") or "").strip()
    category = entry.find(ARXIV + "primary_category")
    return ArxivRecord(
        arxiv=arxiv,
        title=title,
        authors=tuple(name for author in entry.iter(ATOM + "author") if (name := " ".join((author.findtext(ATOM + "name") or "").split()))),
        year=int(published[:4]) if published[:4].isdigit() else None,
        venue=capped(" ".join((entry.findtext(ARXIV + "journal_ref") or "").split()), LONGEST_VENUE),
        doi=whole_doi(entry.findtext(ARXIV + "doi") or ""),
        category=category_term(category.get("term") or "" if category is not None else ""),
    )


def capped(text: str, longest: int) -> str:
    """`text`, or its first `longest` characters ending in an ellipsis."""
    return text if len(text) <= longest else text[:longest - 1].rstrip() + "\u2026"


def whole_doi(text: str) -> str:
    """The DOI when the text is one and nothing more (a resolver prefix aside), else ''."""
    name = doi_name(text)
    return name if name and len(name) <= LONGEST_DOI and text.strip().endswith(name) else ""


def category_term(text: str) -> str:
    """An arXiv category (cs.CV, hep-th), or '' for anything else."""
    term = text.strip()
    return term if len(term) <= LONGEST_CATEGORY and CATEGORY.fullmatch(term) else ""
