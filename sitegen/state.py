"""The `.sitegen/` folder: what the last build was made from, and the lock that keeps builds apart.

`.sitegen/build.json` in the site folder holds a digest of every input (settings, lists, paper
pages, taxonomy, templates, the theme, sitegen's version; not the build day) and of the output's file
list. Both equal: nothing to do, and nothing is written. It also holds each rendered page's key
(`depends.render_keys`): a page whose key has not changed is not rendered again. `.sitegen/written`
is the proof of the files sitegen wrote into the output folder (their inodes on this machine, kept
out of the published folder): the only files a build may remove there.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import hashlib
import io
import json
import os
import pickle
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import sitegen
from sitegen.errors import SitegenError
from sitegen.output import MARKER, Proven, is_site_name, plain_bytes, require_inside, still_standing, write_atomic

STATE_FILE = Path(".sitegen") / "build.json"
PROOF_FILE = Path(".sitegen") / "written"  # the files sitegen wrote into the output folder, with this machine's inodes
PROOF_HEADER = "# Files sitegen wrote into its output folder (digest of their bytes, device:inode, name); this machine's own\n"
PROVEN = re.compile(r"([0-9a-f]{32}) (\d{1,20}:\d{1,20}) (.+)")
LOCK_FILE = Path(".sitegen") / "lock"
# Kinds proven like the others but read only by the step that uses them, in its worker (`Memo.read`), and made
# there whole (`Memo.replace`): the search index carried over (sitegen/search/carry.py) is 28 MB at 10,000 papers, which
# the build's own process never needs, kept in parts (its papers' order, its papers and its terms each in
# SEARCH_PARTS files, by a digest of slug or term) so that an edit rewrites the few parts holding what it changed.
SEARCH_PARTS = 16
LAZY_KINDS = ("search-order", *(f"search-{what}-{n}" for what in ("papers", "terms") for n in range(SEARCH_PARTS)))
# Kinds proven when the build begins but read only if the build asks for one of their values: the papers' phrase findings
# and their scores (22 MB each at 10,000 papers) are needed only when some title or abstract changed, or the user's tags
# (the phrases' decision and what learning makes of the scores are kept whole).
DEFERRED_KINDS = ("scores", "findings")
MEMO_KINDS = ("yaml", "tags", "learned", "related", "lists", "papers", "facts", *DEFERRED_KINDS, *LAZY_KINDS)  # each in a file of its own: a build rewrites only the ones that changed
OLD_MEMO_FILE = Path(".sitegen") / "memo.pickle"  # the whole memo in one file, as earlier builds kept it: removed
T = TypeVar("T")
_held: list[int] = []  # the lock's file descriptor while this process holds it


def forget_lock() -> None:
    """In a forked worker: close this process's copy of the lock's file (the build keeps its own)."""
    for fd in _held:
        os.close(fd)
    _held.clear()


@contextmanager
def build_lock(site_dir: Path) -> Iterator[None]:
    """Hold the site's build lock, or refuse at once: two builds at once would fight over site/.

    The lock is the operating system's (flock), so a build that is killed releases it. The lock file
    is input like the rest of `.sitegen/` (a cloned site may plant a link there, a hard link to a file
    of the user's, a FIFO): it is opened without following a link or blocking, and written only if
    it is a plain file of its own holding what a build writes there (`check_lock_file`).
    """
    path = site_dir / LOCK_FILE
    check_state_folder(site_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
            check_lock_file(site_dir)  # says what is there instead
        raise SitegenError(f"{path.parent}: cannot write ({error.strerror})") from None
    handle = os.fdopen(fd, "r+")
    with handle:
        refusal = lock_refusal(path, os.fstat(fd), lambda: handle.read(LOCK_READ))
        if refusal:
            raise SitegenError(refusal)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            found = handle.read(LOCK_READ).strip()  # shown only if it is what a build writes there
            holder = found if re.fullmatch(r"pid \d+", found) else "another process"
            raise SitegenError(f"{site_dir}: another sitegen build is running on this site ({holder}); try again when it ends") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        _held.append(handle.fileno())
        try:
            yield
        finally:
            _held.clear()
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


LOCK_READ = 64  # a lock file holds "pid N" or nothing


def lock_refusal(path: Path, info: os.stat_result, read: Callable[[], str]) -> str | None:
    """Why sitegen may not use `path` (with its `info`, from lstat or fstat) as its lock file, or None:
    only a plain file with no other name (a hard link's other name may be the user's thesis)
    holding nothing or "pid N" is written (a build truncates it)."""
    lock = "sitegen keeps its build lock there: remove it (a build makes it again)"
    if stat.S_ISLNK(info.st_mode):
        return f"{path}: a symlink; {lock}"
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a plain file (a FIFO, socket or device)"
        return f"{path}: {kind}; {lock}"
    if info.st_nlink > 1:
        return f"{path}: a file with another name too (a hard link, {info.st_nlink} names); {lock}"
    try:
        held = read()
    except (OSError, UnicodeDecodeError):
        held = "?"
    if held.strip() and not re.fullmatch(r"pid \d+", held.strip()):
        return f"{path}: holds something sitegen did not write there; {lock}"
    return None


def check_lock_file(site_dir: Path) -> None:
    """The lock file as `build_lock` would find it, without opening anything but a plain file: refused with the same line."""
    path = site_dir / LOCK_FILE
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as error:
        raise SitegenError(f"{path}: cannot read ({error.strerror})") from None
    refusal = lock_refusal(path, info, lambda: (plain_bytes(path) or b"")[:LOCK_READ].decode("utf-8"))
    if refusal:
        raise SitegenError(refusal)


Stamp = tuple[int, int, int, int]  # a file's size, modification and change times (ns), inode
# A pasted papers page, then the formats parse.FORMAT_PARSERS reads: HF API JSON, BibTeX, arXiv Atom.
LIST_SUFFIXES = (".txt", ".json", ".bib", ".atom", ".xml")


def is_list_file(path: Path | str) -> bool:
    """Whether a file of content/lists/ is read as a list (here, with the inputs, not among the records: a build with
    nothing to do tells them apart without importing the pipeline's records)."""
    return os.path.splitext(path)[1].lower() in LIST_SUFFIXES


def input_paths(site_dir: Path, theme_dir: Path) -> tuple[list[str], set[str], set[str]]:
    """Every path a build looks at, in a fixed order; those the site names (which must be files); and
    those whose name alone counts. Strings, not Paths: a build with nothing to do only stats them,
    10,000 pages and more.

    A file in content/lists/ that is no list is never read, but the build warns about it: its name
    is an input, so adding or removing one changes the digest."""
    content = site_dir / "content"
    in_lists = visible_files(content / "lists")
    named = [str(site_dir / "sitegen.yml"), str(content / "taxonomy.yml"), *(p for p in in_lists if is_list_file(p))]
    named += [p for p in visible_files(content / "papers") if p.endswith(".md")]
    unread = [p for p in in_lists if not is_list_file(p)]
    found = [p for folder in (site_dir / "templates", theme_dir) for p in visible_files(folder, every_level=True)]
    return [*named, *unread, *found], set(named), set(unread)


def visible_files(folder: Path | str, every_level: bool = False) -> list[str]:
    """What `folder.glob("*")` (or `"**/*"`) finds, hidden names left out, sorted by name, as strings
    spelled as the folder's Path spells its children; one directory read per folder."""
    prefix = os.path.join(folder, "")
    try:
        if not every_level:  # names alone (content/papers/ holds 10,000 pages and more): no entry object for each
            return [prefix + name for name in sorted(os.listdir(folder)) if not name.startswith(".")]
        with os.scandir(folder) as found:
            entries = sorted((e.name, e.is_dir(follow_symlinks=False)) for e in found if not e.name.startswith("."))
    except (FileNotFoundError, NotADirectoryError):
        return []
    paths = []
    for name, is_folder in entries:
        paths.append(prefix + name)
        if is_folder:
            paths += visible_files(prefix + name, every_level=True)
    return paths


def read_inputs(site_dir: Path, theme_dir: Path, standing: dict[str, Stamp] | None = None) -> tuple[dict[Path, bytes], dict[str, Stamp]]:
    """Every input file's bytes, read once: the build parses these very bytes, and its digest is
    of them, so an edit made while a build runs is seen by the next build. Each file's stamp is
    taken before it is read: an edit made after that makes the next build look again.

    A list or page that is not a regular file (a dangling symlink, a folder, a FIFO) is an error,
    never silently dropped (its papers' pages would go with it), and never opened (a FIFO blocks).
    A file in content/lists/ that is no list is an input by its name only (no bytes). A file of
    the site that a symlink leads outside the site folder is refused (a cloned site's link to
    ~/.ssh/id_rsa would be published, its link to ~/.bashrc rewritten): `require_inside`.
    `standing`: the stamps `stamps_now` has just taken (each still taken before its file is read), not taken again.
    """
    paths, must, unread = input_paths(site_dir, theme_dir)
    standing = standing or {}
    inputs, stamps = {}, {}
    inside: set[str] = set()  # folders found inside the site: each checked once
    for path in paths:
        ours = path not in unread and is_under(path, site_dir)  # by strings: 10,000 pages and more
        if ours and os.path.islink(path):  # a file, or a folder of templates
            require_inside(Path(path), site_dir)
        found = standing.get(path) or (name_stamp(path) if path in unread else input_stamp(path, must=path in must))
        if found is None:
            continue
        if ours and (folder := os.path.dirname(path)) not in inside:
            require_inside(Path(folder), site_dir)
            inside.add(folder)
        try:
            stamps[path] = found
            inputs[Path(path)] = b"" if path in unread else read_bytes(path)
        except OSError as error:
            raise SitegenError(f"{path}: cannot read ({error.strerror})") from None
    return inputs, stamps


def read_bytes(path: str) -> bytes:
    """`Path(path).read_bytes()`, without making a Path of it (10,000 pages and more)."""
    with open(path, "rb") as handle:
        return handle.read()


def stamp(path: Path | str) -> Stamp:
    return stamp_of(os.stat(path))


def stamp_of(info: os.stat_result) -> Stamp:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def stamps_digest(stamps: dict[str, Stamp]) -> str:
    """Of sitegen's code and every input's path and stamp: equal to the last build's, and no input
    can have changed (a write always moves a file's change time), so nothing needs reading."""
    text = "".join(f"{path}\0{stamps[path]}\0" for path in sorted(stamps))
    return hashlib.blake2b(f"{code_digest()}\0{text}".encode(errors="surrogateescape"), digest_size=20).hexdigest()


def stamps_now(site_dir: Path, theme_dir: Path) -> dict[str, Stamp] | None:
    """The inputs' stamps as they stand, without reading them (`stamps_digest` says whether any changed); None if any
    of them is not a plain readable file (the build that follows says why)."""
    paths, must, unread = input_paths(site_dir, theme_dir)
    stamps = {}
    try:
        for path in paths:
            if (found := name_stamp(path) if path in unread else input_stamp(path, must=path in must)) is not None:
                stamps[path] = found
    except (OSError, SitegenError):
        return None
    return stamps


def name_stamp(path: str) -> Stamp | None:
    """The stamp of an entry whose name alone counts: whatever is there (a FIFO is stat'ed, never
    opened; a folder or a dangling symlink counts too: the build warns about each); None if nothing."""
    try:
        return stamp_of(os.lstat(path))
    except OSError:
        return None


def input_stamp(path: Path | str, must: bool) -> Stamp | None:
    """The stamp of a regular file to read (one stat), or None if there is none: nothing there, or a
    folder among templates. For a file the site names (`must`), anything there that is not a regular
    file is an error with its reason."""
    if not os.fspath(path).isascii():  # (a name that is not UTF-8 holds surrogates: never ASCII)
        try:
            os.fsencode(os.path.basename(path)).decode("utf-8")
        except UnicodeDecodeError:
            raise SitegenError(f"{path}: the file name is not UTF-8; rename the file") from None
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise SitegenError(f"{path}: a symlink to {os.readlink(path)}, which does not exist") from None
        return None
    except OSError as error:
        raise SitegenError(f"{path}: cannot read ({error.strerror})") from None
    if stat.S_ISREG(info.st_mode):
        return stamp_of(info)
    if stat.S_ISDIR(info.st_mode) and not must:
        return None
    kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a FIFO, socket or device)"
    raise SitegenError(f"{path}: {kind}; sitegen reads only plain files here")


def input_digests(inputs: dict[Path, bytes]) -> dict[Path, str]:
    """Each input's own digest, made once a build: its record's digest of all of them (`input_digest`) and of each
    content file (`file_digests`) are made of these, a written page's made again alone."""
    return {path: file_digest(data) for path, data in inputs.items()}


def file_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def input_digest(digests: dict[Path, str]) -> str:
    """Of sitegen's version and code and every input's path and bytes (`input_digests`). Not of the build day: dates resolved
    from a line with no year are kept in the paper pages, so the same inputs make the same site on any day."""
    text = "".join(f"{path}\0{digests[path]}\0" for path in sorted(digests, key=lambda path: path.parts))  # as Paths sort, in C
    return hashlib.blake2b(f"{sitegen.__version__}\0{code_digest()}\0{text}".encode(errors="surrogateescape"), digest_size=20).hexdigest()


def output_digest(output_dir: Path, listed: Iterable[str]) -> str:
    """The marker's and every file it lists (`listed`, as `made_by_sitegen` reads it): path, size,
    modification time, inode and change time. A site changed by hand since the last build (a file sitegen
    made edited or removed) is made afresh; a file the user added is not sitegen's to look at (a build carries
    it over). The inode and change time only this machine's writing gives a file: an output folder unpacked
    from an archive with its times kept, beside a record forged to match, is not the one the last build left."""
    try:  # each name looked up from the folder, not from the root again (10,000 files and more)
        folder = os.open(output_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        folder = -1  # no such folder: every lookup fails (EBADF), every file is missing
    lines = []
    try:
        for name in [MARKER, *sorted(listed)]:  # (relative names: `made_by_sitegen` refuses any other)
            try:
                info = os.stat(name, dir_fd=folder)
            except OSError:
                lines.append(f"{name}\0missing\0")
                continue
            lines.append(f"{name}\0{stat.S_IFMT(info.st_mode)}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ino}\0{info.st_ctime_ns}\0")
    finally:
        if folder >= 0:
            os.close(folder)
    return hashlib.blake2b("".join(lines).encode(), digest_size=20).hexdigest()


@dataclass(frozen=True)
class BuildRecord:
    """`.sitegen/build.json`: what the last build was made from and what it left. Read back as input (a
    cloned site may carry any bytes there): every field is checked, and a record that is not one
    this sitegen wrote is discarded whole; the build then works from the sources."""

    inputs: str  # the digest of its inputs' bytes
    stamps: str  # the digest of its inputs' stamps
    output: str  # the output folder it wrote, resolved
    files: str  # `output_digest` of that folder as the build left it
    # (path, line, message, kind: "warning" or "note"), replayed by a build with nothing to do
    warnings: tuple[tuple[str, int | None, str, str], ...]
    sources: dict[str, str]  # each content file's digest (`sitegen check` names the ones changed since)
    rendered: dict[str, str]  # each rendered file's render key
    memo: dict[str, MemoStamp]  # each memo file's stamp as this build left it


# A memo file's size, modification time, inode and change time (ns): the last two nothing but this machine's writing
# that very file can give it (no archive, copy or clone sets a change time). Records of earlier versions hold the
# first two only: they vouch for no file.
MemoStamp = tuple[int, ...]
RECORD_FIELDS = {"inputs": str, "stamps": str, "output": str, "files": str, "warnings": list, "sources": dict,
                 "rendered": dict, "memo": dict}


def read_record(site_dir: Path) -> tuple[BuildRecord | None, str | None]:
    """The last build's record, or None and why it was discarded (None: there is none)."""
    path = site_dir / STATE_FILE
    if not (path.exists() or path.is_symlink()):
        return None, None
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
        return record_from(data), None
    except (OSError, ValueError, TypeError, RecursionError):
        return None, "not a build record this sitegen wrote; ignored, and the site is built from its sources"


def record_from(data: object) -> BuildRecord:
    """The record a build.json holds, every field of its type (else ValueError)."""
    if not isinstance(data, dict) or any(not isinstance(data.get(k), kind) for k, kind in RECORD_FIELDS.items()):
        raise ValueError("not a build record")
    warnings = tuple((str(w[0]), w[1], str(w[2]), str(w[3]) if len(w) == 4 else "warning") for w in data["warnings"]
                     if isinstance(w, list) and (len(w) == 3 or (len(w) == 4 and w[3] in ("warning", "note")))
                     and isinstance(w[0], str) and isinstance(w[2], str)
                     and (w[1] is None or (type(w[1]) is int and w[1] > 0)))
    memo = {kind: stamp_from(value) for kind, value in data["memo"].items() if kind in MEMO_KINDS}
    if len(warnings) != len(data["warnings"]) or len(memo) != len(data["memo"]) or not all(
            _is_dict_of(data[k], lambda v: isinstance(v, str)) for k in ("sources", "rendered")):
        raise ValueError("not a build record")
    return BuildRecord(data["inputs"], data["stamps"], data["output"], data["files"], warnings, dict(data["sources"]),
                       dict(data["rendered"]), memo)


def stamp_from(value: object) -> MemoStamp:
    """A memo stamp of a record: four numbers, or two (size and time only, as earlier versions recorded)."""
    if not (isinstance(value, list) and len(value) in (2, 4) and all(type(v) is int for v in value)):
        raise ValueError("not a stamp")
    return tuple(value)


def memo_stamp(path: Path) -> MemoStamp:
    return memo_stamp_of(os.lstat(path))


def memo_stamp_of(info: os.stat_result) -> MemoStamp:
    """The four numbers of `stamp_of`, in the order records have kept memo files' stamps in."""
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)


@dataclass(frozen=True)
class LastBuild:
    """What the last build into an output folder recorded, and whether the folder is as it left it."""

    intact: bool  # the output folder holds the files the last build left (names, sizes, modification times)
    inputs: str  # the digest of its inputs
    stamps: str  # the digest of its inputs' stamps
    warnings: tuple[tuple[str, int | None, str, str], ...]  # (path, line, message, kind)
    rendered: dict[str, str]  # each rendered file's render key
    memo: dict[str, MemoStamp]  # the memo files it left


def last_build(record: BuildRecord | None, output_dir: Path, listed: Iterable[str]) -> LastBuild:
    """`listed`: the files the output folder's marker lists (`made_by_sitegen`)."""
    if record is None:
        return LastBuild(False, "", "", (), {}, {})
    intact = record.output == str(output_dir.resolve()) and output_dir.is_dir() and record.files == output_digest(output_dir, listed)
    if not intact:
        return LastBuild(False, "", "", (), {}, record.memo)
    return LastBuild(True, record.inputs, record.stamps, record.warnings, record.rendered, record.memo)


def file_digests(digests: dict[Path, str], site_dir: Path) -> dict[str, str]:
    """Each content file's own digest (of `input_digests`), so that `sitegen check` can name the ones changed since (a
    file in content/lists/ that is no list is not read: it has none)."""
    content, lists = site_dir / "content", str(site_dir / "content" / "lists")
    return {relative(p, site_dir): digest
            for p, digest in sorted(digests.items(), key=path_order) if is_under(p, content) and (os.path.dirname(p) != lists or is_list_file(p))}


def path_order(item: tuple[Path, object]) -> tuple[str, ...]:
    """The order `sorted` gives Paths (by their parts), compared in C: sorting 10,000 Paths calls Path.__lt__ 130,000 times."""
    return item[0].parts


def is_under(path: Path | str, folder: Path) -> bool:
    """`Path(path).is_relative_to(folder)`, by their strings: asked of every input, 10,000 pages and more."""
    text, prefix = str(path), str(folder)
    return text == prefix or text.startswith(prefix.rstrip("/") + "/") or (prefix == "." and not os.path.isabs(text))


def relative(path: Path, folder: Path) -> str:
    """`str(path.relative_to(folder))`, by their strings where they share the folder's spelling."""
    text, prefix = str(path), str(folder).rstrip("/") + "/"
    return text[len(prefix):] if text.startswith(prefix) and len(text) > len(prefix) else str(path.relative_to(folder))


def save(site_dir: Path, output_dir: Path, digests: dict[Path, str], stamps: dict[str, Stamp], warnings: list[list[Any]],
         rendered: dict[str, str], names: Iterable[str], memo: dict[str, MemoStamp]) -> None:
    """The record of a build that completed; `digests`: its inputs' (`input_digests`) as it leaves them; `names`: the files its
    marker lists (the marker it has just written, not read back); `memo`: the memo files it vouches for (`save_memo`: as
    written or as proven, never as they stand now)."""
    record = BuildRecord(input_digest(digests), stamps_digest(stamps), str(output_dir.resolve()), output_digest(output_dir, names),
                         tuple((str(p), line, message, kind) for p, line, message, kind in warnings), file_digests(digests, site_dir),
                         rendered, memo)
    write_record(site_dir, record)


def write_record(site_dir: Path, record: BuildRecord) -> None:
    # Its fields as they are (no deep copy, as `asdict` makes) and on one line: json's C encoder, not its
    # Python one (indented), for two mappings of 10,000 entries and more.
    fields_of = {field.name: getattr(record, field.name) for field in fields(record)}
    write_atomic(site_dir / STATE_FILE, (json.dumps(fields_of) + "\n").encode(), site_dir)


def read_proof(site_dir: Path, output_dir: Path) -> tuple[frozenset[Proven], str | None]:
    """What the proof says sitegen wrote into the output folder, only for the files still there, and
    why it was discarded (None: it was not). Input like the rest of `.sitegen/` (a cloned one may
    carry any bytes): a proof with one line that is not one sitegen writes is discarded whole, and
    every file the marker lists is then kept as possibly the user's."""
    path = site_dir / PROOF_FILE
    data = plain_bytes(path)
    if data is None:
        return frozenset(), None
    proof = set()
    try:
        for line in data.decode("utf-8").splitlines():
            if line.startswith("#"):
                continue
            proven = PROVEN.fullmatch(line)
            if proven is None or not is_site_name(proven.group(3)):
                raise ValueError(line)
            proof.add(Proven(proven.group(3), proven.group(1), proven.group(2)))
    except ValueError:
        return frozenset(), ("not a record of the files sitegen wrote; ignored: the files the output folder's marker lists "
                             "are kept, as possibly yours")
    return still_standing(output_dir, frozenset(proof)), None


def save_proof(site_dir: Path, proof: frozenset[Proven]) -> None:
    lines = sorted(f"{proven.digest} {proven.file} {proven.name}\n" for proven in proof)
    write_atomic(site_dir / PROOF_FILE, (PROOF_HEADER + "".join(lines)).encode(), site_dir)


def _is_dict_of(value: object, check: Callable[[Any], bool]) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and check(v) for k, v in value.items())


