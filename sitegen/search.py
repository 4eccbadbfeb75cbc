"""Catalog → search payload (postings, term frequencies and a small document store) → `search-index.js`.

The browser loads that script (a classic script defining a global: fetch fails from file://)
and queries it with lunr.js 2.3.9. Everything both sides must agree on lives in the script or
is mirrored in `static/search-core.js` and tested against it in node:
- fields and boosts travel in the script;
- text is normalized the same way before tokenizing: accents folded, CJK characters spaced;
- the trimmer keeps letters of every script (lunr.js's own drops all but ASCII);
- the stemmer is lunr.js's, see `sitegen.words`;
- queries are built by the same rules (`build_query`), so `sitegen search` ranks as the page does.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from lunr.index import Index
from lunr.pipeline import Pipeline
from lunr.query import Query
from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token

from sitegen.catalog import Catalog
from sitegen.errors import SitegenError
from sitegen.output import RenderedFile
from sitegen.words import stem

FIELDS = {"title": 10, "tags": 4, "lists": 2, "abstract": 1, "notes": 1}
GLOBAL_NAME = "SITEGEN_SEARCH"
SCRIPT_PREFIX = f"window.{GLOBAL_NAME}="
SNIPPET_LENGTH = 200
CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])")
EDGES = re.compile(r"^[\W_]+|[\W_]+$")
SYNTAX = re.compile(r"[:*~^]|(?:^|\s)[+-]\S")
EXACT_BOOST, PREFIX_BOOST, FUZZY_BOOST = 3, 1, 0.2
FUZZY_MIN_LENGTH = 5
K1, B = 1.2, 0.75  # lunr's BM25 defaults
NO_METADATA: dict[str, Any] = {}  # lunr only reads a posting's metadata: one empty object serves them all
PREFIX_MIN_LENGTH = {0: 2, 2000: 3}  # from this many papers on, prefixes this short expand to too much
STEM_PREFIX_MIN_LENGTH = 4
SEPARATOR = re.compile(r"[ \-]+")
SPACES = re.compile("[\t\n\v\f\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff/()\\[\\]{}<>=,;!?\"|\\\\&\u201c\u201d]")


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


def unicode_trimmer(token: Token, i: int | None = None, tokens: list[Token] | None = None) -> Token:
    return token.update(lambda s, metadata=None: trim(s))


def lunr_js_stemmer(token: Token, i: int | None = None, tokens: list[Token] | None = None) -> Token:
    return token.update(lambda s, metadata=None: stem(s))


# Replace lunr.py's stemmer under the label lunr.js knows, so a loaded index uses ours too.
lunr_js_stemmer.label = "stemmer"  # type: ignore[attr-defined]
Pipeline.registered_functions["stemmer"] = lunr_js_stemmer


@lru_cache(maxsize=500_000)
def index_pipeline_terms(word: str) -> tuple[str, ...]:
    """What the index holds for one word (nothing if dropped): trim, stop words, stem."""
    token = Token(word)
    for fn in (unicode_trimmer, stop_word_filter, lunr_js_stemmer):
        token = fn(token)
        if not token or not str(token):
            return ()
    return (str(token),)


def index_terms(text: str) -> list[str]:
    """What the index holds for a text: normalized, split as lunr's tokenizer splits, then the pipeline."""
    return [term for word in SEPARATOR.split(normalize(text)) if word for term in index_pipeline_terms(word)]


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
        memberships = [m.list_slug for m in paper.memberships if m.list_slug in catalog.lists_by_slug]
        texts = {
            "title": paper.title,
            "tags": " ".join(t.replace("-", " ") for t in tags),
            "lists": " ".join(catalog.lists_by_slug[s].info.title for s in memberships),
            "abstract": paper.abstract,
            "notes": paper.notes,
        }
        for name, text in texts.items():
            field_counts[name].append(Counter(index_terms(text)))
        docs.append([paper.title, catalog.path("paper", paper.slug), list(tags), memberships, snippet(paper.abstract)])
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
        frequencies[name] = [[] if all(tf == 1 for tf in f) else f for f in tfs]  # [] means every tf is 1
    payload = {
        "format": 1,
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
        "lengths": {name: [sum(c.values()) for c in counts] for name, counts in field_counts.items()},
    }
    return payload


