"""A throwaway git repository around a copy of the sample, for commands that read history."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True).stdout


def init(root: Path) -> Path:
    """Make `root` a repository on branch main with everything in one commit."""
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test Editor")
    git(root, "config", "user.email", "editor@example.org")
    git(root, "config", "commit.gpgsign", "false")
    commit(root, "the sample archive")
    return root


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
