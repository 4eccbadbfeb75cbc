"""Words and stems, shared by tagging, related papers and the search index.

The stemmer is lunr.py's Porter stemmer with step 1c as lunr.js 2.3.9 has it ('y' becomes
'i' only after a consonant: "day" stays "day", "try" becomes "tri"), so that the stems in the
index are the stems the browser computes for the same word. Memoized: words repeat a lot.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lunr.stemmer import PorterStemmer

WORD = re.compile(r"[^\W_]+")
STEP_1C = re.compile(r"^(.+?[^aeiou])y$")


class LunrJsPorterStemmer(PorterStemmer):  # type: ignore[misc]
    """lunr.py's stemmer, agreeing with lunr.js on words ending in 'y'."""

    b: str
    k: int
    k0: int

    def step1c(self) -> None:
        word = self.b[self.k0 : self.k + 1]
        if STEP_1C.match(word):
            self.b = self.b[: self.k] + "i" + self.b[self.k + 1 :]


_stemmer = LunrJsPorterStemmer()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The lunr.js stem of one lower-case word."""
    return str(_stemmer.stem(word))


def stems(text: str) -> list[str]:
    """The stems of a text's words, in order: what taxonomy phrases and related papers match on."""
    return [stem(w) for w in WORD.findall(text.casefold())]
