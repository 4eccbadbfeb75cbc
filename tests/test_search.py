"""The search index: lunr.py builds it, the real lunr.js (from npm) reads it, and both agree."""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import random
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from conftest import REPO, exported_papers, node_query, raw_list, redrawn, run_sitegen, search_drawn, write_site
from lunr.builder import Builder
from lunr.index import Index
from lunr.query import Clause

from sitegen.catalog import build_catalog
from sitegen.config import SiteConfig
from sitegen.markup import plain_text
from sitegen.records import PaperPage
from search_reference import expand, lunr_executor
from sitegen.search.analyze import author_terms, index_terms, normalize
from sitegen.search.index import FIELDS, build_search, search_source
from sitegen.search.query import Searcher, load_searcher, parse, search
from sitegen.search.shards import SHARD_BYTES, index_files, read_payload

LUNR_SHA256 = "9431726f05c0eae2a6e54dc197709422869f25cad44f2430d2fb7ddae80cc717"
QUERIES = [
    "vision transformer", "registers", "Vision Transformers Need Registers", "feature learn", "interpretability",
    "sparse autoencoders", "noisy labels", "transf", "atention", "represntation", "object detection yolo",
    "title:vision", "+shortcut -learning", "contrast*", "graph~1", "frechet", "days", "deployed models",
    "self-supervised", "CLIP", "the", "", "   ", "neural collapse theory", "click-through rate prediction",
    "representat", "interpretabil", "r", "re", "vis", "中文", "Fréchet",
]


def test_vendored_lunr_is_the_unmodified_2_3_9_release() -> None:
    vendored = REPO / "templates/static/vendor/lunr-2.3.9/lunr.js"
    assert hashlib.sha256(vendored.read_bytes()).hexdigest() == LUNR_SHA256
    assert (vendored.parent / "LICENSE").read_text().startswith("Copyright (C) 2013 by Oliver Nightingale")
    assert LUNR_SHA256 in (vendored.parent / "PROVENANCE.md").read_text()
    npm_copy = REPO / "tests/node/node_modules/lunr/lunr.js"
    assert npm_copy.read_bytes() == vendored.read_bytes()


def test_lunr_js_returns_what_lunr_py_returns(example_site: Path) -> None:
    searcher = load_searcher(example_site / "site/search-index.js")
    docs = read_payload(example_site / "site/search-index.js").docs
    browser = node_query(example_site / "site", queries=QUERIES)["results"]
    for query in QUERIES:
        python = search(searcher, query)
        js = browser[query]
        assert [ref for ref, _ in python] == [ref for ref, _ in js], query
        for (_, a), (_, b) in zip(python, js):
            assert abs(a - b) < 1e-9, query
    assert [docs[ref].title for ref, _ in search(searcher, "Vision Transformers Need Registers")][0] == "Vision Transformers Need Registers"
    assert [docs[ref].title for ref, _ in search(searcher, "representat")][:1] == [docs[ref].title for ref, _ in search(searcher, "representation")][:1]


def lunr_search(index: Index, searcher: Searcher, text: str) -> list[tuple[int, float]]:
    """The same query with lunr.py's own Index.query (on the lunr-schema index `expand` makes) run: what
    `search` computed before it scored from the postings, kept as its reference."""
    return search(searcher, text, lunr_executor(index))


def typed(text: str) -> list[str]:
    """Every prefix of a text, as it stands after each keystroke."""
    return [text[:end] for end in range(1, len(text) + 1)]


def test_scoring_from_the_postings_returns_what_lunrs_own_query_returns(example_site: Path) -> None:
    """`search` (Python) and search-core.js score from the postings instead of through lunr's Index.query:
    on the real index, both return the papers, order and scores (and, in the browser, the terms to
    highlight) that lunr.py's and lunr.js's own Index.query gave with the same ranking rules."""
    searcher = load_searcher(example_site / "site/search-index.js")
    payload = read_payload(example_site / "site/search-index.js")
    titles = [d.title for d in payload.docs]
    queries = sorted(set(QUERIES + titles + typed("representation learning") + typed("sparse autoencoders find features")
                         + typed("CBAM: Convolutional Block") + typed('"vision transformer" regsters') + [
        "title:vision +learning", "-vision", "-vision -learning", "abstract:attention~1 title:trans*", "+zzzz learning",
        '"zzzz" learning', "learning^3 vision", "the learning", "a:b learning", "feature-attribution", "self-supervised learning"]))
    index = Index.load(expand(payload))
    mismatches = []
    for query in queries:
        ours, lunrs = search(searcher, query), lunr_search(index, searcher, query)
        if [r for r, _ in ours] != [r for r, _ in lunrs] or any(abs(a - b) > 1e-9 for (_, a), (_, b) in zip(ours, lunrs)):
            mismatches.append(query)
    assert mismatches == []
    assert sum(1 for q in queries if search(searcher, q)) > len(queries) * 0.9
    browser = node_query(example_site / "site", queries=queries, reference=True)
    for query in queries:
        ours, lunrs = browser["results"][query], browser["reference"][query]
        assert [r for r, _ in ours] == [r for r, _ in lunrs], query
        assert all(abs(a - b) <= 1e-9 for (_, a), (_, b) in zip(ours, lunrs)), query
        assert browser["matched"][query] == browser["matched"][query + "\u0000reference"], query


