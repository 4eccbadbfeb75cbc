"""The tests' reference for `sitegen.search.query.search`: lunr.py's own Index.query on the lunr-schema index
(`expand`), as its `run_query`. `execute` scores from the postings instead; with this the search must return
exactly the same papers and scores. Test code only: nothing that ships calls it."""

from __future__ import annotations

import math
from typing import Any

from lunr.index import Index
from lunr.query import Query

from sitegen.search.index import Payload, undelta
from sitegen.search.query import FILED_UNDER, K1, B, Executor, QueryWord, Run, Searcher

NO_METADATA: dict[str, Any] = {}  # lunr only reads a posting's metadata: one empty object serves them all


def expand(payload: Payload) -> dict[str, Any]:
    """The lunr-schema serialized index (what lunr's Index.load takes) from the payload; the BM25 weight is
    lunr's builder's (k1 = 1.2, b = 0.75, field boost), left unrounded. Mirrors expand() in tests/node/lunr-reference.js."""
    fields = list(payload.fields)
    count = len(payload.docs)
    refs_of = {f: [undelta(gaps) for gaps in payload.postings[f]] for f in fields}
    inverted = []
    vectors: dict[str, list[list[float]]] = {f: [[] for _ in range(count)] for f in fields}
    averages = {f: (sum(payload.lengths[f]) / count if count else 0) for f in fields}
    for i, term in enumerate(payload.terms):
        posting: dict[str, Any] = {"_index": i}
        with_term = sum(len(refs_of[f][i]) for f in fields)
        idf = math.log(1 + abs((count - with_term + 0.5) / (with_term + 0.5)))
        for f in fields:
            refs = refs_of[f][i]
            posting[f] = dict.fromkeys(map(str, refs), NO_METADATA)
            tfs = payload.frequencies[f][i] or [1] * len(refs)
            for ref, tf in zip(refs, tfs):
                length = payload.lengths[f][ref]
                score = idf * ((K1 + 1) * tf) / (K1 * (1 - B + B * (length / averages[f])) + tf) * payload.fields[f]
                vectors[f][ref] += [i, score]
        inverted.append([term, posting])
    return {
        "version": "2.3.9",
        "fields": fields,
        "fieldVectors": [[f"{f}/{ref}", vectors[f][ref]] for f in fields for ref in range(count)],
        "invertedIndex": inverted,
        "pipeline": [],  # queries are stemmed by the search's own rules, never by lunr
    }


def lunr_executor(index: Index) -> Executor:
    """A `run_query` for `search`: lunr.py's Index.query, its results as `execute` gives them."""
    def run(searcher: Searcher, query: Query, words: list[QueryWord]) -> Run:
        found: dict[int, int] = {}
        exact: dict[int, int] = {}
        in_title: dict[int, int] = {}
        in_notes: set[int] = set()
        in_text: dict[int, int] = {}
        scores: dict[int, float] = {}
        for result in index.query(query):
            ref, matched = int(result["ref"]), result["match_data"].metadata
            scores[ref] = float(result["score"])
            for term, fields in matched.items():
                mask = sum(1 << i for i, w in enumerate(words) if w.found_by(term))
                found[ref] = found.get(ref, 0) | mask
                exact[ref] = exact.get(ref, 0) | sum(1 << i for i, w in enumerate(words) if term in (w.stem, w.whole))
                if "title" in fields:
                    in_title[ref] = in_title.get(ref, 0) | mask
                if "notes" in fields:
                    in_notes.add(ref)
                if set(fields) - FILED_UNDER:
                    in_text[ref] = in_text.get(ref, 0) | mask
        refs = sorted(scores)
        return Run(refs, [scores[ref] for ref in refs], found, exact, in_title, in_notes, in_text)
    return run
