"""`sitegen lookup`: paper pages with no arXiv id → arXiv's query API → a `lookup:` block in each page.

An explicit, opt-in step: the build never touches the network, it reads what lookup recorded. Titles
go to arXiv in batches (`ti:"words" OR ti:"..."`); a result is taken only when its title is the
page's title once folded (case, spacing, hyphen spacing, a trailing period, accents, TeX), so a
follow-up paper or a title one word away is never taken: a wrong id would put another paper's PDF
and authors on the page. Each batch's pages are written as soon as its answer is read, through the
build's own atomic write (a page changed since it was read is left as the user has it), so Ctrl+C
or a failing service keeps everything found so far. Only the `lookup:` lines of a page change.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen import state
from sitegen.arxiv_api import ApiError, ArxivRecord, Client, Feed, QueryRejected
from sitegen.errors import Diagnostics, SourceError
from sitegen.output import ChangedOnDisk, kill_point, sweep_temps, write_atomic
from sitegen.pages import MACHINE_FIELDS, USER_FIELDS_NOTE, PageSource, dump_yaml, line_end, read_page
from sitegen.parse import decode
from sitegen.parse_bibtex import latex_to_text
from sitegen.yamlsource import compose_mapping

BATCH = 20  # titles a request: 230 papers in 12 requests, 2,000 in 100 (about 5 minutes at arXiv's pace)
RESULTS_PER_TITLE = 10  # results asked for per title; relevance first, so an exact title comes early
RESULTS_ALONE = 200  # for a title asked again alone because its batch's answer was cut off
REJECTED_IN_A_ROW = 3  # titles rejected alone one after another that stop the lookup (not one bad title, but every query)
Tick = Callable[[], None]


@dataclass(frozen=True)
class Wanted:
    """A page to look up: as read (its bytes too: it is replaced only while it still holds them), its title folded and as words."""

    source: PageSource
    read: bytes
    key: str
    words: str


@dataclass
class LookupSummary:
    """What a lookup did, for its summary line and exit status."""

    found: int = 0
    not_found: int = 0
    known: int = 0  # skipped: an arXiv id of its own or from a list, or looked up before (found or not) and no --refresh
    not_asked: int = 0  # no words to search for, a title two pages share, or no usable answer: asked again next time
    requests: int = 0
    seconds: float = 0.0
    stopped: str = ""  # why it could not finish ('' when it did)
    interrupted: bool = False
    changes: list[str] = field(default_factory=list)  # with --dry-run: what would be recorded


def run_lookup(site_dir: Path, diagnostics: Diagnostics, client: Client | None = None, refresh: bool = False,
               dry_run: bool = False, today: dt.date | None = None, progress: Callable[[str, int], Tick] | None = None) -> LookupSummary:
    """Look up every page with no arXiv id (and, unless `refresh`, no lookup yet); write what was found."""
    from sitegen.build import build_date, require_site

    client = client or Client()
    client.check_url()
    started = time.perf_counter()
    summary = LookupSummary()
    require_site(site_dir)
    papers_dir = site_dir / "content" / "papers"
    with nullcontext() if dry_run else state.build_lock(site_dir):
        if not dry_run:
            sweep_temps(papers_dir, site_dir)
        wanted, owners = pages_to_ask(papers_dir, refresh, diagnostics, summary)
        tick = (progress or (lambda stage, total: lambda: None))("lookup", len(wanted))
        record = Recorder(today or build_date(), dry_run, diagnostics, summary, tick, owners, site_dir)
        try:
            with stops(summary):
                ask(wanted, client, record, diagnostics)
        finally:
            summary.requests = client.requests
            summary.seconds = time.perf_counter() - started
    return summary


@contextmanager
def stops(summary: LookupSummary) -> Iterator[None]:
    """Ctrl+C or a service that keeps failing ends the lookup; what was written stays, and the summary says why."""
    try:
        yield
    except KeyboardInterrupt:
        summary.interrupted = True
    except ApiError as error:
        summary.stopped = str(error)


def pages_to_ask(papers_dir: Path, refresh: bool, diagnostics: Diagnostics, summary: LookupSummary) -> tuple[list[Wanted], dict[str, Path]]:
    """Every page with no arXiv id of its own or from a list, in file order (those looked up before only with `refresh`),
    and the page each arXiv id already on a page belongs to."""
    paths = sorted(papers_dir.glob("*.md")) if papers_dir.is_dir() else []
    if not paths:
        raise SourceError(papers_dir, None, "no paper pages to look up: run `sitegen build` first, which makes them from your lists")
    wanted: list[Wanted] = []
    owners: dict[str, Path] = {}
    for path in paths:
        data = path.read_bytes()
        source = read_page(path, decode(path, data, keep_bom=True))
        if known_id := source.arxiv or source.recorded().arxiv or source.looked_up().arxiv:
            owners.setdefault(known_id, path)
        if source.arxiv or source.recorded().arxiv:  # the user's own id, or one a list gives
            summary.known += 1
            continue
        if "lookup" in source.entries and not refresh:
            summary.known += 1
            continue
        title = str(source.entries["title"].value)
        words = query_words(title)
        if not words:
            diagnostics.warn(path, source.entries["title"].key_line, "no words in this title to search arXiv for: not looked up")
            summary.not_asked += 1
            continue
        wanted.append(Wanted(source, data, fold_title(title), words))
    shared = Counter(w.key for w in wanted)
    for item in wanted:
        if shared[item.key] > 1:
            diagnostics.warn(item.source.path, item.source.entries["title"].key_line, "another page has this title: not looked up, "
                             "since a title cannot tell which is which (write `arxiv: ID` on the page yourself)")
            summary.not_asked += 1
    return [w for w in wanted if shared[w.key] == 1], owners


def ask(wanted: list[Wanted], client: Client, record: Recorder, diagnostics: Diagnostics) -> None:
    """Ask arXiv for every wanted title, a batch a request; each batch's findings are recorded as soon as they come.

    A title missing from an answer that was cut off (more results than asked for) is asked again
    alone; an empty answer to a batch is asked once more (arXiv sometimes answers a query with no
    entries at all); a query arXiv rejects is split to find, and leave out, the title it stumbles on."""
    batches: deque[tuple[list[Wanted], bool]] = deque((wanted[i:i + BATCH], False) for i in range(0, len(wanted), BATCH))
    rejected_in_a_row = 0  # titles arXiv rejected even alone, one after another: then it rejects every query
    while batches:
        batch, again = batches.popleft()
        query = " OR ".join(f'ti:"{item.words}"' for item in batch)
        try:
            feed = client.search(query, RESULTS_ALONE if again and len(batch) == 1 else RESULTS_PER_TITLE * len(batch))
        except QueryRejected as rejected:
            if len(batch) > 1:
                batches.extendleft((part, again) for part in (batch[len(batch) // 2:], batch[:len(batch) // 2]))
            else:
                rejected_in_a_row += 1
                if rejected_in_a_row >= REJECTED_IN_A_ROW:
                    raise ApiError(f"{rejected} (for {rejected_in_a_row} titles in a row, each asked alone: "
                                   "arXiv is rejecting every query, so the lookup stops here)") from None
                diagnostics.warn(batch[0].source.path, batch[0].source.entries["title"].key_line, f"not looked up: {rejected}")
                record.tick()
            continue
        rejected_in_a_row = 0
        if not feed.records and not again:
            batches.appendleft((batch, True))
            continue
        if not feed.records and len(batch) > 1:  # twice no entry for any of several titles: a failing index, not evidence
            diagnostics.warn(batch[0].source.path, None, f"arXiv answered a batch of {len(batch)} titles (this page's and "
                             f"{len(batch) - 1} more) twice with no entries at all: they are not recorded as not found, "
                             "and the next `sitegen lookup` asks for them again")
            record.unanswered(batch)
            continue
        outcomes: list[tuple[Wanted, ArxivRecord | None]] = []
        for item in batch:
            matches = exact_matches(item, feed)
            if not matches and feed.total > len(feed.records) and not (again and len(batch) == 1):
                batches.append(([item], True))
            elif len(matches) > 1:
                diagnostics.warn(item.source.path, item.source.entries["title"].key_line, "arXiv has more than one paper with this exact "
                                 f"title ({', '.join(r.arxiv for r in matches)}): none taken (write `arxiv: ID` on the page to choose)")
                outcomes.append((item, None))
            else:
                outcomes.append((item, matches[0] if matches else None))
        record(outcomes)
        kill_point("lookup-batch")


def exact_matches(item: Wanted, feed: Feed) -> list[ArxivRecord]:
    """The answer's papers whose title is the page's title once folded, one per arXiv id."""
    return list({r.arxiv: r for r in feed.records if fold_title(r.title) == item.key}.values())


@dataclass
class Recorder:
    """Writes a batch's findings into their pages (or, dry, says what it would write), and counts them."""

    today: dt.date
    dry_run: bool
    diagnostics: Diagnostics
    summary: LookupSummary
    tick: Tick
    owners: dict[str, Path]  # arXiv id → the page that has it (its own, or found for it)
    site_dir: Path  # pages are written only inside it

    def __call__(self, outcomes: list[tuple[Wanted, ArxivRecord | None]]) -> None:
        for item, found in outcomes:
            self.tick()
            owner = self.owners.setdefault(found.arxiv, item.source.path) if found else item.source.path
            if owner != item.source.path:
                self.diagnostics.warn(item.source.path, item.source.entries["title"].key_line, f"arXiv {found.arxiv if found else ''} has "
                                      f"this exact title, and {owner} is that paper already: not recorded (merge the two pages?)")
                found = None
            if found is None:
                self.summary.not_found += 1
                earlier = item.source.entries.get("lookup")
                if earlier is not None and isinstance(earlier.value, dict) and earlier.value.get("arxiv"):
                    continue  # --refresh found nothing now: what an earlier lookup found stays
            else:
                self.summary.found += 1
            values = lookup_values(found, self.today)
            if self.dry_run:
                self.summary.changes.append(f"{item.source.path}: would record {described(found)}")
            else:
                self.write(item, values)

    def unanswered(self, batch: list[Wanted]) -> None:
        """Pages arXiv gave no usable answer for: nothing recorded, so the next lookup asks for them again."""
        for _ in batch:
            self.tick()
        self.summary.not_asked += len(batch)

    def write(self, item: Wanted, values: dict[str, Any]) -> None:
        text = with_lookup(item.source, values)
        if text is None:
            self.diagnostics.warn(item.source.path, item.source.entries["title"].key_line, "the lookup could not be recorded without "
                                  "changing your own YAML (an anchor or alias?): page left as it is")
            return
        try:
            write_atomic(item.source.path, text.encode("utf-8"), self.site_dir, expected=item.read, check=True)
        except ChangedOnDisk:
            self.diagnostics.warn(item.source.path, None, "changed while sitegen was looking it up: left as you have it (run the lookup again)")
        except OSError as error:
            self.diagnostics.warn(item.source.path, None, f"cannot write ({error.strerror or error}): what was found for it is not kept")


