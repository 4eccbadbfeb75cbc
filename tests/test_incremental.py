"""A build after an edit changes only what the edit changes, and ends byte for byte where a cold
build of the same inputs ends: real builds of real sites, any sequence of edits."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import raw_list, run_sitegen, write_site
from sitegen.build import run_build
from sitegen.errors import Diagnostics

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


def build(site: Path) -> None:
    run_build(site, site / "site", Diagnostics())


def inputs_of(site: Path, into: Path) -> Path:
    """A copy of the site's inputs, as a user's fresh clone would have them: no site/, no .sitegen/."""
    shutil.copytree(site, into, ignore=lambda folder, names: [n for n in names if n in ("site", ".sitegen")] if Path(folder) == site else [])
    return into


def edit(site: Path, kind: str, n: int) -> None:
    """One edit a user makes between builds."""
    pages = sorted((site / "content" / "papers").glob("*.md"))
    page = pages[n % len(pages)] if pages else None
    if kind == "note" and page:
        page.write_text(page.read_text(encoding="utf-8") + f"\nA note, take {n}: see **this**.\n", encoding="utf-8")
    elif kind == "status" and page:
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("\n---\n", "\nstatus: reading\n---\n", 1) if "status:" not in text else text, encoding="utf-8")
    elif kind == "tag" and page:
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("\n---\n", f"\ntags: [mine-{n % 2}]\n---\n", 1) if "\ntags:" not in text else text, encoding="utf-8")
    elif kind == "new-list":
        (site / "content" / "lists" / f"extra-{n}.txt").write_text(raw_list(f"Extra Paper {n} on Detection", TITLES[n % len(TITLES)]), encoding="utf-8")
    elif kind == "drop-list":
        lists = sorted((site / "content" / "lists").glob("*.txt"))
        if len(lists) > 1:
            lists[n % len(lists)].unlink()
    elif kind == "abstract":
        first = site / "content" / "lists" / "first.txt"
        if first.exists():
            first.write_text(first.read_text(encoding="utf-8").replace("several datasets", f"{n} datasets", 1), encoding="utf-8")
    elif kind == "taxonomy":
        taxonomy = site / "content" / "taxonomy.yml"
        taxonomy.write_text(taxonomy.read_text(encoding="utf-8").replace("[object detection, detector]", "[object detection, detector, kernels]"), encoding="utf-8")
    elif kind == "settings":
        (site / "sitegen.yml").write_text(f"title: Reading {n}\n", encoding="utf-8")


EDITS = st.lists(st.tuples(st.sampled_from(["note", "status", "tag", "new-list", "drop-list", "abstract", "taxonomy", "settings"]),
                           st.integers(0, 20)), min_size=1, max_size=4)


@settings(max_examples=12, deadline=None)
@given(edits=EDITS)
def test_any_sequence_of_edits_ends_where_a_cold_build_does(tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[str, int]]) -> None:
    root = tmp_path_factory.mktemp("edits")
    site = small_site(root / "site-a")
    build(site)
    for step, (kind, n) in enumerate(edits):
        edit(site, kind, n)
        cold = inputs_of(site, root / f"cold-{step}")
        build(site)
        build(cold)
        assert tree(site / "site") == tree(cold / "site"), (kind, n)
        assert tree(site / "content") == tree(cold / "content"), (kind, n)


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
    # Of the steps' results kept between builds (YAML, tags, related papers), none changed: none is written again.
    assert len(memos) == 3 and all((site / ".sitegen" / name).stat().st_mtime_ns == mtime for name, mtime in memos.items())
    rewritten = sorted(name for name in after if before.get(name) != after[name])
    index_files = [name for name in rewritten if name.startswith("search-index")]
    assert [name for name in rewritten if name not in index_files] == sorted([f"papers/{page.stem}/index.html", "papers.json"])
    # The base (the notes' lengths), the note's words and the paper's doc: no title-as-typed, identifier or facet shard.
    shipped = {name.split("/")[-1].split("-")[0] for name in tree(site / "site") if name.startswith("search-index/")}
    assert shipped == {"terms", "typed", "ids", "docs", "facets"}  # every kind the index ships, so the check below can fail
    assert "search-index.js" in index_files and any("/docs-" in name for name in index_files)
    assert not any(f"/{kind}-" in name for name in index_files for kind in ("typed", "ids", "facets"))


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
    assert {m.name for m in memos} == {"memo-related.pickle", "memo-tags.pickle"}  # no page read yet: no YAML
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
