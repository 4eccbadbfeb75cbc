"""`sitegen lookup` against a fake arXiv on 127.0.0.1 (tests/fake_arxiv.py), never the real service.

Pacing is checked on an injected clock (the client's sleeps advance it; the server reads it when a
request arrives), so a lookup of many batches takes no real time; one test checks the real spacing."""

from __future__ import annotations

import datetime as dt
import functools
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import raw_list, run_sitegen, write_site
from fake_arxiv import FakeArxiv, FakeArxivServer, FakePaper, Fault
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sitegen import cli, lookup
from sitegen.arxiv_api import API_ENV, Client
from sitegen.errors import Diagnostics
from sitegen.lookup import LookupSummary, fold_title, query_words, run_lookup

EPOCH = {"SOURCE_DATE_EPOCH": "1790000000"}
DAY = dt.date(2026, 12, 7)


class FakeTime:
    """A clock that moves only when slept on: pacing without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.slept.append(seconds)
        self.now += seconds


def built_site(root: Path, *titles: str, files: dict[str, str] | None = None) -> Path:
    write_site(root, {"content/lists/reading.txt": raw_list(*titles), **(files or {})})
    assert cli.main(["build", "-s", str(root), "-q"]) == 0
    return root


def page(site: Path, slug: str) -> Path:
    return site / "content" / "papers" / f"{slug}.md"


def pages(site: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((site / "content" / "papers").glob("*"))}


LOOKUP_BLOCK = re.compile(r"^lookup:\r?\n(?:  .*\r?\n)*", re.M)


def without_lookup(text: bytes) -> bytes:
    return LOOKUP_BLOCK.sub("", text.decode("utf-8")).encode("utf-8")


def looked_up(site: Path, slug: str) -> dict[str, Any]:
    from sitegen.pages import read_page

    path = page(site, slug)
    entry = read_page(path, path.read_text(encoding="utf-8")).entries.get("lookup")
    return dict(entry.value) if entry is not None else {}


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def serve(papers: list[FakePaper], clock: Any = time.monotonic, faults: list[Fault] | None = None) -> FakeArxivServer:
    return FakeArxivServer(FakeArxiv(list(papers), clock=clock, faults=list(faults or [])))


# The client's timeout or deadline where a test makes the first answer miss it: real seconds, which the answer after
# it (from a thread of this process, on a loaded machine) must meet. 0.3 s was missed once in a while.
SHORT_WAIT = 2.0


def paced(server: FakeArxivServer, fake_time: FakeTime, **options: Any) -> Client:
    return Client(url=server.url, clock=fake_time.clock, sleep=fake_time.sleep, **options)


def look(site: Path, client: Client, **options: Any) -> tuple[LookupSummary, Diagnostics]:
    diagnostics = Diagnostics()
    return run_lookup(site, diagnostics, client, **options), diagnostics


# The titles as a pasted list has them, and arXiv's versions of them: wrapped and spaced as arXiv's Atom
# has them, with TeX, accents, hyphen spacing, a trailing period; then the traps around them.
REGISTERS = FakePaper("2309.16588v2", "Vision Transformers Need Registers", ("Timothée Darcet", "Maxime Oquab", "Julien Mairal", "Piotr Bojanowski"),
                      journal_ref="ICLR 2024", doi="10.48550/arXiv.2309.16588", category="cs.CV")
DINO = FakePaper("2104.14294v2", "Emerging Properties in Self -Supervised Vision  Transformers.", ("Mathilde Caron", "Hugo Touvron"),
                 published="2021-04-29T17:58:54Z", category="cs.CV")
BETA = FakePaper("1804.03599v1", "Understanding disentangling in $\\beta$-VAE", ("Christopher P. Burgess",), published="2018-04-10T17:24:01Z",
                 category="stat.ML")
BRIDGES = FakePaper("2312.03491v1", "Schrödinger Bridges Beat Diffusion Models on Text-to-Speech Synthesis", ("Zehua Chen",),
                    published="2023-12-06T10:00:00Z", category="eess.AS")
OLD_STYLE = FakePaper("hep-th/9901001v3", "A Long Old Paper on Strings and Branes in Many Dimensions", ("Ed Witten",),
                      published="1999-01-01T00:00:00Z", journal_ref="Nucl. Phys. B 500 (1999) 1-20", category="hep-th")
FOLLOW_UP = FakePaper("2111.06377v3", "Masked Autoencoders Are Scalable Vision Learners", ("Kaiming He",), published="2021-11-11T18:46:40Z")
PLURAL = FakePaper("2106.04560v2", "Scaling Vision Transformers", ("Xiaohua Zhai",), published="2021-06-08T17:47:39Z")
TWIN_A = FakePaper("1706.03762v7", "Attention Is All You Need", ("Ashish Vaswani",), published="2017-06-12T17:57:34Z")
TWIN_B = FakePaper("2401.00001v1", "Attention is all you need.", ("Someone Else",), published="2024-01-01T00:00:00Z")
ARXIV = [REGISTERS, DINO, BETA, BRIDGES, OLD_STYLE, FOLLOW_UP, PLURAL, TWIN_A, TWIN_B]

EXACT = {  # the list's title → arXiv's paper
    "Vision Transformers Need Registers": REGISTERS,
    "Emerging Properties in Self-Supervised Vision Transformers": DINO,
    "Understanding Disentangling in β-VAE": BETA,
    "Schrodinger Bridges Beat Diffusion Models on Text-to-Speech Synthesis": BRIDGES,
    "A Long Old Paper on Strings and Branes in Many Dimensions": OLD_STYLE,
}
TRAPS = [
    "Masked Autoencoders",  # only a longer title that contains it
    "Scaling Vision Transformer",  # one word off (arXiv's stemming returns the plural)
    "Attention Is All You Need",  # two papers with exactly this title
    "A Paper Nobody Wrote About Anything",
]


def slug_of(title: str) -> str:
    from sitegen.parse import slugify

    return slugify(title, 80)


def test_exact_titles_get_their_id_and_authors_and_no_trap_gets_one(tmp_path: Path, fake_time: FakeTime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lookup, "BATCH", 3)  # several batches, so pacing between them is checked too
    site = built_site(tmp_path, *EXACT, *TRAPS)
    with serve(ARXIV, fake_time.clock) as server:
        summary, diagnostics = look(site, paced(server, fake_time), today=DAY)
        asked = server.fake.asked
    for title, paper in EXACT.items():
        found = looked_up(site, slug_of(title))
        assert found["arxiv"] == paper.arxiv.rsplit("v", 1)[0], title
        assert found["authors"] == list(paper.authors)
        assert found["year"] == int(paper.published[:4])
        assert found["category"] == paper.category
    assert looked_up(site, slug_of("Vision Transformers Need Registers"))["venue"] == "ICLR 2024"
    assert looked_up(site, slug_of("Vision Transformers Need Registers"))["doi"] == "10.48550/arXiv.2309.16588"
    for title in TRAPS:
        assert looked_up(site, slug_of(title)) == {"date": DAY}, title
    assert (summary.found, summary.not_found, summary.known) == (len(EXACT), len(TRAPS), 0)
    assert any("1706.03762, 2401.00001" in w.message for w in diagnostics.warnings)
    # batched (9 titles, 3 a request) and paced: at least 3 s between requests, on the clock the server reads
    assert summary.requests == len(asked) == 3
    assert all(b[0] - a[0] >= 3.0 for a, b in zip(asked, asked[1:], strict=False))
    assert all(re.fullmatch(r'ti:"[a-z0-9 .\']+"( OR ti:"[a-z0-9 .\']+")*', q) for _, _, q, _ in asked)


def test_user_values_and_notes_stay_byte_for_byte(tmp_path: Path, fake_time: FakeTime) -> None:
    site = built_site(tmp_path, "Vision Transformers Need Registers", "Emerging Properties in Self-Supervised Vision Transformers")
    own_id, own_authors = page(site, "vision-transformers-need-registers"), page(site, slug_of("Emerging Properties in Self-Supervised Vision Transformers"))
    own_id.write_text(own_id.read_text(encoding="utf-8").replace("status: unread\n", "status: read\narxiv: '2309.99999'  # mine\n")
                      + "\nMy notes.\r\nWith CRLF here.\n", encoding="utf-8")
    own_authors.write_bytes(own_authors.read_bytes().replace(b"status: unread\n", b"status: reading\nauthors: [Me Myself]\nmine: {a: 1}\n")
                            + b"\nNotes about $x$.\n")
    before = pages(site)
    with serve(ARXIV, fake_time.clock) as server:
        summary, _ = look(site, paced(server, fake_time))
        assert "registers" not in " ".join(q for _, _, q, _ in server.fake.asked)  # a page with its own id is never asked
    after = pages(site)
    assert after[own_id.name] == before[own_id.name]
    assert after[own_authors.name] != before[own_authors.name]
    assert without_lookup(after[own_authors.name]) == before[own_authors.name]  # only the lookup lines were added,
    assert re.search(rb"\nauto_tags: \{\}\nmetadata: \{\}\nlookup:\n(  .*\n)+# Above: kept up to date by sitegen", after[own_authors.name])  # in sitegen's part
    assert summary.found == 1
    assert cli.main(["build", "-s", str(site), "-q"]) == 0
    assert pages(site) == after  # the build keeps the lookup block and copies none of it into the page's own fields
    html = (site / "site" / "papers" / own_authors.stem / "index.html").read_text(encoding="utf-8")
    assert "Me Myself" in html and "Mathilde Caron" not in html  # the user's authors win
    assert "https://arxiv.org/abs/2104.14294" in html  # the id lookup found fills what the user did not give


def test_build_after_lookup_shows_ids_authors_and_bibtex_and_asks_nothing(tmp_path: Path, fake_time: FakeTime,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    site = built_site(tmp_path, "Vision Transformers Need Registers", "A Paper Nobody Wrote About Anything")
    with serve(ARXIV, fake_time.clock) as server:
        look(site, paced(server, fake_time))
        asked = len(server.fake.asked)
        result = run_sitegen("build", "-s", site, env={API_ENV: server.url, **EPOCH})
        assert result.returncode == 0, result.stderr
        assert len(server.fake.asked) == asked  # a build never asks arXiv
    html = (site / "site" / "papers" / "vision-transformers-need-registers" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://arxiv.org/abs/2309.16588"' in html and 'href="https://arxiv.org/pdf/2309.16588"' in html
    assert "Timothée Darcet, Maxime Oquab" in html and "ICLR 2024 · 2023" in html
    assert "author = {Darcet, Timothée and Oquab, Maxime" in html and "primaryClass = {cs.CV}" in html
    assert 'href="https://doi.org/10.48550/arXiv.2309.16588"' in html
    other = (site / "site" / "papers" / slug_of("A Paper Nobody Wrote About Anything") / "index.html").read_text(encoding="utf-8")
    assert "Find on arXiv" in other
    # undo: delete the block, and the page is what it was before the lookup
    before_lookup = page(site, "vision-transformers-need-registers")
    before_lookup.write_bytes(without_lookup(before_lookup.read_bytes()))
    assert run_sitegen("build", "-s", site, env=EPOCH).returncode == 0
    assert "arxiv.org/abs/2309.16588" not in (site / "site" / "papers" / "vision-transformers-need-registers" / "index.html").read_text(encoding="utf-8")


def test_a_bib_entrys_authors_rank_above_lookup_and_lookup_above_a_pasted_list(tmp_path: Path, fake_time: FakeTime) -> None:
    bib = "@inproceedings{darcet2024,\n  title = {Vision Transformers Need Registers},\n  author = {Darcet, T. and Bib, Author},\n  year = {2024}\n}\n"
    site = built_site(tmp_path, "Vision Transformers Need Registers", files={"content/lists/mine.bib": bib})
    with serve(ARXIV, fake_time.clock) as server:
        look(site, paced(server, fake_time))
    assert cli.main(["build", "-s", str(site), "-q"]) == 0
    html = (site / "site" / "papers" / "vision-transformers-need-registers" / "index.html").read_text(encoding="utf-8")
    assert "T. Darcet, Author Bib" in html and "Maxime Oquab" not in html  # the .bib's authors and year
    assert 'href="https://arxiv.org/abs/2309.16588"' in html  # lookup's id, which the .bib did not give


def test_a_second_lookup_asks_nothing_refresh_asks_again_and_dry_run_writes_nothing(tmp_path: Path, fake_time: FakeTime) -> None:
    site = built_site(tmp_path, *EXACT, *TRAPS)
    built_pages = pages(site)
    with serve(ARXIV, fake_time.clock) as server:
        dry, _ = look(site, paced(server, fake_time), dry_run=True)
        assert pages(site) == built_pages
        assert any(c.endswith("would record arXiv 2309.16588 (Timothée Darcet, Maxime Oquab, Julien Mairal et al.; 2023; ICLR 2024)")
                   for c in dry.changes)
        assert dry.found == len(EXACT) and len(dry.changes) == len(EXACT) + len(TRAPS)
        first, _ = look(site, paced(server, fake_time))
        written = pages(site)
        assert written != built_pages
        second, _ = look(site, paced(server, fake_time))
        assert (second.requests, second.known, second.found) == (0, len(EXACT) + len(TRAPS), 0)
        assert pages(site) == written
        server.fake.papers.remove(REGISTERS)  # arXiv no longer has it: a refresh keeps what was found before
        refreshed, _ = look(site, paced(server, fake_time), refresh=True)
        assert refreshed.requests >= 1 and refreshed.found == len(EXACT) - 1
        assert looked_up(site, "vision-transformers-need-registers")["arxiv"] == "2309.16588"


def test_pages_whose_title_is_shared_or_has_no_words_are_not_asked(tmp_path: Path, fake_time: FakeTime) -> None:
    site = built_site(tmp_path, "Vision Transformers Need Registers")
    copy = page(site, "vision-transformers-need-registers").read_text(encoding="utf-8").replace("We study how", "Another abstract entirely, on how")
    write_site(site, {"content/papers/another.md": copy.replace("position: 1", "position: 9").replace("list: reading", "list: other")})
    with serve(ARXIV, fake_time.clock) as server:
        summary, diagnostics = look(site, paced(server, fake_time))
        assert server.fake.asked == []
    assert summary.not_asked == 2 and sum("another page has this title" in w.message for w in diagnostics.warnings) == 2


def test_an_id_another_page_already_has_is_not_recorded_twice(tmp_path: Path, fake_time: FakeTime) -> None:
    site = built_site(tmp_path, "Vision Transformers Need Registers", "Registers for ViTs, Our Reading")
    mine = page(site, "registers-for-vits-our-reading")
    mine.write_text(mine.read_text(encoding="utf-8").replace("status: unread\n", "status: unread\narxiv: '2309.16588'\n"), encoding="utf-8")
    with serve(ARXIV, fake_time.clock) as server:
        summary, diagnostics = look(site, paced(server, fake_time))
    assert summary.found == 0 and "arxiv" not in looked_up(site, "vision-transformers-need-registers")
    assert any(f"{mine} is that paper already" in w.message for w in diagnostics.warnings)


def test_503_with_retry_after_is_honoured_and_never_shorter_than_3_s(tmp_path: Path, fake_time: FakeTime) -> None:
    site = built_site(tmp_path, "Vision Transformers Need Registers")
    with serve(ARXIV, fake_time.clock, [Fault("503", "17"), Fault("429", "1"), Fault("503")]) as server:
        summary, _ = look(site, paced(server, fake_time))
        times = [t for t, _, _, _ in server.fake.asked]
    assert [round(b - a, 3) for a, b in zip(times, times[1:], strict=False)] == [17.0, 3.0, 3.0]
    assert summary.found == 1 and summary.requests == 4


@pytest.mark.parametrize(("faults", "says"), [
    ([Fault("truncated")] * 4, "not a whole Atom feed"),
    ([Fault("html")] * 4, "an HTML page"),
    ([Fault("503", "3600")], "asks to wait 3600 s"),
])
def test_a_service_that_keeps_failing_stops_the_lookup_keeping_what_was_found(tmp_path: Path, fake_time: FakeTime, monkeypatch: pytest.MonkeyPatch,
                                                                              capsys: pytest.CaptureFixture[str], faults: list[Fault], says: str) -> None:
    monkeypatch.setattr(lookup, "BATCH", 1)
    site = built_site(tmp_path, "Vision Transformers Need Registers", "Understanding Disentangling in β-VAE")
    before = pages(site)
    with serve(ARXIV, fake_time.clock, [Fault("ok"), *faults]) as server:
        monkeypatch.setattr(lookup, "Client", functools.partial(Client, clock=fake_time.clock, sleep=fake_time.sleep))
        monkeypatch.setenv(API_ENV, server.url)
        status = cli.main(["lookup", "-s", str(site)])
    out, err = capsys.readouterr()
    assert status == 1
    assert "Traceback" not in err and len([line for line in err.splitlines() if line.startswith("error:")]) == 1
    assert says in err and "the pages looked up so far are kept" in err
    assert "lookup: 1 found, 0 not found" in out
    # pages go in file order: the first batch (β-VAE) was answered, the second never was
    assert looked_up(site, slug_of("Understanding Disentangling in β-VAE"))["arxiv"] == "1804.03599"
    assert pages(site)["vision-transformers-need-registers.md"] == before["vision-transformers-need-registers.md"]
    assert not list((site / "content" / "papers").glob(".sitegen-*"))


def test_a_refused_connection_is_one_line_and_exit_1(tmp_path: Path, fake_time: FakeTime, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    site = built_site(tmp_path, "Vision Transformers Need Registers")
    before = pages(site)
    with socket.socket() as unused:  # bound, not listening: connections to it are refused, and no other server can take it
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
        monkeypatch.setattr(lookup, "Client", functools.partial(Client, clock=fake_time.clock, sleep=fake_time.sleep))
        monkeypatch.setenv(API_ENV, f"http://127.0.0.1:{port}/api/query")
        assert cli.main(["lookup", "-s", str(site)]) == 1
    err = capsys.readouterr().err
    assert f"error: http://127.0.0.1:{port}/api/query: connection refused, 4 tries" in err and "Traceback" not in err
    assert pages(site) == before
    assert fake_time.slept == [6.0, 9.0, 15.0]  # the 3 s pacing, and 3, 6, 12 s more: backing off between tries


def test_a_wrong_address_is_not_asked_again(tmp_path: Path, fake_time: FakeTime) -> None:
    site = built_site(tmp_path, "Vision Transformers Need Registers")
    with serve(ARXIV, fake_time.clock) as server:
        summary, _ = look(site, Client(url=server.url.replace("/api/query", "/api/nothing"), clock=fake_time.clock, sleep=fake_time.sleep))
    assert summary.requests == 1 and summary.stopped.endswith("/api/nothing: HTTP 404 Not Found (is the address right?)")


def test_a_slow_answer_times_out_and_is_asked_again(tmp_path: Path, fake_time: FakeTime) -> None:
    site = built_site(tmp_path, "Vision Transformers Need Registers")
    with serve(ARXIV, fake_time.clock, [Fault("slow")]) as server:
        summary, _ = look(site, paced(server, fake_time, timeout=SHORT_WAIT))
    assert summary.requests == 2 and summary.found == 1 and not summary.stopped


def test_an_empty_answer_is_asked_once_more_and_a_cut_off_batch_asks_its_misses_alone(tmp_path: Path, fake_time: FakeTime,
                                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lookup, "RESULTS_PER_TITLE", 1)  # 2 titles, 2 results: the short title's matches crowd out the other's
    site = built_site(tmp_path, "Vision Transformers", "Understanding Disentangling in β-VAE")
    short = FakePaper("2401.00009v1", "Vision Transformers")
    with serve([*ARXIV, short], fake_time.clock, [Fault("empty")]) as server:
        summary, _ = look(site, paced(server, fake_time))
        asked = server.fake.asked
    assert summary.found == 2 and looked_up(site, "vision-transformers")["arxiv"] == "2401.00009"
    assert len(asked) == 3  # empty, the same again (cut off: β-VAE missing), then β-VAE alone
    assert asked[0][2] == asked[1][2] and asked[2][2] == 'ti:"understanding disentangling in beta vae"'
    assert asked[2][3] == lookup.RESULTS_ALONE


def test_a_query_arxiv_rejects_is_split_and_the_title_it_stumbles_on_left_out(tmp_path: Path, fake_time: FakeTime) -> None:
    site = built_site(tmp_path, "Vision Transformers Need Registers", "Understanding Disentangling in β-VAE")
    before = pages(site)
    with serve(ARXIV, fake_time.clock, [Fault("error"), Fault("error")]) as server:
        summary, diagnostics = look(site, paced(server, fake_time))
    assert summary.found == 1 and not summary.stopped and summary.requests == 3  # the pair, then each alone
    rejected = [w for w in diagnostics.warnings if "arXiv rejected the query: incorrect id format for 1234.12345" in w.message]
    beta = slug_of("Understanding Disentangling in β-VAE")
    assert [w.path.name for w in rejected] == [f"{beta}.md"]  # the first alone was rejected again: left out, untouched
    assert pages(site)[f"{beta}.md"] == before[f"{beta}.md"]
    assert looked_up(site, "vision-transformers-need-registers")["arxiv"] == "2309.16588"


def test_ctrl_c_between_batches_keeps_the_pages_found_so_far(tmp_path: Path) -> None:
    titles = [f"Paper Number {n} on Things" for n in range(1, 26)]  # two batches of 20 and 5
    site = built_site(tmp_path, *titles)
    before = pages(site)
    known = [FakePaper(f"2401.{n:05d}v1", t) for n, t in enumerate(titles, 1)]
    with serve(known) as server:
        result = run_sitegen("lookup", "-s", site, env={API_ENV: server.url, "SITEGEN_TEST_KILL_AT": "lookup-batch:1:INT"})
        assert len(server.fake.asked) == 1
    assert result.returncode == 130 and "Traceback" not in result.stderr
    assert "interrupted: the pages looked up so far are kept" in result.stderr
    after = pages(site)
    changed = [name for name in after if after[name] != before[name]]
    assert len(changed) == lookup.BATCH
    assert all(without_lookup(after[name]) == before[name] for name in changed)
    assert not list((site / "content" / "papers").glob(".sitegen-*"))


def test_requests_reach_the_server_at_least_3_s_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lookup, "BATCH", 1)
    site = built_site(tmp_path, "Vision Transformers Need Registers", "Understanding Disentangling in β-VAE")
    with serve(ARXIV) as server:
        summary, _ = look(site, Client(url=server.url))
        times = [t for t, _, _, _ in server.fake.asked]
    assert summary.found == 2 and len(times) == 2 and times[1] - times[0] >= 3.0


def test_a_long_batch_goes_as_post(tmp_path: Path, fake_time: FakeTime) -> None:
    titles = [f"A Rather Long Title About Representation Learning Number {n} With Many Words In It, As Some Titles Are" for n in range(20)]
    site = built_site(tmp_path, *titles)
    with serve([FakePaper(f"2402.{n:05d}v1", t) for n, t in enumerate(titles, 1)], fake_time.clock) as server:
        summary, _ = look(site, paced(server, fake_time))
        assert [method for _, method, _, _ in server.fake.asked] == ["POST"]
    assert summary.found == 20


@pytest.mark.parametrize(("text", "message"), [
    ("lookup: [1, 2]\n", "'lookup' must be a mapping"),
    ("lookup:\n  date: 2026-01-01\n  arxiv: 2309.16580\n", "'lookup: arxiv' must be a quoted arXiv id"),
    ("lookup:\n  arxiv: '2309.16588'\n", "'lookup' must have the date it was looked up"),
    ("lookup:\n  date: 2026-01-01\n  authers: [A]\n", "'lookup' has an unknown key 'authers'"),
])
def test_a_broken_lookup_block_is_an_error_at_its_line(tmp_path: Path, text: str, message: str) -> None:
    site = built_site(tmp_path, "Vision Transformers Need Registers")
    path = page(site, "vision-transformers-need-registers")
    lines = path.read_text(encoding="utf-8").split("# Above:")
    path.write_text(lines[0] + text + "# Above:" + lines[1], encoding="utf-8")
    line = lines[0].count("\n") + 1
    result = run_sitegen("build", "-s", site)
    assert result.returncode == 1 and f"{path}:{line}: {message}" in result.stderr


def test_the_paper_page_shows_arxiv_and_pdf_buttons_and_authors(tmp_path: Path, fake_time: FakeTime, browser: Any) -> None:
    from playwright.sync_api import expect

    site = built_site(tmp_path, "Vision Transformers Need Registers")
    with serve(ARXIV, fake_time.clock) as server:
        look(site, paced(server, fake_time))
    assert cli.main(["build", "-s", str(site), "-q"]) == 0
    context = browser.new_context()
    try:
        view = context.new_page()
        view.goto((site / "site" / "papers" / "vision-transformers-need-registers" / "index.html").as_uri())
        expect(view.get_by_role("link", name="arXiv", exact=True)).to_be_visible()
        expect(view.get_by_role("link", name="PDF", exact=True)).to_be_visible()
        expect(view.get_by_role("link", name="Find on arXiv")).to_have_count(0)
        expect(view.locator(".authors")).to_contain_text("Timothée Darcet, Maxime Oquab")
        view.get_by_text("Cite (BibTeX)").click()
        expect(view.locator("#bibtex")).to_contain_text("author = {Darcet, Timothée and Oquab, Maxime")
    finally:
        context.close()


@pytest.mark.parametrize(("ours", "arxivs"), [
    ("Vision Transformers Need Registers", "Vision Transformers\n  Need  Registers."),
    ("Emerging Properties in Self-Supervised Vision Transformers", "Emerging properties in self - supervised vision transformers"),
    ("β-VAE: Learning Basic Visual Concepts", "$\\beta$-VAE: Learning Basic Visual Concepts"),
    ("Schrödinger Bridges", "Schr\\\"odinger Bridges"),
    ("Schrodinger Bridges", "Schrödinger Bridges"),
    ("Don’t Stop Pretraining: Adapt Language Models", "Don't Stop Pretraining : Adapt Language Models"),
    ("Efficient O(n) Attention", "Efficient $\\mathcal{O}(n)$ Attention"),
    ("100% Accuracy on Long Dashes—Really", "100\\% Accuracy on Long Dashes--Really"),
    ("Long Dashes – Really", "Long Dashes --- Really"),
    ("“Quoted” Words in a Title", "``Quoted'' words in a title"),
    ("Self-Supervised Learning", "Self-\n  Supervised Learning"),
])
def test_what_arxiv_changes_in_a_title_is_folded(ours: str, arxivs: str) -> None:
    assert fold_title(ours) == fold_title(arxivs)


@pytest.mark.parametrize(("ours", "arxivs"), [
    ("Masked Autoencoders", "Masked Autoencoders Are Scalable Vision Learners"),
    ("Scaling Vision Transformer", "Scaling Vision Transformers"),
    ("Scaling Vision Transformers to 22 Billion Parameters", "Scaling Vision Transformers to 22 Million Parameters"),
    ("β-VAE", "α-VAE"),
    ("Learning to See", "Learning to Sea"),
    ("Learning to See", "Learning to See, Again"),
    ("Vision Transformers Need Registers", "Vision Transformers Need No Registers"),
])
def test_a_near_miss_is_not_folded_together(ours: str, arxivs: str) -> None:
    assert fold_title(ours) != fold_title(arxivs)


def test_query_words_carry_no_query_syntax() -> None:
    assert query_words('$\\beta$-VAE: "Quoted" (and) OR AND ANDNOT ti:x v2.0 Don’t') == "beta vae quoted and or and andnot ti x v2.0 don't"


TITLE_WORDS = st.lists(st.text(st.characters(categories=["Ll", "Lu", "Nd"]), min_size=1, max_size=8), min_size=1, max_size=12)


@settings(deadline=None)
@given(TITLE_WORDS, st.sampled_from([" ", "  ", "\n  "]))
def test_spacing_and_case_never_matter_and_a_dropped_word_always_does(words: list[str], space: str) -> None:
    title = " ".join(words)
    assume(all(w.upper().casefold() == w.casefold() for w in words))  # a few letters are another letter's case: ı → I → i
    assert fold_title(space.join(w.upper() if i % 2 else w for i, w in enumerate(words))) == fold_title(title)
    if len(words) > 1:
        assert fold_title(" ".join(words[1:])) != fold_title(title)


@pytest.fixture(autouse=True)
def no_real_arxiv(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Whatever a test forgets, nothing here reaches export.arxiv.org."""
    monkeypatch.setattr("sitegen.arxiv_api.DEFAULT_API", "http://127.0.0.1:9/never")
    monkeypatch.delenv(API_ENV, raising=False)
    yield


