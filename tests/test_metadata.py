"""Metadata you can cite and publish: one answer per field everywhere, nothing private published,
every list described, pages that keep what the user wrote apart from what sitegen filled in."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

from conftest import ABSTRACT, exported_papers, raw_list, run_sitegen, write_site
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.errors import Diagnostics
from sitegen.parse import dedupe, parse_list_file
from sitegen.parse_bibtex import parse_bibtex

EPOCH = {"SOURCE_DATE_EPOCH": "1795000000"}  # 2026-11-18
LATER = {"SOURCE_DATE_EPOCH": "1830000000"}  # 2027-12-28
VIT_ABSTRACT = ("While the Transformer architecture has become the de-facto standard for natural language processing "
                "tasks, its applications to computer vision remain limited. We show that a pure transformer applied "
                "directly to sequences of image patches can perform very well on image classification tasks.")
ATTENTION_ABSTRACT = ("The dominant sequence transduction models are based on complex recurrent or convolutional neural "
                      "networks in an encoder-decoder configuration. We propose a new simple network architecture.")


def atom(*entries: tuple[str, str, str, list[str], str]) -> str:
    """An arXiv API response: (id, title, summary, authors, published) per entry."""
    body = "".join(
        f"<entry><id>http://arxiv.org/abs/{arxiv}v1</id><published>{published}T00:00:00Z</published><title>{title}</title>"
        f"<summary>{summary}</summary>{''.join(f'<author><name>{a}</name></author>' for a in authors)}</entry>\n"
        for arxiv, title, summary, authors, published in entries)
    return f"<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns='http://www.w3.org/2005/Atom'>\n{body}</feed>\n"


def hf(*papers: tuple[str, str, str]) -> str:
    """A Hugging Face daily papers API response: (id, title, summary) per paper."""
    return json.dumps([{"paper": {"id": arxiv, "title": title, "summary": summary, "publishedAt": "2023-09-28T17:59:05.000Z",
                                  "authors": [{"name": "Ada Lovelace"}]}, "publishedAt": "2023-09-29T00:00:00.000Z"}
                       for arxiv, title, summary in papers])


def built(site: Path, env: dict[str, str] | None = None) -> str:
    result = run_sitegen("build", "-s", site, env=env or EPOCH)
    assert result.returncode == 0, result.stderr
    return result.stderr


def papers_by_title(site: Path) -> dict[str, dict[str, Any]]:
    return {p["title"]: p for p in exported_papers(site)}


def site_text(site: Path) -> dict[str, str]:
    return {str(p.relative_to(site)): p.read_text(encoding="utf-8", errors="replace") for p in sorted((site / "site").rglob("*")) if p.is_file()}


ZOTERO_BBT = r"""@inproceedings{dosovitskiy_image_2021,
	title = {An {Image} is {Worth} 16x16 {Words}: {Transformers} for {Image} {Recognition} at {Scale}},
	shorttitle = {An {Image} is {Worth} 16x16 {Words}},
	url = {https://openreview.net/forum?id=YicbFdNTTy},
	abstract = {While the Transformer architecture has become the de-facto standard for natural language processing tasks, its applications to computer vision remain limited. We show that a pure transformer applied directly to sequences of image patches can perform very well on image classification tasks.},
	urldate = {2024-05-02},
	booktitle = {International {Conference} on {Learning} {Representations}},
	author = {Dosovitskiy, Alexey and Beyer, Lucas and Kolesnikov, Alexander},
	year = {2021},
	keywords = {PrivateKeywordZotero, to-read-zotero},
	annote = {Comment: my PRIVATE-ANNOTE-TEXT about reviewer two},
	file = {Full Text PDF:/home/alice-zotero/Zotero/storage/ABCD1234/Dosovitskiy.pdf:application/pdf},
}
"""
MENDELEY_JABREF = r"""@article{Mnih2015,
author = {Mnih, Volodymyr and Kavukcuoglu, Koray and Silver, David},
title = {{Human-level control through deep reinforcement learning}},
journaltitle = {Nature},
date = {2015-02-26},
volume = {518},
pages = {529--533},
abstract = {The theory of reinforcement learning provides a normative account, deeply rooted in psychological and neuroscientific perspectives on animal behaviour, of how agents may optimize their control of an environment.},
mendeley-groups = {PrivateGroupMendeley},
mendeley-tags = {PrivateTagMendeley},
file = {:C$\backslash$:/Users/bob-mendeley/Documents/Mendeley Desktop/Mnih.pdf:pdf},
owner = {bob-jabref-owner},
timestamp = {2019.01.02},
groups = {PrivateJabRefGroup},
annotation = {PRIVATE-ANNOTATION-BIBLATEX},
comment = {PRIVATE-JABREF-COMMENT},
}
"""
PRIVATE = ["2024-05-02", "PrivateKeywordZotero", "to-read-zotero", "PRIVATE-ANNOTE-TEXT", "alice-zotero", "ABCD1234",
           "PrivateGroupMendeley", "PrivateTagMendeley", "bob-mendeley", "bob-jabref-owner", "2019.01.02",
           "PrivateJabRefGroup", "PRIVATE-ANNOTATION-BIBLATEX", "PRIVATE-JABREF-COMMENT", "shorttitle", "urldate"]


def test_no_private_field_of_any_reference_manager_reaches_the_built_site(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/zotero.bib": ZOTERO_BBT, "content/lists/mendeley.bib": MENDELEY_JABREF})
    built(site)
    files = site_text(site)
    assert "site/search-index.js" in files and "site/papers.bib" in files and "site/lists/zotero/zotero.bib" in files
    for name, text in files.items():
        for private in PRIVATE:
            assert private not in text, f"{private} in {name}"
    for page in (site / "content/papers").glob("*.md"):
        assert not any(private in page.read_text(encoding="utf-8") for private in PRIVATE)
    # the citation keeps its key, its fields as written and their order
    cited = (site / "site/lists/zotero/zotero.bib").read_text(encoding="utf-8")
    assert cited == ("@inproceedings{dosovitskiy_image_2021,\n"
                     "  title = {An {Image} is {Worth} 16x16 {Words}: {Transformers} for {Image} {Recognition} at {Scale}},\n"
                     "  url = {https://openreview.net/forum?id=YicbFdNTTy},\n"
                     "  booktitle = {International {Conference} on {Learning} {Representations}},\n"
                     "  author = {Dosovitskiy, Alexey and Beyer, Lucas and Kolesnikov, Alexander},\n"
                     "  year = {2021}\n}\n")
    # BibLaTeX's journaltitle and date are read: DQN keeps Nature and its year
    dqn = papers_by_title(site)["Human-level control through deep reinforcement learning"]
    assert (dqn["venue"], dqn["year"]) == ("Nature", 2015)
    # the .bib's url is a link on the paper's page
    html = (site / "site/papers/an-image-is-worth-16x16-words-transformers-for-image-recognition-at-scale/index.html").read_text(encoding="utf-8")
    assert 'href="https://openreview.net/forum?id=YicbFdNTTy"' in html


def test_one_answer_per_field_on_the_page_its_citation_the_export_and_search(tmp_path: Path) -> None:
    """A .bib (ICLR 2021, names without accents) and an arXiv list (2020, with accents) of the same papers."""
    bib = (ZOTERO_BBT + "\n@inproceedings{vaswani2017attention,\n  title={Attention is All you Need},\n"
           "  author={Vaswani, Ashish and Kaiser, Lukasz},\n  booktitle={Advances in Neural Information Processing Systems},\n"
           "  year={2017},\n  eprint={1706.03762},\n  archivePrefix={arXiv}\n}\n")
    arxiv = atom(("2010.11929", "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale", VIT_ABSTRACT,
                  ["Alexey Dosovitskiy", "Lucas Beyer", "Alexander Kolesnikov"], "2020-10-22"),
                 ("1706.03762", "Attention Is All You Need", ATTENTION_ABSTRACT, ["Ashish Vaswani", "Łukasz Kaiser"], "2017-06-12"))
    site = write_site(tmp_path, {"content/lists/library.bib": bib, "content/lists/arxiv.atom": arxiv})
    built(site)
    papers = papers_by_title(site)
    vit = papers["An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale"]
    assert (vit["year"], vit["venue"], vit["arxiv"]) == (2021, "International Conference on Learning Representations", "2010.11929")
    attention = papers["Attention is All you Need"]
    assert attention["authors"] == ["Ashish Vaswani", "Łukasz Kaiser"]
    slug = vit["url"].split("/")[1]
    html = (site / f"site/{vit['url']}").read_text(encoding="utf-8")
    assert "International Conference on Learning Representations · 2021" in html and "2020" not in html.split('id="bibtex"')[1].split("</pre>")[0]
    for bib_file in ("site/papers.bib", "site/lists/arxiv/arxiv.bib", "site/lists/library/library.bib"):
        _, entries = parse_bibtex(site / bib_file, "x", (site / bib_file).read_text(encoding="utf-8"), Diagnostics())
        by_title = {e.title: e.biblio for e in entries}
        assert by_title[vit["title"]].year == 2021
        assert by_title["Attention is All you Need"].authors == ("Ashish Vaswani", "Łukasz Kaiser")
    search = (site / "site/search-index.js").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in (site / "site/search-index").glob("docs-*.js"))
    assert "Łukasz Kaiser" in search and "Lukasz Kaiser" not in search
    page = (site / f"content/papers/{slug}.md").read_text(encoding="utf-8")
    assert "metadata:\n  arxiv: '2010.11929'\n" in page and "  year: 2021\n" in page


SAME_PAPER_FILES = {
    "txt": lambda: raw_list("Registers Make Vision Transformers Better"),
    "bib": lambda: "@article{reg, title = {Registers Make Vision Transformers Better}, author = {Darcet, Timoth{\\'e}e},"
                   " year = 2024, journal = {ICLR}, eprint = {2309.16588}, archivePrefix = {arXiv}}\n",
    "json": lambda: hf(("2309.16588", "Vision Transformers Need Registers",
                        ABSTRACT.format(topic="registers make vision transformers better", slug="registers"))),
    "atom": lambda: atom(("2309.16588", "Vision Transformers Need Registers (v2)", "", ["Timothee Darcet"], "2023-09-28")),
}


@settings(max_examples=40, deadline=None)
@given(names=st.permutations(["a", "b", "c", "d"]), order=st.permutations(list(SAME_PAPER_FILES)))
def test_merging_never_depends_on_the_order_or_names_of_the_list_files(names: list[str], order: list[str]) -> None:
    """A pasted paper, a .bib with its id and title, and two sources with its id under other titles: one paper,
    with the same values, whatever the files are called and in whatever order they are read."""
    entries = []
    for name, kind in zip(names, order, strict=True):
        path = Path(f"{name}.{kind}")
        _, found = parse_list_file(path, SAME_PAPER_FILES[kind]().encode(), Diagnostics(), dt.date(2026, 1, 1))
        entries += found
    papers = dedupe(entries, {}, Diagnostics())
    assert len(papers) == 1
    from sitegen.resolve import resolve
    values = resolve(papers[0].claims)
    assert (papers[0].title, values.year, values.venue, values.authors) == (
        "Registers Make Vision Transformers Better", 2024, "ICLR", ("Timothée Darcet",))


def test_a_paper_in_three_formats_is_one_paper_whatever_the_files_are_called(tmp_path: Path) -> None:
    for bib_name in ("b", "d"):
        site = write_site(tmp_path / bib_name, {"content/lists/a.txt": SAME_PAPER_FILES["txt"](),
                                                f"content/lists/{bib_name}.bib": SAME_PAPER_FILES["bib"](),
                                                "content/lists/c.json": SAME_PAPER_FILES["json"]()})
        built(site)
        assert len(list((site / "content/papers").glob("*.md"))) == 1, bib_name


def test_any_list_is_described_in_sitegen_yml_and_an_undated_one_keeps_its_first_build_day(tmp_path: Path) -> None:
    site = write_site(tmp_path, {
        "sitegen.yml": "lists:\n  library:\n    title: My library\n    date: 2026-11-01\n    description: From my reference manager.\n"
                       "  week:\n    title: Not this one\n",
        "content/lists/library.bib": ZOTERO_BBT,
        "content/lists/hf-2023-09-29.json": hf(("2309.16588", "Vision Transformers Need Registers", "Registers fix artefacts.")),
        "content/lists/week.txt": "---\ntitle: Week three\n---\n" + raw_list("Alpha Paper"),
        "content/lists/arxiv.atom": atom(("1706.03762", "Attention Is All You Need", ATTENTION_ABSTRACT, ["Ashish Vaswani"], "2017-06-12")),
    })
    stderr = built(site)
    assert f"{site}/content/lists/week.txt: 'title' is given here and in sitegen.yml (line 6): this file's is used" in stderr
    exported = json.loads((site / "site/papers.json").read_text(encoding="utf-8"))["lists"]
    dates = {lv["slug"]: (lv["title"], lv["date"]) for lv in exported}
    assert dates["library"] == ("My library", "2026-11-01")
    assert dates["week"] == ("Week three", "2026-03-11")
    assert dates["arxiv"] == ("Arxiv", "2026-11-18")  # no date: the day of its first build
    assert "From my reference manager." in (site / "site/lists/library/index.html").read_text(encoding="utf-8")
    feed = (site / "site/lists/arxiv/feed.xml").read_text(encoding="utf-8")
    assert "<updated>2026-11-18T00:00:00Z</updated>" in feed.split("<entry>")[1]
    assert "Attention Is All You Need" in (site / "site/feed.xml").read_text(encoding="utf-8")
    assert "Attention Is All You Need" in (site / "site/index.html").read_text(encoding="utf-8")  # recently added
    # built again a year later, and with its file renamed: it keeps the day it was first built
    built(site, LATER)
    (site / "content/lists/arxiv.atom").rename(site / "content/lists/transformers.atom")
    built(site, LATER)
    exported = json.loads((site / "site/papers.json").read_text(encoding="utf-8"))["lists"]
    assert {lv["slug"]: lv["date"] for lv in exported}["transformers"] == "2026-11-18"


def test_a_list_named_in_sitegen_yml_that_is_not_a_file_is_a_warning_and_a_bad_key_an_error(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"sitegen.yml": "lists:\n  wek:\n    title: Week\n", "content/lists/week.txt": raw_list("Alpha Paper")})
    assert f"{site}/sitegen.yml:2: lists: 'wek' is not a list file in content/lists/" in built(site)
    (site / "sitegen.yml").write_text("lists:\n  week:\n    titel: Week\n", encoding="utf-8")
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {site}/sitegen.yml:3: unknown key 'titel' (did you mean 'title'?)"


ERROR_BODIES = [
    ("2025-13-01.json", '{"error": "Invalid date format, expected YYYY-MM-DD"}',
     "2025-13-01.json:1: the Hugging Face API answered with an error, not papers: Invalid date format, expected YYYY-MM-DD"),
    ("missing.json", '{\n  "detail": "Not Found"\n}\n', "missing.json:1: the Hugging Face API answered with an error, not papers: Not Found"),
    ("query.atom", atom().replace("</feed>", "<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id>"
                                  "<title>Error</title><summary>incorrect id format for 1234</summary></entry></feed>"),
     "query.atom:3: the arXiv API answered with an error, not papers: incorrect id format for 1234"),
]


def test_an_api_error_saved_as_a_list_is_one_line_naming_the_file_and_what_the_service_said(tmp_path: Path) -> None:
    for name, body, message in ERROR_BODIES:
        site = write_site(tmp_path / name, {"content/lists/week.txt": raw_list("Alpha Paper"), f"content/lists/{name}": body})
        result = run_sitegen("build", "-s", site)
        assert result.returncode == 1
        assert result.stderr.strip() == f"error: {site}/content/lists/{message} (save a response that lists papers)"
        assert not (site / "site").exists()


def test_an_empty_response_is_not_published(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper"), "content/lists/sunday.json": "[]\n",
                                 "content/lists/none.atom": atom()})
    stderr = built(site)
    for name in ("sunday.json", "none.atom"):
        assert f"{site}/content/lists/{name}: no papers in this list: not published" in stderr
    assert [lv["slug"] for lv in json.loads((site / "site/papers.json").read_text(encoding="utf-8"))["lists"]] == ["week"]
    assert not (site / "site/lists/sunday").exists() and not (site / "site/lists/none").exists()


def test_a_deleted_list_takes_its_papers_but_those_the_user_wrote_on(tmp_path: Path) -> None:
    bib = "".join(f"@article{{k{n}, title = {{Paper Number {n}}}, author = {{Doe, Jane}}, year = 2020, journal = {{J}},"
                  f" doi = {{10.1000/{n}}}}}\n" for n in range(1, 7))
    site = write_site(tmp_path, {"content/lists/keep.txt": raw_list("Alpha Paper"), "content/lists/library.bib": bib})
    built(site)
    pages = site / "content/papers"
    edits = {"paper-number-1": ("\nstatus: unread\n", "\nstatus: read\n"), "paper-number-2": ("\ntags: []\n", "\ntags: [mine]\n"),
             "paper-number-3": ("\nstatus: unread\n", "\nstatus: unread\nrating: 4\n"),
             "paper-number-4": ("\nstatus: unread\n", "\nstatus: unread\nyear: 2021\n")}
    for slug, (old, new) in edits.items():
        page = pages / f"{slug}.md"
        page.write_text(page.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with (pages / "paper-number-5.md").open("a", encoding="utf-8") as page:
        page.write("My notes.\n")
    (site / "content/lists/library.bib").unlink()
    built(site)
    assert sorted(p.stem for p in pages.glob("*.md")) == ["alpha-paper", *(f"paper-number-{n}" for n in range(1, 6))]
    papers = papers_by_title(site)
    assert "Paper Number 6" not in papers
    assert all(papers[f"Paper Number {n}"]["lists"] == [] for n in range(1, 6))
    assert papers["Paper Number 4"]["year"] == 2021 and papers["Paper Number 1"]["year"] == 2020  # recorded from the list
    assert "Paper Number 1" in (site / "site/papers/index.html").read_text(encoding="utf-8")


def test_a_users_arxiv_id_merges_with_the_list_entry_of_that_id(tmp_path: Path) -> None:
    """The README invites adding `arxiv:` to a pasted paper's page: a .json list with that id under another title
    then joins it (one page, every build green); correcting the id moves nothing out of its lists."""
    for daily_first in (False, True):
        site = write_site(tmp_path / str(daily_first), {"content/lists/week.txt": raw_list("Registers for ViTs")})
        daily = hf(("2309.16588", "Vision Transformers Need Registers", "Registers."))
        if daily_first:  # both papers have their pages already: the one the user did not touch goes
            write_site(site, {"content/lists/daily.json": daily})
        built(site)
        page = site / "content/papers/registers-for-vits.md"
        page.write_text(page.read_text(encoding="utf-8").replace("\nstatus: unread\n", "\nstatus: reading\narxiv: '2309.16588'\n"), encoding="utf-8")
        write_site(site, {"content/lists/daily.json": daily})
        built(site)
        built(site)
        assert [p.stem for p in (site / "content/papers").glob("*.md")] == ["registers-for-vits"]
        (paper,) = exported_papers(site)
        assert [m["slug"] for m in paper["lists"]] == ["daily", "week"]
        assert (paper["arxiv"], paper["status"]) == ("2309.16588", "reading")
    # a .bib with a wrong id: the user corrects it on the page; the paper stays in its list, no copy
    site = write_site(tmp_path / "corrected", {"content/lists/library.bib": "@article{x, title = {Some Paper}, eprint = {2011.11111},"
                                                                              " archivePrefix = {arXiv}, year = 2020}\n"})
    built(site)
    page = site / "content/papers/some-paper.md"
    page.write_text(page.read_text(encoding="utf-8").replace("\nstatus: unread\n", "\nstatus: unread\narxiv: '2212.22222'\n"), encoding="utf-8")
    built(site)
    built(site)
    assert [p.stem for p in (site / "content/papers").glob("*.md")] == ["some-paper"]
    (paper,) = exported_papers(site)
    assert ([m["slug"] for m in paper["lists"]], paper["arxiv"]) == (["library"], "2212.22222")
    assert "eprint = {2212.22222}" in (site / "site/papers.bib").read_text(encoding="utf-8")


def test_a_paper_at_a_meeting_is_cited_inproceedings_and_its_title_keeps_its_capitals(tmp_path: Path) -> None:
    """A conference venue was cited as an @article's journal, and styles lower-cased 'CBAM' to 'Cbam'; what
    sitegen writes reads back, through its own BibTeX reader, as the title and venue the page shows."""
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("CBAM: Convolutional Block Attention Module", "A Study of t-SNE Maps")})
    built(site)
    for slug, venue in (("cbam-convolutional-block-attention-module", "ECCV 2018"), ("a-study-of-t-sne-maps", "Journal of Maps")):
        page = site / f"content/papers/{slug}.md"
        page.write_text(page.read_text(encoding="utf-8").replace("\nstatus: unread\n", f"\nstatus: unread\nvenue: {venue}\n"), encoding="utf-8")
    built(site)
    bib = (site / "site/papers.bib").read_text(encoding="utf-8")
    assert "booktitle = {ECCV 2018}" in bib and "title = {{CBAM}: Convolutional Block Attention Module}" in bib, bib
    assert "journal = {Journal of Maps}" in bib and "title = {A Study of t-{SNE} Maps}" in bib, bib
    _, read = parse_bibtex(Path("papers.bib"), "papers", bib, Diagnostics())
    entries = {e.title: e.biblio for e in read}
    assert set(entries) == {"CBAM: Convolutional Block Attention Module", "A Study of t-SNE Maps"}, entries
    cbam = entries["CBAM: Convolutional Block Attention Module"]
    assert cbam.venue == "ECCV 2018" and cbam.bibtex is not None and cbam.bibtex.kind == "inproceedings", cbam


OLD_NOTE = (
    "# Above: kept up to date by sitegen from your lists and taxonomy. Below: yours, never changed.\n"
    "# tags: your own; '-some-tag' removes an automatic one. status: unread, reading or read. rating: 1 to 5.\n"
    "# arxiv, doi, authors, year, venue, code, project (above, when known): filled in only when missing;\n"
    "#   change or add them and your value stays. links: [...] adds links of your own.\n"
    "# Add any key you like, and write notes in Markdown after the closing '---'.\n"
)


def test_a_page_from_before_metadata_keeps_the_users_values_and_hands_sitegens_to_metadata(tmp_path: Path) -> None:
    """Top-level values some source gives are sitegen's old fills and move into `metadata:`; a value no
    source gives is the user's and stays, as do every other line and the notes."""
    bib = "@article{k, title = {Old Page Paper}, author = {Doe, Jane and Roe, Richard}, year = 2020, journal = {Journal A}}\n"
    site = write_site(tmp_path, {"content/lists/library.bib": bib})
    old = ("---\ntitle: Old Page Paper\nabstract: ''\nfound_links: []\nlists:\n- list: library\n  position: 1\nauto_tags: {}\n"
           "authors:\n- Jane Doe\n- Richard Roe\nyear: 2019\nvenue: Journal A  # my venue\n" + OLD_NOTE
           + "tags: [x]  # kept\nstatus: read\n---\nMy notes.\n")
    write_site(site, {"content/papers/old-page-paper.md": old})
    built(site)
    text = (site / "content/papers/old-page-paper.md").read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: Old Page Paper\nabstract: ''\nfound_links: []\nlists:\n- list: library\n  position: 1\n"
                           "  date: 2026-11-18\nauto_tags: {}\nmetadata:\n  authors:\n  - Jane Doe\n  - Richard Roe\n  year: 2020\n"
                           "  venue: Journal A\nyear: 2019\nvenue: Journal A  # my venue\n# Above: kept up to date by sitegen")
    assert text.endswith("tags: [x]  # kept\nstatus: read\n---\nMy notes.\n")
    (paper,) = exported_papers(site)
    assert (paper["year"], paper["authors"]) == (2019, ["Jane Doe", "Richard Roe"])
    assert "year = {2019}" in (site / "site/papers.bib").read_text(encoding="utf-8")
    (site / "content/lists/library.bib").write_text(bib + "\n", encoding="utf-8")  # a build that reads everything again
    built(site)
    assert (site / "content/papers/old-page-paper.md").read_text(encoding="utf-8") == text


