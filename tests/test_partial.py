"""Partial builds: whatever editions a build is asked for, every link of the site resolves."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from .conftest import run
from .support import site_links


def test_one_edition_built_first_brings_the_editions_its_pages_link(project: Path) -> None:
    result = run(project, "build", "3", "--html-only")
    assert result.exit_code == 0, result.output
    assert site_links(project / "site")[1] == []
    assert result.stderr == ("warning: editions 1, 2 and 4 are not in the site yet and its "
                             "pages link them: built them too\n")
    assert result.stdout.startswith("built 4 editions and the archive")
    followed, broken = site_links(project / "site")
    assert broken == []
    assert followed > 100


def test_a_partial_build_of_a_complete_site_builds_only_what_was_asked(project: Path) -> None:
    assert run(project, "build", "--html-only").exit_code == 0
    result = run(project, "build", "2", "--html-only", "--no-cache")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert site_links(project / "site")[1] == []


@pytest.mark.parametrize("seed", range(5))
def test_any_sequence_of_builds_leaves_every_link_resolving(project: Path, seed: int) -> None:
    chance = random.Random(seed)
    steps = []
    for _ in range(6):
        numbers = [] if chance.random() < 0.2 else sorted(chance.sample(range(1, 6),
                                                                         chance.randint(1, 2)))
        html_only = chance.random() < 0.75
        args = [*map(str, numbers), *(["--html-only"] if html_only else [])]
        steps.append(args)
        result = run(project, "build", *args)
        assert result.exit_code == 0, (steps, result.output)
        followed, broken = site_links(project / "site")
        assert broken == [], steps
        assert followed > 100, steps
    assert len(steps) == 6
