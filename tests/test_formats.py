"""List formats beyond pasted text (HF API JSON, BibTeX, arXiv Atom), identity across them, and citations."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import exported_papers, raw_list, run_sitegen, write_site
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.cite import author_field, latex_escape
from sitegen.errors import Diagnostics
from sitegen.parse import parse_list_file
from sitegen.parse_bibtex import parse_bibtex

CASES = Path(__file__).parent / "cases"
FORMAT_CASES = ["hf_daily_papers.json", "zotero.bib", "arxiv_query.atom"]
REGISTERS_ABSTRACT = (CASES / "hf_daily_papers.json").read_text(encoding="utf-8")  # only to pick the abstract below
FRECHET_A = "We revisit the Fréchet Inception Distance and show it misjudges diffusion samples; we propose a kernel-based fix."
FRECHET_B = "A study of coral reef bleaching across three decades of satellite imagery in the Pacific ocean basin."


@pytest.mark.parametrize("name", FORMAT_CASES)
def test_each_format_gives_the_expected_records(name: str) -> None:
    path = CASES / name
    expected = json.loads((CASES / f"{path.stem}.expected.json").read_text(encoding="utf-8"))
    diagnostics = Diagnostics()
    reading_list, entries = parse_list_file(path, path.read_bytes(), diagnostics, dt.date(2026, 11, 21))
    assert (reading_list.date.isoformat() if reading_list.date else None) == expected["date"]
    assert [[w.line, w.message] for w in diagnostics.warnings] == expected["warnings"]
    assert [[n.line, n.message] for n in diagnostics.notes] == expected.get("notes", [])
    got = []
    for entry in entries:
        biblio = dataclasses.asdict(entry.biblio)
        biblio.pop("bibtex")
        assert biblio.pop("category") == ""  # only `sitegen lookup` knows a paper's arXiv category
        assert entry.abstract.startswith(entry.abstract[:60])
        got.append({"line": entry.line, "title": entry.title, "abstract_start": entry.abstract[:60],
                    **{k: list(v) if isinstance(v, tuple) else v for k, v in biblio.items()}})
    assert got == expected["entries"]


def test_bibtex_latex_becomes_text() -> None:
    text = r"""@article{k, title = {{BERT} \& J{\'e}gou's {\L}ukasz}, author = {J{\'e}gou, Herv{\'e} and {\L}ukasz Kaiser}, year = 2020}"""
    _, entries = parse_bibtex(Path("x.bib"), "x", text, Diagnostics())
    assert entries[0].title == "BERT & Jégou's Łukasz"
    assert entries[0].biblio.authors == ("Hervé Jégou", "Łukasz Kaiser")


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn", "Zl", "Zp")), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(title=TEXT.filter(lambda t: t.strip()), first=TEXT.filter(lambda t: t.strip()), last=TEXT.filter(lambda t: t.strip()))
def test_bibtex_round_trip_of_titles_and_names(title: str, first: str, last: str) -> None:
    """What cite.py writes, our BibTeX reader reads back as the same text (spaces folded)."""
    name = f"{' '.join(first.split())} {' '.join(last.split())}"
    entry = f"@misc{{k,\n  title = {{{latex_escape(title)}}},\n  author = {{{author_field(name)}}}\n}}\n"
    _, entries = parse_bibtex(Path("x.bib"), "x", entry, Diagnostics())
    assert entries[0].title == " ".join(title.split())
    assert entries[0].biblio.authors == (name,)


def mixed_site(tmp_path: Path) -> Path:
    """Four formats, overlapping: Registers in all four, ResNet in the .bib and the Atom response."""
    return write_site(tmp_path, {
        "content/lists/a-pasted.txt": raw_list("Fréchet Inception Distance: Revisited")
        + "Vision Transformers Need Registers\n\n" + REGISTERS + "\n",
        "content/lists/b-daily.json": (CASES / "hf_daily_papers.json").read_bytes(),
        "content/lists/c-zotero.bib": (CASES / "zotero.bib").read_bytes(),
        "content/lists/d-arxiv.atom": (CASES / "arxiv_query.atom").read_bytes(),
        "content/lists/e-other.txt": f"Fréchet Inception Distance Revisited\n\n{FRECHET_B}\n",
    })


REGISTERS = json.loads(REGISTERS_ABSTRACT)[0]["paper"]["summary"].replace("\n", " ")


def built_papers(site: Path) -> dict[str, dict[str, Any]]:
    return {p["title"]: p for p in exported_papers(site)}


def test_a_site_mixing_four_formats_builds_one_catalog(tmp_path: Path) -> None:
    site = mixed_site(tmp_path)
    result = run_sitegen("build", "-s", site, env={"SOURCE_DATE_EPOCH": "1795000000"})
    assert result.returncode == 0, result.stderr
    papers = built_papers(site)
    assert sorted(papers) == sorted([
        "Vision Transformers Need Registers", "DINOv2: Learning Robust Visual Features without Supervision",
        "Emerging Properties in Self-Supervised Vision Transformers", "Attention is All you Need",
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
        "Deep Residual Learning for Image Recognition", "Fréchet Inception Distance: Revisited",
        "Fréchet Inception Distance Revisited",
    ])
    registers = papers["Vision Transformers Need Registers"]
    assert [m["slug"] for m in registers["lists"]] == ["a-pasted", "b-daily", "c-zotero", "d-arxiv"]
    assert registers["arxiv"] == "2309.16588"
    assert registers["authors"] == ["Timothée Darcet", "Maxime Oquab", "Julien Mairal", "Piotr Bojanowski"]
    assert registers["code"] == "https://github.com/facebookresearch/dinov2"
    assert registers["doi"] == "10.48550/arXiv.2309.16588"
    assert registers["abstract"] == REGISTERS  # the longest abstract known
    resnet = papers["Deep Residual Learning for Image Recognition"]
    assert [m["slug"] for m in resnet["lists"]] == ["c-zotero", "d-arxiv"]
    assert (resnet["arxiv"], resnet["doi"], resnet["year"]) == ("1512.03385", "10.1109/CVPR.2016.90", 2016)
    assert resnet["venue"] == "Computer Vision & Pattern Recognition (CVPR)"
    # same normalized title (punctuation does not count), unrelated abstracts: two papers, and a warning naming both places
    assert papers["Fréchet Inception Distance Revisited"]["abstract"] == FRECHET_B
    assert f"{site}/content/lists/e-other.txt:1: 'Fréchet Inception Distance Revisited' has the title of the paper at " \
           f"{site}/content/lists/a-pasted.txt:5 but another abstract or arXiv id: kept as two papers" in result.stderr
    # every paper cites under a unique key; the site's and each list's .bib read back as BibTeX
    _, cited = parse_bibtex(site / "site/papers.bib", "all", (site / "site/papers.bib").read_text(encoding="utf-8"), Diagnostics())
    assert sorted(e.title for e in cited) == sorted(papers)
    assert "@misc{darcet_vision_2024," in (site / "site/lists/c-zotero/c-zotero.bib").read_text(encoding="utf-8")
    assert "@misc{darcet2023vision," not in (site / "site/papers.bib").read_text(encoding="utf-8")
    _, daily = parse_bibtex(site / "x.bib", "x", (site / "site/lists/b-daily/b-daily.bib").read_text(encoding="utf-8"), Diagnostics())
    assert [e.title for e in daily] == ["Vision Transformers Need Registers", "DINOv2: Learning Robust Visual Features without Supervision"]
    assert daily[1].biblio.bibtex is not None and daily[1].biblio.bibtex.key == "oquab2023dinov2"
    assert daily[1].biblio.arxiv == "2304.07193"


def test_values_the_user_wrote_win_and_stay(tmp_path: Path) -> None:
    site = mixed_site(tmp_path)
    assert run_sitegen("build", "-s", site).returncode == 0
    page = site / "content/papers/frechet-inception-distance-revisited-2.md"
    text = page.read_text(encoding="utf-8")
    assert "A study of coral reef" in text and "arxiv:" not in text  # a pasted paper has no id
    page.write_text(text.replace("---\n", "---\narxiv: 2309.16580\nauthors: [Ada Lovelace]\nlinks: [https://example.org/mine]\n", 1),
                    encoding="utf-8")
    registers = site / "content/papers/vision-transformers-need-registers.md"
    registers.write_text(registers.read_text(encoding="utf-8").replace("status: unread\n", "status: unread\nauthors: [T. Darcet]\n"), encoding="utf-8")
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    papers = built_papers(site)
    mine = papers["Fréchet Inception Distance Revisited"]
    assert (mine["arxiv"], mine["authors"], mine["links"]) == ("2309.16580", ["Ada Lovelace"], ["https://example.org/mine"])
    assert papers["Vision Transformers Need Registers"]["authors"][0] == "T. Darcet"
    assert "arxiv: 2309.16580\nauthors: [Ada Lovelace]\nlinks: [https://example.org/mine]" in page.read_text(encoding="utf-8")
    html = (site / "site/papers/frechet-inception-distance-revisited-2/index.html").read_text(encoding="utf-8")
    assert 'href="https://arxiv.org/abs/2309.16580"' in html


@pytest.mark.parametrize(("name", "content", "message"), [
    ("week.json", '[{"paper": {"id": "1", "title": "x"}},\n  {"title": ]\n', "week.json:2: not valid JSON: Expecting value"),
    ("week.atom", "<feed xmlns='http://www.w3.org/2005/Atom'>\n<entry>\n</feed>\n", "week.atom:3: not valid XML: mismatched tag"),
    ("week.bib", "@article{ok, title = {Fine}}\n\n@article{broken\n  title = {x}\n}\n",
     "week.bib:3: cannot read this BibTeX entry: Expected comma after entry key, but found ="),
    ("week.xml", "<html><body/></html>\n", "week.xml:1: this is an HTML page (an error or login page?), not an arXiv API response (Atom): save the response itself"),
    ("week.xml", "<feed><entry/></feed>\n", "week.xml:1: expected an arXiv API response (an Atom <feed>)"),
])
def test_bad_input_in_any_format_is_one_line_and_changes_nothing(tmp_path: Path, name: str, content: str, message: str) -> None:
    site = write_site(tmp_path, {"content/lists/ok.txt": raw_list("Alpha Paper")})
    assert run_sitegen("build", "-s", site).returncode == 0
    before = {p: p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file() and ".sitegen" not in p.parts}
    (site / "content/lists" / name).write_text(content, encoding="utf-8")
    result = run_sitegen("build", "-s", site)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [f"error: {site}/content/lists/{message}"]
    after = {p: p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file() and ".sitegen" not in p.parts and p.name != name}
    assert after == before


def test_paper_page_links_out_and_the_cite_button_copies(tmp_path: Path, browser: Any) -> None:
    """From file://: the link buttons are there, and Copy BibTeX puts the entry on the clipboard."""
    from playwright.sync_api import expect

    site = mixed_site(tmp_path)
    assert run_sitegen("build", "-s", site).returncode == 0
    context = browser.new_context()
    try:
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto((site / "site/papers/vision-transformers-need-registers/index.html").as_uri())
        buttons = page.get_by_role("list", name="Open this paper")
        for name, href in [("arXiv", "https://arxiv.org/abs/2309.16588"), ("PDF", "https://arxiv.org/pdf/2309.16588"),
                           ("Hugging Face", "https://huggingface.co/papers/2309.16588"),
                           ("Code", "https://github.com/facebookresearch/dinov2"), ("DOI", "https://doi.org/10.48550/arXiv.2309.16588")]:
            expect(buttons.get_by_role("link", name=name, exact=True)).to_be_visible()
            expect(buttons.get_by_role("link", name=name, exact=True)).to_have_attribute("href", href)
        expect(page.get_by_text("Timothée Darcet, Maxime Oquab, Julien Mairal, Piotr Bojanowski")).to_be_visible()
        page.get_by_role("button", name="Copy BibTeX").click()
        expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
        # what was copied, pasted into a field as a person would
        page.evaluate("document.body.insertAdjacentHTML('beforeend', '<textarea id=paste></textarea>')")
        page.locator("#paste").focus()
        page.keyboard.press("Control+V")
        bibtex = page.locator("#bibtex").text_content() or ""
        assert bibtex.startswith("@misc{darcet_vision_2024,")
        expect(page.locator("#paste")).to_have_value(bibtex)  # once pasted, not whatever the field holds at once
        # a pasted paper has no id: exact-title search links, and still nothing requested from another host
        page.goto((site / "site/papers/frechet-inception-distance-revisited/index.html").as_uri())
        find = page.get_by_role("link", name="Find on arXiv")
        expect(find).to_be_visible()
        assert "%22Fr%C3%A9chet+Inception+Distance%3A+Revisited%22" in (find.get_attribute("href") or "")
        expect(page.get_by_role("link", name="Find on Hugging Face")).to_be_visible()
        assert all(url.startswith("file://") for url in requests), requests
    finally:
        context.close()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["paper", "id", "title", "summary", "authors", "name", "publishedAt", "githubRepo", "projectPage"]),
        inner, max_size=6),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(value=JSON_VALUES)
def test_any_json_is_papers_or_one_line_error(value: object) -> None:
    """Whatever JSON a file holds, the HF reader gives entries with titles or a SourceError, never a traceback."""
    from sitegen.errors import SourceError

    data = json.dumps(value, indent=1).encode()
    try:
        _, entries = parse_list_file(Path("x.json"), data, Diagnostics(), dt.date(2026, 1, 1))
    except SourceError as error:
        assert error.line is not None and str(error).startswith("x.json:")
        return
    assert all(e.title.strip() and e.line >= 1 for e in entries)


@settings(max_examples=150, deadline=None)
@given(text=st.text(st.sampled_from("@{}=,\"\\ab \n%#"), max_size=60))
def test_any_bibtex_text_is_papers_or_one_line_error(text: str) -> None:
    from sitegen.errors import SourceError

    try:
        _, entries = parse_list_file(Path("x.bib"), text.encode(), Diagnostics(), dt.date(2026, 1, 1))
    except SourceError as error:
        assert str(error).startswith("x.bib:")
        return
    assert all(e.title for e in entries)


def test_every_example_paper_page_links_out(example_site: Path) -> None:
    """Pasted papers have no id: each page still offers exact-title searches on arXiv and Hugging Face."""
    pages = sorted((example_site / "site/papers").glob("*/index.html"))
    assert len(pages) == 230
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert ('href="https://arxiv.org/abs/' in html) or ('>Find on arXiv</a>' in html and '>Find on Hugging Face</a>' in html), page


def test_a_long_author_list_folds_past_eight(tmp_path: Path, browser: Any) -> None:
    from playwright.sync_api import expect

    authors = [{"name": f"Author Number{i}"} for i in range(1, 13)]
    paper = {"id": "2401.00001", "title": "Many Hands", "summary": "An abstract long enough to be one.", "authors": authors}
    site = write_site(tmp_path, {"content/lists/big.json": json.dumps([paper])})
    assert run_sitegen("build", "-s", site).returncode == 0
    context = browser.new_context(viewport={"width": 390, "height": 800})
    try:
        page = context.new_page()
        page.goto((site / "site/papers/many-hands/index.html").as_uri())
        expect(page.get_by_text("Author Number8", exact=False).first).to_be_visible()
        expect(page.get_by_text("Author Number9, Author Number10")).to_be_hidden()
        page.get_by_text("show all 12 authors").click()
        expect(page.get_by_text("Author Number9, Author Number10")).to_be_visible()
    finally:
        context.close()


def test_only_web_addresses_become_links(tmp_path: Path) -> None:
    """A `javascript:` or `data:` URL from a list or a page is never a link (the CSP would block it; we never emit it)."""
    daily = [{"paper": {"id": "2401.00001", "title": "Hostile Links Paper", "summary": "An abstract about links.",
                        "authors": [{"name": "A. Author"}], "githubRepo": "javascript:alert(9)", "projectPage": "data:text/html,<b>x</b>"}}]
    site = write_site(tmp_path, {"content/lists/daily.json": json.dumps(daily),
                                 "content/lists/pasted.txt": raw_list("Plain Links Paper")})
    assert run_sitegen("build", "-s", site).returncode == 0
    page = site / "content/papers/plain-links-paper.md"
    page.write_text(page.read_text().replace("---\n", "---\nlinks: ['javascript:alert(1)', 'https://example.org/talk']\ncode: ' JaVaScRiPt:alert(2)'\n", 1))
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    html = "".join(p.read_text() for p in (site / "site").rglob("*.html"))
    assert "javascript:" not in html.lower() and "data:text/html" not in html
    assert 'href="https://example.org/talk"' in (site / "site/papers/plain-links-paper/index.html").read_text()


def test_a_json_list_nested_too_deep_is_one_line_naming_the_file(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/deep.json": "[\n" + "[" * 100_000 + "]" * 100_000 + "\n]"})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"error: {site}/content/lists/deep.json:2: JSON nested too deep to be a papers API response"]


@pytest.mark.parametrize(("text", "line", "named"), [
    ("% Exported by Zotero\n\n@article{vaswani2017,\n  title = {Attention Is All You Need},\n}\n", 3, "BibTeX, not a pasted papers page: rename the file to mine.bib"),
    ('{"papers": []}\n', 1, "JSON, not a pasted papers page: rename the file to mine.json"),
    ('<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"></feed>\n', 1, "an Atom feed, not a pasted papers page: rename the file to mine.atom"),
])
def test_a_list_in_another_format_saved_as_txt_is_one_line_naming_the_format(tmp_path: Path, text: str, line: int, named: str) -> None:
    site = write_site(tmp_path, {"content/lists/mine.txt": text})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {site}/content/lists/mine.txt:{line}: this looks like {named}"
    assert not (site / "site").exists()


def test_a_file_in_lists_that_is_not_a_list_is_named_in_a_warning(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("A Paper on Vision"), "content/lists/extra.bibtex": "@misc{x, title={X}}\n",
                                 "content/lists/README.md": "My lists.\n", "content/taxonomy.yml": "vision:\n  phrases: [vision]\n"})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"warning: {site}/content/lists/extra.bibtex: not read: lists are .txt (a pasted papers page), .json, .bib or .atom; rename it if it is one"]


def test_a_file_put_in_lists_after_a_build_is_warned_about_by_the_next_one_and_fails_a_strict_one(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("A Paper on Vision"), "content/taxonomy.yml": "vision:\n  phrases: [vision]\n"})
    assert run_sitegen("build", "-s", site).stderr == ""
    (site / "content/lists/later.bibtex").write_text("@misc{x, title={X}}\n", encoding="utf-8")
    result = run_sitegen("build", "-s", site)
    assert "nothing changed" not in result.stdout
    assert result.stderr.strip().endswith("content/lists/later.bibtex: not read: lists are .txt (a pasted papers page), .json, .bib or .atom; rename it if it is one")
    assert run_sitegen("build", "-s", site, "--strict").returncode == 1
    (site / "content/lists/later.bibtex").unlink()
    result = run_sitegen("build", "-s", site, "--strict")
    assert (result.returncode, result.stderr) == (0, "")


