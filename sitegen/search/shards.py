"""Search payload ⇄ the classic scripts the site ships: `search-index.js` (a small base) and the shards of
`search-index/`, loaded only as queries need them (fetch and modules fail from file://; at 100,000 papers
one script holding everything was ~100 MB: three seconds before the first results). `IndexFiles` reads them
back for `sitegen search`, shard by shard, as the browser does."""

from __future__ import annotations

import bisect
import json
import re
from hashlib import blake2b
from dataclasses import dataclass
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sitegen.errors import SitegenError
from sitegen.output import RenderedFile
from sitegen.search.analyze import query_terms
from sitegen.search.index import Payload, SearchDoc, SearchSource

GLOBAL_NAME = "SITEGEN_SEARCH"
SCRIPT_PREFIX = f"window.{GLOBAL_NAME}="
SHARD_PREFIX = f"window.{GLOBAL_NAME}_SHARD("
FORMAT = 5  # the base's layout: 5 names the docs shards (4 numbered them in order), 4 ships docs as named records and an `ids` kind
BASE_KEYS = {"fields", "boosts", "tags", "lists", "count", "terms", "lengths", "folder", "shards", "names"}
# About what one shard of each kind holds. A query loads a few term shards and one `typed`; the results shown
# (8 in the popup, 50 a page) each load the docs shard that holds them, so those are small.
SHARD_BYTES = {"terms": 50_000, "typed": 50_000, "ids": 50_000, "docs": 8_000}
KEYED = ("typed", "ids")  # kinds looked up by a string key (the base holds each shard's first), not by number
NAMED = ("docs",)  # kinds whose shards are cut and named by their papers (`stable_starts`), not numbered in order
NAME_SPACE = 1 << 24  # a named shard's number: a digest of its first paper's URL, below this (at most 8 digits)
# The base's `folder`: one plain folder name beside it, as index_files writes it. The index is read back from disk,
# where anything may stand in for it: `../x/`, `/etc/`, `https://host/` would read (or load) files outside the site.
SHARD_FOLDER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*/")


def index_files(payload: Payload, source: SearchSource, shard_bytes: dict[str, int] = SHARD_BYTES) -> list[RenderedFile]:
    """The payload as classic scripts: a small base (`window.SITEGEN_SEARCH={...};`: fields, boosts, the
    sorted terms that prefixes and typos expand over, field lengths, where each shard starts) and shards
    of about `shard_bytes[kind]`, each calling `window.SITEGEN_SEARCH_SHARD(kind, number, items)`, loaded only
    when a query needs them: `terms` (each term's postings and frequencies, field by field, by term
    number, with the title stems' positions), `typed` (the papers of each title as typed: its query terms),
    `ids` (the papers of each arXiv id and DOI key), both in UTF-16 order as JS compares strings (the base
    holds each shard's first key), `docs` (what results show, by paper number: papers are numbered in title
    order, so sorting by title loads nothing) and `facets` (each paper's status, tags and lists as numbers,
    for the search page's counts and filters). A shard whose items did not change keeps its bytes, so an
    incremental build leaves it be."""
    head = {"fields": payload.fields, "boosts": payload.boosts, "tags": payload.tags, "lists": payload.lists,
            "terms": payload.terms, "lengths": payload.lengths}
    return shard_files(source, head, [doc_row(doc) for doc in payload.docs], term_items(payload), shard_bytes)


def term_items(payload: Payload) -> list[str]:
    """Each term's shard item as JSON: its postings and frequencies field by field, then its title positions."""
    fields = list(payload.fields)
    return [script_json([*(part for f in fields for part in (payload.postings[f][i], payload.frequencies[f][i])), payload.positions[i]])
            for i in range(len(payload.terms))]


