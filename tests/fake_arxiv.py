"""A stand-in for arXiv's query API on 127.0.0.1, for tests and benchmarks (never the real service).

It answers `search_query=ti:"..." OR ti:"..."` (GET or POST) in the real API's Atom shape, made after
the examples in arXiv's API user manual: titles wrapped over lines with two-space indents, versioned
ids (`http://arxiv.org/abs/2309.16588v2`), arxiv:journal_ref, arxiv:doi, the pdf link, primary and
other categories, opensearch counts. A phrase matches every title holding its words in a row (as
arXiv's does: near misses come back too); results go shortest title first, cut at max_results.
Scripted faults (503 with Retry-After, a cut-off or HTML answer, an error entry, a slow answer)
are served one per request, in order, before normal answers resume.
"""

from __future__ import annotations

import http.server
import re
import threading
import time
import unicodedata
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr


@dataclass(frozen=True)
class FakePaper:
    arxiv: str  # with its version, as the feed's <id> has it: "2309.16588v2"
    title: str  # as the authors typed it (may hold TeX)
    authors: tuple[str, ...] = ("Ada Lovelace", "Alan Turing")
    published: str = "2023-09-28T17:59:56Z"
    journal_ref: str = ""
    doi: str = ""
    category: str = "cs.CV"


@dataclass(frozen=True)
class Fault:
    """One scripted answer: kind is '503', '429', 'truncated', 'html', 'error', 'slow', 'trickle', 'empty' or 'ok' (a normal one)."""

    kind: str
    retry_after: str = ""


def tokens(text: str) -> list[str]:
    """Words as arXiv's index sees them: lower case, accents and TeX punctuation gone, stemmed (crudely:
    a plural's s dropped, so 'Transformer' finds 'Transformers' as arXiv's stemming does)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in re.findall(r"[^\W_]+", plain.lower())]


def wrapped(title: str, width: int = 60) -> str:
    """A title as arXiv's Atom has it: broken over lines, each continuation indented two spaces."""
    lines, line = [], ""
    for word in title.split():
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n  ".join(lines)


def entry_xml(paper: FakePaper) -> str:
    base = paper.arxiv.rsplit("v", 1)[0]
    extra = ""
    if paper.journal_ref:
        extra += f"\n    <arxiv:journal_ref xmlns:arxiv=\"http://arxiv.org/schemas/atom\">{escape(paper.journal_ref)}</arxiv:journal_ref>"
    if paper.doi:
        extra += f"\n    <arxiv:doi xmlns:arxiv=\"http://arxiv.org/schemas/atom\">{escape(paper.doi)}</arxiv:doi>"
        extra += f"\n    <link title=\"doi\" href=\"http://dx.doi.org/{escape(paper.doi)}\" rel=\"related\"/>"
    authors = "".join(f"\n    <author>\n      <name>{escape(a)}</name>\n    </author>" for a in paper.authors)
    return f"""  <entry>
    <id>http://arxiv.org/abs/{paper.arxiv}</id>
    <updated>2023-10-01T10:00:00Z</updated>
    <published>{paper.published}</published>
    <title>{escape(wrapped(paper.title))}</title>
    <summary>  We study {escape(paper.title)}, and
  show what it does.
</summary>{authors}{extra}
    <link href="http://arxiv.org/abs/{paper.arxiv}" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{paper.arxiv}" rel="related" type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term={quoteattr(paper.category)} scheme="http://arxiv.org/schemas/atom"/>
    <category term={quoteattr(paper.category)} scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
"""


def feed_xml(query: str, papers: list[FakePaper], total: int, start: int) -> str:
    entries = "".join(entry_xml(p) for p in papers)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?search_query%3D{urllib.parse.quote(query)}" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: search_query={escape(query)}</title>
  <id>http://arxiv.org/api/cHxbiOdZaP56ODnBPIenZhzg5f8</id>
  <updated>2023-10-02T00:00:00-04:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{total}</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{start}</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{len(papers)}</opensearch:itemsPerPage>
{entries}</feed>
"""


ERROR_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title xmlns="http://www.w3.org/2005/Atom">ArXiv Query: search_query=&amp;id_list=&amp;start=0&amp;max_results=10</title>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345</id>
    <title>Error</title>
    <summary>incorrect id format for 1234.12345</summary>
    <updated>2007-10-12T00:00:00-04:00</updated>
    <link href="http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345" rel="alternate" type="text/html"/>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>
</feed>
"""