TITLES = ["Sparse Probes Find Features", "sparse probes find features!", "Dense Probes"]
ABSTRACTS = ["We train sparse probes on residual streams and find interpretable features in language models.",
             "Coral reefs bleach under heat stress; we map three decades of satellite imagery of the Pacific.",
             ""]
ENTRY = st.tuples(st.integers(0, 2), st.integers(0, 2), st.sampled_from(["", "2401.00001", "2401.00002"]), st.integers(0, 2))


@settings(max_examples=150, deadline=None)
@given(spec=st.lists(ENTRY, min_size=1, max_size=9), suffixes=st.lists(st.sampled_from([".txt", ".bib", ".json", ".atom"]), min_size=3, max_size=3),
       names=st.permutations(["x", "y", "z"]), order=st.permutations([0, 1, 2]))
def test_the_same_entries_make_the_same_papers_whatever_the_files_are_called_and_their_order(
        spec: list[tuple[int, int, str, int]], suffixes: list[str], names: list[str], order: list[int]) -> None:
    """Titles that clash, ids that agree or contradict, abstracts that differ: the papers (which entries
    each holds, and its values) are the same under any naming and reading order of the files."""
    from sitegen.records import Bibliographic, ListEntry
    from sitegen.resolve import resolve

    def papers(file_names: list[str], file_order: list[int]) -> set[tuple[frozenset[tuple[int, int]], str, str, str]]:
        entries = []
        for file in file_order:
            path = Path(file_names[file] + suffixes[file])
            rows = [row for row in spec if row[3] == file]
            for position, (title, abstract, arxiv, _) in enumerate(rows, 1):
                known = Bibliographic(arxiv="" if suffixes[file] == ".txt" else arxiv, year=2000 + title + abstract)
                entries.append(ListEntry(TITLES[title], ABSTRACTS[abstract], file_names[file], position, path, position, None, known))
        made = dedupe(entries, {}, Diagnostics())
        slug_file = {file_names[f]: f for f in range(3)}
        return {(frozenset((slug_file[m.list_slug], m.position) for m in p.memberships), p.title, p.abstract, repr(resolve(p.claims)))
                for p in made}

    assert papers(names, order) == papers(["a", "b", "c"], [0, 1, 2])


