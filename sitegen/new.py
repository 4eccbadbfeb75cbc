"""`sitegen new DIR`: a complete site repository, ready to build locally and to publish from GitHub.

Everything is planned first and written only if no planned file exists yet: `new` never overwrites
anything, and refuses with one line naming the first file in the way.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

import sitegen
from sitegen.errors import SitegenError

SCAFFOLD = Path(__file__).parent / "newsite"
DISTRIBUTION = "sitegen-papers"  # the name on PyPI ("sitegen" is another project's)
REQUIREMENT_MARK = "@REQUIREMENT@"


def requirement(direct_url: dict[str, Any] | None, version: str) -> str:
    """What a new site's workflow installs: this very sitegen, pinned. Installed by pip from a git
    repository (pip's direct_url.json names it and the commit): that commit; else the release of this version."""
    vcs = (direct_url or {}).get("vcs_info") or {}
    url = str((direct_url or {}).get("url", ""))
    if vcs.get("vcs") == "git" and vcs.get("commit_id") and url.startswith("https://"):
        return f"{DISTRIBUTION} @ git+{url}@{vcs['commit_id']}"
    return f"{DISTRIBUTION}=={version}"


def installed_from() -> dict[str, Any] | None:
    """pip's record of where this sitegen was installed from (PEP 610), if any."""
    try:
        text = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    record = json.loads(text) if text else None
    return record if isinstance(record, dict) else None


def example_content() -> Path:
    """The example lists and taxonomy: in the wheel, or at the top of a checkout."""
    installed = Path(sitegen.__file__).parent / "_data" / "content"
    return installed if installed.is_dir() else Path(sitegen.__file__).parent.parent / "content"


def site_files() -> dict[str, bytes]:
    """Every file of a new site, by path relative to its folder."""
    content = example_content()
    files = {
        f"content/{path.relative_to(content).as_posix()}": path.read_bytes()
        for path in sorted(content.rglob("*"))
        if path.is_file() and "papers" not in path.relative_to(content).parts
    }
    pinned = requirement(installed_from(), sitegen.__version__)
    workflow = (SCAFFOLD / "pages.yml").read_text(encoding="utf-8").replace(REQUIREMENT_MARK, pinned)
    files.update({
        "sitegen.yml": (SCAFFOLD / "sitegen.yml").read_bytes(),
        ".gitignore": (SCAFFOLD / "gitignore").read_bytes(),
        "README.md": (SCAFFOLD / "README.md").read_bytes(),
        ".github/workflows/pages.yml": workflow.encode("utf-8"),
    })
    return files


def make_site(directory: Path) -> list[str]:
    """Write a new site into `directory` (made if missing); returns the files written."""
    if directory.exists() and not directory.is_dir():
        raise SitegenError(f"{directory}: exists and is not a folder")
    files = site_files()
    for name in files:
        target = directory / name
        if target.exists() or target.is_symlink():
            raise SitegenError(f"{target}: already exists; `sitegen new` overwrites nothing (choose an empty folder)")
    try:
        for name, data in files.items():
            target = directory / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "xb") as handle:  # 'x': never over a file that appeared meanwhile
                handle.write(data)
        (directory / "content" / "papers").mkdir(exist_ok=True)
    except OSError as error:
        raise SitegenError(f"{error.filename or directory}: cannot write ({error.strerror or error})") from None
    return sorted(files)
