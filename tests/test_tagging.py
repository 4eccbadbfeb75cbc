"""The taxonomy and the tagger: surface-form matching, acronyms, `not` phrases, scores, the labelled set, order."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import exported_papers, paper_text, run_sitegen, write_site
from sitegen.catalog import effective_tags
from sitegen.errors import SourceError
from sitegen.records import Membership, PaperPage, TagMatch, TagRule
from sitegen.tagging import MAX_TAGS, MIN_SCORE, Words, acronym_forms, candidates_of, load_taxonomy, phrase_trie, phrase_words, tag_pages

REPO = Path(__file__).resolve().parent.parent
TAXONOMY = REPO / "content" / "taxonomy.yml"
LABELS = Path(__file__).parent / "tagging_labels.json"  # hand labels of 140 example papers, copied from the issue
GENERIC = {"learning", "model", "models", "deep-learning", "neural-networks", "machine-learning", "method", "paper", "data", "ai", "research"}
# Figures the default taxonomy reaches on the labelled set (benchmarks/tag_quality.py prints them); a change may not go below.
LABELLED_FLOOR = {"precision": 0.875, "recall": 0.815, "key_hit": 0.95}


def default_rules() -> tuple[TagRule, ...]:
    return load_taxonomy(TAXONOMY, TAXONOMY.read_text(encoding="utf-8"))


def page(title: str, abstract: str = "", slug: str = "p") -> PaperPage:
    return PaperPage(slug, Path(f"{slug}.md"), title, abstract, (), (Membership("l", 1, None),), (), (), "unread", "")


def tags_of(title: str, abstract: str = "", rules: tuple[TagRule, ...] | None = None) -> dict[str, TagMatch]:
    [tagged] = tag_pages([page(title, abstract)], default_rules() if rules is None else rules)
    return {m.tag: m for m in tagged.auto_tags}


def rule(slug: str, *phrases: str, excluded: tuple[str, ...] = ()) -> TagRule:
    return TagRule(slug, slug, "", phrases, excluded)


def test_default_taxonomy_keeps_the_labelled_slugs_and_has_no_generic_tag() -> None:
    slugs = {r.slug for r in default_rules()}
    labelled = {t for p in json.loads(LABELS.read_text(encoding="utf-8"))["papers"] for t in p["tags"]}
    assert labelled <= slugs
    assert len(slugs) >= 25 and not slugs & GENERIC
    assert all(r.description for r in default_rules())


def norm_title(title: str) -> str:
    return re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", title).casefold()).strip()


def test_labelled_papers_of_the_example_site_get_their_tags(example_site: Path) -> None:
    """The built site's papers.json against the hand labels: precision, recall, key tag, tags per paper."""
    papers = json.loads((example_site / "site" / "papers.json").read_text(encoding="utf-8"))
    papers = papers["papers"] if isinstance(papers, dict) else papers
    auto = {norm_title(p["title"]): set(p["auto_tags"]) for p in papers}
    labels = json.loads(LABELS.read_text(encoding="utf-8"))["papers"]
    right = given_tags = labelled_tags = key_hits = 0
    for label in labels:
        found, gold = auto[norm_title(label["title"])], set(label["tags"])
        right += len(found & gold)
        given_tags += len(found)
        labelled_tags += len(gold)
        key_hits += label["key_tag"] in found
    assert right / given_tags >= LABELLED_FLOOR["precision"]
    assert right / labelled_tags >= LABELLED_FLOOR["recall"]
    assert key_hits / len(labels) >= LABELLED_FLOOR["key_hit"]
    assert given_tags / len(labels) <= 2.5
    assert max(len(tags) for tags in auto.values()) <= MAX_TAGS
    # no tag so broad that it says nothing: none on more than a quarter of all papers
    for slug in {t for tags in auto.values() for t in tags}:
        assert sum(slug in tags for tags in auto.values()) <= len(papers) / 4, slug


def test_a_word_in_passing_is_never_a_papers_only_tag() -> None:
    """One mention outside the title and first sentence, even in a sentence saying what the paper does, decides nothing alone."""
    rules = (rule("speech-and-audio", "speech sounds"), rule("compression", "information bottleneck"))
    abstract = ("Deep networks compress their inputs. Our analysis covers many layers. "
                "We show that the codes also separate speech sounds from noise.")
    assert tags_of("Learning compact codes", abstract, rules) == {}
    assert set(tags_of("Learning compact codes", abstract + " Speech sounds are kept apart by each code.", rules)) == {"speech-and-audio"}