def save_memo(site_dir: Path, memo: Memo) -> dict[str, MemoStamp]:
    """The memo files that changed; the one-file memo of earlier versions goes (tens of megabytes, never read again).
    Returns what the record may vouch for: the stamp of each file as this build wrote it, and of each other as it
    was proven when the build began (a file put in `.sitegen/` meanwhile is then no longer that file: refused)."""
    stamps = dict(memo.proven)
    for kind, data in memo.changed_files().items():
        write_atomic(site_dir / memo_file(kind), data, site_dir)
        stamps[kind] = memo_stamp(site_dir / memo_file(kind))
    old = site_dir / OLD_MEMO_FILE
    if old.is_file() and not old.is_symlink():
        old.unlink()
    return stamps


def memo_file(kind: str) -> Path:
    return Path(".sitegen") / f"memo-{kind}.pickle"


class Memo:
    """Results of the build's slow pure steps (a page's YAML, tags, what corrections teach, related papers), by a
    digest of their inputs and of sitegen's own code: a step whose inputs did not change since the
    last build is not run again. Only what this build used is kept for the next one."""

    def __init__(self, old: dict[str, dict[str, Any]], lazy: dict[str, Path] | None = None,
                 proven: dict[str, MemoStamp] | None = None, deferred: dict[str, Path] | None = None) -> None:
        self.loaded = {kind: old.get(kind, {}) for kind in MEMO_KINDS if kind not in DEFERRED_KINDS or kind in old}  # kind → key → value
        self.used: dict[str, dict[str, Any]] = {kind: {} for kind in MEMO_KINDS}
        self.refused: set[str] = set()  # kinds whose file was discarded, or held a value not `valid`: made again
        self.lazy = lazy or {}  # a lazy kind → its file, proven the last build's, not read yet
        self.deferred = deferred or {}  # a deferred kind → its file, proven the last build's, read by `old` when first asked
        self.proven = proven or {}  # each kind's file as proven the last build's (read, or to be read, as that file only)
        self.replaced: dict[str, bytes] = {}  # a lazy kind → its file's new bytes
        self.standing: set[str] = set()  # deferred kinds whose file this build keeps as it is, unread (`keep_standing`)

    def old(self, kind: str) -> dict[str, Any]:
        """The last build's values of `kind`; a deferred kind's file is read the first time they are asked for."""
        if kind not in self.loaded:
            path = self.deferred.get(kind)
            found = None if path is None else load_memo_file(path, self.proven[kind])
            if path is not None and found is None:
                self.refused.add(kind)  # replaced or damaged since it was proven: made again
            self.loaded[kind] = found or {}
        return self.loaded[kind]

    def keep_standing(self, *kinds: str) -> bool:
        """Keep deferred kinds' files as the last build left them, without reading them: for a build that would keep
        the very values they hold (the caller knows their keys are the same ones). False, and none kept so, if any has
        no such file (their values must then be made and kept one by one)."""
        if any(kind not in self.deferred or kind in self.loaded or kind in self.refused for kind in kinds):
            return False
        self.standing.update(kinds)
        return True

    def read(self, kind: str) -> dict[str, Any]:
        """A lazy kind's values ({} if its file was not proven the last build's, or is damaged)."""
        path = self.lazy.get(kind)
        return {} if path is None else load_memo_file(path, self.proven[kind]) or {}

    def replace(self, kind: str, data: bytes) -> None:
        """A lazy kind's file made again (`data`: a pickled mapping, as `read` reads it back)."""
        self.replaced[kind] = data

    def get(self, kind: str, inputs: object, compute: Callable[[], T], valid: Callable[[Any], bool] | None = None) -> T:
        """`compute()`, or its value from the last build if `inputs` (plain data: text, numbers,
        tuples, records) are the same (and the value passes `valid`)."""
        key, found = self.find(kind, inputs, valid)
        value: T = found if found is not None else compute()
        self.keep(key, value)
        return value

    def find(self, kind: str, inputs: object, valid: Callable[[Any], bool] | None = None) -> tuple[str, Any]:
        """The key of `inputs`, and the last build's value for it (None if it had none, or one not
        of the shape this kind of step makes, or not `valid` for these inputs: the memo is a cache, never
        trusted to be right)."""
        key = f"{kind}:{value_digest((code_digest(), inputs))}"
        found = self.old(kind).get(key)
        if found is not None and valid is not None and not valid(found):
            self.refused.add(kind)
            found = None
        return key, found

    def carried(self, kind: str, digest: str) -> tuple[str, Any]:
        """`find` for a `made_digest` of a value's inputs (10,000 papers' keys made from texts and digests
        the build has already, none pickled)."""
        key = f"{kind}:{digest}"
        return key, self.old(kind).get(key)

    def keep(self, key: str, value: object) -> None:
        self.used[key.partition(":")[0]][key] = value

    def remember(self, kind: str, inputs: object, value: object, alone: bool = False) -> None:
        """Keep for the next build a value this one made without asking (the entries of a page it writes);
        `alone`: instead of every other value of its kind."""
        if alone:
            self.used[kind].clear()
        self.keep(f"{kind}:{value_digest((code_digest(), inputs))}", value)

    def made(self, kind: str, inputs: object) -> Any:
        """The value this build kept for `inputs` (None if none): made here, it needs no check."""
        return self.used[kind].get(f"{kind}:{value_digest((code_digest(), inputs))}")

    def changed_files(self) -> dict[str, bytes]:
        """The bytes of each kind's memo file to write: the kinds whose entries differ from the last build's
        (keys are digests of the inputs, so the same keys hold the same values), and the lazy kinds made again."""
        return {**{kind: pickle.dumps(used, protocol=5) for kind, used in self.used.items()
                   if kind not in LAZY_KINDS and (kind not in self.standing or kind in self.refused)
                   and (kind in self.refused or used.keys() != self.old(kind).keys())},
                **self.replaced}


