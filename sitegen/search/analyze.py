"""Text → index terms, the same way on both sides: what the index holds for a field's text, what a query's
words become, and the paper identifiers (arXiv ids, DOIs) a query may hold. Mirrored in static/search-core.js
and tested against it in node:
- text is normalized the same way before tokenizing: accents folded, CJK characters spaced;
- the trimmer keeps letters of every script (lunr.js's own drops all but ASCII);
- the stemmer is Porter's step 1 only (`light_stem`, lightStem in JS), applied by us on both sides:
  the shipped pipeline is empty.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import chain

from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token

CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])")
EDGES = re.compile(r"^[\W_]+|[\W_]+$")
SEPARATOR = re.compile(r"[ \-]+")
SPACES = re.compile("[\t\n\v\f\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff/()\\[\\]{}<>=,;!?\"|\\\\&\u201c\u201d]")

# Porter's step 1 only (plurals, -ed, -ing, y → i), as lunr.js 2.3.9 writes it: the later steps
# merge unrelated words ("generalization" and "generative" both become "gener").
CONSONANTS, VOWEL = "[^aeiou][^aeiouy]*", "[aeiouy]"
VOWELS = VOWEL + "[aeiou]*"
MEASURE_ABOVE_0 = re.compile(f"^({CONSONANTS})?{VOWELS}{CONSONANTS}")
HAS_VOWEL = re.compile(f"^({CONSONANTS})?{VOWEL}")
STEP_1A, STEP_1A_S = re.compile(r"^(.+?)(ss|i)es$"), re.compile(r"^(.+?)([^s])s$")
STEP_1B_EED, STEP_1B = re.compile(r"^(.+?)eed$"), re.compile(r"^(.+?)(ed|ing)$")
ADD_E, DOUBLE, SHORT = re.compile(r"(at|bl|iz)$"), re.compile(r"([^aeiouylsz])\1$"), re.compile(f"^{CONSONANTS}{VOWEL}[^aeiouwxy]$")
STEP_1C = re.compile(r"^(.+?[^aeiou])y$")
ENGLISH_WORD = re.compile(r"^[a-z]+$")
# British spellings folded to American ones first ("normalisation", "modelling", "colour"), so either finds both.
SPELLINGS = (
    (re.compile(r"^(.*(?:al|ar|or|im))is(e|ed|es|er|ers|ing|ation|ations)$"), r"\1iz\2"),
    (re.compile(r"^(.+)ys(e|ed|es|ing)$"), r"\1yz\2"),
    (re.compile(r"^(.*[aeiou][^aeiou]+e)ll(ed|ing|er|ers)$"), r"\1l\2"),
    (re.compile(r"^(.{2,}[^t])our(s?)$"), r"\1or\2"),
)
# Identifiers a researcher pastes: an arXiv id (new style, with or without a version; or old style,
# `hep-th/9901001`), bare, after `arXiv:`, or as the last part of a link's path on a site that names papers by
# their arXiv id (arxiv.org and its subdomains, huggingface.co/papers, alphaxiv, arxiv-sanity), with any query or
# fragment after it; or a DOI (bare, `doi:`, or a doi.org address). Mirrored by IDENTIFIER in search-core.js;
# each becomes the key `identifier_key` makes of the paper's own.
IDENTIFIER = re.compile(
    r"(?:(?<=\s)|^)(?:(?:https?://)?(?:[a-z0-9-]+\.)*(?:(?:arxiv|alphaxiv|arxiv-sanity|arxiv-sanity-lite)\.(?:org|com)"
    r"|huggingface\.co/papers)/(?:[^\s?#]*/)?|arxiv:\s?)?"
    r"(\d{4}\.\d{4,5}|[a-z][a-z.-]*/\d{7})(?:v\d+)?(?:\.pdf)?/?(?:[?#]\S*)?(?=\s|$)"
    r"|(?:(?<=\s)|^)(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s?)?(10\.\d{4,9}/\S+?)[.,;]?(?=\s|$)",
    re.IGNORECASE)


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


@lru_cache(maxsize=500_000)
def light_stem(word: str) -> str:
    """A lower-case a-z word without its inflection ("registers" → "register", "learning" → "learn",
    "studies" → "studi", "modelling" → "model"), and nothing more; other words as they are. Mirrored by lightStem in search-core.js."""
    if len(word) < 3 or not ENGLISH_WORD.match(word):
        return word
    for spelling, american in SPELLINGS:
        word = spelling.sub(american, word)
    w = "Y" + word[1:] if word[0] == "y" else word  # an initial y is a consonant
    if m := STEP_1A.match(w) or STEP_1A_S.match(w):
        w = m[1] + m[2]
    if m := STEP_1B_EED.match(w):
        if MEASURE_ABOVE_0.match(m[1]):
            w = w[:-1]
    elif (m := STEP_1B.match(w)) and HAS_VOWEL.match(m[1]):
        w = m[1]
        if ADD_E.search(w):
            w += "e"
        elif DOUBLE.search(w):
            w = w[:-1]
        elif SHORT.match(w):
            w += "e"
    if m := STEP_1C.match(w):
        w = m[1] + "i"
    return "y" + w[1:] if w[0] == "Y" else w


def is_stop_word(word: str) -> bool:
    return stop_word_filter(Token(word)) is None


@lru_cache(maxsize=500_000)
def index_pipeline_terms(word: str) -> tuple[str, ...]:
    """What the index holds for one word (nothing if dropped): trim, stop words, stem."""
    trimmed = trim(word)
    if not trimmed or is_stop_word(trimmed):
        return ()
    return (light_stem(trimmed),)


def index_terms(text: str) -> list[str]:
    """What the index holds for a text: normalized, split at spaces, then each chunk's terms (looked up
    in C: a text has hundreds of words, mostly ones seen before)."""
    return list(chain.from_iterable(map(chunk_terms, normalize(text).split(" "))))


@lru_cache(maxsize=500_000)
def chunk_terms(chunk: str) -> tuple[str, ...]:
    """A space-separated chunk's terms: split at hyphens, then the pipeline; a hyphenated name also
    whole ("WiSE-FT" → wise, ft, wiseft)."""
    parts = [p for p in chunk.split("-") if p]
    whole = ["".join(parts)] if len(parts) > 1 else []
    return tuple(term for part in [*parts, *whole] for term in index_pipeline_terms(part))


def author_terms(authors: tuple[str, ...]) -> list[str]:
    """What the index holds for the authors: every word of their names, stop words too (a surname may be one:
    Kaiming He, Zhe An), and each given name's initial ("Nan Jiang" → nan, jiang, n), so that "N. Jiang" finds
    Nan Jiang; a one-letter query word matches only these, and a stop word of a query only names."""
    parts = [[trim(part) for part in normalize(name).split(" ") if trim(part)] for name in authors]
    initials = " ".join(part[0] for name in parts for part in name[:-1] if len(part) > 1)
    return [term for chunk in normalize(" ".join(authors)).split(" ") for term in name_terms(chunk)] + index_terms(initials)


@lru_cache(maxsize=100_000)
def name_terms(chunk: str) -> tuple[str, ...]:
    """A space-separated chunk of a name as `chunk_terms` has it ("Jean-Baptiste" → jean, baptist, jeanbaptist),
    stop words kept."""
    parts = [trimmed for p in chunk.split("-") if (trimmed := trim(p))]
    whole = ["".join(parts)] if len(parts) > 1 else []
    return tuple(light_stem(part) for part in [*parts, *whole])


def query_terms(text: str) -> list[str]:
    """Words as lunr's tokenizer splits them (spaces and hyphens), normalized and trimmed."""
    return [t for t in (trim(w) for w in SEPARATOR.split(normalize(text))) if t]


def title_stems(title: str) -> list[str]:
    """A title's stems without stop words, in order: its index terms but for a hyphenated name's whole."""
    return [light_stem(t) for t in query_terms(title) if not is_stop_word(t)]


def identifier_key(kind: str, value: str) -> str:
    """How a paper's arXiv id or DOI is looked up: `arxiv:2309.16588`, `doi:10.1145/3442188.3445922` (lower case)."""
    return f"{kind}:{value.strip().lower()}"


def identifiers(text: str) -> tuple[list[str], str]:
    """The identifier keys a query holds, and the query without them."""
    keys = [identifier_key("arxiv", m[1]) if m[1] else identifier_key("doi", m[2]) for m in IDENTIFIER.finditer(text)]
    return keys, IDENTIFIER.sub(" ", text) if keys else text