def test_a_paper_that_states_its_topic_first_gets_that_tag_however_common_the_phrase() -> None:
    """A phrase in most papers weighs little, yet a paper whose first sentence names it and nothing else is tagged with it."""
    rules = (rule("convolutional-networks", "convolutional neural network"), rule("speech-and-audio", "speech"))
    common = [page(f"Study {i}", "We train models. Each convolutional neural network is trained twice.", f"p{i}") for i in range(40)]
    lead = page("High-performance networks for visual classification",
                "We present a fast GPU implementation of convolutional neural network variants. Training is fast.", "cnn")
    tagged = {p.slug: p for p in tag_pages([*common, lead], rules)}
    assert [m.tag for m in tagged["cnn"].auto_tags] == ["convolutional-networks"]
    assert tagged["p0"].auto_tags == ()  # the same phrase once, in passing, in a paper that says nothing else


def test_no_paper_gets_more_than_three_tags() -> None:
    rules = tuple(rule(name, name) for name in ("alpha", "beta", "gamma", "delta"))
    assert list(tags_of("Alpha beta gamma delta", "", rules)) == ["alpha", "beta", "delta"]  # four topics, equally strong
    assert MAX_TAGS == 3


@pytest.mark.parametrize(("text", "wrong_tag"), [
    ("We derive optimal step sizes and show how to optimize them.", "optimization"),  # optimal/optimize ≠ optimizer
    ("By contrast, wide networks converge. In contrast to prior work, we do not.", "contrastive-learning"),
    ("We annotate video clips and audio clips with clip-level labels.", "contrastive-learning"),  # clips ≠ CLIP
    ("We transform the inputs and transform the outputs before training.", "transformers"),
    ("We study color and color constancy in color images.", "low-level-vision"),  # color ≠ colorization
    ("We give recommendations for practitioners and recommendations for reviewers.", "recommender-systems"),
])
def test_words_that_only_share_a_stem_do_not_tag(text: str, wrong_tag: str) -> None:
    assert wrong_tag not in tags_of("A study", text)


@pytest.mark.parametrize(("text", "wrong_tag"), [
    ("The problem has attracted much attention. It has drawn increasing attention from researchers.", "transformers"),
    ("We vary the depth of the network. Greater depth helps, and depth matters.", "3d-vision"),
    ("Anomaly detection on logs. Our anomaly detection finds faults; detection is fast.", "object-detection"),
    ("We model temporal structure. Temporal context is key, and temporal order matters.", "time-series"),
    ("Inductive bias shapes learning. The bias of the estimator and the bias term vanish.", "robustness"),
    ("A robust method. Results are robust to seeds and robust to noise.", "robustness"),
    ("We mask tokens. The mask ratio and the mask shape matter.", "segmentation"),
    ("We build a graph of concepts. The graph is sparse and the graph is small.", "graph-neural-networks"),
    ("It helps on downstream tasks. Each downstream task improves and downstream tasks are many.", "transfer-learning"),
])
def test_everyday_and_generic_words_do_not_tag(text: str, wrong_tag: str) -> None:
    assert wrong_tag not in tags_of("A study", text)


def test_an_evaluation_dataset_is_not_the_topic() -> None:
    tags = tags_of("Sparse autoencoders for interpretability",
                   "We train sparse autoencoders and evaluate on ImageNet and CIFAR-10. ImageNet features and CIFAR images.")
    assert "image-classification" not in tags
    assert "sparse-autoencoders" in tags


def test_a_phrase_never_spans_title_and_abstract_nor_a_sentence() -> None:
    rules = (rule("feature-selection", "feature set"),)
    assert tags_of("High-dimensional Features", "Set representation with polynomial width.", rules) == {}
    assert tags_of("A study", "We learn features. Set representation follows. Features, set aside.", rules) == {}
    assert "feature-selection" in tags_of("Optimizing the Feature Set", "", rules)


def test_acronyms_match_with_their_capitals_and_a_plural() -> None:
    rules = (rule("contrastive-learning", "CLIP"), rule("vision-transformers", "ViT"), rule("3d-vision", "3D"))
    assert set(tags_of("CLIP features for ViTs in 3D", "", rules)) == {"contrastive-learning", "vision-transformers", "3d-vision"}
    assert tags_of("Clip features for vits in 3d", "We clip gradients. We clip them again.", rules) == {}


def test_ordinary_words_match_ignoring_case_hyphens_and_a_plural_only() -> None:
    rules = (rule("object-detection", "object detector"), rule("self-supervised", "self-supervised"))
    tags = tags_of("Training Object Detectors with Self Supervised pretraining", "", rules)
    assert set(tags) == {"object-detection", "self-supervised"}
    assert tags["object-detection"].evidence[0].words == "Object Detectors"
    assert tags_of("Objective detection and detecting objects", "", rules) == {}


def test_not_phrases_exclude_a_match_only_where_they_stand() -> None:
    rules = (rule("contrastive-learning", "contrastive", "contrast", excluded=("by contrast",)),)
    assert tags_of("A study", "By contrast, it fails. By contrast, it works.", rules) == {}
    assert "contrastive-learning" in tags_of("By contrast, a contrastive method", "", rules)


