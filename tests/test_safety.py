"""Nothing lost, nothing injected: hostile text, builds killed mid-way, two builds at once, `sitegen check`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import exported_papers, raw_list, run_sitegen, write_site

HOSTILE_TITLES = [
    "<script>alert('title')</script> Attention Is All You Need",
    "<img src=x onerror=alert('img')> Vision Models",
    "{{ 7*7 }} and {% raw %}templates{% endraw %} in Titles",
    "[click](javascript:alert('md')) Markdown Links",
    "</script><script>alert('close')</script> Breaking Out",
    "- item: yaml: [specials] & *anchors !tags",
    "<svg/onload=alert('svg')> Graph Networks",
]
HOSTILE_ABSTRACT = (
    "We show <script>alert('abstract')</script> that <a href=\"javascript:alert('a')\">links</a> and "
    "<iframe src=\"javascript:alert('frame')\"></iframe> stay text; {{ config }} and {{ 7*7 }} too; see "
    "javascript:alert('bare') and https://example.org/\"onmouseover=\"alert('attr') for details, with enough words to be a paragraph."
)


def hostile_site(root: Path) -> Path:
    text = "Daily Papers\n\n" + "".join(f"{t}\n\n{HOSTILE_ABSTRACT}\n\n" for t in HOSTILE_TITLES)
    return write_site(root, {"content/lists/hostile.txt": text, "content/taxonomy.yml": "vision:\n  phrases: [vision, attention]\n"})


def test_hostile_text_is_inert_in_every_output(tmp_path: Path) -> None:
    site = hostile_site(tmp_path)
    result = run_sitegen("build", "-s", site, env={"SOURCE_DATE_EPOCH": "1790000000"})
    assert result.returncode == 0, result.stderr
    for path in (site / "site").rglob("*"):
        if path.suffix in (".html", ".xml", ".js") and "static" not in path.parts:
            text = path.read_text(encoding="utf-8")
            assert "<script>alert" not in text and "<img src=x" not in text and "<svg/onload" not in text, path
            assert "<iframe" not in text and 'href="javascript:' not in text, path
            assert ">49<" not in text and "49 and" not in text, path  # {{ 7*7 }} never evaluated
    exported = exported_papers(site)  # data: kept exactly
    assert sorted(p["title"] for p in exported) == sorted(HOSTILE_TITLES)
    assert {p["abstract"] for p in exported} == {HOSTILE_ABSTRACT}
    page = next((site / "content/papers").glob("script-alert-title*.md")).read_text(encoding="utf-8")
    assert "title: <script>alert('title')</script> Attention Is All You Need" in page


def test_hostile_pages_run_no_injected_script_in_chromium(tmp_path: Path, browser: Any) -> None:
    from playwright.sync_api import expect
    site = hostile_site(tmp_path)
    assert run_sitegen("build", "-s", site).returncode == 0
    context = browser.new_context()
    page = context.new_page()
    dialogs, errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    pages = sorted((site / "site").rglob("*.html"))
    for html in pages:
        page.goto(html.as_uri())
        page.locator("details summary").first.click() if page.locator("details summary").count() else None
        page.mouse.move(200, 300)
    page.goto((site / "site/search/index.html").as_uri() + "?q=alert")
    expect(page.locator(".results .result")).to_have_count(len(HOSTILE_TITLES))
    page.goto((site / "site/index.html").as_uri())  # the header's box and its popup (the search page has its own box)
    page.fill("#site-search", "script")
    page.locator("#search-popup .popup-results a").first.wait_for()
    page.mouse.move(300, 120)
    assert dialogs == [] and errors == []
    context.close()


def test_a_second_build_at_once_is_refused_and_corrupts_nothing(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list(*[f"Paper Number {i}" for i in range(40)])})
    assert run_sitegen("build", "-s", site).returncode == 0
    import fcntl

    with open(site / ".sitegen/lock", "a+") as held:  # as a running build holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("pid 4242")
        held.flush()
        second = run_sitegen("build", "-s", site)
    assert second.returncode == 1
    assert second.stderr.strip() == f"error: {site}: another sitegen build is running on this site (pid 4242); try again when it ends"
    assert run_sitegen("check", "-s", site).returncode == 0


EPOCH = {"SOURCE_DATE_EPOCH": "1790000000"}
# (step, n): the n-th time the build reaches a named write step (sitegen.output.kill_point).
KILL_POINTS = [  # this edit writes 20 pages then the state file (21 atomic writes), removes 18 pages, renders 60 files
    ("atomic-temp", 1), ("atomic-temp", 2), ("atomic-temp", 9), ("atomic-temp", 20), ("atomic-temp", 21),
    ("atomic-replaced", 1), ("atomic-replaced", 6), ("atomic-replaced", 20),
    ("page-removed", 1), ("page-removed", 5), ("page-removed", 18),
    ("site-file", 1), ("site-file", 30), ("site-file", 59),
    ("site-file", 45), ("site-swapped", 1), ("folder-dropped", 1), ("folder-dropped", 3),
]


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def leftovers(root: Path) -> list[str]:
    """Temp files and aside folders a build may leave when killed."""
    found = [p for p in root.rglob(".sitegen-*.tmp")] + [p for p in root.iterdir() if p.name in (".site.new", ".site.old")]
    return sorted(str(p.relative_to(root)) for p in found)


def change_site(site: Path) -> None:
    """Edits that make the next build write every kind of thing: new, changed and removed pages."""
    note = site / "content/papers/paper-0-number-7.md"
    note.write_text(note.read_text() + "My note.\n")
    (site / "content/lists/week-2.txt").unlink()  # its untouched pages are removed
    (site / "content/lists/week-1.txt").write_text(raw_list(*[f"Paper 1 Number {i}" for i in range(0, 12, 2)]))
    (site / "content/lists/week-3.txt").write_text(raw_list(*[f"New Paper {i}" for i in range(15)]))


@pytest.fixture(scope="module")
def kill_sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A built site with edits not yet built, and the same site built after them: the two states a killed build may leave."""
    before = tmp_path_factory.mktemp("before")
    lists = {f"content/lists/week-{k}.txt": raw_list(*[f"Paper {k} Number {i}" for i in range(12)]) for k in range(3)}
    write_site(before, {**lists, "content/taxonomy.yml": "deep:\n  phrases: [deep network]\n"})
    assert run_sitegen("build", "-s", before, env=EPOCH).returncode == 0
    after = tmp_path_factory.mktemp("after")
    built_copy(before, after)
    change_site(after)
    assert run_sitegen("build", "-s", after, env=EPOCH).returncode == 0
    return before, after


