"""Raw list text → entries and papers: the seeds' ground truth, fixture cases, and properties."""

from __future__ import annotations

import datetime as dt
import json
import re
import string
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sitegen.errors import Diagnostics, SourceError
from sitegen.parse import (
    abstracts_differ,
    is_furniture,
    is_page_label,
    Line,
    decode,
    dedupe,
    URL,
    find_links,
    may_hold_url,
    parse_list,
    resolve_date,
    strip_furniture,
    title_key,
)

REPO = Path(__file__).resolve().parent.parent
LISTS = REPO / "content" / "lists"
CASES = Path(__file__).parent / "cases"
TODAY = dt.date(2026, 11, 21)


def parse(path: Path, text: str) -> tuple[object, list, Diagnostics]:
    diagnostics = Diagnostics()
    reading_list, entries = parse_list(path, text, diagnostics, TODAY)
    return reading_list, entries, diagnostics


def test_seed_lists_give_the_ground_truth() -> None:
    counts, entries = {}, []
    for path in sorted(LISTS.glob("*.txt")):
        reading_list, list_entries, diagnostics = parse(path, decode(path, path.read_bytes()))
        assert diagnostics.warnings == []
        counts[path.stem] = len(list_entries)
        entries += list_entries
        assert [e.position for e in list_entries] == list(range(1, len(list_entries) + 1))
    assert counts == {"feature-learning": 75, "visual-representations": 119, "representation-theory": 55}
    papers = dedupe(entries, {}, Diagnostics())
    assert len(entries) == 249
    assert len(papers) == 230
    assert sum(1 for p in papers if len({m.list_slug for m in p.memberships}) >= 2) == 17


def test_seed_titles_and_abstracts_are_verbatim_and_in_source_order() -> None:
    path = LISTS / "visual-representations.txt"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    _, entries, _ = parse(path, path.read_text(encoding="utf-8"))
    assert entries[0].title == "A Light CNN for Deep Face Representation with Noisy Labels"  # glued to "Subscribe"
    assert entries[0].abstract == lines[3]
    assert entries[-1].abstract == lines[-1]
    for entry in entries:
        assert entry.title in lines or "Subscribe" + entry.title in lines
        assert entry.abstract in lines
    assert [e.line for e in entries] == sorted(e.line for e in entries)


@pytest.mark.parametrize("case", sorted(p.stem for p in CASES.glob("*.txt")))
def test_fixture_case(case: str) -> None:
    path = CASES / f"{case}.txt"
    expected = json.loads((CASES / f"{case}.expected.json").read_text(encoding="utf-8"))
    reading_list, entries, diagnostics = parse(path, decode(path, path.read_bytes()))
    got = [[e.line, e.title, e.abstract[: len(prefix)]] for e, (_, _, prefix) in zip(entries, expected["entries"])]
    assert len(entries) == len(expected["entries"])
    assert got == expected["entries"]
    assert [[w.line, w.message] for w in diagnostics.warnings] == expected["warnings"]
    assert (reading_list.date.isoformat() if reading_list.date else None) == expected["date"]
    if "title" in expected:
        assert reading_list.title == expected["title"]


def test_crlf_bom_and_no_blank_lines() -> None:
    text = "\ufeffDaily Papers\r\nFirst Title\r\n" + "An abstract that is long enough to be a paragraph of text. " * 3 + "\r\nSecond Title\r\nShort last abstract cut"
    path = Path("lists/x.txt")
    _, entries, diagnostics = parse(path, decode(path, text.encode("utf-8")))
    assert [(e.line, e.title) for e in entries] == [(2, "First Title"), (4, "Second Title")]
    assert entries[1].abstract == "Short last abstract cut"
    # kept, and said: the file's last two lines, a short one after a title, may as well be two titles
    assert [(w.line, w.message) for w in diagnostics.warnings] == [
        (5, "'Short last abstract cut' is taken as the abstract of 'Second Title', the last paper (cut off?)")]


def test_text_that_is_not_utf8_is_an_error_naming_file_and_line() -> None:
    with pytest.raises(SourceError) as error:
        decode(Path("content/lists/bad.txt"), b"Title\nAbstract \xff\xfe here\n")
    assert str(error.value) == "content/lists/bad.txt:2: not UTF-8 text (save the file as UTF-8)"


