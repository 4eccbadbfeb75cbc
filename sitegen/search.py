"""Catalog → search payload (postings, term frequencies, title positions and a small document store) →
`search-index.js` and the shards of `search-index/`.

The browser loads the base script and, as queries need them, its shards (classic scripts: fetch and
modules fail from file://), and queries them with lunr.js 2.3.9; `sitegen search` reads the same files.
At 100,000 papers one script holding everything was ~100 MB: three seconds before the first results.
Everything both sides must agree on lives in the scripts or is mirrored in `static/search-core.js` and
tested against it in node:
- fields and boosts travel in the base;
- text is normalized the same way before tokenizing: accents folded, CJK characters spaced;
- the trimmer keeps letters of every script (lunr.js's own drops all but ASCII);
- the stemmer is Porter's step 1 only (`light_stem`, lightStem in JS), applied by us on both sides:
  the shipped pipeline is empty;
- queries are built (`plain_words`, `syntax_query`), run (`execute`: lunr's Index.query, scored from
  the postings) and ranked (`search`) by the same rules, so `sitegen search` ranks as the page does.
"""

from __future__ import annotations

import bisect
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from operator import sub
from pathlib import Path
from typing import Any

from lunr.exceptions import QueryParseError
from lunr.query import Clause, Query, QueryPresence
from lunr.query_parser import QueryParser
from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token
from lunr.token_set import TokenSet

from sitegen.catalog import Catalog
from sitegen.errors import SitegenError
from sitegen.markup import plain_text
from sitegen.output import RenderedFile

FIELDS = {"title": 10, "author": 3, "tags": 4, "lists": 2, "abstract": 1, "notes": 1}
GLOBAL_NAME = "SITEGEN_SEARCH"
SCRIPT_PREFIX = f"window.{GLOBAL_NAME}="
SHARD_PREFIX = f"window.{GLOBAL_NAME}_SHARD("
FORMAT = 3  # the base's layout: a base and shards (2 was one script holding everything)
BASE_KEYS = {"fields", "boosts", "tags", "lists", "count", "terms", "lengths", "folder", "shards"}
# About what one shard of each kind holds. A query loads a few term shards and one `typed`; the results shown
# (8 in the popup, 50 a page) each load the docs shard that holds them, so those are small.
SHARD_BYTES = {"terms": 50_000, "typed": 50_000, "docs": 8_000}
SNIPPET_LENGTH = 200
NOTES_LENGTH = 600  # of the user's notes shipped, for a snippet around a match in them
CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])")
EDGES = re.compile(r"^[\W_]+|[\W_]+$")
SYNTAX = re.compile(r"[:*~^]|(?:^|\s)[+-]\S")
MAX_WORD_LENGTH = 64  # letters; typo tolerance on a pasted 3,000-letter "word" took a minute and 1.5 GB
MAX_EDIT_DISTANCE = 2  # `graph~99` would expand to every term of the index (minutes, gigabytes): capped
SYNTAX_MARKS = re.compile(r"[:*~^]")  # in text taken as words, these separate words
QUOTED = re.compile("\"([^\"]*)\"|\u201c([^\u201d]*)\u201d")
EXACT_BOOST, PREFIX_BOOST, FUZZY_BOOST = 3, 1, 1
FUZZY_MIN_LENGTH = 5
K1, B = 1.2, 0.75  # lunr's BM25 defaults
NO_METADATA: dict[str, Any] = {}  # lunr only reads a posting's metadata: one empty object serves them all
PREFIX_MIN_LENGTH = {0: 2, 2000: 3}  # from this many papers on, prefixes this short expand to too much
STEM_PREFIX_MIN_LENGTH = 4
MAX_WORDS = 30  # a query's words that count (the browser ranks them as bits of a 32-bit mask)
SEPARATOR = re.compile(r"[ \-]+")
SPACES = re.compile("[\t\n\v\f\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff/()\\[\\]{}<>=,;!?\"|\\\\&\u201c\u201d]")

