"""Phrase-tagged pages + the user's tag corrections → what the corrections teach the rest of the library:
automatic tags changed on papers like the corrected ones, and the user's own tags suggested (never given).

A corrected paper is one whose `tags:` the user edited; its tags as the user left them are its labels.
Every paper is compared with the corrected ones (cosine of tf-idf over the words of its title and
abstract, a title word counting TITLE_TERMS times) and its NEIGHBOURS nearest vote: the share of their
similarity that carries a tag. One logistic regression over (paper, tag) pairs weighs that vote against
the taxonomy's phrases (did they give the tag, their score, was any phrase of it found). It has five
weights shared by all tags, so a few dozen corrections fit them: they learn how far this user's tags
follow the phrases and how far they follow similar papers. It is fitted on the corrected papers, each
compared with the others, and, at UNCORRECTED_WEIGHT, on a fixed sample of the other papers labelled by
their phrases (papers the user read and found rightly tagged are among them and look the same).

An uncorrected paper keeps a phrase tag unless its probability falls below DROP_BELOW, and gains a
taxonomy tag from ADD_AT; a paper keeps MAX_TAGS at most. A tag of the user's own, given to MIN_TAGGED
papers or more, is suggested for a paper when SUGGEST_VOTES of the SUGGEST_NEAREST corrected papers
most like it have it and the nearest of them is as alike to it as the tag's papers are to each other
(the median of each one's similarity to its nearest fellow): shown apart, never given. Corrected papers keep their phrase tags (the user's
`-tag` refer to them). With no corrections nothing here runs: the phrases alone decide.

A build keeps what `learn` returns in its memo, by the phrase findings' key (rules, every title and
abstract) and learning_inputs: a note, status or rating edit reuses it. An edit of any text or of any
paper's tags runs it again, whole: the words' idf, the phrases' weights and the fitted sample span all papers.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from sitegen.catalog import effective_tags
from sitegen.records import PaperPage, TagMatch, TagRule
from sitegen.tagging import MAX_TAGS, WORD, folded_key, without_urls

TITLE_TERMS = 3.0  # a word of the title counts as three in the abstract: the title names the topic
NEIGHBOURS = 10  # corrected papers that vote on a paper's tags
QUERY_TERMS = 48  # a paper's words that look for its neighbours: its heaviest
ADD_AT = 0.4  # a taxonomy tag the phrases did not give is added from this probability on
DROP_BELOW = 0.2  # a tag the phrases gave is taken off under this probability
UNCORRECTED_WEIGHT = 0.3  # an uncorrected paper's phrase tags, as labels, weigh this against a correction
UNCORRECTED_ROWS = 256  # uncorrected papers fitted on at most (a fixed sample, by a hash of the slug)
REGULARISATION = 1.0  # the pull of each weight but the bias towards 0
NEWTON_STEPS = 50
MIN_TAGGED = 3  # a tag of the user's own is suggested once the user gave it to this many papers
SUGGEST_NEAREST, SUGGEST_VOTES = 3, 2  # ... to a paper two of whose three nearest corrected papers have it
REASON_WORDS = 5  # words shown as the reason of a learned or suggested tag
STOP_WORDS = frozenset("""a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further had has have having
he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or
other our ours out over own same she should so some such than that the their them then there these they this those
through to too under until up very via was we were what when where which while who whom why will with would you your
yet thus however therefore hence whether use used using show shown propose proposed present paper approach method
result new""".split())

Vector = dict[str, float]
# bias, phrases gave it, log(1 + phrase score), a phrase found, neighbours' vote; to 0.01, so that equal pairs are fitted as one
Features = tuple[float, float, float, float, float]
NO_EVIDENCE: Features = (1.0, 0.0, 0.0, 0.0, 0.0)


Learned = dict[str, tuple[tuple[TagMatch, ...], tuple[TagMatch, ...]]]  # slug → (automatic tags, suggested tags), of the pages it changed


def learning_inputs(pages: Sequence[PaperPage]) -> list[tuple[str, tuple[str, ...]]]:
    """What `learn` reads of the pages besides their texts and phrase findings (which the phrases' memo key
    holds): their slugs and the user's tags. A note, a status or a rating is not among them."""
    return [(page.slug, page.user_tags) for page in pages]