def test_links_lose_trailing_punctuation_and_latex_wrapping() -> None:
    abstract = (
        r"Code: https://github.com/a/b. Project page (https://x.github.io/p/), data at github.com/c/d; "
        r"see \href{https://github.com/e/f}{here} and https://en.wikipedia.org/wiki/Foo_(bar)."
    )
    assert find_links(abstract) == (
        "https://github.com/a/b", "https://x.github.io/p/", "https://github.com/c/d",
        "https://github.com/e/f", "https://en.wikipedia.org/wiki/Foo_(bar)",
    )


@settings(deadline=None)
@given(st.lists(st.sampled_from(["http", "HTTPſ", "://", "gıthub.com/", "GİTHUB.COM/", "huggingface.co/", "huggıngface.co/", "x", " ", "/", ".", "\u212a"]),
                max_size=8).map("".join) | st.text(max_size=60))
@example("see gıthub.com/a/b")
@example("httpſ://x.org/")
def test_a_text_the_url_prefilter_skips_holds_no_url(text: str) -> None:
    """The cheap test before the URL regex never skips a text the regex matches, in any case folding it knows."""
    assert may_hold_url(text) or URL.search(text) is None


@settings(deadline=None)
@given(st.lists(st.sampled_from(["http", "HTTPS", "://", "github.com/", "GitHub.Com/", "huggingface.co/", "w.github.com/", "x", " ", "/", ".",
                                  "(", ")", "\u017f", "\u0131"]), max_size=10).map("".join) | st.text(max_size=60))
def test_the_url_look_ahead_changes_no_match(text: str) -> None:
    without = re.compile(URL.pattern.removeprefix("(?=[hg])"), re.IGNORECASE)
    assert [m.span() for m in URL.finditer(text)] == [m.span() for m in without.finditer(text)]


def test_dedupe_ignores_case_punctuation_and_spacing_and_keeps_every_membership() -> None:
    a, b = Path("a.txt"), Path("b.txt")
    _, first, _ = parse(a, "Vision Transformers Need Registers\n\n" + "word " * 40)
    _, second, _ = parse(b, "Some Other Paper\n\n" + "text " * 40 + "\n\nvision transformers  need registers!\n\n" + "word " * 41)
    papers = dedupe(first + second, {"a": dt.date(2026, 3, 1), "b": None}, Diagnostics())
    assert len(papers) == 2
    assert papers[0].title == "Vision Transformers Need Registers"
    assert [(m.list_slug, m.position, m.date) for m in papers[0].memberships] == [("a", 1, dt.date(2026, 3, 1)), ("b", 2, None)]
    assert papers[0].abstract == ("word " * 41).strip()  # the longest copy wins: one may be cut off


def test_a_date_without_a_year_is_its_latest_occurrence_up_to_today() -> None:
    assert resolve_date((3, 11, None), TODAY) == dt.date(2026, 3, 11)
    assert resolve_date((12, 24, None), TODAY) == dt.date(2025, 12, 24)
    assert resolve_date((2, 29, None), TODAY) == dt.date(2024, 2, 29)
    assert resolve_date((2, 30, None), TODAY) is None


WORDS = st.text(alphabet=string.ascii_letters + "éøßΣσ中文", min_size=1, max_size=10)
TITLES = st.lists(WORDS, min_size=1, max_size=12).map(" ".join).filter(
    lambda t: not is_furniture(t) and not is_page_label(t) and not t.lower().startswith(("submitted by", "subscribe", "daily papers", "byak")) and not t[-1:].isdigit()
)
ABSTRACTS = st.lists(WORDS, min_size=32, max_size=80).map(lambda ws: " ".join(ws) + ".")
FURNITURE = st.sampled_from(["new", "Subscribe", "Daily Papers", "byAK and the research community", "by AK and the research community",
                             "Mar 11", "12", "▲ 1.2k", "Upvote", "· 4 authors", "• 1 author", "GitHub 3.2k", "github 120", "", " "])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TITLES, ABSTRACTS, st.lists(FURNITURE, max_size=3)), min_size=1, max_size=8), st.sampled_from(["\n", "\r\n", "\n\n"]))
