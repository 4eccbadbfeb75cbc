"""Taxonomy (content/taxonomy.yml) → automatic tags for each PaperPage, each with a score and its evidence.

Phrases match surface forms, not stems: only a plural 's' is ignored, so "optimal" never fires
"optimizer" and "by contrast" never fires "contrastive". A phrase written with capitals inside a
word (CLIP, ViT, 3D) is an acronym and matches only with those capitals. Title and abstract are
matched apart, and a phrase never spans a sentence break. A tag's score adds, for each phrase
found, TITLE_WEIGHT for a title match plus one per abstract occurrence, times how specific the
phrase is across all papers (a phrase in most abstracts says little). A tag applies at
MIN_SCORE or more, the MAX_TAGS best per paper. The user's own tags are applied by PaperPage.tags.
"""

from __future__ import annotations

import math
import re
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
class Token:
    """One word of a text: the keys it matches under, and where it stands."""

    folded: str  # lower case, plural 's' stripped: what an ordinary phrase word matches
    exact: str  # as written, plural 's' after a capital stripped: what an acronym matches
    sentence: int
    start: int
    end: int


@dataclass(frozen=True)
class PhraseWord:
    """One word of a taxonomy phrase: an acronym matches as written, any other word ignoring case."""

    key: str
    acronym: bool

    def matches(self, token: Token) -> bool:
        return (token.exact if self.acronym else token.folded) == self.key


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


def tokens(text: str) -> list[Token]:
    """The words of a text with the sentence each stands in; words inside a URL are not the paper's words."""
    breaks = [m.start() for m in PHRASE_BREAK.finditer(text)]
    urls = [m.span() for m in URL.finditer(text)]
    result = []
    sentence = 0
    for match in WORD.finditer(text):
        if any(start <= match.start() < end for start, end in urls):
            continue
        while sentence < len(breaks) and breaks[sentence] < match.start():
            sentence += 1
        word = match.group()
        exact = word[:-1] if len(word) > 2 and word.endswith("s") and word[-2].isupper() else word
        result.append(Token(singular(word.casefold()), exact, sentence, match.start(), match.end()))
    return result


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


def find(phrase: Phrase, words: Sequence[Token], starts: dict[tuple[bool, str], list[int]]) -> Iterable[int]:
    """Start indexes where the phrase's words stand in a row, inside one sentence."""
    n = len(phrase)
    first = phrase[0]
    for i in starts.get((first.acronym, first.key), ()):
        if (i + n <= len(words) and words[i].sentence == words[i + n - 1].sentence
                and all(phrase[j].matches(words[i + j]) for j in range(1, n))):
            yield i


@lru_cache(maxsize=16)
def compiled(rules: tuple[TagRule, ...]) -> tuple[tuple[str, tuple[tuple[str, Phrase], ...], tuple[Phrase, ...]], ...]:
    """Each rule's phrases and `not` phrases as words, computed once per taxonomy, not once per paper."""
    return tuple((r.slug, tuple((p, phrase_words(p)) for p in r.phrases), tuple(map(phrase_words, r.excluded))) for r in rules)


def occurrences(title: Sequence[Token], abstract: Sequence[Token], rules: tuple[TagRule, ...]) -> list[Occurrence]:
    """Every phrase occurrence outside its tag's `not` phrases, each counted once (a longer phrase of the tag wins)."""
    found = []
    for in_title, words in ((True, title), (False, abstract)):
        starts: dict[tuple[bool, str], list[int]] = {}
        for i, token in enumerate(words):
            starts.setdefault((False, token.folded), []).append(i)
            starts.setdefault((True, token.exact), []).append(i)
        for slug, phrases, excluded_phrases in compiled(rules):
            excluded = [(i, i + len(p)) for p in excluded_phrases for i in find(p, words, starts)]
            for text, phrase in phrases:
                for i in find(phrase, words, starts):
                    if not any(s < i + len(phrase) and i < e for s, e in excluded):
                        found.append(Occurrence(slug, text, in_title, i, i + len(phrase)))
    return [o for o in found if not any(o.within(other) for other in found if other.tag == o.tag)]


@dataclass(frozen=True)
class PageText:
    """A page's title and abstract as words, and where the taxonomy's phrases stand in them."""

    title: str
    abstract: str
    title_tokens: list[Token]
    abstract_tokens: list[Token]
    found: list[Occurrence]

    @classmethod
    def of(cls, page: PaperPage, rules: tuple[TagRule, ...]) -> PageText:
        title, abstract = tokens(page.title), tokens(page.abstract)
        return cls(page.title, page.abstract, title, abstract, occurrences(title, abstract, rules))


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


def context(text: str, words: Sequence[Token], start: int, end: int) -> tuple[str, str, str]:
    """The matched words with up to CONTEXT_WORDS words either side, as (before, match, after)."""
    left = words[max(0, start - CONTEXT_WORDS)].start
    right = words[min(len(words), end + CONTEXT_WORDS) - 1].end
    before = ("…" if start > CONTEXT_WORDS else "") + text[left : words[start].start]
    after = text[words[end - 1].end : right] + ("…" if end + CONTEXT_WORDS < len(words) else "")
    return before, text[words[start].start : words[end - 1].end], after


def score_tags(text: PageText, weight: dict[tuple[str, str], float]) -> tuple[TagMatch, ...]:
    """The tags at MIN_SCORE or above, best first (MAX_TAGS at most), each with its evidence.

    A paper with no tag that strong keeps its best one if that reaches MIN_SCORE_ALONE: one
    specific mention is weak evidence, but better than leaving the paper out of every tag page.
    """
    by_tag: dict[str, list[Occurrence]] = {}
    for o in text.found:
        by_tag.setdefault(o.tag, []).append(o)
    matches = []
    for tag, found in by_tag.items():
        score = 0.0
        for phrase in sorted({o.phrase for o in found}):
            in_title = any(o.in_title for o in found if o.phrase == phrase)
            mentions = min(MAX_MENTIONS, sum(1 for o in found if o.phrase == phrase and not o.in_title))
            score += TITLE_WEIGHT * in_title + weight[tag, phrase] * mentions
        evidence = tuple(evidence_of(text, o) for o in sorted(found, key=lambda o: (not o.in_title, o.start)))
        matches.append(TagMatch(tag, tuple(dict.fromkeys(o.phrase for o in found)), round(score, 2), evidence))
    matches.sort(key=lambda m: (-m.score, m.tag))
    strong = [m for m in matches if m.score >= MIN_SCORE]
    if not strong:
        strong = [m for m in matches[:1] if m.score >= MIN_SCORE_ALONE]
    return tuple(strong[:MAX_TAGS])


def evidence_of(text: PageText, o: Occurrence) -> TagEvidence:
    source, words = (text.title, text.title_tokens) if o.in_title else (text.abstract, text.abstract_tokens)
    return TagEvidence(o.phrase, o.in_title, *context(source, words, o.start, o.end))


def tag_pages(pages: Sequence[PaperPage], rules: tuple[TagRule, ...]) -> list[PaperPage]:
    """The pages with their automatic tags recomputed; phrase weights come from all pages at once."""
    texts = [(page, PageText.of(page, rules)) for page in pages]
    weight = phrase_specificity(text for _, text in texts)
    return [replace(page, auto_tags=score_tags(text, weight)) for page, text in texts]
