"""A build after an edit changes only what the edit changes, and ends byte for byte where a cold
build of the same inputs ends: real builds of real sites, any sequence of edits."""

from __future__ import annotations

import os
import pickle
import re
import shutil
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import paper_text, raw_list, run_sitegen, write_site
from sitegen.build import run_build
from sitegen.errors import Diagnostics
from sitegen.learning import learn
from sitegen import state
from sitegen.records import STATUSES
from sitegen.search.carry import part_of

TAXONOMY = """\
vision-transformers:
  title: Vision transformers
  phrases: [vision transformer, ViT]
object-detection:
  title: Object detection
  phrases: [object detection, detector]
"""
TITLES = ["Vision Transformer Registers", "Object Detection at Scale", "Sparse Attention Kernels",
          "Detector Heads Revisited", "Contrastive Pretraining", "A ViT for Video"]


def small_site(root: Path) -> Path:
    return write_site(root, {
        "content/lists/first.txt": raw_list(*TITLES[:4]),
        "content/lists/second.txt": raw_list(*TITLES[2:]),
        "content/taxonomy.yml": TAXONOMY,
    })


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def build(site: Path) -> list[tuple[str, str, int | None, str]]:
    """Build; what it said (warnings and notes, paths relative to the site)."""
    diagnostics = Diagnostics()
    run_build(site, site / "site", diagnostics)
    return [(kind, d.path.relative_to(site).as_posix(), d.line, d.message.replace(str(site), "SITE"))
            for kind, said in (("warning", diagnostics.warnings), ("note", diagnostics.notes)) for d in said]


def inputs_of(site: Path, into: Path) -> Path:
    """A copy of the site's inputs, as a user's fresh clone would have them: no site/, no .sitegen/."""
    shutil.copytree(site, into, ignore=lambda folder, names: [n for n in names if n in ("site", ".sitegen")] if Path(folder) == site else [])
    return into


def edit(site: Path, kind: str, n: int) -> None:
    """One edit a user makes between builds."""
    pages = sorted((site / "content" / "papers").glob("*.md"))
    page = pages[n % len(pages)] if pages else None
    lists = sorted((site / "content" / "lists").glob("*.txt"))
    if kind == "note" and page:
        page.write_text(page.read_text(encoding="utf-8") + f"\nA note, take {n}: see **this**.\n", encoding="utf-8")
    elif kind == "status" and page:
        page.write_text(re.sub(r"\nstatus: \w+\n", f"\nstatus: {STATUSES[n % 3]}\n", page.read_text(encoding="utf-8")), encoding="utf-8")
    elif kind == "rating" and page:
        text = re.sub(r"\nrating: \d\n", "\n", page.read_text(encoding="utf-8"))
        page.write_text(text.replace("\nstatus: ", f"\nrating: {n % 5 + 1}\nstatus: ", 1) if n % 6 else text, encoding="utf-8")
    elif kind == "tag" and page:
        tags = ["[]", f"[mine-{n % 2}]", "[-vision-transformers]", "[-object-detection, Mine 1]"][n % 4]
        page.write_text(re.sub(r"\ntags: .*\n", f"\ntags: {tags}\n", page.read_text(encoding="utf-8")), encoding="utf-8")
    elif kind == "new-list":
        (site / "content" / "lists" / f"extra-{n}.txt").write_text(raw_list(f"Extra Paper {n} on Detection", TITLES[n % len(TITLES)]), encoding="utf-8")
    elif kind == "drop-list":
        if len(lists) > 1:
            lists[n % len(lists)].unlink()
    elif kind == "list-rename" and lists:
        renamed = lists[n % len(lists)]
        renamed.rename(renamed.with_name(f"renamed-{n}.txt"))
    elif kind == "twin-list":  # a paper twice in one list, and another's title with an abstract of its own: warnings
        twin = TITLES[(n + 1) % len(TITLES)]
        text = raw_list(TITLES[n % len(TITLES)], TITLES[n % len(TITLES)]) + paper_text(twin, f"An unrelated survey of {n} lakes and their fish over many seasons.")
        (site / "content" / "lists" / f"twins-{n}.txt").write_text(text, encoding="utf-8")
    elif kind == "abstract":
        first = site / "content" / "lists" / "first.txt"
        if first.exists():
            first.write_text(first.read_text(encoding="utf-8").replace("several datasets", f"{n} datasets", 1), encoding="utf-8")
    elif kind == "taxonomy":
        taxonomy = site / "content" / "taxonomy.yml"
        text = taxonomy.read_text(encoding="utf-8")
        if n % 2:
            text = text.replace("[object detection, detector]", "[object detection, detector, kernels]")
        else:
            text = re.sub(r"title: (Object detection|Detection \d+)", f"title: Detection {n}", text)
        taxonomy.write_text(text, encoding="utf-8")
    elif kind == "template":
        own = site / "templates"
        if n % 3:
            own.mkdir(exist_ok=True)
            (own / "paper.html").write_text('{% extends "default/paper.html" %}{% block title %}' f"Take {n}: " "{{ super() }}{% endblock %}\n",
                                            encoding="utf-8")
        else:
            shutil.rmtree(own, ignore_errors=True)
    elif kind == "settings":
        (site / "sitegen.yml").write_text(f"title: Reading {n}\n", encoding="utf-8")