def test_a_renamed_list_keeps_its_year_and_a_users_doi_joins_the_entry_of_that_doi(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper"),
                                 "content/lists/library.bib": "@article{k, title = {A Published Version}, doi = {10.1000/xyz}, year = 2021}\n"})
    built(site)  # "Mar 11" with no year: 2026-03-11 on the first build's day
    (site / "content/lists/week.txt").rename(site / "content/lists/reading-group.txt")
    page = site / "content/papers/alpha-paper.md"
    page.write_text(page.read_text(encoding="utf-8").replace("\nstatus: unread\n", "\nstatus: unread\ndoi: 10.1000/XYZ\n"), encoding="utf-8")
    built(site, LATER)
    lists = {lv["slug"]: lv["date"] for lv in json.loads((site / "site/papers.json").read_text(encoding="utf-8"))["lists"]}
    assert lists["reading-group"] == "2026-03-11"
    assert sorted(p.stem for p in (site / "content/papers").glob("*.md")) == ["alpha-paper", "beta-paper"]
    alpha = papers_by_title(site)["A Published Version"]
    assert ([m["slug"] for m in alpha["lists"]], alpha["year"]) == (["library", "reading-group"], 2021)


def test_a_merge_that_retitles_a_page_keeps_the_entries_that_found_it_by_their_own_titles(tmp_path: Path) -> None:
    """A user's `arxiv:` merges a pasted paper with a .json entry of that id, and the page takes the .json's title
    (resolve's order): the pasted entry, which found the page by its own title, still finds it on every later
    build (no state, another page edited), so the paper keeps its one page, its address and both lists."""
    summary = ABSTRACT.format(topic="registers", slug="vit")
    site = write_site(tmp_path, {"content/lists/pasted.txt": f"Mar 11\n\nViT registers: fixing artifacts in attention maps\n{summary}\n",
                                 "content/lists/other.txt": raw_list("Some Other Paper"),
                                 "content/lists/hf.json": hf(("2309.16588", "Vision Transformers Need Registers", summary))})
    built(site)
    page = site / "content/papers/vit-registers-fixing-artifacts-in-attention-maps.md"
    assert page.exists()
    page.write_text(page.read_text(encoding="utf-8").replace("\nstatus: unread\n", "\nstatus: unread\narxiv: '2309.16588'\n"), encoding="utf-8")
    built(site)
    assert "title: Vision Transformers Need Registers" in page.read_text(encoding="utf-8")
    for change in ("no state", "another page edited"):
        if change == "no state":
            shutil.rmtree(site / ".sitegen")
        else:
            other = site / "content/papers/some-other-paper.md"
            other.write_text(other.read_text(encoding="utf-8") + "\nMy notes.\n", encoding="utf-8")
        warnings = built(site)
        assert sorted(p.name for p in (site / "content/papers").glob("*.md")) == sorted([page.name, "some-other-paper.md"]), warnings
        (paper,) = [p for p in exported_papers(site) if p.get("arxiv") == "2309.16588"]
        assert sorted(m["slug"] for m in paper["lists"]) == ["hf", "pasted"]
        assert paper["url"].split("/")[1] == page.stem