def test_a_fifo_a_folder_a_dangling_link_or_a_name_that_is_not_utf8_in_lists_is_warned_about_never_opened(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("A Paper on Vision"), "content/taxonomy.yml": "vision:\n  phrases: [vision]\n"})
    os.mkfifo(site / "content/lists/pipe")
    (site / os.fsdecode(b"content/lists/scan\xff.pdf")).write_bytes(b"%PDF")
    (site / "content/lists/old").mkdir()
    (site / "content/lists/old/more.txt").write_text(raw_list("A Paper in a Folder"), encoding="utf-8")
    (site / "content/lists/notes").symlink_to(tmp_path / "nowhere")
    for _ in range(2):  # the second build has nothing to do, and says the same
        result = run_sitegen("build", "-s", site)
        assert result.returncode == 0, result.stderr
        assert [line.split("content/lists/", 1)[1] for line in result.stderr.splitlines()] == [
            f"notes: not read: a symlink to {tmp_path / 'nowhere'}, which does not exist",
            "old: not read: a folder; lists are read from content/lists/ itself, not from folders in it",
            "pipe: not read: lists are .txt (a pasted papers page), .json, .bib or .atom; rename it if it is one",
            "scan\\udcff.pdf: not read: lists are .txt (a pasted papers page), .json, .bib or .atom; rename it if it is one"]
    assert run_sitegen("build", "-s", site, "--strict").returncode == 1
    checked = run_sitegen("check", "-s", site)  # says what the build says, and nothing is "removed since the last build"
    assert [line.split("content/lists/", 1)[1].split(":")[0] for line in checked.stdout.splitlines()] == ["notes", "old", "pipe", "scan\\udcff.pdf"]
    (site / "content/lists/gone.txt").symlink_to(tmp_path / "nowhere.txt")  # a list that cannot be read: its error, once
    checked = run_sitegen("check", "-s", site)
    assert [line for line in checked.stdout.splitlines() if "gone.txt" in line] == [
        f"error: {site}/content/lists/gone.txt: a symlink to {tmp_path / 'nowhere.txt'}, which does not exist"]


