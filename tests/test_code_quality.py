"""The code passes its own static checks: mypy (``[tool.mypy]``) and ruff (``[tool.ruff]``).

Both tools are in the ``test`` extra, so they run here rather than being skipped: a type error
or lint finding fails the suite like any other test. Each runs from the same interpreter as
pytest, in the repository root, so it reads the configuration in pyproject.toml.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, check=False)


def test_mypy_is_clean() -> None:
    result = _run("mypy")
    assert result.returncode == 0, f"mypy found problems:\n{result.stdout}{result.stderr}"


def test_ruff_is_clean() -> None:
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, f"ruff found problems:\n{result.stdout}{result.stderr}"
