"""The code base keeps to its own rules: ruff's lints and mypy's strict types pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LINTED = [name for name in ("src", "tests", "benchmarks", "scripts") if (REPO / name).is_dir()]


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", *LINTED], ["mypy"]],
    ids=["ruff", "mypy"],
)
def test_tool_passes(command: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", *command], cwd=REPO, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