EDITS = st.lists(st.tuples(st.sampled_from(["note", "status", "rating", "tag", "new-list", "twin-list", "drop-list", "list-rename", "abstract",
                                            "taxonomy", "template", "settings"]),
                           st.integers(0, 20)), min_size=1, max_size=5)


@settings(max_examples=25, deadline=None)
@given(edits=EDITS)
def test_any_sequence_of_edits_ends_where_a_cold_build_does(tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[str, int]]) -> None:
    """Every rebuild changes the site in place, however much changed (not made afresh past half of
    it), so that each file's key alone decides whether it is rendered again."""
    root = tmp_path_factory.mktemp("edits")
    site = small_site(root / "site-a")
    build(site)
    with patch("sitegen.build.MOST_OF_THE_SITE", 1.0):
        for step, (kind, n) in enumerate(edits):
            edit(site, kind, n)
            cold = inputs_of(site, root / f"cold-{step}")
            said = build(site)
            assert said == build(cold), (kind, n)  # what a kept result said is said again, in its place
            assert tree(site / "site") == tree(cold / "site"), (kind, n)
            assert tree(site / "content") == tree(cold / "content"), (kind, n)


def rewritten_by(site: Path, change: Callable[[str], str], page: str = "sparse-attention-kernels") -> list[str]:
    """The site's files a build after `change` to one paper's page writes again, but the search index's."""
    path = site / "content" / "papers" / f"{page}.md"
    before = {name: (site / "site" / name).stat().st_mtime_ns for name in tree(site / "site")}
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    build(site)
    after = {name: (site / "site" / name).stat().st_mtime_ns for name in tree(site / "site")}
    return sorted(name for name in after if before.get(name) != after[name] and not name.startswith("search-index"))


def test_a_status_edit_rewrites_its_page_and_the_pages_that_show_or_count_it(tmp_path: Path) -> None:
    """In both lists, no tag: its page, its lists' pages, the index, and the pages that count statuses
    (home, lists); not the other papers' pages, the tags' pages or any feed (none shows a status)."""
    site = small_site(tmp_path / "s")
    build(site)
    assert rewritten_by(site, lambda text: text.replace("\nstatus: unread\n", "\nstatus: read\n")) == [
        "index.html", "lists/first/index.html", "lists/index.html", "lists/second/index.html", "papers.json", "papers/index.html",
        "papers/sparse-attention-kernels/index.html"]
    # A tagged paper's status is counted on its tag's page too, and shown in its row there.
    assert rewritten_by(site, lambda text: text.replace("\nstatus: unread\n", "\nstatus: reading\n"), "object-detection-at-scale") == [
        "index.html", "lists/first/index.html", "lists/index.html", "papers.json", "papers/index.html",
        "papers/object-detection-at-scale/index.html", "tags/object-detection/index.html"]


def test_a_rating_or_a_note_rewrites_its_paper_page_only(tmp_path: Path) -> None:
    site = small_site(tmp_path / "s")
    build(site)
    assert rewritten_by(site, lambda text: text.replace("\nstatus: ", "\nrating: 4\nstatus: ", 1)) == ["papers/sparse-attention-kernels/index.html"]
    assert rewritten_by(site, lambda text: text + "\nMy note.\n") == ["papers.json", "papers/sparse-attention-kernels/index.html"]


def test_with_corrections_an_edit_learning_does_not_read_neither_retrains_nor_rescores(tmp_path: Path) -> None:
    """Learning from corrections reruns only when a text, a taxonomy or the user's tags change: a note, a status
    or a rating reuses what it taught (the memo), and the site is still byte for byte a cold build's."""
    site = small_site(tmp_path / "s")
    build(site)
    pages = {p.stem: p for p in (site / "content" / "papers").glob("*.md")}
    for slug, tags in [("vision-transformer-registers", "[mine, -vision-transformers]"), ("object-detection-at-scale", "[mine]"),
                       ("detector-heads-revisited", "[mine, object-detection]")]:
        pages[slug].write_text(re.sub(r"\ntags: .*\n", f"\ntags: {tags}\n", pages[slug].read_text(encoding="utf-8")), encoding="utf-8")
    with patch("sitegen.learning.learn", wraps=learn) as learning:
        build(site)
        assert learning.call_count == 1  # the corrections are new: learning runs
        for change in [lambda text: text + "\nMy note.\n", lambda text: text.replace("\nstatus: unread\n", "\nstatus: read\n"),
                       lambda text: text.replace("\nstatus: ", "\nrating: 4\nstatus: ", 1)]:
            page = pages["sparse-attention-kernels"]
            page.write_text(change(page.read_text(encoding="utf-8")), encoding="utf-8")
            build(site)
        assert learning.call_count == 1
        cold = inputs_of(site, tmp_path / "cold")
        build(cold)
        assert learning.call_count == 2
    assert tree(site / "site") == tree(cold / "site") and tree(site / "content") == tree(cold / "content")
    assert "<h2>Suggested tags</h2>" in (site / "site" / "papers" / "a-vit-for-video" / "index.html").read_text(encoding="utf-8")


