"""Properties over many builds: user edits survive anything; both cores give the same bytes as one."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import raw_list, write_site
from hypothesis import HealthCheck, given, settings
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
