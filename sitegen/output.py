"""The only writer. User files are replaced atomically; the site is built aside and swapped in.

Nothing here decides content: it receives finished texts and bytes. Four rules hold for every
write: a user file is replaced only while it still holds the bytes the build read (a save made
during the build wins); a folder is replaced only if sitegen's marker says sitegen made it, and a
file in it is removed only if sitegen's proof in `.sitegen/` shows it is the very file sitegen wrote
(its inode) and it still holds those bytes; a symlink is written through, never replaced by a regular file, but only if it leads to a place
inside the site folder (a cloned site's link to ~/.bashrc is refused, never written or swept).
The one exception is the output folder itself, which the user may point anywhere: sitegen writes
there only if it is empty or carries sitegen's marker.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import signal
import stat
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sitegen.errors import Diagnostics, SitegenError, SourceError

MARKER = ".sitegen-output"  # in an output folder: sitegen made this folder; lists the files it wrote
MARKER_HEADER = "# Made by sitegen; each build replaces this folder. Files sitegen wrote:\n"
TEMP_PREFIX, TEMP_SUFFIX = ".sitegen-", ".tmp"  # short, so a temp name fits wherever its file's name fits
DEFAULT_MODE = 0o644


@dataclass(frozen=True)
class RenderedFile:
    """One output file: its path relative to the site root and its bytes."""

    path: str
    content: bytes


class ChangedOnDisk(SitegenError):
    """A user file changed after the build read it: the user's version is kept and the build stops."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path}: changed while sitegen was building; your version is kept, nothing else was "
                         "replaced after it: run the build again")


_kill_counts: dict[str, int] = {}


def kill_point(step: str) -> None:
    """Test-only: with SITEGEN_TEST_KILL_AT=<step>:<n>[:KILL|INT|STOP], the n-th time the build
    reaches `step` it sends itself that signal (SIGKILL by default), so that tests stop a build at
    known places, not after a sleep (STOP: the test edits a file, then lets the build go on)."""
    wanted = os.environ.get("SITEGEN_TEST_KILL_AT")
    if not wanted:
        return
    name, count, *how = wanted.split(":")
    if name != step:
        return
    _kill_counts[step] = _kill_counts.get(step, 0) + 1
    if _kill_counts[step] == int(count):
        os.kill(os.getpid(), {"INT": signal.SIGINT, "STOP": signal.SIGSTOP}.get(how[0] if how else "", signal.SIGKILL))


_deferring: list[int] = []  # the Ctrl+Cs that came while a deferring block ran (in the main thread)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Ctrl+C waits until this block ends, so that it never leaves a temp file, half a swap or half
    an update behind. SIGINT is blocked in this thread (a process forked here is born with it
    blocked), and, in the main thread, Python's handler only notes it: a signal mask holds for
    one thread, and the build's other threads (its worker pools') could take the Ctrl+C and have
    it raised here. The outermost block raises it when it ends."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    outermost = threading.current_thread() is threading.main_thread() and not _deferring
    if outermost:
        _deferring.append(0)
        previous = signal.signal(signal.SIGINT, lambda signum, frame: _deferring.append(signum))
    try:
        yield
    finally:
        if outermost:
            signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)
            came = len(_deferring) > 1
            _deferring.clear()
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        if outermost and came:
            raise KeyboardInterrupt


def link_leading_outside(path: Path, root: Path) -> Path | None:
    """The first symlink on the way from `root` down to `path` (`path` included) that leads outside
    `root`, or into a hidden name inside it (`.git/config`, `.sitegen/`: never inputs, and a link to them
    would publish them), or None: the site folder is the only place sitegen reads and writes for a site."""
    real_root = os.path.realpath(root)
    place = root
    for part in path.relative_to(root).parts:
        place = place / part
        if os.path.islink(place):
            real = os.path.realpath(place)
            if not is_within(real, real_root) or any(name.startswith(".") for name in Path(os.path.relpath(real, real_root)).parts):
                return place
    return None


