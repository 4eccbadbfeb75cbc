"""The example site in a real headless Chromium, opened from disk (file://) and, for the 404 page,
from a local server at a sub-path as GitHub Pages serves it. Assertions are about what a person
sees (visible, hidden, counts, boxes, computed colours), not about attributes a stylesheet may override."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import NODE_DIR, REPO, raw_list, redrawn, run_sitegen, search_drawn, write_site
from playwright.sync_api import expect

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


EPOCH = {"SOURCE_DATE_EPOCH": "1790000000"}
NOTES_WITH_MATH = "\nRegisters soak up attention: $\\mathbf{r}_i \\in \\mathbb{R}^d$, and\n\n$$\\mathrm{softmax}\\left(\\frac{QK^\\top}{\\sqrt{d}}\\right)V$$\n"


def set_user_fields(page: Path, fields: str, notes: str = "") -> None:
    """What a reader does: change `status: unread` into their own fields, and add notes."""
    text = page.read_text(encoding="utf-8")
    assert "status: unread\n" in text
    page.write_text(text.replace("status: unread\n", fields) + notes, encoding="utf-8")


@pytest.fixture(scope="module")
def reading_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example site after a reader's edits: four papers read or being read in 'Feature learning',
    one paper with a rating, keys of their own and notes with math."""
    root = tmp_path_factory.mktemp("reading")
    shutil.copytree(REPO / "content" / "lists", root / "content" / "lists")
    shutil.copy(REPO / "content" / "taxonomy.yml", root / "content" / "taxonomy.yml")
    assert run_sitegen("build", "-s", root, env=EPOCH).returncode == 0
    papers = root / "content" / "papers"
    in_feature_learning = sorted(p for p in papers.glob("*.md") if "list: feature-learning" in p.read_text(encoding="utf-8"))
    for page in in_feature_learning[:3]:
        set_user_fields(page, "status: read\n")
    set_user_fields(in_feature_learning[3], "status: reading\n")
    set_user_fields(papers / "vision-transformers-need-registers.md", "status: reading\nrating: 4\nvenue: ICLR 2024\nmy_rating: 5\n", NOTES_WITH_MATH)
    result = run_sitegen("build", "-s", root, env=EPOCH)
    assert result.returncode == 0, result.stderr
    return root


def test_walk_home_list_paper_tag_and_back(example_site: Path, visit: Any) -> None:
    page = visit().page
    page.goto((example_site / "site/index.html").as_uri())
    assert page.title() == "Reading lists"
    page.get_by_role("link", name="Feature learning").first.click()
    expect(page.locator("h1")).to_have_text("Feature learning")
    expect(page.locator(".papers > .paper-item")).to_have_count(75)
    page.get_by_role("link", name="SSD: Single Shot MultiBox Detector").click()
    expect(page.locator("h1")).to_have_text("SSD: Single Shot MultiBox Detector")
    expect(page.get_by_text("no. 4 of 75")).to_be_visible()
    page.locator(".tags a").first.click()
    expect(page.locator(".kicker")).to_have_text(re.compile(r"^TAG", re.IGNORECASE))
    page.go_back()
    expect(page.locator("h1")).to_have_text("SSD: Single Shot MultiBox Detector")
    following = page.locator("a[rel=next]").inner_text().removeprefix("→ ")
    assert following and following != "SSD: Single Shot MultiBox Detector"
    page.keyboard.press("j")
    expect(page.locator("h1")).to_have_text(following)
    expect(page.get_by_text("no. 5 of 75")).to_be_visible()