def value_digest(value: object) -> str:
    """A digest of plain data by value: equal values, equal digests (pickle's memo is off, so that
    where two equal strings are one object or two makes no difference)."""
    digest = hashlib.blake2b(digest_size=20)
    pickler = pickle.Pickler(DigestWriter(digest), protocol=5)  # streamed: a 100k-paper catalog is never one buffer
    pickler.fast = True  # no memo: no back-references, which depend on object identity
    pickler.dump(value)
    return digest.hexdigest()


def made_digest(*parts: str | bytes) -> str:
    """A digest of sitegen's code and these texts or bytes, each told apart from the next by its length: the
    key of a value made from them alone (`Memo.carried`), without pickling them as `value_digest` does."""
    digest = hashlib.blake2b(code_digest().encode(), digest_size=20)
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode(errors="surrogatepass")
        digest.update(b"\0%d\0" % len(data))
        digest.update(data)
    return digest.hexdigest()


class DigestWriter:
    """A file that only feeds what is written to it into a digest."""

    def __init__(self, digest: Any) -> None:
        self.digest = digest

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return len(data)


@cache
def code_digest() -> str:
    """Of sitegen's own source: a memo made by other code is never used."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(Path(__file__).parent.rglob("*.py")):  # sitegen/search/ too: what it analysed is kept (carry.py)
        digest.update(path.read_bytes())
    return digest.hexdigest()


class RecordsOnly(pickle.Unpickler):
    """Builds plain data and sitegen's records, nothing else: a memo file planted in `.sitegen/`
    (say, in a cloned site) can never run code, only be ignored."""

    ALLOWED = {("datetime", "date"), ("datetime", "datetime"), ("datetime", "timedelta"), ("datetime", "timezone"),
               ("sitegen.yamlsource", "Entry"), ("sitegen.records", "TagMatch"), ("sitegen.records", "TagEvidence"),
               ("sitegen.related", "Related"), ("pathlib", "PosixPath"), ("sitegen.records", "ReadingList"),
               ("sitegen.records", "ListEntry"), ("sitegen.records", "Bibliographic"), ("sitegen.records", "BibEntry"),
               ("sitegen.records", "Claim"), ("sitegen.records", "Membership"), ("sitegen.records", "Paper"),
               ("sitegen.records", "PaperFacts"), ("sitegen.search.carry", "Carried"), ("sitegen.search.carry", "CarriedPaper"),
               ("sitegen.search.index", "PaperTerms"), ("sitegen.search.shards", "DocRow")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not a sitegen record")
        return super().find_class(module, name)


def check_state_folder(site_dir: Path) -> None:
    """`.sitegen/` must be a folder of its own, not a symlink (a cloned site's link would have the build
    write its record, memo and lock wherever it points)."""
    folder = site_dir / STATE_FILE.parent
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise SitegenError(f"{folder}: not a folder of sitegen's own (a symlink or a file); remove it (a build makes it again)")


def check_state_files(site_dir: Path) -> None:
    """`.sitegen/`'s files must be plain files (or absent), the lock one sitegen may write: found out
    before anything is written, by `build` and `check` alike."""
    check_state_folder(site_dir)
    check_lock_file(site_dir)
    for name in (STATE_FILE, PROOF_FILE, *map(memo_file, MEMO_KINDS)):
        path = site_dir / name
        if (path.exists() or path.is_symlink()) and not (path.is_file() and not path.is_symlink()):
            raise SitegenError(f"{path}: not a plain file; sitegen keeps its build record there: remove it (a build makes it again)")


def load_memo(site_dir: Path, recorded: dict[str, MemoStamp]) -> tuple[Memo, list[Path]]:
    """The last build's memo, and the memo files discarded. Only a file proven to be the very one this
    machine's last build wrote is read: its size, modification time, inode and change time as the record
    says (no archive, copy or clone can give a file that inode and change time). Any other (planted in a
    cloned site or an archive unpacked with its times, copied, damaged) is a cache this site never made:
    not read, and the steps run again. Its values are then sitegen's own: none is checked one by one."""
    found: dict[str, dict[str, Any]] = {}
    lazy: dict[str, Path] = {}
    deferred: dict[str, Path] = {}
    proven: dict[str, MemoStamp] = {}
    discarded: list[Path] = []
    for kind in MEMO_KINDS:
        path = site_dir / memo_file(kind)
        try:
            now: MemoStamp | None = memo_stamp(path)
        except OSError:
            now = None
        if kind in DEFERRED_KINDS:
            if now is not None and now == recorded.get(kind):
                deferred[kind], proven[kind] = path, now
            elif now is not None:
                discarded.append(path)
            continue
        if kind in LAZY_KINDS:
            if now is not None and now == recorded.get(kind):
                lazy[kind], proven[kind] = path, now
            elif now is not None and site_dir / memo_file("search-*") not in discarded:
                discarded.append(site_dir / memo_file("search-*"))  # its parts named once
            continue
        data = load_memo_file(path, now) if now is not None and now == recorded.get(kind) else None
        if now is not None and data is None:
            discarded.append(path)
        elif data is not None and now is not None:
            proven[kind] = now
        found[kind] = data or {}
    memo = Memo(found, lazy, proven, deferred)
    memo.refused.update(kind for kind in MEMO_KINDS if site_dir / memo_file(kind) in discarded)  # made again
    return memo, discarded


