"""Taxonomy (content/taxonomy.yml) → automatic tags for each PaperPage, each with a score and its evidence.

Phrases match surface forms, not stems: only a plural 's' is ignored, so "optimal" never fires
"optimizer" and "by contrast" never fires "contrastive". A phrase written with capitals inside a
word (CLIP, ViT, 3D) is an acronym and matches only with those capitals; a phrase written `-Former`
is a word ending and matches the end of a longer word as written (VSFormer, EmerNeRF for `-NeRF`).
Title and abstract are matched apart, and a phrase never spans a sentence break, a comma or a
link; a tag's `not` phrases cancel the matches they overlap.

A tag's score adds, for each phrase found, TITLE_WEIGHT for a title match plus, for each of its
first MAX_MENTIONS mentions in the abstract, how specific the phrase is across all papers (one in
most abstracts says little), more for a mention in the abstract's first sentence (LEAD_BONUS, it
states the topic) or in a sentence saying what the paper does (CLAIM_BONUS: "we propose", "this
paper"). A tag seen only in the abstract and through one phrase loses LONE_PHRASE. A tag applies
at MIN_SCORE or more, at MIN_SCORE_LEAD if it is named in the abstract's first sentence; the best
tag of a paper with none at MIN_SCORE applies if the title or first sentence names it (where a paper
states its topic) or, at MIN_SCORE_ALONE, if more than one mention backs it: a word in passing never
decides a paper's only tag. A paper keeps its best three at most, the third only at its TAG_SHARES
share of the best one's score. The user's own tags
are applied by PaperPage.tags.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property, lru_cache
from itertools import accumulate, compress, count, islice
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sitegen.errors import SourceError
from sitegen.parse import slugify
from sitegen.records import PaperPage, TagEvidence, TagMatch, TagRule
from sitegen.yamlsource import compose_mapping

if TYPE_CHECKING:
    from sitegen.learning import Learned

RULE_KEYS = ("title", "description", "phrases", "not")
TITLE_WEIGHT = 2.0  # a phrase in the title counts as much as two mentions in the abstract
MAX_MENTIONS = 3  # abstract mentions of one phrase counted at most this often
MIN_SCORE = 2.0  # a title match, or two mentions in the abstract, of a specific phrase
MIN_SCORE_ALONE = 1.0  # the best tag of a paper that has no tag at MIN_SCORE, if more than one mention backs it
TAG_SHARES = (0.0, 0.0, 0.25)  # the share of a paper's best score its first, second and third tag need
MAX_TAGS = len(TAG_SHARES)
MAX_PHRASE_WORDS = 12  # words in one taxonomy phrase; the longest in the default taxonomy has four
CONTEXT_WORDS = 6  # words shown either side of a match in the reason
SPECIFIC_SHARE = 80  # a phrase found in at most 1 other paper in 80 keeps its full weight
PRIOR_PAPERS = 100  # the site is weighed as if it had 100 more papers, in which each phrase is that rare
EXACT_COUNT = 4  # papers a phrase is in counted exactly up to this many; more, to within a factor of two

LEAD_BONUS = 1.0  # a mention in the abstract's first sentence counts this much more (it states the topic)
CLAIM_BONUS = 0.5  # and one in a sentence saying what the paper does ("we propose", "this paper") this much more
LONE_PHRASE = 0.5  # taken off a tag found only in the abstract and through one phrase: one word is weak evidence
MIN_SCORE_LEAD = 1 + LEAD_BONUS - LONE_PHRASE  # one mention of a specific phrase in the first sentence, which states the topic
LEAD, CLAIM = "first sentence", "what the paper does"
SENTENCE_ENDS = frozenset(".!?")
CLAIM_STARTS = frozenset(("we", "this"))
CLAIM_NOUNS = frozenset(("paper", "work", "study", "article"))
CLAIM_VERBS = frozenset(("propose", "present", "introduce", "develop", "study", "investigate", "show", "explore",
                         "design", "analyze", "analyse", "describe", "examine"))

WORD = re.compile(r"[^\W_]+")
# A text's tokens: its words, and the breaks a phrase never spans (sentence ends, commas, list items).
TOKEN = re.compile(r"([^\W_]+|[.!?;:,](?!\S)|\n)")
URL = re.compile(r"\b(?:https?://|www\.)\S+")
ACRONYM = re.compile(r"^.+[A-Z]|^[A-Z0-9]+$")
BREAK_TOKENS = frozenset(".!?;:,\n")
BREAK = ""  # the key of a break token: no phrase word has it, so no phrase runs across one


@dataclass(frozen=True)
class Words:
    """A text's tokens as parallel tuples of keys (hundreds per abstract, so no object per word).

    Breaks are tokens too, keyed BREAK, so that a phrase stops at them without a sentence number
    per word.
    """

    text: str
    folded: tuple[str, ...]  # lower case, plural 's' stripped: what an ordinary phrase word matches
    exact: tuple[str, ...]  # as written: what an acronym matches (in each of its acronym_forms)
    parts: list[str]  # the text cut into gap, token, gap, token, ..., gap

    @classmethod
    def of(cls, text: str) -> Words:
        """The tokens of a text, in one pass of the regex engine; words inside a URL are not the paper's words."""
        parts = TOKEN.split(without_urls(text))  # gap, token, gap, token, ..., gap
        tokens = parts[1::2]
        return cls(text, tuple(map(folded_key, tokens)), tuple(tokens), parts)

    @cached_property
    def offsets(self) -> tuple[int, ...]:
        """Where each gap and token starts, by adding up lengths: worked out only for a text shown as evidence."""
        return tuple(accumulate(map(len, self.parts), initial=0))

    def span(self, i: int) -> tuple[int, int]:
        """Where token i stands in the text."""
        return self.offsets[2 * i + 1], self.offsets[2 * i + 2]