def is_within(real: str, real_root: str) -> bool:
    return real == real_root or real.startswith(real_root.rstrip("/") + "/")


def require_inside(path: Path, root: Path) -> None:
    """Refuse a path that a symlink leads outside `root` (a cloned site may carry one to any file of the user's)."""
    link = link_leading_outside(path, root)
    if link is not None:
        raise SitegenError(f"{link}: a symlink to {os.readlink(link)}, outside the site folder {root} or into a hidden name; "
                           "sitegen reads and writes only inside it, no hidden file: move what it points to into the site folder, "
                           "or remove the link")


def write_atomic(path: Path, content: bytes, within: Path, expected: bytes | None = None, check: bool = False) -> None:
    """Write via a temp file in the same folder and rename: a reader sees old or new, never half.

    `within`: the site folder; a path a symlink leads out of is refused (a symlinked page inside
    the site is written where it points). With `check`, the file must still hold `expected`
    (None: must not exist) just before the rename, else ChangedOnDisk. The mode of the file
    replaced is kept (a new file gets 0644 less the umask). A file that replaces one is flushed
    first, so a power cut cannot leave it empty.
    """
    import tempfile  # here: a build with nothing to do writes no file, nor needs tempfile (and random) loaded

    require_inside(path, within)
    target = path.resolve() if path.is_symlink() else path
    target.parent.mkdir(parents=True, exist_ok=True)
    with interrupts_deferred():
        try:
            old_mode: int | None = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            old_mode = None
        temp: str | None = None
        try:
            fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=target.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                os.fchmod(handle.fileno(), old_mode if old_mode is not None else DEFAULT_MODE & ~current_umask())
                if old_mode is not None:
                    handle.flush()
                    os.fsync(handle.fileno())
            kill_point("atomic-temp")
            if check and read_or_none(target) != expected:
                raise ChangedOnDisk(path)
            os.replace(temp, target)
            temp = None
        finally:
            if temp is not None:
                Path(temp).unlink(missing_ok=True)
    kill_point("atomic-replaced")


def remove_checked(path: Path, expected: bytes) -> None:
    """Remove a page sitegen made, unless the user changed it since the build read it."""
    with interrupts_deferred():
        if read_or_none(path) != expected:
            raise ChangedOnDisk(path)
        path.unlink()
    kill_point("page-removed")


def read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def sweep_temps(folder: Path, within: Path) -> None:
    """Remove what a killed build (SIGKILL) left: sitegen's own temp files, by their prefix, only in
    a folder inside the site (`within`), the only places sitegen writes them."""
    if folder.is_dir() and is_within(os.path.realpath(folder), os.path.realpath(within)):
        with os.scandir(folder) as found:  # names compared as strings: content/papers/ holds 10,000 pages and more
            leftovers = [Path(e.path) for e in found if e.name.startswith(TEMP_PREFIX) and e.name.endswith(TEMP_SUFFIX)]
        for leftover in leftovers:
            if leftover.is_file() and not leftover.is_symlink():
                leftover.unlink()


def claim_output(output_dir: Path, site_dir: Path) -> None:
    """Refuse an output folder sitegen may not replace: the site itself, its inputs, or a folder
    holding files sitegen did not make, or with folders beside it that sitegen did not make where it
    builds aside. Only the folder's own marker says sitegen made it: never a build record (a cloned
    site's record can name any folder, and a user's own docs/ may stand where an old output was).
    Reads only: `build` and `check` refuse the same folders with the same line."""
    out, site = output_dir.resolve(), site_dir.resolve()
    if out == site or out in site.parents:
        raise SitegenError(f"{output_dir}: the output folder would replace the site folder {site_dir}; choose another -o")
    if out in (site / "sitegen.yml", site / ".sitegen"):
        raise SitegenError(f"{output_dir}: the output folder would take the place of the site's {out.name}; choose another -o")
    for inputs in ("content", "templates"):
        if out == site / inputs or site / inputs in out.parents:
            raise SitegenError(f"{output_dir}: the output folder is inside {site_dir / inputs}, which holds your files; choose another -o")
    if output_dir.is_symlink() and not output_dir.exists():
        raise SitegenError(f"{output_dir}: a symlink to a folder that does not exist ({os.readlink(output_dir)}); create it or remove the link")
    new, old = aside_paths(output_dir)
    for aside in (new, old):
        if os.path.lexists(aside):
            require_aside(aside)
    undo = undo_path(output_dir)
    if os.path.lexists(undo):
        require_undo(undo)
    if not output_dir.exists():
        return
    if not output_dir.is_dir():
        raise SitegenError(f"{output_dir}: exists and is not a folder; choose another -o")
    marker = output_dir / MARKER
    if (marker.is_file() and not marker.is_symlink()) or not any(output_dir.iterdir()):
        made_by_sitegen(output_dir)  # every name it lists checked before anything is written
        return
    raise SitegenError(f"{output_dir}: not empty and not made by sitegen (no {MARKER} in it); sitegen will not replace "
                       "files it did not make: choose an empty or new folder")