def test_tag_filter_on_a_list_page(example_site: Path, visit: Any) -> None:
    page = visit().page
    page.goto((example_site / "site/lists/feature-learning/index.html").as_uri())
    page.locator("details.more-tags summary").click()  # the rarer tags are folded away
    chip = page.locator("button[data-tag=recommender-systems]")
    count = int(chip.locator(".count").inner_text())
    untagged = page.locator(".papers > .paper-item:not([data-tags~=recommender-systems])").first
    expect(untagged).to_be_visible()
    chip.click()
    expect(page.locator(".papers > .paper-item:visible")).to_have_count(count)
    expect(untagged).to_be_hidden()
    expect(page.locator(".filter-status")).to_have_text(f"{count} of 75 papers shown")
    chip.click()
    expect(page.locator(".papers > .paper-item:visible")).to_have_count(75)
    expect(page.locator(".filter-status")).to_have_text("")


def test_status_filter_with_tags_on_a_list_page(reading_site: Path, visit: Any) -> None:
    page = visit().page
    page.goto((reading_site / "site/lists/feature-learning/index.html").as_uri())
    expect(page.locator(".page-header .meta")).to_contain_text("75 papers · 1 reading · 3 read")
    page.get_by_role("button", name="Read 3").click()
    expect(page.locator(".papers > .paper-item:visible")).to_have_count(3)
    expect(page.locator(".papers > .paper-item:visible .status-read")).to_have_count(3)
    expect(page.locator(".filter-status")).to_have_text("3 of 75 papers shown")
    page.get_by_role("button", name="Reading 1").click()
    expect(page.locator(".papers > .paper-item:visible")).to_have_count(1)
    page.get_by_role("button", name="Unread 71").click()
    expect(page.locator(".papers > .paper-item:visible")).to_have_count(71)
    chip = page.locator("button[data-tag]").first  # the most common tag, combined with the status
    chip.click()
    shown = page.locator(".papers > .paper-item:visible")
    expected = page.locator(f".papers > .paper-item:not([data-status])[data-tags~={chip.get_attribute('data-tag')}]").count()  # no data-status: unread
    expect(shown).to_have_count(expected)
    expect(page.locator(".filter-status")).to_have_text(f"{expected} of 75 papers shown")
    # the statuses count the papers with the chosen tag (a stranger read "All 75 · Unread 75" beside "17 of 75 shown")
    tagged = page.locator(f".papers > .paper-item[data-tags~={chip.get_attribute('data-tag')}]")
    counts = {status: tagged.and_(page.locator(f"[data-status={status}]")).count() for status in ("reading", "read")}
    expect(page.locator("button[data-status=''] .count")).to_have_text(str(tagged.count()))
    expect(page.locator("button[data-status=unread] .count")).to_have_text(str(expected))
    for status, count in counts.items():
        expect(page.locator(f"button[data-status={status}] .count")).to_have_text(str(count))
    page.locator("button[data-status='']").click()
    expect(shown).to_have_count(tagged.count())
    chip.click()
    expect(shown).to_have_count(75)
    expect(page.get_by_role("button", name="All 75")).to_have_attribute("aria-pressed", "true")  # no tag: the whole list's counts
    expect(page.get_by_role("button", name="Read 3")).to_be_visible()


def test_list_filters_count_by_status_and_survive_a_reload(reading_site: Path, visit: Any) -> None:
    page = visit().page
    page.goto((reading_site / "site/lists/feature-learning/index.html").as_uri())
    read = page.locator(".papers > .paper-item[data-status=read]")
    read_tags = [t for item in read.all() for t in (item.get_attribute("data-tags") or "").split()]
    chips = page.locator("button[data-tag]")
    tag = chips.first.get_attribute("data-tag")
    everywhere = chips.first.locator(".count").inner_text()
    page.get_by_role("button", name="Read 3").click()
    expect(chips.first.locator(".count")).to_have_text(str(read_tags.count(tag)))  # the tag's count among the read papers
    expect(page).to_have_url(re.compile(r"\?status=read$"))
    page.reload()
    expect(page.locator(".papers > .paper-item:visible")).to_have_count(3)
    expect(page.get_by_role("button", name="Read 3")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="All 75").click()
    expect(chips.first.locator(".count")).to_have_text(everywhere)
    chips.first.click()
    expect(page).to_have_url(re.compile(rf"\?tag={tag}$"))
    page.reload()
    expect(chips.first).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".papers > .paper-item:visible")).to_have_count(page.locator(f".papers > .paper-item[data-tags~={tag}]").count())