# Porter's step 1 only (plurals, -ed, -ing, y → i), as lunr.js 2.3.9 writes it: the later steps
# merge unrelated words ("generalization" and "generative" both become "gener").
CONSONANTS, VOWEL = "[^aeiou][^aeiouy]*", "[aeiouy]"
VOWELS = VOWEL + "[aeiou]*"
MEASURE_ABOVE_0 = re.compile(f"^({CONSONANTS})?{VOWELS}{CONSONANTS}")
HAS_VOWEL = re.compile(f"^({CONSONANTS})?{VOWEL}")
STEP_1A, STEP_1A_S = re.compile(r"^(.+?)(ss|i)es$"), re.compile(r"^(.+?)([^s])s$")
STEP_1B_EED, STEP_1B = re.compile(r"^(.+?)eed$"), re.compile(r"^(.+?)(ed|ing)$")
ADD_E, DOUBLE, SHORT = re.compile(r"(at|bl|iz)$"), re.compile(r"([^aeiouylsz])\1$"), re.compile(f"^{CONSONANTS}{VOWEL}[^aeiouwxy]$")
STEP_1C = re.compile(r"^(.+?[^aeiou])y$")
ENGLISH_WORD = re.compile(r"^[a-z]+$")
# British spellings folded to American ones first ("normalisation", "modelling", "colour"), so either finds both.
SPELLINGS = (
    (re.compile(r"^(.*(?:al|ar|or|im))is(e|ed|es|er|ers|ing|ation|ations)$"), r"\1iz\2"),
    (re.compile(r"^(.+)ys(e|ed|es|ing)$"), r"\1yz\2"),
    (re.compile(r"^(.*[aeiou][^aeiou]+e)ll(ed|ing|er|ers)$"), r"\1l\2"),
    (re.compile(r"^(.{2,}[^t])our(s?)$"), r"\1or\2"),
)


def normalize(text: str) -> str:
    """Fold accents ("Fréchet" → "frechet"), lower-case, space CJK characters into words, and make
    every kind of space a plain one (lunr.py and lunr.js split on different sets of spaces), and
    split words joined by punctuation ("CLIP/ViT", "f(x)"), which lunr would keep as one token."""
    if text.isascii():
        return SPACES.sub(" ", text.lower())
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M")).lower()
    return SPACES.sub(" ", CJK.sub(r" \1 ", folded))


def trim(word: str) -> str:
    """Strip what is not a letter or digit, in any script, from both ends of a word."""
    return EDGES.sub("", word)


@lru_cache(maxsize=500_000)
def light_stem(word: str) -> str:
    """A lower-case a-z word without its inflection ("registers" → "register", "learning" → "learn",
    "studies" → "studi", "modelling" → "model"), and nothing more; other words as they are. Mirrored by lightStem in search-core.js."""
    if len(word) < 3 or not ENGLISH_WORD.match(word):
        return word
    for spelling, american in SPELLINGS:
        word = spelling.sub(american, word)
    w = "Y" + word[1:] if word[0] == "y" else word  # an initial y is a consonant
    if m := STEP_1A.match(w) or STEP_1A_S.match(w):
        w = m[1] + m[2]
    if m := STEP_1B_EED.match(w):
        if MEASURE_ABOVE_0.match(m[1]):
            w = w[:-1]
    elif (m := STEP_1B.match(w)) and HAS_VOWEL.match(m[1]):
        w = m[1]
        if ADD_E.search(w):
            w += "e"
        elif DOUBLE.search(w):
            w = w[:-1]
        elif SHORT.match(w):
            w += "e"
    if m := STEP_1C.match(w):
        w = m[1] + "i"
    return "y" + w[1:] if w[0] == "Y" else w


def is_stop_word(word: str) -> bool:
    return stop_word_filter(Token(word)) is None


@lru_cache(maxsize=500_000)
def index_pipeline_terms(word: str) -> tuple[str, ...]:
    """What the index holds for one word (nothing if dropped): trim, stop words, stem."""
    trimmed = trim(word)
    if not trimmed or is_stop_word(trimmed):
        return ()
    return (light_stem(trimmed),)