def test_a_title_match_or_repeated_evidence_is_needed_and_the_best_three_are_kept() -> None:
    rules = (rule("alpha", "alpha"), rule("beta", "beta", "b-net"), rule("gamma", "gamma"), rule("delta", "delta", "d-net"),
             rule("epsilon", "epsilon"), rule("zeta", "zeta", "z-net"))
    tags = tags_of("Alpha", "Some context first. Beta and b-net once. Gamma twice, gamma. Delta, d-net and delta again, delta. "
                   "Epsilon, epsilon, epsilon. Zeta and z-net once.", rules)
    # best first: 4 mentions of two phrases, 3 of one phrase (less 0.5), a title match, then beta (two phrases, 2) by name
    # on a tie with alpha and zeta, but a paper keeps three; gamma (one phrase twice, 1.5) is too weak
    assert [(t, m.score) for t, m in tags.items()] == [("delta", 4.0), ("epsilon", 2.5), ("alpha", 2.0)]
    assert "gamma" not in tags_of("A study", "Some context first. Beta and b-net once. Gamma twice, gamma.", rules)
    # a paper with no strong tag keeps its best weak one rather than none, if it reaches 1 through more than one mention
    assert [(t, m.score) for t, m in tags_of("A study", "Some context first. Gamma twice, gamma.", rules).items()] == [("gamma", 1.5)]
    assert tags_of("A study", "Some context first. Gamma once.", rules) == {}


def test_a_third_tag_far_below_the_best_is_left_out() -> None:
    rules = (rule("main", "main", "core"), rule("side", "side"), rule("other", "other"))
    tags = tags_of("Main core other", "Main and core lead here, main again. Side, side and side.", rules)
    assert [(t, m.score) for t, m in tags.items()] == [("main", 10.0), ("side", 2.5)]  # other's 2 is under a quarter of 10
    assert list(tags_of("Main other", "Some context first. Side, side and side.", rules)) == ["side", "main", "other"]


def test_a_tag_named_in_the_first_sentence_applies_on_weaker_evidence() -> None:
    rules = (rule("lead", "alpha"), rule("main", "beta"), rule("later", "gamma"))
    tags = tags_of("A study", "Alpha leads here. Beta is strong, beta again and beta. Gamma, gamma.", rules)
    # alpha once in the first sentence (2, less 0.5 for one phrase) applies at 1.5; gamma twice further on (the same 1.5) does not
    assert [(t, m.score) for t, m in tags.items()] == [("main", 2.5), ("lead", 1.5)]
    assert list(tags_of("A study", "Some context first. Alpha here. Beta is strong, beta again and beta.", rules)) == ["main"]
    # a first-sentence phrase the site shares with two other papers weighs 0.79 there: 1.08 is too little
    pages = [page("Beta", "Alpha leads here.", "last"), page("A", "Alpha leads here.", "a"), page("B", "Alpha leads here.", "b")]
    [last] = [p for p in tag_pages(pages, rules) if p.slug == "last"]
    assert [(m.tag, m.score) for m in last.auto_tags] == [("main", 2.0)]


def test_the_first_sentence_and_what_the_paper_does_weigh_more() -> None:
    rules = (rule("x", "alpha"),)
    lead = tags_of("A study", "Alpha leads here. Then alpha again.", rules)["x"]
    assert lead.score == 2.5  # 2 for the first sentence, 1 for the other mention, less 0.5 for one phrase in the abstract only
    assert [e.place for e in lead.evidence] == ["first sentence", ""]
    assert tags_of("A study", "Some context first. Alpha here. Then alpha again.", rules)["x"].score == 1.5
    for claim in ("We propose alpha here.", "In this paper, alpha is studied.", "We first introduce alpha."):
        found = tags_of("A study", f"Some context first. {claim} Then alpha again.", rules)["x"]
        assert found.score == 2.0 and found.evidence[0].place == "what the paper does", claim


def test_a_word_ending_matches_the_end_of_a_model_name_as_written() -> None:
    rules = (rule("transformers", "-Former"), rule("3d-vision", "-NeRF"))
    tags = tags_of("VSFormer and EmerNeRF", "", rules)
    assert set(tags) == {"transformers", "3d-vision"} and tags["transformers"].evidence[0].words == "VSFormer"
    assert set(tags_of("SegFormers with StyleNeRF2", "", rules)) == {"transformers", "3d-vision"}  # a plural, a version
    assert tags_of("Former work on NeRF", "The former approach. A transformer and a Transformer, or a FORMER.", rules) == {}


