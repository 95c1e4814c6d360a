"""The command line: help for every command, a version, and errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from editions import __version__
from editions.cli import main

COMMANDS = sorted(main.commands) if isinstance(main, click.Group) else []


def test_there_are_commands() -> None:
    assert {"build", "check"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_every_command_has_help(command: str, flag: str) -> None:
    result = CliRunner().invoke(main, [command, flag])
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: main {command}")
    help_text = main.commands[command].help
    assert help_text
    assert help_text.split("\n")[0].strip() in " ".join(result.output.split())


def test_group_help_lists_commands() -> None:
    result = CliRunner().invoke(main, ["-h"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert f"  {command} " in result.output


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.output == f"editions, version {__version__}\n"


def test_the_installed_command_reports_without_traceback(tmp_path: Path) -> None:
    """The real console script, as the editor runs it, in a folder that is not a publication."""
    script = Path(sys.executable).with_name("editions")
    result = subprocess.run([str(script), "check"], cwd=tmp_path, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr == (
        "error: .: not a publication (no publication.yaml here); run `editions init` to start "
        "one, or give --root the publication's folder\n")
    assert list(tmp_path.iterdir()) == []  # no cache, no lock left behind