# A paper called as a paper page's heading is ("Abstract"), where no title waits for an abstract: a paper, not the heading
@example([("ABSTRACT", " ".join(["A"] * 32) + ".", [])], "\n")
@example([("First Paper", " ".join(["A"] * 32) + ".", []), ("Abstract:", " ".join(["B"] * 32) + ".", [])], "\n")
def test_any_well_formed_paste_parses_back_exactly(entries: list[tuple[str, str, list[str]]], newline: str) -> None:
    lines: list[str] = []
    for title, abstract, furniture in entries:
        lines += furniture + [title, abstract]
    _, parsed, diagnostics = parse(Path("x.txt"), newline.join(lines))
    assert [(e.title, e.abstract) for e in parsed] == [(t.strip(), a.strip()) for t, a, _ in entries]
    assert diagnostics.warnings == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=120), TITLES, ABSTRACTS, FURNITURE), max_size=30))
def test_any_text_parses_without_crashing_and_accounts_for_every_line(lines: list[str]) -> None:
    text = "\n".join(line.replace("\r", " ").replace("\n", " ") for line in lines)
    path = Path("x.txt")
    _, parsed, diagnostics = parse(path, text)
    furniture = Diagnostics()
    content, _, _, _ = strip_furniture(path, [Line(i + 1, t) for i, t in enumerate(text.split("\n"))], furniture)
    titles = [e.line for e in parsed]
    abstracts = [e.abstract_line for e in parsed if e.abstract_line]
    skipped = [w.line for w in diagnostics.warnings if w.line and "has no abstract" not in w.message and "is taken as the abstract" not in w.message]
    assert all(e.title.strip() for e in parsed)
    # Every line that is not blank or known furniture is a title, an abstract, or a warned skip; once.
    assert sorted(titles + abstracts + skipped) == sorted([line.number for line in content] + [w.line for w in furniture.warnings if w.line])


def test_title_key_folds_case_punctuation_and_space() -> None:
    assert title_key("  Vision—Transformers: Need  REGISTERS?") == title_key("vision transformers need registers")
    assert title_key("视觉 Transformer") != title_key("Transformer")


# Furniture of Hugging Face's papers pages (daily, a date, search, a collection) as Select all copies it: blocks that
# stand between papers, the site's header before the first and its footer after the last.
MENU = ["Hugging Face", "Models", "Datasets", "Spaces", "Posts", "Community", "Docs", "Enterprise", "Pricing", "Log In", "Sign Up"]
# An authors' row or a paper's facts right after an abstract (a line of names before the row, after a card's start or a
# label, is the card's title; so is any line before a paper's facts with its arXiv id).
AUTHORS_ROWS = st.sampled_from([["Timothée Darcet", "·", "4 authors"], ["Timothée Darcet · 4 authors"], ["J. Mairal, P. Bojanowski", "· 12 authors"],
                                ["Paper • 2309.16588 • Published Sep 28, 2023 • 36"]])
BETWEEN = st.sampled_from([
    ["·", "4 authors"], ["3 comments"], ["1 comment"], ["Upvote", "56"], ["Submitted by", "akhaliq", "142"], ["+4"],
    ["Previous", "Next"], ["← Previous", "Next →"], ["Published on Mar 11, 2024"],
    ["updated 3 days ago"], ["Sign up or log in to comment"], ["Add to collection"], ["GitHub 3.2k"], ["Oct 14"],
])
HEADER = st.lists(st.sampled_from(MENU + ["Daily Papers", "by AK and the research community", "Subscribe", "Oct 14", "Previous",
                                          "Next", "Daily", "Weekly", "Monthly", "Search"]), max_size=12)
FOOTER = st.lists(st.sampled_from(["System theme", "Company", "TOS", "Privacy", "About", "Jobs", "Website", *MENU]), min_size=2, max_size=12)
# A paper may be called as a label is, or be a number: followed by its abstract, it is a paper.
LABEL_TITLES = st.sampled_from(["Next", "Models", "Previous", "Docs", "Hugging Face", "Paper • Note", "Search", "Datasets", "Papers",
                                "2048", "2309.16588"])
