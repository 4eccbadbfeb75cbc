"""The search index carried over between builds (carry.py) gives, after any sequence of edits, the very files a
build from scratch makes, while an edit makes again only what it changed."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.catalog import build_catalog
from sitegen.config import SiteConfig
from sitegen.records import STATUSES, PaperPage
from sitegen.search import carry
from sitegen.search.carry import carried_files, carried_over, joined
from sitegen.search.index import SearchSource, build_search, search_source
from sitegen.search.shards import index_files

TITLES = ["Vision Transformers Need Registers", "Attention Is All You Need", "Deep Residual Learning", "$\\beta$-VAE: Learning Concepts",
          "Sparse Attention Kernels", "Object Detection at Scale", "A ViT for Video", "Contrastive Pretraining of Vision Encoders"]
WORDS = ["attention", "registers", "kernel", "zyzzyva", "learning", "vision", "quasar", "transformers", "the", "Fréchet", "WiSE-FT"]


def page(n: int, title: str, words: list[str]) -> PaperPage:
    return PaperPage(slug=f"paper-{n}", path=Path(f"/nowhere/paper-{n}.md"), title=title, abstract=" ".join(["We study", *words, "at scale."]),
                     links=(), memberships=(), auto_tags=(), user_tags=(), status="unread", notes="", authors=("Ann Author", f"Bo {n}"),
                     arxiv=f"2309.{16588 + n}" if n % 2 else "")


def catalog_of(pages: list[PaperPage]) -> SearchSource:
    """What the index of a site of these pages is made of."""
    return search_source(build_catalog(SiteConfig(), [], pages, ()))


EDITS = st.lists(st.tuples(st.sampled_from(["note", "unnote", "status", "abstract", "title", "tag", "add", "drop", "authors"]),
                           st.integers(0, 50), st.lists(st.sampled_from(WORDS), max_size=6)), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(edits=EDITS)
def test_after_any_edits_the_carried_index_is_the_one_made_from_scratch(edits: list[tuple[str, int, list[str]]]) -> None:
    pages = [page(n, title, WORDS[n % 5: n % 5 + 3]) for n, title in enumerate(TITLES)]
    files, kept = carried_over(catalog_of(pages), {})
    for kind, n, words in edits:
        i, text = n % len(pages), " ".join(words)
        if kind == "note":
            pages[i] = dataclasses.replace(pages[i], notes=f"{pages[i].notes}\n{text} *{n}*\n")
        elif kind == "unnote":
            pages[i] = dataclasses.replace(pages[i], notes="")
        elif kind == "status":
            pages[i] = dataclasses.replace(pages[i], status=STATUSES[n % 3])
        elif kind == "abstract":
            pages[i] = dataclasses.replace(pages[i], abstract=text)
        elif kind == "title":
            pages[i] = dataclasses.replace(pages[i], title=f"{text} {n}")
        elif kind == "tag":
            pages[i] = dataclasses.replace(pages[i], user_tags=tuple(dict.fromkeys(w.lower() for w in words if w.isalpha())))
        elif kind == "authors":
            pages[i] = dataclasses.replace(pages[i], authors=tuple(words))
        elif kind == "add":
            pages.append(page(100 + n, f"{text} New {n}", words))
        elif kind == "drop" and len(pages) > 1:
            pages.pop(i)
        pages = list({p.slug: p for p in pages}.values())
        catalog = catalog_of(pages)
        known = pickle.loads(pickle.dumps(kept))  # as the next build reads it back
        files, changed = carried_over(catalog, known)
        assert files == index_files(build_search(catalog), catalog), (kind, n, words)
        if kind in ("note", "unnote", "status", "abstract", "tag", "authors"):  # the same papers: one paper's part at most
            assert "search-order" not in changed and sum(name.startswith("search-papers-") for name in changed) <= 1
        kept.update(changed)
        # What the edit did not change is carried over as it was, not made again.
        before, carried = joined(known), joined(kept)
        assert before is not None and carried is not None
        _, again = carried_files(catalog, before)
        now = again or before
        previous = dict(zip(before.slugs, before.papers))
        for slug, paper in zip(now.slugs, now.papers):
            if slug in previous and previous[slug].made_from == paper.made_from:
                assert paper is previous[slug]
        assert now == carried


def test_an_unchanged_catalog_carries_nothing_new() -> None:
    pages = [page(n, title, WORDS[n % 5: n % 5 + 3]) for n, title in enumerate(TITLES)]
    files, carried = carried_files(catalog_of(pages), None)
    assert carried is not None
    again, none = carried_files(catalog_of(pages), pickle.loads(pickle.dumps(carried)))
    assert again == files and none is None


def test_papers_added_change_the_docs_shards_they_land_in_and_no_other() -> None:
    """New papers fall among the others in title order: each changes the `docs` shard it lands in (or cuts it in two,
    or joins it to the next), and every other `docs` shard keeps its file's name and bytes (a new list of 50 papers
    rewrote ~590 of 600 docs shards at 10,000 papers when shards were cut where the last one filled up)."""
    def docs_files(pages: list[PaperPage]) -> dict[str, bytes]:
        catalog = catalog_of(pages)
        return {file.path: file.content for file in index_files(build_search(catalog), catalog) if "/docs-" in file.path}

    pages = [page(n, f"{WORDS[n % len(WORDS)]} {TITLES[n % len(TITLES)]} {n:04d}", WORDS[n % 7: n % 7 + 4]) for n in range(1000)]
    added = [page(1000 + n, f"{word} {TITLES[n % len(TITLES)]} {n:04d}a", ["new", word]) for n, word in enumerate(["Aardvark", "learning", "vision"])]
    before, after = docs_files(pages), docs_files(pages + added)
    assert len(before) >= 20  # enough shards that a paper shifting the ones after it would show
    changed = {path for path, content in after.items() if before.get(path) != content}
    assert len(changed) <= 2 * len(added) and len(before.keys() - after.keys()) <= len(added), (len(changed), len(before))


def test_papers_added_or_removed_are_patched_into_the_index_not_made_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new list shifts the numbers of every paper after each one it adds (papers are numbered in title order), so it
    made the whole index again from every paper's terms (`build_search`: ~3 s of the worker's CPU at 10,000 papers);
    now the papers added, removed or changed are patched into the last build's items, which are only shifted."""
    pages = [page(n, f"{WORDS[n % len(WORDS)]} {TITLES[n % len(TITLES)]} {n:04d}", WORDS[n % 7: n % 7 + 4]) for n in range(200)]
    _, known = carried_files(catalog_of(pages), None)
    added = [page(1000 + n, f"{word} {TITLES[n % len(TITLES)]} {n:04d}a", ["new", word, "Fréchet"]) for n, word in enumerate(["Aardvark", "learning", "zyzzyva"])]
    edited = [*pages[:50], dataclasses.replace(pages[50], notes="registers *again*"), *pages[51:120], *pages[121:], *added]  # one removed
    expected = index_files(build_search(catalog_of(edited)), catalog_of(edited))

    def made_afresh(*args: object) -> None:
        raise AssertionError("the whole index was made again")
    monkeypatch.setattr(carry, "build_search", made_afresh)
    files, carried = carried_files(catalog_of(edited), known)
    assert files == expected and carried is not None
