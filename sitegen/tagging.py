"""Taxonomy (content/taxonomy.yml) → automatic tags for each PaperPage, each with a score and its evidence.

Phrases match surface forms, not stems: only a plural 's' is ignored, so "optimal" never fires
"optimizer" and "by contrast" never fires "contrastive". A phrase written with capitals inside a
word (CLIP, ViT, 3D) is an acronym and matches only with those capitals. Title and abstract are
matched apart, and a phrase never spans a sentence break, a comma or a link; a tag's `not` phrases
cancel the matches they overlap. A tag's score adds, for each phrase found, TITLE_WEIGHT for a
title match plus one per abstract mention times how specific the phrase is across all papers
(one in most abstracts says little). A tag applies at MIN_SCORE or more, the MAX_TAGS best per
paper. The user's own tags are applied by PaperPage.tags.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from sitegen.errors import SourceError
from sitegen.parse import slugify
from sitegen.records import PaperPage, TagEvidence, TagMatch, TagRule
from sitegen.yamlsource import compose_mapping

RULE_KEYS = ("title", "description", "phrases", "not")
TITLE_WEIGHT = 2.0  # a phrase in the title counts as much as two mentions in the abstract
MAX_MENTIONS = 3  # abstract mentions of one phrase counted at most this often
MIN_SCORE = 2.0  # a title match, or two mentions in the abstract, of a specific phrase
MIN_SCORE_ALONE = 1.0  # the best tag of a paper that has no tag at MIN_SCORE
MAX_TAGS = 3
CONTEXT_WORDS = 6  # words shown either side of a match in the reason
SPECIFIC_SHARE = 50  # a phrase found in at most 1 paper in 50 keeps its full weight
MIN_CORPUS = 100  # on a smaller site every phrase weighs 1

WORD = re.compile(r"[^\W_]+")
PHRASE_BREAK = re.compile(r"[.!?;:,](?:\s|$)|\n")  # a phrase never spans a sentence or a list
URL = re.compile(r"\b(?:https?://|www\.)\S+")
ACRONYM = re.compile(r"^.+[A-Z]|^[A-Z0-9]+$")


@dataclass(frozen=True)
class Words:
    """A text's words as parallel lists (hundreds per abstract, so no object per word)."""

    text: str
    folded: list[str]  # lower case, plural 's' stripped: what an ordinary phrase word matches
    exact: list[str]  # as written, plural 's' after a capital stripped: what an acronym matches
    sentence: list[int]  # a phrase matches only inside one sentence (or between commas)
    spans: list[tuple[int, int]]  # where each word stands in the text

    @classmethod
    def of(cls, text: str) -> Words:
        """The words of a text; words inside a URL are not the paper's words."""
        cleaned = URL.sub(lambda url: " " * len(url.group()), text)  # same length: offsets still point into text
        breaks = [m.start() for m in PHRASE_BREAK.finditer(cleaned)]
        found = list(WORD.finditer(cleaned))
        keys = [word_keys(m.group()) for m in found]
        spans = [m.span() for m in found]
        return cls(text, [k[0] for k in keys], [k[1] for k in keys], [bisect_left(breaks, start) for start, _ in spans], spans)


@dataclass(frozen=True)
class PhraseWord:
    """One word of a taxonomy phrase: an acronym matches as written, any other word ignoring case."""

    key: str
    acronym: bool

    def matches(self, words: Words, i: int) -> bool:
        return (words.exact[i] if self.acronym else words.folded[i]) == self.key


Phrase = tuple[PhraseWord, ...]


