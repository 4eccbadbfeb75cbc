"""Publishing as the README says: `sitegen new`, the scaffolded workflow's own steps, what git keeps,
and warnings that GitHub Actions shows."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import yaml

import sitegen
from conftest import REPO, raw_list, run_sitegen, write_site


def git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_new_site_commits_the_users_pages_and_not_the_build(tmp_path: Path) -> None:
    site = tmp_path / "my-papers"
    made = run_sitegen("new", site)
    assert made.returncode == 0, made.stderr
    for name in ("sitegen.yml", ".gitignore", "README.md", ".github/workflows/pages.yml", "content/taxonomy.yml"):
        assert (site / name).is_file(), name
    assert list((site / "content" / "lists").iterdir())
    assert "base_url" in (site / "sitegen.yml").read_text()
    built = run_sitegen("build", "-s", site)
    assert built.returncode == 0, built.stderr
    pages = sorted((site / "content" / "papers").glob("*.md"))
    assert pages
    git("init", "-q", cwd=site)
    kept = git("check-ignore", "-q", str(pages[0].relative_to(site)), cwd=site)
    assert kept.returncode == 1, "paper pages (the user's notes) must not be ignored"
    for built_file in ("site/index.html", ".sitegen/build.json"):
        assert git("check-ignore", "-q", built_file, cwd=site).returncode == 0, built_file
    git("add", "-A", cwd=site)
    committed = git("diff", "--cached", "--name-only", cwd=site).stdout.split()
    assert f"content/papers/{pages[0].name}" in committed
    assert not any(name.startswith(("site/", ".sitegen/")) for name in committed)


def test_new_overwrites_nothing(tmp_path: Path) -> None:
    site = write_site(tmp_path / "mine", {"README.md": "my own readme\n"})
    result = run_sitegen("new", site)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"error: {site / 'README.md'}: already exists; `sitegen new` overwrites nothing (choose an empty folder)"]
    assert sorted(p.name for p in site.iterdir()) == ["README.md"]
    assert (site / "README.md").read_text() == "my own readme\n"
    a_file = write_site(tmp_path, {"plain.txt": "x"}) / "plain.txt"
    result = run_sitegen("new", a_file)
    assert result.returncode == 1 and result.stderr.strip() == f"error: {a_file}: exists and is not a folder"
    assert "Traceback" not in result.stderr


def test_the_workflow_installs_and_builds_the_new_site(tmp_path: Path) -> None:
    """The first push deploys: run the scaffolded workflow's own install and build steps, word for word,
    in a fresh virtual environment that reaches only the package registries (no wheel of ours on any
    path). This sitegen is installed from a folder, so the site ships a wheel of it and the workflow installs that."""
    site = tmp_path / "site-repo"
    made = run_sitegen("new", site)
    assert made.returncode == 0, made.stderr
    workflow = yaml.safe_load((site / ".github" / "workflows" / "pages.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    runs = {step["name"]: step["run"] for step in steps if "run" in step}
    shipped = sorted((site / ".github" / "sitegen").glob("*.whl"))
    assert [p.name for p in shipped] == [f"sitegen_papers-{sitegen.__version__}-py3-none-any.whl"]
    assert f"./.github/sitegen/{shipped[0].name}" in runs["Install sitegen"]
    assert made.stdout.strip().splitlines()[-1].startswith(f"its workflow (.github/workflows/pages.yml) installs sitegen from "
                                                           f".github/sitegen/{shipped[0].name}, a wheel of this very sitegen")
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["include-hidden-files"] is True

    git("init", "-q", cwd=site)
    assert git("check-ignore", "-q", str(shipped[0].relative_to(site)), cwd=site).returncode == 1  # committed with the site
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    env = {**os.environ, "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(env_dir),
           "GITHUB_ACTIONS": "true"}
    env.pop("PYTHONPATH", None)
    for name in ("Install sitegen", "Build"):
        done = subprocess.run(["bash", "-e", "-c", runs[name]], cwd=site, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{name}: {done.stdout}\n{done.stderr}"
    artifact = site / upload["with"]["path"]
    assert (artifact / "index.html").is_file() and (artifact / ".nojekyll").is_file()
    assert (artifact / "search-index.js").is_file()
    installed = subprocess.run(["sitegen", "--version"], env=env, capture_output=True, text=True)
    assert installed.stdout.strip() == f"sitegen {sitegen.__version__}"


def test_warnings_and_errors_are_annotations_on_github_actions(tmp_path: Path) -> None:
    stray = raw_list("Alpha networks", "Beta networks") + "a stray line\n\nAnother stray one\n\n" + raw_list("Gamma networks", header="")
    site = write_site(tmp_path, {"content/lists/week-1.txt": stray})
    plain = run_sitegen("build", "-s", site, "-q")
    assert "::warning" not in plain.stdout
    result = run_sitegen("build", "-s", site, "-q", env={"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(site)})
    assert result.returncode == 0, result.stderr
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(annotations) == len(warnings) == 2  # the missing taxonomy is a note, not annotated
    assert annotations[0] == "::warning file=content/lists/week-1.txt,line=13::skipped 'a stray line': no abstract follows it"
    assert annotations[1].startswith("::warning file=content/lists/week-1.txt,line=15::")

    (site / "content" / "taxonomy.yml").write_text("tag: [unclosed\n", encoding="utf-8")
    failed = run_sitegen("build", "-s", site, "-q", env={"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(site)})
    assert failed.returncode == 1
    assert [line for line in failed.stdout.splitlines() if line.startswith("::error")][0].startswith("::error file=content/taxonomy.yml,line=")


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_date_line_keeps_its_year_when_built_a_year_later(tmp_path: Path) -> None:
    """'Mar 11' is resolved once (against SOURCE_DATE_EPOCH), recorded in the pages, and read back after."""
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha networks", "Beta networks"),
                                 "content/lists/other.txt": raw_list("Gamma networks", header="Daily Papers\n\nNov 2\n\n")})
    first = run_sitegen("build", "-s", site, env={"SOURCE_DATE_EPOCH": "1790000000"})  # 2026-09-21
    assert first.returncode == 0, first.stderr
    page = (site / "content/papers/alpha-networks.md").read_text()
    assert "date: 2026-03-11" in page
    assert "date: 2025-11-02" in (site / "content/papers/gamma-networks.md").read_text()
    before = snapshot(site / "content") | {f"site/{k}": v for k, v in snapshot(site / "site").items()}
    later = run_sitegen("build", "-s", site, env={"SOURCE_DATE_EPOCH": "1821536000"})  # 2027-09-21
    assert later.returncode == 0, later.stderr
    assert "nothing changed" in later.stdout
    after = snapshot(site / "content") | {f"site/{k}": v for k, v in snapshot(site / "site").items()}
    assert after == before  # same bytes, same times: nothing written

    # Another input changes a year later (a note): the site is rebuilt, and the dates still do not move.
    notes = site / "content/papers/beta-networks.md"
    notes.write_text(notes.read_text() + "A note.\n")
    rebuilt = run_sitegen("build", "-s", site, env={"SOURCE_DATE_EPOCH": "1821536000"})
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert (site / "content/papers/alpha-networks.md").read_text() == page
    listing = (site / "site/lists/week/index.html").read_text()
    assert "11 March 2026" in listing and "2027" not in listing
    assert "<updated>2026-03-11T00:00:00Z</updated>" in (site / "site/lists/week/feed.xml").read_text()


def test_a_new_list_without_pages_resolves_against_the_build_day(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/lists/week.txt": raw_list("Alpha networks")})
    assert run_sitegen("build", "-s", site, env={"SOURCE_DATE_EPOCH": "1821536000"}).returncode == 0  # 2027-09-21
    assert "date: 2027-03-11" in (site / "content/papers/alpha-networks.md").read_text()


def test_the_workflow_installs_the_sitegen_that_exists_whatever_way_it_was_installed(tmp_path: Path) -> None:
    from sitegen.errors import SitegenError
    from sitegen.new import installation

    from_git = {"url": "https://github.com/someone/sitegen", "vcs_info": {"vcs": "git", "commit_id": "0123abcd" * 5}}
    assert installation(from_git, "0.2.0").requirement == f"sitegen-papers @ git+https://github.com/someone/sitegen@{'0123abcd' * 5}"
    assert installation(None, "0.2.0").requirement == "sitegen-papers==0.2.0"  # from an index: that release
    assert installation(None, "0.2.0").how == "from PyPI: release 0.2.0"
    wheel = tmp_path / "sitegen_papers-0.2.0-py3-none-any.whl"
    wheel.write_bytes(b"PK wheel bytes")
    shipped = installation({"url": wheel.as_uri(), "archive_info": {}}, "0.2.0")
    assert shipped.wheel == (wheel.name, b"PK wheel bytes")  # that very wheel, shipped in the site
    try:
        installation({"url": (tmp_path / "gone").as_uri(), "dir_info": {}}, "0.2.0")
        raise AssertionError("a source folder that is gone cannot make a wheel")
    except SitegenError as error:
        assert "no longer exists" in str(error)