def without_urls(text: str) -> str:
    """The text with each URL blanked out to the same length, so offsets still point into the text."""
    if "http" not in text and "www." not in text:
        return text
    return URL.sub(lambda url: " " * len(url.group()), text)


@dataclass(frozen=True)
class PhraseWord:
    """One word of a taxonomy phrase: an acronym matches as written, any other word ignoring case."""

    key: str
    acronym: bool


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


@cache
def folded_key(word: str) -> str:
    """What an ordinary phrase word matches this word under (memoized: a corpus has far fewer words than tokens)."""
    return BREAK if word in BREAK_TOKENS else singular(word.casefold())


def acronym_forms(acronym: str) -> tuple[str, ...]:
    """The tokens an acronym matches: as written, and with a plural 's' after a capital (CNN, CNNs)."""
    return (acronym, acronym + "s") if len(acronym) > 1 and acronym[-1].isupper() else (acronym,)


def word_ending(phrase: str) -> str | None:
    """The ending a phrase like `-Former` stands for ("Former"), or None for an ordinary phrase."""
    return phrase[1:] if phrase.startswith("-") and WORD.fullmatch(phrase[1:]) else None


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
            raise SourceError(path, entry.key_line, f"tag '{slug}': 'phrases' must be a list of words or phrases (of at most {MAX_PHRASE_WORDS} words)")
        excluded = spec.get("not", [])
        if not is_phrase_list(excluded):
            raise SourceError(path, entry.key_line, f"tag '{slug}': 'not' must be a list of words or phrases (of at most {MAX_PHRASE_WORDS} words)")
        problem = phrase_problem(phrases + excluded)
        if problem:
            raise SourceError(path, entry.key_line, f"tag '{slug}': {problem}")
        for key in ("title", "description"):
            if not isinstance(spec.get(key, ""), str):
                raise SourceError(path, entry.key_line, f"tag '{slug}': '{key}' must be text")
        title = spec.get("title") or slug.replace("-", " ").capitalize()
        rules.append(TagRule(slug, title, spec.get("description", ""), tuple(phrases), tuple(excluded)))
    return tuple(rules)