def test_a_filter_from_the_address_shows_its_chip_on_a_phone_and_unknown_values_leave_the_address(reading_site: Path, visit: Any) -> None:
    page = visit(viewport={"width": 390, "height": 800}).page
    listing = (reading_site / "site/lists/feature-learning/index.html").as_uri()
    page.goto(listing)
    last = page.locator("button[data-tag]").last.get_attribute("data-tag")  # the rarest tag, folded away
    page.goto(f"{listing}?tag={last}")
    chip = page.locator(f"button[data-tag={last}]")
    expect(chip).to_have_attribute("aria-pressed", "true")
    expect(chip).to_be_in_viewport()
    page.goto(f"{listing}?status=bogus&tag=no-such-tag")
    expect(page.locator(".papers > .paper-item:visible")).to_have_count(75)
    expect(page).to_have_url(re.compile(r"/index\.html$"))


def test_the_folded_tags_opened_on_a_phone_all_show_within_the_screen(example_site: Path, visit: Any) -> None:
    """On a phone each chip row is one row swiped sideways; the rarer tags, once the reader opens them,
    wrap onto lines of their own: none lies past the screen's edge, to be found only by swiping."""
    page = visit(viewport={"width": 390, "height": 800}).page
    page.goto((example_site / "site/lists/feature-learning/index.html").as_uri())
    folded = page.locator("details.more-tags .chip")
    expect(folded.first).to_be_hidden()
    # the row swiped sideways fades at its right edge: a chip cut there is seen as "more this way", not as a fault
    row = page.locator(".filter .chips").filter(has=page.locator("[data-tag]")).first
    cut = row.locator(".chip").last.bounding_box()
    assert cut is not None and cut["x"] + cut["width"] > 390
    assert "gradient" in page.evaluate("(e) => getComputedStyle(e).maskImage", row.element_handle())
    page.locator("details.more-tags summary").click()
    assert page.evaluate("(e) => getComputedStyle(e).maskImage", page.locator("details.more-tags .chips").element_handle()) == "none"
    assert folded.count() > 10
    for i in range(folded.count()):
        expect(folded.nth(i)).to_be_visible()
        box = folded.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (i, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_keyboard_hints_show_where_a_keyboard_is_likely_and_not_on_a_phone(example_site: Path, visit: Any) -> None:
    """A stranger's phone showed "Search papers  /" and "Press ? for keyboard shortcuts": keys a phone has not."""
    home = (example_site / "site/index.html").as_uri()
    phone = visit(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).page
    phone.goto(home)
    expect(phone.locator("#site-search")).to_have_attribute("placeholder", "Search papers")
    expect(phone.get_by_text("for keyboard shortcuts")).to_have_count(0)
    desktop = visit().page
    desktop.goto(home)
    expect(desktop.locator("#site-search")).to_have_attribute("placeholder", "Search papers  /")
    expect(desktop.get_by_text("for keyboard shortcuts")).to_be_visible()


def test_the_keys_panel_opens_on_question_mark_looks_finished_and_closes(example_site: Path, visit: Any) -> None:
    """A stranger saw the panel's Close as the browser's bare grey button, under an empty band above the heading."""
    page = visit(viewport={"width": 1280, "height": 800}).page
    page.goto((example_site / "site/papers/index.html").as_uri())
    page.keyboard.press("?")
    panel = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(panel).to_be_visible()
    close = panel.get_by_role("button", name="Close")
    expect(close).to_be_visible()
    expect(close).to_have_css("border-top-left-radius", "6px")  # as the page's other buttons (Copy BibTeX)
    heading, box = panel.get_by_role("heading").bounding_box(), panel.bounding_box()
    assert heading is not None and box is not None and heading["y"] - box["y"] <= 24  # the panel's padding, no band above
    close.click()
    expect(panel).to_be_hidden()
    page.keyboard.press("?")
    expect(panel).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()


def test_the_search_page_shows_one_search_box(example_site: Path, visit: Any) -> None:
    page = visit(viewport={"width": 390, "height": 800}).page
    page.goto((example_site / "site/search/index.html").as_uri() + "?q=registers")
    expect(page.get_by_role("searchbox").or_(page.get_by_role("combobox"))).to_have_count(1)
    expect(page.locator("#search-page-input")).to_be_visible()
    expect(page.locator("#site-search")).to_be_hidden()


def test_status_filter_on_tag_and_all_papers_pages(reading_site: Path, visit: Any) -> None:
    page = visit().page
    page.goto((reading_site / "site/papers/index.html").as_uri())
    page.get_by_role("button", name="Reading 2").click()
    expect(page.locator(".paper-index > li:visible")).to_have_count(2)
    expect(page.locator(".paper-index > li:visible .status-reading")).to_have_count(2)
    page.get_by_role("link", name="Vision Transformers Need Registers").click()
    expect(page).to_have_url(re.compile(r"/papers/[^/]+/index\.html$"))
    page.locator(".tags a", has_text="Vision transformers").click()
    page.wait_for_url(re.compile(r"/tags/vision-transformers/index\.html$"))  # and loaded: every paper of the list parsed
    total = page.locator(".paper-index > li").count()
    assert total >= 1
    button = page.get_by_role("button", name=re.compile(r"^Reading \d+$"))
    reading = int(button.locator(".count").inner_text())
    assert reading >= 1  # the registers paper at least
    button.click()
    expect(page.locator(".paper-index > li:visible")).to_have_count(reading)
    expect(page.locator(".paper-index > li:visible .status-reading")).to_have_count(reading)
    expect(page.get_by_role("link", name="Vision Transformers Need Registers")).to_be_visible()
    expect(page.locator(".filter-status")).to_have_text(f"{reading} of {total} papers shown")


def test_home_shows_what_is_being_read(reading_site: Path, visit: Any) -> None:
    page = visit(viewport={"width": 1280, "height": 900}).page
    page.goto((reading_site / "site/index.html").as_uri())
    expect(page.locator(".totals")).to_contain_text("2 reading · 3 read")
    reading = page.get_by_role("region", name="Currently reading")
    expect(reading.locator(".paper-item")).to_have_count(2)
    expect(reading.get_by_role("link", name="Vision Transformers Need Registers")).to_be_visible()
    box = reading.get_by_role("heading", name="Currently reading").bounding_box()
    assert box is not None and box["y"] + box["height"] < 900  # on the first screen
    expect(page.locator(".card", has_text="Feature learning").locator(".meta")).to_contain_text("1 reading · 3 read")


def test_paper_page_shows_status_rating_own_keys_and_math(reading_site: Path, visit: Any) -> None:
    v = visit()
    page = v.page
    page.goto((reading_site / "site/papers/vision-transformers-need-registers/index.html").as_uri())
    expect(page.locator(".kicker .status")).to_have_text("reading")
    expect(page.get_by_role("img", name="4 of 5 stars")).to_be_visible()
    extra = page.locator("dl.extra")
    expect(extra.locator("dt")).to_have_text(["Rating", "My rating"])
    expect(page.locator(".paper-meta-block .venue")).to_contain_text("ICLR 2024")  # a bibliographic field, shown with the authors
    formulas = page.locator(".notes .math .katex")
    expect(formulas).to_have_count(2)
    expect(formulas.first).to_be_visible()
    display = page.locator(".notes .katex-display")
    expect(display).to_be_visible()
    box = display.bounding_box()
    assert box is not None and box["height"] > 30  # a built-up fraction, not a line of TeX
    assert "\\frac" not in page.locator(".notes").inner_text()
    assert any("katex.min.js" in url for url in v.requests)
    expect(formulas.first).to_have_css("font-family", re.compile("KaTeX_Main"))  # KaTeX's stylesheet is loaded by site.js


def test_katex_is_loaded_only_by_pages_with_math(reading_site: Path, visit: Any) -> None:
    v = visit()
    v.page.goto((reading_site / "site/lists/feature-learning/index.html").as_uri())
    expect(v.page.locator("h1")).to_have_text("Feature learning")
    v.page.goto((reading_site / "site/papers/ssd-single-shot-multibox-detector/index.html").as_uri())
    expect(v.page.locator("h1")).to_have_text("SSD: Single Shot MultiBox Detector")
    assert [url for url in v.requests if "katex" in url] == []


def test_math_stays_readable_without_javascript(reading_site: Path, visit: Any) -> None:
    page = visit(java_script_enabled=False).page
    page.goto((reading_site / "site/papers/vision-transformers-need-registers/index.html").as_uri())
    expect(page.locator(".notes .math").first).to_have_text("r_i ∈ Rd")  # bold r, the d raised
    expect(page.locator(".notes .math sup").first).to_have_text("d")


@pytest.fixture(scope="module")
def long_list_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One list of 450 papers: three pages of a list; the last paper is being read."""
    root = tmp_path_factory.mktemp("long")
    titles = [f"Paper number {n:03d} on vision" for n in range(1, 451)]
    write_site(root, {"content/taxonomy.yml": "vision:\n  phrases: [vision]\n", "content/lists/long.txt": raw_list(*titles)})
    assert run_sitegen("build", "-s", root, env=EPOCH).returncode == 0
    set_user_fields(root / "content/papers/paper-number-450-on-vision.md", "status: reading\n")
    assert run_sitegen("build", "-s", root, env=EPOCH).returncode == 0
    return root


def test_a_long_list_is_split_into_pages_that_filter_and_j_k_cover(long_list_site: Path, visit: Any) -> None:
    page = visit().page
    first = (long_list_site / "site/lists/long/index.html").as_uri()
    page.goto(first)
    expect(page.locator(".papers > .paper-item")).to_have_count(200)
    pager = page.get_by_role("navigation", name="Pages")
    expect(pager.get_by_role("link")).to_have_text(["1", "2", "3", "Next →"])
    page.get_by_role("button", name="Reading 1").click()  # the one paper being read is on page 3
    expect(page.locator(".papers > .paper-item:visible")).to_have_count(1)
    expect(page.get_by_role("link", name="Paper number 450 on vision")).to_be_visible()
    expect(page.locator(".filter-status")).to_have_text("1 of 450 papers shown")
    expect(pager).to_be_hidden()
    page.get_by_role("button", name="All 450").click()
    expect(page.locator(".papers > .paper-item:visible")).to_have_count(200)
    expect(pager).to_be_visible()
    for _ in range(201):  # past the last paper of page 1: page 2
        page.keyboard.press("j")
    page.wait_for_url("**/lists/long/page/2/index.html")
    expect(page.locator(".papers > .paper-item").first.locator(".number")).to_have_text("201")
    page.keyboard.press("k")
    page.wait_for_url(first)


@pytest.fixture(scope="module")
def long_tag_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,005 papers in one tag: two pages of the tag and of the index; the first paper read, the last being read."""
    root = tmp_path_factory.mktemp("long-tag")
    titles = [f"Paper number {n:04d} on vision" for n in range(1, 1006)]
    write_site(root, {"content/taxonomy.yml": "vision:\n  phrases: [vision]\n", "content/lists/long.txt": raw_list(*titles)})
    assert run_sitegen("build", "-s", root, env=EPOCH).returncode == 0
    set_user_fields(root / "content/papers/paper-number-0001-on-vision.md", "status: read\n")
    set_user_fields(root / "content/papers/paper-number-1005-on-vision.md", "status: reading\n")
    assert run_sitegen("build", "-s", root, env=EPOCH).returncode == 0
    return root


@pytest.mark.parametrize("path", ["tags/vision/index.html", "papers/index.html"])
def test_a_long_tag_or_index_filters_reading_over_every_page_and_unread_page_by_page(long_tag_site: Path, visit: Any, path: str) -> None:
    """Their rows script holds only the papers reading or read; unread is the rest of each page."""
    page = visit().page
    page.goto((long_tag_site / "site" / path).as_uri())
    items = page.locator(".paper-index > li")
    expect(items).to_have_count(1000)
    pager = page.get_by_role("navigation", name="Pages")
    expect(pager.get_by_role("link")).to_have_text(["1", "2", "Next →"])
    page.get_by_role("button", name="Reading 1").click()  # the paper being read is on page 2
    expect(page.locator(".paper-index > li:visible")).to_have_count(1)
    expect(page.get_by_role("link", name="Paper number 1005 on vision")).to_be_visible()
    expect(page.locator(".filter-status")).to_have_text("1 of 1005 papers shown")
    expect(pager).to_be_hidden()
    page.get_by_role("button", name="Unread 1003").click()
    expect(page.locator(".filter-status")).to_have_text("999 of 1000 papers on this page shown")
    expect(page.locator(".paper-index > li:visible")).to_have_count(999)
    expect(page.get_by_role("link", name="Paper number 0001 on vision")).to_be_hidden()
    expect(pager).to_be_visible()
    page.get_by_role("button", name="All 1005").click()
    expect(page.locator(".filter-status")).to_have_text("")
    expect(page.locator(".paper-index > li:visible")).to_have_count(1000)


def test_long_pages_work_without_javascript(long_list_site: Path, visit: Any) -> None:
    page = visit(java_script_enabled=False).page
    page.goto((long_list_site / "site/papers/index.html").as_uri())
    expect(page.locator(".paper-index > li")).to_have_count(450)
    page.goto((long_list_site / "site/lists/long/index.html").as_uri())
    page.get_by_role("link", name="3", exact=True).click()
    expect(page.locator(".papers > .paper-item")).to_have_count(50)
    expect(page.locator(".papers > .paper-item").last).to_contain_text("Paper number 450 on vision")


def test_all_papers_jump_to_a_letter(example_site: Path, visit: Any) -> None:
    page = visit(viewport={"width": 1280, "height": 800}).page
    page.goto((example_site / "site/papers/index.html").as_uri())
    page.get_by_role("navigation", name="Jump to letter").get_by_role("link", name="V", exact=True).click()
    target = page.locator(".paper-index > li:target")
    expect(target).to_have_count(1)
    assert target.inner_text().startswith("V")
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] < 800  # scrolled into view