# A control character, backslash or line separator ('\x85', U+2028, U+2029: the marker and the proof are read by
# `splitlines`), but '\n', which joins names in `are_site_names`.
CONTROL_OR_BACKSLASH = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\x85\u2028\u2029\\]")


def is_site_name(name: str) -> bool:
    """Whether `name` can be a file sitegen writes into an output folder: relative, '/'-separated,
    no empty, '.' or '..' part, no control character or backslash."""
    return "\n" not in name and are_site_names([name])


def are_site_names(names: list[str]) -> bool:
    """Whether each of `names` `is_site_name` (the one rule), by searching them all at once: a marker and a proof list
    every file of the site, and a search of each name took 20 ms of a build with nothing to do at 10,000 papers."""
    joined = "\n".join(names)
    parts = f"/{joined}/".replace("\n", "/")  # every part of every name, between two '/'
    return not names or not CONTROL_OR_BACKSLASH.search(joined) and "//" not in parts and "/./" not in parts and "/../" not in parts


def folders_are_real(root: Path, name: str) -> bool:
    """Whether every folder on the way to `root/name` is a real folder inside `root` (or not there
    yet): a write or removal through a symlinked folder would reach outside it."""
    path = root
    for part in name.split("/")[:-1]:
        path = path / part
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            return False
    return True


def aside_paths(site_dir: Path) -> tuple[Path, Path]:
    """Where a new site is built and where the old one waits during the swap: siblings of the
    real folder (through a symlinked `site/`, beside the folder it points to)."""
    real = site_dir.resolve()
    return real.with_name(f".{real.name}.new"), real.with_name(f".{real.name}.old")


def undo_path(site_dir: Path) -> Path:
    """Where an update in place keeps the files it replaces or removes until it is complete."""
    real = site_dir.resolve()
    return real.with_name(f".{real.name}.undo")


UNDO_LIST = ".sitegen-undo"
# In the undo folder, a line per file: "<add|replace|remove> <digest of the bytes put in place> <device:inode of
# the file put in place> <device:inode of the file kept in the undo folder> <name>" ('-' for none). The inodes are
# this machine's own: a planted list (a cloned site may carry any) cannot name them, so it moves nothing.


def recover(site_dir: Path, diagnostics: Diagnostics | None = None) -> None:
    """Undo what a killed build left: put back the files of an update caught half-way, restore a
    site caught mid-swap, drop a half-built one. Each of these folders is input (a cloned site
    may carry any): one sitegen did not make is refused, never followed or emptied."""
    new, old = aside_paths(site_dir)
    real = site_dir.resolve()
    undo = undo_path(site_dir)
    if os.path.lexists(undo):
        undo_update(undo, real, diagnostics)
    if os.path.lexists(old):
        require_aside(old)
        if real.exists():
            drop_folder(old, MARKER)
        else:
            os.replace(old, real)
    if os.path.lexists(new):
        require_aside(new)
        drop_folder(new, MARKER)


