"""(id, title, abstract) of each paper → for each, the closest others by the words they use.

TF-IDF over stems (lunr's stop words removed), cosine similarity, and the shared terms that weigh
most as the reason. Candidates are gathered term at a time over each paper's strongest terms, so the
work grows with the postings touched rather than with the square of the number of papers; the
best candidates are then scored exactly over all their shared terms.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from dataclasses import dataclass
from operator import itemgetter

from lunr.stop_word_filter import WORDS as STOP_WORDS

from sitegen.words import WORD, stem

# Words every abstract uses: sharing them says nothing about two papers being close.
ABSTRACT_WORDS = frozenset("""
    paper papers propose proposed proposes method methods approach approaches show shows shown results result
    novel new use used using based also importantly significantly significant furthermore moreover however
    existing present presents introduce introduces work works demonstrate demonstrates experiments experimental
    extensive state art performance effective effectively various different several first well able achieve achieves
""".split())
STRONG_TERMS = 10  # per paper, for finding candidates
CHAMPIONS = 40  # per term: the papers where it weighs most
CANDIDATES = 15  # scored exactly, per paper


@dataclass(frozen=True)
class Related:
    """Another paper (by its page's slug), and why."""

    slug: str
    score: float
    terms: tuple[str, ...]


Document = tuple[str, str, str]  # (id, title, abstract)


def term_counts(doc: Document, surface: dict[str, Counter[str]]) -> Counter[str]:
    """Stem counts of title (twice: it says most) and abstract; `surface` learns each stem's words."""
    _, title, abstract = doc
    words = [w for w in WORD.findall(f"{title} {title} {abstract}".casefold())
             if len(w) > 2 and w not in STOP_WORDS and w not in ABSTRACT_WORDS and not w.isdigit()]
    for word in words:
        s = stem(word)
        seen = surface.get(s)
        if seen is None:
            seen = surface[s] = Counter()
        seen[word] += 1
    return Counter(stem(w) for w in words)


def related_papers(docs: list[Document], count: int) -> dict[str, tuple[Related, ...]]:
    """Up to `count` related papers per id, best first, ties broken by id for a stable build."""
    surface: dict[str, Counter[str]] = {}
    counts = [term_counts(doc, surface) for doc in docs]
    document_frequency = Counter(t for c in counts for t in c)
    total = len(docs)
    vectors: list[dict[str, float]] = []
    for c in counts:
        weights = {t: (1 + math.log(n)) * math.log(1 + total / document_frequency[t]) for t, n in c.items()
                   if document_frequency[t] > 1}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        vectors.append({t: w / norm for t, w in weights.items()})
    strong = [[t for _, t in heapq.nsmallest(STRONG_TERMS, [(-w, t) for t, w in v.items()])] for v in vectors]
    postings: dict[str, list[tuple[float, int]]] = {}  # term → (-weight, paper) of its champions, best first
    for i, terms in enumerate(strong):
        for term in terms:
            postings.setdefault(term, []).append((-vectors[i][term], i))
    for champions in postings.values():
        champions.sort()
        del champions[CHAMPIONS:]
    word_for = {s: words.most_common(1)[0][0] for s, words in surface.items()}
    result: dict[str, tuple[Related, ...]] = {}
    for i, vector in enumerate(vectors):
        partial: dict[int, float] = {}
        for term in strong[i]:
            weight = -vector[term]  # times a champion's -weight: the product of the two weights
            for other_weight, j in postings[term]:
                partial[j] = partial.get(j, 0.0) + weight * other_weight
        partial.pop(i, None)
        scored = []
        for j in heapq.nsmallest(CANDIDATES, partial, key=lambda j: (-partial[j], j)):
            other = vectors[j]
            # (-weight, term), sorted: heaviest first, ties by term; the score sums them in that order
            shared = sorted([(-vector[t] * other[t], t) for t in vector.keys() & other.keys()])
            score = round(-sum(map(itemgetter(0), shared)), 6)
            scored.append(Related(docs[j][0], score, tuple(word_for[t] for _, t in shared[:3])))
        scored.sort(key=lambda r: (-r.score, r.slug))
        result[docs[i][0]] = tuple(scored[:count])
    return result