def test_search_as_you_type_from_the_header(example_site: Path, visit: Any) -> None:
    page = visit().page
    page.goto((example_site / "site/lists/feature-learning/index.html").as_uri())
    page.keyboard.press("/")
    page.keyboard.type("registers")
    # Each key typed searches again: wait for the last search's answer, not the first one drawn ("r", "re", …)
    expect(page.locator("#search-status")).to_have_text("2 papers match.")
    first = page.locator("#search-popup .popup-results a").first
    expect(first).to_have_text(re.compile(r"^Vision Transformers (Need|Don't Need Trained) Registers$"))
    expect(page.locator("#search-popup mark").first).to_have_text(re.compile(r"^register", re.IGNORECASE))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/papers/vision-transformers*/index.html")


def test_search_page_restores_the_query_and_filters(example_site: Path, visit: Any) -> None:
    page = visit().page
    page.goto((example_site / "site/search/index.html").as_uri() + "?q=vision%20transformers")
    expect(page.locator(".results .result-title").first).to_contain_text("Vision Transformer")
    total = search_drawn(page)
    more = page.locator(".facet-tags .facet-more")
    more.click()  # the most common tags first, the rest on request: drawn again once the search has run again
    expect(more).to_have_text("Fewer")
    page.locator(".facet-tags label", has_text="Vision transformers").locator("input").check()
    # the filtered answer (the count says so), not the count of the answer before, still shown while the new one is made
    count = page.locator(".result-count")
    expect(count).to_have_text(re.compile(r"^[\d,]+ papers? match(es)?\. [\d,]+ more without the filters\.$"))
    filtered, without = (int(n.replace(",", "")) for n in re.findall(r"[\d,]+", count.inner_text()))
    assert 0 < filtered < total and filtered + without == total
    with redrawn(page.locator(".results .result")):
        page.locator("#search-sort").select_option("title")
    assert search_drawn(page) == filtered
    titles = page.locator(".results .result-title").all_inner_texts()
    assert len(titles) > 1
    assert titles == sorted(titles, key=str.lower)
    page.fill("#search-page-input", "zzzzqqq")
    expect(count).to_have_text("No papers match.")