def test_a_phrase_common_to_most_papers_weighs_less() -> None:
    rules = (rule("common", "network"), rule("rare", "hypergraph"))
    pages = [page(f"Paper {i}", "A network. Another network.", f"p{i}") for i in range(200)]
    pages.append(page("Last", "Some context first. A network and a hypergraph. The network, the hypergraph.", "last"))
    tagged = {p.slug: {m.tag: m.score for m in p.auto_tags} for p in tag_pages(pages, rules)}
    assert tagged["last"]["rare"] == 1.5  # two mentions at full weight, less 0.5 for one phrase in the abstract only
    assert "common" not in tagged["p0"]


def test_a_few_percent_more_papers_move_no_other_paper_s_score() -> None:
    """A new list re-renders what it adds, not the library: a phrase's weight counts its papers, and the library's,
    to within a factor of two (counted exactly, 50 papers added to 10,000 changed the tags or printed score of 1
    paper page in 7)."""
    rules = (rule("graphs", "graph network"), rule("rare", "hypergraph"))
    library = ([page(f"Paper {i}", "A graph network here. Another graph network.", f"p{i}") for i in range(300)]
               + [page(f"Other {i}", "Nothing here.", f"o{i}") for i in range(600)])
    more = [page(f"New {i}", "A graph network, and a hypergraph.", f"n{i}") for i in range(30)]
    before, after = candidates_of(library, rules), candidates_of(library + more, rules)
    assert before["p0"][0].score < 2  # a common phrase: it weighs less than 1
    assert all(after[p.slug] == before[p.slug] for p in library)


def test_on_a_small_site_a_phrase_of_one_paper_keeps_its_weight_and_a_shared_one_weighs_less() -> None:
    rules = (rule("rare", "hypergraph"),)
    text = "Some context first. A hypergraph, the hypergraph."
    for n in (1, 5, 40):
        pages = [page("Last", text, "last")] + [page(f"P{i}", "Nothing here.", f"p{i}") for i in range(n - 1)]
        [score] = [m.score for p in tag_pages(pages, rules) if p.slug == "last" for m in p.auto_tags]
        assert score == 1.5, n  # two mentions at full weight, less 0.5 for one phrase in the abstract only
    shared = [p.auto_tags for p in tag_pages([page(f"P{i}", text, f"p{i}") for i in range(5)], rules)]
    assert all(0 < m.score < 1.5 for tags in shared for m in tags)


def test_the_reason_shows_the_words_in_context() -> None:
    words = " ".join(f"w{i}" for i in range(20))
    [found] = tags_of("A study", f"{words} Vision Transformers {words}. Vision transformers again.")["vision-transformers"].evidence[:1]
    assert (found.in_title, found.words) == (False, "Vision Transformers")
    assert found.before == "…w14 w15 w16 w17 w18 w19 " and found.after == " w0 w1 w2 w3 w4 w5…"


TITLES = ["Vision Transformers Need Registers", "Sparse Autoencoders for Language Models", "Anomaly detection in video",
          "Feature Pyramid Networks for Object Detection", "Contrastive learning of visual representations",
          "A theory of neural collapse", "Click-through rate prediction with feature interactions"]
ABSTRACTS = ["We study attention maps of ViTs and self-attention.", "We prove a generalization bound for overparameterized networks.",
             "Knowledge distillation and pruning make models efficient.", "By contrast, CLIP embeddings are multimodal.",
             "Medical image segmentation with CNNs. CT scans."]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(TITLES), st.sampled_from(ABSTRACTS)), min_size=1, max_size=8), st.randoms())
def test_tags_do_not_depend_on_the_order_of_papers(texts: list[tuple[str, str]], random: object) -> None:
    pages = [page(t, a, f"p{i}") for i, (t, a) in enumerate(texts)]
    shuffled = list(pages)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    rules = default_rules()
    assert {p.slug: p.auto_tags for p in tag_pages(pages, rules)} == {p.slug: p.auto_tags for p in tag_pages(shuffled, rules)}


def test_user_tags_add_and_a_leading_dash_removes_an_automatic_tag() -> None:
    page = PaperPage("p", Path("p.md"), "T", "", (), (), (TagMatch("a", ("x",)), TagMatch("b", ("y",))), ("-b", "To Cite"), "unread", "")
    assert effective_tags(page) == ("a", "to-cite")


@pytest.mark.parametrize(("text", "line", "message"), [
    ("good:\n  phrases: [x]\nBad Tag:\n  phrases: [y]\n", 3, "tag 'Bad Tag' must be lower-case words joined by '-' (try 'bad-tag')"),
    ("a:\n  phrases: [x]\nb:\n  phrase: [y]\n", 3, "tag 'b': unknown key 'phrase'"),
    ("a:\n  phrases: []\n", 1, "'phrases' must be a list of words or phrases"),
    ("a:\n  phrases: [x]\n  not: by contrast\n", 1, "tag 'a': 'not' must be a list of words or phrases"),
    ("a:\n  phrases: [x\n", 2, "the '[' list that starts here is not closed"),
    ("a:\n  phrases: [" + "w " * 13 + "]\n", 1, "'phrases' must be a list of words or phrases (of at most 12 words)"),
    ("a: just text\n", 1, "needs 'phrases:'"),
    ("a:\n  phrases: [x, -Former block]\n", 1, "tag 'a': '-Former block': a word ending is '-' and one word"),
])
def test_taxonomy_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(SourceError) as error:
        load_taxonomy(Path("content/taxonomy.yml"), text)
    assert error.value.line == line
    assert message in error.value.message


