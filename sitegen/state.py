"""What the last build was made from, so that a build with nothing changed can stop at once.

`.sitegen/build.json` in the site folder holds a digest of every input (settings, lists, paper
pages, taxonomy, templates, the theme, sitegen's version, the build day) and of the output's file
list. Both equal: nothing to do, and nothing is written.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import sitegen
from sitegen.errors import SitegenError
from sitegen.output import write_atomic

STATE_FILE = Path(".sitegen") / "build.json"


def read_inputs(site_dir: Path, theme_dir: Path) -> dict[Path, bytes]:
    """Every input file's bytes, read once: the build parses these very bytes, and its digest is
    of them, so an edit made while a build runs is seen by the next build."""
    paths = [site_dir / "sitegen.yml", site_dir / "content" / "taxonomy.yml"]
    for folder, pattern in ((site_dir / "content" / "lists", "*.txt"), (site_dir / "content" / "papers", "*.md"),
                            (site_dir / "templates", "**/*"), (theme_dir, "**/*")):
        paths += sorted(folder.glob(pattern))
    inputs = {}
    for path in paths:
        if path.is_file():
            try:
                inputs[path] = path.read_bytes()
            except OSError as error:
                raise SitegenError(f"{path}: cannot read ({error.strerror})") from None
    return inputs


def input_digest(inputs: dict[Path, bytes], build_day: str) -> str:
    digest = hashlib.blake2b(f"{sitegen.__version__}\0{build_day}\0".encode(), digest_size=20)
    for path in sorted(inputs):
        digest.update(f"{path}\0".encode())
        digest.update(inputs[path])
        digest.update(b"\0")
    return digest.hexdigest()


def output_digest(output_dir: Path) -> str:
    """Every output file's path and size: enough to notice a site deleted or changed by hand."""
    digest = hashlib.blake2b(digest_size=20)
    for root, _, files in sorted(os.walk(output_dir)):
        for name in sorted(files):
            path = os.path.join(root, name)
            digest.update(f"{path}\0{os.path.getsize(path)}\0".encode())
    return digest.hexdigest()


def unchanged(site_dir: Path, output_dir: Path, inputs: str) -> list[list[Any]] | None:
    """The last build's warnings ([path, line, message]) if nothing changed since, else None."""
    try:
        state = json.loads((site_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = (state.get("inputs") == inputs and state.get("output") == str(output_dir.resolve())
            and output_dir.is_dir() and state.get("files") == output_digest(output_dir))
    return list(state.get("warnings", [])) if same else None


def save(site_dir: Path, output_dir: Path, inputs: str, warnings: list[list[Any]]) -> None:
    state = {"inputs": inputs, "output": str(output_dir.resolve()), "files": output_digest(output_dir), "warnings": warnings}
    write_atomic(site_dir / STATE_FILE, (json.dumps(state, indent=1) + "\n").encode())