def test_search_reports_an_index_that_cannot_load(example_site: Path, tmp_path: Path, visit: Any) -> None:
    import shutil
    broken = tmp_path / "site"
    shutil.copytree(example_site / "site", broken)
    (broken / "search-index.js").unlink()
    v = visit()
    v.page.goto((broken / "search/index.html").as_uri() + "?q=vision")
    v.page.wait_for_function("() => document.querySelector('.result-count').textContent.includes('could not be loaded')")
    v.errors.clear()  # the missing file is the point of this test


def test_the_theme_toggle_stands_in_the_same_place_on_every_page(example_site: Path, visit: Any) -> None:
    """On the search page (its header has no search box) the toggle stood beside "Tags", not at the right; on a
    phone, where the search box has a row of its own, it stood beside "Tags" on every other page."""
    for width in (1280, 390):
        page = visit(viewport={"width": width, "height": 800}).page
        places = []
        for url in ("index.html", "search/index.html?q=vision", "papers/index.html", "lists/feature-learning/index.html"):
            page.goto((example_site / "site" / url.split("?")[0]).as_uri() + ("?q=vision" if "?" in url else ""))
            if "?" in url:  # measured once the results are drawn: a page that grows past the screen gains a scroll bar
                search_drawn(page)
            toggle = page.locator(".theme-toggle")
            expect(toggle).to_be_visible()
            box = toggle.bounding_box()
            assert box is not None
            places.append(round(box["x"] + box["width"]))
        assert len(set(places)) == 1, (width, places)
        bar = page.locator(".site-header .bar").bounding_box()
        assert bar is not None and bar["x"] + bar["width"] - 24 <= places[0], (width, places, bar)  # at the bar's right end


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