def index_terms(text: str) -> list[str]:
    """What the index holds for a text: normalized, split at spaces, then each chunk's terms (looked up
    in C: a text has hundreds of words, mostly ones seen before)."""
    return list(chain.from_iterable(map(chunk_terms, normalize(text).split(" "))))


@lru_cache(maxsize=500_000)
def chunk_terms(chunk: str) -> tuple[str, ...]:
    """A space-separated chunk's terms: split at hyphens, then the pipeline; a hyphenated name also
    whole ("WiSE-FT" → wise, ft, wiseft)."""
    parts = [p for p in chunk.split("-") if p]
    whole = ["".join(parts)] if len(parts) > 1 else []
    return tuple(term for part in [*parts, *whole] for term in index_pipeline_terms(part))


def build_search(catalog: Catalog) -> dict[str, Any]:
    """What the browser loads: postings, term frequencies and field lengths (everything lunr's BM25
    vectors are made of, as small integers) and the docs that results show.

    The vectors themselves (one float per term of every field of every paper, most of a serialized
    lunr index) are not shipped: `expand` rebuilds the lunr-schema index from these integers, with
    lunr's own formula, in the browser (search-core.js) and in `sitegen search` alike.
    """
    field_counts: dict[str, list[Counter[str]]] = {name: [] for name in FIELDS}
    docs: list[list[Any]] = []
    for paper in catalog.papers:
        tags = catalog.paper_tags[paper.slug]
        notes = plain_text(paper.notes)
        memberships = [m.list_slug for m in paper.memberships if m.list_slug in catalog.lists_by_slug]
        texts = {
            "title": paper.title,
            "author": " ".join(paper.authors),
            "tags": " ".join(t.replace("-", " ") for t in tags),
            "lists": " ".join(catalog.lists_by_slug[s].info.title for s in memberships),
            "abstract": paper.abstract,
            "notes": notes,
        }
        for name, text in texts.items():
            field_counts[name].append(Counter(index_terms(text)))
        docs.append([paper.title, catalog.path("paper", paper.slug), list(tags), memberships, snippet(paper.abstract),
                     paper.status, notes[:NOTES_LENGTH], ", ".join(paper.authors)])
    terms = sorted({t for counts in field_counts.values() for c in counts for t in c})
    number = {t: i for i, t in enumerate(terms)}
    postings: dict[str, list[list[int]]] = {}
    frequencies: dict[str, list[list[int]]] = {}
    for name, counts in field_counts.items():
        refs: list[list[int]] = [[] for _ in terms]
        tfs: list[list[int]] = [[] for _ in terms]
        for ref, c in enumerate(counts):
            for term, tf in c.items():
                refs[number[term]].append(ref)
                tfs[number[term]].append(tf)
        postings[name] = [deltas(r) for r in refs]
        frequencies[name] = [[] if f.count(1) == len(f) else f for f in tfs]  # [] means every tf is 1
    # Where each term stands among its papers' title stems, in posting order: one place as a number, several as a
    # list, none ([]) for a hyphenated name's whole. What "the words as a phrase in the title" is ranked from.
    positions: list[list[Any]] = [[] for _ in terms]
    for c, paper in zip(field_counts["title"], catalog.papers):
        places: dict[str, list[int]] = {}
        for place, stem in enumerate(title_stems(paper.title)):
            places.setdefault(stem, []).append(place)
        for term in c:
            found = places.get(term, [])
            positions[number[term]].append(found[0] if len(found) == 1 else found)
    return {
        "format": 2,
        "fields": FIELDS,
        "boosts": {"exact": EXACT_BOOST, "prefix": PREFIX_BOOST, "fuzzy": FUZZY_BOOST, "fuzzyMinLength": FUZZY_MIN_LENGTH,
                   "prefixMinLength": max(v for k, v in PREFIX_MIN_LENGTH.items() if len(docs) >= k),
                   "stemPrefixMinLength": STEM_PREFIX_MIN_LENGTH},
        "tags": {t.slug: t.title for t in catalog.tags},
        "lists": {lv.slug: lv.info.title for lv in catalog.lists},
        "docs": docs,
        "terms": terms,
        "postings": postings,
        "frequencies": frequencies,
        "positions": positions,
        "lengths": {name: [sum(c.values()) for c in counts] for name, counts in field_counts.items()},
    }