# An abstract as short as one sentence, or cut short with '…' where the page shows its first ~200 characters.
SHORT_ABSTRACTS = st.lists(WORDS, min_size=3, max_size=11).flatmap(lambda ws: st.sampled_from([" ".join(ws) + ".", " ".join(ws) + "…"]))


# An authors' row of avatars only, between a paper's title and its abstract: the title stays a title, however
# much it looks like a name ("Network In Network").
INSIDE = st.sampled_from([[], ["·", "4 authors"], ["· 12 authors"], ["4 authors"]])
NAME_LIKE_TITLES = st.sampled_from(["Network In Network", "Timothée Darcet", "Deep Residual Learning"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(TITLES, LABEL_TITLES, NAME_LIKE_TITLES), INSIDE, st.one_of(ABSTRACTS, SHORT_ABSTRACTS),
                          st.tuples(st.lists(AUTHORS_ROWS, max_size=1), st.lists(BETWEEN, max_size=3)).map(lambda rows: rows[0] + rows[1])),
                min_size=1, max_size=8), HEADER, st.one_of(st.just([]), FOOTER), st.sampled_from(["\n", "\r\n", "\n\n", "\r\n\r\n"]),
       st.sampled_from(["", " ", "\t", " \t "]))
def test_page_furniture_anywhere_between_papers_never_changes_the_papers(
        entries: list[tuple[str, list[str], str, list[list[str]]]], header: list[str], footer: list[str], newline: str, pad: str) -> None:
    """Whatever furniture stands around them, however short the abstracts (or cut with '…'), whatever the line ends and
    the spaces or tabs around a line: the papers, every one, as they were (a title may be a menu label or a number)."""
    lines = list(header)
    for title, inside, abstract, blocks in entries:
        lines += [title, *inside, abstract] + [line for block in blocks for line in block]
    _, parsed, diagnostics = parse(Path("x.txt"), newline.join(pad + line + pad for line in lines + footer))
    assert [(e.title, e.abstract) for e in parsed] == [(t.strip(), a.strip()) for t, _, a, _ in entries]
    # a line of names on its own before "· N authors" looks as a short title would there: skipped, and said
    named = [block[0] for _, _, _, blocks in entries for block in blocks if block[0] in ("Timothée Darcet", "J. Mairal, P. Bojanowski")]
    assert [w.message for w in diagnostics.warnings] == [f"skipped '{name}': taken for the names of an authors' row" for name in named]


def test_a_whole_hugging_face_page_pasted_gives_its_papers_and_says_what_it_cannot_tell() -> None:
    abstract = "An abstract long enough to be a paragraph, so that it is read as one by anyone and by the parser alike, with a full stop."
    page = ["Hugging Face", "Models", "Datasets", "Spaces", "Docs", "Pricing", "Daily Papers", "by AK and the research community",
            "Oct 14", "Previous", "Next", "Submitted by", "akhaliq", "142", "SubscribeVision Transformers Need Registers", abstract,
            "Timothée Darcet", "·", "4 authors", "Upvote", "56", "Next", abstract, "3 comments", "Models", abstract,
            "System theme", "Company", "TOS", "Privacy", "About", "Jobs", "Website", "Models", "Datasets", "Spaces", "Pricing", "Docs"]
    _, entries, diagnostics = parse(Path("x.txt"), "\n".join(page))
    assert [e.title for e in entries] == ["Vision Transformers Need Registers", "Next", "Models"]
    assert [(w.line, w.message) for w in diagnostics.warnings] == [(17, "skipped 'Timothée Darcet': taken for the names of an authors' row")]


def test_a_files_warnings_come_in_the_order_of_its_lines() -> None:
    abstract = "An abstract long enough to be a paragraph, so that it is read as one by anyone and by the parser alike, with a full stop."
    text = "\n".join(["First Title", abstract, "A stray line between the two papers", "***", "Second Title", abstract,
                      "Another stray line, not a label", "—", "Third Title", abstract])
    _, entries, diagnostics = parse(Path("x.txt"), text)
    assert [e.title for e in entries] == ["First Title", "Second Title", "Third Title"]
    assert [w.line for w in diagnostics.warnings] == [3, 4, 7, 8]


