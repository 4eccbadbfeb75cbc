"""Nothing of the user's is lost: output folders sitegen did not make, symlinks, saves during a
build, hostile nesting, files that are not files, and one line for every way a command can end."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ABSTRACT, raw_list, run_sitegen, write_site

from sitegen.markup import make_markdown

EPOCH = {"SOURCE_DATE_EPOCH": "1790000000"}


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def small_site(root: Path, *titles: str) -> Path:
    return write_site(root, {"content/lists/week.txt": raw_list(*(titles or ("Alpha Paper", "Beta Paper")))})


# 1. Never delete or overwrite what sitegen did not create


@pytest.mark.parametrize("output", ["docs", ".", "content", "content/papers", "templates/x"])
def test_an_output_folder_sitegen_did_not_make_is_refused_and_kept(tmp_path: Path, output: str) -> None:
    site = small_site(tmp_path)
    assert run_sitegen("build", "-s", site, "-o", tmp_path / "elsewhere").returncode == 0
    write_site(site, {"docs/index.md": "my docs\n", "docs/img/logo.svg": "<svg/>", "templates/x/keep.txt": "mine\n"})
    before = tree(site)
    result = run_sitegen("build", "-s", site, "-o", site / output)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith(f"error: {site / output}"), result.stderr
    assert tree(site) == before


def test_an_empty_or_sitegen_made_folder_is_used_and_the_users_own_files_in_it_are_kept(tmp_path: Path) -> None:
    site = small_site(tmp_path / "source")
    out = tmp_path / "public"
    out.mkdir()
    assert run_sitegen("build", "-s", site, "-o", out).returncode == 0
    (out / "CNAME").write_text("papers.example.org\n")  # GitHub Pages' custom domain, put there by hand
    (out / "talks").mkdir()
    (out / "talks/slides.pdf").write_bytes(b"%PDF")
    (out / "all").symlink_to("papers", target_is_directory=True)
    (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper", "Gamma Paper"))
    assert run_sitegen("build", "-s", site, "-o", out).returncode == 0
    assert (out / "CNAME").read_text() == "papers.example.org\n"
    assert (out / "talks/slides.pdf").read_bytes() == b"%PDF"
    assert (out / "all").is_symlink() and os.readlink(out / "all") == "papers"
    assert (out / "papers/gamma-paper/index.html").is_file() and not (out / "papers/beta-paper").exists()


def test_a_symlinked_site_folder_is_updated_through_its_link(tmp_path: Path) -> None:
    site = small_site(tmp_path / "source")
    served = tmp_path / "www" / "html"
    served.mkdir(parents=True)
    (site / "site").symlink_to(served)
    for titles in (("Alpha Paper",), ("Alpha Paper", "Gamma Paper")):
        (site / "content/lists/week.txt").write_text(raw_list(*titles))
        result = run_sitegen("build", "-s", site)
        assert result.returncode == 0, result.stderr
        assert (site / "site").is_symlink() and (site / "site").resolve() == served.resolve()
    assert (served / "papers/gamma-paper/index.html").is_file()
    assert sorted(p.name for p in (tmp_path / "www").iterdir()) == ["html"]  # nothing left beside it


def vaulted_site(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A built site whose alpha page is a symlink into a notes vault (inside the site folder: the only
    place sitegen writes), and a list edit that rewrites both pages."""
    site = small_site(tmp_path / "source")
    assert run_sitegen("build", "-s", site).returncode == 0
    vault = site / "vault"
    vault.mkdir()
    page = site / "content/papers/alpha-paper.md"
    (vault / "alpha.md").write_bytes(page.read_bytes() + b"Notes kept in my vault.\n")
    page.unlink()
    page.symlink_to(vault / "alpha.md")
    (site / "content/lists/week.txt").write_text(raw_list("Beta Paper", "Alpha Paper"))  # positions change
    return site, vault, page


def test_a_symlinked_page_is_written_through_to_the_vault(tmp_path: Path) -> None:
    site, vault, page = vaulted_site(tmp_path)
    assert run_sitegen("build", "-s", site).returncode == 0
    assert page.is_symlink()
    text = (vault / "alpha.md").read_text()
    assert "position: 2" in text and text.endswith("Notes kept in my vault.\n")
    (site / "content/lists/week.txt").write_text(raw_list("Beta Paper"))  # its paper leaves every list
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0 and page.is_symlink() and (vault / "alpha.md").is_file()


# 2. Nothing written until everything is planned; a save made during a build is never reverted