def test_a_bib_publishes_only_web_addresses_and_ids_of_the_right_form_that_follow_the_page(tmp_path: Path) -> None:
    """A reference manager's local file in `url` (or any field) is never published; a corrected arXiv id
    leaves no stale copy in any field that carries one; an id of the wrong form is no id anywhere."""
    library = (
        "@article{ba2016layer, title = {Layer Normalization}, author = {Ba, Jimmy Lei and Kiros, Jamie Ryan},\n"
        "  journal = {arXiv preprint arXiv:1607.06405}, note = {arXiv:1607.06405v2}, year = {2016}}\n"
        "@misc{secret, title = {A Private Paper}, url = {file:///home/alice/secret.pdf},\n"
        "  howpublished = {\\url{smb://nas/papers/secret2.pdf}}, year = {2020}}\n"
        "@misc{local, title = {A Local Paper}, url = {/home/alice/local3.pdf}, year = {2021}}\n"
        "@misc{wrongform, title = {Attention Is All You Need}, eprint = {1706.3762}, archivePrefix = {arXiv}, year = {2017}}\n")
    site = write_site(tmp_path, {"content/lists/library.bib": library})
    built(site)
    page = site / "content/papers/layer-normalization.md"
    page.write_text(page.read_text(encoding="utf-8").replace("\nstatus: unread\n", "\nstatus: unread\narxiv: '1607.06450'\n"), encoding="utf-8")
    built(site)
    text = site_text(site)
    assert not [name for name, body in text.items() if "secret" in body.replace("@misc{secret", "") or "local3" in body or "1607.06405" in body]
    bib = text["site/papers.bib"]
    assert "arXiv preprint arXiv:1607.06450" in bib and "arXiv:1607.06450" in bib
    assert not [name for name, body in text.items() if "arxiv.org/abs/1706.3762" in body]
    papers = papers_by_title(site)
    assert "arxiv" not in papers["Attention Is All You Need"] and "web_page" not in papers["A Private Paper"]
    page.write_text(page.read_text(encoding="utf-8").replace("arxiv: '1607.06450'", "arxiv: 1706.3762"), encoding="utf-8")
    result = run_sitegen("build", "-s", site, env=EPOCH)
    assert result.returncode == 1 and f"{page}:" in result.stderr and "'1706.3762' is not an arXiv id" in result.stderr
    site = write_site(tmp_path / "lists", {"content/lists/library.bib": library,
                                           "content/lists/daily.json": hf(("1706.3762", "Attention Is All You Need", ""))})
    warnings = built(site)
    assert "library.bib:6: entry 'wrongform': eprint '1706.3762' is not an arXiv id" in warnings
    assert "daily.json:1: 'Attention Is All You Need': id '1706.3762' is not an arXiv id" in warnings