def test_a_lone_short_last_title_and_a_title_before_an_authors_count_are_kept() -> None:
    abstract = "An abstract long enough to be a paragraph, so that it is read as one by anyone and by the parser alike, with a full stop."
    _, entries, diagnostics = parse(Path("x.txt"), "\n".join(["First Title", abstract, "Cut Off Title"]))
    assert [e.title for e in entries] == ["First Title", "Cut Off Title"]
    assert [w.line for w in diagnostics.warnings] == [3]
    _, entries, diagnostics = parse(Path("x.txt"), "\n".join(["A Study of 1000 Authors", abstract, "Timothée Darcet · 4 authors"]))
    assert [e.title for e in entries] == ["A Study of 1000 Authors"] and diagnostics.warnings == []


def test_a_short_title_before_the_first_paper_or_after_the_last_is_never_dropped_unsaid() -> None:
    """An attacker's lists: a title of a few words before the first abstract, or among the last lines, vanished
    with no warning (taken for the site's menu or footer by its shape): only known labels go unsaid."""
    abstract = "An abstract long enough to be a paragraph, so that it is read as one by anyone and by the parser alike, with a full stop."
    for lines, titles, warned in [
        (["Segment Anything", "Real Paper One", abstract], ["Real Paper One"], ["Segment Anything"]),
        (["Real Paper One", abstract, "GPT-4 Technical Report", "About"], ["Real Paper One", "GPT-4 Technical Report"], ["GPT-4 Technical Report"]),
        (["Real Paper One", abstract, "Next", "Vision Mamba"], ["Real Paper One", "Vision Mamba"], ["Vision Mamba"]),
        (["Real Paper One", abstract, "Cut Off Title", "Beta Paper"], ["Real Paper One", "Cut Off Title"], ["Beta Paper"]),
    ]:
        _, entries, diagnostics = parse(Path("x.txt"), "\n".join(lines))
        assert [e.title for e in entries] == titles, lines
        assert [any(f"'{title}'" in w.message for w in diagnostics.warnings) for title in warned] == [True] * len(warned), diagnostics.warnings


def test_a_row_of_facts_is_never_a_title_and_a_line_taken_for_names_is_said() -> None:
    """A second attacker: 'Published on Nov 11, 2021' between a title and its abstract became the paper's title
    (the real one only warned); a short title before '· 3 authors' in a page of titles vanished unsaid."""
    abstract = "An abstract long enough to be a paragraph, so that it is read as one by anyone and by the parser alike, with a full stop."
    for facts in ("Published on Nov 11, 2021", "Paper • 2111.06377 • Published Nov 11, 2021 • 36", "updated 3 days ago"):
        _, entries, diagnostics = parse(Path("x.txt"), "\n".join(["Masked Autoencoders Are Scalable Vision Learners", facts, abstract]))
        assert [e.title for e in entries] == ["Masked Autoencoders Are Scalable Vision Learners"] and diagnostics.warnings == [], facts
    _, entries, diagnostics = parse(Path("x.txt"), "\n".join(["First Title", abstract, "Network In Network", "· 3 authors",
                                                              "Graph Attention Networks", abstract]))
    assert [e.title for e in entries] == ["First Title", "Graph Attention Networks"]
    assert [(w.line, w.message) for w in diagnostics.warnings] == [(3, "skipped 'Network In Network': taken for the names of an authors' row")]


SHORT = "A short abstract: models are all you need."
LONG = "An abstract long enough to be a paragraph, so that it is read as one by anyone and by the parser alike, with a full stop."


@pytest.mark.parametrize("label", ["Models", "Search", "Datasets", "Papers", "Next"])
def test_a_paper_called_as_a_menu_label_with_a_one_sentence_abstract_is_a_paper(label: str) -> None:
    """A stranger's list: a paper titled as a menu item, then a short abstract: the title was dropped as the menu's, and
    only the abstract was warned about."""
    lines = ["Hugging Face", "Models", "Datasets", "Daily Papers", "Mar 11", "First Paper", LONG, label, SHORT, "Third Paper", LONG, "About"]
    _, entries, diagnostics = parse(Path("x.txt"), "\n\n".join(lines))
    assert [(e.title, e.abstract) for e in entries] == [("First Paper", LONG), (label, SHORT), ("Third Paper", LONG)]
    assert diagnostics.warnings == []


