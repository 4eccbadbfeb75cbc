"""Catalog → SearchIndex (a lunr.py index and a small document store) → `search-index.js`.

The browser loads that script (a classic script defining a global: fetch fails from file://)
and queries it with lunr.js 2.3.9. Everything both sides must agree on lives in the script or
is mirrored in `static/search-core.js` and tested against it in node:
- fields and boosts travel in the script;
- text is normalized the same way before tokenizing: accents folded, CJK characters spaced;
- the trimmer keeps letters of every script (lunr's own drops all but ASCII in the browser);
- the stemmer is lunr.js's, see `sitegen.words`;
- queries are built by the same rules (`build_query`), so `sitegen search` ranks as the page does.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lunr.builder import Builder
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
SNIPPET_LENGTH = 240
CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])")
EDGES = re.compile(r"^[\W_]+|[\W_]+$")
SYNTAX = re.compile(r"[:*~^]|(?:^|\s)[+-]\S")
EXACT_BOOST, PREFIX_BOOST, FUZZY_BOOST = 3, 1, 0.2
FUZZY_MIN_LENGTH = 5
SEPARATOR = re.compile(r"[ \-]+")
SPACES = re.compile("[\t\n\v\f\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]")


def normalize(text: str) -> str:
    """Fold accents ("Fréchet" → "frechet"), lower-case, space CJK characters into words, and make
    every kind of space a plain one (lunr.py and lunr.js split on different sets of spaces)."""
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


Pipeline.register_function(unicode_trimmer, "sitegen-trimmer")
# Replace lunr.py's stemmer under the label lunr.js knows, so a loaded index uses ours too.
lunr_js_stemmer.label = "stemmer"  # type: ignore[attr-defined]
Pipeline.registered_functions["stemmer"] = lunr_js_stemmer


@dataclass(frozen=True)
class SearchIndex:
    index: Index
    docs: list[list[Any]]  # ref (its position) → [title, url, tags, lists, snippet]


def index_pipeline_terms(word: str) -> list[str]:
    """What the index holds for one word (empty if dropped): trim, stop words, stem."""
    token = Token(word)
    for fn in (unicode_trimmer, stop_word_filter, lunr_js_stemmer):
        token = fn(token)
        if not token or not str(token):
            return []
    return [str(token)]


def index_terms(text: str) -> list[str]:
    """What the index holds for a text: normalized, split as lunr's tokenizer splits, then the pipeline."""
    return [term for word in SEPARATOR.split(normalize(text)) if word for term in index_pipeline_terms(word)]


def make_builder() -> Builder:
    builder = Builder()
    builder.pipeline.add(unicode_trimmer, stop_word_filter, lunr_js_stemmer)
    builder.search_pipeline.add(lunr_js_stemmer)
    builder.ref("r")
    for name, boost in FIELDS.items():
        builder.field(name, boost=boost)
    return builder


def build_search(catalog: Catalog) -> SearchIndex:
    builder = make_builder()
    docs: list[list[Any]] = []
    for ref, paper in enumerate(catalog.papers):
        tags = catalog.paper_tags[paper.slug]
        list_titles = [catalog.lists_by_slug[m.list_slug].info.title for m in paper.memberships if m.list_slug in catalog.lists_by_slug]
        builder.add({
            "r": str(ref),
            "title": normalize(paper.title),
            "tags": normalize(" ".join(t.replace("-", " ") for t in tags)),
            "lists": normalize(" ".join(list_titles)),
            "abstract": normalize(paper.abstract),
            "notes": normalize(paper.notes),
        })
        docs.append([paper.title, catalog.path("paper", paper.slug), list(tags),
                     [m.list_slug for m in paper.memberships], snippet(paper.abstract)])
    return SearchIndex(builder.build(), docs)


def snippet(text: str) -> str:
    if len(text) <= SNIPPET_LENGTH:
        return text
    cut = text.rfind(" ", 0, SNIPPET_LENGTH)
    return text[: cut if cut > 0 else SNIPPET_LENGTH] + "…"


def index_script(search: SearchIndex, catalog: Catalog) -> RenderedFile:
    """The index as a classic script: `window.SITEGEN_SEARCH={...};`, with '<' escaped for safety."""
    payload = {
        "fields": FIELDS,
        "boosts": {"exact": EXACT_BOOST, "prefix": PREFIX_BOOST, "fuzzy": FUZZY_BOOST, "fuzzyMinLength": FUZZY_MIN_LENGTH},
        "tags": {t.slug: t.title for t in catalog.tags},
        "lists": {lv.slug: lv.info.title for lv in catalog.lists},
        "docs": search.docs,
        "index": search.index.serialize(),
    }
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return RenderedFile(catalog.path("search-index"), f"{SCRIPT_PREFIX}{text};\n".encode())


def load_index_script(path: Path) -> tuple[Index, list[list[Any]]]:
    """Read a built `search-index.js` back: what `sitegen search` answers from."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise SitegenError(f"{path}: cannot read the search index ({error.strerror}); run `sitegen build` first") from None
    if not text.startswith(SCRIPT_PREFIX) or not text.endswith(";"):
        raise SitegenError(f"{path}: not a sitegen search index")
    payload = json.loads(text[len(SCRIPT_PREFIX) : -1])
    return Index.load(payload["index"]), payload["docs"]


def query_terms(text: str) -> list[str]:
    """Words as lunr's tokenizer splits them (spaces and hyphens), normalized and trimmed."""
    return [t for t in (trim(w) for w in SEPARATOR.split(normalize(text))) if t]


def build_query(index: Index, text: str) -> Query | None:
    """Plain words → for each: the exact stem, a prefix (last word only), a typo-tolerant stem.

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
        query.term(term, boost=EXACT_BOOST)
        if i == len(terms) - 1:
            query.term(term, boost=PREFIX_BOOST, wildcard=Query.WILDCARD_TRAILING, use_pipeline=False)
        if len(term) >= FUZZY_MIN_LENGTH:
            query.term(stem(term), boost=FUZZY_BOOST, edit_distance=1, use_pipeline=False)
    return query


def search(index: Index, docs: list[list[Any]], text: str) -> list[tuple[int, float]]:
    """(ref, score), best first: an exact title match first, then lunr's score, then ref."""
    query = build_query(index, text)
    if query is None:
        return []
    wanted = " ".join(query_terms(text))
    results = [(int(r["ref"]), float(r["score"])) for r in index.query(query)]
    # Scores are rounded for ordering: lunr.js and lunr.py may differ in the last bits of a logarithm.
    return sorted(results, key=lambda r: (" ".join(query_terms(docs[r[0]][0])) != wanted, -math.floor(r[1] * 1e9 + 0.5), r[0]))