USER_KEYS = st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True).filter(lambda k: k not in ("title", "abstract", "lookup", "arxiv")),
                            st.one_of(st.text(max_size=20), st.integers(), st.lists(st.text(max_size=8), max_size=3)), max_size=4)


@settings(deadline=None)
@given(USER_KEYS, st.text(max_size=60), st.sampled_from(["\n", "\r\n"]), st.booleans(), st.sampled_from(["# mine\n", ""]))
def test_recording_a_lookup_changes_only_its_own_lines(user: dict[str, Any], notes: str, newline: str, note_kept: bool, comment: str) -> None:
    from sitegen.arxiv_api import ArxivRecord
    from sitegen.lookup import lookup_values, with_lookup
    from sitegen.pages import dump_yaml, made_front_matter, read_page

    front = made_front_matter({"title": "A Title", "abstract": "Some words.", "lists": [{"list": "a", "position": 1}], "auto_tags": {}})
    if not note_kept:
        front = "".join(line for line in front.splitlines(keepends=True) if not line.startswith("#"))
    text = f"---\n{front}{comment}{dump_yaml(user) if user else ''}---\n{notes}".replace("\n", newline)
    path = Path("content/papers/a-title.md")
    found = ArxivRecord("2309.16588", "A Title", ("Ada Lovelace",), 2023, "ICLR 2024", "", "cs.CV")
    original = text
    for record in (None, found):  # first not found, then (a --refresh) found: the block is replaced
        changed = with_lookup(read_page(path, text), lookup_values(record, DAY))
        assert changed is not None
        text = changed
        assert LOOKUP_BLOCK.sub("", text) == original
    source = read_page(path, text)
    assert source.looked_up().arxiv == "2309.16588" and source.looked_up().authors == ("Ada Lovelace",)
    assert source.body == notes.replace("\n", newline)
    assert {k: source.entries[k].value for k in user} == user