def singular(word: str) -> str:
    """The word without a plural ending: only the forms English plurals take, never a stem."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=200_000)
def word_keys(word: str) -> tuple[str, str]:
    """What an ordinary phrase word and an acronym match this word under (memoized: words repeat a lot)."""
    exact = word[:-1] if len(word) > 2 and word.endswith("s") and word[-2].isupper() else word
    return singular(word.casefold()), exact


def phrase_words(phrase: str) -> Phrase:
    """A taxonomy phrase as the words it matches; words with inner capitals are acronyms."""
    return tuple(PhraseWord(w, True) if ACRONYM.match(w) else PhraseWord(singular(w.casefold()), False)
                 for w in WORD.findall(phrase))


def load_taxonomy(path: Path, text: str) -> tuple[TagRule, ...]:
    """Parse and check the taxonomy: every problem is an error at the tag's line."""
    rules = []
    for slug, entry in compose_mapping(path, text, first_line=1).items():
        if slugify(slug) != slug:
            raise SourceError(path, entry.key_line, f"tag '{slug}' must be lower-case words joined by '-' (try '{slugify(slug)}')")
        spec = entry.value
        if not isinstance(spec, dict):
            raise SourceError(path, entry.key_line, f"tag '{slug}' needs 'phrases:' (and may have 'title:', 'description:', 'not:')")
        unknown = sorted(set(spec) - set(RULE_KEYS))
        if unknown:
            raise SourceError(path, entry.key_line, f"tag '{slug}': unknown key '{unknown[0]}' (known: {', '.join(RULE_KEYS)})")
        phrases = spec.get("phrases")
        if not is_phrase_list(phrases) or not phrases:
            raise SourceError(path, entry.key_line, f"tag '{slug}': 'phrases' must be a list of words or phrases")
        excluded = spec.get("not", [])
        if not is_phrase_list(excluded):
            raise SourceError(path, entry.key_line, f"tag '{slug}': 'not' must be a list of words or phrases")
        for key in ("title", "description"):
            if not isinstance(spec.get(key, ""), str):
                raise SourceError(path, entry.key_line, f"tag '{slug}': '{key}' must be text")
        title = spec.get("title") or slug.replace("-", " ").capitalize()
        rules.append(TagRule(slug, title, spec.get("description", ""), tuple(phrases), tuple(excluded)))
    return tuple(rules)


def is_phrase_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(p, str) and phrase_words(p) for p in value)


@dataclass(frozen=True)
class Occurrence:
    """One place a tag's phrase stands in a title or abstract (token span, end exclusive)."""

    tag: str
    phrase: str
    in_title: bool
    start: int
    end: int

    def within(self, other: Occurrence) -> bool:
        return (self.in_title == other.in_title and other.start <= self.start and self.end <= other.end
                and (other.end - other.start) > (self.end - self.start))


@dataclass(frozen=True)
class IndexedPhrase:
    """A phrase or `not` phrase of one tag, ready to be matched."""

    tag: str
    text: str
    words: Phrase
    excluded: bool  # one of the tag's `not` phrases
    plain_keys: list[str] | None  # the words' keys when none is an acronym: a slice of the text compares at once

    @classmethod
    def of(cls, tag: str, text: str, excluded: bool) -> IndexedPhrase:
        words = phrase_words(text)
        return cls(tag, text, words, excluded, None if any(w.acronym for w in words) else [w.key for w in words])

    def matches_at(self, words: Words, i: int) -> bool:
        """Whether the phrase's words stand in a row from word i on (whose first word matched), inside one sentence."""
        n = len(self.words)
        if n == 1:
            return True
        if i + n > len(words.folded) or words.sentence[i] != words.sentence[i + n - 1]:
            return False
        if self.plain_keys is not None:
            return words.folded[i : i + n] == self.plain_keys
        return all(self.words[j].matches(words, i + j) for j in range(1, n))


PhraseIndex = dict[str, tuple[IndexedPhrase, ...]]


@lru_cache(maxsize=16)
def phrase_index(rules: tuple[TagRule, ...]) -> tuple[PhraseIndex, PhraseIndex]:
    """Phrases and `not` phrases by first word (ordinary words, acronyms): each word of a text looks up only its own."""
    ordinary: dict[str, list[IndexedPhrase]] = {}
    acronyms: dict[str, list[IndexedPhrase]] = {}
    for rule in rules:
        for texts, excluded in ((rule.phrases, False), (rule.excluded, True)):
            for text in texts:
                phrase = IndexedPhrase.of(rule.slug, text, excluded)
                first = phrase.words[0]
                (acronyms if first.acronym else ordinary).setdefault(first.key, []).append(phrase)
    return ({k: tuple(v) for k, v in ordinary.items()}, {k: tuple(v) for k, v in acronyms.items()})


def occurrences(title: Words, abstract: Words, rules: tuple[TagRule, ...]) -> list[Occurrence]:
    """Every phrase occurrence outside its tag's `not` phrases, each counted once (a longer phrase of the tag wins)."""
    ordinary, acronyms = phrase_index(rules)
    found: list[Occurrence] = []
    for in_title, words in ((True, title), (False, abstract)):
        hits: list[Occurrence] = []
        excluded: list[Occurrence] = []
        for i, (folded, exact) in enumerate(zip(words.folded, words.exact)):
            for candidates in (ordinary.get(folded), acronyms.get(exact)):
                for phrase in candidates or ():
                    if phrase.matches_at(words, i):
                        hit = Occurrence(phrase.tag, phrase.text, in_title, i, i + len(phrase.words))
                        (excluded if phrase.excluded else hits).append(hit)
        found += [o for o in hits if not any(x.tag == o.tag and x.start < o.end and o.start < x.end for x in excluded)]
    # Two phrases of a tag that are the same words ("self-supervised", "self supervised") count once.
    distinct: dict[tuple[str, bool, int, int], Occurrence] = {}
    for o in found:
        distinct.setdefault((o.tag, o.in_title, o.start, o.end), o)
    return [o for o in distinct.values() if not any(o.within(other) for other in distinct.values() if other.tag == o.tag)]


