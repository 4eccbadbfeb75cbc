"""Taxonomy (content/taxonomy.yml) → automatic tags for each PaperPage, with the phrases that matched.

Phrases match on stemmed words of the title and abstract, so "detector" matches "detectors" and
"self-supervised" matches "self supervised". The user's own tags are applied by PaperPage.tags.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from sitegen.errors import SourceError
from sitegen.parse import slugify
from sitegen.records import PaperPage, TagMatch, TagRule
from sitegen.words import stems
from sitegen.yamlsource import compose_mapping

RULE_KEYS = ("title", "description", "phrases")


def load_taxonomy(path: Path, text: str) -> tuple[TagRule, ...]:
    """Parse and check the taxonomy: every problem is an error at the tag's line."""
    rules = []
    for slug, entry in compose_mapping(path, text, first_line=1).items():
        if slugify(slug) != slug:
            raise SourceError(path, entry.key_line, f"tag '{slug}' must be lower-case words joined by '-' (try '{slugify(slug)}')")
        spec = entry.value
        if not isinstance(spec, dict):
            raise SourceError(path, entry.key_line, f"tag '{slug}' needs 'phrases:' (and may have 'title:', 'description:')")
        unknown = sorted(set(spec) - set(RULE_KEYS))
        if unknown:
            raise SourceError(path, entry.key_line, f"tag '{slug}': unknown key '{unknown[0]}' (known: {', '.join(RULE_KEYS)})")
        phrases = spec.get("phrases")
        if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and stems(p) for p in phrases):
            raise SourceError(path, entry.key_line, f"tag '{slug}': 'phrases' must be a list of words or phrases")
        for key in ("title", "description"):
            if not isinstance(spec.get(key, ""), str):
                raise SourceError(path, entry.key_line, f"tag '{slug}': '{key}' must be text")
        title = spec.get("title") or slug.replace("-", " ").capitalize()
        rules.append(TagRule(slug, title, spec.get("description", ""), tuple(phrases)))
    return tuple(rules)


@lru_cache(maxsize=64)
def phrase_stems(rules: tuple[TagRule, ...]) -> tuple[tuple[str, tuple[tuple[str, list[str]], ...]], ...]:
    """Each rule's phrases with their stems, computed once per taxonomy rather than once per paper."""
    return tuple((rule.slug, tuple((p, stems(p)) for p in rule.phrases)) for rule in rules)


def match_tags(text: str, rules: tuple[TagRule, ...]) -> tuple[TagMatch, ...]:
    """The tags whose phrases occur in `text` (as runs of stems), each with the phrases found."""
    text_stems = stems(text)
    positions: dict[str, list[int]] = {}
    for i, s in enumerate(text_stems):
        positions.setdefault(s, []).append(i)
    matches = []
    for slug, phrases in phrase_stems(rules):
        found = tuple(p for p, phrase in phrases if phrase[0] in positions and occurs(phrase, text_stems, positions))
        if found:
            matches.append(TagMatch(slug, found))
    return tuple(matches)


def occurs(phrase: list[str], text_stems: list[str], positions: dict[str, list[int]]) -> bool:
    return any(text_stems[i : i + len(phrase)] == phrase for i in positions.get(phrase[0], ()))


def tag_page(page: PaperPage, rules: tuple[TagRule, ...]) -> PaperPage:
    """The page with its automatic tags recomputed from the current taxonomy."""
    return replace(page, auto_tags=match_tags(f"{page.title}\n{page.abstract}", rules))