def test_a_template_failing_at_render_time_writes_no_page(tmp_path: Path) -> None:
    site = small_site(tmp_path)
    assert run_sitegen("build", "-s", site).returncode == 0
    before = tree(site)
    (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper", "Beta Paper", "Gamma Paper"))
    write_site(site, {"templates/paper.html": "{{ paper.title }} {{ no_such_variable }}\n"})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == f"error: {site}/templates/paper.html:1: 'no_such_variable' is undefined"
    unchanged = lambda files: {k: v for k, v in files.items() if k.startswith(("site/", "content/papers/"))}  # noqa: E731
    assert unchanged(tree(site)) == unchanged(before)


def test_a_page_saved_while_the_build_runs_is_kept_and_the_next_build_completes(tmp_path: Path) -> None:
    site = small_site(tmp_path)
    assert run_sitegen("build", "-s", site).returncode == 0
    old_site = tree(site / "site")
    page = site / "content/papers/alpha-paper.md"
    (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper", "Beta Paper").replace("deep networks", "deep nets"))
    build = subprocess.Popen([sys.executable, "-m", "sitegen", "build", "-s", str(site)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env={**os.environ, "SITEGEN_TEST_KILL_AT": "atomic-temp:1:STOP"})
    _, status = os.waitpid(build.pid, os.WUNTRACED)  # stopped with its first page's new text ready to rename
    assert os.WIFSTOPPED(status)
    saved = page.read_text() + "Saved in my editor during the build.\n"
    page.write_text(saved)
    os.kill(build.pid, signal.SIGCONT)
    _, errors = build.communicate(timeout=120)
    assert build.returncode == 1
    assert errors.strip().splitlines()[-1].startswith(f"error: {page}: changed while sitegen was building; your version is kept")
    assert page.read_text() == saved
    assert tree(site / "site") == old_site
    assert not list((site / "content/papers").glob(".sitegen-*"))
    assert run_sitegen("build", "-s", site).returncode == 0
    text = page.read_text()
    assert text.endswith("Saved in my editor during the build.\n") and "deep nets" in text


# 4. Bounded work on any input


def test_hostile_latex_nesting_renders_with_its_text() -> None:
    md = make_markdown()
    deep = md.render("x " + "\\textbf{" * 200 + "deepest" + "}" * 200)
    assert "deepest" in deep and deep.count("<strong>") >= 10
    unclosed = md.render("a^{b " * 24_000)  # 120 KB of unclosed groups: linear work, the text kept
    assert unclosed.count("a^{b") == 24_000


def test_check_reports_a_fifo_named_like_a_list_instead_of_blocking(tmp_path: Path) -> None:
    site = small_site(tmp_path)
    assert run_sitegen("build", "-s", site).returncode == 0
    os.mkfifo(site / "content/lists/pipe.txt")
    os.mkfifo(site / "content/papers/pipe.md")
    for name in ("lists/pipe.txt", "papers/pipe.md"):  # the build stops at the first; check says what the build says
        result = run_sitegen("check", "-s", site)
        assert result.returncode == 1
        line = f"error: {site}/content/{name}: not a regular file (a FIFO, socket or device); sitegen reads only plain files here"
        assert line in result.stdout.splitlines()
        build = run_sitegen("build", "-s", site)
        assert build.returncode == 1 and build.stderr.strip().splitlines()[-1] == line
        (site / "content" / name).unlink()


# 5. Text survives exactly, and distinct papers stay distinct


def test_titles_stay_distinct_whole_and_within_file_name_bounds(tmp_path: Path) -> None:
    thai = "การเรียนรู้เชิงลึก" * 6  # 102 letters, no spaces: 306 bytes of UTF-8
    titles = ["∇-Prox: Neural Proximal Operators", "∂-Prox: Neural Proximal Operators", "Subscriber Growth Models",
              "Subscribed Channels in Video Search", "Daily Papers: A Dataset of Reading Habits", thai,
              "Gra\u00adph Ne\u200btworks for Molecules"]
    text = raw_list(*titles) + "·\n\n" + "Graph Networks for Molecules\n\n" + ABSTRACT.format(topic="graphs", slug="graph") + "\n"
    site = write_site(tmp_path, {"content/lists/week.txt": text})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    assert f"warning: {site}/content/lists/week.txt:33: skipped '·': no letters or digits" in result.stderr
    assert "built 7 papers (8 entries)" in result.stdout  # the soft hyphen and zero-width space: one paper
    pages = sorted(p.name for p in (site / "content/papers").iterdir())
    assert all(len(name.encode()) < 255 for name in pages)
    found = {p.read_text().split("\n")[1] for p in (site / "content/papers").iterdir()}
    for title in titles[:5]:
        assert f"title: {title}" in found or f"title: '{title}'" in found or f'title: "{title}"' in found, (title, found)


def test_control_characters_leave_every_feed_valid_xml(tmp_path: Path) -> None:
    abstract = ABSTRACT.format(topic="pdf\x0ccopies\x01and\x1bescapes", slug="pdf")
    site = write_site(tmp_path, {"content/lists/week.txt": f"Form\x0cFeed Paper\n\n{abstract}\n",
                                 "sitegen.yml": "base_url: https://example.org/lists/\n"})
    assert run_sitegen("build", "-s", site).returncode == 0
    for feed in [*(site / "site").rglob("*.xml")]:
        ET.parse(feed)  # raises on any character XML 1.0 forbids


# 6. Errors are one line, even the unexpected ones


def one_error(result: subprocess.CompletedProcess[str], start: str) -> None:
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()] and result.stderr.startswith(start), result.stderr


def test_a_mistyped_source_folder_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    one_error(run_sitegen("build", "-s", tmp_path / "sitte"), f"error: {tmp_path / 'sitte'}: does not exist; not a sitegen site")
    one_error(run_sitegen("build", "-s", tmp_path), f"error: {tmp_path}: has no content/ folder")
    assert list(tmp_path.iterdir()) == []


def test_settings_and_list_files_that_are_not_files_are_one_line(tmp_path: Path) -> None:
    site = small_site(tmp_path)
    (site / "sitegen.yml").mkdir()
    one_error(run_sitegen("build", "-s", site), f"error: {site}/sitegen.yml: a folder; sitegen reads only plain files here")
    (site / "sitegen.yml").rmdir()
    (site / "content/lists/gone.txt").symlink_to(tmp_path / "nowhere.txt")
    one_error(run_sitegen("build", "-s", site), f"error: {site}/content/lists/gone.txt: a symlink to {tmp_path}/nowhere.txt, which does not exist")
    (site / "content/lists/gone.txt").unlink()
    (site / "content/lists" / os.fsdecode(b"caf\xe9.txt")).write_text(raw_list("Gamma Paper"))
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 1 and "the file name is not UTF-8; rename the file" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_new_onto_an_existing_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    one_error(run_sitegen("new", tmp_path / "notes.txt"), f"error: {tmp_path}/notes.txt: exists and is not a folder")
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


def test_search_piped_into_head_and_bad_query_syntax_end_quietly(tmp_path: Path) -> None:
    site = small_site(tmp_path, *[f"Paper Number {i}" for i in range(30)])
    assert run_sitegen("build", "-s", site).returncode == 0
    piped = subprocess.run(f"{sys.executable} -m sitegen search -s {site} -n 30 paper | head -1", shell=True,
                           capture_output=True, text=True, timeout=120)
    assert piped.stdout.count("\n") == 1 and piped.stderr == ""
    for query in ("title:", "foo^bar", "nosuchfield:x", "graph~99"):  # syntax that does not parse is taken as words
        answered = run_sitegen("search", "-s", site, query)
        assert answered.returncode == 0 and "error" not in answered.stderr and "Traceback" not in answered.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_to_a_full_disk_is_the_commands_error_in_one_line(tmp_path: Path) -> None:
    """`sitegen build > /dev/full`: the site is built, the summary cannot be written; that is said as what it
    is (it was "internal error: OSError"), as is `sitegen search` into a full disk."""
    site = small_site(tmp_path)
    for args in (("build", "-s", site), ("search", "-s", site, "paper")):
        with open("/dev/full", "w") as full:
            ended = subprocess.run([sys.executable, "-m", "sitegen", *map(str, args)], stdout=full, stderr=subprocess.PIPE,
                                   text=True, timeout=120)
        assert ended.returncode == 1
        built = f"; {site}/site is built" if args[0] == "build" else ""
        assert ended.stderr.strip().splitlines()[-1] == f"error: could not write to standard output (No space left on device){built}"
        assert "Traceback" not in ended.stderr and "internal error" not in ended.stderr
    assert (site / "site/papers/alpha-paper/index.html").is_file()


def test_a_build_started_with_standard_error_closed_builds(tmp_path: Path) -> None:
    """`sitegen build 2>&-` (a cron line, a service): it failed at once, asking a missing stream if it was a terminal."""
    site = small_site(tmp_path)
    ended = subprocess.run(f"{sys.executable} -m sitegen build -s {site} 2>&-", shell=True, capture_output=True, text=True, timeout=120)
    assert ended.returncode == 0 and ended.stdout.startswith("built 2 papers")
    assert (site / "site/papers/alpha-paper/index.html").is_file()


def test_a_new_page_gets_the_usual_mode_and_a_rewritten_page_keeps_its_own(tmp_path: Path) -> None:
    site = small_site(tmp_path)
    assert run_sitegen("build", "-s", site).returncode == 0
    alpha, beta = site / "content/papers/alpha-paper.md", site / "content/papers/beta-paper.md"
    assert stat.S_IMODE(alpha.stat().st_mode) == 0o644 & ~current_umask()
    alpha.chmod(0o664)
    beta.chmod(0o640)
    (site / "content/lists/week.txt").write_text(raw_list("Beta Paper", "Alpha Paper"))
    assert run_sitegen("build", "-s", site).returncode == 0
    assert "position: 2" in alpha.read_text()
    assert (stat.S_IMODE(alpha.stat().st_mode), stat.S_IMODE(beta.stat().st_mode)) == (0o664, 0o640)


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_build_record_never_stands_in_for_the_marker(tmp_path: Path) -> None:
    """The issue's case: the record says the last build went to docs/; the user's own docs/index.html now
    stands there (no marker). It is never overwritten, nor is a folder whose marker was removed."""
    site = small_site(tmp_path)
    assert run_sitegen("build", "-s", site, "-o", site / "docs").returncode == 0
    shutil.rmtree(site / "docs")
    write_site(site, {"docs/index.html": "<p>my own docs</p>\n"})
    refused = run_sitegen("build", "-s", site, "-o", site / "docs")
    one_error(refused, f"error: {site / 'docs'}: not empty and not made by sitegen")
    assert (site / "docs/index.html").read_text() == "<p>my own docs</p>\n"
    assert sorted(p.name for p in (site / "docs").iterdir()) == ["index.html"]
    assert run_sitegen("build", "-s", site).returncode == 0
    (site / "site/.sitegen-output").unlink()
    one_error(run_sitegen("build", "-s", site), f"error: {site / 'site'}: not empty and not made by sitegen")


def test_a_strict_build_that_fails_leaves_nothing_aside(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper") + "Cut Off\n"})
    result = run_sitegen("build", "--strict", "-s", site)
    assert result.returncode == 1 and "--strict: nothing written" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".sitegen", "content"]


@pytest.mark.parametrize(("name", "text", "line"), [
    ("sitegen.yml", "title: " + "[" * 30000 + "\n", 1),
    ("sitegen.yml", "title: x\nmine: " + "{a: " * 30000 + "\n", 2),
    ("content/taxonomy.yml", "a:\n  phrases: " + "[" * 100_000 + "\n", 2),
])
def test_yaml_nested_past_the_loaders_stack_is_one_line(tmp_path: Path, name: str, text: str, line: int) -> None:
    """libyaml's composer recursed in C until the process crashed (exit 139, no message)."""
    site = write_site(small_site(tmp_path), {name: text})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"error: {site / name}:{line}: YAML nested too deeply (more than 50 levels)"]


def test_a_variation_selector_does_not_make_another_paper(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/a.txt": raw_list("Emoji Paper \U0001F600 \u2764\ufe0f Learning"),
                                 "content/lists/b.txt": raw_list("Emoji Paper \U0001F600 \u2764 Learning")})
    assert run_sitegen("build", "-s", site).returncode == 0
    assert len(list((site / "content/papers").glob("*.md"))) == 1