AXE_PAGES = {
    "home": ("index.html", None),
    "list, filtered": ("lists/feature-learning/index.html", "Read 3"),
    "tag": ("tags/interpretability/index.html", None),
    "all papers": ("papers/index.html", None),
    "paper with math and status": ("papers/vision-transformers-need-registers/index.html", None),
    "search": ("search/index.html?q=vision", None),
    "404": ("404.html", None),
}


@pytest.mark.parametrize("name", AXE_PAGES)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_accessibility_violations_with_every_axe_rule(reading_site: Path, visit: Any, name: str, scheme: str) -> None:
    path, button = AXE_PAGES[name]
    v = visit(bypass_csp=True, color_scheme=scheme)
    page = v.page
    page.goto((reading_site / "site").as_uri() + "/" + path)
    if button:
        page.get_by_role("button", name=button).click()
        expect(page.locator(".filter-status")).not_to_have_text("")
    if "math" in name:
        expect(page.locator(".katex").first).to_be_visible()
    if name == "search":  # the whole answer drawn (results, then facets), not whatever part of it is there yet
        search_drawn(page)
    page.add_script_tag(path=str(AXE))
    every_rule = "{runOnly: {type: 'rule', values: axe.getRules().map(r => r.ruleId)}, resultTypes: ['violations']}"
    result = page.evaluate(f"axe.run(document, {every_rule})")
    # axe itself tries to read the stylesheets with XMLHttpRequest, which file:// refuses: its noise, not ours
    v.errors[:] = [e for e in v.errors if "XMLHttpRequest" not in e and "net::ERR_FAILED" not in e]
    found = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert found == []