def test_a_short_line_after_submitted_by_is_a_title_when_its_abstract_follows() -> None:
    """'Submitted by' then a line of a few words was always the submitter's name, even when it was the next paper's title."""
    text = "\n".join(["Submitted by", "akhaliq", "42", "First Paper", LONG, "Submitted by", "Segment Anything", LONG,
                    "Submitted by", "nielsr", "Third Paper", SHORT])
    _, entries, diagnostics = parse(Path("x.txt"), text)
    assert [e.title for e in entries] == ["First Paper", "Segment Anything", "Third Paper"]
    assert diagnostics.warnings == []


def test_a_title_that_is_a_number_is_a_paper_and_a_count_before_an_abstract_is_not() -> None:
    """A bare count or id as a title ('2048', '2309.16588') was dropped as furniture; a count between a title and its
    abstract is still the count."""
    text = "\n".join(["First Paper", LONG, "2048", LONG, "Upvote", "56", "2309.16588", SHORT, "Fourth Paper", "142", LONG])
    _, entries, diagnostics = parse(Path("x.txt"), text)
    assert [e.title for e in entries] == ["First Paper", "2048", "2309.16588", "Fourth Paper"]
    assert diagnostics.warnings == []


def test_an_abstract_the_page_cut_short_with_an_ellipsis_is_an_abstract() -> None:
    cut = LONG[:90].rstrip() + "…"
    _, entries, diagnostics = parse(Path("x.txt"), "\n".join(["First Paper", cut, "Second Paper", cut + " more…", "Third Paper", LONG]))
    assert [(e.title, e.abstract) for e in entries] == [("First Paper", cut), ("Second Paper", cut + " more…"), ("Third Paper", LONG)]
    assert diagnostics.warnings == []


PAPER_PAGE = """Hugging Face's logo
Hugging Face
Models
Datasets
Spaces
Community
Docs
Pricing
Log In
Sign Up
Papers
arxiv:2309.16588

Vision Transformers Need Registers

Published on Sep 28, 2023
·
Submitted by
akhaliq
on Sep 29, 2023
#1 Paper of the day
Upvote
36
+28
Authors:
Timothée Darcet
,
Maxime Oquab
,
Julien Mairal
,
Piotr Bojanowski
AI-generated summary
Adding register tokens to Vision Transformers removes high-norm artifacts and improves dense prediction.
Abstract

{abstract}

View arXiv page
View PDF
Add to collection
Community

librarian-bot
Sep 30, 2023

This is an automated message from the Librarian Bot. I found the following papers similar to this paper.
Reply

Sign up or log in to comment
Models citing this paper 12
Datasets citing this paper 0
Collections including this paper 25
"""


@pytest.mark.parametrize("abstract", [LONG, SHORT])
def test_one_papers_own_page_pasted_gives_that_paper(abstract: str) -> None:
    """A paper's own Hugging Face page pasted (not a list) gave a paper titled 'Abstract' (its heading), and its authors'
    names and the discussion under it as stray lines or papers."""
    _, entries, diagnostics = parse(Path("x.txt"), PAPER_PAGE.format(abstract=abstract))
    assert [(e.line, e.title, e.abstract, e.biblio.arxiv) for e in entries] == [(14, "Vision Transformers Need Registers", abstract, "2309.16588")]
    assert [(w.line, w.message) for w in diagnostics.warnings] == [
        (44, "skipped the 8 lines from 'librarian-bot' on: the discussion under 'Community' on a paper's page, not papers")]