def test_a_missing_abstract_is_the_same_level_in_build_and_check(tmp_path: Path) -> None:
    """An exported entry with no abstract (.bib, .json, .atom) is a fact of a normal library: a note to build
    and check alike, never failing --strict; a pasted entry cut off before its abstract is a warning to both."""
    lists = {"content/lists/library.bib": "@article{k, title = {A Scholar Export}, year = 2020}\n",
             "content/lists/daily.json": hf(("2309.16588", "Vision Transformers Need Registers", "")),
             "content/lists/feed.atom": atom(("1706.03762", "Attention Is All You Need", "", ["Ashish Vaswani"], "2017-06-12"))}
    site = write_site(tmp_path / "normal", lists)
    result = run_sitegen("build", "--strict", "-s", site, env=EPOCH)
    assert result.returncode == 0, result.stderr
    for name in ("library.bib", "daily.json", "feed.atom"):
        assert [line for line in result.stderr.splitlines() if line.startswith("note:") and name in line and "no abstract" in line]
    assert "warning:" not in result.stderr
    checked = run_sitegen("check", "-s", site, env=EPOCH)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert (checked.stdout + checked.stderr).count("has no abstract") == 3
    pasted = write_site(tmp_path / "pasted", {**lists, "content/lists/week.txt": "Mar 11\n\nA Paper Cut Off Before Its Abstract\n"})
    for command in ("build", "check"):
        result = run_sitegen(command, *(["--strict"] if command == "build" else []), "-s", pasted, env=EPOCH)
        assert result.returncode == 1 and "week.txt:3:" in result.stdout + result.stderr


