"""The one error hierarchy: the library raises these, the command line reports them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# What a terminal acts on rather than shows: C0 and C1 controls (a newline, ESC's sequences),
# the line and paragraph separators and the bidirectional overrides that reorder a line.
_UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    """`text` as a message may print it: every control character escaped (a newline as \\n,
    ESC as \\x1b), so a file's name cannot forge a line or move the cursor."""
    return _UNSHOWN.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class EditionsError(Exception):
    """Anything that stops a command; its text is meant for the editor."""


@dataclass(frozen=True, order=True)
class Where:
    """A place in a file, the one way a problem or a record says where it is; line and
    column count from 1."""

    path: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


class Severity(StrEnum):
    """How much a problem weighs: an error stops a build, a warning asks the editor to look."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about the content, located in a file."""

    where: Where
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return shown(f"{self.where}: {self.severity}: {self.message}")

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


class ContentError(EditionsError):
    """One or more problems in the editor's files, all reported at once."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=_problem_order)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, where: Where, message: str) -> ContentError:
        return cls([Problem(where, message)])


def _problem_order(problem: Problem) -> tuple[Where, str]:
    return (problem.where, problem.message)


class BuildLocked(EditionsError):
    """Another build holds the output folder."""