def built_copy(site: Path, copy: Path) -> None:
    """A copy of a built site, built again where it now is: the files sitegen wrote into a copy are not
    the ones it can prove it wrote (their inodes are new), and a build in place writes them afresh."""
    shutil.copytree(site, copy, dirs_exist_ok=True, symlinks=True)
    assert run_sitegen("build", "-s", copy, env=EPOCH).returncode == 0
    assert tree(copy / "site") == tree(site / "site")  # byte for byte, the marker too


@pytest.mark.parametrize(("step", "count"), KILL_POINTS)
@pytest.mark.parametrize("sig", ["KILL", "INT"])
def test_a_build_killed_at_any_write_step_loses_nothing(tmp_path: Path, kill_sites: tuple[Path, Path], step: str, count: int, sig: str) -> None:
    before, after = kill_sites
    site = tmp_path / "site-folder"
    built_copy(before, site)
    old_pages = tree(site / "content/papers")
    change_site(site)
    old_site, new_site = tree(before / "site"), tree(after / "site")
    new_pages = tree(after / "content/papers")
    killed = run_sitegen("build", "-s", site, env={**EPOCH, "SITEGEN_TEST_KILL_AT": f"{step}:{count}:{sig}"})
    assert killed.returncode == (-signal.SIGKILL if sig == "KILL" else 130), killed.stderr  # the kill point was reached
    if sig == "INT":
        assert killed.stderr.strip().splitlines() == ["interrupted: nothing half-written is left in place"]
        assert leftovers(site) == [] and leftovers(site / "content/papers") == []
    # The old site or the complete new one; never a mix, never missing.
    assert tree(site / "site") in (old_site, new_site)
    for name, content in tree(site / "content/papers").items():
        if not name.startswith(".sitegen-"):
            assert content in (old_pages.get(name), new_pages.get(name)), name  # every page whole, old or new
    assert tree(site / "content/papers")["paper-0-number-7.md"].endswith(b"My note.\n")
    result = run_sitegen("build", "-s", site, env=EPOCH)  # the next build cleans up and completes
    assert result.returncode == 0, result.stderr
    assert leftovers(site) == [] and leftovers(site / "content/papers") == []
    assert tree(site / "site") == new_site
    assert tree(site / "content/papers") == new_pages


def test_an_output_folder_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    site = write_site(tmp_path / "source", {"content/lists/week.txt": raw_list("Alpha Paper")})
    locked = tmp_path / "locked"
    locked.mkdir()
    # Read-only for everyone, root included: immutable where we are root, else plain permissions.
    lock = ["chattr", "+i", str(locked)] if os.geteuid() == 0 else ["chmod", "555", str(locked)]
    subprocess.run(lock, check=True)
    try:
        result = run_sitegen("build", "-s", site, "-o", locked / "out")
    finally:
        subprocess.run(["chattr", "-i", str(locked)] if os.geteuid() == 0 else ["chmod", "755", str(locked)], check=True)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: {locked}"), result.stderr
    assert "Traceback" not in result.stderr
    assert list(locked.iterdir()) == []
    assert not (site / "content/papers").exists()  # the site is made before any page is written: none was
    assert run_sitegen("build", "-s", site, "-o", tmp_path / "elsewhere").returncode == 0
    assert sorted(p.name for p in (site / "content/papers").iterdir()) == ["alpha-paper.md"]