def test_an_author_list_cut_short_takes_a_fuller_one_that_agrees_else_says_et_al(tmp_path: Path) -> None:
    """Google Scholar's `author = {A and B and others}` is a list cut short: an arXiv list of all the authors that
    agrees on the names given replaces it (its accents kept) on the page, in search and in the citation; with no
    fuller list, the page says 'et al.' and the citation 'and others'."""
    everyone = ["Maxime Oquab", "Timothée Darcet", "Théo Moutakanni", "Huy Vo", "Marc Szafraniec", "Vasil Khalidov",
                "Pierre Fernandez", "Daniel Haziza", "Francisco Massa", "Alaaeldin El-Nouby", "Mahmoud Assran", "Nicolas Ballas"]
    scholar = " and ".join(f"{n.split()[-1]}, {' '.join(n.split()[:-1])}" for n in everyone[:10]).replace("é", "e")
    summary = ABSTRACT.format(topic="features", slug="dino")
    site = write_site(tmp_path, {
        "content/lists/scholar.bib": f"@article{{oquab2023dinov2, title = {{DINOv2: Learning Robust Visual Features without Supervision}},\n"
                                     f"  author = {{{scholar} and others}}, journal = {{arXiv preprint arXiv:2304.07193}}, year = {{2023}}}}\n"
                                     "@article{alone2020, title = {A Paper Only Scholar Knows}, author = {Doe, Jane and Roe, Rick and others}, year = {2020}}\n",
        "content/lists/feed.atom": atom(("2304.07193", "DINOv2: Learning Robust Visual Features without Supervision", summary, everyone,
                                         "2023-04-14"))})
    built(site)
    papers = papers_by_title(site)
    assert papers["DINOv2: Learning Robust Visual Features without Supervision"]["authors"] == everyone
    assert papers["A Paper Only Scholar Knows"]["authors"] == ["Jane Doe", "Rick Roe", "et al."]
    bib = (site / "site/papers.bib").read_text(encoding="utf-8")
    assert "Ballas, Nicolas" in bib and "Darcet, Timoth" in bib and "author = {Doe, Jane and Roe, Rick and others}" in bib
    page = (site / "site/papers/a-paper-only-scholar-knows/index.html").read_text(encoding="utf-8")
    assert "Jane Doe, Rick Roe, et al." in " ".join(page.split())
    assert any("ballas" in p.read_text(encoding="utf-8").casefold() for p in (site / "site/search-index").rglob("*") if p.is_file())