def is_phrase_list(value: object) -> bool:
    """A list of phrases of 1 to MAX_PHRASE_WORDS words (a phrase is matched word by word, recursively), or word endings."""
    return isinstance(value, list) and all(isinstance(p, str) and 0 < len(phrase_words(p)) <= MAX_PHRASE_WORDS for p in value)


def phrase_problem(phrases: list[str]) -> str | None:
    """What is wrong with a phrase that looks like a word ending but is not one word (`-Former block`)."""
    for phrase in phrases:
        if phrase.lstrip().startswith("-") and word_ending(phrase.strip()) is None:
            return f"'{phrase}': a word ending is '-' and one word, as in '-Former' (matches VSFormer)"
    return None


class Occurrence(NamedTuple):
    """One place a tag's phrase stands in a title or abstract (token span, end exclusive); a tuple, as pages have dozens."""

    tag: str
    phrase: str
    in_title: bool
    start: int
    end: int
    place: str = ""  # in the abstract: LEAD (its first sentence), CLAIM (a sentence saying what the paper does), or ""

    def within(self, other: Occurrence) -> bool:
        return (self.in_title == other.in_title and other.start <= self.start and self.end <= other.end
                and (other.end - other.start) > (self.end - self.start))


@dataclass(frozen=True)
class IndexedPhrase:
    """A phrase or `not` phrase of one tag, ready to be matched."""

    tag: str
    text: str
    length: int  # in words
    excluded: bool  # one of the tag's `not` phrases


@dataclass
class PhraseTrie:
    """The taxonomy's phrases as a trie of words, so that one pass over a text finds them all.

    Each token of a text looks up its two keys among the phrases' first words (an ordinary word,
    an acronym) and only a hit walks on: the cost is a dict look-up or two per word, however many
    phrases the taxonomy has.
    """

    ending: list[IndexedPhrase] = field(default_factory=list)  # the phrases whose last word leads here
    ordinary: dict[str, PhraseTrie] = field(default_factory=dict)
    acronyms: dict[str, PhraseTrie] = field(default_factory=dict)
    word_endings: dict[str, list[IndexedPhrase]] = field(default_factory=dict)  # at the root: `-Former` phrases by ending

    @cached_property
    def compound(self) -> re.Pattern[str]:
        """A word ending in one of word_endings after at least one letter, with a plural or a version after it."""
        return re.compile(rf"[^\W_]+?({self.endings})(?:s|v?\d+)?")

    @cached_property
    def compound_anywhere(self) -> re.Pattern[str]:
        """One of word_endings after a letter: a quick test of a whole text before its words are tried one by one."""
        return re.compile(rf"(?<=[^\W_])(?:{self.endings})")

    @cached_property
    def endings(self) -> str:
        return "|".join(map(re.escape, sorted(self.word_endings, key=len, reverse=True)))

    def add(self, phrase: IndexedPhrase, words: Phrase) -> None:
        nodes = [self]
        for word in words:
            nodes = [node.child(word, form) for node in nodes for form in (acronym_forms(word.key) if word.acronym else (word.key,))]
        for node in nodes:
            node.ending.append(phrase)

    def child(self, word: PhraseWord, form: str) -> PhraseTrie:
        return (self.acronyms if word.acronym else self.ordinary).setdefault(form, PhraseTrie())

    def find(self, words: Words) -> list[tuple[IndexedPhrase, int, int]]:
        """Each phrase standing in the text, with its first token and the token after its last."""
        found: list[tuple[IndexedPhrase, int, int]] = []
        if self.word_endings and any(ending in words.text for ending in self.word_endings) and self.compound_anywhere.search(words.text):
            for i, token in enumerate(words.exact):
                if (compound := self.compound.fullmatch(token)) is not None:
                    found += [(phrase, i, i + 1) for phrase in self.word_endings[compound.group(1)]]
        for first_words, keys in ((self.ordinary, words.folded), (self.acronyms, words.exact)):
            if not first_words.keys().isdisjoint(keys):
                for i in compress(count(), map(first_words.__contains__, keys)):  # the tokens that start a phrase, found in C
                    first_words[keys[i]].walk(words, i, i + 1, found)
        return found

    def walk(self, words: Words, start: int, end: int, found: list[tuple[IndexedPhrase, int, int]]) -> None:
        """Adds the phrases ending here, reached by tokens start to end, and those the next tokens lead to."""
        found += [(phrase, start, end) for phrase in self.ending]
        if end < len(words.folded) and (self.ordinary or self.acronyms):
            if (child := self.ordinary.get(words.folded[end])) is not None:
                child.walk(words, start, end + 1, found)
            if (child := self.acronyms.get(words.exact[end])) is not None:
                child.walk(words, start, end + 1, found)


