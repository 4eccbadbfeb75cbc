"""Paper pages: exact round trips, user edits that survive every rebuild, safe slugs, clear errors."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from conftest import raw_list, run_sitegen, write_site
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.errors import Diagnostics, SourceError
from sitegen.pages import (
    front_matter,
    RESERVED_NAMES,
    made_entries,
    made_front_matter,
    new_page,
    page_from_source,
    page_text,
    read_page,
    unique_slug,
)
from sitegen.records import Membership, Paper
from sitegen.yamlsource import compose_mapping

# Any text YAML can carry: everything but surrogates and the few characters YAML may not hold raw.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80).filter(lambda t: t.strip())


def page_for(title: str, abstract: str = "An abstract.") -> tuple[Path, str]:
    paper = Paper("key", title, abstract, ("https://github.com/a/b",), (Membership("list", 3, dt.date(2026, 3, 11)),))
    path = Path("content/papers/x.md")
    return path, page_text(new_page("x", path, paper), None, Diagnostics())


@settings(max_examples=500, deadline=None)
@given(TEXT, st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_any_title_and_abstract_survive_the_round_trip_exactly(title: str, abstract: str) -> None:
    path, text = page_for(title, abstract)
    source = read_page(path, text)
    assert source.entries["title"].value == title
    assert source.entries["abstract"].value == abstract


ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120)
MACHINE = st.fixed_dictionaries({
    "title": TEXT, "abstract": ANY_TEXT, "found_links": st.lists(TEXT, max_size=3),
    "lists": st.lists(st.fixed_dictionaries({"list": TEXT, "position": st.integers(1, 10**6)},
                                            optional={"date": st.dates(), "title": TEXT}), max_size=3),
    "auto_tags": st.dictionaries(TEXT, st.lists(TEXT, max_size=2), max_size=3),
    "metadata": st.fixed_dictionaries({}, optional={"authors": st.lists(TEXT, min_size=1, max_size=3), "year": st.integers(1900, 2100),
                                                    "venue": TEXT, "arxiv": st.sampled_from(["2309.16588", "1706.03762v2"]),
                                                    "doi": TEXT}),
})


def typed(value: object) -> object:
    """A value with the type of each of its parts: equal values of other types (1 and True, a date and a datetime) differ."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, value)


@settings(max_examples=300, deadline=None)
@given(MACHINE)
def test_the_entries_a_made_page_is_remembered_by_are_those_its_yaml_reads_as(machine: dict[str, object]) -> None:
    """A build keeps the entries of the pages it makes without parsing them (the next build reads them from
    its memo): they must be what parsing finds, value, type, line and span alike."""
    front = made_front_matter(machine)
    parsed = compose_mapping(Path("x.md"), front, first_line=2)
    made = made_entries(front, machine)
    assert list(made) == list(parsed)
    for key, entry in parsed.items():
        assert (made[key].key_line, made[key].start, made[key].end) == (entry.key_line, entry.start, entry.end), key
        assert typed(made[key].value) == typed(entry.value), key


@pytest.mark.parametrize("title", ['Say "hi": a study', "- leading dash", "# hash", "> quote", "{braces}: [and] brackets",
                                   "Emoji 🤖 and 中文", "key: value", "---", "'single'", "null", "true", "1e3", "@at", "%percent", "&anchor *alias", "!tag"])
def test_awkward_titles_round_trip(title: str) -> None:
    path, text = page_for(title)
    assert read_page(path, text).entries["title"].value == title


def test_machine_fields_refresh_and_user_fields_stay_byte_for_byte() -> None:
    path, text = page_for("A Title", "Old abstract.")
    edited = text.replace("\nstatus: unread\n", "\nstatus: reading  # started Monday\nmy_rating: 4\n").replace(
        "\ntags: []\n", "\ntags: [to-cite, -time-series]\n") + "\nMy **notes**, kept.\n\n- point one\n"
    source = read_page(path, edited)
    paper = Paper("key", "A Title", "New abstract.", (), (Membership("list", 1, None),))
    updated = page_text(page_from_source("x", source, paper), source, Diagnostics())
    after = read_page(path, updated)
    assert after.entries["abstract"].value == "New abstract."
    assert after.entries["found_links"].value == []
    assert after.entries["lists"].value == [{"list": "list", "position": 1}]
    user_part = edited[edited.index("# Above"):]
    assert updated.endswith(user_part)  # comments, user keys, their order and the notes: untouched
    assert after.body == "\nMy **notes**, kept.\n\n- point one\n"


def test_an_unchanged_page_is_rewritten_to_the_same_bytes() -> None:
    path, text = page_for("A Title")
    source = read_page(path, text)
    page = page_from_source("x", source, Paper("key", "A Title", "An abstract.", ("https://github.com/a/b",),
                                                (Membership("list", 3, dt.date(2026, 3, 11)),)))
    assert page_text(page, source, Diagnostics()) == text