def drop_folder(folder: Path, last: str) -> None:
    """Remove a folder sitegen made, the file that says so (`last`: its marker or undo list) last: a build
    killed half-way leaves a folder the next build still knows as its own and drops (`shutil.rmtree` goes in
    directory order, and one that took the marker first left a folder every later build refused as planted)."""
    with os.scandir(folder) as found:
        entries = [entry for entry in found if entry.name != last]
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
        kill_point("folder-dropped")
    (folder / last).unlink(missing_ok=True)
    folder.rmdir()


def require_aside(folder: Path) -> None:
    """An aside folder is sitegen's only if it is a real folder that is empty or carries the marker."""
    marker = folder / MARKER
    if folder.is_symlink() or not folder.is_dir() or not (marker.is_file() and not marker.is_symlink() or not any(folder.iterdir())):
        raise SitegenError(f"{folder}: not a folder sitegen made (no {MARKER} in it), where sitegen builds the site aside; "
                           "move it elsewhere and build again")


def require_undo(undo: Path) -> None:
    """An undo folder is sitegen's only if it is a real folder holding a plain undo list, or empty (a build
    killed before it wrote the list had moved nothing)."""
    listed = undo / UNDO_LIST
    if undo.is_symlink() or not undo.is_dir() or ((listed.is_symlink() or not listed.is_file()) and any(undo.iterdir())):
        raise SitegenError(f"{undo}: not an undo folder sitegen made (no {UNDO_LIST} in it); move it elsewhere and build again")


def undo_update(undo: Path, real: Path, diagnostics: Diagnostics | None) -> None:
    """Put back what an update caught half-way changed, as its undo list says, moving only files it can
    prove this machine's sitegen put there: a file is removed or replaced only if it is the very file
    (device and inode) the update put in place and holds its bytes, a kept file is put back only if it
    is the very file the update kept, and only through real folders inside the site; any other line
    is left alone, and said so."""
    require_undo(undo)
    left: list[str] = []
    for line in (plain_bytes(undo / UNDO_LIST) or b"").decode("utf-8", errors="replace").splitlines():
        action, digest, put, kept, name = (line.split(" ", 4) + ["", "", "", ""])[:5]
        if action not in ("add", "replace", "remove") or not is_site_name(name) or not folders_are_real(real, name):
            left.append(name or line)
            continue
        live, saved = real / name, undo / name
        ours = put != "-" and file_id(live) == put and bytes_digest(live) == digest
        if action == "add":
            if ours:
                live.unlink()
                remove_empty_folders(live, real)
            elif os.path.lexists(live):
                left.append(name)
            continue
        if kept != "-" and file_id(live) == kept:
            continue  # the update did not get to it: still the file it kept
        if folders_are_real(undo, name) and kept != "-" and file_id(saved) == kept and (ours or not os.path.lexists(live)):
            live.parent.mkdir(parents=True, exist_ok=True)
            os.replace(saved, live)
        else:
            left.append(name)
    if left and diagnostics is not None:
        diagnostics.warn(undo, None, f"{len(left)} line(s) of its undo list name files that are not as the killed update "
                         f"left them ({', '.join(left[:3])}); left as they are")
    drop_folder(undo, UNDO_LIST)  # a kill meanwhile leaves the list: applied again, it finds each line done


def file_id(path: Path | str) -> str | None:
    """A plain file's device and inode ('device:inode'; None: no plain file there, or a symlink)."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return f"{info.st_dev}:{info.st_ino}" if stat.S_ISREG(info.st_mode) else None


def plain_bytes(path: Path) -> bytes | None:
    """A plain file's bytes, or None if there is none: a symlink is never followed, and a FIFO or a
    device never read (one would block, /dev/zero never ends)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        return handle.read() if stat.S_ISREG(os.fstat(fd).st_mode) else None


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def bytes_digest(path: Path) -> str | None:
    """The digest of a plain file's bytes (None: no plain file there, or a symlink)."""
    data = plain_bytes(path)
    return None if data is None else digest_of(data)


