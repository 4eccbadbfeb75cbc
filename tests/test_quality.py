"""The package type-checks under mypy --strict (as markdown-it-py does)."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_mypy_strict() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