def learn(pages: Sequence[PaperPage], candidates: dict[str, tuple[TagMatch, ...]], rules: tuple[TagRule, ...]) -> Learned:
    """What the corrections teach (see the module's docstring): the new automatic and suggested tags of the
    pages they change. `candidates`: each page's phrase candidates (tagging.phrase_candidates), `auto_tags`:
    the phrases' decision. It reads of the pages only their texts and learning_inputs."""
    corrected = [i for i, page in enumerate(pages) if page.user_tags]
    if not corrected:
        return {}
    labels = {i: frozenset(effective_tags(pages[i])) for i in corrected}
    given = Counter(tag for i in corrected for tag in labels[i])
    taxonomy = frozenset(rule.slug for rule in rules)
    own = frozenset(tag for tag, n in given.items() if tag not in taxonomy and n >= MIN_TAGGED)
    vectors = tfidf([terms_of(page) for page in pages])
    near = nearest(vectors, corrected)
    scores = [{m.tag: m.score for m in candidates[page.slug]} for page in pages]

    def features(i: int) -> dict[str, Features]:
        """A page's features for every taxonomy tag with any evidence; the others have NO_EVIDENCE."""
        total = sum(sim for sim, _ in near[i]) or 1.0
        votes: dict[str, float] = {}
        for sim, j in near[i]:
            for tag in labels[j] & taxonomy:
                votes[tag] = votes.get(tag, 0.0) + sim / total
        applied = {m.tag for m in pages[i].auto_tags}
        return {tag: (1.0, float(tag in applied), round(math.log1p(max(0.0, scores[i].get(tag, 0.0))), 2), float(tag in scores[i]),
                      round(votes.get(tag, 0.0), 2))
                for tag in sorted(taxonomy & (votes.keys() | scores[i].keys()))}

    page_features = [features(i) for i in range(len(pages))]
    alike = {tag: cohesion(tag, near, labels) for tag in sorted(own)}
    weights = fit(training_rows(pages, corrected, labels, page_features, taxonomy))
    learned: Learned = {}
    for i, page in enumerate(pages):
        suggested = suggestions(i, page, near, labels, alike, given, vectors)
        if i in labels:
            if suggested:
                learned[page.slug] = (page.auto_tags, suggested)
            continue
        chance = {tag: probability(weights, x) for tag, x in page_features[i].items()}
        kept = [m for m in page.auto_tags if chance.get(m.tag, 0.0) >= DROP_BELOW]
        if not kept and page.auto_tags:  # the phrases found its topic: learning re-ranks it, never leaves it untagged
            kept = [max(page.auto_tags, key=lambda m: chance.get(m.tag, 0.0))]
        have = {m.tag for m in kept}
        added = sorted((tag for tag, p in chance.items() if p >= ADD_AT and tag not in have), key=lambda t: (-chance[t], t))
        by_tag = {m.tag: m for m in candidates[page.slug]}
        gained = [replace(by_tag.get(tag, TagMatch(tag, ())), learned_from=given[tag], learned_words=reason_words(i, tag, near, labels, vectors))
                  for tag in added]
        tags = tuple(kept + gained)[:MAX_TAGS]
        if tags != page.auto_tags or suggested:
            learned[page.slug] = (tags, suggested)
    return learned


def terms_of(page: PaperPage) -> Vector:
    """A paper's words (folded as phrases fold them, stop words and numbers out), a title word TITLE_TERMS times."""
    counts: Vector = {}
    for text, weight in ((page.title, TITLE_TERMS), (page.abstract, 1.0)):
        for key in map(folded_key, WORD.findall(without_urls(text))):
            if len(key) > 1 and key not in STOP_WORDS and not key.isdigit():
                counts[key] = counts.get(key, 0.0) + weight
    return counts


def tfidf(counts: list[Vector]) -> list[Vector]:
    """Unit vectors of (1 + log count) × idf; a word of one paper only is left out (it cannot make two papers alike)."""
    df = Counter(term for terms in counts for term in terms)
    n = len(counts)
    vectors = []
    for terms in counts:
        vector = {term: (1 + math.log(c)) * math.log((n + 1) / (df[term] + 0.5)) for term, c in sorted(terms.items()) if df[term] > 1}
        norm = math.sqrt(sum(x * x for x in vector.values())) or 1.0
        vectors.append({term: x / norm for term, x in vector.items()})
    return vectors


def nearest(vectors: list[Vector], corrected: list[int]) -> list[list[tuple[float, int]]]:
    """Each paper's NEIGHBOURS most similar corrected papers (itself left out), most similar first, ties by position.

    One inverted index over the corrected papers' words, looked up with a paper's QUERY_TERMS heaviest
    words (they carry most of a cosine): a paper's cost is their postings, however long its abstract.
    """
    postings: dict[str, list[tuple[int, float]]] = {}
    for j in corrected:
        for term, x in vectors[j].items():
            postings.setdefault(term, []).append((j, x))
    near = []
    for i, vector in enumerate(vectors):
        sims: dict[int, float] = {}
        for term, x in heapq.nlargest(QUERY_TERMS, vector.items(), key=lambda tx: (tx[1], tx[0])):
            for j, y in postings.get(term, ()):
                sims[j] = sims.get(j, 0.0) + x * y
        sims.pop(i, None)
        near.append(sorted(heapq.nlargest(NEIGHBOURS, ((s, -j) for j, s in sims.items() if s > 0))))
    return [[(s, -j) for s, j in reversed(found)] for found in near]


Rows = dict[Features, list[float]]  # features → [weight, weight of the rows that have the tag]