def deltas(refs: list[int]) -> list[int]:
    """Ascending refs as gaps from the previous one: small numbers, which compress well."""
    return list(map(sub, refs, [0, *refs]))


def expand(payload: dict[str, Any]) -> dict[str, Any]:
    """The lunr-schema serialized index (what lunr's Index.load takes) from the shipped payload.

    Mirrors `expand` in static/search-core.js line for line; the BM25 weight is lunr's builder's
    (k1 = 1.2, b = 0.75, field boost), left unrounded on both sides.
    """
    fields = list(payload["fields"])
    terms = payload["terms"]
    count = len(payload["docs"])
    refs_of = {f: [undelta(gaps) for gaps in payload["postings"][f]] for f in fields}
    inverted = []
    vectors: dict[str, list[list[float]]] = {f: [[] for _ in range(count)] for f in fields}
    averages = {f: (sum(payload["lengths"][f]) / count if count else 0) for f in fields}
    for i, term in enumerate(terms):
        posting: dict[str, Any] = {"_index": i}
        with_term = sum(len(refs_of[f][i]) for f in fields)
        idf = math.log(1 + abs((count - with_term + 0.5) / (with_term + 0.5)))
        for f in fields:
            refs = refs_of[f][i]
            posting[f] = dict.fromkeys(map(str, refs), NO_METADATA)
            tfs = payload["frequencies"][f][i] or [1] * len(refs)
            for ref, tf in zip(refs, tfs):
                length = payload["lengths"][f][ref]
                score = idf * ((K1 + 1) * tf) / (K1 * (1 - B + B * (length / averages[f])) + tf) * payload["fields"][f]
                vectors[f][ref] += [i, score]
        inverted.append([term, posting])
    return {
        "version": "2.3.9",
        "fields": fields,
        "fieldVectors": [[f"{f}/{ref}", vectors[f][ref]] for f in fields for ref in range(count)],
        "invertedIndex": inverted,
        "pipeline": [],  # queries are stemmed by plain_query/syntax_query, never by lunr
    }


def undelta(gaps: list[int]) -> list[int]:
    refs, total = [], 0
    for gap in gaps:
        total += gap
        refs.append(total)
    return refs


def snippet(text: str) -> str:
    if len(text) <= SNIPPET_LENGTH:
        return text
    cut = text.rfind(" ", 0, SNIPPET_LENGTH)
    return text[: cut if cut > 0 else SNIPPET_LENGTH] + "…"