@lru_cache(maxsize=16)
def phrase_trie(rules: tuple[TagRule, ...]) -> PhraseTrie:
    """Every tag's phrases and `not` phrases in one trie."""
    root = PhraseTrie()
    for rule in rules:
        for texts, excluded in ((rule.phrases, False), (rule.excluded, True)):
            for text in texts:
                ending = word_ending(text)
                if ending is not None:
                    root.word_endings.setdefault(ending, []).append(IndexedPhrase(rule.slug, text, 1, excluded))
                    continue
                words = phrase_words(text)
                root.add(IndexedPhrase(rule.slug, text, len(words), excluded), words)
    return root


def sentence_places(words: Words) -> Callable[[int], str]:
    """Where a token of an abstract stands: LEAD in the first sentence, CLAIM in one saying what the paper does, else ""."""
    exact, folded = words.exact, words.folded
    ends = list(compress(count(), map(SENTENCE_ENDS.__contains__, exact)))  # compress: no Python loop over the tokens
    claims = {bisect_left(ends, i) for i in compress(count(), map(CLAIM_STARTS.__contains__, folded)) if is_claim(folded, i)}

    def place(i: int) -> str:
        sentence = bisect_left(ends, i)
        return LEAD if sentence == 0 else CLAIM if sentence in claims else ""
    return place


def is_claim(folded: tuple[str, ...], i: int) -> bool:
    """Whether token i starts the words a paper says what it does with: "we propose", "we first introduce", "this paper"."""
    if folded[i] == "we":
        return any(key in CLAIM_VERBS for key in folded[i + 1:i + 3])
    return i + 1 < len(folded) and folded[i + 1] in CLAIM_NOUNS


def occurrences(title: Words, abstract: Words, rules: tuple[TagRule, ...]) -> list[Occurrence]:
    """Every phrase occurrence outside its tag's `not` phrases, each counted once (a longer phrase of the tag wins).

    In reading order, title first: the mentions a tag's score counts are its first ones.
    """
    trie = phrase_trie(rules)
    # Two phrases of a tag that are the same words ("self-supervised", "self supervised") count once.
    by_tag: dict[str, dict[tuple[bool, int, int], Occurrence]] = {}
    for in_title, words in ((True, title), (False, abstract)):
        found = trie.find(words)
        place = (lambda i: "") if in_title or not found else sentence_places(words)
        excluded = [(phrase.tag, start, end) for phrase, start, end in found if phrase.excluded]
        for phrase, start, end in found:
            if not phrase.excluded and not any(tag == phrase.tag and s < end and start < e for tag, s, e in excluded):
                by_tag.setdefault(phrase.tag, {}).setdefault((in_title, start, end), Occurrence(phrase.tag, phrase.text, in_title, start, end, place(start)))
    kept = [o for spans in by_tag.values() for o in spans.values() if not any(o.within(other) for other in spans.values())]
    return sorted(kept, key=lambda o: (not o.in_title, o.start))


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