def start_site(site_dir: Path, diagnostics: Diagnostics | None = None) -> Path:
    """A fresh, empty folder beside `site_dir` to build the new site in, marked as sitegen's at once."""
    recover(site_dir, diagnostics)
    new, _ = aside_paths(site_dir)
    new.mkdir(parents=True)
    (new / MARKER).write_text(marker_text([]), encoding="utf-8")
    return new


def write_files(folder: Path, files: Iterable[RenderedFile]) -> None:
    """Write files into the aside folder (nobody reads it until the swap)."""
    made: set[Path] = set()
    for file in files:
        target = folder / file.path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(file.content)
        kill_point("site-file")


@dataclass(frozen=True)
class Proven:
    """A file sitegen wrote into an output folder, as this machine knows it: kept in `.sitegen/`, never
    in the published folder, whose bytes stay the same for the same site. Its device and inode are
    what a cloned repository cannot forge (the digest of a public CNAME anyone can)."""

    name: str  # relative, '/'-separated
    digest: str  # of the bytes sitegen wrote
    file: str  # 'device:inode' (`file_id`)


def made_by_sitegen(folder: Path) -> set[str]:
    """The files a folder's marker lists (relative, '/'-separated). A marker is input (a committed
    docs/ may carry any): one naming anything but a file inside its folder is refused whole; a file
    it names is removed only if the proof in `.sitegen/` shows it is the very file sitegen wrote (`made_here`)."""
    marker = folder / MARKER
    if os.path.lexists(marker) and (marker.is_symlink() or not marker.is_file()):
        raise SitegenError(f"{marker}: not a plain file; sitegen will not treat {folder} as its own: remove it")
    try:
        text = (plain_bytes(marker) or b"").decode("utf-8")
    except UnicodeDecodeError:
        return set()
    lines = text.splitlines()
    names = [name for name in lines if name and not name.startswith("#")]
    if not are_site_names(names):
        number, name = next((number, name) for number, name in enumerate(lines, 1) if name and not name.startswith("#")
                            and not is_site_name(name))
        raise SourceError(marker, number, f"names {name!r}, which is not a file inside {folder}; sitegen will not "
                          f"touch this folder: remove the marker if sitegen did not make it")
    return set(names)


def made_here(real: Path, name: str, proof: frozenset[Proven]) -> bool:
    """Whether `real/name` is the very file sitegen wrote (its device and inode), reached through
    real folders, and still holds its bytes: only such a file may a build remove (a planted marker
    may name the user's CNAME, and a planted proof its digest, but neither its inode)."""
    found = file_id(real / name)
    return found is not None and folders_are_real(real, name) and Proven(name, bytes_digest(real / name) or "", found) in proof


def proof_of(folder: Path, names: Iterable[str]) -> frozenset[Proven]:
    """What the proof records of the files sitegen has just written into `folder` (the aside folder:
    a rename keeps a file's inode, so they are the same files once swapped or moved in)."""
    proof = set()
    for name in names:
        found, data = file_id(folder / name), plain_bytes(folder / name)
        if found is not None and data is not None:
            proof.add(Proven(name, digest_of(data), found))
    return frozenset(proof)


def still_standing(site_dir: Path, proof: frozenset[Proven]) -> frozenset[Proven]:
    """The proof's records of files still in the output folder (by inode alone, one lstat each): the
    proof kept after a build never grows with the files earlier builds replaced."""
    real = site_dir.resolve()
    root = os.fspath(real)
    return frozenset(proven for proven in proof if file_id(os.path.join(root, proven.name)) == proven.file)


def removable(site_dir: Path, names: Iterable[str], proof: frozenset[Proven], listed: Iterable[str]) -> list[str]:
    """The files the marker lists (`listed`, from `made_by_sitegen`) that the new site (`names`) no longer
    has and that are the very files sitegen wrote, as it wrote them: the only ones a build drops. Any other
    listed file (one of the user's that a planted marker names, a page edited by hand, a site copied or
    cloned here, or one the proof is missing for) is the user's from now on, and kept (`unproven`)."""
    real = site_dir.resolve()
    keep = {*names, MARKER}
    return sorted(name for name in listed if name not in keep and made_here(real, name, proof))