def lookup_values(found: ArxivRecord | None, today: dt.date) -> dict[str, Any]:
    """The `lookup:` mapping: the day, and what arXiv said (only the fields it gave)."""
    if found is None:
        return {"date": today}
    values: dict[str, Any] = {"date": today, "arxiv": found.arxiv, "authors": list(found.authors), "year": found.year,
                              "venue": found.venue, "doi": found.doi, "category": found.category}
    return {k: v for k, v in values.items() if v}


def described(found: ArxivRecord | None) -> str:
    if found is None:
        return "not found on arXiv"
    authors = ", ".join(found.authors[:3]) + (" et al." if len(found.authors) > 3 else "")
    return f"arXiv {found.arxiv} ({'; '.join(p for p in (authors, str(found.year or ''), found.venue) if p)})"


def with_lookup(source: PageSource, values: dict[str, Any]) -> str | None:
    """The page's text with its `lookup:` lines replaced (or added at the end of sitegen's part, above its note);
    None when that would change any other value (then the page is left alone)."""
    newline = "\r\n" if "\r\n" in source.yaml_text else "\n"
    block = dump_yaml({"lookup": values}).replace("\n", newline)
    yaml_text = source.yaml_text
    entry = source.entries.get("lookup")
    note = yaml_text.find(USER_FIELDS_NOTE.split("\n", 1)[0])
    if entry is not None:
        start, end = entry.start, line_end(yaml_text, entry.end)
    elif note == 0 or note > 0 and yaml_text[note - 1] == "\n":  # sitegen's note on whose is what: just above it
        start = end = note
    else:  # the user removed the note: after the last of sitegen's fields
        last = max((e for k, e in source.entries.items() if k in MACHINE_FIELDS), key=lambda e: e.end)
        start = end = line_end(yaml_text, last.end)
    changed = yaml_text[:start] + block + yaml_text[end:]
    try:
        entries = {k: e.value for k, e in compose_mapping(source.path, changed, 2).items()}
    except SourceError:
        return None
    if entries != {**{k: e.value for k, e in source.entries.items()}, "lookup": values}:
        return None
    return source.text[: source.yaml_start] + changed + source.text[source.yaml_start + len(yaml_text):]