def test_words_inside_a_link_are_not_evidence() -> None:
    rules = (rule("video-understanding", "video"),)
    assert tags_of("A study", "Code at https://github.com/video/video-tools and www.video.org/video.", rules) == {}


def test_two_phrases_of_a_tag_for_the_same_words_count_once() -> None:
    rules = (rule("ssl", "self-supervised", "self supervised", "supervised"),)
    [found] = tags_of("A study", "Some context first. A self-supervised model. Another self supervised one.", rules).values()
    # two mentions of one phrase (less 0.5, as one phrase only), not two phrases
    assert found.score == 1.5 and [e.words for e in found.evidence] == ["self-supervised", "self supervised"]


def test_phrases_that_share_words_are_all_found_in_one_pass() -> None:
    rules = (rule("vision-transformers", "vision transformer"), rule("transformers", "transformer", "transformer block"),
             rule("object-detection", "Faster R-CNN"), rule("convolutional-networks", "CNN", "R-CNN"))
    tags = tags_of("Vision Transformer blocks", "", rules)
    assert set(tags) == {"vision-transformers", "transformers"}
    assert [e.words for e in tags["transformers"].evidence] == ["Transformer blocks"]  # the longer phrase of a tag wins
    tags = tags_of("Faster R-CNNs", "", rules)
    assert set(tags) == {"object-detection", "convolutional-networks"}
    assert [e.words for e in tags["convolutional-networks"].evidence] == ["R-CNNs"]
    assert tags_of("Faster R-cnn", "", rules) == {}  # an acronym keeps its capitals after the first word too


def test_the_context_counts_words_not_punctuation() -> None:
    found = tags_of("Vision transformers", "a, b; c. d, e, f, g: Vision Transformers, h. i, j, k, l, m, n.")["vision-transformers"].evidence[1]
    assert found.before == "…b; c. d, e, f, g: " and found.after == ", h. i, j, k, l, m…"


VOCABULARY = ["feature", "features", "selection", "Feature", "CNN", "CNNs", "cnn", "map", "maps", "saliency", "R", "the", "of"]


def phrases_by_brute_force(words: Words, phrases: list[str]) -> set[tuple[str, int, int]]:
    """Every (phrase, start, end) found by trying each phrase at each token: the reference the trie must agree with."""
    found = set()
    for text in phrases:
        keys = phrase_words(text)
        for start in range(len(words.folded) - len(keys) + 1):
            if all((words.exact[start + j] in acronym_forms(w.key)) if w.acronym else words.folded[start + j] == w.key
                   for j, w in enumerate(keys)):
                found.add((text, start, start + len(keys)))
    return found


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(VOCABULARY + [",", ".", "-"]), max_size=30),
       st.lists(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=3).map(" ".join), min_size=1, max_size=6, unique=True))
def test_the_phrase_trie_finds_what_trying_every_phrase_everywhere_finds(tokens: list[str], phrases: list[str]) -> None:
    words = Words.of(" ".join(tokens))
    trie = phrase_trie((rule("t", *phrases),))
    assert {(phrase.text, start, end) for phrase, start, end in trie.find(words)} == phrases_by_brute_force(words, phrases)


@pytest.mark.parametrize("width", [1200, 390])
def test_a_reader_sees_each_tags_score_and_words_in_context(example_site: Path, browser: Any, width: int) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto((example_site / "site/papers/vision-transformers-need-registers/index.html").as_uri())
    why = page.locator("details.why-tags")
    first_reason = why.locator(".tag-evidence li").first
    expect(first_reason).to_be_hidden()
    why.get_by_text("Why these tags").click()
    expect(first_reason).to_be_visible()
    expect(why.locator("> ul > li").first).to_contain_text("Vision transformers (score ")
    expect(first_reason).to_contain_text("title: “Vision Transformers Need Registers”")
    expect(first_reason.locator("mark")).to_have_text("Vision Transformers")
    box = why.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    why.get_by_role("link", name="How tags are scored and fixed").click()
    expect(page).to_have_url(re.compile(r"/tags/index\.html$"))
    expect(page.get_by_text(f"A tag applies from a score of {MIN_SCORE:g}")).to_be_visible()
    expect(page.get_by_text("tags: [-tag-name]")).to_be_visible()
    context.close()