def test_two_one_sentence_abstracts_of_one_pattern_under_one_title_are_two_papers() -> None:
    """abstracts_differ counted shared words: two short abstracts of one pattern under one title merged into one paper."""
    first = "We propose a method for image segmentation."
    second = "We propose a method for speech recognition."
    assert abstracts_differ(first, second) and abstracts_differ("Models are all you need.", "Transformers are all you need.")
    assert not abstracts_differ(first, "We propose a method for image segmentaion.")  # a typo fixed: one abstract
    v1 = ("Transformers have recently emerged as a powerful tool for learning visual representations. In this paper, we identify "
          "and characterize artifacts in feature maps of both supervised and self-supervised ViT networks.")
    v2 = ("Vision transformers have emerged as a strong tool for learning image representations. In this work, we find and "
          "characterize artifacts in the feature maps of supervised and self-supervised ViT networks, and remove them.")
    assert not abstracts_differ(v1, v2)  # a revised version shares a paragraph's words: one paper, its page kept
    _, a, _ = parse(Path("a.txt"), "\n".join(["Models", first]))
    _, b, _ = parse(Path("b.txt"), "\n".join(["Models", second]))
    diagnostics = Diagnostics()
    papers = dedupe(a + b, {}, diagnostics)
    assert [p.abstract for p in papers] == [first, second]
    assert [(w.path, w.line) for w in diagnostics.warnings] == [(Path("b.txt"), 1)]


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=60).map(" ".join), st.data())
def test_an_abstract_cut_short_anywhere_is_the_same_abstract(abstract: str, data: st.DataObject) -> None:
    """A copy cut at any character (as a page cuts it, with '…' or not) is a version of the whole, never another paper."""
    cut = abstract[: data.draw(st.integers(1, len(abstract)))] + data.draw(st.sampled_from(["", "…", "..."]))
    assert not abstracts_differ(abstract, cut) and not abstracts_differ(cut, abstract)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["graph", "neural", "learning", "sparse", "vision", "tokens", "speech", "protein"]), min_size=1, max_size=20),
       st.lists(st.sampled_from(["diffusion", "robot", "policy", "market", "galaxy", "molecule", "query", "retrieval"]), min_size=1, max_size=20))
def test_abstracts_with_no_word_in_common_differ(first: list[str], second: list[str]) -> None:
    assert abstracts_differ(" ".join(first) + ".", " ".join(second) + ".")


DAILY_CARDS = """Hugging Face
Models
Daily Papers
by AK and the research community
Submit a paper
Daily
Weekly
Previous
Dec 5
Next
Submitted by
akhaliq
142
Vision Transformers Need Registers
Timothée Darcet
·
4 authors
3 comments
Submitted by
nielsr
87
Segment Anything
·
12 authors
Submitted by
AdinaY
12
Scaling Laws for Neural Language Models
Jared Kaplan · 10 authors
1 comment
System theme
Company
TOS"""
COLLECTION = """Collections
Vision backbones
updated 3 days ago
Papers I keep coming back to.
Upvote
12
Share collection
Vision Transformers Need Registers
Paper • 2309.16588 • Published Sep 28, 2023 • 36
2048
Paper • 2304.07193 • Published Apr 14, 2023 • 45
Masked Autoencoders Are Scalable Vision Learners
Paper • arXiv:2111.06377 • Published Nov 11, 2021 • 3
System theme"""


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\n\n"])
@pytest.mark.parametrize("pad", ["", " \t"])
def test_a_page_of_paper_cards_without_abstracts_gives_each_paper_and_its_arxiv_id(newline: str, pad: str) -> None:
    """A daily page's cards (submitter, count, title, authors' row) and a collection's (title, then 'Paper • id • ...') show
    no abstract: every paper was lost or one was read as another's abstract. The card's own structure says which line is
    a title; the collection's facts give its arXiv id; a collection's name (before 'updated ...') is no paper."""
    _, entries, diagnostics = parse(Path("x.txt"), newline.join(pad + line + pad for line in DAILY_CARDS.split("\n")))
    assert [(e.title, e.abstract) for e in entries] == [("Vision Transformers Need Registers", ""), ("Segment Anything", ""),
                                                        ("Scaling Laws for Neural Language Models", "")]
    assert [w.message for w in diagnostics.warnings] == ["skipped 'Timothée Darcet': taken for the names of an authors' row"]
    assert [n.message for n in diagnostics.notes] == [f"'{e.title}' has no abstract on this page" for e in entries]
    _, entries, diagnostics = parse(Path("x.txt"), newline.join(pad + line + pad for line in COLLECTION.split("\n")))
    assert [(e.title, e.abstract, e.biblio.arxiv) for e in entries] == [
        ("Vision Transformers Need Registers", "", "2309.16588"), ("2048", "", "2304.07193"),
        ("Masked Autoencoders Are Scalable Vision Learners", "", "2111.06377")]
    lines = newline.count("\n")
    assert [(w.line, w.message) for w in diagnostics.warnings] == [
        (1 + lines, "skipped 'Vision backbones': taken for the name of a collection (it is 'updated')"),
        (1 + 3 * lines, "skipped a paragraph with no title line before it")]


