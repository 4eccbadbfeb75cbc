"""Properties over many builds: user edits survive anything; both cores give the same bytes as one."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import raw_list, write_site
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sitegen import parallel
from sitegen.build import run_build
from sitegen.errors import Diagnostics
from sitegen.pages import read_page

TITLES = [f"Paper About Topic {name}" for name in ("Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta")]
NOTE = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).map(lambda t: t.replace("---", "- - -"))
OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("note"), st.integers(0, 5), NOTE),
    st.tuples(st.just("status"), st.integers(0, 5), st.sampled_from(["unread", "reading", "read"])),
    st.tuples(st.just("key"), st.integers(0, 5), st.sampled_from(["my_rating", "venue", "read_on"])),
    st.tuples(st.just("lists"), st.sets(st.integers(0, 5), max_size=6), st.just("")),
    st.tuples(st.just("build"), st.just(0), st.just("")),
), min_size=1, max_size=12)


def slug(i: int) -> str:
    return TITLES[i].lower().replace(" ", "-")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPERATIONS)
def test_no_sequence_of_edits_and_rebuilds_loses_a_user_field_or_note(operations: list[tuple[str, object, str]]) -> None:
    with tempfile.TemporaryDirectory() as work:
        site = write_site(Path(work), {"content/lists/week.txt": raw_list(*TITLES)})
        run_build(site, site / "site", Diagnostics())
        expected: dict[str, dict[str, str]] = {}  # slug → what the user put in its page
        for kind, target, value in operations:
            if kind == "lists":
                chosen = [TITLES[i] for i in sorted(target)]  # type: ignore[union-attr]
                (site / "content/lists/week.txt").write_text(raw_list(*chosen) if chosen else "Daily Papers\n")
            elif kind == "build":
                run_build(site, site / "site", Diagnostics())
            else:
                path = site / "content/papers" / f"{slug(target)}.md"  # type: ignore[arg-type]
                if not path.exists():
                    continue
                text = path.read_text(encoding="utf-8")
                mine = expected.setdefault(path.stem, {})
                if kind == "note":
                    text += value + "\n"
                    mine["note"] = mine.get("note", "") + value + "\n"
                elif kind == "status":
                    text = text.replace(f"\nstatus: {mine.get('status', 'unread')}\n", f"\nstatus: {value}\n")
                    mine["status"] = value
                elif kind == "key" and value not in mine:
                    text = text.replace("\n---\n", f"\n{value}: mine\n---\n", 1)
                    mine[value] = "mine"
                path.write_text(text, encoding="utf-8")
        run_build(site, site / "site", Diagnostics())
        for page_slug, mine in expected.items():
            path = site / "content/papers" / f"{page_slug}.md"
            edited = mine.get("note") or mine.get("status", "unread") != "unread" or any(k not in ("note", "status") for k in mine)
            if not edited:
                continue
            assert path.exists(), page_slug
            source = read_page(path, path.read_text(encoding="utf-8"))
            assert source.body.endswith(mine.get("note", ""))
            assert source.entries["status"].value == mine.get("status", "unread")
            for key in set(mine) - {"note", "status"}:
                assert source.entries[key].value == "mine"


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork and two cores")
def test_two_cores_write_the_same_bytes_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lists = {f"content/lists/week-{k}.txt": raw_list(*[f"Paper {k} About Topic {i}" for i in range(60)]) for k in range(3)}
    one = write_site(tmp_path / "one", {**lists, "content/taxonomy.yml": "topic:\n  phrases: [deep networks]\n"})
    two = tmp_path / "two"
    shutil.copytree(one, two)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    run_build(one, one / "site", Diagnostics())
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    run_build(two, two / "site", Diagnostics())
    files = lambda root: {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}  # noqa: E731
    assert len(files(one / "site")) > 200
    assert files(one / "site") == files(two / "site")


# Names that are URLs too: a page or list file may be renamed to anything a file name may hold.
FILE_NAMES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"), min_size=1, max_size=24).filter(
    lambda n: not n.startswith(".") and len(n.encode()) < 200)


def resolve(page: Path, href: str, root: Path) -> Path:
    """The file a browser opens for `href` on `page` (a file:// URL): fragment and query cut, escapes decoded."""
    from urllib.parse import unquote, urljoin, urlsplit

    return Path(unquote(urlsplit(urljoin(page.as_uri(), href)).path))


@pytest.fixture(scope="module")
def named_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = write_site(tmp_path_factory.mktemp("named"), {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper")})
    run_build(site, site / "site", Diagnostics())
    return site


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=FILE_NAMES, kind=st.sampled_from(["papers", "lists"]))
@example(name="paper.html", kind="papers")
@example(name="vit#registers", kind="papers")
@example(name="what?", kind="papers")
@example(name="100%41", kind="papers")
@example(name="a b ü", kind="papers")
def test_every_link_to_a_renamed_page_or_list_opens_its_file(named_site: Path, name: str, kind: str) -> None:
    """A page renamed `vit#registers.md` (or `100%.md`, `a b?.md`, any name) either builds with every
    link to it (pages and search index) opening the file written, or is refused in one line naming it."""
    from html.parser import HTMLParser

    from sitegen.errors import SitegenError, format_place
    from sitegen.parse import list_slug
    from sitegen.search import read_payload

    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site-folder"
        shutil.copytree(named_site, site, symlinks=True)
        old = site / "content" / kind / ("alpha-paper.md" if kind == "papers" else "week.txt")
        renamed = old.with_name(name + old.suffix)
        old.rename(renamed)
        try:
            run_build(site, site / "site", Diagnostics())
        except SitegenError as error:
            assert str(error).startswith(format_place(renamed, None, "")) and "rename it" in str(error), str(error)
            return
        target = site / "site" / kind / (name if kind == "papers" else list_slug(renamed)) / "index.html"
        assert target.is_file()

        class Hrefs(HTMLParser):
            def __init__(self) -> None:
                super().__init__()
                self.found: list[str] = []

            def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                self.found += [v for k, v in attrs if k == "href" and v and ":" not in v.split("/")[0]]

        reaching = 0
        for page in filter(Path.is_file, (site / "site").rglob("*.html")):
            parser = Hrefs()
            parser.feed(page.read_text(encoding="utf-8"))
            for href in parser.found:
                opened = resolve(page, href, site / "site")
                assert opened.is_file() or opened.is_dir(), (page, href)
                reaching += opened == target
        assert reaching >= 2  # the index and the list (or the list's own pages) link to it
        if kind == "papers":
            urls = [doc.url for doc in read_payload(site / "site" / "search-index.js").docs]
            assert any(resolve(site / "site" / "search" / "index.html", "../" + url, site / "site") == target for url in urls)