def test_with_templates_of_its_own_a_site_renders_every_page_again(tmp_path: Path) -> None:
    """Its templates may show anything anywhere (here, notes on the home page): every key covers everything."""
    site = small_site(tmp_path / "s")
    (site / "templates").mkdir()
    (site / "templates" / "home.html").write_text('{% extends "default/home.html" %}{% block main %}'
                                                  "{% for p in catalog.papers %}{{ p.notes }}{% endfor %}{% endblock %}\n", encoding="utf-8")
    build(site)
    assert "index.html" in rewritten_by(site, lambda text: text + "\nA note the home page shows.\n")
    assert "A note the home page shows." in (site / "site" / "index.html").read_text(encoding="utf-8")


def test_an_edited_note_rewrites_its_page_and_what_shows_the_note_only(tmp_path: Path) -> None:
    site = small_site(tmp_path / "s")
    build(site)
    before = {name: (site / "site" / name).stat().st_mtime_ns for name in tree(site / "site")}
    page = sorted((site / "content" / "papers").glob("*.md"))[0]
    page.write_text(page.read_text(encoding="utf-8") + "\nMy note.\n", encoding="utf-8")
    build(site)  # the first build to read the pages: it keeps their YAML
    memos = {m.name: m.stat().st_mtime_ns for m in (site / ".sitegen").glob("memo-*.pickle")}
    page.write_text(page.read_text(encoding="utf-8") + "\nMore of my note.\n", encoding="utf-8")
    build(site)
    after = {name: (site / "site" / name).stat().st_mtime_ns for name in tree(site / "site")}
    # Of the steps' results kept between builds (YAML, tags, what corrections teach, related papers, the lists as parsed,
    # the papers they make, what was made of each paper, the search index carried over in parts), only the edited paper's
    # record, the search index's part holding the paper and those holding the note's words changed: no other is written again.
    assert len(memos) == len(state.MEMO_KINDS)
    changed = sorted(name for name, mtime in memos.items() if (site / ".sitegen" / name).stat().st_mtime_ns != mtime)
    assert [name for name in changed if not name.startswith("memo-search-terms-")] == sorted(
        ["memo-facts.pickle", f"memo-search-papers-{part_of(page.stem)}.pickle"])
    rewritten = sorted(name for name in after if before.get(name) != after[name])
    index_files = [name for name in rewritten if name.startswith("search-index")]
    assert [name for name in rewritten if name not in index_files] == sorted([f"papers/{page.stem}/index.html", "papers.json"])
    # The base (the notes' lengths), the note's words and the paper's doc: no title-as-typed, identifier or facet shard.
    shipped = {name.split("/")[-1].split("-")[0] for name in tree(site / "site") if name.startswith("search-index/")}
    assert shipped == {"terms", "typed", "ids", "docs", "facets"}  # every kind the index ships, so the check below can fail
    assert "search-index.js" in index_files and any("/docs-" in name for name in index_files)
    assert not any(f"/{kind}-" in name for name in index_files for kind in ("typed", "ids", "facets"))


