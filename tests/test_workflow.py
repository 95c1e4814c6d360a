"""The pull-request workflow and the pre-commit hooks call commands and options that exist."""

from __future__ import annotations

import re
import shlex

import yaml
from click.testing import CliRunner

from editions.cli import main

from .conftest import REPO


def commands() -> list[list[str]]:
    workflow = yaml.safe_load((REPO / ".github/workflows/editions.yml").read_text())
    runs = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    lines = [*runs, *(hook["entry"] for hook in hooks)]
    found = [shlex.split(m) for line in lines
             for m in re.findall(r"\beditions [^|>\n]*", line)]
    return [words[1:] for words in found]


def test_every_editions_command_in_ci_and_hooks_exists() -> None:
    found = commands()
    assert {words[0] for words in found} == {"diff", "fmt", "check", "schema", "build"}
    for words in found:
        options = [w for w in words if w.startswith("-")]
        result = CliRunner().invoke(main, [words[0], "--help"])
        assert result.exit_code == 0
        for option in options:
            assert option in result.output, f"editions {words[0]} has no {option}"


def test_the_workflow_uploads_the_site_and_summarises_the_diff() -> None:
    text = (REPO / ".github/workflows/editions.yml").read_text()
    assert "fetch-depth: 0" in text
    assert 'editions diff --format github | tee -a "$GITHUB_STEP_SUMMARY"' in text
    assert "actions/upload-artifact@v4" in text
    assert "python-version: \"3.11\"" in text
