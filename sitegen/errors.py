"""Errors that stop a build, warnings that do not (but fail `--strict`), and notes: facts of a normal library
(an exported entry with no abstract) that build and check both show and that never fail anything."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


class SitegenError(Exception):
    """A problem the user can fix; the CLI prints it as one line, never a traceback."""

    def __str__(self) -> str:
        """On one printable line, whatever file name it quotes (`site/static/a<newline>b.css` was two lines)."""
        return printable(super().__str__())


class SourceError(SitegenError):
    """A problem at a place in a file: printed as `path:line: message`."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        super().__init__(format_place(self.path, line, message))

    def __reduce__(self) -> tuple[type[SourceError], tuple[Path, int | None, str]]:
        """Picklable, so that an error in a render worker reaches the command line intact."""
        return (SourceError, (self.path, self.line, self.message))


# Control characters (a pasted line, a file name) shown as \x1b and the like: printed raw, an escape
# sequence in a hostile list could retitle, clear or hide what the terminal shows.
CONTROL_CHARACTERS = {c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}" for c in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]}
MAX_WARNINGS_PER_FILE = 20  # then one line saying more are not shown: a 40 MB log pasted as a list gave 1.5 M


def format_place(path: Path, line: int | None, message: str) -> str:
    """The one spelling of a located message, shared by errors and warnings, on one printable line."""
    return printable(f"{path}:{line}: {message}" if line else f"{path}: {message}")


def printable(text: str) -> str:
    """Control characters and line separators escaped; a name that is not UTF-8 shown as \\udcff on stdout as on
    stderr, never as its raw bytes."""
    return text.translate(CONTROL_CHARACTERS).encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True)
class Diagnostic:
    """One warning: what, and where."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        return format_place(self.path, self.line, self.message)


@dataclass
class Diagnostics:
    """Warnings and notes collected across a build; `--strict` turns any warning (never a note) into a failed build."""

    warnings: list[Diagnostic] = field(default_factory=list)
    per_file: Counter[Path] = field(default_factory=Counter)
    notes: list[Diagnostic] = field(default_factory=list)
    notes_per_file: Counter[Path] = field(default_factory=Counter)

    def warn(self, path: Path, line: int | None, message: str) -> None:
        """Keep a warning; past MAX_WARNINGS_PER_FILE of one file, one more says the rest are not shown."""
        self.per_file[path] += 1
        if self.per_file[path] <= MAX_WARNINGS_PER_FILE:
            self.warnings.append(Diagnostic(path, line, message))
        elif self.per_file[path] == MAX_WARNINGS_PER_FILE + 1:
            self.warnings.append(Diagnostic(path, None, f"more warnings than the {MAX_WARNINGS_PER_FILE} above: the rest are not "
                                            "shown (is it a reading list?)"))

    def note(self, path: Path, line: int | None, message: str) -> None:
        """Keep a note (a fact of a normal library, nothing to fix), as many per file as warnings."""
        self.notes_per_file[path] += 1
        if self.notes_per_file[path] <= MAX_WARNINGS_PER_FILE:
            self.notes.append(Diagnostic(path, line, message))
        elif self.notes_per_file[path] == MAX_WARNINGS_PER_FILE + 1:
            self.notes.append(Diagnostic(path, None, f"more notes than the {MAX_WARNINGS_PER_FILE} above: the rest are not shown"))


Said = tuple[str, str, int | None, str]  # ("warning" or "note", path, line, message)


@dataclass
class Heard(Diagnostics):
    """Every warning and note said to it, uncapped and in order: a step whose result is kept between builds
    keeps what it said with it, and says it again (`say_again`) when the result is reused."""

    said: list[Said] = field(default_factory=list)

    def warn(self, path: Path, line: int | None, message: str) -> None:
        self.said.append(("warning", str(path), line, message))

    def note(self, path: Path, line: int | None, message: str) -> None:
        self.said.append(("note", str(path), line, message))


def say_again(said: tuple[Said, ...], diagnostics: Diagnostics) -> None:
    for kind, path, line, message in said:
        (diagnostics.note if kind == "note" else diagnostics.warn)(Path(path), line, message)
