"""What researchers type into search (issue 24): identifiers, authors and their initials, quoted groups beside
lunr's syntax, pasted long titles, half-typed words, filters in the query; on both engines (Python for
`sitegen search`, search-core.js in node) and where a person sees it, in Chromium from file://."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import redrawn, run_sitegen, search_drawn, write_site

from test_search import both_sides, search_url

BIB = r"""
@article{darcet2023,
  title = {Vision Transformers Need Registers},
  author = {Darcet, Timoth{\'e}e and Oquab, Maxime and Mairal, Julien and Bojanowski, Piotr},
  eprint = {2309.16588}, archivePrefix = {arXiv},
  abstract = {Artifacts in feature maps of vision transformers vanish when register tokens are added to the input sequence.},
}
@inproceedings{bender2021,
  title = {On the Dangers of Stochastic Parrots},
  author = {Bender, Emily M. and Gebru, Timnit},
  doi = {10.1145/3442188.3445922},
  abstract = {Language models that grow ever larger carry risks for people and the environment; we list them.},
}
@article{jiang2020,
  title = {Tree Models for Tabular Data},
  author = {Jiang, Nan and Smith, Alice},
  abstract = {Gradient boosted trees remain strong on tabular benchmarks; we compare them with networks.},
}
@article{other2021,
  title = {Nonlinear Networks and Neural Noise},
  author = {Jiang, Bo},
  abstract = {Noise in neural networks is studied; n samples of a network are drawn and the noise is measured for each.},
}
"""

ENTRIES = {
    "Scaling Vision Transformers to Billions": "We scale vision transformers to billions of parameters and study how their features change.",
    "Music Transformer": "Music generation with relative attention over long sequences of notes.",
    "Class Activation Maps with Attention": "Class activation maps weighted by attention localize the objects a classifier sees.",
    "Attention Is All You Need": "An attention architecture for translation, without recurrence.",
    "Region Proposals We Rely On": "Region proposals that detectors rely on, and what happens when one relies on fewer of them.",
    "$\\beta$-VAE: Learning Basic Visual Concepts": "A constrained variational framework that learns disentangled factors of images.",
    "Sparse Coding of Natural Images": "A sparse code of natural image patches learns oriented filters similar to simple cells.",
    "Graph Networks for Physics": "Graph networks simulate particles and rigid bodies; message passing learns the physics.",
    "Deep Residual Learning for Image Recognition": "Residual connections make networks of a hundred layers trainable on image recognition benchmarks.",
}


FILLER = "We report what we find across several settings and discuss where the approach falls short."


@pytest.fixture(scope="module")
def query_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = write_site(tmp_path_factory.mktemp("queries"), {
        "content/lists/reading.bib": BIB,
        "content/lists/more.txt": "".join(f"{title}\n\n{abstract} {FILLER}\n\n" for title, abstract in ENTRIES.items())})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    page = site / "content/papers/music-transformer.md"
    page.write_text(page.read_text(encoding="utf-8").replace("status: unread", "status: read"), encoding="utf-8")
    assert run_sitegen("build", "-s", site).returncode == 0
    return site


def test_arxiv_ids_and_dois_find_their_paper(query_site: Path) -> None:
    registers, parrots = "Vision Transformers Need Registers", "On the Dangers of Stochastic Parrots"
    queries = {"2309.16588": registers, "2309.16588v2": registers, "arXiv:2309.16588": registers, "arxiv:2309.16588v1": registers,
               "https://arxiv.org/abs/2309.16588v3": registers, "10.1145/3442188.3445922": parrots, "doi:10.1145/3442188.3445922": parrots,
               "https://doi.org/10.1145/3442188.3445922": parrots}
    answers = both_sides(query_site, list(queries))
    assert {query: found[:1] for query, found in answers.items()} == {query: [title] for query, title in queries.items()}
    result = run_sitegen("search", "-s", query_site, "arXiv:2309.16588v2")
    assert result.returncode == 0 and result.stdout.splitlines()[0].endswith(registers)


def test_links_to_a_paper_on_any_site_that_names_it_by_arxiv_id_find_it_first(query_site: Path) -> None:
    registers = "Vision Transformers Need Registers"
    links = ["https://arxiv.org/html/2309.16588v2", "https://arxiv.org/abs/2309.16588?context=cs", "https://arxiv.org/abs/2309.16588#",
             "https://huggingface.co/papers/2309.16588", "https://www.alphaxiv.org/abs/2309.16588", "arxiv.org/pdf/2309.16588.pdf",
             "https://arxiv.org/pdf/2309.16588v1", "https://browse.arxiv.org/abs/2309.16588v2/", "https://arxiv-sanity-lite.com/abs/2309.16588"]
    answers = both_sides(query_site, links)
    assert {link: found[:1] for link, found in answers.items()} == {link: [registers] for link in links}
    result = run_sitegen("search", "-s", query_site, "https://huggingface.co/papers/2309.16588")
    assert result.returncode == 0 and result.stdout.splitlines()[0].endswith(registers)


def test_quoted_groups_beside_plus_and_minus(query_site: Path) -> None:
    answers = both_sides(query_site, ['"vision transformers" -registers', 'attention -"class activation"', '"the" +attention',
                                      '+"atten*"', "attention", '-"vision transformers"'])
    assert answers['"vision transformers" -registers'] == ["Scaling Vision Transformers to Billions"]
    assert "Class Activation Maps with Attention" not in answers['attention -"class activation"']
    assert {"Attention Is All You Need", "Music Transformer"} <= set(answers['attention -"class activation"'])
    assert set(answers['"the" +attention']) == set(answers["attention"]) != set()
    assert set(answers['+"atten*"']) == set(answers["attention"])
    assert not {"Vision Transformers Need Registers", "Scaling Vision Transformers to Billions"} & set(answers['-"vision transformers"'])
    result = run_sitegen("search", "-s", query_site, "-n", "20", '"vision transformers"', "-registers")  # no `--` needed
    assert result.returncode == 0, result.stderr
    assert [line.strip().split("  ", 1)[1] for line in result.stdout.splitlines()[::2]] == ["Scaling Vision Transformers to Billions"]
    result = run_sitegen("search", "-s", query_site, "-n", "20", "-registers")  # a minus word first, alone
    assert result.returncode == 0, result.stderr
    titles = [line.strip().split("  ", 1)[1] for line in result.stdout.splitlines()[::2]]
    assert "Vision Transformers Need Registers" not in titles and "Music Transformer" in titles


def test_a_pasted_long_title_matches_papers_with_enough_of_its_words(query_site: Path) -> None:
    title = "Deep Residual Learning for Image Recognition"
    answers = both_sides(query_site, [title, "networks physics", "residual networks image recognition benchmarks trainable zzzz"])
    assert answers[title][0] == title
    assert answers[title] == [title]  # "image" alone (Sparse Coding of Natural Images) is not enough of five words
    assert answers["networks physics"] == ["Graph Networks for Physics"]  # all of a short query
    result = run_sitegen("search", "-s", query_site, title)
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2


def test_a_half_typed_word_matches_words_that_begin_with_it(query_site: Path) -> None:
    answers = both_sides(query_site, ["regis", "regi", "transformers regis", "rel", "graph physics notez"])
    # A word no indexed word begins with is a guess (a stem it starts with: "note", of Music Transformer): never required.
    assert answers["graph physics notez"] == ["Graph Networks for Physics"]
    assert answers["regis"] == ["Vision Transformers Need Registers"]
    assert "Region Proposals We Rely On" not in answers["regis"]
    assert answers["transformers regis"] == ["Vision Transformers Need Registers"]
    assert "Region Proposals We Rely On" in answers["rel"]


def test_the_first_keystroke_matches_words_that_begin_with_it(query_site: Path) -> None:
    answers = both_sides(query_site, ["m", "G", "s", "n jiang"])
    assert "Music Transformer" in answers["m"] and "Graph Networks for Physics" in answers["G"]
    assert "Sparse Coding of Natural Images" in answers["s"] and "On the Dangers of Stochastic Parrots" in answers["s"]
    assert answers["n jiang"][:1] == ["Tree Models for Tabular Data"]  # beside another word, one letter is still an initial
    result = run_sitegen("search", "-s", query_site, "g")
    assert result.returncode == 0 and "Graph Networks for Physics" in result.stdout


def test_initials_and_author_prefixes(query_site: Path) -> None:
    answers = both_sides(query_site, ["N. Jiang", "n jiang", "B Jiang", "author:jia", "author:oqu", "author:jia "])
    assert answers["N. Jiang"][0] == "Tree Models for Tabular Data"
    assert answers["n jiang"][0] == "Tree Models for Tabular Data"
    assert answers["B Jiang"][0] == "Nonlinear Networks and Neural Noise"
    assert set(answers["author:jia"]) == {"Tree Models for Tabular Data", "Nonlinear Networks and Neural Noise"}
    assert answers["author:oqu"] == ["Vision Transformers Need Registers"]
    result = run_sitegen("search", "-s", query_site, "N. Jiang")
    assert result.stdout.splitlines()[0].endswith("Tree Models for Tabular Data")


def test_status_in_the_query_filters(query_site: Path) -> None:
    answers = both_sides(query_site, ["status:read", "transformer status:read", "transformer status:unread", "status:READ music"])
    assert answers["status:read"] == answers["transformer status:read"] == answers["status:READ music"] == ["Music Transformer"]
    assert "Music Transformer" not in answers["transformer status:unread"] and answers["transformer status:unread"]
    result = run_sitegen("search", "-s", query_site, "status:read")
    assert result.stdout.splitlines()[0].endswith("Music Transformer")


def test_math_in_titles_reads_as_on_the_pages_in_the_terminal(query_site: Path) -> None:
    result = run_sitegen("search", "-s", query_site, "disentangled factors")
    assert result.stdout.splitlines()[0].endswith("β-VAE: Learning Basic Visual Concepts")


# --- In Chromium, from file:// -------------------------------------------------------------------

def test_the_page_finds_ids_highlights_authors_and_typesets_math(query_site: Path, page_of: Any) -> None:
    from playwright.sync_api import expect
    page = page_of()
    page.goto(search_url(query_site, "q=arXiv:2309.16588v2"))
    expect(page.locator(".results .result-title").first).to_have_text("Vision Transformers Need Registers")
    page.fill("#search-page-input", "oquab")
    expect(page.locator(".results .result-authors mark")).to_have_text(re.compile("^Oquab"))
    page.fill("#search-page-input", "disentangled")
    title = page.locator(".results .result-title").first
    expect(title.locator(".katex")).to_be_visible()  # typeset as on the paper's page
    expect(title).not_to_contain_text("$")


def test_the_page_keeps_quoted_groups_and_counts_only_enough_words(query_site: Path, page_of: Any) -> None:
    from playwright.sync_api import expect
    page = page_of()
    page.goto(search_url(query_site, ""))
    page.fill("#search-page-input", '"vision transformers" -registers')
    expect(page.locator(".results .result-title")).to_have_text(["Scaling Vision Transformers to Billions"])
    with redrawn(page.locator(".results .result"), page.locator(".facet-status label")):  # the one result before had the same counts
        page.fill("#search-page-input", "Deep Residual Learning for Image Recognition")
    expect(page.locator(".results .result-title")).to_have_text(["Deep Residual Learning for Image Recognition"])
    expect(page.locator(".result-count")).to_have_text("1 paper matches.")
    expect(page.locator(".facet-status .count")).to_have_text(["1"])  # the facets count the matches, not every paper with a word
    page.fill("#search-page-input", "regis")
    expect(page.locator(".results .result-title")).to_have_text(["Vision Transformers Need Registers"])
    page.fill("#search-page-input", "N. Jiang")
    expect(page.locator(".results .result-title").first).to_have_text("Tree Models for Tabular Data")
    with redrawn(page.locator(".results .result")):  # "N. Jiang" found two papers too
        page.fill("#search-page-input", "author:jia")  # while typing, the word is a prefix
    expect(page.locator(".results .result")).to_have_count(2)
    page.fill("#search-page-input", 'attention -"class activation"')
    expect(page.locator(".results .result-title", has_text="Attention Is All You Need")).to_be_visible()
    search_drawn(page)  # every result drawn (the first few come before the rest), none of them the excluded one
    expect(page.locator(".results .result-title", has_text="Class Activation")).to_have_count(0)


def test_a_filter_without_words_lists_its_papers_and_clearing_clears(query_site: Path, page_of: Any) -> None:
    from playwright.sync_api import expect
    page = page_of()
    page.goto(search_url(query_site, "status=read"))
    expect(page.locator(".results .result-title")).to_have_text(["Music Transformer"])
    expect(page.locator(".facet-status input[value=read]")).to_be_checked()
    for fieldset in page.locator(".facets fieldset").all():  # no heading over nothing
        if fieldset.is_visible():
            assert fieldset.locator("label").count() > 0
    page.goto(search_url(query_site, "status=unread"))
    expect(page.locator(".results .result")).to_have_count(12)
    page.goto(search_url(query_site, "q=status:read"))
    expect(page.locator(".results .result-title")).to_have_text(["Music Transformer"])
    page.goto(search_url(query_site, "q=attention"))
    expect(page.locator(".facet-status .count").first).to_be_visible()
    page.fill("#search-page-input", "")
    expect(page.locator(".facet-status .count")).to_have_count(0)
    expect(page.locator(".results .result")).to_have_count(0)
    expect(page.locator(".facets fieldset", has_text="Reading status")).to_be_hidden()


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,200 papers sharing a word: more than a page of results and a count past a thousand."""
    text = "".join(f"Study {n:04d} of Widgets\n\nWe examine widget number {n} and its widget properties in detail. {FILLER}\n\n" for n in range(1200))
    site = write_site(tmp_path_factory.mktemp("big"), {"content/lists/widgets.txt": text})
    assert run_sitegen("build", "-s", site).returncode == 0
    return site


def test_counts_have_thousands_separators_and_back_restores_more_results(big_site: Path, page_of: Any) -> None:
    from playwright.sync_api import expect
    page = page_of(locale="en-US")
    page.goto(search_url(big_site, "q=widgets"))
    expect(page.locator(".result-count")).to_have_text("1,200 papers match.")
    results = page.locator(".results .result")
    expect(results).to_have_count(50)
    page.get_by_role("button", name="Show more results").click()
    expect(results).to_have_count(100)
    expect(page).to_have_url(re.compile("shown=100"))
    target = results.nth(80).locator(".result-title")
    target.scroll_into_view_if_needed()
    name = target.inner_text()
    target.click()
    page.wait_for_url(re.compile(r"/papers/"))
    page.go_back()
    expect(results).to_have_count(100)
    again = page.locator(".results .result-title", has_text=name)
    expect(again).to_be_in_viewport()


CITED = r"""
@inproceedings{caron2021,
  title = {Emerging Properties in Self-Supervised Vision Transformers},
  author = {Caron, Mathilde and Touvron, Hugo and Misra, Ishan},
  year = {2021},
  abstract = {Self-distillation with no labels, DINO, shows what self-supervised features of vision transformers hold.},
}
@inproceedings{vaswani2017,
  title = {Attention Is All You Need},
  author = {Vaswani, Ashish and Shazeer, Noam},
  year = {2017},
  abstract = {An attention architecture for translation, without recurrence.},
}
@article{survey2021,
  title = {A Survey of Transformers},
  author = {Lin, Tianyang},
  year = {2021},
  abstract = {Since 2017 transformers spread; this survey of 2021 lists what followed attention.},
}
"""


def test_citations_with_et_al_and_a_year_find_the_cited_paper(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/cited.bib": CITED})
    assert run_sitegen("build", "-s", site).returncode == 0
    dino, attention = "Emerging Properties in Self-Supervised Vision Transformers", "Attention Is All You Need"
    queries = {"Caron et al.": dino, "Caron et al": dino, "caron et al. ": dino, "Vaswani et al. 2017": attention, "Caron 2021": dino,
               "DINO (Caron et al., 2021)": dino, "Vaswani 2017": attention, "attention Vaswani et al 2017 ": attention}
    answers = both_sides(site, list(queries))
    assert {query: found[:1] for query, found in answers.items()} == {query: [title] for query, title in queries.items()}
    result = run_sitegen("search", "-s", site, "Vaswani et al. 2017")
    assert result.returncode == 0 and result.stdout.splitlines()[0].endswith(attention)


NAMES = r"""
@article{he2022,
  title = {Masked Autoencoders Are Scalable Vision Learners},
  author = {He, Kaiming and Chen, Xinlei and Girshick, Ross},
  abstract = {Masking random patches of the input image and reconstructing the missing pixels makes a scalable pretext task.},
}
@article{he2020,
  title = {Momentum Contrast for Unsupervised Visual Representation Learning},
  author = {He, Kaiming and Fan, Haoqi},
  abstract = {A dynamic dictionary with a queue and a moving-averaged encoder builds contrastive representations.},
}
@article{zhang2021,
  title = {Health Records and Head Injuries},
  author = {Zhang, Kaiming},
  abstract = {Clinical records of head injuries are studied with a scalable vision model.},
}
@article{an2019,
  title = {Security Games with Limited Surveillance},
  author = {An, Bo and Kempe, David},
  abstract = {Attackers observe defenders only partly; equilibria of such games are computed.},
}
@article{you2020,
  title = {Large Batch Optimization for Attention Models},
  author = {You, Yang and Li, Jing},
  abstract = {Layerwise adaptive moments make attention models train with large batches.},
}
@article{vaswani2017,
  title = {Attention Is All You Need},
  author = {Vaswani, Ashish},
  abstract = {An attention architecture for translation, without recurrence.},
}
"""


def test_a_surname_that_is_a_stop_word_finds_its_author(tmp_path: Path, page_of: Any) -> None:
    """'He', 'An', 'You' are stop words of English and surnames: a query of them finds the author's papers (first, and
    highlighted), yet never makes a paper without the name match, nor pushes a title down."""
    from playwright.sync_api import expect
    site = write_site(tmp_path, {"content/lists/names.bib": NAMES})
    assert run_sitegen("build", "-s", site).returncode == 0
    mae, moco = "Masked Autoencoders Are Scalable Vision Learners", "Momentum Contrast for Unsupervised Visual Representation Learning"
    answers = both_sides(site, ["Kaiming He", "kaiming he ", "He", "He ", "K. He", "he scalable", "Bo An", "An ", "attention all you need",
                                "Yang You", "attention is all you need", "attention you"])
    for query in ("Kaiming He", "kaiming he ", "He", "K. He"):
        assert set(answers[query][:2]) == {mae, moco}, query
    assert set(answers["He "]) == {mae, moco}  # a whole word: the name only, no word beginning with "he"
    assert answers["he scalable"][:1] == [mae]  # not the Health Records paper, which is scalable too
    assert answers["Bo An"][:1] == answers["An "] == ["Security Games with Limited Surveillance"]
    assert answers["Yang You"][:1] == ["Large Batch Optimization for Attention Models"]
    assert answers["attention all you need"][:1] == answers["attention is all you need"][:1] == ["Attention Is All You Need"]
    assert set(answers["attention you"]) == {"Attention Is All You Need", "Large Batch Optimization for Attention Models"}  # never needed
    result = run_sitegen("search", "-s", site, "Kaiming", "He")
    assert result.returncode == 0 and {line.strip().split("  ", 1)[1] for line in result.stdout.splitlines()[:3:2]} == {mae, moco}
    page = page_of()
    page.goto(search_url(site, "q=Kaiming%20He"))
    results = page.locator(".results .result")
    expect(results).to_have_count(3)
    expect(results.nth(0).locator(".result-authors mark", has_text=re.compile(r"^He\b"))).to_be_visible()
    expect(results.nth(1).locator(".result-authors mark", has_text=re.compile(r"^He\b"))).to_be_visible()
    expect(results.nth(2).locator(".result-title")).to_have_text("Health Records and Head Injuries")


def test_a_paper_tagged_with_the_word_ranks_above_words_that_only_begin_with_it(tmp_path: Path, page_of: Any) -> None:
    """A tag the user gave a paper says what it is about: it ranks below the word in a paper's own text, but above a
    longer word that merely begins with what is being typed ("graph" → "graphics")."""
    from playwright.sync_api import expect
    entries = {"Real-Time Graphics Rendering on Phones": "Shading and rasterization budgets for mobile graphics processors.",
               "Message Passing on Molecules": "Neural message passing predicts quantum chemical properties of molecules.",
               "Attention Networks on Graphs": "Masked self-attention over the neighbours of each node of a graph."}
    site = write_site(tmp_path, {"content/lists/mixed.txt": "".join(f"{title}\n\n{abstract} {FILLER}\n\n" for title, abstract in entries.items())})
    assert run_sitegen("build", "-s", site).returncode == 0
    page_path = site / "content/papers/message-passing-on-molecules.md"
    page_path.write_text(page_path.read_text(encoding="utf-8").replace("tags: []", "tags: [graphs]"), encoding="utf-8")
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    order = ["Attention Networks on Graphs", "Message Passing on Molecules", "Real-Time Graphics Rendering on Phones"]
    answers = both_sides(site, ["graph", "graphs"])
    assert answers["graph"] == order
    assert answers["graphs"][:2] == order[:2]
    result = run_sitegen("search", "-s", site, "graph")
    assert [line.strip().split("  ", 1)[1] for line in result.stdout.splitlines()[::2]] == order
    page = page_of()
    page.goto(search_url(site, ""))
    page.fill("#search-page-input", "graph")
    expect(page.locator(".results .result-title")).to_have_text(order)


def test_of_titles_with_every_word_the_one_they_cover_most_ranks_first(tmp_path: Path, page_of: Any) -> None:
    """Words remembered from a title find that title before a longer one with the same words and more abstract text
    about them: how much of a title the words are says more than how often an abstract repeats them."""
    from playwright.sync_api import expect
    entries = {"Vision Transformers Need Registers": "Feature maps of large models have artifacts; extra tokens remove them.",
               "Vision Transformers Need Trained Registers":
                   "Registers for vision transformers, registers trained: vision transformers with registers work, registers and vision transformers.",
               "Network In Network": "Micro networks inside each receptive field replace linear filters.",
               "Deep Networks and Shallow Networks on Network Data": "Network data of social networks; deep networks and shallow networks, network networks."}
    site = write_site(tmp_path, {"content/lists/titles.txt": "".join(f"{title}\n\n{abstract} {FILLER}\n\n" for title, abstract in entries.items())})
    assert run_sitegen("build", "-s", site).returncode == 0
    answers = both_sides(site, ["vision transformers registers", "transformers registers ", "network network"])
    assert answers["vision transformers registers"][0] == answers["transformers registers "][0] == "Vision Transformers Need Registers"
    assert answers["network network"][0] == "Network In Network"
    page = page_of()
    page.goto(search_url(site, ""))
    page.fill("#search-page-input", "vision transformers registers")
    expect(page.locator(".results .result-title")).to_have_text(["Vision Transformers Need Registers", "Vision Transformers Need Trained Registers"])