@dataclass(frozen=True)
class PageText:
    """A page's title and abstract as words, and where the taxonomy's phrases stand in them."""

    title: Words
    abstract: Words
    found: list[Occurrence]

    @classmethod
    def of(cls, page: PaperPage, rules: tuple[TagRule, ...]) -> PageText:
        title, abstract = Words.of(page.title), Words.of(page.abstract)
        return cls(title, abstract, occurrences(title, abstract, rules))


def phrase_specificity(texts: Iterable[PageText]) -> dict[tuple[str, str], float]:
    """Each (tag, phrase)'s weight from how many papers it occurs in: 1 when rare, less as it becomes common.

    Inverse document frequency, scaled so that a phrase in at most one paper in SPECIFIC_SHARE
    weighs 1 and a phrase in every paper weighs 0. On a site of fewer than MIN_CORPUS papers every
    phrase weighs 1: a handful of papers cannot show that a phrase is common.
    """
    counts: dict[tuple[str, str], int] = {}
    n = 0
    for text in texts:
        n += 1
        for key in {(o.tag, o.phrase) for o in text.found}:
            counts[key] = counts.get(key, 0) + 1
    if n < MIN_CORPUS:
        return dict.fromkeys(counts, 1.0)
    return {key: min(1.0, math.log(n / c) / math.log(SPECIFIC_SHARE)) for key, c in counts.items()}


def context(words: Words, start: int, end: int) -> tuple[str, str, str]:
    """The matched words with up to CONTEXT_WORDS words either side, as (before, match, after)."""
    spans, text = words.spans, words.text
    left = spans[max(0, start - CONTEXT_WORDS)][0]
    right = spans[min(len(spans), end + CONTEXT_WORDS) - 1][1]
    before = ("…" if start > CONTEXT_WORDS else "") + text[left : spans[start][0]]
    after = text[spans[end - 1][1] : right] + ("…" if end + CONTEXT_WORDS < len(spans) else "")
    return before, text[spans[start][0] : spans[end - 1][1]], after


def score_tags(text: PageText, weight: dict[tuple[str, str], float]) -> tuple[TagMatch, ...]:
    """The tags at MIN_SCORE or above, best first (MAX_TAGS at most), each with its evidence.

    A paper with no tag that strong keeps its best one if that reaches MIN_SCORE_ALONE: one
    specific mention is weak evidence, but better than leaving the paper out of every tag page.
    """
    by_tag: dict[str, list[Occurrence]] = {}
    for o in text.found:
        by_tag.setdefault(o.tag, []).append(o)
    scores: list[tuple[float, str]] = []
    for tag, found in by_tag.items():
        score = 0.0
        for phrase in {o.phrase for o in found}:
            in_title = any(o.in_title for o in found if o.phrase == phrase)
            mentions = min(MAX_MENTIONS, sum(1 for o in found if o.phrase == phrase and not o.in_title))
            score += TITLE_WEIGHT * in_title + weight[tag, phrase] * mentions
        scores.append((round(score, 2), tag))
    scores.sort(key=lambda st: (-st[0], st[1]))
    kept = [st for st in scores if st[0] >= MIN_SCORE] or [st for st in scores[:1] if st[0] >= MIN_SCORE_ALONE]
    return tuple(TagMatch(tag, tuple(dict.fromkeys(o.phrase for o in by_tag[tag])), score,
                          tuple(evidence_of(text, o) for o in sorted(by_tag[tag], key=lambda o: (not o.in_title, o.start))))
                 for score, tag in kept[:MAX_TAGS])


def evidence_of(text: PageText, o: Occurrence) -> TagEvidence:
    return TagEvidence(o.phrase, o.in_title, *context(text.title if o.in_title else text.abstract, o.start, o.end))


def tag_pages(pages: Sequence[PaperPage], rules: tuple[TagRule, ...]) -> list[PaperPage]:
    """The pages with their automatic tags recomputed; phrase weights come from all pages at once."""
    texts = [(page, PageText.of(page, rules)) for page in pages]
    weight = phrase_specificity(text for _, text in texts)
    return [replace(page, auto_tags=score_tags(text, weight)) for page, text in texts]