def test_a_note_or_status_edit_reads_no_phrase_findings_or_scores_and_an_abstract_edit_makes_them_again(tmp_path: Path) -> None:
    """The phrase findings and their scores (memo files of their own) are read only when some title or abstract (or the
    user's tags) changed: the phrases' decision kept whole stands for them; an abstract edit reads them and keeps the new
    paper's, as a cold build would."""
    site = small_site(tmp_path / "s")
    build(site)
    edit(site, "note", 0)
    build(site)  # the first build to read the pages
    findings, scores = site / ".sitegen" / "memo-findings.pickle", site / ".sitegen" / "memo-scores.pickle"
    read: list[str] = []
    real = state.load_memo_file

    def reading(path: Path, proven: state.MemoStamp) -> dict[str, Any] | None:
        read.append(path.name)
        return real(path, proven)

    kept, kept_scores = findings.stat(), scores.stat()
    with patch.object(state, "load_memo_file", reading):
        for n, kind in enumerate(("note", "status", "note")):
            edit(site, kind, n + 1)
            build(site)
    assert "memo-tags.pickle" in read and "memo-findings.pickle" not in read and "memo-scores.pickle" not in read
    assert (findings.stat().st_ino, findings.stat().st_mtime_ns) == (kept.st_ino, kept.st_mtime_ns)  # kept as it stands
    assert (scores.stat().st_ino, scores.stat().st_mtime_ns) == (kept_scores.st_ino, kept_scores.st_mtime_ns)
    read.clear()
    with patch.object(state, "load_memo_file", reading):
        edit(site, "abstract", 7)
        build(site)
    assert "memo-findings.pickle" in read and findings.stat().st_mtime_ns != kept.st_mtime_ns and scores.stat().st_mtime_ns != kept_scores.st_mtime_ns
    cold = inputs_of(site, tmp_path / "cold")
    build(cold)
    assert tree(site / "site") == tree(cold / "site")
    for memo in (findings, scores):
        assert pickle.loads(memo.read_bytes()).keys() == pickle.loads((cold / ".sitegen" / memo.name).read_bytes()).keys()


def test_a_kill_during_the_update_is_undone_by_the_next_build(tmp_path: Path) -> None:
    site = small_site(tmp_path / "s")
    assert run_sitegen("build", cwd=site).returncode == 0
    for n in range(2):
        edit(site, "note", n)
    killed = run_sitegen("build", cwd=site, env={"SITEGEN_TEST_KILL_AT": "site-update:1"})
    assert killed.returncode != 0
    assert (tmp_path / "s" / ".site.undo").exists()  # what the update replaced, kept to be put back
    assert run_sitegen("build", cwd=site).returncode == 0
    assert not (tmp_path / "s" / ".site.undo").exists()
    cold = inputs_of(site, tmp_path / "cold")
    shutil.rmtree(cold / "content" / "papers")
    shutil.copytree(site / "content" / "papers", cold / "content" / "papers")
    assert run_sitegen("build", cwd=cold).returncode == 0
    assert tree(site / "site") == tree(cold / "site")


@pytest.mark.parametrize("kill_at", ["site-update:2", "site-update:4", "site-updated:1", "atomic-replaced:1", "folder-dropped:1",
                                     "folder-dropped:2", "folder-dropped:3"])
def test_a_kill_after_an_update_that_adds_files_leaves_nothing_the_next_build_refuses(tmp_path: Path, kill_at: str) -> None:
    """An update that adds a paper moves a new marker into the site, and at its end drops what waited aside: killed
    after it (at its first page write, or half-way through the drop), or half-way through it, the next build recovers
    and ends where a cold build ends. (The aside folder's marker was moved into the site, or removed in directory
    order: the folder left was refused as not sitegen's by every later build; the files the killed update added were
    refused as the user's by the next build, which read the site before it undid the update.)"""
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon".split()
    site = write_site(tmp_path / "s", {"content/lists/first.txt": raw_list(*[f"{w.title()} Networks for {v.title()} Tasks"
                                                                            for w, v in zip(words, reversed(words))])})
    assert run_sitegen("build", cwd=site).returncode == 0
    (site / "content/lists/extra.txt").write_text("Daily Papers\n\n" + paper_text("Zebra Quantum Widgets", "We study zebra quantum widgets."))
    killed = run_sitegen("build", cwd=site, env={"SITEGEN_TEST_KILL_AT": kill_at})
    assert killed.returncode == -signal.SIGKILL, killed.stderr  # the kill point was reached
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in site.iterdir() if p.name.startswith(".")) == [".sitegen"]  # no .site.new, .site.undo
    cold = inputs_of(site, tmp_path / "cold")
    assert run_sitegen("build", cwd=cold).returncode == 0
    assert tree(site / "site") == tree(cold / "site")
    assert tree(site / "content") == tree(cold / "content")


class Planted:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch planted-ran",))


def test_a_planted_memo_never_runs_code_and_is_ignored(tmp_path: Path) -> None:
    site = small_site(tmp_path / "s")
    (site / ".sitegen").mkdir()
    (site / ".sitegen" / "memo-yaml.pickle").write_bytes(pickle.dumps({"yaml:x": Planted()}))
    (site / ".sitegen" / "memo.pickle").write_bytes(pickle.dumps({"yaml:x": Planted()}))  # where earlier builds kept it all
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 0, result.stderr
    assert not (site / "planted-ran").exists()
    assert not (site / ".sitegen" / "memo.pickle").exists()
    cold = inputs_of(small_site(tmp_path / "fresh"), tmp_path / "cold")
    assert run_sitegen("build", cwd=cold).returncode == 0
    assert tree(site / "site") == tree(cold / "site")