def deltas(refs: list[int]) -> list[int]:
    """Ascending refs as gaps from the previous one: small numbers, which compress well."""
    return [b - a for a, b in zip([0, *refs], refs)]


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
        "pipeline": ["stemmer"],
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


def index_script(payload: dict[str, Any], catalog: Catalog) -> RenderedFile:
    """The payload as a classic script: `window.SITEGEN_SEARCH={...};`, with '<' escaped for safety."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return RenderedFile(catalog.path("search-index"), f"{SCRIPT_PREFIX}{text};\n".encode())


def read_payload(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise SitegenError(f"{path}: cannot read the search index ({error.strerror}); run `sitegen build` first") from None
    if not text.startswith(SCRIPT_PREFIX) or not text.endswith(";"):
        raise SitegenError(f"{path}: not a sitegen search index")
    payload: dict[str, Any] = json.loads(text[len(SCRIPT_PREFIX) : -1])
    return payload


def load_index_script(path: Path) -> tuple[Index, dict[str, Any]]:
    """Read a built `search-index.js` back into a lunr.py Index: what `sitegen search` answers from."""
    payload = read_payload(path)
    return Index.load(expand(payload)), payload


def query_terms(text: str) -> list[str]:
    """Words as lunr's tokenizer splits them (spaces and hyphens), normalized and trimmed."""
    return [t for t in (trim(w) for w in SEPARATOR.split(normalize(text))) if t]


def build_query(index: Index, text: str, boosts: dict[str, Any]) -> Query | None:
    """Plain words → for each: the exact stem; for the word being typed (the last), a prefix too.
    A word whose stem the index does not know may be a typo or a word half typed: it also gets a
    typo-tolerant stem (if long enough) and the longest indexed stem it begins with ("representat"
    finds "represent"). Fewer clauses for known words keep large indexes fast.
    Text with lunr syntax (`title:`, `+`, `-`, `*`, `~`, `^`) goes to lunr's own parser.
    """
    query = index.create_query()
    if SYNTAX.search(text):
        from lunr.query_parser import QueryParser

        QueryParser(normalize(text), query).parse()
        return query
    terms = query_terms(text)
    if not terms:
        return None
    for i, term in enumerate(terms):
        query.term(term, boost=boosts["exact"])
        length, known = len(term), stem(term) in index.inverted_index
        if i == len(terms) - 1:
            if length >= boosts["prefixMinLength"]:
                query.term(term, boost=boosts["prefix"], wildcard=Query.WILDCARD_TRAILING, use_pipeline=False)
            for end in range(length - 1, boosts["stemPrefixMinLength"] - 1, -1):
                if not known and term[:end] in index.inverted_index:
                    query.term(term[:end], boost=boosts["prefix"], use_pipeline=False)
                    break
        if not known and length >= boosts["fuzzyMinLength"]:
            query.term(stem(term), boost=boosts["fuzzy"], edit_distance=1, use_pipeline=False)
    return query


def search(index: Index, payload: dict[str, Any], text: str) -> list[tuple[int, float]]:
    """(ref, score), best first: an exact title match first, then lunr's score, then ref."""
    docs = payload["docs"]
    query = build_query(index, text, payload["boosts"])
    if query is None:
        return []
    wanted = " ".join(query_terms(text))
    results = [(int(r["ref"]), float(r["score"])) for r in index.query(query)]
    # Scores are rounded for ordering: lunr.js and lunr.py may differ in the last bits of a logarithm.
    return sorted(results, key=lambda r: (" ".join(query_terms(docs[r[0]][0])) != wanted, -math.floor(r[1] * 1e9 + 0.5), r[0]))