def test_the_browser_expands_the_index_exactly_as_python_does(example_site: Path) -> None:
    payload = read_payload(example_site / "site/search-index.js")
    python = expand(payload)
    browser = node_query(example_site / "site", expand=True)["expanded"]
    assert browser["invertedIndex"] == python["invertedIndex"]
    assert [name for name, _ in browser["fieldVectors"]] == [name for name, _ in python["fieldVectors"]]
    for (name, js), (_, py) in zip(browser["fieldVectors"], python["fieldVectors"]):
        assert js == pytest.approx(py, rel=1e-12, abs=1e-12), name


def test_the_shipped_index_is_the_index_lunr_py_builds(example_site: Path) -> None:
    """lunr.py's Builder, fed the same documents, yields the same postings and (to its 3 decimals) vectors."""
    payload = read_payload(example_site / "site/search-index.js")
    ours = expand(payload)
    papers = {p["url"]: p for p in exported_papers(example_site)}
    lists = payload.lists
    builder = Builder()
    builder.ref("r")
    for name, boost in FIELDS.items():
        builder.field(name, boost=boost)
    for ref, doc in enumerate(payload.docs):
        paper = papers[doc.url]
        builder.add({"r": str(ref), "title": index_terms(doc.title), "author": author_terms(tuple(paper.get("authors", []))),
                     "tags": index_terms(" ".join(t.replace("-", " ") for t in doc.tags)),
                     "lists": index_terms(" ".join(lists[s] for s in doc.lists)), "abstract": index_terms(paper["abstract"]),
                     "notes": index_terms(plain_text(paper["notes"]))})
    reference = builder.build().serialize()
    postings = lambda index: {t: {f: sorted(p[f]) for f in FIELDS} for t, p in index["invertedIndex"]}  # noqa: E731
    assert postings(ours) == postings(reference)
    number = {t: p["_index"] for t, p in reference["invertedIndex"]}
    term_of = {p["_index"]: t for t, p in ours["invertedIndex"]}
    theirs = {name: dict(zip(v[0::2], v[1::2])) for name, v in reference["fieldVectors"]}
    for name, vector in ours["fieldVectors"]:
        mine = {number[term_of[i]]: score for i, score in zip(vector[0::2], vector[1::2])}
        assert mine.keys() == theirs[name].keys(), name
        assert all(abs(mine[k] - theirs[name][k]) <= 0.0005 + 1e-9 for k in mine), name


def words_of(text: str) -> set[str]:
    return {w for w in re.split(r"[\s\-]+", normalize(text)) if w}


def synthetic_vocabulary(words: set[str]) -> set[str]:
    """English-like variants of real words: the suffixes where Porter stemmers are known to differ."""
    suffixes = ["s", "es", "ed", "ing", "ly", "y", "ies", "ied", "ness", "ational", "tional", "izer", "ization",
                "fulness", "ousness", "iveness", "biliti", "alism", "aliti", "ement", "ment", "ent", "ion", "ize", "ate"]
    stems = {w.rstrip("s") for w in words if w.isalpha() and 3 <= len(w) <= 12}
    return {s + suffix for s in sorted(stems)[:3000] for suffix in suffixes}


def test_every_word_stems_the_same_in_the_index_and_in_the_browser(example_site: Path) -> None:
    text = (example_site / "site/papers.json").read_text(encoding="utf-8")
    text += " ".join(p["abstract"] + " " + p["notes"] for p in exported_papers(example_site))
    vocabulary = words_of(text)
    vocabulary |= synthetic_vocabulary(vocabulary)
    vocabulary |= {"colour", "modelling", "analysed", "normalisation", "yellow", "your", "hours", "day", "days", "try", "tries", "fly", "why", "sky", "employ", "survey", "Fréchet", "naïve", "Σίσυφος",
                   "中文", "a\u2009b", "x\u3000y", "self-supervised", "(transformers),", "_under_", "İstanbul", "ΣΑΣ"}
    browser = node_query(example_site / "site", words=sorted(vocabulary))["terms"]
    mismatches = {w: (index_terms(w), browser[w]) for w in vocabulary if index_terms(w) != browser[w]}
    assert len(vocabulary) > 50_000
    assert mismatches == {}


def test_text_in_other_scripts_and_accents_is_findable_on_both_sides(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/world.txt": (
        "视觉Transformer中的注意力机制研究\n\n本文研究了视觉Transformer中的注意力机制，并提出了一种新的方法来提高模型的可解释性和效率，实验表明该方法在多个数据集上取得了显著的效果。\n\n"
        "Μάθηση αναπαραστάσεων για την όραση\n\nΜελετάμε πώς τα βαθιά νευρωνικά δίκτυα μαθαίνουν αναπαραστάσεις εικόνων και προτείνουμε μια νέα μέθοδο για την αξιολόγησή τους σε πολλά σύνολα δεδομένων.\n\n"
        "Fréchet Distances for Naïve Café Models\n\nWe measure Fréchet distances between the outputs of naïve models trained on café menus, across many datasets and seeds, and report what changes.\n\n"
    ) + raw_list("Alpha Paper")})
    assert run_sitegen("build", "-s", site).returncode == 0
    searcher = load_searcher(site / "site/search-index.js")
    docs = read_payload(site / "site/search-index.js").docs
    queries = {"注意力": 0, "Μάθηση": 1, "μαθηση": 1, "αναπαραστάσεις": 1, "frechet": 2, "Fréchet": 2, "naive cafe": 2, "NAÏVE": 2}
    browser = node_query(site / "site", queries=list(queries))["results"]
    titles = [d.title for d in docs]
    order = ["视觉Transformer中的注意力机制研究", "Μάθηση αναπαραστάσεων για την όραση", "Fréchet Distances for Naïve Café Models"]
    for query, expected in queries.items():
        python = [titles[ref] for ref, _ in search(searcher, query)]
        assert python and python[0] == order[expected], query
        assert [titles[ref] for ref, _ in browser[query]] == python, query