def index_files(payload: dict[str, Any], catalog: Catalog, shard_bytes: dict[str, int] = SHARD_BYTES) -> list[RenderedFile]:
    """The payload as classic scripts: a small base (`window.SITEGEN_SEARCH={...};`: fields, boosts, the
    sorted terms that prefixes and typos expand over, field lengths, where each shard starts) and shards
    of about `shard_bytes[kind]`, each calling `window.SITEGEN_SEARCH_SHARD(kind, number, items)`, loaded only
    when a query needs them: `terms` (each term's postings and frequencies, field by field, by term
    number, with the title stems' positions), `typed` (the papers of each title as typed: its query terms,
    in UTF-16 order as JS compares strings; the base holds each shard's first), `docs` (what results
    show, by paper number: papers are numbered in title order, so sorting by title loads nothing) and
    `facets` (each paper's status, tags and lists as numbers, for the search page's counts). A shard
    whose items did not change keeps its bytes, so an incremental build leaves it be."""
    fields = list(payload["fields"])
    count = len(payload["docs"])
    terms = [[*(part for f in fields for part in (payload["postings"][f][i], payload["frequencies"][f][i])), payload["positions"][i]]
             for i in range(len(payload["terms"]))]
    refs_by_key: dict[str, list[int]] = {}
    for ref, (title, *_) in enumerate(payload["docs"]):
        refs_by_key.setdefault(" ".join(query_terms(title)), []).append(ref)
    typed = sorted(refs_by_key.items(), key=lambda item: utf16(item[0]))
    docs = [[title, url, tags, text, status, notes, authors] for title, url, tags, _, text, status, notes, authors in payload["docs"]]
    statuses = sorted({doc[5] for doc in payload["docs"]})
    tag_slugs, list_slugs = list(payload["tags"]), list(payload["lists"])
    status_number, tag_number, list_number = ({s: i for i, s in enumerate(names)} for names in (statuses, tag_slugs, list_slugs))
    facets = {"status": statuses, "tag": tag_slugs, "list": list_slugs,
              "papers": [[status_number[doc[5]], [tag_number[t] for t in doc[2]], [list_number[s] for s in doc[3]]]
                         for doc in payload["docs"]]}
    folder = catalog.path("search-shards")
    files: list[RenderedFile] = []
    firsts: dict[str, list[Any]] = {}
    for kind, items in (("terms", terms), ("docs", docs), ("typed", typed)):
        dumped = [script_json(item) for item in items]
        cuts = shard_starts([len(text.encode()) for text in dumped], shard_bytes[kind])
        for number, (start, end) in enumerate(zip(cuts, [*cuts[1:], len(items)])):
            files.append(shard_script(folder, kind, number, f"[{','.join(dumped[start:end])}]"))
        firsts[kind] = ["", *(typed[i][0] for i in cuts[1:])] if kind == "typed" else cuts
    firsts["facets"] = [0]
    files.append(shard_script(folder, "facets", 0, script_json(facets)))
    base = {"format": FORMAT, "fields": payload["fields"], "boosts": payload["boosts"], "tags": payload["tags"],
            "lists": payload["lists"], "count": count, "terms": payload["terms"], "lengths": payload["lengths"],
            "folder": folder, "shards": firsts}
    return [RenderedFile(catalog.path("search-index"), f"{SCRIPT_PREFIX}{script_json(base)};\n".encode()), *files]


def utf16(text: str) -> bytes:
    """A key that orders strings as JS compares them (by UTF-16 code unit)."""
    return text.encode("utf-16-be", "surrogatepass")


def shard_starts(sizes: list[int], shard_bytes: int) -> list[int]:
    """Where each shard starts: items in order, a new shard once the next item would take one past `shard_bytes`."""
    starts, held = [0], 0
    for i, size in enumerate(sizes):
        if held and held + size > shard_bytes:
            starts.append(i)
            held = 0
        held += size
    return starts


def script_json(value: Any) -> str:
    """JSON that is safe inside a classic script: '<' escaped (no closing tag), and the line separators JS once refused."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def shard_script(folder: str, kind: str, number: int, items: str) -> RenderedFile:
    return RenderedFile(f"{folder}{kind}-{number}.js", f'{SHARD_PREFIX}"{kind}",{number},{items});\n'.encode())


class IndexFiles:
    """A built index read from disk as `sitegen search` needs it: the base at once, each shard the first
    time it is asked for. An index an older sitegen wrote, or a shard gone missing, is one line: rebuild."""

    def __init__(self, path: Path) -> None:
        self.path = path
        base = read_script(path, SCRIPT_PREFIX, ";")
        if not isinstance(base, dict) or base.get("format") != FORMAT or not BASE_KEYS <= base.keys():
            raise SitegenError(f"{path}: made by another version of sitegen; run `sitegen build` to rebuild it")
        self.base: dict[str, Any] = base
        self.shards: dict[tuple[str, int], Any] = {}
        self.typed_firsts = [utf16(first) for first in base["shards"]["typed"]]

    def shard(self, kind: str, number: int) -> Any:
        key = (kind, number)
        if key not in self.shards:
            path = self.path.parent / f"{self.base['folder']}{kind}-{number}.js"
            if not path.is_file():
                raise SitegenError(f"{path}: missing; run `sitegen build` to rebuild the search index")
            called = read_script(path, SHARD_PREFIX, ");")
            if not isinstance(called, list) or len(called) != 3 or called[:2] != [kind, number] or not isinstance(called[2], (list, dict)):
                raise SitegenError(f"{path}: not this index's shard; run `sitegen build` to rebuild the search index")
            self.shards[key] = called[2]
        return self.shards[key]

    def typed(self, key: str) -> list[int]:
        """The papers whose title's query terms are `key`, from the one `typed` shard that can hold them."""
        shard = bisect.bisect_right(self.typed_firsts, utf16(key)) - 1
        for found, refs in self.shard("typed", shard):
            if found == key:
                return list(refs)
        return []

    def item(self, kind: str, number: int) -> Any:
        """Item `number` of a kind (a term's postings, a paper's doc), from the shard that holds it."""
        starts = self.base["shards"][kind]
        shard = bisect.bisect_right(starts, number) - 1
        return self.shard(kind, shard)[number - starts[shard]]


