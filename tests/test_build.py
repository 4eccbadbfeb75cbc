"""The command line on real sites: summaries, one-line errors, strict mode, the old site kept on failure."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import raw_list, run_sitegen, write_site

INVALID = Path(__file__).parent / "sites" / "invalid"


@pytest.mark.parametrize("case", sorted(p.name for p in INVALID.iterdir()))
def test_invalid_site_fails_with_one_exact_line(case: str, tmp_path: Path) -> None:
    site = tmp_path / case
    shutil.copytree(INVALID / case, site)
    expected = (site / "expected.txt").read_text(encoding="utf-8").strip()
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == expected
    assert all(line.startswith(("warning: ", "note: ", "error: ")) for line in lines), result.stderr  # never a traceback
    assert not (site / "site").exists()


@pytest.mark.parametrize("case", sorted(p.name for p in INVALID.iterdir()))
def test_check_refuses_every_invalid_site_with_the_builds_own_line(case: str, tmp_path: Path) -> None:
    """check runs the build's load and assemble (and renders into a temporary folder): it cannot pass a
    site the build refuses, nor name another file (two lists with one slug)."""
    site = tmp_path / case
    shutil.copytree(INVALID / case, site)
    expected = (site / "expected.txt").read_text(encoding="utf-8").strip()
    result = run_sitegen("check", cwd=site)
    assert result.returncode == 1, result.stdout + result.stderr
    assert expected in result.stdout.splitlines(), result.stdout
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in site.iterdir()) == sorted(p.name for p in (INVALID / case).iterdir())  # nothing written


def test_a_failed_build_leaves_the_previous_site_and_pages_as_they_were(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper")})
    assert run_sitegen("build", "-s", site).returncode == 0
    before = {p: p.read_bytes() for p in sorted((site / "site").rglob("*")) if p.is_file()}
    pages = {p: p.read_bytes() for p in (site / "content/papers").iterdir()}
    (site / "content/lists/week.txt").write_text(raw_list("Alpha Paper", "Beta Paper"))
    (site / "content/taxonomy.yml").write_text("broken: [\n")
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {site}/content/taxonomy.yml:2: invalid YAML: did not find expected node content"
    assert {p: p.read_bytes() for p in sorted((site / "site").rglob("*")) if p.is_file()} == before
    assert {p: p.read_bytes() for p in (site / "content/papers").iterdir()} == pages
    assert sorted(p.name for p in tmp_path.iterdir()) == [".sitegen", "content", "site"]  # nothing left aside


def test_warnings_name_file_and_line_and_strict_makes_them_fatal(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper") + "Beta Cut Off\n"})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0
    assert f"warning: {site}/content/lists/week.txt:9: 'Beta Cut Off' has no abstract (cut off?)" in result.stderr
    assert "built 2 papers" in result.stdout and "; 1 warning;" in result.stdout
    shutil.rmtree(site / "site")
    strict = run_sitegen("build", "--strict", "-s", site)
    assert strict.returncode == 1
    assert strict.stderr.strip().splitlines()[-1].startswith("error: 1 warning(s) and --strict: nothing written")
    assert not (site / "site").exists()


def test_papers_json_exports_every_paper(tmp_path: Path) -> None:
    site = write_site(tmp_path, {
        "content/lists/week-one.txt": raw_list("Alpha Paper", "Beta Paper"),
        "content/lists/week-two.txt": raw_list("Gamma Paper", "alpha paper", header="Sep 3\n\n"),
        "content/taxonomy.yml": "deep-networks:\n  title: Deep networks\n  phrases: [deep network]\n",
    })
    result = run_sitegen("build", "-s", site, "-o", tmp_path / "out", env={"SOURCE_DATE_EPOCH": "1790000000"})
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "out" / "papers.json").read_text()
    assert "\n" not in text.rstrip("\n")  # compact: one line
    export = json.loads(text)
    assert export["lists"] == [{"slug": "week-one", "title": "Week one", "date": "2026-03-11"},
                               {"slug": "week-two", "title": "Week two", "date": "2026-09-03"}]
    papers = export["papers"]
    alpha = next(p for p in papers if p["url"] == "papers/alpha-paper/index.html")
    assert alpha["title"] == "Alpha Paper"
    assert alpha["tags"] == ["deep-networks"]
    assert alpha["links"] == ["https://github.com/example/alpha"]
    assert alpha["lists"] == [{"slug": "week-one", "position": 1, "date": "2026-03-11"},
                              {"slug": "week-two", "position": 2, "date": "2026-09-03"}]
    assert alpha["url"] == "papers/alpha-paper/index.html"
    assert (tmp_path / "out" / alpha["url"]).is_file()
    assert "abstract" not in alpha and "bibtex" not in alpha  # on the paper's page and its source; in papers.bib
    assert len(papers) == 3


def test_new_scaffolds_a_site_that_builds(tmp_path: Path) -> None:
    result = run_sitegen("new", tmp_path / "mysite")
    assert result.returncode == 0, result.stderr
    built = run_sitegen("build", "--strict", cwd=tmp_path / "mysite")
    assert built.returncode == 0, built.stderr
    assert "built 230 papers (249 entries) in 3 lists" in built.stdout
    assert (tmp_path / "mysite/site/index.html").is_file()
    assert run_sitegen("new", tmp_path / "mysite").returncode == 1  # never over an existing site


def test_a_site_template_overrides_and_extends_the_default(tmp_path: Path) -> None:
    site = write_site(tmp_path, {
        "content/lists/week.txt": raw_list("Alpha Paper"),
        "templates/paper.html": '{% extends "default/paper.html" %}{% block title %}READ: {{ paper.title }}{% endblock %}',
    })
    assert run_sitegen("build", "-s", site).returncode == 0
    html = (site / "site/papers/alpha-paper/index.html").read_text()
    assert "<title>READ: Alpha Paper</title>" in html
    assert "<h2>Abstract</h2>" in html


def test_every_command_and_option_says_what_it_does_in_its_help() -> None:
    """`sitegen X --help` opens with what X does and gives every option a line (a newcomer's first reading)."""
    import argparse

    from sitegen.cli import make_parser

    commands = next(a for a in make_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == {"build", "serve", "new", "check", "lookup", "search"}
    for name, command in commands.choices.items():
        assert command.description, name
        silent = [a.dest for a in command._actions if not a.help]
        assert silent == [], (name, silent)


def test_a_list_without_a_title_is_named_by_its_file_name_as_written(tmp_path: Path) -> None:
    """"SAE_week-3.txt" is "SAE week 3", not the lower-cased address's "Sae week 3"; "HF_2025-03-11.txt" is
    "HF 2025-03-11", not "HF 2025 03 11"; the address stays lower case."""
    site = write_site(tmp_path, {"content/lists/SAE_week-3.txt": raw_list("Alpha Paper"), "content/lists/reading.txt": raw_list("Beta Paper"),
                                 "content/lists/HF_2025-03-11.txt": raw_list("Gamma Paper")})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    assert "<h1>SAE week 3</h1>" in (site / "site/lists/sae-week-3/index.html").read_text(encoding="utf-8")
    assert "<h1>HF 2025-03-11</h1>" in (site / "site/lists/hf-2025-03-11/index.html").read_text(encoding="utf-8")  # a date stays one
    assert "<h1>Reading</h1>" in (site / "site/lists/reading/index.html").read_text(encoding="utf-8")


def test_what_a_note_keeps_between_comment_marks_is_never_published(tmp_path: Path) -> None:
    """`<!-- ask Julien -->` in a note was printed on the page, in papers.json and the search index: a reminder to
    oneself is the user's alone. The page keeps it byte for byte; an unclosed comment hides the rest, as in a browser."""
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper")})
    assert run_sitegen("build", "-q", "-s", site).returncode == 0
    page = site / "content/papers/alpha-paper.md"
    edited = page.read_text(encoding="utf-8") + "Worth a talk. <!-- private: ask Julien\nabout it --> Oscilloscope data.\n\n<!-- draft: zanzibar\n"
    page.write_text(edited, encoding="utf-8")
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    assert page.read_text(encoding="utf-8") == edited
    published = [p for p in (site / "site").rglob("*") if p.is_file()]
    assert any("Oscilloscope data." in p.read_text(encoding="utf-8", errors="replace") for p in published)
    for secret in ("Julien", "julien", "zanzibar", "private:"):
        assert not [p for p in published if secret in p.read_text(encoding="utf-8", errors="replace")], secret
    assert "alpha-paper" in run_sitegen("search", "-s", site, "oscilloscope").stdout
    assert "alpha-paper" not in run_sitegen("search", "-s", site, "julien").stdout


def test_the_summary_counts_in_words_a_person_would_write(tmp_path: Path) -> None:
    """'built 1 paper (1 entry) in 1 list, …; 1 warning', not '1 papers … 1 warnings'."""
    one = write_site(tmp_path / "one", {"content/lists/week.txt": raw_list("Alpha Paper")})
    built = run_sitegen("build", "-s", one)
    assert "built 1 paper (1 entry) in 1 list, 0 tags, " in built.stdout, built.stdout
    two = write_site(tmp_path / "two", {"content/lists/week.txt": raw_list("Alpha Paper") + "***\n\n"
                                        + raw_list("Beta Paper", header="")})
    built = run_sitegen("build", "-s", two)
    assert "built 2 papers (2 entries) in 1 list, 0 tags, " in built.stdout, built.stdout
    assert built.stdout.rstrip().split("; ")[-2] == "1 warning", built.stdout