def phrase_specificity(findings: Iterable[tuple[TagMatch, ...]]) -> dict[tuple[str, str], float]:
    """Each (tag, phrase)'s weight from how many other papers it occurs in (`findings`: each paper's
    phrase_findings): 1 when rare, less as it becomes common.

    Inverse document frequency, scaled so that a phrase in at most one paper in SPECIFIC_SHARE
    weighs 1 and a phrase in every paper weighs about 0. The other papers are counted as if the site
    had PRIOR_PAPERS more in which the phrase is that rare: a handful of papers cannot show that a
    phrase is common, so on a small site weights stay near 1 and sink as papers show it is common.
    Both counts are taken to within a factor of two (counted_roughly), so that a few percent more
    papers rarely move a weight: counted exactly, a new list of 50 papers in 10,000 moved every common
    phrase's weight by thousandths and the printed score or the tags of 1 paper page in 7.
    """
    counts: dict[tuple[str, str], int] = {}
    n = 0
    for found in findings:
        n += 1
        for key in {(m.tag, phrase) for m in found for phrase in m.phrases}:
            counts[key] = counts.get(key, 0) + 1
    papers, rare = counted_roughly(n) + PRIOR_PAPERS, PRIOR_PAPERS / SPECIFIC_SHARE
    return {key: min(1.0, math.log(papers / (counted_roughly(c) - 1 + rare)) / math.log(SPECIFIC_SHARE)) for key, c in counts.items()}


def counted_roughly(count: int) -> int:
    """A count of papers as far as a weight tells it: up to EXACT_COUNT as it is (one more paper in a
    handful says much), above it rounded down to a power of two."""
    return count if count <= EXACT_COUNT else 1 << (count.bit_length() - 1)


def context(words: Words, start: int, end: int) -> tuple[str, str, str]:
    """The matched words with up to CONTEXT_WORDS words either side, as (before, match, after)."""
    is_word = words.folded.__getitem__  # a break's key is BREAK, which is empty
    left = list(islice(filter(is_word, range(start - 1, -1, -1)), CONTEXT_WORDS + 1))[::-1]
    right = list(islice(filter(is_word, range(end, len(words.folded))), CONTEXT_WORDS + 1))
    match_start, match_end = words.span(start)[0], words.span(end - 1)[1]
    before_start = words.span(left[-CONTEXT_WORDS:][0])[0] if left else match_start
    after_end = words.span(right[:CONTEXT_WORDS][-1])[1] if right else match_end
    return (("…" if len(left) > CONTEXT_WORDS else "") + words.text[before_start:match_start],
            words.text[match_start:match_end],
            words.text[match_end:after_end] + ("…" if len(right) > CONTEXT_WORDS else ""))


def phrase_findings(page: PaperPage, rules: tuple[TagRule, ...]) -> tuple[TagMatch, ...]:
    """Each tag a phrase of which stands in the paper, in reading order, with its phrases and evidence and no
    score yet: made of the paper's title and abstract and the rules alone, so that a build keeps them by
    paper and a new list matches the phrases of its own papers only (the scores weigh the whole library)."""
    text = PageText.of(page, rules)
    by_tag: dict[str, list[Occurrence]] = {}
    for o in text.found:
        by_tag.setdefault(o.tag, []).append(o)
    return tuple(TagMatch(tag, tuple(dict.fromkeys(o.phrase for o in found)), 0.0, tuple(evidence_of(text, o) for o in found))
                 for tag, found in by_tag.items())


def are_findings(value: object, phrases: frozenset[tuple[str, str]]) -> bool:
    """Whether a memo's value is phrase_findings of these rules (`phrases`: each tag's, as (tag, phrase)): each
    phrase one of its tag's, or scoring it would fail (a memo is input too)."""
    return isinstance(value, tuple) and all(isinstance(m, TagMatch) and all((m.tag, p) in phrases for p in m.phrases)
                                            and {e.phrase for e in m.evidence} == set(m.phrases) for m in value)


def phrase_candidates(findings: tuple[TagMatch, ...], weight: dict[tuple[str, str], float]) -> tuple[TagMatch, ...]:
    """A paper's phrase_findings scored, best first: what the phrases' decision (phrase_decision) and the
    learning from corrections (sitegen.learning) read."""
    scored = []
    for match in findings:  # its evidence: title first, then the abstract in reading order
        in_title = {e.phrase for e in match.evidence if e.in_title}
        mentions: dict[str, int] = {}
        score = TITLE_WEIGHT * len(in_title)
        for e in match.evidence:
            if not e.in_title and mentions.get(e.phrase, 0) < MAX_MENTIONS:
                mentions[e.phrase] = mentions.get(e.phrase, 0) + 1
                score += weight[match.tag, e.phrase] * mention_weight(e.place)
        if not in_title and len(mentions) == 1:
            score -= LONE_PHRASE
        scored.append(replace(match, score=round(score, 2)))
    return tuple(sorted(scored, key=lambda m: (-m.score, m.tag)))