def read_script(path: Path, prefix: str, suffix: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8"
        raise SitegenError(f"{path}: cannot read the search index ({reason}); run `sitegen build` first") from None
    if not text.startswith(prefix) or not text.endswith(suffix):
        raise SitegenError(f"{path}: not a sitegen search index; run `sitegen build` to rebuild it")
    try:
        return json.loads(f"[{text[len(prefix):-len(suffix)]}]" if suffix == ");" else text[len(prefix):-len(suffix)])
    except json.JSONDecodeError:
        raise SitegenError(f"{path}: not a sitegen search index; run `sitegen build` to rebuild it") from None


def read_payload(path: Path) -> dict[str, Any]:
    """Every shard of a built index put back together: the payload `build_search` made (what `sitegen check`
    compares with papers.json, and the tests with lunr's own index)."""
    index = IndexFiles(path)
    base, count = index.base, index.base["count"]
    fields = list(base["fields"])
    terms = [index.item("terms", i) for i in range(len(base["terms"]))]
    facets = index.shard("facets", 0)
    docs = []
    for ref in range(count):
        title, url, tags, text, status, notes, authors = index.item("docs", ref)
        memberships = [facets["list"][n] for n in facets["papers"][ref][2]]
        docs.append([title, url, tags, memberships, text, status, notes, authors])
    return {"format": 2, "fields": base["fields"], "boosts": base["boosts"], "tags": base["tags"], "lists": base["lists"],
            "docs": docs, "terms": base["terms"],
            "postings": {f: [term[2 * k] for term in terms] for k, f in enumerate(fields)},
            "frequencies": {f: [term[2 * k + 1] for term in terms] for k, f in enumerate(fields)},
            "positions": [term[-1] for term in terms], "lengths": base["lengths"]}


class Searcher:
    """What queries run against: an index's base (terms, lengths, boosts) and, read when first needed,
    the shards of the terms a query's clauses expand to and of a title as typed; postings
    decoded once per term and field, lunr's TokenSet of the index's terms for prefix and typo expansion
    (built as lunr's Index.load builds it), and caches that outlive one query. Scores are lunr's (the
    query vector's dot product with each field's BM25 vector, over the query vector's magnitude, summed
    over fields), computed from the postings in one pass per matched term and field instead of through
    lunr's Index.query. Mirrors Searcher in search-core.js."""

    def __init__(self, index: IndexFiles) -> None:
        self.index = index
        base = index.base
        self.base: dict[str, Any] = base
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

    def doc(self, ref: int) -> tuple[str, str, list[str], str]:
        """What `sitegen search` shows of a paper: its title, address, tags and status."""
        title, url, tags, _, status, _, _ = self.index.item("docs", ref)
        return title, url, tags, status


def load_searcher(path: Path) -> Searcher:
    """Read a built `search-index.js` back (its shards as queries need them): what `sitegen search` answers from."""
    return Searcher(IndexFiles(path))


def query_terms(text: str) -> list[str]:
    """Words as lunr's tokenizer splits them (spaces and hyphens), normalized and trimmed."""
    return [t for t in (trim(w) for w in SEPARATOR.split(normalize(text))) if t]


def title_stems(title: str) -> list[str]:
    """A title's stems without stop words, in order: its index terms but for a hyphenated name's whole."""
    return [light_stem(t) for t in query_terms(title) if not is_stop_word(t)]


@dataclass(frozen=True)
class QueryWord:
    """One word of a plain-text query (stop words never are one) and the terms that count as finding it."""

    stem: str
    whole: str | None  # the stem of the hyphenated name it is part of ("wiseft")
    prefix: str | None  # the word being typed (the last), matched as a prefix
    head: str | None  # the longest indexed stem an unknown word begins with ("representat" → "represent")
    fuzzy: bool  # an unknown word of 5+ letters: one edit away counts (typos)
    required: bool  # inside quotes
    stop_word: bool  # kept only as the first word, being typed

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


def plain_words(searcher: Searcher, text: str, boosts: dict[str, Any]) -> list[QueryWord]:
    """The query's words (stop words dropped), with what each may match. Quoted words are required."""
    chunks = [(chunk, i % 3 != 0) for i, segment in enumerate(QUOTED.split(text)) if segment
              for chunk in SYNTAX_MARKS.sub(" ", normalize(segment)).split(" ") if chunk]
    parts_of = [([trim(p) for p in chunk.split("-") if trim(p)], quoted) for chunk, quoted in chunks]
    last = max((i for i, (parts, _) in enumerate(parts_of) if parts), default=-1)
    words: list[QueryWord] = []
    for i, (parts, quoted) in enumerate(parts_of):
        whole = light_stem("".join(parts)) if len(parts) > 1 else None
        for j, part in enumerate(parts):
            typing = i == last and j == len(parts) - 1 and not quoted and not text.endswith(" ")
            if is_stop_word(part) and not (typing and len(words) == 0):
                continue
            stem = light_stem(part)
            known = stem in searcher.number
            length = len(part)
            tolerant = length <= MAX_WORD_LENGTH  # a longer "word" is matched exactly: no typo, prefix or head work
            head = None
            if typing and not known and tolerant:
                head = next((part[:end] for end in range(length - 1, boosts["stemPrefixMinLength"] - 1, -1)
                             if part[:end] in searcher.number), None)
            fuzzy = tolerant and not known and not quoted and length >= boosts["fuzzyMinLength"] and not is_stop_word(part)
            prefix = part if typing and tolerant and length >= boosts["prefixMinLength"] else None
            words.append(QueryWord(stem=stem, whole=whole, prefix=prefix, head=head, fuzzy=fuzzy, required=quoted, stop_word=is_stop_word(part)))
    return words[:MAX_WORDS]


def plain_query(searcher: Searcher, words: list[QueryWord], boosts: dict[str, Any]) -> Query:
    """Each word's exact stem (and its hyphenated whole), a prefix for the word being typed,
    the indexed stem an unknown word begins with, and one-edit typos of an unknown word."""
    query = Query(searcher.fields)
    for word in words:
        presence = QueryPresence.REQUIRED if word.required else QueryPresence.OPTIONAL
        query.term(word.stem, boost=boosts["exact"], use_pipeline=False, presence=presence)
        if word.whole:
            query.term(word.whole, boost=boosts["exact"], use_pipeline=False)
        if word.prefix:
            query.term(word.prefix, boost=boosts["prefix"], wildcard=Query.WILDCARD_TRAILING, use_pipeline=False)
        if word.head:
            query.term(word.head, boost=boosts["prefix"], use_pipeline=False)
        if word.fuzzy:
            query.term(word.stem, boost=boosts["fuzzy"], edit_distance=1, use_pipeline=False)
    return query


def syntax_query(searcher: Searcher, text: str) -> Query | None:
    """lunr's query syntax (`title:x`, `+a -b`, `trans*`, `x~1`, `x^2`), when the text has some and it
    parses with real fields; otherwise None, and the text is taken as words."""
    if not SYNTAX.search(text):
        return None
    query = Query(searcher.fields)
    try:
        QueryParser(normalize(text), query).parse()
    except QueryParseError:
        return None
    if not query.clauses:  # lunr.js would return every paper, lunr.py none: taken as words instead
        return None
    for clause in query.clauses:
        if clause.use_pipeline:
            clause.term, clause.use_pipeline = light_stem(trim(clause.term)), False
        clause.edit_distance = min(clause.edit_distance, MAX_EDIT_DISTANCE) if len(clause.term) <= MAX_WORD_LENGTH else 0
    return query


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
    pairs: list[tuple[int, int]]  # (term, field) pairs that matched, in the order lunr first meets them


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
            return Run([], [], {}, {}, {}, set(), [])
        in_clause: set[int] = set()
        for name in expanded:
            term = searcher.number[name]
            for field in (field_of[f] for f in clause.fields):
                refs = searcher.refs(term, field)
                if clause.presence == QueryPresence.REQUIRED:
                    in_clause.update(refs)
                if clause.presence == QueryPresence.PROHIBITED:
                    prohibited.update(refs)
                    continue
                vectors[field][term] = vectors[field].get(term, 0) + clause.boost
                if (term, field) not in seen:
                    seen.add((term, field))
                    pairs.append((term, field))
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
    title, notes = field_of.get("title"), field_of.get("notes")
    # One pass over each matched (term, field) posting; within a field, terms in index order, as lunr's dot product adds them.
    for term, field in sorted(pairs, key=lambda pair: (pair[1], pair[0])):
        boost, idf, field_boost = vectors[field][term], searcher.idf(term), searcher.base["fields"][searcher.fields[field]]
        refs, norms, total = searcher.refs(term, field), searcher.norms[field], sums[field]
        tfs = searcher.frequencies(term, field) or [1] * len(refs)
        found_mask, exact_mask = masks[term]
        for ref, tf in zip(refs, tfs):
            total[ref] = total.get(ref, 0.0) + boost * (idf * ((K1 + 1) * tf) / (norms[ref] + tf) * field_boost)
            found[ref] = found.get(ref, 0) | found_mask
            exact[ref] = exact.get(ref, 0) | exact_mask
            if field == title:
                in_title[ref] = in_title.get(ref, 0) | found_mask
            if field == notes:
                in_notes.add(ref)
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
    return Run(out, scores, found, exact, in_title, in_notes, pairs)


def search(searcher: Searcher, text: str) -> list[tuple[int, float]]:
    """(ref, score), best first: the title exactly as typed; then how many of the query's words a
    paper has; how many exactly; the words as a phrase in the title; how many in the title; lunr's
    score; ref. Mirrors search() in search-core.js."""
    query = syntax_query(searcher, text)
    words: list[QueryWord] = [] if query else plain_words(searcher, text, searcher.base["boosts"])
    if query is None:
        if not words:
            return []
        query = plain_query(searcher, words, searcher.base["boosts"])
    run = execute(searcher, query, words)
    wanted = " ".join(query_terms(text))
    stems = [w.stem for w in words]
    # A title exactly as typed holds every word's stem, as does a phrase in it: when each word is a whole
    # term of the text (no stop word, no syntax mark splitting one), only papers with every word in the
    # title are looked at. The papers of a title as typed are looked up once (one `typed` shard); a phrase
    # is found from the title stems' positions in the postings.
    every = (1 << len(words)) - 1
    words_are_terms = bool(words) and not SYNTAX_MARKS.search(normalize(text)) and not any(w.stop_word for w in words)
    looked_at = bool(run.refs) and (not words_are_terms or any(run.in_title.get(ref, 0) == every for ref in run.refs))
    typed = set(searcher.index.typed(wanted)) if looked_at else set()
    in_phrase_of = searcher.phrase(stems) if len(words) > 1 else None
    keyed = []
    for ref, score in zip(run.refs, run.scores):
        found, in_title = run.found.get(ref, 0), run.in_title.get(ref, 0)
        all_in_title = in_title == every
        as_typed = (all_in_title or not words_are_terms) and ref in typed
        in_phrase = in_phrase_of is not None and all_in_title and in_phrase_of(ref)
        key = (not as_typed, -found.bit_count(), -(run.exact.get(ref, 0) & found).bit_count(), not in_phrase,
               -in_title.bit_count(),
               # Scores are rounded for ordering: lunr.js and lunr.py may differ in the last bits of a logarithm.
               -math.floor(score * 1e9 + 0.5), ref)
        keyed.append((key, ref, score))
    return [(ref, score) for _, ref, score in sorted(keyed)]