def test_a_pasted_page_that_quotes_a_bibtex_entry_is_still_a_pasted_page(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("A Paper on Vision") + "@article{x2020, title={Quoted}}\n\n"
                                 + raw_list("Another Paper on Vision", header=""),
                                 "content/taxonomy.yml": "vision:\n  phrases: [vision]\n"})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    assert len(list((site / "content/papers").glob("*.md"))) == 2


def test_a_paper_twice_in_one_list_is_listed_once_with_a_warning_and_its_page_has_no_yaml_anchor(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("A Paper on Vision", "Another Paper", "A Paper on Vision"),
                                 "content/taxonomy.yml": "vision:\n  phrases: [vision]\n"})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    assert "'A Paper on Vision' is in this list already, at line " in result.stderr
    assert "listed once, at its first place" in result.stderr
    page = (site / "content/papers/a-paper-on-vision.md").read_text(encoding="utf-8")
    assert "&id" not in page and "*id" not in page
    assert page.count("list: week") == 1
    assert "2 papers" in (site / "site/lists/week/index.html").read_text(encoding="utf-8")


def test_a_file_of_junk_gives_a_few_warnings_and_escape_sequences_never_reach_the_terminal(tmp_path: Path) -> None:
    junk = "\x1b]0;pwned\x07 \x1b[2K\n\n" + "".join(f"lorem ipsum dolor sit amet {i}\n\n" for i in range(2000))
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("A Paper on Vision"), "content/lists/log.txt": junk,
                                 "content/taxonomy.yml": "vision:\n  phrases: [vision]\n"})
    for _ in range(2):  # the second build has nothing to do and says the same
        result = run_sitegen("build", "-s", site)
        assert result.returncode == 0, result.stderr
        lines = result.stderr.splitlines()
        assert len(lines) == 21
        assert lines[-1] == f"warning: {site}/content/lists/log.txt: more warnings than the 20 above: the rest are not shown (is it a reading list?)"
        assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "\\x1b]0;pwned\\x07" in result.stderr
    assert (site / ".sitegen/build.json").stat().st_size < 100_000