def phrase_decision(candidates: tuple[TagMatch, ...]) -> tuple[TagMatch, ...]:
    """The tags at MIN_SCORE or above, best first; a third only near the best (TAG_SHARES).

    A tag named in the abstract's first sentence, which states the paper's topic, applies at
    MIN_SCORE_LEAD: one specific mention there is enough. A paper with no tag at MIN_SCORE keeps its
    best one if its title or first sentence names it, or if it reaches MIN_SCORE_ALONE through more
    than one mention: weak evidence, but better than leaving the paper out of every tag page, while
    one word used in passing ("speech sounds" in a paper on something else) decides nothing alone.
    """
    def in_lead(m: TagMatch) -> bool:
        return any(e.place == LEAD for e in m.evidence)

    def stated(m: TagMatch) -> bool:  # named where a paper states its topic
        return in_lead(m) or any(e.in_title for e in m.evidence)

    applying = [m for rank, m in enumerate(candidates)
                if m.score >= MIN_SCORE or (in_lead(m) and m.score >= MIN_SCORE_LEAD)
                or (rank == 0 and m.score > 0 and (stated(m) or (m.score >= MIN_SCORE_ALONE and len(m.evidence) > 1)))]
    best = applying[0].score if applying else 0.0
    return tuple(m for m, share in zip(applying, TAG_SHARES) if m.score >= share * best)


def mention_weight(place: str) -> float:
    return 1 + (LEAD_BONUS if place == LEAD else CLAIM_BONUS if place == CLAIM else 0)


def evidence_of(text: PageText, o: Occurrence) -> TagEvidence:
    return TagEvidence(o.phrase, o.in_title, *context(text.title if o.in_title else text.abstract, o.start, o.end), place=o.place)


def candidates_of(pages: Sequence[PaperPage], rules: tuple[TagRule, ...]) -> dict[str, tuple[TagMatch, ...]]:
    """Each page's phrase candidates (by slug); phrase weights come from all pages at once."""
    return scored_candidates({page.slug: phrase_findings(page, rules) for page in pages})


def scored_candidates(findings: dict[str, tuple[TagMatch, ...]]) -> dict[str, tuple[TagMatch, ...]]:
    """Each paper's phrase_findings (by slug) scored, with the weights of the phrases in all of them."""
    weight = phrase_specificity(findings.values())
    return {slug: phrase_candidates(found, weight) for slug, found in findings.items()}


def tag_pages(pages: Sequence[PaperPage], rules: tuple[TagRule, ...],
              candidates: dict[str, tuple[TagMatch, ...]] | None = None) -> list[PaperPage]:
    """The pages with their automatic tags: the phrases' decision, then what the user's corrections
    teach (sitegen.learning), and the tags of the user's own suggested for them. `candidates`: the
    pages' phrase candidates, when a memo kept them."""
    from sitegen.learning import learn  # it builds on this module's words and phrases

    found = candidates if candidates is not None else candidates_of(pages, rules)
    decided = phrase_tagged(pages, found)
    return with_learned(decided, learn(decided, found, rules))


def phrase_tagged(pages: Sequence[PaperPage], candidates: dict[str, tuple[TagMatch, ...]]) -> list[PaperPage]:
    """The pages with the phrases' decision as their automatic tags: what learning starts from."""
    return [replace(page, auto_tags=phrase_decision(candidates[page.slug])) for page in pages]


def with_learned(pages: list[PaperPage], learned: Learned) -> list[PaperPage]:
    """The pages with what learning changed (kept apart so that a build can keep it in its memo)."""
    return [replace(page, auto_tags=learned[page.slug][0], suggested_tags=learned[page.slug][1]) if page.slug in learned else page
            for page in pages]
