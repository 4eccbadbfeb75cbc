"""Words and stems for related papers: which words two abstracts share, however inflected.

The stemmer is lunr.py's Porter stemmer with step 1c as lunr.js 2.3.9 has it ('y' becomes
'i' only after a consonant: "day" stays "day", "try" becomes "tri"). Tagging matches surface
forms and search has its own light stemmer (`search.light_stem`): both merge fewer words than
Porter does. Memoized: words repeat a lot.
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
