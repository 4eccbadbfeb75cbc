"""A cloned site is someone else's input: its templates, YAML, values, hrefs and requests never run
code, exhaust the machine or end in a traceback; each problem is one line at its file and line."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from conftest import raw_list, run_sitegen, write_site
from sitegen import parallel
from sitegen.errors import Diagnostics, SitegenError


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def built_site(root: Path) -> Path:
    site = write_site(root, {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper")})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    return site


def one_line_error(result: object, prefix: str) -> str:
    """The command failed with exactly one error line, starting `prefix`, and no traceback."""
    stderr = result.stdout + result.stderr  # type: ignore[attr-defined]  # check reports on stdout
    assert result.returncode == 1, stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {prefix}"), stderr
    return errors[0]


def refused_in_build_and_check(site: Path, prefix: str) -> str:
    """Build and check both refuse with the same line; site/ and the pages stay as they were."""
    before = {k: v for k, v in tree(site).items() if k.startswith(("site/", "content/papers/"))}
    line = one_line_error(run_sitegen("build", "-s", site), prefix)
    assert one_line_error(run_sitegen("check", "-s", site), prefix) == line
    assert {k: v for k, v in tree(site).items() if k.startswith(("site/", "content/papers/"))} == before
    return line


# 1. Templates run sandboxed and bounded

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ paper.path.read_text() }}",
    "{{ paper.path.write_text('owned') }}",
    "{{ paper.path.parent.parent.joinpath('sitegen.yml').read_text() }}",
    "{{ lipsum.__globals__['os'].system('touch owned') }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ self._TemplateReference__context.environment }}",
    "{{ collection_counts.__self__.catalog }}",
    "{{ lipsum.__globals__['__builtins__']['open']('/etc/hostname').read() }}",
    "{% set x = catalog.papers.__class__ %}{{ x.__subclasses__() }}",
    "{{ paper|attr('path')|attr('read_bytes')() }}",
    "{{ catalog.routes.clear() }}",
]
COSTS = [
    "{% for i in range(10**9) %}{% endfor %}",
    "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
    "{{ 'x' * 10**10 }}",
    "{{ 10 ** (10 ** 9) }}",
    "{% set ns = namespace(s='x' * 1000) %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "{{ '%0999999999d' % 1 }}",
    "{% set ns = namespace(s='xx') %}{% for i in range(64) %}{% set ns.s = ns.s|replace('x', 'xx') %}{% endfor %}",
    "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "{{ 'x'|center(2000000000) }}",
    "{{ 'x'|indent(10**9, true) }}",
    "{{ [1]|batch(10**9, 0)|list }}",
    "{{ lipsum(10**6) }}",
    "{{ 'x'.zfill(10**9) }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '%0999999999d'|format(1) }}",
    "{% set s = 'y' * 10**7 %}{% for i in range(99999) %}{{ s }}{% endfor %}",
]


@pytest.mark.parametrize("attack", ESCAPES + COSTS)
def test_a_template_reaching_out_or_costing_without_bound_is_one_line_at_its_line(tmp_path: Path, attack: str) -> None:
    site = built_site(tmp_path)
    write_site(site, {"templates/paper.html": "{% extends 'default/paper.html' %}\n{% block main %}\n" + attack + "\n{% endblock %}\n"})
    line = refused_in_build_and_check(site, f"{site}/templates/paper.html:3: ")
    assert len(line) < 400
    assert not (site / "owned").exists() and not (site / "content/papers/alpha-paper.md").read_text().startswith("owned")


def test_a_template_that_includes_itself_is_one_line(tmp_path: Path) -> None:
    site = built_site(tmp_path)
    write_site(site, {"templates/paper.html": "{% extends 'default/paper.html' %}\n{% block main %}\n{% include 'loop.html' %}\n{% endblock %}\n",
                      "templates/loop.html": "x\n{% include 'loop.html' %}\n"})
    refused_in_build_and_check(site, f"{site}/templates/loop.html:2: templates include or call each other without end")


def test_a_sandboxed_template_still_builds_what_it_may(tmp_path: Path) -> None:
    site = built_site(tmp_path)
    write_site(site, {"templates/paper.html": "{% extends 'default/paper.html' %}\n{% block main %}\n"
                      "<p id=mine>{{ paper.title|upper }} {{ paper.path.name }} {{ catalog.papers|length }} "
                      "{% for i in range(3) %}{{ i * 2 }}{% endfor %} {{ '%05d' % 42 }} {{ 2 ** 10 }} {{ '{:>4}'.format(7) }} "
                      "{{ 'ab'|center(4) }} {{ [1, 2, 3]|batch(2)|list }}</p>\n{% endblock %}\n"})
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    page = (site / "site/papers/alpha-paper/index.html").read_text()
    assert "<p id=mine>ALPHA PAPER alpha-paper.md 2 024 00042 1024    7  ab  [[1, 2], [3]]</p>" in page


# 2. Every template failure is one line at the template's file and line, from build and check alike

FAILURES = [
    ("{{ 1/0 }}", "paper.html:3: ZeroDivisionError: division by zero"),
    ("{{ no_such_name.x }}", "paper.html:3: 'no_such_name' is undefined"),
    ("{% include 'missing.html' %}", "paper.html:3: template 'missing.html' not found"),
    ("{{ paper.title|format(1, 2) }}", "paper.html:3: TypeError: not all arguments converted"),
    ("{{ catalog.path('nosuch', 'x') }}", "paper.html:3: KeyError"),
]


@pytest.mark.parametrize(("text", "message"), FAILURES)
def test_a_failing_template_is_one_line_at_its_line(tmp_path: Path, text: str, message: str) -> None:
    site = built_site(tmp_path)
    write_site(site, {"templates/paper.html": "{% extends 'default/paper.html' %}\n{% block main %}\n" + text + "\n{% endblock %}\n"})
    refused_in_build_and_check(site, f"{site}/templates/{message}")


def test_a_template_that_is_not_utf8_is_one_line_at_its_line(tmp_path: Path) -> None:
    site = built_site(tmp_path)
    write_site(site, {"templates/paper.html": b"{% extends 'default/paper.html' %}\n\n<p>caf\xe9</p>\n"})
    refused_in_build_and_check(site, f"{site}/templates/paper.html:3: a template must be UTF-8 text")
    write_site(site, {"templates/paper.html": "{% extends 'default/paper.html' %}\n{% block main %}{% include 'bad.html' %}{% endblock %}\n",
                      "templates/bad.html": b"ok\n\xff\n"})
    refused_in_build_and_check(site, f"{site}/templates/bad.html:2: a template must be UTF-8 text")


# 3. YAML that aliases expand past any sane size is refused before it is built

ALIAS_BOMB = ('a: &a "' + "A" * 30_000 + '"\n' + "".join(f"{k}: &{k} [{', '.join([f'*{p}'] * 10)}]\n" for p, k in zip("abc", "bcd", strict=True)))


@pytest.mark.parametrize(("name", "text", "line"), [
    ("content/papers/alpha-paper.md", "---\ntitle: Alpha Paper\n" + ALIAS_BOMB + "---\nnotes\n", 6),
    ("sitegen.yml", "title: Mine\n" + ALIAS_BOMB, 5),
    ("content/taxonomy.yml", ALIAS_BOMB, 4),
])
def test_yaml_whose_aliases_expand_past_a_sane_size_is_one_line(tmp_path: Path, name: str, text: str, line: int) -> None:
    site = built_site(tmp_path)
    write_site(site, {name: text})
    refused_in_build_and_check(site, f"{site}/{name}:{line}: YAML too large once its aliases are expanded")


# 4. A value of the wrong type, under any key of a page, the settings or the taxonomy, is one line

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=8), st.sampled_from(["unread", "read", "-x", "c#", "2309.16588", "https://a.org/", "2024-01-02"]),
                    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=6)
PAGE_KEYS = ["title", "abstract", "links", "found_links", "lists", "auto_tags", "tags", "status", "metadata", "lookup", "rating",
             "arxiv", "doi", "authors", "year", "venue", "url", "code", "project", "notes"]
SETTINGS_KEYS = ["title", "description", "base_url", "author", "recent_count", "related_count", "lists", "search", "language", "x"]


def outcome(step: Callable[[Path, Path, Diagnostics], object], site: Path) -> str:
    """'ok', or the one-line error `step` (a build, or a check: neither writes to the site then) stopped
    with, at the site's file; any other exception fails the test."""
    try:
        step(site, site / "site", Diagnostics())
    except SitegenError as error:
        text = str(error)
        assert "\n" not in text and text.startswith(str(site)), text
        return text
    return "ok"