def test_sitegen_search_answers_in_the_terminal(example_site: Path) -> None:
    result = run_sitegen("search", "vision transformers need registers", "-s", example_site, "-n", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].endswith("Vision Transformers Need Registers")
    missing = run_sitegen("search", "x", "-s", example_site / "nowhere")
    assert missing.returncode == 1 and "run `sitegen build` first" in missing.stderr


def test_index_script_is_a_classic_script_with_no_closing_tag_inside(example_site: Path) -> None:
    script = (example_site / "site/search-index.js").read_text(encoding="utf-8")
    assert script.startswith("window.SITEGEN_SEARCH={") and script.endswith(";\n")
    assert "<" not in script
    shards = sorted((example_site / "site/search-index").iterdir())
    assert {p.name.split("-")[0] for p in shards} == {"terms", "typed", "ids", "docs", "facets"}
    for shard in shards:
        text = shard.read_text(encoding="utf-8")
        assert text.startswith("window.SITEGEN_SEARCH_SHARD(") and text.endswith(");\n") and "<" not in text, shard.name


def test_an_index_from_an_older_sitegen_asks_for_a_rebuild(tmp_path: Path) -> None:
    """Format 2 was one script holding everything: `sitegen search` on it says to rebuild, in one line."""
    site = write_site(tmp_path, {"site/search-index.js": 'window.SITEGEN_SEARCH={"format":2,"docs":[],"terms":[]};\n'})
    result = run_sitegen("search", "x", "-s", site)
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "rebuild" in result.stderr
    built = write_site(tmp_path / "built", {"content/lists/a.txt": raw_list("Alpha Paper", "Beta Study")})
    assert run_sitegen("build", "-s", built).returncode == 0
    for shard in (built / "site/search-index").glob("terms-*.js"):
        shard.unlink()
    result = run_sitegen("search", "alpha", "-s", built)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1 and "rebuild" in result.stderr


@pytest.mark.parametrize("folder", ["../outside/", "/tmp/", "search-index/../../outside/", "https://example.org/", "..\\outside\\", 7])
def test_a_shard_folder_outside_the_site_is_refused_in_one_line(tmp_path: Path, folder: object) -> None:
    """The base's `folder` is read from disk: one that leads out of site/ (or to a host) is one line naming the file,
    and no shard outside the site is read (a planted one would answer the query)."""
    built = write_site(tmp_path / "built", {"content/lists/a.txt": raw_list("Alpha Paper", "Beta Study")})
    assert run_sitegen("build", "-s", built).returncode == 0
    index = built / "site/search-index.js"
    planted = tmp_path / "built/outside"
    planted.mkdir()
    for shard in (built / "site/search-index").iterdir():  # a copy of every shard outside site/, where `../outside/` leads
        (planted / shard.name).write_bytes(shard.read_bytes())
    index.write_text(index.read_text(encoding="utf-8").replace('"folder":"search-index/"', f'"folder":{json.dumps(folder)}'), encoding="utf-8")
    result = run_sitegen("search", "alpha", "-s", built)
    assert result.returncode == 1 and result.stdout == "", result.stdout
    assert len(result.stderr.splitlines()) == 1 and str(index) in result.stderr and "folder" in result.stderr, result.stderr
    with pytest.raises(subprocess.CalledProcessError) as refused:  # the browser's code refuses the index too
        node_query(built / "site", ["alpha"])
    assert "shard folder is not a folder beside it" in refused.value.stderr


def both_sides(site: Path, queries: list[str]) -> dict[str, list[str]]:
    """Each query's result titles from `sitegen search`'s code and from the browser's code in node, asserted equal."""
    searcher = load_searcher(site / "site/search-index.js")
    titles = [d.title for d in read_payload(site / "site/search-index.js").docs]
    browser = node_query(site / "site", queries=queries)["results"]
    answers = {}
    for query in queries:
        python = [titles[ref] for ref, _ in search(searcher, query)]
        assert [titles[ref] for ref, _ in browser[query]] == python, query
        answers[query] = python
    return answers


def test_pasting_any_title_finds_that_paper_first(example_site: Path) -> None:
    """Every title of the example site, as pasted (colons, question marks, hyphens and all)."""
    payload = read_payload(example_site / "site/search-index.js")
    titles = [d.title for d in payload.docs]
    assert len(titles) >= 230 and any(":" in t for t in titles)
    answers = both_sides(example_site, titles)
    assert [t for t in titles if answers[t][:1] != [t]] == []