HTML_PAGE = "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body><h1>Down for maintenance</h1></body></html>"


@dataclass
class FakeArxiv:
    """The server's state: what it knows, what it was asked and when, and the faults still to serve."""

    papers: list[FakePaper]
    clock: Callable[[], float] = time.monotonic  # the clock request times are read from (a test's fake one, or real)
    faults: list[Fault] = field(default_factory=list)
    asked: list[tuple[float, str, str, int]] = field(default_factory=list)  # (time, method, search_query, max_results)
    release: threading.Event = field(default_factory=threading.Event)  # ends a 'slow' answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, query: str, max_results: int, start: int) -> str:
        phrases = [tokens(p) for p in re.findall(r'ti:"([^"]*)"', query)]
        scored = []
        for paper in self.papers:
            words = tokens(paper.title)
            if any(p and any(words[i:i + len(p)] == p for i in range(len(words) - len(p) + 1)) for p in phrases):
                scored.append((len(words), paper.arxiv, paper))
        found = [p for _, _, p in sorted(scored, key=lambda s: (s[0], s[1]))]
        return feed_xml(query, found[start:start + max_results], len(found), start)


def make_handler(fake: FakeArxiv) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self.respond(urllib.parse.urlsplit(self.path).query, "GET")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.respond(self.rfile.read(length).decode(), "POST")

        def respond(self, query_string: str, method: str) -> None:
            if urllib.parse.urlsplit(self.path).path != "/api/query":
                self.send(404, HTML_PAGE, "text/html")
                return
            params = urllib.parse.parse_qs(query_string)
            query = params.get("search_query", [""])[0]
            max_results = int(params.get("max_results", ["10"])[0])
            start = int(params.get("start", ["0"])[0])
            with fake.lock:
                fake.asked.append((fake.clock(), method, query, max_results))
                fault = fake.faults.pop(0) if fake.faults else None
            if fault is None or fault.kind in ("ok", "empty"):
                body = feed_xml(query, [], 0, start) if fault and fault.kind == "empty" else fake.answer(query, max_results, start)
                self.send(200, body, "application/atom+xml; charset=utf-8")
            elif fault.kind in ("503", "429"):
                self.send(int(fault.kind), HTML_PAGE, "text/html", {"Retry-After": fault.retry_after} if fault.retry_after else {})
            elif fault.kind == "truncated":
                body = fake.answer(query, max_results, start)
                self.send(200, body[: len(body) * 2 // 3], "application/atom+xml")
            elif fault.kind == "html":
                self.send(200, HTML_PAGE, "text/html")
            elif fault.kind == "error":
                self.send(400, ERROR_FEED, "application/atom+xml")
            elif fault.kind == "trickle":  # a byte at a time, each well within the read timeout, until the test is done
                data = fake.answer(query, max_results, start).encode("utf-8")
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/atom+xml")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    for i in range(len(data)):
                        self.wfile.write(data[i:i + 1])
                        self.wfile.flush()
                        if not fake.release.wait(0.02):
                            continue
                        self.wfile.write(data[i + 1:])
                        break
                except (BrokenPipeError, ConnectionResetError):
                    pass
            elif fault.kind == "slow":
                fake.release.wait(30)  # the client gives up first; the test sets `release` when it is done
                self.send(200, fake.answer(query, max_results, start), "application/atom+xml")

        def send(self, status: int, body: str, kind: str, headers: dict[str, str] | None = None) -> None:
            data = body.encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting

    return Handler


class FakeArxivServer:
    """The fake API served from a thread on 127.0.0.1 (a free port); `url` is its query URL."""

    def __init__(self, fake: FakeArxiv) -> None:
        self.fake = fake
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/query"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeArxivServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.fake.release.set()
        self.server.shutdown()
        self.server.server_close()