TOPICS = {  # three topics of a small library, each worded its own way; only vision and speech have taxonomy phrases
    "molecules": ("Message passing for molecule property prediction {k}",
                  "We predict properties of drug molecules from their atoms and bonds. Message passing over the molecular graph "
                  "of atoms predicts solubility and toxicity of molecules."),
    "vision": ("Image classification with residual networks {k}",
               "We classify natural photos with deep residual networks. Image classification accuracy of residual networks "
               "rises on photos of animals."),
    "speech": ("Speech recognition with recurrent networks {k}",
               "We transcribe spoken utterances with recurrent networks. Speech recognition errors of recurrent networks "
               "drop on noisy utterances."),
}
TOPIC_RULES = (rule("chemistry", "chemistry"), rule("vision", "image classification"), rule("speech", "speech recognition"))


def library(user_tags: dict[str, tuple[str, ...]], per_topic: int = 10) -> list[PaperPage]:
    """`per_topic` papers of each topic, slugs like molecules-3; `user_tags` by slug."""
    return [replace(page(title.format(k=k), abstract, f"{topic}-{k}"), user_tags=user_tags.get(f"{topic}-{k}", ()))
            for topic, (title, abstract) in TOPICS.items() for k in range(per_topic)]


def test_corrections_teach_a_tag_to_the_papers_like_the_corrected_ones() -> None:
    """No phrase of 'chemistry' is in the molecule papers: the user gives it to six, and the other four learn it, with the reason."""
    untaught = {p.slug: p for p in tag_pages(library({}), TOPIC_RULES)}
    assert not any("chemistry" in effective_tags(p) for p in untaught.values())
    taught = {p.slug: p for p in tag_pages(library({f"molecules-{k}": ("chemistry",) for k in range(6)}), TOPIC_RULES)}
    for k in range(6, 10):
        [match] = [m for m in taught[f"molecules-{k}"].auto_tags if m.tag == "chemistry"]
        assert match.learned_from == 6 and match.phrases == ()
        assert match.learned_words[0] == "molecule"  # the title counts most
    for slug, paper in taught.items():  # the other topics keep what their phrases gave them, and only that
        if not slug.startswith("molecules"):
            assert paper.auto_tags == untaught[slug].auto_tags
    assert taught["molecules-0"].auto_tags == untaught["molecules-0"].auto_tags  # a corrected page keeps its phrase tags
    assert tag_pages(library({f"molecules-{k}": ("chemistry",) for k in range(6)}), TOPIC_RULES) == list(taught.values())


def test_a_tag_of_the_users_own_is_suggested_for_papers_like_its_papers_never_given() -> None:
    tagged = {p.slug: p for p in tag_pages(library({f"speech-{k}": ("asr-reading",) for k in range(3)}), TOPIC_RULES)}
    for k in range(3, 10):
        paper = tagged[f"speech-{k}"]
        assert [(m.tag, m.learned_from) for m in paper.suggested_tags] == [("asr-reading", 3)]
        assert {"speech", "recognition", "recurrent"} <= set(paper.suggested_tags[0].learned_words)
        assert "asr-reading" not in effective_tags(paper)
    assert not any(p.suggested_tags for slug, p in tagged.items() if not slug.startswith("speech"))
    # given to two papers only, a tag is not suggested yet
    assert not any(p.suggested_tags for p in tag_pages(library({f"speech-{k}": ("asr-reading",) for k in range(2)}), TOPIC_RULES))


def test_a_tag_given_to_three_alike_papers_is_suggested_for_papers_like_them_and_one_given_to_three_strays_for_none() -> None:
    """Three speech papers worded alike were far more alike to each other than any other speech paper was to them:
    measured against that, no paper was ever like them (nothing suggested). Three papers of three topics were so unlike
    each other that every paper passed (a suggestion on nearly every page). What counts is whether the tag's papers
    stand among the papers most like a paper."""
    alike = ("Speech recognition of spoken utterances", "We transcribe spoken utterances with recurrent networks for speech "
             "recognition of spoken utterances, and spoken utterances of noisy rooms.")
    papers = library({}, per_topic=4) + [replace(page(*alike, slug=f"asr-{k}"), user_tags=("asr-reading",)) for k in range(3)]
    tagged = {p.slug: p for p in tag_pages(papers, TOPIC_RULES)}
    for k in range(4):
        assert [m.tag for m in tagged[f"speech-{k}"].suggested_tags] == ["asr-reading"]
    assert not any(p.suggested_tags for slug, p in tagged.items() if not slug.startswith("speech"))
    strays = {"molecules-0": ("my-favourites",), "vision-0": ("my-favourites",), "speech-0": ("my-favourites",)}
    assert not any(p.suggested_tags for p in tag_pages(library(strays), TOPIC_RULES))