def settle_heap() -> None:
    """What the build has made so far lives until it ends: frozen out of the cyclic collector's full walks, which
    would find nothing in it (0.3-0.5 s of a note edit at 10,000 papers), and untouched by them in the workers it
    forks, which then share its pages (`release_memo` gives it back to the collector)."""
    gc.freeze()


def release_memo() -> None:
    """The memo's objects back in the cyclic collector's care once the build is done (`serve` builds again and again)."""
    gc.unfreeze()


def load_memo_file(path: Path, proven: MemoStamp) -> dict[str, Any] | None:
    """A memo file's mapping, or None if it is anything else (it is only a cache) or no longer the file `proven`
    stamps (replaced since it was proven: the bytes are read from the file the stamp is checked on, never a later one)."""
    # Millions of objects, none of them garbage: the cyclic collector's walks meanwhile found nothing, and
    # they are frozen before it runs again (else the first allocation after `gc.enable` walks them all, and
    # the next older collection again: 0.6 s of a note edit at 10,000 papers), until `release_memo`.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NOFOLLOW)) as handle:
            if memo_stamp_of(os.fstat(handle.fileno())) != proven:
                return None
            data = RecordsOnly(io.BytesIO(handle.read())).load()
    except Exception:  # any damage at all: rebuild what it held
        return None
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
    return data if isinstance(data, dict) and all(isinstance(k, str) for k in data) else None