def test_a_batch_answered_twice_with_no_entries_is_not_recorded_as_not_found(tmp_path: Path, fake_time: FakeTime, monkeypatch: pytest.MonkeyPatch,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    titles = ["Vision Transformers Need Registers", "Understanding Disentangling in β-VAE", "A Paper Nobody Wrote About Anything"]
    site = built_site(tmp_path, *titles)
    before = pages(site)
    with serve(ARXIV, fake_time.clock, [Fault("empty"), Fault("empty")]) as server:
        monkeypatch.setattr(lookup, "Client", functools.partial(Client, clock=fake_time.clock, sleep=fake_time.sleep))
        monkeypatch.setenv(API_ENV, server.url)
        status = cli.main(["lookup", "-s", str(site)])
        assert len(server.fake.asked) == 2
    out, err = capsys.readouterr()
    assert status == 0 and pages(site) == before  # nothing recorded: the next lookup asks again
    assert len([line for line in err.splitlines() if "no entries at all" in line]) == 1
    assert "0 found, 0 not found" in out and "3 not asked" in out
    with serve(ARXIV, fake_time.clock) as server:
        summary, _ = look(site, paced(server, fake_time))
    assert summary.found == 2 and summary.not_found == 1


def test_an_api_address_with_its_own_query_string_keeps_it_and_adds_ours(tmp_path: Path, fake_time: FakeTime) -> None:
    site = built_site(tmp_path, "Vision Transformers Need Registers")
    with serve(ARXIV, fake_time.clock) as server:
        summary, _ = look(site, Client(url=server.url + "?foo=1", clock=fake_time.clock, sleep=fake_time.sleep))
        asked = server.fake.asked
    assert summary.found == 1 and asked[0][2] == 'ti:"vision transformers need registers"'


@pytest.mark.parametrize("address", ["not a url", "http://[::1", "file:///tmp/feed.atom", "ftp://example.org/api", "example.org/api/query",
                                     "", "http://", "http://127.0.0.1:port/api"])
def test_an_api_address_that_is_not_an_http_url_is_one_error_before_any_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                               capsys: pytest.CaptureFixture[str], address: str) -> None:
    site = built_site(tmp_path, "Vision Transformers Need Registers")
    before = pages(site)
    capsys.readouterr()
    slept: list[float] = []
    monkeypatch.setattr(lookup, "Client", functools.partial(Client, sleep=slept.append))
    monkeypatch.setenv(API_ENV, address)
    assert cli.main(["lookup", "-s", str(site)]) == 1
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.startswith("error:")] == [line for line in err.splitlines() if line.strip()]
    assert len(err.strip().splitlines()) == 1 and API_ENV in err and "internal error" not in err
    assert slept == [] and pages(site) == before