def unproven(site_dir: Path, names: Iterable[str], proof: frozenset[Proven], listed: Iterable[str]) -> list[str]:
    """The files the marker lists that the new site no longer has but that sitegen cannot prove it
    wrote: kept, and the build says so (once: the new marker no longer lists them)."""
    real = site_dir.resolve()
    keep = {*names, MARKER}
    return sorted(name for name in listed if name not in keep and os.path.lexists(real / name) and not made_here(real, name, proof))


def refuse_own_files(site_dir: Path, names: Iterable[str], listed: Iterable[str], tree: LiveTree) -> None:
    """Stop before anything is written if the output folder holds what sitegen will not carry over
    (a FIFO, socket or device), or if a file of the user's (one sitegen's marker, `listed`, does not list,
    such as a page they added by hand) stands where the new site needs one of its files, or a folder:
    sitegen would otherwise replace it. A listed file edited by hand is made again (repaired). What
    stands where is `tree`, the folder read in one walk, not a few stats per file of the site."""
    real = site_dir.resolve()
    if not real.is_dir() or not (real / MARKER).is_file():
        return  # a new or empty folder (`claim_output`)
    listed = set(listed)
    seen: set[str] = set()
    for name in names:
        if name in listed:
            if not tree.folders_are_real(name):  # a committed site/ whose marker lists a file behind a symlinked folder
                raise SitegenError(f"{site_dir / name}: on the way to it is a symlink or a file where the site needs a "
                                   "folder; sitegen writes only into folders of its own: remove it and build again")
            if tree.kind(name) == FOLDER and files_under(real / name):
                raise SitegenError(f"{site_dir / name}: a folder with files of yours, where the site needs this file; "
                                   "move the folder elsewhere and build again")
            continue
        parts = name.split("/")
        for depth in range(1, len(parts) + 1):
            place = "/".join(parts[:depth])
            if place in seen:
                continue
            seen.add(place)
            is_folder_needed = depth < len(parts)
            found = tree.kind(place)
            if found is not None and not (is_folder_needed and found == FOLDER):
                needed = f"a folder for {name}" if is_folder_needed else "this file"
                raise SitegenError(f"{site_dir / place}: not made by sitegen, and the site now needs {needed} there; "
                                   "move your file elsewhere and build again")


FOLDER, LINK, FILE = "folder", "link", "file"


class LiveTree:
    """What stands where in an output folder, read in one walk (the kind each directory read reports,
    no stat per file): each entry a real folder, a symlink (never followed) or a plain file. A FIFO,
    socket or device cannot be carried over into a new site (nor read): refused, by name. A folder the
    walk cannot read is looked into by `lstat`, place by place, as if there were no walk."""

    def __init__(self, site_dir: Path) -> None:
        self.root = os.fspath(site_dir.resolve())
        self.kinds: dict[str, str] = {}  # '/'-separated name under the root → FOLDER, LINK or FILE
        self.unread: list[str] = []  # folders whose entries the walk could not list
        folders = [""] if os.path.isdir(self.root) else []
        while folders:  # not recursive: a folder nested past Python's recursion limit is walked too
            folder = folders.pop()
            try:
                with os.scandir(os.path.join(self.root, folder)) as entries:
                    found = list(entries)
            except OSError:
                self.unread.append(folder)
                continue
            for entry in found:
                name = f"{folder}/{entry.name}" if folder else entry.name
                if entry.is_symlink():
                    self.kinds[name] = LINK
                elif entry.is_dir(follow_symlinks=False):
                    self.kinds[name] = FOLDER
                    folders.append(name)
                elif entry.is_file(follow_symlinks=False):
                    self.kinds[name] = FILE
                else:
                    raise SitegenError(f"{site_dir / name}: not a plain file (a FIFO, socket or device); sitegen carries over only "
                                       "files, folders and symlinks into a new site: move it elsewhere and build again")

    def kind(self, name: str) -> str | None:
        """FOLDER, LINK or FILE: what `name` is, not following a symlink at its end (None: nothing there)."""
        if name in self.kinds or not any(name.startswith(f"{folder}/") or not folder for folder in self.unread):
            return self.kinds.get(name)
        try:
            info = os.lstat(os.path.join(self.root, name))
        except OSError:
            return None
        return LINK if stat.S_ISLNK(info.st_mode) else FOLDER if stat.S_ISDIR(info.st_mode) else FILE

    def is_file(self, name: str) -> bool:
        """`(root / name).is_file()`, answered from the walk (a symlink is followed, as there)."""
        found = self.kind(name)
        return found == FILE or (found == LINK and os.path.isfile(os.path.join(self.root, name)))

    def folders_are_real(self, name: str) -> bool:
        """`folders_are_real`, answered from the walk."""
        parts = name.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            found = self.kind("/".join(parts[:depth]))
            if found is not None and found != FOLDER:
                return False
        return True