def test_an_edit_that_keeps_size_and_time_is_still_built(tmp_path: Path) -> None:
    """The quick no-op check reads file stamps, not bytes; a same-size edit with its old modification
    time put back (as some sync tools do) still moves the change time, and is built."""
    site = small_site(tmp_path / "s")
    build(site)
    page = sorted((site / "content" / "papers").glob("*.md"))[0]
    page.write_text(page.read_text(encoding="utf-8") + "\nNote A.\n", encoding="utf-8")
    build(site)
    before = page.stat()
    page.write_text(page.read_text(encoding="utf-8").replace("Note A.", "Note B."), encoding="utf-8")
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert page.stat().st_size == before.st_size and page.stat().st_mtime_ns == before.st_mtime_ns
    summary = run_build(site, site / "site", Diagnostics())
    assert not summary.unchanged
    assert "Note B." in (site / "site" / "papers" / page.stem / "index.html").read_text(encoding="utf-8")
    assert run_build(site, site / "site", Diagnostics()).unchanged  # and then nothing to do


def test_the_quick_check_of_a_build_with_nothing_to_do_sees_every_kind_of_change(tmp_path: Path) -> None:
    """What a build with nothing to do looks at (the inputs' stamps from the folders' listings, the output's files from
    its open folder, the marker's names in one search, symlinked pages from the listing): each change below is built,
    a touch alone is not, and a killed build's temp file beside a symlinked page's target is swept."""
    site = small_site(tmp_path / "s")
    build(site)
    unchanged = lambda: run_build(site, site / "site", Diagnostics()).unchanged  # noqa: E731
    assert unchanged()
    page = sorted((site / "content" / "papers").glob("*.md"))[0]
    os.utime(page)  # touched, same bytes: read again, found the same, nothing to do
    assert unchanged() and unchanged()
    served = site / "site" / "tags" / "index.html"
    data = served.read_bytes()
    served.unlink()
    served.write_bytes(data)  # the same bytes in another file (inode) of the output: not the file the last build left
    assert not unchanged() and unchanged()
    (site / "content" / "lists" / "notes.md").write_text("not a list\n", encoding="utf-8")  # by its name only
    assert not unchanged() and unchanged()
    (site / "templates" / "static" / "deep").mkdir(parents=True)
    (site / "templates" / "static" / "deep" / "extra.css").write_text("a{}\n", encoding="utf-8")  # two folders down
    assert not unchanged() and unchanged()
    notes = site / "notes"
    notes.mkdir()
    os.replace(page, notes / page.name)
    page.symlink_to(Path("..", "..", "notes", page.name))  # the page, kept in a folder of the user's inside the site
    assert unchanged()  # the same bytes, read through the link
    leftover = notes / ".sitegen-killed.tmp"
    leftover.write_text("half a page\n", encoding="utf-8")
    assert unchanged() and not leftover.exists()
    (site / "content" / "papers" / page.name).unlink()
    assert not unchanged()


def test_a_file_of_yours_where_the_site_now_needs_one_stops_the_build_before_any_write(tmp_path: Path) -> None:
    site = small_site(tmp_path / "s")
    assert run_sitegen("build", cwd=site).returncode == 0
    (site / "site" / "lists" / "mine").mkdir()
    (site / "site" / "lists" / "mine" / "index.html").write_text("MY OWN PAGE", encoding="utf-8")
    (site / "site" / "lists" / "other").write_text("my file", encoding="utf-8")
    before = tree(site)
    for name in ("mine", "other"):
        (site / "content" / "lists" / f"{name}.txt").write_text(raw_list(f"Paper for {name}"), encoding="utf-8")
        result = run_sitegen("build", cwd=site)
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: site/lists/{name}") and "not made by sitegen" in lines[0], result.stderr
        (site / "content" / "lists" / f"{name}.txt").unlink()
        assert tree(site) == before


def test_a_folder_of_yours_in_place_of_a_page_stops_the_build_before_any_write(tmp_path: Path) -> None:
    site = small_site(tmp_path / "s")
    assert run_sitegen("build", cwd=site).returncode == 0
    page = next((site / "site" / "papers").glob("*/index.html"))
    page.unlink()
    page.mkdir()
    (page / "mine.txt").write_text("my file", encoding="utf-8")
    before = (tree(site / "site"), tree(site / "content"))
    for remembered in (True, False):  # the site updated in place, and (no build record) made afresh
        if not remembered:
            shutil.rmtree(site / ".sitegen")
        result = run_sitegen("build", cwd=site)
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [f"error: {page.relative_to(site)}: a folder with files of yours, where the site "
                                                      "needs this file; move the folder elsewhere and build again"]
        assert (tree(site / "site"), tree(site / "content")) == before


