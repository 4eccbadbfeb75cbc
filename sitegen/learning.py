"""Phrase-tagged pages + the user's tag corrections → what the corrections teach the rest of the library:
automatic tags changed on papers like the corrected ones, and the user's own tags suggested (never given).

A corrected paper is one whose `tags:` the user edited; its tags as the user left them are its labels. Its
taxonomy tags teach only if the user added or removed one of them there (a reviewed paper): a tag of one's own
added to a page says nothing of the automatic tags beside it, which may never have been read.
Every paper is compared with the corrected ones (cosine of tf-idf over the words of its title and
abstract, a title word counting TITLE_TERMS times) and its NEIGHBOURS nearest vote: the share of their
similarity that carries a tag. A tag's probability on a paper is a logistic regression of that vote
and the taxonomy's phrases (their score, was any phrase of it found). The phrases' weights are fixed
(WEIGHTS), not fitted to the library: the corrected papers are where the user checked the phrases,
and often where they were tuned (a phrase added for a paper that was missed), so phrases look more
reliable on them than on the papers still to tag, and weights fitted there trusted the phrases and
let the vote add nothing (benchmarks/tag_quality.py --corrections --tuned-on-corrected). The vote's
weight and the bias are fitted on the corrected papers, each voted on by the others (which a phrase's
tuning cannot flatter), pulled towards WEIGHTS: a regression over (paper, tag) pairs of papers whose
phrases were not tuned on them.

An unreviewed paper keeps a phrase tag unless its probability falls below DROP_BELOW and the user removed that
tag from a reviewed paper among its voters (that is the reason it goes: a paper merely without the tag is
no word against it), and gains a taxonomy tag from ADD_AT that a reviewed voter has; a paper keeps MAX_TAGS at most. A tag of the user's own, given to MIN_TAGGED
papers or more, is suggested for a paper when SUGGEST_VOTES of its NEIGHBOURS most similar voters have it
and they hold SUGGEST_SHARE of those neighbours' similarity: shown apart, never given. A rank among the
library's papers, not a similarity of its own, as how alike two papers are depends on how they are
worded (the tag's papers' similarity to each other, the rule before, was a bar no paper cleared when
they were alike and one every paper cleared when they were not). Corrected papers keep their phrase
tags (the user's `-tag` refer to them). With no corrections nothing here runs: the phrases alone decide.

A build keeps what `learn` returns in its memo, by the phrase findings' key (rules, every title and
abstract) and learning_inputs: a note, status or rating edit reuses it. An edit of any text or of any
paper's tags runs it again, whole: the words' idf and the phrases' weights span all papers.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import replace

from sitegen.catalog import effective_tags
from sitegen.parse import slugify
from sitegen.records import PaperPage, TagMatch, TagRule
from sitegen.tagging import MAX_TAGS, WORD, folded_key, without_urls

TITLE_TERMS = 3.0  # a word of the title counts as three in the abstract: the title names the topic
NEIGHBOURS = 10  # corrected papers that vote on a paper's tags
QUERY_TERMS = 48  # a paper's words that look for its neighbours: its heaviest
ADD_AT = 0.4  # a taxonomy tag the phrases did not give is added from this probability on
DROP_BELOW = 0.2  # a tag the phrases gave is taken off under this probability
# A tag's log-odds: bias, log(1 + phrase score), a phrase found, neighbours' vote. Fitted on dev splits of the
# labelled example papers tagged with a taxonomy not tuned on them (tag_quality.py --tuned-on-corrected, seeds 0-2).
WEIGHTS = (-4.8, 2.3, 1.5, 4.8)
PRIOR_PULL = 1.0  # how hard the fitted bias and vote weight are pulled towards WEIGHTS
NEWTON_STEPS = 50
UNCORRECTED_VOTE = 0.3  # an uncorrected paper's phrase tags, in a vote, weigh this against a corrected paper's tags
UNCORRECTED_VOTERS = 256  # uncorrected papers that vote at most (a fixed sample, by a hash of the slug), with or without tags
MIN_TAGGED = 3  # a tag of the user's own is suggested once the user gave it to this many papers
SUGGEST_VOTES, SUGGEST_SHARE = 2, 0.15  # ... to a paper two of whose NEIGHBOURS most similar voters have it, with this share of their similarity
REASON_WORDS = 5  # words shown as the reason of a learned or suggested tag
STOP_WORDS = frozenset("""a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further had has have having
he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or
other our ours out over own same she should so some such than that the their them then there these they this those
through to too under until up very via was we were what when where which while who whom why will with would you your
yet thus however therefore hence whether use used using show shown propose proposed present paper approach method
result new""".split())

Vector = dict[str, float]
Features = tuple[float, float, float, float]  # what WEIGHTS weigh, in their order


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
    taxonomy = frozenset(rule.slug for rule in rules)
    reviewed = {i for i in corrected if any(slugify(tag.removeprefix("-")) in taxonomy for tag in pages[i].user_tags)}
    labels = {i: frozenset(effective_tags(pages[i])) - (frozenset() if i in reviewed else taxonomy) for i in corrected}
    removed = {i: frozenset(slugify(tag[1:]) for tag in pages[i].user_tags if tag.startswith("-")) for i in reviewed}
    given = Counter(tag for i in corrected for tag in labels[i])
    own = frozenset(tag for tag, n in given.items() if tag not in taxonomy and n >= MIN_TAGGED)
    vectors = tfidf([terms_of(page) for page in pages])
    uncorrected = sorted((i for i in range(len(pages)) if i not in labels),
                         key=lambda i: hashlib.blake2b(pages[i].slug.encode(), digest_size=8).digest())[:UNCORRECTED_VOTERS]
    # An unreviewed page votes with its phrase tags, as an uncorrected one does (and with its own tags, for suggestions).
    voters = ({i: (labels[i], 1.0) for i in reviewed}
              | {i: (frozenset(m.tag for m in pages[i].auto_tags) | labels.get(i, frozenset()), UNCORRECTED_VOTE)
                 for i in [*uncorrected, *(i for i in corrected if i not in reviewed)]})
    voted, near = nearest(vectors, voters, labels)
    scores = [{m.tag: m.score for m in candidates[page.slug]} for page in pages]

    def features(i: int) -> dict[str, Features]:
        """A page's features for every taxonomy tag with any evidence (a tag with none is never added)."""
        total = sum(sim * voters[j][1] for sim, j in voted[i]) or 1.0
        votes: dict[str, float] = {}
        for sim, j in voted[i]:
            for tag in voters[j][0] & taxonomy:
                votes[tag] = votes.get(tag, 0.0) + sim * voters[j][1] / total
        return {tag: (1.0, math.log1p(max(0.0, scores[i].get(tag, 0.0))), float(tag in scores[i]), votes.get(tag, 0.0))
                for tag in sorted(taxonomy & (votes.keys() | scores[i].keys()))}

    fitted = {i: features(i) for i in sorted(reviewed)}
    weights = fit_vote([(x, tag in labels[i]) for i in fitted for tag, x in fitted[i].items()],
                       sum(len(taxonomy - fitted[i].keys()) for i in fitted), sum(len(labels[i] & taxonomy - fitted[i].keys()) for i in fitted))
    learned: Learned = {}
    for i, page in enumerate(pages):
        suggested = suggestions(i, page, voted[i], near, labels, own, given, vectors)
        if i in reviewed:
            if suggested:
                learned[page.slug] = (page.auto_tags, suggested)
            continue
        chance = {tag: probability(weights, x) for tag, x in features(i).items()}
        # Only what papers you reviewed say changes a paper: a tag goes if you removed it from one of them among
        # its voters, comes if one of them has it (its reason names them), never on the other voters' word alone.
        taught = [labels[j] for _, j in voted[i] if j in reviewed]
        unwanted = frozenset().union(*(removed[j] for _, j in voted[i] if j in reviewed))
        kept = [m for m in page.auto_tags if chance.get(m.tag, 0.0) >= DROP_BELOW or m.tag not in unwanted]
        if not kept and page.auto_tags:  # the phrases found its topic: learning re-ranks it, never leaves it untagged
            kept = [max(page.auto_tags, key=lambda m: chance.get(m.tag, 0.0))]
        have = {m.tag for m in kept}
        added = sorted((tag for tag, p in chance.items() if p >= ADD_AT and tag not in have and any(tag in tags for tags in taught)),
                       key=lambda t: (-chance[t], t))
        by_tag = {m.tag: m for m in candidates[page.slug]}
        gained = [replace(by_tag.get(tag, TagMatch(tag, ())), learned_from=given[tag], learned_words=reason_words(i, page, tag, near, labels, vectors))
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


Near = list[tuple[float, int]]  # (similarity, paper), most similar first


def nearest(vectors: list[Vector], voters: Collection[int], corrected: Collection[int]) -> tuple[list[Near], list[Near]]:
    """Each paper's NEIGHBOURS most similar voters, and its NEIGHBOURS most similar corrected papers (among
    the voters), itself left out, ties by position.

    One inverted index over the voters' words, looked up with a paper's QUERY_TERMS heaviest words (they
    carry most of a cosine): a paper's cost is their postings, however long its abstract.
    """
    postings: dict[str, list[tuple[int, float]]] = {}
    for j in sorted(voters):
        for term, x in vectors[j].items():
            postings.setdefault(term, []).append((j, x))
    voted, near = [], []
    for i, vector in enumerate(vectors):
        sims: defaultdict[int, float] = defaultdict(float)
        for term, x in heapq.nlargest(QUERY_TERMS, vector.items(), key=lambda tx: (tx[1], tx[0])):
            for j, y in postings.get(term, ()):
                sims[j] += x * y
        sims.pop(i, None)
        ranked = [(s, -j) for j, s in sims.items()]  # -j: of equal similarities, the first paper
        voted.append(most_similar(ranked))
        near.append(most_similar([sj for sj in ranked if -sj[1] in corrected]))
    return voted, near


def most_similar(ranked: list[tuple[float, int]]) -> Near:
    """The NEIGHBOURS most similar of (similarity, -paper) pairs with any similarity, most similar first."""
    return [(s, -j) for s, j in sorted(heapq.nlargest(NEIGHBOURS, ranked), reverse=True) if s > 0]


def probability(w: Features, x: Features) -> float:
    z = sum(a * b for a, b in zip(w, x))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def fit_vote(pairs: list[tuple[Features, bool]], blank: int, blank_positive: int) -> Features:
    """WEIGHTS with the bias and the vote's weight fitted to the corrected papers' (paper, tag) pairs, the
    phrases' two held: a logistic regression by Newton's method, each weight pulled towards its value in
    WEIGHTS by PRIOR_PULL (a handful of corrections moves them little). `blank`: the pairs with no evidence,
    `blank_positive` of them the user's tags; equal pairs, to 0.01, are fitted as one."""
    rows: dict[tuple[float, float], list[float]] = {(0.0, 0.0): [float(blank), float(blank_positive)]}
    for x, has_tag in pairs:
        row = rows.setdefault((round(x[1] * WEIGHTS[1] + x[2] * WEIGHTS[2], 2), round(x[3], 2)), [0.0, 0.0])
        row[0] += 1
        row[1] += has_tag
    bias, vote = WEIGHTS[0], WEIGHTS[3]
    for _ in range(NEWTON_STEPS):
        g0, g1 = PRIOR_PULL * (bias - WEIGHTS[0]), PRIOR_PULL * (vote - WEIGHTS[3])
        h00, h01, h11 = PRIOR_PULL, 0.0, PRIOR_PULL
        for (offset, v), (n, positive) in sorted(rows.items()):
            p = probability((bias, 1.0, 0.0, vote), (1.0, offset, 0.0, v))
            error, curvature = n * p - positive, n * p * (1 - p)
            g0, g1 = g0 + error, g1 + error * v
            h00, h01, h11 = h00 + curvature, h01 + curvature * v, h11 + curvature * v * v
        det = h00 * h11 - h01 * h01
        step_bias, step_vote = (h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det
        bias, vote = bias - step_bias, vote - step_vote
        if max(abs(step_bias), abs(step_vote)) < 1e-9:
            break
    return (bias, WEIGHTS[1], WEIGHTS[2], vote)


def suggestions(i: int, page: PaperPage, voted: Near, near: list[Near], labels: dict[int, frozenset[str]],
                own: frozenset[str], given: Counter[str], vectors: list[Vector]) -> tuple[TagMatch, ...]:
    """The user's own tags that SUGGEST_VOTES of the paper's most similar voters (`voted`) have, with SUGGEST_SHARE
    of their similarity: among the papers most like this one, the tag's papers are more than a stray one."""
    has = set(effective_tags(page))
    total = sum(sim for sim, _ in voted) or 1.0
    found = []
    for tag in sorted(own - has):
        votes = [sim for sim, j in voted if j in labels and tag in labels[j]]
        if len(votes) >= SUGGEST_VOTES and sum(votes) >= SUGGEST_SHARE * total:
            found.append((-sum(votes), tag))
    return tuple(TagMatch(tag, (), round(-similarity, 2), learned_from=given[tag], learned_words=reason_words(i, page, tag, near, labels, vectors))
                 for similarity, tag in sorted(found))


def reason_words(i: int, page: PaperPage, tag: str, near: list[Near], labels: dict[int, frozenset[str]], vectors: list[Vector]) -> tuple[str, ...]:
    """The words that made this paper like its neighbours with the tag: the largest shares of those similarities,
    each as this paper first writes it ('biases', not the key 'biase' it was compared by)."""
    share: dict[str, float] = {}
    for _, j in near[i]:
        if tag in labels[j]:
            for term, x in vectors[i].items():
                if term in vectors[j]:
                    share[term] = share.get(term, 0.0) + x * vectors[j][term]
    written: dict[str, str] = {}
    for text in (page.title, page.abstract):
        for word in WORD.findall(without_urls(text)):
            written.setdefault(folded_key(word), word if any(c.isupper() for c in word[1:]) else word.lower())
    return tuple(written.get(term, term) for term, _ in sorted(share.items(), key=lambda tx: (-tx[1], tx[0]))[:REASON_WORDS])
