"""GitHub: problems as workflow commands, so a pull request shows them on the changed lines."""

from __future__ import annotations

import os
from pathlib import Path

from editions.errors import Problem, Severity


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def job_summary(markdown: str) -> str:
    """A report as GitHub's job summary may show it: its Markdown kept, any raw HTML from the
    texts (`<img src=...>`, `<details>`, `<!--`) shown as text, not rendered."""
    return markdown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(severity: Severity, problem: Problem | None, message: str,
               root: Path | None = None, start: Path | None = None) -> str:
    """`::error file=...,line=...,col=...::message`, escaped as GitHub's toolkit escapes;
    a problem's path relative to `start` (the repository's root; default: here)."""
    if problem is None:
        return f"::{severity}::{_data(message)}"
    where = problem.where
    path = where.path
    if root is not None and not Path(path).is_absolute():
        # Annotations name files from the repository's root, where the workflow runs.
        path = os.path.relpath((root / path).resolve() if start else root / path, start)
    props = ",".join(f"{k}={_property(str(v))}" for k, v in
                     (("file", path), ("line", where.line), ("col", where.col)))
    return f"::{severity} {props}::{_data(message)}"
