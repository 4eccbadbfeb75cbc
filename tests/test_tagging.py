"""The taxonomy: every seed paper tagged, phrases matched on stems, user tags and removals, errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sitegen.catalog import effective_tags
from sitegen.errors import Diagnostics, SourceError
from sitegen.parse import dedupe, parse_list
from sitegen.records import PaperPage, TagMatch, TagRule
from sitegen.tagging import load_taxonomy, match_tags

REPO = Path(__file__).resolve().parent.parent
TAXONOMY = REPO / "content" / "taxonomy.yml"
GENERIC = {"learning", "model", "models", "deep-learning", "neural-networks", "machine-learning", "method", "paper", "data", "ai", "research"}


def seed_papers() -> list:
    entries = []
    for path in sorted((REPO / "content" / "lists").glob("*.txt")):
        entries += parse_list(path, path.read_text(encoding="utf-8"), Diagnostics(), dt.date(2026, 11, 21))[1]
    return dedupe(entries, {}, Diagnostics())


def test_default_taxonomy_tags_every_seed_paper_with_specific_tags() -> None:
    rules = load_taxonomy(TAXONOMY, TAXONOMY.read_text(encoding="utf-8"))
    assert len(rules) >= 25
    assert not {r.slug for r in rules} & GENERIC
    papers = seed_papers()
    untagged = [p.title for p in papers if not match_tags(f"{p.title}\n{p.abstract}", rules)]
    assert untagged == []
    used = {m.tag for p in papers for m in match_tags(f"{p.title}\n{p.abstract}", rules)}
    assert len(used) >= 25
    # no tag so broad that it says nothing: none on more than half of the papers
    for rule in rules:
        share = sum(1 for p in papers if any(m.tag == rule.slug for m in match_tags(f"{p.title}\n{p.abstract}", (rule,))))
        assert share <= len(papers) / 2, rule.slug


def test_phrases_match_stemmed_whole_words_and_report_the_reason() -> None:
    rules = (TagRule("object-detection", "Object detection", "", ("object detector", "YOLO")),
             TagRule("self-supervised", "SSL", "", ("self-supervised",)))
    matches = match_tags("Training Object Detectors with self supervised YOLOv8 pretraining", rules)
    assert matches == (TagMatch("object-detection", ("object detector",)), TagMatch("self-supervised", ("self-supervised",)))
    assert match_tags("objective detection", rules) == ()


def test_user_tags_add_and_a_leading_dash_removes_an_automatic_tag() -> None:
    page = PaperPage("p", Path("p.md"), "T", "", (), (), (TagMatch("a", ("x",)), TagMatch("b", ("y",))), ("-b", "To Cite"), "unread", "")
    assert effective_tags(page) == ("a", "to-cite")


@pytest.mark.parametrize(("text", "line", "message"), [
    ("good:\n  phrases: [x]\nBad Tag:\n  phrases: [y]\n", 3, "tag 'Bad Tag' must be lower-case words joined by '-' (try 'bad-tag')"),
    ("a:\n  phrases: [x]\nb:\n  phrase: [y]\n", 3, "tag 'b': unknown key 'phrase'"),
    ("a:\n  phrases: []\n", 1, "'phrases' must be a list of words or phrases"),
    ("a:\n  phrases: [x\n", 3, "invalid YAML"),
    ("a: just text\n", 1, "needs 'phrases:'"),
])
def test_taxonomy_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(SourceError) as error:
        load_taxonomy(Path("content/taxonomy.yml"), text)
    assert error.value.line == line
    assert message in error.value.message