def build_in_process(site: Path) -> str:
    from sitegen.build import run_build

    return outcome(run_build, site)


WRONG = [None, True, 7, 2.5, "text", dt.date(2024, 1, 2), [1, {"a": 1}], {"x": 1}, {"x": [1, [2]]}, [[]], {"1": {"a": None}},
         ["a", None], {"x": None}, {"x": ["a", 1]}, [{"list": 1, "position": "x", "date": "y"}], [{"list": "week", "position": 1}]]


def checked(site: Path) -> str:
    from sitegen.check import check_build

    return outcome(check_build, site)


@pytest.fixture(scope="module")
def typed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built site, with one page whose paper left every list (its values are read from the page alone)."""
    site = tmp_path_factory.mktemp("typed")
    write_site(site, {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper")})
    assert build_in_process(site) == "ok"
    beta = site / "content/papers/beta-paper.md"
    beta.write_text(beta.read_text() + "My notes: kept.\n")
    write_site(site, {"content/lists/week.txt": raw_list("Alpha Paper")})
    assert build_in_process(site) == "ok"
    return site


@pytest.mark.parametrize("key", PAGE_KEYS)
def test_a_value_of_any_type_under_any_key_of_a_page_is_never_a_traceback(typed_site: Path, key: str) -> None:
    for where in ("alpha-paper", "beta-paper"):  # in a list, and in none
        page = typed_site / "content/papers" / f"{where}.md"
        kept = page.read_bytes()
        values = yaml.safe_load(kept.decode().split("---\n")[1])
        try:
            for value in WRONG:
                page.write_text("---\n" + yaml.safe_dump({**values, key: value}) + "---\nnotes\n")
                checked(typed_site)
        finally:
            page.write_bytes(kept)


@settings(max_examples=100, deadline=None)
@given(key=st.sampled_from(SETTINGS_KEYS), value=st.one_of(st.sampled_from(WRONG), VALUES), nested=st.booleans())
def test_any_value_under_any_key_of_the_settings_is_never_a_traceback(typed_site: Path, key: str, value: object, nested: bool) -> None:
    settings_file = typed_site / "sitegen.yml"
    settings_file.write_text(yaml.safe_dump({"lists": {"week": {key: value}}} if nested else {key: value}))
    try:
        checked(typed_site)
    finally:
        settings_file.unlink()


@settings(max_examples=100, deadline=None)
@given(spec=st.one_of(st.sampled_from(WRONG), VALUES), key=st.sampled_from(["phrases", "not", "title", "description", "x"]))
def test_any_value_in_a_taxonomy_entry_is_never_a_traceback(typed_site: Path, spec: object, key: str) -> None:
    taxonomy = typed_site / "content/taxonomy.yml"
    taxonomy.write_text(yaml.safe_dump({"alpha": {"phrases": ["alpha"], key: spec}, "beta": spec}))
    try:
        checked(typed_site)
    finally:
        taxonomy.unlink()


def test_a_memo_planted_with_its_times_kept_is_never_read_however_right_it_looks(tmp_path: Path) -> None:
    """An archive unpacked with its times kept carries memo files whose size and modification time are what its
    build record says: well-formed values under the very keys the build asks for (here the phrases' findings, a
    tag the papers do not have) would be used, and once kept, trusted. Only a memo file with this machine's
    inode and change time as recorded is read: the planted one is ignored, saying so, and never published."""
    import json
    import os
    import pickle

    from sitegen.records import TagMatch
    from sitegen.state import RecordsOnly

    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper"),
                                 "content/taxonomy.yml": "deep:\n  phrases: [deep networks]\nplanted:\n  phrases: [nowhere to be found]\n"})
    assert run_sitegen("build", "-s", site).returncode == 0
    (site / "sitegen.yml").write_text("title: Mine\n")  # a build to do, with the same papers and taxonomy
    path = site / ".sitegen/memo-tags.pickle"
    memo = RecordsOnly(path.open("rb")).load()
    path.write_bytes(pickle.dumps({key: {slug: (TagMatch("planted", ("nowhere to be found",), 9.0),) for slug in value}
                                   for key, value in memo.items()}))
    os.utime(path, ns=(1_700_000_000 * 10**9,) * 2)  # whole seconds, as tar keeps them
    record_path = site / ".sitegen/build.json"
    record = json.loads(record_path.read_text())
    record["memo"]["tags"] = [path.stat().st_size, path.stat().st_mtime_ns]
    record_path.write_text(json.dumps(record))
    results = []
    for _ in range(2):  # and the build after, once the memo is this machine's
        results.append(run_sitegen("build", "-s", site))
        assert results[-1].returncode == 0, results[-1].stderr
        assert "planted" not in (site / "site/papers/alpha-paper/index.html").read_text()
        assert "planted" not in (site / "content/papers/alpha-paper.md").read_text()
    assert "memo-tags.pickle: not left by this site's last build" in results[0].stderr
    assert ".sitegen" not in results[1].stderr


# 5. check and search read back what is in site/, whatever it holds

def index_variants(text: str) -> list[str]:
    """search-index.js texts sitegen never writes: nested past the stack, each base key of the wrong type."""
    base = json.loads(text[len("window.SITEGEN_SEARCH="):].rstrip().removesuffix(";"))
    wrong = [{**base, key: value} for key in sorted(base) if key != "format" for value in (7, "x", [[1]], {"a": None}, None)]
    return ["window.SITEGEN_SEARCH=" + "[" * 100_000 + "]" * 100_000 + ";", "window.SITEGEN_SEARCH=" + "9" * 5000 + ";",
            *("window.SITEGEN_SEARCH=" + json.dumps(b) + ";" for b in wrong)]


def test_check_and_search_on_an_index_sitegen_never_wrote_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sitegen.check import check_output
    from sitegen.cli import main

    site = built_site(tmp_path)
    index = site / "site/search-index.js"
    for number, text in enumerate(index_variants(index.read_text())):
        index.write_text(text)
        findings = [str(f) for f in check_output(site / "site")]  # what `sitegen check` adds about the built site
        if number < 2:
            assert f"warning: {index}: not a sitegen search index; run `sitegen build` to rebuild it" in findings, findings
        capsys.readouterr()
        status = main(["search", "-s", str(site), "alpha"])
        stderr = capsys.readouterr().err
        if status:  # a key the search does not use may be anything
            assert stderr.startswith(f"error: {site}/site/") and len(stderr.splitlines()) == 1, (text[:300], stderr)


def test_check_on_hrefs_no_file_system_can_hold_is_one_line_each(tmp_path: Path) -> None:
    site = built_site(tmp_path)
    home = site / "site/index.html"
    links = ['<a href="' + "x" * 300 + '/index.html">a</a>', '<a href="' + "/".join(["y" * 200] * 30) + '">b</a>',
             '<a href="http://[oops/">c</a>', '<img src="' + "%41" * 5000 + '.png">']
    home.write_text(home.read_text().replace("</body>", "".join(links) + "</body>"))
    result = run_sitegen("check", "-s", site)
    report = result.stdout + result.stderr
    assert "Traceback" not in report and "internal error" not in report, report
    assert len([line for line in report.splitlines() if line.startswith(f"warning: {home}: ")]) == len(links), report
    assert all(len(line) < 400 for line in report.splitlines()), report


# 7. Tags that name no page, or different tags that would share one, are said

def test_tags_naming_no_page_or_sharing_one_are_a_warning_each(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper", "Gamma Paper")})
    assert run_sitegen("build", "-s", site).returncode == 0
    pages = {name: site / f"content/papers/{name}-paper.md" for name in ("alpha", "beta", "gamma")}
    tags = {"alpha": '["c#", "", ".", "Deep Learning"]', "beta": '["C++", "..", "-", "deep-learning"]', "gamma": '["c", "Café", "cafe"]'}
    for name, page in pages.items():
        page.write_text(page.read_text().replace("tags: []", f"tags: {tags[name]}"))
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 0, result.stderr
    line = {name: page.read_text().splitlines().index(f"tags: {tags[name]}") + 1 for name, page in pages.items()}
    warnings = [w for w in result.stderr.splitlines() if w.startswith("warning:")]
    for name, tag in [("alpha", ""), ("alpha", "."), ("beta", ".."), ("beta", "-")]:
        assert f"warning: {pages[name]}:{line[name]}: tag {tag!r} has no letter or digit to name its page: ignored" in warnings, warnings
    shared = [w for w in warnings if "share the page tags/c/" in w]
    assert len(shared) == 2 and all(w.startswith((f"warning: {pages['beta']}:{line['beta']}: tag 'C++'",
                                                   f"warning: {pages['gamma']}:{line['gamma']}: tag 'c'")) for w in shared), warnings
    assert not any("deep" in w or "caf" in w for w in warnings), warnings  # one tag, spelled two ways
    assert len(warnings) == 6, warnings


def test_removing_a_tag_the_taxonomy_has_not_is_a_warning_with_the_near_name(tmp_path: Path) -> None:
    """A typo in a removal ('-transformer' for 'transformers') removed nothing and said nothing."""
    taxonomy = "object-detection:\n  title: Object detection\n  phrases: [object detection]\n"
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Object Detection at Scale"), "content/taxonomy.yml": taxonomy})
    assert run_sitegen("build", "-s", site).returncode == 0
    page = site / "content/papers/object-detection-at-scale.md"
    page.write_text(page.read_text().replace("tags: []", 'tags: ["-object-detectin", "-object-detection", "Mine"]'))
    line = page.read_text().splitlines().index('tags: ["-object-detectin", "-object-detection", "Mine"]') + 1
    for command in ("build", "check"):
        result = run_sitegen(command, "-s", site)
        warnings = [w for w in (result.stdout + result.stderr).splitlines() if w.startswith("warning:")]
        assert warnings == [f"warning: {page}:{line}: tag '-object-detectin' removes nothing: the taxonomy has no tag "
                            "'object-detectin' (did you mean '-object-detection'?)"], (command, warnings)


# 8. BibTeX: @string chains resolved as BibTeX does; a brace too many skips its entry, said at its line

BIB_WITH_CHAINS = """@string{conf = "Neural"}
@string{full = conf # " Information Processing"}
@string{year = 2021}
@inproceedings{k1, title = {Chained}, booktitle = full # { Systems}, year = year}
@article{k2, title={A }}}B}, year={2021}}
@article{k3, title={Also }B}, journal = {J}, year={2021}}
@article{k4, title={Fine}, year={2022}} % a comment after it
"""


def test_bibtex_string_chains_and_a_brace_too_many() -> None:
    from sitegen.errors import Diagnostics, SourceError
    from sitegen.parse_bibtex import parse_bibtex

    diagnostics = Diagnostics()
    _, entries = parse_bibtex(Path("refs.bib"), "refs", BIB_WITH_CHAINS, diagnostics)
    assert [(e.title, e.biblio.venue, e.biblio.year) for e in entries] == [
        ("Chained", "Neural Information Processing Systems", 2021), ("Fine", "", 2022)]
    assert [str(w) for w in diagnostics.warnings] == [
        f"refs.bib:{line}: skipped entry '{key}': a '}}' ends it before its last field (a brace too many in a value?)"
        for line, key in ((5, "k2"), (6, "k3"))]
    doubling = '@string{a = "' + "x" * 100 + '"}\n' + "".join(f"@string{{{chr(98 + i)} = {' # '.join([chr(97 + i)] * 10)}}}\n" for i in range(6))
    with pytest.raises(SourceError, match=r"refs.bib:5: @string 'e' expands to over 100,000 characters"):
        parse_bibtex(Path("refs.bib"), "refs", doubling + "@article{k, title = g}\n", Diagnostics())


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork and two cores")
def test_a_sitegen_folder_in_the_site_is_never_run_by_the_search_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cloned repository holding `sitegen/search/worker.py`, `copy.py` or `ctypes.py` of its own: building it
    (from its folder, as users do) runs only the installed sitegen and Python's own modules, in the build and in
    the search index's worker process."""
    from sitegen.build import run_build

    site = write_site(tmp_path / "cloned", {"content/lists/week.txt": raw_list("Alpha Paper", "Beta Paper")})
    planted = "import pathlib\npathlib.Path(__file__).with_name('RAN').write_text('planted code ran')\n"
    for name in ("sitegen/__init__.py", "sitegen/search/__init__.py", "sitegen/search/worker.py", "copy.py", "ctypes.py"):
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(planted if name.endswith(("worker.py", "copy.py", "ctypes.py")) else "")
    monkeypatch.chdir(site)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    run_build(site, site / "site", Diagnostics())
    assert not (site / "sitegen" / "search" / "RAN").exists() and not (site / "RAN").exists()
    assert (site / "site" / "search-index.js").is_file()