def test_a_hand_edit_in_the_site_is_repaired_by_the_next_build(tmp_path: Path) -> None:
    site = small_site(tmp_path / "s")
    build(site)
    tags = site / "site" / "tags" / "index.html"
    tags.write_text(tags.read_text(encoding="utf-8").replace("<title>", "<titlE>"), encoding="utf-8")  # same size
    build(site)
    cold = inputs_of(site, tmp_path / "cold")
    build(cold)
    assert tree(site / "site") == tree(cold / "site")


def test_a_damaged_memo_or_build_record_is_one_line_or_ignored(tmp_path: Path) -> None:
    site = small_site(tmp_path / "s")
    build(site)
    memos = sorted((site / ".sitegen").glob("memo-*.pickle"))
    assert {m.name for m in memos} == {"memo-learned.pickle", "memo-lists.pickle", "memo-papers.pickle", "memo-related.pickle", "memo-tags.pickle",
                                      "memo-yaml.pickle", "memo-facts.pickle", "memo-scores.pickle", "memo-findings.pickle",
                                      *(state.memo_file(kind).name for kind in state.LAZY_KINDS)}  # the pages' YAML as made
    for memo in memos:
        memo.write_bytes(pickle.dumps({key: 42 for key in pickle.loads(memo.read_bytes())}))
    page = sorted((site / "content" / "papers").glob("*.md"))[0]
    page.write_text(page.read_text(encoding="utf-8") + "\nA note.\n", encoding="utf-8")
    assert run_sitegen("build", cwd=site).returncode == 0
    cold = inputs_of(site, tmp_path / "cold")
    build(cold)
    assert tree(site / "site") == tree(cold / "site")
    memo = site / ".sitegen" / "memo-yaml.pickle"
    memo.unlink()
    memo.mkdir()
    page.write_text(page.read_text(encoding="utf-8") + "\nAnother.\n", encoding="utf-8")
    before = tree(site / "site")
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: .sitegen/memo-yaml.pickle: not a plain file; sitegen keeps its build record there: remove it (a build makes it again)"
    assert tree(site / "site") == before


def test_ctrl_c_during_the_update_lets_it_finish(tmp_path: Path) -> None:
    site = small_site(tmp_path / "s")
    assert run_sitegen("build", cwd=site).returncode == 0
    for n in range(3):
        edit(site, "note", n)
    interrupted = run_sitegen("build", cwd=site, env={"SITEGEN_TEST_KILL_AT": "site-update:1:INT"})
    assert interrupted.returncode == 130, interrupted.stderr
    assert not (tmp_path / "s" / ".site.undo").exists()
    assert "nothing changed since the last build" in run_sitegen("build", cwd=site).stdout  # what it wrote was recorded
    cold = inputs_of(site, tmp_path / "cold")
    assert run_sitegen("build", cwd=cold).returncode == 0
    assert tree(site / "site") == tree(cold / "site")


def test_after_a_cold_build_an_edit_parses_no_other_page(tmp_path: Path) -> None:
    """The pages a build makes are remembered with their YAML's entries: the next build parses only the page
    edited (after a cold build of 10,000 papers, the first edit parsed all 10,000 front matters: 8 s)."""
    import sitegen.pages

    site = small_site(tmp_path / "s")
    build(site)
    page = sorted((site / "content" / "papers").glob("*.md"))[1]
    page.write_text(page.read_text(encoding="utf-8").replace("\nstatus: unread\n", "\nstatus: read\n"), encoding="utf-8")
    parsed: list[Path] = []
    compose = sitegen.pages.compose_mapping

    def counted(path: Path, text: str, first_line: int) -> object:
        parsed.append(path)
        return compose(path, text, first_line)
    with patch("sitegen.pages.compose_mapping", counted):
        build(site)
    assert parsed == [page]
    cold = inputs_of(site, tmp_path / "cold")
    build(cold)
    assert tree(site / "site") == tree(cold / "site")
    assert tree(site / "content") == tree(cold / "content")


def test_a_new_list_matches_the_phrases_of_its_own_papers_only(tmp_path: Path) -> None:
    """Where the taxonomy's phrases stand in a paper is made of its title and abstract and the rules alone, and kept
    by paper: a new list matches the phrases of its new papers only (at 10,000 papers, matching them all again was
    9 s of a new list's build), and the site is still the one a cold build makes."""
    import sitegen.tagging

    site = small_site(tmp_path / "s")
    build(site)
    (site / "content" / "lists" / "third.txt").write_text(raw_list("Detection Transformers", TITLES[0]), encoding="utf-8")
    matched: list[str] = []
    match = sitegen.tagging.PageText.of

    def counted(page: Any, rules: Any) -> Any:
        matched.append(page.title)
        return match(page, rules)
    with patch.object(sitegen.tagging.PageText, "of", counted):
        build(site)
    assert matched == ["Detection Transformers"]
    cold = inputs_of(site, tmp_path / "cold")
    build(cold)
    assert tree(site / "site") == tree(cold / "site")
    assert tree(site / "content") == tree(cold / "content")