def test_the_output_may_not_take_the_place_of_the_settings(tmp_path: Path) -> None:
    site = small_site(tmp_path)
    result = run_sitegen("build", "-s", site, "-o", site / "sitegen.yml")
    assert result.returncode == 1 and "would take the place of the site's sitegen.yml" in result.stderr
    assert not (site / "sitegen.yml").exists()


@pytest.mark.parametrize("field", ["title = {A \\href{x}}", "abstract = {" + "\\emph{" * 300 + "x" + "}" * 300 + "}, title = {T}"])
def test_bibtex_latex_that_cannot_be_read_is_one_line(tmp_path: Path, field: str) -> None:
    site = write_site(tmp_path, {"content/lists/refs.bib": f"\n@misc{{key1,\n  {field},\n  year = {{2023}}\n}}\n"})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: {site}/content/lists/refs.bib:2: entry 'key1': LaTeX that cannot be read as text (")


# 7. State that came with a repository is input: .sitegen/, .site.undo/, the output marker, a committed site/


def built_site(root: Path) -> Path:
    site = write_site(root / "repo", {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper"),
                                      "content/taxonomy.yml": "deep:\n  phrases: [deep network]\n"})
    assert run_sitegen("build", "-s", site).returncode == 0
    return site


def outside(root: Path, site: Path) -> list[str]:
    """Every file under `root` that is not in the site folder: what a build must never make."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and site not in p.parents)


def test_a_planted_memo_holding_path_like_names_writes_nothing_outside(tmp_path: Path) -> None:
    """A memo whose keys are right (a clone of the attacker's digests) but whose tags and related papers
    are '../..' names: never trusted, never a path; the build says so once and makes the site from its sources."""
    import pickle

    from sitegen.records import TagMatch
    from sitegen.related import Related
    from sitegen.state import RecordsOnly

    site = built_site(tmp_path)
    clean = tree(site / "site")
    (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper", "Beta Paper", "Gamma Paper"))
    for kind, evil in (("tags", lambda v: {k: (TagMatch("../../../../escaped", ("deep network",), 1.0),) for k in v}),
                       ("findings", lambda v: {k: (TagMatch("../../../../escaped", ("deep network",), 1.0),) for k in v}),
                       ("related", lambda v: {k: (Related("../../../../escaped", 1.0, ("x",)),) for k in v})):
        path = site / f".sitegen/memo-{kind}.pickle"
        memo = RecordsOnly(path.open("rb")).load()
        path.write_bytes(pickle.dumps({key: evil(value) for key, value in memo.items()}))
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    assert outside(tmp_path, site) == [] and not list(tmp_path.rglob("escaped"))
    assert [line for line in result.stderr.splitlines() if ".sitegen" in line] == [
        f"warning: {site}/.sitegen: memo-tags.pickle, memo-related.pickle, memo-findings.pickle: not left by this site's last build (a cloned or "
        "copied site?); ignored, and what they held is made again"]
    assert (site / "site/tags/deep/index.html").is_file() and set(clean) <= set(tree(site / "site")) | {"papers/gamma-paper/index.html"}
    again = run_sitegen("build", "-s", site)  # the memo is made again: no more warnings
    assert again.returncode == 0 and ".sitegen" not in again.stderr


@pytest.mark.parametrize("record", [
    '{"inputs": 1, "sources": [1, 2], "warnings": "x"}',
    '{"inputs": "", "stamps": "", "output": "/", "files": "", "warnings": [["a", "1", "\\u001b[2J"]], "sources": {}, "rendered": {}, "memo": {}}',
    "[1, 2, 3]", "\udcff not json".encode("utf-8", "surrogateescape").decode("latin-1"), '{"a": ' * 5000,
])
def test_a_planted_build_record_is_discarded_in_one_line_and_check_survives_it(tmp_path: Path, record: str) -> None:
    site = built_site(tmp_path)
    (site / ".sitegen/build.json").write_text(record, encoding="latin-1")
    checked = run_sitegen("check", "-s", site)
    assert "Traceback" not in checked.stderr and "internal error" not in checked.stderr, checked.stderr
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if "build.json" in line] == [
        f"warning: {site}/.sitegen/build.json: not a build record this sitegen wrote; ignored, and the site is built from its sources"]
    assert "\x1b" not in result.stderr
    assert run_sitegen("check", "-s", site).returncode == 0


def test_a_lock_file_that_is_a_symlink_never_truncates_its_target(tmp_path: Path) -> None:
    site = built_site(tmp_path)
    precious = tmp_path / "thesis.tex"
    precious.write_text("\\chapter{Five years of work}\n")
    (site / ".sitegen/lock").unlink()
    (site / ".sitegen/lock").symlink_to(precious)
    one_error(run_sitegen("build", "-s", site), f"error: {site}/.sitegen/lock: a symlink; sitegen keeps its build lock there")
    assert precious.read_text() == "\\chapter{Five years of work}\n"
    (site / ".sitegen/lock").unlink()
    shutil.rmtree(site / ".sitegen")
    (site / ".sitegen").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    one_error(run_sitegen("build", "-s", site), f"error: {site}/.sitegen: not a folder of sitegen's own")
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_a_planted_undo_folder_deletes_and_replaces_nothing_of_the_users(tmp_path: Path) -> None:
    site = built_site(tmp_path)
    victim = site / "content/papers/alpha-paper.md"
    mine = site / "site/CNAME"
    mine.write_text("papers.example.org\n")
    pages = tree(site / "content/papers")
    undo = site / ".site.undo"
    # the list of an older sitegen: plain names, no digests
    write_site(undo, {".sitegen-added": "../content/papers/alpha-paper.md\nCNAME\n", "index.html": "<p>planted</p>"})
    (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper", "Beta Paper", "Gamma Paper"))  # not a build with nothing to do
    one_error(run_sitegen("build", "-s", site), f"error: {undo}: not an undo folder sitegen made")
    # a list of today's form, naming files outside, through '..', and a file of the user's
    shutil.rmtree(undo)
    victim = write_site(tmp_path, {"victim.txt": "mine\n"}) / "victim.txt"
    write_site(undo, {".sitegen-undo": f"add 0 ../content/papers/alpha-paper.md\nadd 00 CNAME\nreplace 00 index.html\nremove - {victim}\n",
                      "index.html": "<p>planted</p>"})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    assert victim.is_file() and mine.read_text() == "papers.example.org\n" and (site / "content/papers/alpha-paper.md").is_file()
    assert "planted" not in (site / "site/index.html").read_text()
    assert f"warning: {undo}: 4 line(s) of its undo list name files that are not as the killed update left them" in result.stderr
    assert {k: v for k, v in tree(site / "content/papers").items() if k in pages} == pages
    assert not undo.exists()


@pytest.mark.parametrize("aside", [".site.new", ".site.old"])
def test_a_planted_aside_folder_or_link_is_never_emptied(tmp_path: Path, aside: str) -> None:
    site = built_site(tmp_path)
    (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper", "Beta Paper", "Gamma Paper"))  # not a build with nothing to do
    notes = write_site(tmp_path / "notes", {"thesis.md": "mine\n"})
    (site / aside).symlink_to(notes, target_is_directory=True)
    one_error(run_sitegen("build", "-s", site), f"error: {site / aside}: not a folder sitegen made")
    (site / aside).unlink()
    write_site(site / aside, {"thesis.md": "mine\n"})
    one_error(run_sitegen("build", "-s", site), f"error: {site / aside}: not a folder sitegen made")
    assert tree(notes) == tree(site / aside) == {"thesis.md": b"mine\n"}


@pytest.mark.parametrize("listed", ["../content/papers/alpha-paper.md", "ABSOLUTE", "papers/../../sitegen.yml", "a\x1bb"])
def test_a_committed_output_whose_marker_names_files_outside_is_refused(tmp_path: Path, listed: str) -> None:
    site = built_site(tmp_path)
    victim = write_site(tmp_path, {"victim.txt": "mine\n"}) / "victim.txt"
    listed = listed.replace("ABSOLUTE", str(victim))
    marker = site / "site/.sitegen-output"
    marker.write_text(marker.read_text() + listed + "\n")
    before = {**tree(site / "content"), "sitegen.yml": b""}
    (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper"))  # Beta's files go: the marker's names are removed
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: {marker}:"), result.stderr
    assert "which is not a file inside" in result.stderr
    assert all((site / "content" / name).is_file() for name in before if name != "sitegen.yml") and victim.is_file()
    check = run_sitegen("check", "-s", site)
    assert check.returncode == 1 and check.stdout.count(f"error: {marker}:") == 1, check.stdout  # said once


def test_a_committed_output_with_a_symlinked_folder_is_not_written_through(tmp_path: Path) -> None:
    site = built_site(tmp_path)
    elsewhere = write_site(tmp_path / "elsewhere", {"keep.txt": "mine\n"})
    shutil.rmtree(site / "site/papers/beta-paper")
    (site / "site/papers/beta-paper").symlink_to(elsewhere, target_is_directory=True)
    before = tree(elsewhere)
    note = site / "content/papers/beta-paper.md"
    note.write_text(note.read_text() + "A note.\n")  # the paper's own page is rendered again
    result = run_sitegen("build", "-s", site)
    assert tree(elsewhere) == before
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"error: {site}/site/papers/beta-paper/index.html: on the way to it is a symlink" in result.stderr


# 8. Ordinary mistakes end in one line, and the exit status says so


def test_serve_on_a_port_in_use_or_out_of_range_is_one_line(tmp_path: Path) -> None:
    import socket

    site = small_site(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        one_error(run_sitegen("serve", "-s", site, "--port", port), f"error: 127.0.0.1:{port}: cannot serve there (Address already in use)")
    one_error(run_sitegen("serve", "-s", site, "--port", "99999"), "error: --port 99999: a port is a number from 1 to 65535")
    assert not (site / "site").exists()  # refused before building


def test_check_meeting_a_file_of_yours_that_is_not_utf8_in_site_is_not_an_internal_error(tmp_path: Path) -> None:
    site = small_site(tmp_path)
    assert run_sitegen("build", "-s", site).returncode == 0
    (site / "site/talk.html").write_bytes("<p>Caf\xe9 <a href='nowhere.html'>x</a></p>".encode("latin-1"))
    (site / "site/papers/alpha-paper/index.html").write_bytes(b"<p>\xff\xfe <a href='../gone/index.html'>x</a></p>")
    result = run_sitegen("check", "-s", site)
    assert result.returncode == 1 and "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert f"warning: {site}/site/papers/alpha-paper/index.html: broken link to ../gone/index.html" in result.stdout.splitlines()
    assert "talk.html" not in result.stdout  # a file of yours is yours: not judged


@pytest.mark.parametrize(("text", "message"), [
    ('[{"title": "A \\ud83d paper", "summary": "An abstract."}]', "1: an escape \\ud83d that is half a character (a lone surrogate)"),
    ('[\n{"title": "T", "summary": "S"},\n{"title": "A", "summary": "S", "upvotes": ' + "9" * 5000 + "}]", "3: not usable JSON: a number of 5,000 digits"),
    ('{"title": "A", "summary": "S", "upvotes": NaN}', "1: not usable JSON: NaN is not a JSON number"),
    ('{"title": "A", "summary": "S", "authors": [{"name": "\\udfff"}]}', "1: an escape \\udfff that is half a character"),
])
def test_json_values_later_code_cannot_use_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    site = write_site(tmp_path, {"content/lists/hf.json": text})
    for command in ("build", "check"):
        result = run_sitegen(command, "-s", site)
        assert result.returncode == 1 and "internal error" not in result.stderr, result.stderr
        assert f"error: {site}/content/lists/hf.json:{message}" in (result.stderr + result.stdout), result.stderr + result.stdout


@pytest.mark.parametrize("value", ["0x" + "f" * 5000, "9" * 5000, "1." + "5" * 5000])
@pytest.mark.parametrize("key", ["status", "rating", "my_key"])
def test_a_yaml_number_too_long_to_print_is_one_line(tmp_path: Path, key: str, value: str) -> None:
    site = small_site(tmp_path)
    assert run_sitegen("build", "-s", site).returncode == 0
    page = site / "content/papers/alpha-paper.md"
    before = page.read_text().replace("\nstatus: unread", f"\nstatus: unread\n{key}: {value}" if key != "status" else f"\nstatus: {value}")
    page.write_text(before)
    one_error(run_sitegen("build", "-s", site), f"error: {page}:")
    assert "a number of" in run_sitegen("build", "-s", site).stderr
    assert page.read_text() == before


def test_ctrl_c_while_modules_load_is_one_line(tmp_path: Path) -> None:
    result = run_sitegen("build", "-s", small_site(tmp_path), env={"SITEGEN_TEST_KILL_AT": "modules-loading:1:INT"})
    assert result.returncode == 130 and result.stderr == "interrupted: nothing was written\n", result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content"]


def test_a_build_killed_while_rewriting_a_symlinked_page_leaves_no_temp_in_the_vault(tmp_path: Path) -> None:
    site, vault, page = vaulted_site(tmp_path)  # both pages are rewritten
    for count in (1, 2):  # the pages are rewritten one after the other: kill at each until one is the vault's
        killed = run_sitegen("build", "-s", site, env={"SITEGEN_TEST_KILL_AT": f"atomic-temp:{count}"})
        assert killed.returncode == -signal.SIGKILL
        if [p.name for p in vault.iterdir() if p.name.startswith(".sitegen-")]:
            break
    else:
        raise AssertionError("no kill left a temp file in the vault")
    assert run_sitegen("build", "-s", site).returncode == 0
    assert sorted(p.name for p in vault.iterdir()) == ["alpha.md"]
    assert (vault / "alpha.md").read_text().endswith("Notes kept in my vault.\n") and page.is_symlink()


# 9. A cloned site's symlinks, planted state and output folder: nothing outside the site is read,
# written or swept; nothing of the user's changes unless the site swap succeeds; check refuses what build refuses


def tree_with_links(root: Path) -> dict[str, bytes | str]:
    """Every file's bytes and every symlink's target under `root` (links not followed)."""
    found: dict[str, bytes | str] = {}
    for top, folders, files in os.walk(root):
        for name in [*folders, *files]:
            path = Path(top) / name
            if path.is_symlink():
                found[str(path.relative_to(root))] = os.readlink(path)
            elif path.is_file():
                found[str(path.relative_to(root))] = path.read_bytes()
    return found


SECRET = "SECRET-outside-the-site"


def plant_link(site: Path, outside: Path, kind: str) -> Path:
    """A symlink in a cloned site that leads outside it, of each kind a build reads or writes through; returns the link."""
    if kind == "page":
        (outside / "bashrc").write_text(f"export PS1='{SECRET}'\n")
        link = site / "content/papers/alpha-paper.md"
        link.unlink()
        link.symlink_to(outside / "bashrc")
    elif kind in ("papers", "content"):
        shutil.move(site / "content" / ("papers" if kind == "papers" else ""), outside / kind)
        link = site / "content" / ("papers" if kind == "papers" else "")
        link = link if kind == "papers" else site / "content"
        link.symlink_to(outside / kind, target_is_directory=True)
    elif kind == "list":
        (outside / "week.txt").write_text(raw_list(f"{SECRET} Paper"))
        link = site / "content/lists/secret.txt"
        link.symlink_to(outside / "week.txt")
    elif kind == "templates":
        write_site(outside / "tpl", {"static/key.txt": SECRET})
        link = site / "templates"
        link.symlink_to(outside / "tpl", target_is_directory=True)
    elif kind == "static-folder":
        write_site(outside / "ssh", {"id_rsa": SECRET})
        (site / "templates").mkdir()
        link = site / "templates/static"
        link.symlink_to(outside / "ssh", target_is_directory=True)
    else:  # a static file
        (outside / "id_rsa").write_text(SECRET)
        (site / "templates/static").mkdir(parents=True)
        link = site / "templates/static/key.txt"
        link.symlink_to(outside / "id_rsa")
    return link


@pytest.mark.parametrize("hidden", [".git/config", ".ssh/id_rsa", ".env"])
def test_a_symlink_to_a_hidden_file_of_the_site_is_refused_and_never_published(tmp_path: Path, hidden: str) -> None:
    """A cloned site's `templates/static/c.txt -> ../../.git/config` published the remote's token."""
    site = built_site(tmp_path)
    write_site(site, {hidden: f"url = https://alice:{SECRET}@github.com/alice/x.git\n"})
    (site / "templates/static").mkdir(parents=True)
    link = site / "templates/static/c.txt"
    link.symlink_to(Path("../..") / hidden)
    result = run_sitegen("build", "-s", site)
    one_error(result, f"error: {link}: a symlink to ")
    assert not any(SECRET.encode() in data for data in tree(site / "site").values())
    checked = run_sitegen("check", "-s", site)
    assert checked.returncode == 1 and result.stderr.strip() in checked.stdout.splitlines()


@pytest.mark.parametrize("kind", ["page", "papers", "content", "list", "templates", "static-folder", "static-file"])
def test_a_symlink_leading_outside_the_site_is_refused_and_nothing_outside_is_read_written_or_swept(tmp_path: Path, kind: str) -> None:
    site = built_site(tmp_path)
    outside = tmp_path / "home"
    outside.mkdir()
    (outside / ".sitegen-x.tmp").write_text("a temp-looking file of the user's\n")  # beside the link's target: never swept
    link = plant_link(site, outside, kind)
    (site / "content/lists/week.txt").write_text(raw_list("Beta Paper", "Alpha Paper"))  # pages are rewritten
    before, pages = tree_with_links(outside), tree_with_links(site / "content")
    result = run_sitegen("build", "-s", site)
    one_error(result, f"error: {link}: a symlink to ")
    assert "outside the site folder" in result.stderr
    assert tree_with_links(outside) == before and tree_with_links(site / "content") == pages
    assert not any(SECRET.encode() in data for data in tree(site / "site").values())
    checked = run_sitegen("check", "-s", site)
    assert checked.returncode == 1 and result.stderr.strip() in checked.stdout.splitlines()


def test_a_symlink_inside_the_site_is_read_and_written_through(tmp_path: Path) -> None:
    site = built_site(tmp_path)
    shutil.move(site / "content/papers", site / "notes")
    (site / "content/papers").symlink_to("../notes", target_is_directory=True)
    (site / "content/lists/week.txt").write_text(raw_list("Beta Paper", "Alpha Paper"))
    assert run_sitegen("build", "-s", site).returncode == 0
    assert "position: 2" in (site / "notes/alpha-paper.md").read_text() and (site / "content/papers").is_symlink()


def page_rewrite(site: Path) -> dict[str, bytes]:
    """A list edit that rewrites the pages; the pages as they stand before it."""
    (site / "content/lists/week.txt").write_text(raw_list("Beta Paper", "Alpha Paper", "Gamma Paper"))
    return tree(site / "content")


def test_a_fifo_in_the_output_folder_stops_the_build_before_any_page_is_written(tmp_path: Path) -> None:
    site = built_site(tmp_path)
    os.mkfifo(site / "site/pipe")
    pages, old_site = page_rewrite(site), tree(site / "site")
    result = run_sitegen("build", "-s", site)
    one_error(result, f"error: {site}/site/pipe: not a plain file (a FIFO, socket or device)")
    assert tree(site / "content") == pages and tree(site / "site") == old_site
    checked = run_sitegen("check", "-s", site)
    assert checked.returncode == 1 and result.stderr.strip() in checked.stdout.splitlines()


def test_a_site_swap_the_system_refuses_changes_no_page_and_names_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The output folder is a mount point: renaming it fails with EBUSY (simulated in the process: no root mounts)."""
    import errno

    from sitegen import output
    from sitegen.build import run_build
    from sitegen.errors import Diagnostics, SitegenError

    site = built_site(tmp_path)
    pages, old_site = page_rewrite(site), tree(site / "site")
    real_replace, live = os.replace, (site / "site").resolve()

    def busy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(src) == live or Path(dst) == live:
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(src))
        real_replace(src, dst)

    monkeypatch.setattr(output, "exchange", lambda a, b: False)
    monkeypatch.setattr(os, "replace", busy)
    with pytest.raises(SitegenError) as stopped:
        run_build(site, site / "site", Diagnostics(), reuse=False)
    assert str(stopped.value).startswith(f"{site / 'site'}: cannot swap the new site in (Device or resource busy); is it a mount point?")
    assert tree(site / "content") == pages and tree(site / "site") == old_site
    assert [p.name for p in site.iterdir() if p.name in (".site.new", ".site.old", ".site.undo")] == []


@pytest.mark.parametrize("form", ["names", "proof"])
def test_a_planted_marker_naming_files_of_the_users_drops_none_of_them(tmp_path: Path, form: str) -> None:
    """A committed site/ whose marker lists the user's CNAME and notes, alone or with a cloned `.sitegen/written`
    that gives the digest of their well-known bytes and a guessed device and inode: all stay, byte for byte."""
    site = built_site(tmp_path)
    mine = {"CNAME": b"papers.example.org\n", "notes/talk.html": b"<p>my talk</p>\n", ".nojekyll": b""}
    for name, data in mine.items():
        (site / "site" / name).parent.mkdir(exist_ok=True)
        (site / "site" / name).write_bytes(data)
    marker = site / "site/.sitegen-output"
    marker.write_text(marker.read_text() + "".join(f"{name}\n" for name in mine))
    if form == "proof":
        from sitegen.output import digest_of

        proof = site / ".sitegen/written"
        guesses = [f"{digest_of(data)} {info.st_dev}:{info.st_ino + 1} {name}\n"
                   for name, data in mine.items() for info in [(site / "site" / name).stat()]]
        proof.write_text(proof.read_text() + "".join(guesses))
    for titles in (("Alpha Paper", "Gamma Paper"), ("Alpha Paper",)):  # a full build, then an update in place
        (site / "content/lists/week.txt").write_text(raw_list(*titles))
        result = run_sitegen("build", "-s", site)
        assert result.returncode == 0, result.stderr
        assert {name: (site / "site" / name).read_bytes() for name in mine} == mine
        assert result.stderr.count("kept as yours") == (titles == ("Alpha Paper", "Gamma Paper"))  # said once
    assert not (site / "site/papers/beta-paper").exists()  # sitegen's own files do go


@pytest.mark.parametrize("proof", [None, b"\xff\xfe not utf-8\n", b"0123 1:2 CNAME\n", b"00000000000000000000000000000000 1:2 ../x\n"])
def test_a_missing_or_broken_proof_keeps_every_listed_file_and_says_so_once(tmp_path: Path, proof: bytes | None) -> None:
    """`.sitegen/written` is input (a clone may carry any bytes, or none): without a proof that a listed file
    is the very one sitegen wrote here, nothing is removed, the build says so once, and the next build proves its own."""
    site = built_site(tmp_path)
    (site / "site/CNAME").write_bytes(b"papers.example.org\n")
    marker = site / "site/.sitegen-output"
    marker.write_text(marker.read_text() + "CNAME\n")
    written = site / ".sitegen/written"
    assert written.is_file() and written.read_bytes() not in marker.read_bytes()  # not published
    written.unlink() if proof is None else written.write_bytes(proof)
    beta = sorted(p.relative_to(site / "site") for p in (site / "site/papers/beta-paper").rglob("*") if p.is_file())
    (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper"))
    first = run_sitegen("build", "-s", site)
    assert first.returncode == 0, first.stderr
    assert (site / "site/CNAME").read_bytes() == b"papers.example.org\n" and beta
    assert all((site / "site" / name).is_file() for name in beta)  # sitegen's own, but it cannot prove it: kept
    assert first.stderr.count("kept as yours") == 1 and "CNAME" in first.stderr
    assert first.stderr.count("not a record of the files sitegen wrote") == (proof is not None)
    (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper", "Gamma Paper"))
    assert run_sitegen("build", "-s", site).returncode == 0
    (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper"))
    last = run_sitegen("build", "-s", site)
    assert last.returncode == 0 and "kept as yours" not in last.stderr and "not a record" not in last.stderr, last.stderr
    assert not (site / "site/papers/gamma-paper").exists()  # proven by the build that wrote it: removed
    assert (site / "site/CNAME").read_bytes() == b"papers.example.org\n"


@pytest.mark.parametrize("form", ["old", "today"])
def test_a_planted_undo_list_with_the_right_digests_moves_nothing(tmp_path: Path, form: str) -> None:
    """The digests of the user's files are easy to know (a CNAME is public); the inodes this machine gave them are not."""
    from sitegen.output import digest_of

    site = built_site(tmp_path)
    cname, index = site / "site/CNAME", site / "site/index.html"
    cname.write_text("papers.example.org\n")
    built = index.read_bytes()
    undo = site / ".site.undo"
    if form == "old":
        lines = f"add {digest_of(cname.read_bytes())} CNAME\nreplace {digest_of(built)} index.html\n"
    else:
        lines = f"add {digest_of(cname.read_bytes())} 1:2 - CNAME\nreplace {digest_of(built)} 1:3 1:4 index.html\n"
    write_site(undo, {".sitegen-undo": lines, "index.html": "<p>planted</p>"})
    (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper", "Beta Paper", "Gamma Paper"))
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    assert cname.read_text() == "papers.example.org\n" and "planted" not in index.read_text()
    assert f"warning: {undo}: 2 line(s) of its undo list name files that are not as the killed update left them" in result.stderr


def plant_lock(site: Path, kind: str, precious: Path) -> None:
    lock = site / ".sitegen/lock"
    lock.unlink(missing_ok=True)
    if kind == "hardlink":
        os.link(precious, lock)
    elif kind == "symlink":
        lock.symlink_to(precious)
    elif kind == "fifo":
        os.mkfifo(lock)
    elif kind == "folder":
        lock.mkdir()
    else:
        lock.write_text("my notes, saved here by mistake\n")


@pytest.mark.parametrize(("kind", "says"), [
    ("hardlink", "a file with another name too (a hard link, 2 names)"), ("symlink", "a symlink"),
    ("fifo", "not a plain file (a FIFO, socket or device)"), ("folder", "a folder"), ("foreign", "holds something sitegen did not write there"),
])
def test_a_planted_lock_file_is_refused_never_truncated_and_check_says_the_same(tmp_path: Path, kind: str, says: str) -> None:
    site = built_site(tmp_path)
    precious = tmp_path / "thesis.tex"
    precious.write_text("\\chapter{Five years of work}\n")
    plant_lock(site, kind, precious)
    kept = (site / ".sitegen/lock").read_bytes() if kind == "foreign" else None
    (site / "content/lists/week.txt").write_text(raw_list("Beta Paper", "Alpha Paper"))
    result = run_sitegen("build", "-s", site)
    one_error(result, f"error: {site}/.sitegen/lock: {says}; sitegen keeps its build lock there")
    assert precious.read_text() == "\\chapter{Five years of work}\n"
    assert kept is None or (site / ".sitegen/lock").read_bytes() == kept
    checked = subprocess.run([sys.executable, "-m", "sitegen", "check", "-s", str(site)], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 1 and result.stderr.strip() in checked.stdout.splitlines()


def plant_beside(site: Path, kind: str, elsewhere: Path) -> None:
    if kind == "new-unmarked":
        write_site(site / ".site.new", {"thesis.md": "mine\n"})
    elif kind == "old-link":
        (site / ".site.old").symlink_to(elsewhere, target_is_directory=True)
    else:
        (site / ".site.undo").symlink_to(elsewhere, target_is_directory=True)


@pytest.mark.parametrize("kind", ["new-unmarked", "old-link", "undo-link"])
def test_check_refuses_what_build_refuses_beside_the_output_folder(tmp_path: Path, kind: str) -> None:
    site = built_site(tmp_path)
    elsewhere = write_site(tmp_path / "elsewhere", {"thesis.md": "mine\n", ".sitegen-undo": "add 0 index.html\n"})
    plant_beside(site, kind, elsewhere)
    (site / "content/lists/week.txt").write_text(raw_list("Beta Paper", "Alpha Paper"))
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 1 and "not a" in result.stderr and "folder sitegen made" in result.stderr, result.stderr
    checked = run_sitegen("check", "-s", site)
    assert checked.returncode == 1 and result.stderr.strip() in checked.stdout.splitlines(), checked.stdout
    assert tree(elsewhere) == {"thesis.md": b"mine\n", ".sitegen-undo": b"add 0 index.html\n"}


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_check_never_opens_what_is_not_a_plain_file_in_the_output(tmp_path: Path, kind: str) -> None:
    site = built_site(tmp_path)
    listed = site / "site/papers/beta-paper/index.html"
    listed.unlink()
    if kind == "fifo":
        os.mkfifo(listed)
    else:
        listed.symlink_to("/dev/zero")
    checked = subprocess.run([sys.executable, "-m", "sitegen", "check", "-s", str(site)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert f"warning: {listed}: not a plain file (a symlink, FIFO, device or folder); not read" in checked.stdout.splitlines()


def test_a_killed_check_leaves_no_temporary_folder_after_the_next(tmp_path: Path) -> None:
    site = built_site(tmp_path)
    temp = tmp_path / "tmp"
    temp.mkdir()
    killed = run_sitegen("check", "-s", site, env={"TMPDIR": str(temp), "SITEGEN_TEST_KILL_AT": "check-rendered:1"})
    assert killed.returncode == -signal.SIGKILL
    assert [p.name.startswith("sitegen-check-") for p in temp.iterdir()] == [True]
    assert run_sitegen("check", "-s", site, env={"TMPDIR": str(temp)}).returncode == 0
    assert list(temp.iterdir()) == []


def test_a_check_folder_removed_by_its_own_check_meanwhile_is_no_error_to_another(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two checks at once (a test suite on two cores did it): one's sweep lists the other's temporary folder,
    which is gone when it looks closer. It is not this check's to sweep: no FileNotFoundError."""
    import sitegen.check

    monkeypatch.setattr(sitegen.check.tempfile, "gettempdir", lambda: str(tmp_path))
    other = tmp_path / f"sitegen-check-{os.getpid()}-abc"
    other.mkdir()
    scandir = os.scandir

    @contextlib.contextmanager
    def listed_then_gone(path: str) -> Iterator[list[os.DirEntry[str]]]:
        with scandir(path) as listing:
            entries = list(listing)
        other.rmdir()  # after the listing, before the look at each entry
        yield entries
    monkeypatch.setattr(sitegen.check.os, "scandir", listed_then_gone)
    sitegen.check.sweep_check_folders()
    assert list(tmp_path.iterdir()) == []


def test_a_site_unpacked_with_its_times_beside_its_record_is_built_again_not_trusted(tmp_path: Path) -> None:
    """An archive (or a cloned repository with a forged `.sitegen/build.json`) can give the output folder's files
    the sizes and modification times its record names, a page changed inside: the record said "nothing changed"
    and the planted page was published, and kept by later builds. The record's digest of the output holds each
    file's inode and change time too, which no archive or copy can give: such a site is built again."""
    site = built_site(tmp_path)
    index = site / "site/index.html"
    clean = index.read_bytes()
    archive = tmp_path / "archive"
    shutil.copytree(site, archive)  # what an archive holds: bytes and times
    planted = archive / "site/index.html"
    times = planted.stat()
    planted.write_bytes(clean.replace(b"</body>", b"<script>1</script></body>")[: len(clean)])  # the same size
    os.utime(planted, ns=(times.st_atime_ns, times.st_mtime_ns))
    shutil.rmtree(site)
    shutil.copytree(archive, site)  # unpacked where it was made, times kept
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    assert "nothing changed" not in result.stdout
    assert index.read_bytes() == clean


@pytest.mark.parametrize(("name", "says"), [
    ("a\nb.css", "a\\x0ab.css: a control character, line break or backslash in its name; a file of the site cannot have one: rename it"),
    ("a\u2028b.css", "a\\u2028b.css: a control character, line break or backslash in its name; a file of the site cannot have one: rename it"),
    ("vendor", "vendor: static/vendor would be both a file and a folder of the site (with "),
])
def test_a_static_file_the_site_cannot_list_or_hold_is_one_line_before_anything_is_written(tmp_path: Path, name: str, says: str) -> None:
    """The marker and the proof list the site's files a line each: a static file named with a line break was
    published, then split in two by the next build's reading of its marker, which refused the site for good
    (in an error of two lines); a static file where the theme has a folder left half a site aside."""
    site = small_site(tmp_path)
    (site / "templates/static").mkdir(parents=True)
    (site / "templates/static" / name).write_text("x")
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: {site}/templates/static/{says}"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 2 and "Traceback" not in result.stderr  # the taxonomy's note, the error
    assert not (site / "site").exists() and not (site / "content/papers").exists()
