"""`sitegen new DIR`: a complete site repository, ready to build locally and to publish from GitHub.

Everything is planned first and written only if no planned file exists yet: `new` never overwrites
anything, and refuses with one line naming the first file in the way.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import sitegen
from sitegen.errors import SitegenError

SCAFFOLD = Path(__file__).parent / "newsite"
DISTRIBUTION = "sitegen-papers"  # the name on PyPI ("sitegen" is another project's)
REQUIREMENT_MARK = "@REQUIREMENT@"
SHIPPED = ".github/sitegen"  # where a new site keeps the wheel its workflow installs, when no index or repository has it


@dataclass(frozen=True)
class Install:
    """How a new site's workflow gets this very sitegen: what pip installs, and the reason, said by `sitegen new`."""

    requirement: str
    how: str
    wheel: tuple[str, bytes] | None = None  # a wheel (file name, bytes) to ship in the new repository


def installation(direct_url: dict[str, Any] | None, version: str) -> Install:
    """Where this sitegen came from decides what the workflow installs, so that the first push deploys:
    from a public git repository, that commit; from a package index (no record of a direct URL), that
    release; from a wheel or a folder on this machine, that code itself, as a wheel shipped in the site."""
    record = direct_url or {}
    url = str(record.get("url", ""))
    vcs = record.get("vcs_info") or {}
    if vcs.get("vcs") == "git" and vcs.get("commit_id") and url.startswith("https://"):
        return Install(f"{DISTRIBUTION} @ git+{url}@{vcs['commit_id']}", f"from git: {url} at commit {vcs['commit_id']}")
    if direct_url is None:
        return Install(f"{DISTRIBUTION}=={version}", f"from PyPI: release {version}")
    if url.startswith("https://") and "archive_info" in record:
        return Install(f"{DISTRIBUTION} @ {url}", f"from {url}")
    wheel = local_wheel(url)
    return Install("", f"from {SHIPPED}/{wheel[0]}, a wheel of this very sitegen (installed from {url or 'a local install'}, "
                   "published nowhere): commit it with the site", wheel=wheel)


def local_wheel(url: str) -> tuple[str, bytes]:
    """This sitegen as a wheel: the one it was installed from if it is still there, else one built from
    its source folder (pip, without dependencies)."""
    source = Path(unquote(urlsplit(url).path)) if url.startswith("file://") else None
    if source is not None and source.suffix == ".whl" and source.is_file():
        return source.name, source.read_bytes()
    if source is None or not source.exists():
        raise SitegenError(f"{url or DISTRIBUTION}: sitegen was installed from a place that no longer exists, so the new "
                           "site's workflow could not install it; install sitegen from git or PyPI and run `sitegen new` again")
    with tempfile.TemporaryDirectory(prefix="sitegen-wheel-") as folder:
        built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", folder, str(source)],
                               capture_output=True, text=True)
        wheels = sorted(Path(folder).glob("*.whl"))
        if built.returncode != 0 or len(wheels) != 1:
            why = (built.stderr.strip().splitlines() or ["no wheel made"])[-1]
            raise SitegenError(f"{source}: could not make a wheel of this sitegen for the new site's workflow ({why})")
        return wheels[0].name, wheels[0].read_bytes()


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


def site_files(install: Install) -> dict[str, bytes]:
    """Every file of a new site, by path relative to its folder."""
    content = example_content()
    files = {
        f"content/{path.relative_to(content).as_posix()}": path.read_bytes()
        for path in sorted(content.rglob("*"))
        if path.is_file() and "papers" not in path.relative_to(content).parts
    }
    requirement = install.requirement
    if install.wheel is not None:
        name, wheel = install.wheel
        requirement = f"./{SHIPPED}/{name}"
        files[f"{SHIPPED}/{name}"] = wheel
    workflow = (SCAFFOLD / "pages.yml").read_text(encoding="utf-8").replace(REQUIREMENT_MARK, requirement)
    files.update({
        "sitegen.yml": (SCAFFOLD / "sitegen.yml").read_bytes(),
        ".gitignore": (SCAFFOLD / "gitignore").read_bytes(),
        "README.md": (SCAFFOLD / "README.md").read_bytes(),
        ".github/workflows/pages.yml": workflow.encode("utf-8"),
    })
    return files


def make_site(directory: Path) -> tuple[list[str], str]:
    """Write a new site into `directory` (made if missing); returns the files written and how its
    workflow installs sitegen."""
    if directory.exists() and not directory.is_dir():
        raise SitegenError(f"{directory}: exists and is not a folder")
    for name in ("sitegen.yml", "README.md", ".gitignore", ".github/workflows/pages.yml"):  # before a wheel is made
        if (directory / name).exists() or (directory / name).is_symlink():
            raise SitegenError(f"{directory / name}: already exists; `sitegen new` overwrites nothing (choose an empty folder)")
    install = installation(installed_from(), sitegen.__version__)
    files = site_files(install)
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
    return sorted(files), install.how