def test_suggestions_show_on_the_tag_page_and_the_papers_pages_apart_from_their_tags(tmp_path: Path, page_of: Any) -> None:
    papers = [(title.format(k=k), abstract) for title, abstract in TOPICS.values() for k in range(6)]
    site = write_site(tmp_path / "s", {"content/lists/l.txt": "Daily Papers\n\nMar 11\n\n" + "".join(paper_text(*p) for p in papers),
                                       "content/taxonomy.yml": "vision:\n  phrases: [image classification]\n"})
    assert run_sitegen("build", "-s", site).returncode == 0
    speech = [TOPICS["speech"][0].format(k=k) for k in range(6)]
    for path in (site / "content" / "papers").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        if any(f"title: {title}\n" in text for title in speech[:3]):
            path.write_text(text.replace("\ntags: []\n", "\ntags: [asr-reading]\n"), encoding="utf-8")
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    tag_page = (site / "site" / "tags" / "asr-reading" / "index.html").read_text(encoding="utf-8")
    suggested = tag_page.split("Suggested: papers like these")[1]
    assert all(title in suggested for title in speech[3:]) and not any(title in suggested for title in speech[:3])
    assert "learned from 3 papers you tagged" in suggested and "<mark>recurrent</mark>" in suggested
    assert not any(TOPICS["vision"][0].format(k=k) in suggested for k in range(6))
    exported = {p["title"]: p for p in exported_papers(site)}
    assert all("asr-reading" not in exported[title]["tags"] for title in speech[3:])
    with_suggestion = [html for html in (p.read_text(encoding="utf-8") for p in (site / "site" / "papers").glob("*/index.html"))
                       if "Suggested tags" in html]
    assert len(with_suggestion) == 3 and all("tags/asr-reading/index.html" in html for html in with_suggestion)
    # what a reader sees: the tag's own papers, then the suggestions apart, each with its reason; a suggested paper's page
    # shows the suggestion under its own heading, not among its tags
    from playwright.sync_api import expect

    page = page_of()
    page.goto((site / "site" / "tags" / "asr-reading" / "index.html").as_uri())
    section = page.locator("section.suggested-papers")
    expect(section.get_by_role("heading", name="Suggested: papers like these")).to_be_visible()
    expect(section.locator("ol > li")).to_have_count(3)
    expect(section.locator(".learned-reason").first).to_contain_text("learned from 3 papers you tagged")
    section.get_by_role("link", name=speech[3]).click()
    suggestion = page.locator("section.suggested-tags")
    expect(suggestion.get_by_role("heading", name="Suggested tags")).to_be_visible()
    expect(suggestion.get_by_role("link", name="asr-reading")).to_be_visible()
    expect(page.get_by_role("list", name="Tags").get_by_role("link", name="asr-reading")).to_have_count(0)