@dataclass(frozen=True)
class DocRow:
    """What the shards hold of one paper besides its terms' postings (carried between builds with its terms)."""

    url: str  # its page's: what its `docs` shard is cut and named by (`stable_starts`)
    shipped: str  # its `docs` item (SearchDoc.shipped()), as JSON
    typed: str  # its title as typed: its query terms, space-separated
    ids: tuple[str, ...]  # its identifier keys
    status: str
    tags: tuple[str, ...]
    lists: tuple[str, ...]


def doc_row(doc: SearchDoc) -> DocRow:
    return DocRow(doc.url, script_json(doc.shipped()), " ".join(query_terms(doc.title)), tuple(doc.identifiers()), doc.status, doc.tags, doc.lists)


def shard_files(source: SearchSource, head: dict[str, Any], rows: Sequence[DocRow], dumped_terms: list[str],
                shard_bytes: dict[str, int] = SHARD_BYTES) -> list[RenderedFile]:
    """The base and the shards, from what the base holds besides where shards start (`head`: fields, boosts, tags,
    lists, terms, lengths), each paper's row and each term's item as JSON (postings and frequencies field by field,
    then title positions): `index_files`' and carry.py's one way of cutting and writing them."""
    keyed: dict[str, dict[str, list[int]]] = {"typed": {}, "ids": {}}
    for ref, row in enumerate(rows):
        keyed["typed"].setdefault(row.typed, []).append(ref)
        for key in row.ids:
            keyed["ids"].setdefault(key, []).append(ref)
    items: dict[str, list[Any]] = {kind: sorted(found.items(), key=lambda item: utf16(item[0])) for kind, found in keyed.items()}
    statuses = sorted({row.status for row in rows})
    tag_slugs, list_slugs = list(head["tags"]), list(head["lists"])
    status_number, tag_number, list_number = ({s: i for i, s in enumerate(names)} for names in (statuses, tag_slugs, list_slugs))
    facets = {"status": statuses, "tag": tag_slugs, "list": list_slugs,
              "papers": [[status_number[row.status], [tag_number[t] for t in row.tags], [list_number[s] for s in row.lists]]
                         for row in rows]}
    folder = source.folder
    urls = [row.url for row in rows]
    files: list[RenderedFile] = []
    firsts: dict[str, list[Any]] = {}
    named: dict[str, list[int]] = {}  # a named kind → its shards' numbers
    for kind in ("terms", "docs", "typed", "ids"):
        dumped = dumped_terms if kind == "terms" else [row.shipped for row in rows] if kind == "docs" else [script_json(item) for item in items[kind]]
        sizes = [len(text.encode()) for text in dumped]
        if kind in NAMED:  # docs: cut and named by their papers, so that a paper added changes one shard
            cuts = stable_starts(sizes, urls, shard_bytes[kind])
            numbers = named[kind] = shard_names([urls[start] if start < len(urls) else "" for start in cuts])  # no papers: one empty shard
        else:
            cuts = shard_starts(sizes, shard_bytes[kind])
            numbers = list(range(len(cuts)))
        for number, start, end in zip(numbers, cuts, [*cuts[1:], len(dumped)]):
            files.append(shard_script(folder, kind, number, f"[{','.join(dumped[start:end])}]"))
        firsts[kind] = ["", *(items[kind][i][0] for i in cuts[1:])] if kind in KEYED else cuts
    firsts["facets"] = [0]
    files.append(shard_script(folder, "facets", 0, script_json(facets)))
    base = {"format": FORMAT, "fields": head["fields"], "boosts": head["boosts"], "tags": head["tags"], "lists": head["lists"],
            "count": len(rows), "terms": head["terms"], "lengths": head["lengths"], "folder": folder, "shards": firsts,
            "names": named}
    return [RenderedFile(source.index_path, f"{SCRIPT_PREFIX}{script_json(base)};\n".encode()), *files]


def utf16(text: str) -> bytes:
    """A key that orders strings as JS compares them (by UTF-16 code unit)."""
    return text.encode("utf-16-be", "surrogatepass")


