"""A query's text → the papers it finds, ranked: what `sitegen search` answers and, rule for rule, what
static/search-core.js does in the browser (the tests hold the two to the same papers and scores).

A text is read in this order: `status:read` filters; arXiv ids and DOIs (`2309.16588v2`, `arXiv:…`, `doi:…`,
their addresses) find their paper; the rest is lunr's query syntax (`title:x`, `+a -b`, `trans*`, `x~1`, `x^2`,
quoted groups beside them) when it has some and parses with real fields, else plain words. Queries run
(`execute`: lunr's Index.query, scored from the postings) and are ranked (`search`) by the same rules on both sides.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any

from lunr.exceptions import QueryParseError
from lunr.query import Clause, Query, QueryPresence
from lunr.query_parser import QueryParser
from lunr.token_set import TokenSet

from sitegen.search.analyze import SEPARATOR, identifiers, is_stop_word, light_stem, normalize, query_terms, trim
from sitegen.search.index import PREFIX_MIN_LENGTH, undelta
from sitegen.search.shards import IndexFiles

SYNTAX = re.compile(r"[:*~^]|(?:^|\s)[+-]\S")
SYNTAX_MARKS = re.compile(r"[:*~^]")  # in text taken as words, these separate words
QUOTED = re.compile("\"([^\"]*)\"|\u201c([^\u201d]*)\u201d")
# A quoted group beside lunr's syntax, with its sign and field: `-"class activation"`, `+title:"vision transformers"`.
GROUP = re.compile("(^|\\s)([+-]?)((?:[^\\s:\"\u201c\u201d+-][^\\s:\"\u201c\u201d]*:)?)(?:\"([^\"]*)\"|\u201c([^\u201d]*)\u201d)")
STATUS_FILTER = re.compile(r"(^|\s)status:(\S*)", re.IGNORECASE)
MAX_WORD_LENGTH = 64  # letters; typo tolerance on a pasted 3,000-letter "word" took a minute and 1.5 GB
MAX_EDIT_DISTANCE = 2  # `graph~99` would expand to every term of the index (minutes, gigabytes): capped
MAX_WORDS = 30  # a query's words that count (the browser ranks them as bits of a 32-bit mask)
ALL_OF = 3  # a query of up to this many words finds the papers with all of them; a longer one, with more than half
K1, B = 1.2, 0.75  # lunr's BM25 defaults
INITIAL = re.compile(r"^[a-z]$")
# A citation's "et al." says nothing about the paper: dropped from a query's words ("Caron et al., 2021").
ET_AL = re.compile(r"(?:(?<=\s)|^)et\s+al(?=[\s.]|$)\.?")
# A year in a query ("Vaswani et al. 2017"): the index does not hold a paper's year, so it ranks the papers whose text
# has it but excludes none.
YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
FILED_UNDER = {"tags", "lists"}  # fields that say where a paper is filed, not what it says: they match, but rank below its text
TUNED = re.compile(r"[~^]\S*$")  # a last word with an edit distance or a boost: not a prefix
COVERAGE_STEP = 10**13  # a percent of title coverage outweighs any score (scores × 1e9 stay below 1e13)


class Searcher:
    """What queries run against: an index's base (terms, lengths, boosts) and, read when first needed,
    the shards of the terms a query's clauses expand to, of a title as typed, of an identifier; postings
    decoded once per term and field, lunr's TokenSet of the index's terms for prefix and typo expansion
    (built as lunr's Index.load builds it), and caches that outlive one query. Scores are lunr's (the
    query vector's dot product with each field's BM25 vector, over the query vector's magnitude, summed
    over fields), computed from the postings in one pass per matched term and field instead of through
    lunr's Index.query. Mirrors Searcher in search-core.js."""

    def __init__(self, index: IndexFiles) -> None:
        self.index = index
        base = index.base
        self.base: dict[str, Any] = base
        self.boosts: dict[str, int] = base["boosts"]
        self.fields: list[str] = list(base["fields"])
        self.count: int = base["count"]
        self.terms: list[str] = base["terms"]
        self.number = {t: i for i, t in enumerate(self.terms)}
        self.token_set = TokenSet.from_list(self.terms)
        self.norms: list[list[float]] = []
        for f in self.fields:
            lengths = base["lengths"][f]
            average = sum(lengths) / self.count if self.count else 0
            # A field no paper has words in (average 0) has no postings: its norms are never read.
            self.norms.append([K1 * (1 - B + B * (length / average)) if average else 0.0 for length in lengths])
        self.decoded: dict[tuple[int, int], list[int]] = {}
        self.idfs: dict[int, float] = {}
        self.expansions: dict[tuple[str, int, int], list[str]] = {}
        self.title_field = self.fields.index("title")

    def refs(self, term: int, field: int) -> list[int]:
        """A term's refs in one field, ascending."""
        key = (term, field)
        if key not in self.decoded:
            self.decoded[key] = undelta(self.index.item("terms", term)[2 * field])
        return self.decoded[key]

    def frequencies(self, term: int, field: int) -> list[int]:
        """A term's frequency in each paper of its refs in one field ([] when every one is 1)."""
        frequencies: list[int] = self.index.item("terms", term)[2 * field + 1]
        return frequencies

    def idf(self, term: int) -> float:
        """lunr's builder's idf: papers with the term in any field, counted once per field as lunr does."""
        if term not in self.idfs:
            postings = self.index.item("terms", term)
            with_term = sum(len(postings[2 * f]) for f in range(len(self.fields)))
            self.idfs[term] = math.log(1 + abs((self.count - with_term + 0.5) / (with_term + 0.5)))
        return self.idfs[term]

    def expand(self, clause: Clause) -> list[str]:
        """The index's terms a clause stands for (what lunr's Index.query looks up)."""
        key = (clause.term, clause.wildcard, clause.edit_distance)
        if key not in self.expansions:
            if len(self.expansions) > 2000:
                self.expansions.clear()
            self.expansions[key] = self.token_set.intersect(TokenSet.from_clause(clause)).to_list()
        return self.expansions[key]

    def phrase(self, stems: list[str]) -> Callable[[int], bool] | None:
        """A test of whether a paper's title has these stems in a row, stop words aside (what "phrase in
        title" ranks), made once per query from the stems' title postings and positions; None when a stem
        is in no title (no paper has the phrase). Mirrors Searcher.phrase in search-core.js."""
        parts: list[tuple[list[int], list[int | list[int]]]] = []
        for stem in stems:
            term = self.number.get(stem)
            refs = self.refs(term, self.title_field) if term is not None else []
            if term is None or not refs:
                return None
            parts.append((refs, self.index.item("terms", term)[-1]))

        def places_in(part: tuple[list[int], list[int | list[int]]], ref: int) -> list[int]:
            refs, places = part
            at = bisect.bisect_left(refs, ref)
            if at == len(refs) or refs[at] != ref:
                return []
            found = places[at]
            return [found] if isinstance(found, int) else found

        def test(ref: int) -> bool:
            return any(all(start + i in places_in(part, ref) for i, part in enumerate(parts[1:], 1)) for start in places_in(parts[0], ref))
        return test

    def status(self, ref: int) -> str:
        facets = self.index.shard("facets", 0)
        status: str = facets["status"][facets["papers"][ref][0]]
        return status


def load_searcher(path: Path) -> Searcher:
    """Read a built `search-index.js` back (its shards as queries need them): what `sitegen search` answers from."""
    return Searcher(IndexFiles(path))


@dataclass(frozen=True)
class QueryWord:
    """One word of a plain-text query (stop words never are one) and the terms that count as finding it."""

    stem: str
    whole: str | None  # the stem of the hyphenated name it is part of ("wiseft")
    prefix: str | None  # the word being typed (the last), matched as a prefix
    head: str | None  # the longest indexed stem an unknown word being typed begins with ("learnin" → "learn")
    fuzzy: bool  # an unknown word of 5+ letters: one edit away counts (typos)
    required: bool  # inside quotes
    stop_word: bool  # kept only as the first word, being typed, or as a name
    name: bool  # a stop word some author's name has ("Kaiming He"): only names have it; it ranks, but is never needed
    initial: bool  # one letter ("N. Jiang"): an author's initial, matched in the author field only
    year: bool  # `2021`: it ranks, but a paper without it still matches
    known: bool  # the index has its stem, or words that begin with it (being typed); a stem it begins with is only a guess

    def found_by(self, term: str) -> bool:
        return (term in (self.stem, self.whole, self.head) or (self.prefix is not None and term.startswith(self.prefix))
                or (self.fuzzy and one_edit_apart(term, self.stem)))


def one_edit_apart(a: str, b: str) -> bool:
    """At most one insertion, deletion, substitution or swap of neighbours: what lunr's `~1` finds."""
    if abs(len(a) - len(b)) > 1:
        return False
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    a, b = a[start:], b[start:]
    return (a[1:] == b[1:] or a[1:] == b or a == b[1:]
            or (len(a) >= 2 and len(a) == len(b) and a[0] == b[1] and a[1] == b[0] and a[2:] == b[2:]))


def without_et_al(text: str, quoted: bool) -> str:
    """An unquoted segment without citations' "et al." (a quoted one is kept as typed)."""
    return text if quoted else ET_AL.sub(" ", text)


def plain_words(searcher: Searcher, text: str) -> list[QueryWord]:
    """The query's words (stop words dropped), with what each may match. Quoted words are required. The word
    being typed matches the words that begin with it; only when none does is it taken as a typo (or a stem
    with more typed after it)."""
    boosts = searcher.boosts
    chunks = [(chunk, i % 3 != 0) for i, segment in enumerate(QUOTED.split(text)) if segment
              for chunk in SYNTAX_MARKS.sub(" ", without_et_al(normalize(segment), i % 3 != 0)).split(" ") if chunk]
    parts_of = [([trim(p) for p in chunk.split("-") if trim(p)], quoted) for chunk, quoted in chunks]
    last = max((i for i, (parts, _) in enumerate(parts_of) if parts), default=-1)
    # One letter is an author's initial only beside another word ("N. Jiang"); typed alone, it is the first
    # keystroke of a word, matched as a prefix whatever the shortest prefix otherwise is, on a site where prefixes
    # can be that short (below 2,000 papers: at 100,000, "r*" loaded 2.5 MB of shards and doubled the first keystroke).
    lone = sum(len(parts) for parts, _ in parts_of) == 1
    first_keystroke = lone and boosts["prefixMinLength"] <= min(PREFIX_MIN_LENGTH.values())
    words: list[QueryWord] = []
    for i, (parts, quoted) in enumerate(parts_of):
        whole = light_stem("".join(parts)) if len(parts) > 1 else None
        for j, part in enumerate(parts):
            typing = i == last and j == len(parts) - 1 and not quoted and not text.endswith(" ")
            stem = light_stem(part)
            # A stop word is a word of the query only as the first being typed, or as a name some author has ("He").
            name = is_stop_word(part) and not (typing and len(words) == 0)
            if name and stem not in searcher.number:
                continue
            known = stem in searcher.number
            length = len(part)
            tolerant = length <= MAX_WORD_LENGTH  # a longer "word" is matched exactly: no typo, prefix or head work
            prefix = part if typing and tolerant and not name and (length >= boosts["prefixMinLength"] or first_keystroke) else None
            # (expanded as the query's prefix clause will be: the same cached expansion)
            begins_words = prefix is not None and bool(searcher.expand(Clause(term=prefix + "*", wildcard=Query.WILDCARD_TRAILING)))
            head = None
            if typing and not known and tolerant and not begins_words:
                head = next((part[:end] for end in range(length - 1, boosts["stemPrefixMinLength"] - 1, -1)
                             if part[:end] in searcher.number), None)
            fuzzy = (tolerant and not known and not quoted and not begins_words and length >= boosts["fuzzyMinLength"]
                     and not is_stop_word(part))
            words.append(QueryWord(stem=stem, whole=whole, prefix=prefix, head=head, fuzzy=fuzzy, required=quoted and not name,
                                   stop_word=is_stop_word(part), name=name, initial=not lone and bool(INITIAL.match(part)),
                                   year=bool(YEAR.match(part)), known=known or begins_words))
    return words[:MAX_WORDS]


def plain_query(searcher: Searcher, words: list[QueryWord]) -> Query:
    """Each word's exact stem (and its hyphenated whole), a prefix for the word being typed,
    the indexed stem an unknown word begins with, and one-edit typos of an unknown word."""
    boosts = searcher.boosts
    query = Query(searcher.fields)
    for word in words:
        presence = QueryPresence.REQUIRED if word.required else QueryPresence.OPTIONAL
        query.term(word.stem, boost=boosts["exact"], use_pipeline=False, presence=presence, fields=["author"] if word.initial else None)
        if word.whole:
            query.term(word.whole, boost=boosts["exact"], use_pipeline=False)
        if word.prefix and not word.initial:
            query.term(word.prefix, boost=boosts["prefix"], wildcard=Query.WILDCARD_TRAILING, use_pipeline=False)
        if word.head:
            query.term(word.head, boost=boosts["prefix"], use_pipeline=False)
        if word.fuzzy:
            query.term(word.stem, boost=boosts["fuzzy"], edit_distance=1, use_pipeline=False)
    return query


def words_needed(words: list[QueryWord]) -> tuple[int, int]:
    """Which of a query's words count (a mask: the words the index knows, initials aside; a typo or a word no
    paper has only ranks) and how many of them a paper must have: all of a short query, more than half of a long
    one (a pasted title, a remembered description), so that one shared word is not a match."""
    counted = sum(1 << i for i, w in enumerate(words) if w.known and not w.initial and not w.year and not w.name)
    n = counted.bit_count()
    return counted, n if n <= ALL_OF else n // 2 + 1


def quoted_groups(text: str) -> tuple[str, list[list[str]]]:
    """The text with each quoted group beside lunr's syntax made lunr's: its words each required (`+word`,
    with the group's field, a trailing `*` kept), or, after a minus, one excluded word (`-word`), or, for a
    group of several words, an excluded group (a paper with all of them is left out); stop words dropped."""
    excluded: list[list[str]] = []

    def replace(match: re.Match[str]) -> str:
        space, sign, field_name = match[1], match[2], match[3]
        pieces = [trim(p) + ("*" if p.endswith("*") else "") for p in SEPARATOR.split(normalize(match[4] if match[4] is not None else match[5]))]
        words = [f"{field_name}{p}" for p in pieces if trim(p) and not is_stop_word(trim(p))]
        if sign == "-" and len(words) > 1:
            excluded.append(words)
            return space
        return space + " ".join(("-" if sign == "-" else "+") + w for w in words)
    return GROUP.sub(replace, text), excluded


def syntax_clauses(searcher: Searcher, text: str) -> Query | None:
    """lunr's parse of a text, its terms stemmed as the index's are; None where it does not parse with real fields."""
    query = Query(searcher.fields)
    try:
        QueryParser(normalize(text), query).parse()
    except QueryParseError:
        return None
    for clause in query.clauses:
        if clause.use_pipeline:
            clause.term, clause.use_pipeline = light_stem(trim(clause.term)), False
        clause.edit_distance = min(clause.edit_distance, MAX_EDIT_DISTANCE) if len(clause.term) <= MAX_WORD_LENGTH else 0
    return query


def syntax_query(searcher: Searcher, text: str) -> tuple[Query, list[list[Clause]]] | None:
    """lunr's query syntax (`title:x`, `+a -b`, `trans*`, `x~1`, `x^2`, quoted groups beside them), when the text
    has some and it parses with real fields: the query and its excluded groups; otherwise None, and the text is
    taken as words. The last word, being typed (no space after it), matches as a prefix (`author:jia`)."""
    if not SYNTAX.search(text):
        return None
    rewritten, groups = quoted_groups(text)
    query = syntax_clauses(searcher, rewritten)
    excluded = [syntax_clauses(searcher, " ".join(group)) for group in groups]
    if query is None or any(group is None for group in excluded):
        return None
    if not query.clauses and not excluded:  # lunr.js would return every paper, lunr.py none: taken as words instead
        return None
    last = query.clauses[-1] if query.clauses else None
    typing = trim(text[-1:]) != "" and not TUNED.search(text)
    if (last is not None and typing and last.presence != QueryPresence.PROHIBITED and not last.edit_distance
            and not last.term.endswith("*") and searcher.boosts["prefixMinLength"] <= len(last.term) <= MAX_WORD_LENGTH):
        last.term += "*"
    return query, [group.clauses for group in excluded if group is not None]


@dataclass
class Run:
    """What lunr's Index.query finds for a query, from the postings: the papers, their scores, and
    which query words their matched terms find (bit masks), in the title and in the notes."""

    refs: list[int]
    scores: list[float]
    found: dict[int, int]
    exact: dict[int, int]
    in_title: dict[int, int]
    in_notes: set[int]
    in_text: dict[int, int]  # the words found in the paper's own text: any field but its tags and lists
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (term, field) pairs that matched, in the order lunr first meets them


def execute(searcher: Searcher, query: Query, words: list[QueryWord]) -> Run:
    """lunr's Index.query(query), from the postings; lunr's rules kept: a required clause must match in
    any of its fields, a prohibited one in none, a query of prohibited clauses only returns every other
    paper. Mirrors execute() in search-core.js, term for term, so the scores are the same floats."""
    field_of = {f: i for i, f in enumerate(searcher.fields)}
    vectors: list[dict[int, float]] = [{} for _ in searcher.fields]  # the query vector, by field: term → boost
    pairs: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    required, required_hits = 0, Counter[int]()
    prohibited: set[int] = set()
    for clause in query.clauses:
        expanded = searcher.expand(clause)
        if not expanded and clause.presence == QueryPresence.REQUIRED:
            return Run([], [], {}, {}, {}, set(), {})
        in_clause: set[int] = set()
        for name in expanded:
            term = searcher.number[name]
            for field_number in (field_of[f] for f in clause.fields):
                refs = searcher.refs(term, field_number)
                if clause.presence == QueryPresence.REQUIRED:
                    in_clause.update(refs)
                if clause.presence == QueryPresence.PROHIBITED:
                    prohibited.update(refs)
                    continue
                vectors[field_number][term] = vectors[field_number].get(term, 0) + clause.boost
                if (term, field_number) not in seen:
                    seen.add((term, field_number))
                    pairs.append((term, field_number))
        if clause.presence == QueryPresence.REQUIRED:
            required += 1
            required_hits.update(in_clause)
    masks: dict[int, tuple[int, int]] = {}
    for term, _ in pairs:
        if term not in masks:
            name = searcher.terms[term]
            masks[term] = (sum(1 << i for i, w in enumerate(words) if w.found_by(name)),
                           sum(1 << i for i, w in enumerate(words) if name in (w.stem, w.whole)))
    sums: list[dict[int, float]] = [{} for _ in searcher.fields]
    found: dict[int, int] = {}
    exact: dict[int, int] = {}
    in_title: dict[int, int] = {}
    in_notes: set[int] = set()
    in_text: dict[int, int] = {}
    title, notes = field_of.get("title"), field_of.get("notes")
    own = [f not in FILED_UNDER for f in searcher.fields]
    # One pass over each matched (term, field) posting; within a field, terms in index order, as lunr's dot product adds them.
    for term, field_number in sorted(pairs, key=lambda pair: (pair[1], pair[0])):
        boost, idf, field_boost = vectors[field_number][term], searcher.idf(term), searcher.base["fields"][searcher.fields[field_number]]
        refs, norms, total = searcher.refs(term, field_number), searcher.norms[field_number], sums[field_number]
        tfs = searcher.frequencies(term, field_number) or [1] * len(refs)
        found_mask, exact_mask = masks[term]
        for ref, tf in zip(refs, tfs):
            total[ref] = total.get(ref, 0.0) + boost * (idf * ((K1 + 1) * tf) / (norms[ref] + tf) * field_boost)
            found[ref] = found.get(ref, 0) | found_mask
            exact[ref] = exact.get(ref, 0) | exact_mask
            if field_number == title:
                in_title[ref] = in_title.get(ref, 0) | found_mask
            if field_number == notes:
                in_notes.add(ref)
            if own[field_number]:
                in_text[ref] = in_text.get(ref, 0) | found_mask
    magnitudes = [math.sqrt(sum(vector[t] * vector[t] for t in sorted(vector))) for vector in vectors]
    negated = all(c.presence == QueryPresence.PROHIBITED for c in query.clauses)
    out, scores = [], []
    for ref in range(searcher.count) if negated else sorted(found):
        if (required and required_hits[ref] != required) or ref in prohibited:
            continue
        score = 0.0
        for f, magnitude in enumerate(magnitudes):
            if magnitude and ref in sums[f]:
                score += sums[f][ref] / magnitude
        out.append(ref)
        scores.append(score)
    return Run(out, scores, found, exact, in_title, in_notes, in_text, pairs)


def having_all(searcher: Searcher, clauses: list[Clause]) -> set[int]:
    """The papers that have every clause's term (in one of its fields): what an excluded group leaves out."""
    field_of = {f: i for i, f in enumerate(searcher.fields)}
    having: set[int] | None = None
    for clause in clauses:
        refs = {ref for name in searcher.expand(clause) for f in clause.fields for ref in searcher.refs(searcher.number[name], field_of[f])}
        having = refs if having is None else having & refs
    return having or set()


Executor = Callable[[Searcher, Query, list[QueryWord]], Run]


@dataclass(frozen=True)
class ParsedQuery:
    """A query's text as read: its filters and identifiers taken out, then lunr's clauses and the words they stand for."""

    text: str  # what is left once `status:` filters and identifiers are taken out
    statuses: frozenset[str]  # `status:read`: only papers of these statuses
    identifiers: tuple[str, ...]  # `arxiv:2309.16588`, `doi:10.…` keys
    query: Query | None  # lunr's clauses (None: no words)
    words: list[QueryWord]  # of a plain-text query ([] for lunr's syntax)
    excluded: list[list[Clause]]  # groups of clauses a paper with all of is left out (`-"class activation"`)


def parse(searcher: Searcher, text: str) -> ParsedQuery:
    """Filters, then identifiers, then lunr's syntax where it parses, else words."""
    statuses = frozenset(m[2].lower() for m in STATUS_FILTER.finditer(text) if m[2])
    keys, rest = identifiers(STATUS_FILTER.sub(r"\1", text))
    parsed = syntax_query(searcher, rest)
    if parsed:
        return ParsedQuery(rest, statuses, tuple(keys), parsed[0], [], parsed[1])
    words = plain_words(searcher, rest)
    return ParsedQuery(rest, statuses, tuple(keys), plain_query(searcher, words) if words else None, words, [])


def matches(searcher: Searcher, parsed: ParsedQuery, run: Run, by_id: list[int]) -> list[tuple[int, float]]:
    """The run's papers that stay, with their scores: enough of the words (`words_needed`), in no excluded group,
    of a status asked for, and not already found by an identifier."""
    left_out = set().union(*(having_all(searcher, group) for group in parsed.excluded), by_id)
    counted, enough = words_needed(parsed.words)
    return [(ref, score) for ref, score in zip(run.refs, run.scores)
            if ref not in left_out and (run.found.get(ref, 0) & counted).bit_count() >= enough
            and (not parsed.statuses or searcher.status(ref) in parsed.statuses)]


def ranked(searcher: Searcher, parsed: ParsedQuery, run: Run, kept: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """The matches best first: the title exactly as typed; then how many of the query's words a paper has (names
    that are stop words aside: how many of those next); how many exactly (a word a paper is tagged with says more than a
    longer word that begins with it); how many in its own text (not only in its tags or lists: where a paper is filed
    says less than what it says); the words as a phrase in the title; how many in the title; how much of
    a title with every word they cover; lunr's score; ref."""
    words, text = parsed.words, parsed.text
    wanted = " ".join(query_terms(text))
    # The words but names that are stop words ("He"): only names have those, never a title.
    own = sum(1 << i for i, w in enumerate(words) if not w.name)
    stems = [w.stem for w in words if not w.name]
    # A title exactly as typed holds every word's stem, as does a phrase in it: when each word is a whole
    # term of the text (no stop word, no syntax mark splitting one), only papers with every word in the
    # title are looked at. The papers of a title as typed are looked up once (one `typed` shard); a phrase
    # is found from the title stems' positions in the postings.
    words_are_terms = bool(words) and not SYNTAX_MARKS.search(normalize(text)) and not any(w.stop_word for w in words)
    looked_at = bool(kept) and (not words_are_terms or any(run.in_title.get(ref, 0) == own for ref, _ in kept))
    typed = set(searcher.index.keyed("typed", wanted)) if looked_at else set()
    in_phrase_of = searcher.phrase(stems) if len(stems) > 1 and kept else None
    covered = title_coverage(searcher, parsed.query) if kept else {}
    keyed = []
    for ref, score in kept:
        found, in_title = run.found.get(ref, 0), run.in_title.get(ref, 0)
        all_in_title = in_title == own
        as_typed = (all_in_title or not words_are_terms) and ref in typed
        in_phrase = in_phrase_of is not None and all_in_title and in_phrase_of(ref)
        key = (not as_typed, -(found & own).bit_count(), -(found & ~own).bit_count(), -(run.exact.get(ref, 0) & found & own).bit_count(),
               -(run.in_text.get(ref, 0) & own).bit_count(), not in_phrase, -in_title.bit_count(),
               # Scores are rounded for ordering (lunr.js and lunr.py may differ in the last bits of a logarithm), after
               # the title's coverage: one number, as search-core.js has them (exact in a double: at most 1e15 + 1e13).
               -((covered.get(ref, 0) if all_in_title else 0) * COVERAGE_STEP + math.floor(score * 1e9 + 0.5)), ref)
        keyed.append((key, ref, score))
    return [(ref, score) for _, ref, score in sorted(keyed)]


def title_coverage(searcher: Searcher, query: Query | None) -> dict[int, int]:
    """How much of each paper's title the query's terms are, in percent (floored, so that both engines agree): of
    two titles with the words asked for, the one with fewer other words is more nearly what was asked for
    ("Network In Network" for "network network"). Counted from the title postings of the terms the clauses expand
    to, whatever ran the query. Mirrors titleCoverage in search-core.js."""
    title = searcher.title_field
    terms = {searcher.number[name] for clause in (query.clauses if query else []) if clause.presence != QueryPresence.PROHIBITED
             and "title" in clause.fields for name in searcher.expand(clause)}
    hits: Counter[int] = Counter()
    for term in terms:
        refs = searcher.refs(term, title)
        hits.update(dict(zip(refs, searcher.frequencies(term, title) or [1] * len(refs))))
    lengths = searcher.base["lengths"]["title"]
    return {ref: hit * 100 // lengths[ref] for ref, hit in hits.items()}


def search(searcher: Searcher, text: str, run_query: Executor = execute) -> list[tuple[int, float]]:
    """(ref, score), best first: the papers of an identifier in the text, then the matches `ranked`. `run_query` is
    how lunr's query is run (the tests pass lunr's own Index.query). Mirrors search() in search-core.js."""
    parsed = parse(searcher, text)
    by_id = list(dict.fromkeys(ref for key in parsed.identifiers for ref in searcher.index.keyed("ids", key)))
    by_id = [ref for ref in by_id if not parsed.statuses or searcher.status(ref) in parsed.statuses]
    if parsed.query is not None:
        run = run_query(searcher, parsed.query, parsed.words)
    else:  # no words: a status filter alone lists its papers, in title order
        everything = list(range(searcher.count)) if parsed.statuses and not parsed.identifiers else []
        run = Run(everything, [0.0] * len(everything), {}, {}, {}, set(), {})
    score_of = dict(zip(run.refs, run.scores))
    return [(ref, score_of.get(ref, 0.0)) for ref in by_id] + ranked(searcher, parsed, run, matches(searcher, parsed, run, by_id))