def test_check_passes_a_fresh_build_and_names_each_problem(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper") + "Gamma Cut Off\n"})
    assert run_sitegen("build", "-s", site).returncode == 0
    clean = run_sitegen("check", "-s", site)
    assert clean.returncode == 1  # the cut-off entry is a problem worth naming
    assert [line for line in clean.stdout.splitlines() if not line.startswith("note: ")] == [
        f"warning: {site}/content/lists/week.txt:13: 'Gamma Cut Off' has no abstract (cut off?)"]
    assert f"note: {site}/content/taxonomy.yml: no taxonomy: papers get only the tags you give them" in clean.stdout.splitlines()
    (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper", "Beta Paper"))
    assert run_sitegen("build", "-s", site).returncode == 0
    assert run_sitegen("check", "-s", site).returncode == 0
    (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper", "Beta Paper", "Delta Paper"))
    (site / "site/papers/beta-paper/index.html").unlink()
    shutil.copy(site / "content/papers/alpha-paper.md", site / "content/papers/alpha-copy.md")
    problems = run_sitegen("check", "-s", site)
    assert problems.returncode == 1
    lines = problems.stdout.strip().splitlines()
    built = run_sitegen("build", "-s", site)
    assert built.returncode == 1 and built.stderr.strip().splitlines()[-1] in lines  # the build's own line
    assert "same paper as" in built.stderr
    assert any(line.startswith(f"warning: {site}/site/lists/week/index.html: broken link to ../../papers/beta-paper/index.html") for line in lines)
    (site / "content/papers/alpha-copy.md").unlink()
    lines = run_sitegen("check", "-s", site).stdout.strip().splitlines()
    assert f"warning: {site}/content/lists/week.txt: changed since the last build (run `sitegen build`)" in lines
    assert all(line.startswith(("error: ", "warning: ", "note: ")) for line in lines)


def test_check_notes_the_facts_of_a_normal_library_without_failing(tmp_path: Path) -> None:
    """An entry without an abstract (a .bib one) and a paper kept in no list for the user's edits are notes, exit 0."""
    bib = "@misc{key1,\n  title = {A Paper Without Abstract},\n  year = {2023}\n}\n"
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper"), "content/lists/refs.bib": bib,
                                 "content/taxonomy.yml": "deep:\n  phrases: [deep network]\n"})
    assert run_sitegen("build", "-s", site).returncode == 0
    beta = site / "content/papers/beta-paper.md"
    beta.write_text(beta.read_text() + "My notes on Beta.\n")
    (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper"))  # Beta leaves every list, kept for the notes
    assert run_sitegen("build", "-s", site).returncode == 0
    result = run_sitegen("check", "-s", site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(result.stdout.strip().splitlines()) == sorted([
        f"note: {beta}: in no list: kept because the page holds your edits (or you made it); it shows on the papers index",
        f"note: {site}/content/lists/refs.bib:1: entry 'key1' has no abstract",
    ])
    assert result.stderr.strip() == "no problems, 2 note(s)"


def test_a_full_disk_mid_build_is_one_line_and_keeps_the_old_site(tmp_path: Path) -> None:
    """A file-size limit makes writes fail part-way, as a full disk does (EFBIG instead of ENOSPC)."""
    import resource

    site = write_site(tmp_path, {"content/lists/week.txt": raw_list(*[f"Paper Number {i}" for i in range(40)])})
    assert run_sitegen("build", "-s", site).returncode == 0
    before = {p.relative_to(site): p.read_bytes() for p in (site / "site").rglob("*") if p.is_file()}
    (site / "content/lists/week.txt").write_text(raw_list(*[f"Paper Number {i}" for i in range(41)]))

    limit = (site / "site/lists/week/index.html").stat().st_size // 2  # the list's page, rewritten, cannot be

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run([sys.executable, "-m", "sitegen", "build", "-s", str(site)], capture_output=True, text=True,
                            preexec_fn=small_disk)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith("cannot write (File too large)"), result.stderr
    assert "Traceback" not in result.stderr
    assert {p.relative_to(site): p.read_bytes() for p in (site / "site").rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".sitegen", "content", "site"]
    assert run_sitegen("build", "-s", site).returncode == 0