# What arXiv's copy of a title may differ in from a list's: dashes, curly quotes (folded to one each).
FOLDED_CHARS = {**dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-"),
                **dict.fromkeys(map(ord, "\u2018\u2019\u201b`\u00b4"), "'"), **dict.fromkeys(map(ord, "\u201c\u201d\u201e"), '"')}
LATEX_MARK = re.compile(r"[$\\{}]")
HYPHEN_SPACING = re.compile(r" ?-+ ?")  # TeX's -- and --- are dashes too
PUNCTUATION_SPACING = re.compile(r" (?=[:;,.!?)\]])|(?<=[(\[]) ")
WORD = re.compile(r"[^\W_]+(?:['.][^\W_]+)*")


def plain(title: str) -> str:
    """Accents dropped and compatibility forms made plain (ﬁ → fi, 𝒪 → O, ² → 2), dashes and quotes folded."""
    decomposed = unicodedata.normalize("NFKD", title)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(FOLDED_CHARS)


def fold_title(title: str) -> str:
    """A title as compared with arXiv's: TeX made text (`$\\beta$` → β), then case, accents,
    spacing (line breaks, double spaces, around hyphens and punctuation) and a trailing period
    folded away. Words and their order still count: a title one word away is another paper."""
    text = latex_to_text(title) if LATEX_MARK.search(title) else title
    # casefold before NFKD (ᾀ and ἈΙ fold alike) and after (𝒪 is O only once plain); TeX's ``quotes'' are "quotes"
    text = " ".join(plain(text.casefold()).casefold().replace("''", '"').split())
    text = PUNCTUATION_SPACING.sub("", HYPHEN_SPACING.sub("-", text))
    return text.rstrip(". ")


def query_words(title: str) -> str:
    """The title's words for a `ti:"..."` phrase, lower case, with no punctuation (the query syntax has
    its own): Greek letters by name, as arXiv indexes `$\\beta$` ('beta'); TeX commands' names stay words."""
    text = "".join(f" {greek_name(c)} " if greek_name(c) else c for c in plain(title))
    return " ".join(WORD.findall(text.replace("\\", " "))).lower()


def greek_name(char: str) -> str:
    """'beta' for β or Β; '' for any other character."""
    name = unicodedata.name(char, "") if not char.isascii() else ""
    return name.split()[-1].lower() if name.startswith("GREEK") and "LETTER" in name else ""
