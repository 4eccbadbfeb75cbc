"""The example site in a real headless Chromium, opened from disk (file://)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import NODE_DIR

AXE = NODE_DIR / "node_modules" / "axe-core" / "axe.min.js"


class Visit:
    """A page with every request and every console error or exception it caused."""

    def __init__(self, browser: Any, **options: Any) -> None:
        self.context = browser.new_context(**options)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any) -> Iterator[Any]:
    opened: list[Visit] = []

    def open_visit(**options: Any) -> Visit:
        opened.append(Visit(browser, **options))
        return opened[-1]
    yield open_visit
    for v in opened:
        assert all(url.startswith("file://") for url in v.requests), [u for u in v.requests if not u.startswith("file://")]
        assert v.errors == []
        v.close()


def test_walk_home_list_paper_tag_and_back(example_site: Path, visit: Any) -> None:
    page = visit().page
    page.goto((example_site / "site/index.html").as_uri())
    assert page.title() == "Reading lists"
    page.get_by_role("link", name="Feature learning").first.click()
    assert page.locator("h1").inner_text() == "Feature learning"
    assert page.locator(".papers > .paper-item").count() == 75
    page.get_by_role("link", name="SSD: Single Shot MultiBox Detector").click()
    assert page.locator("h1").inner_text() == "SSD: Single Shot MultiBox Detector"
    assert page.get_by_text("no. 4 of 75").is_visible()
    page.locator(".tags a").first.click()
    assert page.locator(".kicker").inner_text().startswith("TAG")
    page.go_back()
    assert page.locator("h1").inner_text() == "SSD: Single Shot MultiBox Detector"
    page.keyboard.press("j")
    page.wait_for_url("**/papers/**")
    assert page.locator("h1").inner_text() != "SSD: Single Shot MultiBox Detector"


def test_tag_filter_on_a_list_page(example_site: Path, visit: Any) -> None:
    page = visit().page
    page.goto((example_site / "site/lists/feature-learning/index.html").as_uri())
    page.locator("details.more-tags summary").click()  # the rarer tags are folded away
    chip = page.locator("button[data-tag=recommender-systems]")
    count = int(chip.locator(".count").inner_text())
    chip.click()
    assert page.locator(".papers > .paper-item:not([hidden])").count() == count
    assert page.locator(".filter-status").inner_text() == f"{count} of 75 papers shown"
    chip.click()
    assert page.locator(".papers > .paper-item:not([hidden])").count() == 75


def test_search_as_you_type_from_the_header(example_site: Path, visit: Any) -> None:
    page = visit().page
    page.goto((example_site / "site/lists/feature-learning/index.html").as_uri())
    page.keyboard.press("/")
    page.keyboard.type("registers")
    first = page.locator("#search-popup .popup-results a").first
    first.wait_for()
    assert first.inner_text() in ("Vision Transformers Need Registers", "Vision Transformers Don't Need Trained Registers")
    assert page.locator("#search-popup mark").first.inner_text().lower().startswith("register")
    assert page.locator("#search-status").inner_text() == "2 papers match."
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/papers/vision-transformers*/index.html")


def test_search_page_restores_the_query_and_filters(example_site: Path, visit: Any) -> None:
    page = visit().page
    page.goto((example_site / "site/search/index.html").as_uri() + "?q=vision%20transformers%20need%20registers")
    first = page.locator(".results .result-title").first
    first.wait_for()
    assert first.inner_text() == "Vision Transformers Need Registers"
    total = int(page.locator(".result-count").inner_text().split()[0])
    page.locator(".facet-tags .facet-more").click()  # the most common tags first, the rest on request
    page.locator(".facet-tags label", has_text="Vision transformers").locator("input").check()
    page.wait_for_function(f"() => document.querySelector('.result-count').textContent.split(' ')[0] !== '{total}'")
    filtered = int(page.locator(".result-count").inner_text().split()[0])
    assert 0 < filtered < total
    page.locator("#search-sort").select_option("title")
    titles = page.locator(".results .result-title").all_inner_texts()
    assert titles == sorted(titles, key=str.lower) or len(titles) == filtered
    page.fill("#search-page-input", "zzzzqqq")
    page.wait_for_function("() => document.querySelector('.result-count').textContent === 'No papers match.'")


def test_search_reports_an_index_that_cannot_load(example_site: Path, tmp_path: Path, visit: Any) -> None:
    import shutil
    broken = tmp_path / "site"
    shutil.copytree(example_site / "site", broken)
    (broken / "search-index.js").unlink()
    v = visit()
    v.page.goto((broken / "search/index.html").as_uri() + "?q=vision")
    v.page.wait_for_function("() => document.querySelector('.result-count').textContent.includes('could not be loaded')")
    v.errors.clear()  # the missing file is the point of this test


def test_theme_toggle_follows_the_system_and_remembers(example_site: Path, visit: Any) -> None:
    page = visit(color_scheme="dark").page
    url = (example_site / "site/index.html").as_uri()
    page.goto(url)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(21, 23, 27)"
    page.click(".theme-toggle")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    page.goto(url)
    assert page.evaluate("document.documentElement.dataset.theme") == "light"


@pytest.mark.parametrize("path", ["index.html", "lists/feature-learning/index.html",
                                  "papers/vision-transformers-need-registers/index.html", "tags/interpretability/index.html",
                                  "search/index.html"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(example_site: Path, visit: Any, path: str, scheme: str) -> None:
    v = visit(bypass_csp=True, color_scheme=scheme)
    page = v.page
    page.goto((example_site / "site" / path).as_uri())
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    # axe itself tries to read the stylesheets with XMLHttpRequest, which file:// refuses: its noise, not ours
    v.errors[:] = [e for e in v.errors if "XMLHttpRequest" not in e and "net::ERR_FAILED" not in e]
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == []


def test_pages_work_without_javascript(example_site: Path, visit: Any) -> None:
    page = visit(java_script_enabled=False).page
    page.goto((example_site / "site/lists/feature-learning/index.html").as_uri())
    assert page.locator(".papers > .paper-item").count() == 75
    page.locator("details.abstract summary").first.click()
    assert page.locator("details.abstract[open] p").first.is_visible()
    page.get_by_role("link", name="Papers", exact=True).click()
    assert page.locator(".paper-index li").count() == 230