def training_rows(pages: Sequence[PaperPage], corrected: list[int], labels: dict[int, frozenset[str]],
                  page_features: list[dict[str, Features]], taxonomy: frozenset[str]) -> Rows:
    """The (paper, tag) pairs to fit on, equal ones merged: corrected papers by their labels, a sample of the
    others by their phrase tags at UNCORRECTED_WEIGHT; a tag with no evidence on a paper is one NO_EVIDENCE row."""
    sample = sorted((i for i in range(len(pages)) if i not in labels),
                    key=lambda i: hashlib.blake2b(pages[i].slug.encode(), digest_size=8).digest())[:UNCORRECTED_ROWS]
    rows: Rows = {}
    for i, weight, tags in [(i, 1.0, labels[i]) for i in corrected] + [(i, UNCORRECTED_WEIGHT, frozenset(m.tag for m in pages[i].auto_tags)) for i in sorted(sample)]:
        for tag, x in page_features[i].items():
            row = rows.setdefault(x, [0.0, 0.0])
            row[0] += weight
            row[1] += weight * (tag in tags)
        row = rows.setdefault(NO_EVIDENCE, [0.0, 0.0])
        row[0] += weight * (len(taxonomy) - len(page_features[i]))
        row[1] += weight * len(tags & taxonomy - page_features[i].keys())
    return rows


def fit(rows: Rows) -> Features:
    """Logistic regression by Newton's method (five weights: a 5×5 system), L2-regularised but for the bias."""
    size = len(NO_EVIDENCE)
    w = [0.0] * size
    for _ in range(NEWTON_STEPS):
        gradient = [REGULARISATION * w[k] if k else 0.0 for k in range(size)]
        hessian = [[REGULARISATION if k == m and k else 0.0 for m in range(size)] for k in range(size)]
        for x, (weight, positive) in sorted(rows.items()):
            p = probability(w, x)
            error, curvature = weight * p - positive, weight * p * (1 - p)
            for k in range(size):
                if x[k]:
                    gradient[k] += error * x[k]
                    for m in range(k, size):
                        hessian[k][m] += curvature * x[k] * x[m]
        for k in range(size):
            for m in range(k):
                hessian[k][m] = hessian[m][k]
        step = solve(hessian, gradient)
        w = [a - b for a, b in zip(w, step)]
        if max(map(abs, step)) < 1e-9:
            break
    return (w[0], w[1], w[2], w[3], w[4])


def probability(w: Sequence[float], x: Features) -> float:
    z = sum(a * b for a, b in zip(w, x))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """matrix⁻¹ · vector by Gaussian elimination with partial pivoting (the matrix is small and positive definite)."""
    n = len(vector)
    rows = [row[:] + [vector[k]] for k, row in enumerate(matrix)]
    for c in range(n):
        pivot = max(range(c, n), key=lambda r: abs(rows[r][c]))
        rows[c], rows[pivot] = rows[pivot], rows[c]
        if rows[c][c] == 0:
            continue
        for r in range(n):
            if r != c:
                f = rows[r][c] / rows[c][c]
                rows[r] = [a - f * b for a, b in zip(rows[r], rows[c])]
    return [rows[k][n] / rows[k][k] if rows[k][k] else 0.0 for k in range(n)]


def cohesion(tag: str, near: list[list[tuple[float, int]]], labels: dict[int, frozenset[str]]) -> float:
    """How alike the papers the user gave a tag are: the median, over them, of the similarity to the nearest other one."""
    alike = sorted(next((sim for sim, j in near[i] if tag in labels[j]), 0.0) for i in labels if tag in labels[i])
    return alike[len(alike) // 2]


def suggestions(i: int, page: PaperPage, near: list[list[tuple[float, int]]], labels: dict[int, frozenset[str]],
                alike: dict[str, float], given: Counter[str], vectors: list[Vector]) -> tuple[TagMatch, ...]:
    """The user's own tags (`alike`: each with its cohesion) that SUGGEST_VOTES of the SUGGEST_NEAREST corrected
    papers most like this one have, the nearest of them as alike to it as the tag's papers are to each other."""
    has = set(effective_tags(page))
    closest = near[i][:SUGGEST_NEAREST]
    found = []
    for tag in sorted(alike.keys() - has):
        votes = [sim for sim, j in closest if tag in labels[j]]
        if len(votes) >= SUGGEST_VOTES and votes[0] >= alike[tag]:
            found.append((-sum(votes), tag))
    return tuple(TagMatch(tag, (), round(-similarity, 2), learned_from=given[tag], learned_words=reason_words(i, tag, near, labels, vectors))
                 for similarity, tag in sorted(found))


def reason_words(i: int, tag: str, near: list[list[tuple[float, int]]], labels: dict[int, frozenset[str]], vectors: list[Vector]) -> tuple[str, ...]:
    """The words that made this paper like its neighbours with the tag: the largest shares of those similarities."""
    share: dict[str, float] = {}
    for _, j in near[i]:
        if tag in labels[j]:
            for term, x in vectors[i].items():
                if term in vectors[j]:
                    share[term] = share.get(term, 0.0) + x * vectors[j][term]
    return tuple(term for term, _ in sorted(share.items(), key=lambda tx: (-tx[1], tx[0]))[:REASON_WORDS])