@pytest.mark.parametrize(("text", "line", "message"), [
    ("---\ntitle: [unclosed\n---\n", 2, "the '[' list that starts here is not closed"),
    ("---\ntitle: ok\nstatus: done\n---\n", 3, "'status' must be one of unread, reading, read, not 'done'"),
    ("---\ntitle: ok\ntags: to-cite\n---\n", 3, "'tags' must be a list"),
    ("no front matter\n", 1, "must start with '---' front matter"),
    ("---\nabstract: x\n---\n", 1, "'title' must be non-empty text"),
    ("---\ntitle: ok\ntitle: again\n---\n", 3, "'title' is given twice"),
    ("---\ntitle: ok\nvenue: NeurIPS: workshop \"X\"\n---\n", 3,
     "a value with ': ' in it needs quotes: venue: \"NeurIPS: workshop \\\"X\\\"\""),
])
def test_malformed_pages_are_errors_with_their_line(text: str, line: int, message: str) -> None:
    with pytest.raises(SourceError) as error:
        read_page(Path("content/papers/p.md"), text)
    assert error.value.line == line
    assert message in error.value.message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_slugs_are_safe_file_names_and_unique(title: str) -> None:
    taken: set[str] = set()
    first, second = unique_slug(title, taken), unique_slug(title, taken)
    for slug in (first, second):
        assert slug and len(slug) <= 84
        assert not set(slug) & set('/\\:*?"<>|. ') and not slug.startswith("-")
        assert slug.split("-")[0] not in RESERVED_NAMES or "-" in slug
        assert slug == slug.casefold()
    assert first != second


def test_readable_slugs() -> None:
    assert unique_slug("Fréchet Cumulative Covariance Net", set()) == "frechet-cumulative-covariance-net"
    assert unique_slug("视觉Transformer中的注意力", set()) == "视觉transformer中的注意力"
    assert unique_slug("CON", set()) == "con-paper"
    assert unique_slug("?!", set()) == "paper"