def shard_starts(sizes: list[int], shard_bytes: int) -> list[int]:
    """Where each shard starts: items in order, a new shard once the next item would take one past `shard_bytes`."""
    starts, held = [0], 0
    for i, size in enumerate(sizes):
        if held and held + size > shard_bytes:
            starts.append(i)
            held = 0
        held += size
    return starts


def stable_starts(sizes: list[int], keys: list[str], shard_bytes: int) -> list[int]:
    """Where each shard starts, cut where the items themselves say (content-defined, as rsync and backup tools cut
    files), so that an item added, removed or grown changes its own shard and no other: once a shard holds half of
    `shard_bytes`, before an item whose key's digest falls below its own size's share of the other half (so that
    shards hold `shard_bytes` on average, whatever the items' sizes), or where it would take the shard past twice
    `shard_bytes`. (`shard_starts`' cuts, each where the last shard filled up, all move when one paper arrives.)"""
    starts, held, half = [0], 0, max(shard_bytes // 2, 1)
    for i, (size, key) in enumerate(zip(sizes, keys)):
        if held >= half and (digest_below(key, size / half) or held + size > 2 * shard_bytes):
            starts.append(i)
            held = 0
        held += size
    return starts


def digest_below(key: str, share: float) -> bool:
    """Whether a digest of `key`, read as a fraction in [0, 1), is below `share`: true for that share of keys."""
    return int.from_bytes(blake2b(key.encode(), digest_size=8, person=b"cut").digest()) < share * 2**64


def shard_names(firsts: list[str]) -> list[int]:
    """Each shard's number, from a digest of its first item's key, so that a shard keeps its file's name while the
    shards before it are cut anew; the rare name taken already (two digests alike) becomes the next one free."""
    taken: set[int] = set()
    names = []
    for key in firsts:
        name = int.from_bytes(blake2b(key.encode(), digest_size=8, person=b"name").digest()) % NAME_SPACE
        while name in taken:
            name = (name + 1) % NAME_SPACE
        taken.add(name)
        names.append(name)
    return names


def script_json(value: Any) -> str:
    """JSON that is safe inside a classic script: '<' escaped (no closing tag), and the line separators JS once refused."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def shard_script(folder: str, kind: str, number: int, items: str) -> RenderedFile:
    return RenderedFile(f"{folder}{kind}-{number}.js", f'{SHARD_PREFIX}"{kind}",{number},{items});\n'.encode())


class IndexFiles:
    """A built index read from disk as `sitegen search` needs it: the base at once, each shard the first
    time it is asked for. An index an older sitegen wrote, or a shard gone missing, is one line: rebuild."""

    def __init__(self, path: Path) -> None:
        self.path = path
        base = read_script(path, SCRIPT_PREFIX, ";")
        if not isinstance(base, dict) or base.get("format") != FORMAT or not BASE_KEYS <= base.keys():
            raise SitegenError(f"{path}: made by another version of sitegen; run `sitegen build` to rebuild it")
        folder = base["folder"]
        if not isinstance(folder, str) or not SHARD_FOLDER.fullmatch(folder):
            raise SitegenError(f"{path}: its shard folder {str(folder)[:80]!r} is not a folder beside it; run `sitegen build` to rebuild it")
        names, starts = base["names"], base["shards"]
        if not isinstance(names, dict) or not isinstance(starts, dict) or not all(
                isinstance(names.get(kind), list) and isinstance(starts.get(kind), list) and len(names[kind]) == len(starts[kind])
                and all(type(n) is int and 0 <= n < NAME_SPACE for n in names[kind]) for kind in NAMED):
            raise SitegenError(f"{path}: its shards' names are not numbers; run `sitegen build` to rebuild it")
        self.base: dict[str, Any] = base
        self.names: dict[str, list[int]] = {kind: names[kind] for kind in NAMED}
        self.shards: dict[tuple[str, int], Any] = {}
        self.firsts = {kind: [utf16(first) for first in base["shards"][kind]] for kind in KEYED}

    def shard(self, kind: str, number: int) -> Any:
        """Shard `number` of a kind (in the base's order), read the first time it is asked for."""
        key = (kind, number)
        if key not in self.shards:
            name = self.names[kind][number] if kind in self.names else number
            path = self.path.parent / f"{self.base['folder']}{kind}-{name}.js"
            if not path.is_file():
                raise SitegenError(f"{path}: missing; run `sitegen build` to rebuild the search index")
            called = read_script(path, SHARD_PREFIX, ");")
            if not isinstance(called, list) or len(called) != 3 or called[:2] != [kind, name] or not isinstance(called[2], (list, dict)):
                raise SitegenError(f"{path}: not this index's shard; run `sitegen build` to rebuild the search index")
            self.shards[key] = called[2]
        return self.shards[key]

    def keyed(self, kind: str, key: str) -> list[int]:
        """The papers of a key of `typed` (a title as typed) or `ids`, from the one shard that can hold them."""
        shard = bisect.bisect_right(self.firsts[kind], utf16(key)) - 1
        for found, refs in self.shard(kind, shard):
            if found == key:
                return list(refs)
        return []

    def item(self, kind: str, number: int) -> Any:
        """Item `number` of a kind (a term's postings, a paper's doc), from the shard that holds it."""
        starts = self.base["shards"][kind]
        shard = bisect.bisect_right(starts, number) - 1
        return self.shard(kind, shard)[number - starts[shard]]

    def doc(self, ref: int) -> dict[str, Any]:
        """What a result shows of a paper (a `docs` item: SearchDoc's shipped fields, by name)."""
        item: dict[str, Any] = self.item("docs", ref)
        return item


def read_script(path: Path, prefix: str, suffix: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8"
        raise SitegenError(f"{path}: cannot read the search index ({reason}); run `sitegen build` first") from None
    if not text.startswith(prefix) or not text.endswith(suffix):
        raise SitegenError(f"{path}: not a sitegen search index; run `sitegen build` to rebuild it")
    try:
        return json.loads(f"[{text[len(prefix):-len(suffix)]}]" if suffix == ");" else text[len(prefix):-len(suffix)])
    except (ValueError, RecursionError):  # not JSON, a number too long to read, nesting past Python's stack
        raise SitegenError(f"{path}: not a sitegen search index; run `sitegen build` to rebuild it") from None


def read_payload(path: Path) -> Payload:
    """Every shard of a built index put back together: the payload `build_search` made (what `sitegen check`
    compares with papers.json, and the tests with lunr's own index)."""
    index = IndexFiles(path)
    base, count = index.base, index.base["count"]
    fields = list(base["fields"])
    terms = [index.item("terms", i) for i in range(len(base["terms"]))]
    facets = index.shard("facets", 0)
    ids: dict[int, dict[str, str]] = {}
    for shard in range(len(base["shards"]["ids"])):
        for key, refs in index.shard("ids", shard):
            kind, value = key.split(":", 1)
            for ref in refs:
                ids.setdefault(ref, {})[kind] = value
    docs = tuple(SearchDoc.from_shipped(index.doc(ref), tuple(facets["list"][n] for n in facets["papers"][ref][2]),
                                        ids.get(ref, {}).get("arxiv", ""), ids.get(ref, {}).get("doi", ""))
                 for ref in range(count))
    return Payload(fields=base["fields"], boosts=base["boosts"], tags=base["tags"], lists=base["lists"], docs=docs, terms=base["terms"],
                   postings={f: [term[2 * k] for term in terms] for k, f in enumerate(fields)},
                   frequencies={f: [term[2 * k + 1] for term in terms] for k, f in enumerate(fields)},
                   positions=[term[-1] for term in terms], lengths=base["lengths"])
