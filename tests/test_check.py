"""The publication's rules: each one, with its exact message, file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import run
from .support import RULES, check_errors, edit


def test_sample_archive_passes(project: Path) -> None:
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 13 testimonies and 5 editions, no problems\n"




@pytest.mark.parametrize(("file", "old", "new", "expected"), RULES)
def test_rule(project: Path, file: str, old: str, new: str, expected: str) -> None:
    edit(project / file, old, new)
    assert expected in check_errors(project)


def test_edition_numbers_start_at_one(project: Path) -> None:
    text = (project / "editions/001.yaml").read_text(encoding="utf-8")
    (project / "editions/000.yaml").write_text(text.replace("number: 1", "number: 0", 1),
                                              encoding="utf-8")
    assert check_errors(project) == [
        "editions/000.yaml:1:9: error: edition numbers start at 1, not 0: the first edition is "
        "editions/001.yaml"]


def test_citation_line_points_into_the_block(project: Path) -> None:
    edit(project / "editions/001.yaml", "[@smith2007]", "[@nobody; @smith2007]")
    lines = (project / "editions/001.yaml").read_text().splitlines()
    [problem] = check_errors(project)
    _, line, col, _ = problem.split(":", 3)
    assert lines[int(line) - 1][int(col) - 1:].startswith("@nobody")


def test_an_email_address_is_not_a_citation(project: Path) -> None:
    edit(project / "editions/005.yaml", "intro: |\n",
         "intro: |\n  Write to zoe@example.org.\n\n")
    assert run(project, "check").exit_code == 0


def test_build_refuses_and_writes_nothing(project: Path) -> None:
    edit(project / "editions/001.yaml", "  - audrey-uk", "  - nobody-here")
    result = run(project, "build")
    assert result.exit_code == 1
    assert result.stderr.startswith("editions/001.yaml:24:5: error: no testimony 'nobody-here'")
    assert not (project / "site").exists()


def test_a_broken_references_file_is_one_problem_not_one_per_citation(project: Path) -> None:
    (project / "references.yaml").write_text("references: [\n", encoding="utf-8")
    assert check_errors(project) == [
        "references.yaml:2:1: error: YAML syntax: did not find expected node content"]
    (project / "references.yaml").write_text("references:\n  - title: no id\n",
                                             encoding="utf-8")
    assert check_errors(project) == [
        "references.yaml:2:5: error: each reference must be a mapping with an 'id'"]


@pytest.mark.parametrize("url", ["javascript:alert(1)//", "example.org/news/", "file:///etc/",
                                 "https://", "https://exa mple.org/", "http://[::1/",
                                 "https://example.org:99999/", "https://example.org:x/"])
def test_site_url_is_a_web_address(project: Path, url: str) -> None:
    edit(project / "publication.yaml", "site_url: https://example.org/news/",
         f"site_url: '{url}'")
    assert check_errors(project) == [
        f"publication.yaml:6:11: error: site_url '{url}' is not a web address: write the "
        "archive's public address, such as https://example.org/news/"]


def test_site_url_with_a_password_is_refused_without_printing_it(project: Path) -> None:
    edit(project / "publication.yaml", "site_url: https://example.org/news/",
         "site_url: https://editor:hunter2@example.org/news/")
    assert check_errors(project) == [
        "publication.yaml:6:11: error: site_url holds a user name or password: every page and "
        "the feed would print it; write the public address alone"]


@pytest.mark.parametrize("language", ["en_GB", "root", "EN_gb", "en-GB-", "e"])
def test_language_is_a_bcp_47_tag(project: Path, language: str) -> None:
    edit(project / "publication.yaml", "language: en-GB", f"language: {language}")
    assert check_errors(project) == [
        f"publication.yaml:5:11: error: language '{language}' is not a language Babel knows: "
        "write a tag such as en-GB or de-DE"]


def test_one_broken_file_does_not_hide_the_others(project: Path) -> None:
    edit(project / "testimonies/audrey-uk.yaml", "country: UK", "country: [UK]")
    edit(project / "editions/001.yaml", "[@smith2007]", "[@smith2070]")
    assert check_errors(project) == [
        "editions/001.yaml:10:207: error: citation '@smith2070' is not in references.yaml (did "
        "you mean 'smith2007'?)",
        "testimonies/audrey-uk.yaml:2:10: error: 'country' must be text, not a list",
    ]