def test_a_missing_comma_between_bibtex_fields_is_a_warning_at_its_line_and_never_a_run_on_title(tmp_path: Path) -> None:
    """`title = {First}` then `author = {...}` with no comma: BibTeX reads one value 'First author = ...'. The line
    is named and the two fields are read as two; a `name = {` inside a value's braces stays text."""
    library = ("@article{k,\n  title = {First Paper On Things}\n  author = {Doe, Jane},\n  year = 2020\n}\n"
               "@misc{j, title = \"Second Paper\"\n   journal = {Some Venue},\n"
               "  abstract = {A line of code\n  x = {1} stays in the abstract.}}\n")
    site = write_site(tmp_path, {"content/lists/library.bib": library})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    bib_path = site / "content/lists/library.bib"
    assert f"{bib_path}:3: entry 'k': a comma is missing" in result.stderr
    assert f"{bib_path}:7: entry 'j': a comma is missing" in result.stderr
    assert "library.bib:9" not in result.stderr
    papers = {p["title"]: p for p in exported_papers(site)}
    assert set(papers) == {"First Paper On Things", "Second Paper"}
    assert papers["First Paper On Things"]["authors"] == ["Jane Doe"]
    assert papers["Second Paper"]["venue"] == "Some Venue" and "x = 1 stays" in papers["Second Paper"]["abstract"]
    assert "author =" not in (site / "site/papers.bib").read_text(encoding="utf-8").split("title")[1].split("\n")[0]