def test_learned_tags_and_suggestions_are_the_same_whatever_the_hash_seed() -> None:
    """Sets of tags are iterated in a different order under each PYTHONHASHSEED: no figure may depend on it."""
    import subprocess
    import sys
    script = ("import sys; sys.path.insert(0, 'tests'); from test_tagging import *; "
              "tags = {f'molecules-{k}': ('chemistry',) for k in range(6)} | {f'speech-{k}': ('asr-reading',) for k in range(3)}; "
              "print(repr([(p.slug, p.auto_tags, p.suggested_tags) for p in tag_pages(library(tags), TOPIC_RULES)]))")
    outputs = {subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(outputs) == 1
    output = outputs.pop()
    assert "learned_from=6" in output and "(TagMatch(tag='asr-reading'" in output


def test_papers_like_the_corrected_ones_gain_a_tag_their_phrases_found_weakly_even_where_the_phrases_were_right(tmp_path: Path) -> None:
    """The user confirms 'robustness' on six attack papers, whose phrases were right ('robustness' in the title): the
    six papers on certified defenses like them, where 'adversarial' stands once in passing, learn 'robustness'.
    Weights fitted on the corrected papers alone (where the phrases never erred) trusted the phrases and added nothing."""
    topics = {"attacks": ("Adversarial attacks on image classifiers {k}",
                          "We attack classifiers of natural photos with small perturbations. Adversarial perturbations fool "
                          "classifiers of photos, and certified defenses bound the perturbations."),
              "defenses": ("Certified defenses for classifiers of photos {k}",
                           "We certify classifiers of natural photos against small perturbations. Certified defenses bound the "
                           "perturbations, as an adversarial attack shows."),
              "speech": TOPICS["speech"]}
    papers = {topic: [(title.format(k=k), abstract) for k in range(6)] for topic, (title, abstract) in topics.items()}
    site = write_site(tmp_path / "s", {
        "content/lists/l.txt": "Daily Papers\n\nMar 11\n\n" + "".join(paper_text(*p) for ps in papers.values() for p in ps),
        "content/taxonomy.yml": "robustness:\n  phrases: [adversarial]\nspeech:\n  phrases: [speech recognition]\n"})
    assert run_sitegen("build", "-s", site).returncode == 0
    before = {p["title"]: p for p in exported_papers(site)}
    assert all(before[title]["auto_tags"] == [] for title, _ in papers["defenses"])  # one word in passing decides nothing
    for path in (site / "content" / "papers").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        if any(f"title: {title}\n" in text for title, _ in papers["attacks"]):
            path.write_text(text.replace("\ntags: []\n", "\ntags: [robustness]\n"), encoding="utf-8")
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    after = {p["title"]: p for p in exported_papers(site)}
    assert all(after[title]["auto_tags"] == ["robustness"] for title, _ in papers["defenses"])
    assert all(after[title]["auto_tags"] == before[title]["auto_tags"] == ["speech"] for title, _ in papers["speech"])
    html = (site / "site" / after[papers["defenses"][0][0]]["url"]).read_text(encoding="utf-8")
    assert "learned from 6 papers you tagged" in html and "<mark>certified</mark>" in html


def test_corrections_change_a_papers_tags_only_with_a_reason_naming_them(example_site: Path, tmp_path: Path) -> None:
    """A stranger corrected three ViT papers of the example site; twelve other papers' tags changed, one gaining
    "Remote sensing" on its neighbours' phrase tags alone, with no "learned from" on its page. A tag a paper
    gains shows the papers you tagged that taught it."""
    import shutil

    site = tmp_path / "site"
    shutil.copytree(example_site, site)
    before = {p["url"]: set(p["auto_tags"]) for p in json.loads((site / "site/papers.json").read_text(encoding="utf-8"))["papers"]}
    pages = sorted(p for p in (site / "content/papers").glob("*.md") if "vision transformer" in p.read_text(encoding="utf-8").lower())[:3]
    for n, path in enumerate(pages):
        extra = ["contrastive-learning", "-transformers", "-vision-transformers"][n]
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^tags:.*$", "", text).replace("\n---\n", f"\ntags: [vit-club, {extra}]\n---\n", 1), encoding="utf-8")
    result = run_sitegen("build", "-s", site, env={"SOURCE_DATE_EPOCH": "1790000000"})
    assert result.returncode == 0, result.stderr
    corrected = {f"papers/{p.stem}/index.html" for p in pages}
    gained = 0
    for paper in json.loads((site / "site/papers.json").read_text(encoding="utf-8"))["papers"]:
        new = set(paper["auto_tags"]) - before[paper["url"]]
        if new and paper["url"] not in corrected:
            html = (site / "site" / paper["url"]).read_text(encoding="utf-8")
            gained += len(new)
            assert html.count('class="learned-reason"') >= len(new), (paper["url"], new)


def test_a_removal_takes_only_that_tag_off_other_papers_and_an_own_tag_changes_no_automatic_tag(example_site: Path, tmp_path: Path) -> None:
    """A stranger removed one wrong tag ('-convolutional-networks' on a GAN paper) and three other papers silently lost
    other tags (optimization, self-supervised learning), with no reason shown: a corrected paper merely without a tag
    was taken as the user's word against it. Then a tag of their own on four ViT papers gave and took automatic tags
    elsewhere ('learned from 1 paper you tagged'): adding one's own tag says nothing of the automatic tags beside it."""
    import shutil

    def automatic(site: Path) -> dict[str, set[str]]:
        return {p["title"]: set(p["auto_tags"]) for p in exported_papers(site)}

    def edited(name: str, edit: Callable[[str], bool], tags: str) -> dict[str, set[str]]:
        site = tmp_path / name
        shutil.copytree(example_site, site)
        for path in (site / "content/papers").glob("*.md"):
            text = path.read_text(encoding="utf-8")
            if edit(text):
                path.write_text(re.sub(r"(?m)^tags:.*$", f"tags: {tags}", text, count=1), encoding="utf-8")
        result = run_sitegen("build", "-s", site, env={"SOURCE_DATE_EPOCH": "1790000000"})
        assert result.returncode == 0, result.stderr
        return automatic(site)

    before = automatic(example_site)
    gan = "Unsupervised Representation Learning with Deep Convolutional Generative Adversarial Networks"
    assert "convolutional-networks" in before[gan]
    after = edited("removal", lambda text: f"title: {gan}\n" in text, "[-convolutional-networks]")
    assert all(before[title] - after[title] <= {"convolutional-networks"} for title in before if title != gan)
    vit = [title for title in sorted(before) if "vision transformer" in title.lower()][:4]
    assert len(vit) == 4
    after = edited("own", lambda text: any(f"title: {title}\n" in text for title in vit), "[vit-internals]")
    assert after == before