def test_the_entry_cited_follows_the_content_not_the_file_names_and_a_lists_bib_cites_its_own(tmp_path: Path) -> None:
    """Two .bib files hold one paper: the page and papers.bib cite the entry with the most citation fields (then
    the first key), whatever the files are called; each list's own .bib download cites that list's own entry."""
    mine = ("@inproceedings{vaswani2017attention, title = {Attention Is All You Need}, author = {Vaswani, Ashish and Shazeer, Noam},\n"
            "  booktitle = {Advances in Neural Information Processing Systems}, volume = {30}, pages = {5998--6008}, year = {2017}}\n")
    theirs = "@article{AAA_colleague, title = {Attention is all you need}, author = {Vaswani, Ashish and Shazeer, Noam}, year = {2017}}\n"
    cited = set()
    for names in (("mine", "colleague"), ("zzz", "aaa")):
        site = write_site(tmp_path / names[1], {f"content/lists/{names[0]}.bib": mine, f"content/lists/{names[1]}.bib": theirs})
        built(site)
        papers_bib = (site / "site/papers.bib").read_text(encoding="utf-8")
        cited.add(papers_bib)
        assert "@inproceedings{vaswani2017attention," in papers_bib and "AAA_colleague" not in papers_bib
        own = {name: (site / f"site/lists/{name}/{name}.bib").read_text(encoding="utf-8") for name in names}
        assert "@inproceedings{vaswani2017attention," in own[names[0]] and "pages = {5998--6008}" in own[names[0]]
        assert own[names[1]].startswith("@article{AAA_colleague,") and "pages" not in own[names[1]]
        assert "title = {Attention Is All You Need}" in own[names[1]]  # the page's (resolved) title, in their entry
    assert len(cited) == 1


def test_an_address_that_is_not_a_web_address_is_a_warning_at_its_line_not_dropped_unsaid(tmp_path: Path) -> None:
    """A link written without https:// (or a file: URL) is never published: the build says so at its key's
    line, with the address it likely meant, and the page links only the web addresses."""
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper")})
    assert run_sitegen("build", "-q", "-s", site).returncode == 0
    page = site / "content" / "papers" / "alpha-paper.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("status: unread\n", "status: unread\nlinks: [talk.example.org/music, 'https://ok.example.org/a']\n"
                                 "code: file:///home/me/code\n"), encoding="utf-8")
    lines = page.read_text(encoding="utf-8").splitlines()
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0
    links_line, code_line = lines.index("links: [talk.example.org/music, 'https://ok.example.org/a']") + 1, lines.index("code: file:///home/me/code") + 1
    assert (f"warning: {page}:{links_line}: 'links': 'talk.example.org/music' is not a web address (http:// or https://), "
            "so it is not shown (did you mean 'https://talk.example.org/music'?)") in result.stderr
    assert f"warning: {page}:{code_line}: 'code': 'file:///home/me/code' is not a web address" in result.stderr
    html = (site / "site" / "papers" / "alpha-paper" / "index.html").read_text(encoding="utf-8")
    assert "https://ok.example.org/a" in html and "talk.example.org/music" not in html and "/home/me" not in html
    assert run_sitegen("build", "--strict", "-s", site).returncode == 1


def test_sorting_by_year_is_offered_only_where_a_paper_has_a_year(tmp_path: Path) -> None:
    """Pasted pages carry no year (until `sitegen lookup`): a Year button there reordered the papers by nothing."""
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper")})
    built(site)
    year_button = 'data-sort="year"'
    assert 'data-sorter' not in (site / "site" / "lists" / "week" / "index.html").read_text(encoding="utf-8")
    assert year_button not in (site / "site" / "papers" / "index.html").read_text(encoding="utf-8")
    page = site / "content" / "papers" / "beta-paper.md"
    page.write_text(page.read_text(encoding="utf-8").replace("status: unread\n", "status: unread\nyear: 2017\n"), encoding="utf-8")
    built(site)
    for shown in ("lists/week/index.html", "papers/index.html"):
        html = (site / "site" / shown).read_text(encoding="utf-8")
        assert year_button in html and 'data-year="2017"' in html, shown