def test_empty_files_html_pages_and_bad_settings_say_what_they_are_at_their_line(tmp_path: Path) -> None:
    """An empty list says the same in every format; a web page saved as a list says it is one; a bad date deep in
    sitegen.yml's `lists:` names its own line; a wrong type says what is expected in words."""
    for name in ("empty.json", "empty.atom", "empty.bib", "empty.txt", "blank.json"):
        site = write_site(tmp_path / name, {f"content/lists/{name}": "" if name.startswith("empty") else "\n  \n"})
        result = run_sitegen("build", "-s", site)
        assert result.returncode == 0 and f"warning: {site}/content/lists/{name}: empty: nothing to publish\n" in result.stderr, result.stderr
    for name in ("error.json", "error.atom", "error.bib"):
        site = write_site(tmp_path / name, {f"content/lists/{name}": "\n<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></html>\n"})
        result = run_sitegen("build", "-s", site)
        assert result.returncode == 1 and f"{site}/content/lists/{name}:2: this is an HTML page" in result.stderr, result.stderr
    site = write_site(tmp_path / "yml", {"sitegen.yml": "title: X\nlists:\n  library:\n    title: Lib\n    date: 2026-01-05\n"
                                                          "  other:\n    description: Fine.\n    date: 2026-02-30\n",
                                         "content/lists/library.bib": "@article{k, title = {A}, year = 2020}\n"})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 1 and "sitegen.yml:8: 'lists: other: date': 2026-02-30 is not a real date" in result.stderr, result.stderr
    site = write_site(tmp_path / "year", {"content/lists/library.bib": "@article{k, title = {A}, year = 2020}\n"})
    run_sitegen("build", "-s", site)
    page = site / "content/papers/a.md"
    page.write_text(page.read_text(encoding="utf-8").replace("\nstatus: unread\n", "\nstatus: unread\nyear: twenty\n"), encoding="utf-8")
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 1 and "'year' must be a whole number" in result.stderr, result.stderr