def test_dark_highlight_keeps_its_contrast(example_site: Path, visit: Any) -> None:
    """A search hit's <mark> inside a link: the pair axe saw at 3.99:1 (axe skips text in popups)."""
    page = visit(color_scheme="dark").page
    page.goto((example_site / "site/index.html").as_uri())
    page.keyboard.press("/")
    page.keyboard.type("registers")
    # each key typed searches again: the answer to "registers" (an earlier one may have no <mark> at all)
    expect(page.locator("#search-status")).to_have_text("2 papers match.")
    mark = page.locator("#search-popup mark").first
    expect(mark).to_be_visible()
    colours = page.evaluate("""() => { const m = document.querySelector('#search-popup mark');
        return [getComputedStyle(m).color, getComputedStyle(m).backgroundColor]; }""")
    assert contrast(*colours) >= 7, colours


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast of two computed `rgb(r, g, b)` colours."""
    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_touch_targets_on_a_phone(reading_site: Path, visit: Any) -> None:
    page = visit(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).page
    page.goto((reading_site / "site/lists/feature-learning/index.html").as_uri())
    for target in [page.locator(".code-link").first,
                   page.locator("button[data-status]").first]:
        box = target.bounding_box()
        assert box is not None and box["height"] >= 24, (target, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling


class SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """GitHub Pages in miniature: the site under /repo/, and 404.html for any missing path."""

    def translate_path(self, path: str) -> str:
        return super().translate_path(path.removeprefix("/repo"))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != 404:
            super().send_error(code, message, explain)
            return
        body = (Path(self.directory) / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def sub_path_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SubPathHandler, directory=str(tmp_path / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/repo/", tmp_path
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_404_at_a_nested_path_is_styled_and_its_links_work(sub_path_server: tuple[str, Path], browser: Any, scheme: str) -> None:
    base, root = sub_path_server
    write_site(root, {"sitegen.yml": f"title: Nested\nbase_url: {base}\n",
                      "content/taxonomy.yml": "vision:\n  phrases: [vision]\n",
                      "content/lists/one.txt": raw_list("A Vision Paper", "Another Vision Paper")})
    assert run_sitegen("build", "-s", root, env=EPOCH).returncode == 0
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    response = page.goto(base + "papers/old-slug/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(21, 23, 27)" if scheme == "dark" else "rgb(251, 250, 247)")  # the stylesheet applied
    expect(page.locator(".theme-toggle")).to_be_visible()  # and the scripts ran
    assert all(url.startswith(base) for url in requests), requests  # no favicon.ico, nothing from elsewhere
    page.get_by_role("link", name="list of all papers").click()
    expect(page.locator("h1")).to_have_text("All papers")
    assert page.url == base + "papers/index.html"
    context.close()


def test_pages_work_without_javascript(example_site: Path, visit: Any) -> None:
    page = visit(java_script_enabled=False).page
    page.goto((example_site / "site/lists/feature-learning/index.html").as_uri())
    assert page.locator(".papers > .paper-item").count() == 75
    expect(page.locator(".teaser p").first).to_be_visible()  # the start of each abstract, shown
    page.get_by_role("link", name="Papers", exact=True).click()
    expect(page.locator(".paper-index li")).to_have_count(230)