def test_a_service_that_rejects_every_query_stops_after_three_titles_alone(tmp_path: Path, fake_time: FakeTime, monkeypatch: pytest.MonkeyPatch,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(lookup, "BATCH", 2)
    titles = ["Understanding Disentangling in β-VAE", "Vision Transformers Need Registers", *(f"Zeta Paper Number {n} on Things" for n in range(1, 9))]  # sorted after the two
    site = built_site(tmp_path, *titles)
    capsys.readouterr()
    with serve(ARXIV, fake_time.clock, [Fault("ok"), *[Fault("error")] * 40]) as server:
        monkeypatch.setattr(lookup, "Client", functools.partial(Client, clock=fake_time.clock, sleep=fake_time.sleep))
        monkeypatch.setenv(API_ENV, server.url)
        status = cli.main(["lookup", "-s", str(site)])
        asked = len(server.fake.asked)
    out, err = capsys.readouterr()
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert status == 1 and len(errors) == 1 and "incorrect id format for 1234.12345" in errors[0] and "3 titles in a row" in errors[0]
    assert asked == 6  # the first pair (answered), the next pair and each alone, the third pair and its first alone
    assert "2 found" in out  # what the first batch found is kept
    assert looked_up(site, slug_of("Understanding Disentangling in β-VAE"))["arxiv"] == "1804.03599"


def test_a_trickling_answer_meets_a_deadline_and_a_huge_one_a_size_cap(tmp_path: Path, fake_time: FakeTime) -> None:
    site = built_site(tmp_path, "Vision Transformers Need Registers")
    with serve(ARXIV, fake_time.clock, [Fault("trickle")]) as server:  # every byte comes well within the 30 s read timeout
        summary, _ = look(site, paced(server, fake_time, deadline=SHORT_WAIT))
    assert summary.requests == 2 and summary.found == 1 and not summary.stopped
    with serve(ARXIV, fake_time.clock) as server:
        summary, _ = look(site, paced(server, fake_time, largest=1000), refresh=True)
    assert summary.requests == 4 and summary.found == 0 and summary.stopped.endswith("the answer was larger than 1,000 bytes, 4 tries")


@pytest.mark.parametrize(("changes", "expected"), [
    ({"category": "cs.CV; rm -rf"}, {"category": ""}),
    ({"category": "x" * 200}, {"category": ""}),
    ({"category": "physics.acc-ph"}, {"category": "physics.acc-ph"}),
    ({"arxiv": "2309.16588v2/../../evil"}, None),
    ({"arxiv": "2309.16588v2 and more"}, None),
    ({"arxiv": "hep-th/9901001v3"}, {"arxiv": "hep-th/9901001"}),
    ({"doi": "10.1234/abc and then some words"}, {"doi": ""}),
    ({"doi": "10.1234/" + "a" * 500}, {"doi": ""}),
    ({"doi": "10.1234/abc.5"}, {"doi": "10.1234/abc.5"}),
    ({"journal_ref": "J. " * 1000}, {"venue": ("J. " * 100)[:299].rstrip() + "\u2026"}),
])
def test_values_from_arxiv_are_kept_only_in_their_form(changes: dict[str, str], expected: dict[str, str] | None) -> None:
    import dataclasses

    from fake_arxiv import feed_xml

    from sitegen.arxiv_api import read_feed

    paper = dataclasses.replace(REGISTERS, **changes)
    records = read_feed(feed_xml('ti:"x"', [paper], 1, 0).encode("utf-8")).records
    if expected is None:
        assert records == ()
    else:
        assert len(records) == 1 and {k: getattr(records[0], k) for k in expected} == expected
        assert len(records[0].venue) <= 300


def test_pages_with_an_arxiv_id_of_their_own_count_as_skipped(tmp_path: Path, fake_time: FakeTime) -> None:
    bib = "@article{darcet2024,\n  title = {Vision Transformers Need Registers},\n  eprint = {2309.16588},\n  archivePrefix = {arXiv}\n}\n"
    site = built_site(tmp_path, "Understanding Disentangling in β-VAE", files={"content/lists/mine.bib": bib})
    with serve(ARXIV, fake_time.clock) as server:
        summary, _ = look(site, paced(server, fake_time))
        asked = [q for _, _, q, _ in server.fake.asked]
    assert summary.found == 1 and summary.known == 1 and asked == ['ti:"understanding disentangling in beta vae"']