def test_query_syntax_applies_only_where_it_parses_with_real_fields(example_site: Path) -> None:
    answers = both_sides(example_site, ["CBAM: Convolutional Block Attention Module", "cbam:", "x^y learning", "graph~x",
                                        "title:registers", "+attention -vision", "notafield:vision", "trans*", "~", "^", ":", "*"])
    assert answers["CBAM: Convolutional Block Attention Module"][0] == "CBAM: Convolutional Block Attention Module"
    assert answers["cbam:"][0] == "CBAM: Convolutional Block Attention Module"
    assert answers["x^y learning"] and answers["graph~x"]
    assert answers["title:registers"] and all("register" in t.lower() for t in answers["title:registers"])
    assert answers["+attention -vision"] and all("vision" not in t.lower() for t in answers["+attention -vision"])
    assert answers["notafield:vision"] == both_sides(example_site, ["notafield vision"])["notafield vision"]
    result = run_sitegen("search", "CBAM: Convolutional Block Attention Module", "-s", example_site, "-n", "1")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.splitlines()[0].endswith("CBAM: Convolutional Block Attention Module")


def test_a_giant_word_is_matched_exactly_at_once_on_both_sides(example_site: Path) -> None:
    """Typo tolerance on a pasted 3,000-letter "word" took a minute and 1.5 GB: past 64 letters, exact only."""
    giant = "a" * 3000
    answers = both_sides(example_site, [giant, f"{giant}~2", f"registers {giant}"])
    assert answers[giant] == [] and answers[f"{giant}~2"] == []
    assert "Vision Transformers Need Registers" in answers[f"registers {giant}"]
    result = run_sitegen("search", "-s", example_site, "b" * 100_000)
    assert result.returncode == 0 and result.stderr == "no results\n"


def test_a_huge_edit_distance_is_capped_on_both_sides(example_site: Path) -> None:
    """`graph~99` would make lunr expand every term of the index (minutes, gigabytes): it means `graph~2`."""
    answers = both_sides(example_site, ["graph~99", "graph~2"])
    assert answers["graph~99"] == answers["graph~2"] and answers["graph~2"]
    result = run_sitegen("search", "graph~99", "-s", example_site, "-n", "3")
    assert result.returncode == 0 and result.stderr == "" and len(result.stdout.splitlines()) == 6


ENTRIES = {
    "Imagery Streams for Scene Parsing": "We parse scenes from video streams with a recurrent network and report segmentation accuracy on urban driving benchmarks.",
    "Decoding Brain Signals with Covariance Geometry": "Motor imagery decoding from EEG uses Riemannian geometry on covariance matrices, evaluated on public datasets.",
    "Generative Adversarial Networks for Faces": "A generative adversarial network generates faces; generation quality improves with a new discriminator loss.",
    "Invariant Risk Minimization Revisited": "We study generalization out of distribution and show when invariant predictors generalize to new environments.",
    "WiSE-FT: Robust Fine-Tuning of Zero-Shot Models": "Weight-space ensembles of fine-tuned and zero-shot models improve robustness under distribution shift.",
    "Wise Choices for Ft Sensors": "Sensor placement choices for force-torque sensors, called ft sensors, with a wise heuristic.",
    "Cross Attention in Video Models": "Cross attention links frames of a video; we measure what it attends to in detail.",
    "Vision Transformers Need Registers": "Artifacts in feature maps of vision transformers vanish when register tokens are added to the input sequence.",
    "Sparse Coding of Natural Images": "A sparse code of natural image patches learns oriented filters similar to simple cells.",
    "Filters for Images Learned from Natural Sparse Codes": "Natural images, codes and learned filters, each studied on its own in separate experiments.",
}


@pytest.fixture(scope="module")
def ranking_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = write_site(tmp_path_factory.mktemp("ranking"), {
        "content/lists/ranking.txt": "".join(f"{title}\n\n{abstract}\n\n" for title, abstract in ENTRIES.items())})
    assert run_sitegen("build", "-s", site).returncode == 0
    return site


def test_a_paper_that_has_every_word_of_the_query_ranks_above_one_with_a_title_word(ranking_site: Path) -> None:
    answers = both_sides(ranking_site, ["motor imagery riemannian", "natural sparse codes"])
    assert answers["motor imagery riemannian"][0] == "Decoding Brain Signals with Covariance Geometry"
    assert "Imagery Streams for Scene Parsing" not in answers["motor imagery riemannian"]  # one word of three is no match
    # A phrase in the title ranks above the same words scattered.
    assert answers["natural sparse codes"][:1] == ["Filters for Images Learned from Natural Sparse Codes"]


def test_stemming_keeps_unrelated_words_apart(ranking_site: Path) -> None:
    assert index_terms("generalization") != index_terms("generative")
    assert index_terms("visualization") != index_terms("visual")
    assert index_terms("registers learned studies") == index_terms("register learning study")
    british, american = "normalisation modelling colours analysed labelled optimising", "normalization modeling colors analyzed labeled optimizing"
    assert index_terms(british) == index_terms(american)
    assert index_terms("tell spelling hour contour four") == ["tell", "spell", "hour", "contour", "four"]
    answers = both_sides(ranking_site, ["out-of-distribution generalization", "registers"])
    assert answers["out-of-distribution generalization"][0] == "Invariant Risk Minimization Revisited"
    assert "Generative Adversarial Networks for Faces" not in answers["out-of-distribution generalization"]
    assert answers["registers"] == ["Vision Transformers Need Registers"]


def test_stop_words_are_ignored_never_fuzzed(ranking_site: Path) -> None:
    answers = both_sides(ranking_site, ["across", "attention across video", "the of and"])
    assert answers["across"] == [] and answers["the of and"] == []
    assert answers["attention across video"][0] == "Cross Attention in Video Models"
    assert index_terms("across the") == []