@pytest.mark.parametrize("lines, papers", [
    # a search result page: the query, then cards of title, date, abstract, authors' count, upvotes in one line or two
    (["Search", "registers", "Vision Transformers Need Registers", "Published on Sep 28, 2023", LONG, "· 4 authors", "Upvote 36",
      "Registers in Vision Models", "Published on Oct 2, 2024", SHORT, "▲ 12", "36 upvotes"],
     [("Vision Transformers Need Registers", LONG), ("Registers in Vision Models", SHORT)]),
    # a user's upvoted papers: cards of a title and a row of facts, no abstracts
    (["Upvoted papers", "Vision Transformers Need Registers", "Published on Sep 28, 2023 · 36", "Segment Anything",
      "Published on Apr 5, 2023 · 120", "View all"], [("Vision Transformers Need Registers", ""), ("Segment Anything", "")]),
    # a daily page's cards with their abstracts, names and authors' count between title and abstract
    (["Submitted by", "akhaliq", "142", "Title One", "Timothée Darcet", "·", "4 authors", LONG, "Submitted by", "nielsr", "12",
      "Segment Anything", "Jared Kaplan · 3 authors", SHORT], [("Title One", LONG), ("Segment Anything", SHORT)]),
    # titles that end as sentences do, before a short abstract or a paragraph
    (["Attention Is All You Need.", SHORT, "Another Paper.", LONG, "Third?", SHORT],
     [("Attention Is All You Need.", SHORT), ("Another Paper.", LONG), ("Third?", SHORT)]),
    # HF's own summary under its heading is not the abstract
    (["Title One", "AI-generated summary", "Registers remove the artifacts.", "Abstract", SHORT], [("Title One", SHORT)]),
])
def test_other_hugging_face_layouts_give_their_papers(lines: list[str], papers: list[tuple[str, str]]) -> None:
    _, entries, diagnostics = parse(Path("x.txt"), "\r\n".join(lines))
    assert [(e.title, e.abstract) for e in entries] == papers
    assert [w for w in diagnostics.warnings if "'Upvoted papers'" not in w.message and "'registers'" not in w.message
            and "'Timothée Darcet'" not in w.message] == []


IDS = st.tuples(st.integers(15, 25), st.integers(1, 12), st.integers(1, 99999)).map(lambda n: f"{n[0]:02d}{n[1]:02d}.{n[2]:05d}")
CARD_FACTS = st.sampled_from(["Paper • {id} • Published Sep 28, 2023 • 36", "Paper • arXiv:{id} • Published on Mar 11, 2024", "Paper • {id}"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.one_of(TITLES, LABEL_TITLES, NAME_LIKE_TITLES), IDS, CARD_FACTS, st.lists(BETWEEN, max_size=2)),
                min_size=1, max_size=8), HEADER, st.one_of(st.just([]), FOOTER))
def test_a_collection_of_cards_gives_every_paper_with_its_id_whatever_stands_around_them(
        cards: list[tuple[str, str, str, list[list[str]]]], header: list[str], footer: list[str]) -> None:
    """A collection's cards (a title, then 'Paper • id • ...') with furniture between them: every paper, with its id."""
    lines = list(header)
    for title, arxiv, facts, blocks in cards:
        lines += [title, facts.format(id=arxiv)] + [line for block in blocks for line in block]
    _, parsed, diagnostics = parse(Path("x.txt"), "\n".join(lines + footer))
    assert [(e.title, e.abstract, e.biblio.arxiv) for e in parsed] == [(t.strip(), "", i) for t, i, _, _ in cards]