def test_an_edit_makes_the_page_text_and_facts_of_its_paper_only(tmp_path: Path) -> None:
    """What a build makes of each paper (its page text, the digests its pages' keys read, its papers.json entry) is
    carried over for every paper whose page is made of what it was: a status edit makes one paper's, not 10,000
    (at 10,000 papers that was 1.4 s of every edit), and the site is still the one a cold build makes."""
    import sitegen.depends
    import sitegen.pages

    site = small_site(tmp_path / "s")
    build(site)
    pages = sorted((site / "content" / "papers").glob("*.md"))
    pages[0].write_text(pages[0].read_text(encoding="utf-8") + "\nA note.\n", encoding="utf-8")
    build(site)  # the first build to read the pages the cold build wrote
    page = pages[1]
    page.write_text(page.read_text(encoding="utf-8").replace("\nstatus: unread\n", "\nstatus: read\n"), encoding="utf-8")
    texts: list[Path] = []
    facts: list[Path] = []
    make_text, make_facts = sitegen.pages.page_text, sitegen.depends.paper_facts

    def text_counted(*args: object, **kwargs: object) -> object:
        texts.append(args[0].path)  # type: ignore[attr-defined]
        return make_text(*args, **kwargs)  # type: ignore[arg-type]

    def facts_counted(*args: object, **kwargs: object) -> object:
        facts.append(args[1].path)  # type: ignore[attr-defined]
        return make_facts(*args, **kwargs)  # type: ignore[arg-type]
    with patch("sitegen.pages.page_text", text_counted), patch("sitegen.depends.paper_facts", facts_counted):
        build(site)
    assert texts == [page] and facts == [page]
    cold = inputs_of(site, tmp_path / "cold")
    build(cold)
    assert tree(site / "site") == tree(cold / "site")
    assert tree(site / "content") == tree(cold / "content")


def test_a_memo_file_put_in_place_while_a_build_runs_is_neither_read_nor_vouched_for(tmp_path: Path) -> None:
    """An attacker's race: the memo files of another version of the site, moved into .sitegen/ just after the
    build proved its own, were read by the search worker in that build and vouched for by its record (stamped as
    they stood at its end), so planted titles stayed in the search index and papers.json for every later build.
    A memo file is read only from the very file its stamp was checked on, and the record vouches only for the files
    the build wrote or proved: the next build refuses the planted ones, and the site is what a cold build makes."""
    site, other = small_site(tmp_path / "s"), small_site(tmp_path / "other")
    for page_list in (other / "content" / "lists").glob("*.txt"):
        page_list.write_text(page_list.read_text(encoding="utf-8").replace(TITLES[1], "PLANTED TITLE"), encoding="utf-8")
    build(site)
    build(other)
    planted = {path.name: path.read_bytes() for path in (other / ".sitegen").glob("memo-*.pickle")}
    real_load_memo = state.load_memo

    def then_planted(*args: Any, **kwargs: Any) -> Any:
        loaded = real_load_memo(*args, **kwargs)
        for name, data in planted.items():
            (site / ".sitegen" / f"{name}.tmp").write_bytes(data)
            os.replace(site / ".sitegen" / f"{name}.tmp", site / ".sitegen" / name)
        return loaded

    page = sorted((site / "content" / "papers").glob("*.md"))[0]
    page.write_text(page.read_text(encoding="utf-8") + "\nA note.\n", encoding="utf-8")
    with patch.object(state, "load_memo", then_planted):
        build(site)
    page.write_text(page.read_text(encoding="utf-8") + "\nAnother note.\n", encoding="utf-8")
    said = build(site)
    assert any(".sitegen" in path and "not left by this site's last build" in message for _, path, _, message in said), said
    assert not any(b"PLANTED" in data for data in tree(site / "site").values())
    cold = inputs_of(site, tmp_path / "cold")
    build(cold)
    assert tree(site / "site") == tree(cold / "site")