def test_rebuilds_keep_user_edits_and_write_nothing_when_nothing_changed(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper")})
    assert run_sitegen("build", "-s", site).returncode == 0
    alpha = site / "content/papers/alpha-paper.md"
    alpha.write_text(alpha.read_text().replace("\nstatus: unread\n", "\nstatus: read\n") + "Loved it.\n")
    os.utime(alpha, (1_000_000_000, 1_000_000_000))
    beta = site / "content/papers/beta-paper.md"
    os.utime(beta, (1_000_000_000, 1_000_000_000))
    before = {p.name: p.read_bytes() for p in (site / "content/papers").iterdir()}

    result = run_sitegen("build", "-s", site)  # the user's edit needs no machine field rewritten
    assert result.returncode == 0, result.stderr
    assert "pages written 0" in result.stdout, result.stdout
    assert {p.name: p.read_bytes() for p in (site / "content/papers").iterdir()} == before
    site_files = {p: p.stat().st_mtime_ns for p in (site / "site").rglob("*")}
    result = run_sitegen("build", "-s", site)
    assert result.stdout.startswith("nothing changed since the last build; nothing written"), result.stdout
    assert "no taxonomy" in result.stderr  # the last build's warnings, said again
    assert {p: p.stat().st_mtime_ns for p in (site / "site").rglob("*")} == site_files
    assert alpha.stat().st_mtime == beta.stat().st_mtime == 1_000_000_000

    (site / "content/lists/week.txt").write_text(raw_list("Beta Paper"))  # both leave position 1 / the list
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    kept = alpha.read_text()
    assert "status: read" in kept and kept.endswith("Loved it.\n") and "lists: []" in kept
    assert beta.exists() and "position: 1" in beta.read_text()
    assert "removed 0" in result.stdout


def test_an_untouched_page_of_a_paper_that_left_every_list_is_removed(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper")})
    assert run_sitegen("build", "-s", site).returncode == 0
    (site / "content/lists/week.txt").write_text(raw_list("Beta Paper"))
    result = run_sitegen("build", "-s", site)
    assert "removed 1" in result.stdout
    assert not (site / "content/papers/alpha-paper.md").exists()


def test_a_slug_stays_when_the_title_changes_only_in_case(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper")})
    assert run_sitegen("build", "-s", site).returncode == 0
    (site / "content/lists/week.txt").write_text(raw_list("ALPHA paper"))
    assert run_sitegen("build", "-s", site).returncode == 0
    assert [p.name for p in (site / "content/papers").iterdir()] == ["alpha-paper.md"]
    assert "title: ALPHA paper" in (site / "content/papers/alpha-paper.md").read_text()


def rewrite(text: str, abstract: str = "New abstract.", position: int = 3) -> tuple[str, Diagnostics]:
    """The page `text` after a build whose paper has a new abstract and position."""
    path = Path("content/papers/x.md")
    source = read_page(path, text)
    paper = Paper("key", "A Title", abstract, ("https://github.com/a/b",), (Membership("list", position, dt.date(2026, 3, 11)),))
    diagnostics = Diagnostics()
    return page_text(page_from_source("x", source, paper), source, diagnostics), diagnostics


def test_only_changed_fields_are_rewritten_and_comments_on_their_lines_stay() -> None:
    _, text = page_for("A Title", "Old abstract.")
    text = text.replace("title: A Title\n", "title: A Title  # as on arXiv\n").replace(
        "abstract: Old abstract.\n", "abstract: Old abstract.  # shortened\n").replace("lists:\n", "lists:  # where I found it\n")
    updated, diagnostics = rewrite(text, position=4)
    assert diagnostics.warnings == []
    assert "title: A Title  # as on arXiv\n" in updated  # its value did not change: its line did not either
    assert "abstract: New abstract.  # shortened\n" in updated
    assert "# where I found it\nlists:\n" in updated and "position: 4" in updated
    assert updated.replace("New", "Old").replace("position: 4", "position: 3").replace(
        "# where I found it\nlists:\n", "lists:  # where I found it\n") == text


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
@pytest.mark.parametrize("bom", ["\ufeff", ""])
def test_line_endings_and_byte_order_mark_are_kept(newline: str, bom: str) -> None:
    _, text = page_for("A Title", "Old abstract.")
    text = bom + text.replace("\n", newline) + f"My notes.{newline}"
    assert rewrite(text, "Old abstract.")[0] == text  # nothing changed: the very same text
    updated, _ = rewrite(text)
    assert updated.startswith(bom + "---") and updated.count("\ufeff") == len(bom)
    assert "\n" not in updated.replace("\r\n", "") if newline == "\r\n" else "\r" not in updated  # one line ending, never mixed
    assert "New abstract." in updated and updated.endswith(f"My notes.{newline}")


def test_anchors_shared_with_machine_fields_leave_the_page_as_is_with_a_warning() -> None:
    _, text = page_for("A Title", "Old abstract.")
    shared = text.replace("abstract: Old abstract.", "abstract: &summary Old abstract.").replace("status: unread\n", "status: unread\nsummary: *summary\n")
    updated, diagnostics = rewrite(shared)
    assert updated == shared
    assert [str(w) for w in diagnostics.warnings] == ["content/papers/x.md:2: sitegen's fields could not be updated without changing "
                                                     "your own YAML (an anchor or alias they share?): page left as it is, the site uses the new values"]
    own = text.replace("status: unread\n", "status: unread\nmine: &m [a, b]  # kept\nagain: *m\n")
    updated, diagnostics = rewrite(own)
    assert diagnostics.warnings == [] and "mine: &m [a, b]  # kept\nagain: *m\n" in updated and "New abstract." in updated


@pytest.mark.parametrize("edit", [("status: unread\n", "status: unread\n# read after the deadline\n"),
                                  ("status: unread\n", "status: unread\nrating:\n"),
                                  ("tags: []\n", "tags: []  # later\n")])
def test_a_comment_or_an_empty_key_is_an_edit_that_keeps_the_page(edit: tuple[str, str]) -> None:
    path, text = page_for("A Title")
    assert not read_page(path, text).is_edited()
    assert read_page(path, text.replace(*edit)).is_edited()


COMMENT_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=30).map(lambda t: "# " + t.strip())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["title", "abstract", "found_links", "lists", "auto_tags", "tags", "status"]), COMMENT_TEXT), max_size=5),
       TEXT, st.integers(1, 500), st.sampled_from(["\n", "\r\n"]))
def test_no_rewrite_loses_a_comment_or_a_user_byte(comments: list[tuple[str, str]], abstract: str, position: int, newline: str) -> None:
    _, text = page_for("A Title", "Old abstract.")
    lines = text.split("\n")
    for key, comment in comments:  # at the end of the key's line
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
        lines[at] += f"  {comment}"
    text = newline.join(lines)
    updated, diagnostics = rewrite(text, abstract, position)
    source = read_page(Path("content/papers/x.md"), updated)
    if diagnostics.warnings:  # allowed only with the page left exactly as it was
        assert updated == text
        return
    assert source.entries["abstract"].value == abstract and source.entries["lists"].value[0]["position"] == position
    for _, comment in comments:
        assert updated.count(comment) >= text.count(comment), comment
    assert updated[updated.index("# Above"):] == text[text.index("# Above"):]  # the user's part, byte for byte
    assert ("\n" not in updated.replace("\r\n", "")) if newline == "\r\n" else ("\r" not in updated)


# What a page's front matter is, as a regular expression (too slow to read 10,000 pages with: `front_matter`).
FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(?P<yaml>.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
PAGE_PIECES = st.lists(st.sampled_from(["---", "...", "--", "-", ".", " ", "\t", "\n", "\r", "\r\n", "\ufeff", "a", "title: x", "#"]), max_size=30)


@settings(max_examples=2000)
@given(PAGE_PIECES)
def test_front_matter_is_found_where_its_definition_says(pieces: list[str]) -> None:
    text = "".join(pieces)
    match = FRONT_MATTER.match(text)
    assert front_matter(text) == ((match.start("yaml"), match.end("yaml"), match.end()) if match else None)