def marker_text(names: Iterable[str]) -> str:
    """The same bytes for the same site, on any machine: a committed docs/ changes only with the site."""
    return MARKER_HEADER + "".join(f"{name}\n" for name in sorted(names))


def finish_site(site_dir: Path, names: list[str], proof: frozenset[Proven], listed: Iterable[str]) -> None:
    """Mark the new site (`names`: every file written into it), keep the user's own files from the
    old one (any the proof does not show is the very file sitegen wrote there), swap;
    the old site waits aside until `settle_site` (or `revert_site`). A swap the system refuses (the
    folder is a mount point) names the folder."""
    new, old = aside_paths(site_dir)
    real = site_dir.resolve()
    (new / MARKER).write_text(marker_text(names), encoding="utf-8")
    if real.is_dir():
        dropped = {*removable(real, names, proof, listed), MARKER}
        for name in files_under(real):
            if name not in dropped and not os.path.lexists(new / name):
                (new / name).parent.mkdir(parents=True, exist_ok=True)
                try:
                    shutil.copy2(real / name, new / name, follow_symlinks=False)  # e.g. a CNAME the user put there
                except OSError as error:
                    raise SitegenError(f"{site_dir / name}: cannot carry it over into the new site ({error.strerror or error}); "
                                       "nothing was changed") from None
    with interrupts_deferred():
        try:
            if real.exists() and exchange(new, real):
                os.replace(new, old)  # the old site, as after a swap in two steps
            else:
                if real.exists():
                    os.replace(real, old)
                    kill_point("site-moved-aside")
                os.replace(new, real)
        except OSError as error:
            hint = "; is it a mount point? build into a folder inside it (-o)" if error.errno in (errno.EBUSY, errno.EXDEV) else ""
            raise SitegenError(f"{site_dir}: cannot swap the new site in ({error.strerror or error}){hint}; "
                               "nothing of yours was changed") from None
    kill_point("site-swapped")


def settle_site(site_dir: Path) -> None:
    """The new site stands: drop what waited aside to undo it (the old site, or the files an update replaced)."""
    new, old = aside_paths(site_dir)
    undo = undo_path(site_dir)
    if undo.exists():
        (undo / UNDO_LIST).write_bytes(b"")  # first, in one step: nothing left to undo, whatever stops the rest
    for leftover, last in ((new, MARKER), (old, MARKER), (undo, UNDO_LIST)):
        if leftover.exists():
            drop_folder(leftover, last)


def revert_site(site_dir: Path) -> None:
    """Put the previous site back after the swap or update (a page write failed after it): the site
    the user had, and nothing aside."""
    new, old = aside_paths(site_dir)
    real = site_dir.resolve()
    with interrupts_deferred():
        if os.path.lexists(undo_path(site_dir)):
            undo_update(undo_path(site_dir), real, None)
        elif old.is_dir():
            if not (real.exists() and exchange(old, real)):
                if real.exists():
                    os.replace(real, new)
                os.replace(old, real)
            elif old.exists():
                os.replace(old, new)
        if new.exists():
            drop_folder(new, MARKER)


