"""Errors that stop a build and warnings that do not, each with the place it comes from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class SitegenError(Exception):
    """A problem the user can fix; the CLI prints it as one line, never a traceback."""


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


def format_place(path: Path, line: int | None, message: str) -> str:
    """The one spelling of a located message, shared by errors and warnings."""
    return f"{path}:{line}: {message}" if line else f"{path}: {message}"


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
    """Warnings collected across a build; `--strict` turns any of them into a failed build."""

    warnings: list[Diagnostic] = field(default_factory=list)

    def warn(self, path: Path, line: int | None, message: str) -> None:
        self.warnings.append(Diagnostic(path, line, message))