def test_a_memo_this_machine_wrote_is_reused_and_a_copied_one_is_made_again(tmp_path: Path) -> None:
    """The memo files the last build wrote here (same inode and change time, which no archive, copy or clone can
    give a file) are read, and their values not checked one by one (that took 2 s of every edit at 10,000
    papers); a copy that kept their times (cp -a, an archive) is not read: made again, the same site."""
    site = small_site(tmp_path / "s")
    build(site)
    copy = tmp_path / "copy"
    shutil.copytree(site, copy)  # times kept, inodes and change times new
    for folder in (site, copy):
        page = sorted((folder / "content" / "papers").glob("*.md"))[1]
        page.write_text(page.read_text(encoding="utf-8") + "\nA note.\n", encoding="utf-8")
    own, copied = Diagnostics(), Diagnostics()
    run_build(site, site / "site", own)
    run_build(copy, copy / "site", copied)
    assert not [w for w in own.warnings if ".sitegen" in str(w)]
    assert [str(w).split(": ", 1)[1] for w in copied.warnings if ".sitegen" in str(w)] == [
        "memo-yaml.pickle, memo-tags.pickle, memo-learned.pickle, memo-related.pickle, memo-lists.pickle, memo-papers.pickle, "
        "memo-facts.pickle, memo-scores.pickle, memo-findings.pickle, memo-search-*.pickle: not left by "
        "this site's last build (a cloned or copied site?); ignored, and what they held is made again"]
    assert tree(site / "site") == tree(copy / "site")
    for folder in (site, copy):  # the copy's memo, made again, is this machine's now
        page = sorted((folder / "content" / "papers").glob("*.md"))[2]
        page.write_text(page.read_text(encoding="utf-8") + "\nAnother.\n", encoding="utf-8")
        again = Diagnostics()
        run_build(folder, folder / "site", again)
        assert not [w for w in again.warnings if ".sitegen" in str(w)]
    cold = inputs_of(site, tmp_path / "cold")
    build(cold)
    assert tree(site / "site") == tree(cold / "site") == tree(copy / "site")


def test_the_theme_s_own_folder_as_the_site_s_templates_is_no_template_of_the_user_s(tmp_path: Path) -> None:
    """sitegen's repository is its example site, the theme at its `templates/`: an edited note there
    rewrote the whole site (its templates were taken for the user's own, which may read anything)."""
    import sitegen.build

    site = small_site(tmp_path / "s")
    theme = site / "templates"
    shutil.copytree(sitegen.build.package_resource("templates"), theme)
    with patch.object(sitegen.build, "package_resource", lambda name: theme):
        build(site)
        page = sorted((site / "content" / "papers").glob("*.md"))[0]
        page.write_text(page.read_text(encoding="utf-8") + "\nMy note.\n", encoding="utf-8")
        summary = run_build(site, site / "site", Diagnostics())
    assert summary.files_changed is not None and summary.files_changed <= 8, summary  # the page, papers.json, the search index


def test_a_copy_of_the_theme_as_the_site_s_templates_is_the_theme(tmp_path: Path) -> None:
    """sitegen installed from its repository (not editable) reads its theme from the package, and the example site's
    `templates/` is a copy of it: every note edit there remade the whole site (a stranger saw "380 files (made
    afresh)"), and its pages were rendered as the user's own templates are. A file of the theme's very bytes is the
    theme's; one changed byte makes the templates the user's."""
    import sitegen.build

    plain, copied = small_site(tmp_path / "plain"), small_site(tmp_path / "copied")
    shutil.copytree(sitegen.build.package_resource("templates"), copied / "templates")
    for site in (plain, copied):
        build(site)
        page = sorted((site / "content" / "papers").glob("*.md"))[0]
        page.write_text(page.read_text(encoding="utf-8") + "\nMy note.\n", encoding="utf-8")
        summary = run_build(site, site / "site", Diagnostics())
        assert summary.files_changed is not None and summary.files_changed <= 8, summary  # the page, papers.json, the search index
    assert tree(copied / "site") == tree(plain / "site")
    paper = copied / "templates" / "paper.html"
    paper.write_text(paper.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # now the user's: may read anything
    assert run_build(copied, copied / "site", Diagnostics()).files_changed is None


def test_an_edit_of_a_page_parses_no_list_and_matches_up_no_paper_again(tmp_path: Path) -> None:
    """The lists as parsed and the papers they make are kept by what they are made from (the lists' bytes, the
    pages' titles, abstracts and ids): a page's note or status edit parses no list and runs no dedupe (not even
    the first edit after a cold build, which reads the pages that build made), and the warnings those steps
    gave are given again (at 10,000 papers they took 3 s of an edit's rebuild)."""
    site = small_site(tmp_path / "s")
    edit(site, "twin-list", 1)
    build(site)
    for kind, n in (("status", 1), ("note", 2), ("status", 3)):
        edit(site, kind, n)
        with patch("sitegen.parse.parse_list_file", side_effect=AssertionError("a list parsed again")), \
                patch("sitegen.parse.dedupe", side_effect=AssertionError("the papers matched up again")):
            said = build(site)
        assert any("is in this list already" in message for *_, message in said)
        assert any("has the title of the paper at" in message for *_, message in said)
        cold = inputs_of(site, tmp_path / f"cold-{n}")
        assert build(cold) == said
        assert tree(site / "site") == tree(cold / "site")
        assert tree(site / "content") == tree(cold / "content")
