"""PaperPages → for each paper, the closest others by the words of title and abstract.

TF-IDF over stems with lunr's stop words removed, cosine similarity, and the shared terms that
weigh most as the reason. Candidates come from an inverted index of each paper's strongest
terms, so the work grows with the postings touched, not with the square of the papers.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from lunr.stop_word_filter import WORDS as STOP_WORDS

from sitegen.records import PaperPage
from sitegen.words import WORD, stem

STRONG_TERMS = 24


@dataclass(frozen=True)
class Related:
    slug: str
    score: float
    terms: tuple[str, ...]


def related_papers(pages: list[PaperPage], count: int) -> dict[str, tuple[Related, ...]]:
    """Up to `count` related papers per slug, best first, ties broken by slug for a stable build."""
    surface: dict[str, Counter[str]] = {}
    term_counts: list[Counter[str]] = []
    for page in pages:
        counts: Counter[str] = Counter()
        for word in WORD.findall(f"{page.title} {page.title} {page.abstract}".casefold()):
            if len(word) > 2 and word not in STOP_WORDS and not word.isdigit():
                s = stem(word)
                counts[s] += 1
                surface.setdefault(s, Counter())[word] += 1
        term_counts.append(counts)
    document_frequency = Counter(t for counts in term_counts for t in counts)
    total = len(pages)
    vectors = []
    for counts in term_counts:
        weights = {t: (1 + math.log(c)) * math.log(1 + total / document_frequency[t]) for t, c in counts.items()
                   if document_frequency[t] > 1}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        vectors.append({t: w / norm for t, w in weights.items()})
    postings: dict[str, list[int]] = {}
    for i, vector in enumerate(vectors):
        for term in sorted(vector, key=lambda t: (-vector[t], t))[:STRONG_TERMS]:
            postings.setdefault(term, []).append(i)
    word_for = {s: words.most_common(1)[0][0] for s, words in surface.items()}
    result: dict[str, tuple[Related, ...]] = {}
    for i, vector in enumerate(vectors):
        candidates = {j for term in vector for j in postings.get(term, ()) if j != i}
        scored = []
        for j in candidates:
            other = vectors[j]
            shared = [(vector[t] * other[t], t) for t in vector.keys() & other.keys()]
            score = sum(w for w, _ in shared)
            terms = tuple(word_for[t] for _, t in sorted(shared, key=lambda x: (-x[0], x[1]))[:3])
            scored.append(Related(pages[j].slug, round(score, 6), terms))
        scored.sort(key=lambda r: (-r.score, r.slug))
        result[pages[i].slug] = tuple(scored[:count])
    return result
