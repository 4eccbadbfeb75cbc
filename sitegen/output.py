"""The only writer. User files are replaced atomically; the site is built aside and swapped in.

Nothing here decides content: it receives finished texts and bytes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RenderedFile:
    """One output file: its path relative to the site root and its bytes."""

    path: str
    content: bytes


def write_atomic(path: Path, content: bytes) -> None:
    """Write via a temp file in the same folder and rename: a reader sees old or new, never half.

    A file that replaces one is flushed to disk before the rename, so even a power cut cannot
    leave it empty; a new file has nothing to lose, and skipping that flush keeps a first build
    of ten thousand pages from waiting on the disk ten thousand times.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    replacing = path.exists()
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            if replacing:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, text: str) -> bool:
    """Write a user-facing text file only if its bytes differ, so unchanged files keep their mtime."""
    content = text.encode("utf-8")
    if path.exists() and path.read_bytes() == content:
        return False
    write_atomic(path, content)
    return True


def aside_paths(site_dir: Path) -> tuple[Path, Path]:
    """Where a new site is built and where the old one waits during the swap: siblings of `site_dir`."""
    return site_dir.with_name(f".{site_dir.name}.new"), site_dir.with_name(f".{site_dir.name}.old")


def recover(site_dir: Path) -> None:
    """Undo what a killed build left: restore a site caught mid-swap, drop a half-built one."""
    new, old = aside_paths(site_dir)
    if old.exists():
        if site_dir.exists():
            shutil.rmtree(old)
        else:
            os.replace(old, site_dir)
    if new.exists():
        shutil.rmtree(new)


def start_site(site_dir: Path) -> Path:
    """A fresh, empty folder beside `site_dir` to build the new site in."""
    recover(site_dir)
    new, _ = aside_paths(site_dir)
    new.mkdir(parents=True)
    return new


def write_files(folder: Path, files: Iterable[RenderedFile]) -> int:
    """Write files into the aside folder (nobody reads it until the swap); returns how many."""
    made: set[Path] = set()
    count = 0
    for file in files:
        target = folder / file.path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(file.content)
        count += 1
    return count


def finish_site(site_dir: Path) -> None:
    """Swap the new site in for the old one, then remove the old one."""
    new, old = aside_paths(site_dir)
    if site_dir.exists():
        os.replace(site_dir, old)
    os.replace(new, site_dir)
    if old.exists():
        shutil.rmtree(old)


def abandon_site(site_dir: Path) -> None:
    """Drop a half-built site; the previous one stays as it was."""
    new, _ = aside_paths(site_dir)
    shutil.rmtree(new, ignore_errors=True)