def files_under(folder: Path) -> list[str]:
    """Every file and symlink under `folder` ('/'-separated, relative, sorted), in one directory read
    per folder: a site of 10,000 paper folders is walked in a fraction of a second."""
    found = []
    for top, folders, files in os.walk(folder):
        base = os.path.relpath(top, folder)
        links = [f for f in folders if os.path.islink(os.path.join(top, f))]  # not followed: kept as links
        found += [name if base == "." else f"{base}/{name}" for name in [*files, *links]]
    return sorted(found)


def update_site(site_dir: Path, changed: list[str], gone: list[str], names: Iterable[str], proof: frozenset[Proven]) -> int:
    """Change the live site in place: the files rendered aside (`changed`) replace theirs, the `gone`
    ones are removed, the marker lists `names`. Each file replaced or removed waits in the undo
    folder until `settle_site`, so an interrupted update is undone (`recover`, `revert_site`): after a
    failed build a reader finds the previous site, and a kill mid-way is undone by the next build. A file rendered
    again to the same bytes is left alone. Returns how many files changed."""
    new, _ = aside_paths(site_dir)
    real = site_dir.resolve()
    undo = undo_path(site_dir)
    changed = [name for name in changed if read_or_none(real / name) != (new / name).read_bytes()]
    (new / MARKER).write_text(marker_text(names), encoding="utf-8")
    # of each file whose bytes change: the undo list says what the update put in place
    digests = {name: digest_of((new / name).read_bytes()) for name in [*changed, MARKER]}
    if read_or_none(real / MARKER) == (new / MARKER).read_bytes():
        del digests[MARKER]
    changed = list(digests)
    # only the very files sitegen wrote, as it wrote them, through real folders (`removable`)
    gone = [name for name in gone if made_here(real, name, proof)]
    placed = {name: new / name for name in changed}  # each file to move in, by its name in the site
    with interrupts_deferred():
        if MARKER in placed:  # a copy moves in: the aside folder keeps its marker, so whatever stops the build leaves it
            placed[MARKER] = new / f"{TEMP_PREFIX}marker{TEMP_SUFFIX}"  # sitegen's own, to be dropped (it was refused)
            shutil.copyfile(new / MARKER, placed[MARKER])
        undo.mkdir()
        actions = [("replace" if os.path.lexists(real / name) else "add", name) for name in changed] + [("remove", name) for name in gone]
        lines = [f"{action} {digests.get(name, '-')} {file_id(placed[name]) or '-' if action != 'remove' else '-'} "
                 f"{file_id(real / name) or '-' if action != 'add' else '-'} {name}\n" for action, name in actions]
        (undo / UNDO_LIST).write_text("".join(lines), encoding="utf-8")
        for action, name in actions:
            if action != "add":
                (undo / name).parent.mkdir(parents=True, exist_ok=True)
                os.link(real / name, undo / name, follow_symlinks=False)  # the old bytes stay there: each new file is a new inode
        for name in changed:
            (real / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(placed[name], real / name)
            kill_point("site-update")
        for name in gone:
            (real / name).unlink()
            remove_empty_folders(real / name, real)
    kill_point("site-updated")
    return len(changed) + len(gone)


def remove_empty_folders(removed: Path, root: Path) -> None:
    """The folders a removed file leaves empty (a paper's own folder), up to `root`."""
    for folder in removed.parents:
        if folder == root or not folder.is_dir() or any(folder.iterdir()):
            break
        folder.rmdir()


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step where the system can (Linux renameat2 RENAME_EXCHANGE), so
    that no reader, and no kill, ever finds the site missing; False where it cannot."""
    import ctypes  # here: a build with nothing to do never swaps, nor needs ctypes loaded

    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_cwd, rename_exchange = -100, 2
    return bool(renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), rename_exchange) == 0)


def abandon_site(site_dir: Path) -> None:
    """Drop a half-built site, or finish a swap an interrupt caught: the previous site, or the
    complete new one, and nothing aside. Best effort: the error that stopped the build is the one to report."""
    try:
        recover(site_dir)
    except OSError:
        pass