def test_hyphenated_names_are_found_whole_first(ranking_site: Path) -> None:
    assert "wiseft" in index_terms("WiSE-FT")
    answers = both_sides(ranking_site, ["WiSE-FT", "wiseft"])
    assert answers["WiSE-FT"][0] == "WiSE-FT: Robust Fine-Tuning of Zero-Shot Models"
    assert answers["wiseft"] == ["WiSE-FT: Robust Fine-Tuning of Zero-Shot Models"]


def test_one_edit_typos_of_long_words_find_the_paper(ranking_site: Path) -> None:
    answers = both_sides(ranking_site, ["regsters", "sprase", "transfomers need", "imgs"])
    assert answers["regsters"] == ["Vision Transformers Need Registers"]
    assert answers["sprase"][0] in ("Sparse Coding of Natural Images", "Filters for Images Learned from Natural Sparse Codes")
    assert answers["transfomers need"][0] == "Vision Transformers Need Registers"
    assert answers["imgs"] == []  # too short to guess at


def test_quoted_phrases_require_their_words(ranking_site: Path) -> None:
    answers = both_sides(ranking_site, ['"sparse" images', '\u201cmotor imagery\u201d', '"natural images"'])
    assert set(answers['"sparse" images']) == {"Sparse Coding of Natural Images", "Filters for Images Learned from Natural Sparse Codes"}
    assert answers['\u201cmotor imagery\u201d'] == ["Decoding Brain Signals with Covariance Geometry"]
    assert set(answers['"natural images"']) == {"Sparse Coding of Natural Images", "Filters for Images Learned from Natural Sparse Codes"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list('ab:*~^+-" \u201c\u201dtitle1é')), max_size=20))
def test_no_text_makes_search_fail(ranking_site: Path, text: str) -> None:
    search(load_searcher(ranking_site / "site/search-index.js"), text)


def test_no_text_makes_the_browser_search_fail(ranking_site: Path) -> None:
    texts = ["a:b:c", "title:", "+", "-", "*a", "a~~", "a^^1", '"', '""', "\u201c", "title:a:b", "::", "+-a", "a -", "regist\t", "regist\u00a0", "regist "]
    texts.append(" ".join(f"{title} {abstract}" for title, abstract in ENTRIES.items()))  # more words than a rank counts
    both_sides(ranking_site, texts)


def test_authors_are_a_field_and_plain_names_find_them(tmp_path: Path) -> None:
    """Authors come from the metadata stage (PaperPage.authors); the index makes them a field."""
    def page(slug: str, title: str, abstract: str, authors: tuple[str, ...]) -> PaperPage:
        return PaperPage(slug=slug, path=tmp_path / f"{slug}.md", title=title, abstract=abstract, links=(), memberships=(),
                         auto_tags=(), user_tags=(), status="unread", notes="", authors=authors)
    pages = [page("dino", "Emerging Properties in Self-Supervised Vision Transformers", "Self-distillation without labels.",
                  ("Mathilde Caron", "Hugo Touvron")),
             page("caron", "Caron Wines and Vision", "A vineyard named Caron uses vision to sort grapes.", ("Ann Other",))]
    source = search_source(build_catalog(SiteConfig(), [], pages, ()))
    for file in index_files(build_search(source), source):
        (tmp_path / "site" / file.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "site" / file.path).write_bytes(file.content)
    answers = both_sides(tmp_path, ["author:caron", "mathilde caron", "touvron", "author:other", "title:caron"])
    assert answers["author:caron"] == ["Emerging Properties in Self-Supervised Vision Transformers"]
    assert answers["mathilde caron"][0] == "Emerging Properties in Self-Supervised Vision Transformers"
    assert answers["touvron"] == ["Emerging Properties in Self-Supervised Vision Transformers"]
    assert answers["title:caron"] == ["Caron Wines and Vision"]


# --- The search page in Chromium, from file:// -------------------------------------------------

NOTE = ("Read with the lab. The **oscilloscope analogy** in section 3 is what made it click for me; compare with "
        "[Darcet's talk](https://example.org/talk), and $\\sqrt{d}$.\n\n- Re-read section 4")


@pytest.fixture(scope="module")
def notes_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ranking site with the user's status and notes on two pages, as a user edits them."""
    site = write_site(tmp_path_factory.mktemp("notes"), {
        "content/lists/ranking.txt": "".join(f"{title}\n\n{abstract}\n\n" for title, abstract in ENTRIES.items()),
        "content/taxonomy.yml": "sparse-coding:\n  title: Sparse coding\n  phrases: [sparse]\nvision:\n  title: Vision\n  phrases: [vision, video, images]\n"})
    assert run_sitegen("build", "-s", site).returncode == 0, "first build"
    for slug, status, notes in [("vision-transformers-need-registers", "read", NOTE), ("sparse-coding-of-natural-images", "reading", "")]:
        page = site / "content/papers" / f"{slug}.md"
        page.write_text(page.read_text(encoding="utf-8").replace("status: unread", f"status: {status}") + notes + "\n", encoding="utf-8")
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    return site


def search_url(site: Path, query: str) -> str:
    return (site / "site/search/index.html").as_uri() + "?" + query