def test_the_https_hint_names_only_what_looks_like_a_host(tmp_path: Path) -> None:
    """'Did you mean https://…' only before a host name: 'https://mailto:me@example.org' is no address."""
    hinted = ["talk.example.org/music", "github.com/me/code", "www.example.org:8080", "example.org?q=1"]
    plain = ["mailto:me@example.org", "doi:10.1145/3442188", "10.1145/3442188.3445922", "my notes.pdf", "localhost/x"]
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper")})
    assert run_sitegen("build", "-q", "-s", site).returncode == 0
    page = site / "content" / "papers" / "alpha-paper.md"
    written = ", ".join(f"'{value}'" for value in hinted + plain)
    page.write_text(page.read_text(encoding="utf-8").replace("status: unread\n", f"status: unread\nlinks: [{written}]\n"), encoding="utf-8")
    warnings = [line for line in run_sitegen("build", "-s", site).stderr.splitlines() if "is not a web address" in line]
    assert len(warnings) == len(hinted) + len(plain)
    for value in hinted:
        assert any(f"{value!r} is not" in w and w.endswith(f"(did you mean 'https://{value}'?)") for w in warnings), value
    for value in plain:
        assert any(f"{value!r} is not" in w and w.endswith("so it is not shown") for w in warnings), value


def test_a_slip_in_a_pages_key_is_a_warning_at_its_line(tmp_path: Path) -> None:
    """`Status: read` or `raiting: 4` built silently, shown as fields of the user's own while the paper stayed
    unread and unrated; a key of one's own that is no slip (`presented_by`) stays unremarked."""
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper")})
    assert run_sitegen("build", "-q", "-s", site).returncode == 0
    page = site / "content" / "papers" / "alpha-paper.md"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "status: unread\n", "status: unread\nStatus: read\nraiting: 4\nnotes: ask Ana\npresented_by: Ana\n"), encoding="utf-8")
    lines = page.read_text(encoding="utf-8").splitlines()
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0
    warned = [line for line in result.stderr.splitlines() if "is not a key sitegen reads" in line]
    assert warned == [
        f"warning: {page}:{lines.index('Status: read') + 1}: 'Status' is not a key sitegen reads: it is shown as a field of your own (did you mean 'status'?)",
        f"warning: {page}:{lines.index('raiting: 4') + 1}: 'raiting' is not a key sitegen reads: it is shown as a field of your own (did you mean 'rating'?)",
        f"warning: {page}:{lines.index('notes: ask Ana') + 1}: 'notes' is not a key sitegen reads: it is shown as a field of your own "
        "(your notes go below the front matter's closing '---')",
    ]
    assert run_sitegen("check", "-s", site).returncode == 1


def test_a_bibs_venue_wins_over_arxivs_field_by_field_and_the_entry_type_follows_the_venue(tmp_path: Path) -> None:
    """A Zotero entry saying `journal = {arXiv preprint ...}` came out as `@article{journal = {ICLR 2024}}` once an
    arXiv feed gave a journal_ref: the .bib's venue wins; a venue only arXiv gives fills a .bib entry that has none,
    and an @misc then becomes what its venue is (a meeting: @inproceedings with a booktitle)."""
    library = (
        "@article{darcet_vision_2023, title = {Vision {Transformers} {Need} {Registers}}, url = {http://arxiv.org/abs/2309.16588},\n"
        "  journal = {arXiv preprint arXiv:2309.16588}, author = {Darcet, Timoth{\\'e}e and Oquab, Maxime}, year = {2023}}\n"
        "@misc{he_deep_2015, title = {Deep {Residual} {Learning} for {Image} {Recognition}}, publisher = {arXiv},\n"
        "  author = {He, Kaiming and Sun, Jian}, year = {2015}, eprint = {1512.03385}, archivePrefix = {arXiv}}\n")
    feed = atom(("2309.16588", "Vision Transformers Need Registers", ABSTRACT, ["Timothée Darcet", "Maxime Oquab"], "2023-09-28"),
                ("1512.03385", "Deep Residual Learning for Image Recognition", ABSTRACT, ["Kaiming He", "Jian Sun"], "2015-12-10"))
    feed = feed.replace("</published>", "</published><arxiv:journal_ref xmlns:arxiv='http://arxiv.org/schemas/atom'>VENUE</arxiv:journal_ref>")
    feed = feed.replace("VENUE", "ICLR 2024", 1).replace("VENUE", "CVPR 2016", 1)
    site = write_site(tmp_path, {"content/lists/library.bib": library, "content/lists/arxiv.atom": feed})
    built(site)
    bib = (site / "site/papers.bib").read_text(encoding="utf-8")
    darcet = bib[bib.index("darcet_vision_2023") - 9:].split("\n}")[0]
    assert darcet.startswith("@article{") and "journal = {arXiv preprint arXiv:2309.16588}" in darcet and "ICLR" not in darcet, bib
    papers = papers_by_title(site)
    assert papers["Vision Transformers Need Registers"]["venue"] == "arXiv preprint"
    assert papers["Deep Residual Learning for Image Recognition"]["venue"] == "CVPR 2016"
    _, read = parse_bibtex(Path("papers.bib"), "papers", bib, Diagnostics())
    he = {e.title: e.biblio for e in read}["Deep Residual Learning for Image Recognition"]
    assert he.bibtex is not None and he.bibtex.kind == "inproceedings" and he.venue == "CVPR 2016", bib
    assert "journal" not in {name.casefold() for name, _ in he.bibtex.fields}, bib