def test_on_a_phone_the_first_result_is_on_the_first_screen_and_filters_fold(notes_site: Path, page_of: Any) -> None:
    from playwright.sync_api import expect
    page = page_of(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(search_url(notes_site, "q=vision"))
    first = page.locator(".results .result").first
    expect(first).to_be_visible()
    search_drawn(page)  # measured and folded once the whole answer is drawn: the count above the results, the facets
    box = first.locator(".result-title").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    expect(page.locator("summary", has_text="Filters")).to_be_visible()
    expect(page.locator(".facet-tags")).to_be_hidden()
    page.locator("summary", has_text="Filters").click()
    expect(page.locator(".facet-tags label").first).to_be_visible()
    wide = page_of(viewport={"width": 1280, "height": 800})
    wide.goto(search_url(notes_site, "q=vision"))
    search_drawn(wide)
    expect(wide.locator(".facet-tags label").first).to_be_visible()  # open beside the results on a wide screen
    wide_box, result_box = wide.locator(".facets").bounding_box(), wide.locator(".results .result").first.bounding_box()
    assert wide_box is not None and result_box is not None and wide_box["x"] + wide_box["width"] <= result_box["x"]


def test_filters_and_sort_are_in_the_address_and_survive_a_reload(notes_site: Path, page_of: Any) -> None:
    from playwright.sync_api import expect
    page = page_of()
    page.goto(search_url(notes_site, "q=vision"))
    results = page.locator(".results .result")
    everything = search_drawn(page)  # every match drawn (the first few are drawn before the rest)
    assert everything > 1
    page.locator(".facet-status input[value=reading]").check()
    expect(results).to_have_count(1)
    expect(results.first.locator(".result-title")).to_have_text("Sparse Coding of Natural Images")
    expect(page.locator(".facet-status input[value=read]")).not_to_be_checked()  # alternatives stay on offer
    page.locator("#search-sort").select_option("title")
    for part in ("status=reading", "sort=title", "q=vision"):
        expect(page).to_have_url(re.compile(re.escape(part)))
    page.reload()
    expect(results).to_have_count(1)
    expect(page.locator(".facet-status input[value=reading]")).to_be_checked()
    expect(page.locator("#search-sort")).to_have_value("title")
    page.locator(".facet-status input[value=read]").check()  # status: any of those chosen
    expect(results).to_have_count(2)
    page.get_by_role("button", name="Clear filters").click()
    expect(results).to_have_count(everything)
    assert "status=" not in page.url


def test_a_chosen_filter_that_no_result_has_stays_and_can_be_cleared(notes_site: Path, page_of: Any) -> None:
    from playwright.sync_api import expect
    page = page_of()
    page.goto(search_url(notes_site, "q=registers&tag=sparse-coding"))
    chosen = page.locator(".facet-tags label", has_text="Sparse coding")
    expect(chosen).to_be_visible()
    expect(chosen.locator(".count")).to_have_text("0")
    expect(page.locator(".result-count")).to_have_text("No papers match. 1 more without the filters.")
    chosen.locator("input").click()
    expect(page.locator(".results .result")).to_have_count(1)
    assert "tag=" not in page.url


def test_facets_show_the_most_common_first_and_more_on_request(example_site: Path, page_of: Any) -> None:
    from playwright.sync_api import expect
    page = page_of()
    page.goto(search_url(example_site, "q=learning"))
    tags = page.locator(".facet-tags label")
    expect(tags).to_have_count(8)
    counts = [int(c) for c in page.locator(".facet-tags .count").all_inner_texts()]
    assert counts == sorted(counts, reverse=True)
    more = page.locator(".facet-tags .facet-more")
    expect(more).to_have_text(re.compile(r"^More \(\d+\)$"))
    hidden = int(more.inner_text().split("(")[1].rstrip(")"))
    more.click()
    # the facets are drawn again once the search has run again (asynchronously): wait for what a person sees
    expect(more).to_have_text("Fewer")
    expect(tags).to_have_count(8 + hidden)
    expect(tags.last).to_be_visible()


def test_a_match_in_the_notes_shows_the_note(notes_site: Path, page_of: Any) -> None:
    from playwright.sync_api import expect
    page = page_of()
    page.goto(search_url(notes_site, "q=oscilloscope"))
    result = page.locator(".results .result")
    expect(result).to_have_count(1)
    expect(result.locator(".note-snippet")).to_contain_text("Your note:")
    expect(result.locator(".note-snippet mark")).to_have_text("oscilloscope")
    expect(result.locator(".result-status")).to_have_text("read")
    page.goto(search_url(notes_site, "q=registers"))
    expect(page.locator(".results .snippet").first).not_to_contain_text("Your note:")


def test_a_pasted_title_with_syntax_characters_is_found_on_the_page(example_site: Path, page_of: Any) -> None:
    from playwright.sync_api import expect
    page = page_of()
    page.goto(search_url(example_site, ""))
    page.fill("#search-page-input", "CBAM: Convolutional Block Attention Module")
    expect(page.locator(".results .result-title").first).to_have_text("CBAM: Convolutional Block Attention Module")
    expect(page.locator(".result-count")).to_have_text(re.compile(r"^(1 paper matches|[\d,]+ papers match)\.$"))  # not "not understood"


def test_a_note_is_searched_and_shown_as_the_words_a_reader_sees(notes_site: Path) -> None:
    """Markdown's marks, link targets and math commands are neither matched nor shown in a result's snippet."""
    payload = read_payload(notes_site / "site/search-index.js")
    shown = [doc.notes for doc in payload.docs if doc.notes]
    assert shown == ["Read with the lab. The oscilloscope analogy in section 3 is what made it click for me; compare with "
                     "Darcet’s talk, and √{d}. Re-read section 4"]
    assert "example" not in payload.terms and "sqrt" not in payload.terms


# --- Shards: results never depend on how the index is cut -----------------------------------------

LAYOUTS = {"tiny": 1, "small": 3_000, "whole": 10**9}  # shard bytes: one item a shard, a few dozen items, everything in one


@pytest.fixture(scope="module")
def layouts(example_site: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example site's index cut three ways (the payload `build_search` made, as the build writes it)."""
    payload = read_payload(example_site / "site/search-index.js")
    source = search_source(build_catalog(SiteConfig(), [], [], ()))
    sites = {}
    for name, shard_bytes in LAYOUTS.items():
        site = tmp_path_factory.mktemp(f"layout-{name}")
        for file in index_files(payload, source, dict.fromkeys(SHARD_BYTES, shard_bytes)):
            (site / file.path).parent.mkdir(parents=True, exist_ok=True)
            (site / file.path).write_bytes(file.content)
        assert read_payload(site / "search-index.js") == payload, name
        sites[name] = site
    counts = {name: len(list((site / "search-index").iterdir())) for name, site in sites.items()}
    assert counts["tiny"] > 2000 and counts["small"] > 50 and counts["whole"] == 5, counts
    return sites


def query_texts(terms: list[str]) -> st.SearchStrategy[str]:
    """Words of the index as a user types them: whole, cut short, with a typo, in lunr's syntax, quoted."""
    word = st.sampled_from(terms)
    typo = st.tuples(word, st.integers(0, 20)).map(lambda t: t[0][: t[1]] + t[0][t[1] + 1:])
    prefix = st.tuples(word, st.integers(1, 8)).map(lambda t: t[0][: t[1]])
    piece = st.one_of(word, typo, prefix, word.map(lambda w: f"title:{w}"), word.map(lambda w: f"+{w}"), word.map(lambda w: f"-{w}"),
                      word.map(lambda w: f"{w}*"), word.map(lambda w: f"{w}~1"), st.tuples(word, word).map(lambda t: f'"{t[0]} {t[1]}"'),
                      st.sampled_from(["the", "a", "of", "vision", "learning"]))
    return st.lists(piece, min_size=1, max_size=4).map(" ".join)


def test_python_results_are_the_same_however_the_index_is_cut(layouts: dict[str, Path]) -> None:
    """`sitegen search` reads only the shards a query needs: the same papers and the same float scores
    from one item a shard as from one shard holding everything."""
    searchers = {name: load_searcher(site / "search-index.js") for name, site in layouts.items()}
    terms = searchers["whole"].terms

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(query_texts(terms))
    def same(text: str) -> None:
        whole = search(searchers["whole"], text)
        assert search(searchers["tiny"], text) == whole, text
        assert search(searchers["small"], text) == whole, text
    same()
    tiny = searchers["tiny"]
    assert len(tiny.index.shards) < len(list((layouts["tiny"] / "search-index").iterdir())) / 2  # read on demand, not all


def test_the_browser_returns_the_same_however_the_index_is_cut_and_loads_only_what_a_query_needs(layouts: dict[str, Path]) -> None:
    """search-core.js, in node, on each cut of the index: the same (ref, score) lists as Python's, and a
    fresh page loads only the shards of the terms its query expands to (and one `typed` shard), each once."""
    searcher = load_searcher(layouts["whole"] / "search-index.js")
    terms = searcher.terms
    rng = random.Random(7)
    queries = sorted({" ".join(rng.choice([w, w[: rng.randint(1, 6)], f"title:{w}", f"+{w}", f"-{w}", f"{w}*", f"{w[:-1]}~1", f'"{w}"'])
                      for w in rng.sample(terms, rng.randint(1, 3))) for _ in range(250)} | set(QUERIES))
    python = {query: search(searcher, query) for query in queries}
    answers = {name: node_query(site, queries=queries) for name, site in layouts.items()}
    for name, answer in answers.items():
        assert answer["results"] == answers["whole"]["results"], name  # the same floats, whatever the cut
    # lunr.js and lunr.py may differ in the last bits of a logarithm: the same papers, scores to 1e-9.
    browser = answers["whole"]["results"]
    mismatched = [q for q in queries if [r for r, _ in browser[q]] != [r for r, _ in python[q]]
                  or any(abs(a - b) > 1e-9 for (_, a), (_, b) in zip(browser[q], python[q]))]
    assert mismatched == []
    # The page asks for the best few, then the rest of a page, picked from the matches without ranking them
    # all: the same as the start of the whole ranking, also among the matches a filter keeps.
    for query in queries:
        refs = [r for r, _ in browser[query]]
        assert answers["whole"]["pages"][query] == refs[:50], query
        assert answers["whole"]["even"][query] == [r for r in refs if r % 2 == 0][:20], query
    assert sum(len(browser[q]) > 50 for q in queries) > 10  # more matches than a page, often
    tiny = load_searcher(layouts["tiny"] / "search-index.js")
    for query in ["registers", "vision transformer", "transf", "atention"]:
        loaded = answers["tiny"]["loaded"][query]
        needed = {tiny.number[t] for clause in clauses_of(tiny, query) for t in tiny.expand(clause)}
        assert sorted(n for n in loaded if n.startswith("terms-")) == sorted(f"terms-{n}" for n in needed), query  # one term a shard
        assert len(loaded) == len(set(loaded)), query  # each shard once
        assert not any(n.startswith(("docs-", "facets-")) for n in loaded), query  # ranking reads no doc
        assert sum(n.startswith("typed-") for n in loaded) <= 1, query


def shards_of(site: Path, query: str) -> set[str]:
    """The term shards a query's clauses expand to, as `sitegen search` works them out."""
    searcher = load_searcher(site / "site/search-index.js")
    starts = searcher.base["shards"]["terms"]
    return {f"terms-{bisect.bisect_right(starts, searcher.number[t]) - 1}" for clause in clauses_of(searcher, query) for t in searcher.expand(clause)}


def clauses_of(searcher: Searcher, text: str) -> list[Clause]:
    """The lunr clauses a text makes (lunr's syntax, or its words)."""
    query = parse(searcher, text).query
    return query.clauses if query else []


def test_a_query_from_file_loads_only_the_shards_it_needs(example_site: Path, page_of: Any) -> None:
    from playwright.sync_api import expect
    page = page_of()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(search_url(example_site, "q=registers"))
    expect(page.locator(".results .result-title").first).to_have_text(both_sides(example_site, ["registers"])["registers"][0])
    search_drawn(page)  # the last of it (the facets' counts) drawn: every script the query needs has loaded
    shards = sorted(Path(url).name.removesuffix(".js") for url in requested if "/search-index/" in url)
    every = sorted(p.name.removesuffix(".js") for p in (example_site / "site/search-index").iterdir())
    assert len(requested) == len(set(requested))  # each script once
    assert [s for s in shards if s.startswith("terms-")] == sorted(shards_of(example_site, "registers"))
    # The facets for the counts, the one `typed` shard, the docs of the results shown.
    assert "facets-0" in shards and sum(s.startswith("typed-") for s in shards) == 1 and any(s.startswith("docs-") for s in shards)
    assert len(shards) < len(every) / 2, shards
    loaded = len(requested)
    with redrawn(page.locator(".results .result"), page.locator(".facet-status label")):  # the sorted answer, drawn whole
        page.locator("#search-sort").select_option("title")  # papers are numbered in title order: nothing more to load
    expect(page).to_have_url(re.compile("sort=title"))
    search_drawn(page)
    shown = page.locator(".results .result-title").all_inner_texts()
    assert len(shown) > 1 and shown == sorted(shown, key=lambda t: t.casefold())
    assert [url for url in requested[loaded:] if "/search-index" in url] == []


def test_typing_fast_shows_the_newest_query_even_when_an_older_one_ends_later(example_site: Path, page_of: Any) -> None:
    """The first query's term shard is held back until the second's results are drawn; once it has loaded
    (and every shard script its query went on to ask for), the second's results still stand."""
    from playwright.sync_api import expect
    slow = shards_of(example_site, "registers")
    fast = next(q for q in ["attention", "graph", "diffusion", "language", "reward"] if not shards_of(example_site, q) & slow)
    page = page_of()
    page.add_init_script("""(() => {
      const slow = %s;
      const append = Node.prototype.appendChild;
      window.heldShards = [];
      Node.prototype.appendChild = function (child) {
        if (child.tagName === "SCRIPT" && child.src.includes("/search-index")) {
          child.addEventListener("load", () => { child.dataset.loaded = "yes"; });
          if (slow.some((name) => child.src.endsWith("/search-index/" + name + ".js"))) {
            window.heldShards.push(() => append.call(this, child));
            return child;
          }
        }
        return append.call(this, child);
      };
    })();""" % json.dumps(sorted(slow)))
    page.goto(search_url(example_site, ""))
    box = page.locator("#search-page-input")
    box.fill("registers")
    page.wait_for_function("() => window.heldShards.length > 0")
    box.fill(fast)
    expected = both_sides(example_site, [fast])[fast]
    first = page.locator(".results .result-title").first
    expect(first).to_have_text(expected[0])
    page.evaluate("() => window.heldShards.forEach((release) => release())")
    # The held query has ended once every index script asked for has loaded: it drew nothing.
    page.wait_for_function("() => [...document.scripts].filter((s) => s.src.includes('/search-index')).every((s) => s.dataset.loaded === 'yes')")
    expect(first).to_have_text(expected[0])
    expect(page.locator(".result-count")).to_contain_text(f"{len(expected)} paper")
    assert "Vision Transformers Need Registers" not in page.locator(".results").inner_text() or "Vision Transformers Need Registers" in expected[:50]


def test_a_word_repeated_past_the_last_code_point_is_indexed_not_an_internal_error(tmp_path: Path) -> None:
    """A field's counts are kept as one character a term: a word found more than 1,114,111 times in one abstract (a
    hostile or broken paste) made `chr` fail, an internal error; it counts as the most a count can be, and is found."""
    site = write_site(tmp_path, {"content/lists/week.txt": "Daily Papers\n\nRepeated Word Paper\n\n" + "echo " * 1_150_000 + "\n"})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    found = run_sitegen("search", "-s", site, "echo")
    assert found.returncode == 0 and "Repeated Word Paper" in found.stdout, found.stdout + found.stderr
