"""The publication's rules: each one, with its exact message, file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import run


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def check_errors(project: Path) -> list[str]:
    result = run(project, "check")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.stderr.splitlines()[:-1]


def test_sample_archive_passes(project: Path) -> None:
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 13 testimonies and 5 editions, no problems\n"


# Each rule as an edit of the sample and the message it brings (test_cache.py uses them too).
RULES = [
    ("editions/002.yaml", "number: 2", "number: 3",
     "editions/002.yaml:1:9: error: edition number 3 does not match its file name "
     "(002.yaml)"),
    ("editions/002.yaml", "date: 2009-06-01", "date: 2008-06-01",
     "editions/002.yaml:2:7: error: edition 2 is dated 2008-06-01, before edition 1 "
     "(2008-08-01)"),
    ("editions/001.yaml", "  - audrey-uk", "  - audrey-uj",
     "editions/001.yaml:24:5: error: no testimony 'audrey-uj' in testimonies/ (did you mean "
     "'audrey-uk'?)"),
    ("editions/001.yaml", "  - audrey-uk", "  - maurey-usa",
     "editions/001.yaml:24:5: error: 'maurey-usa' is listed twice (first as number 1)"),
    ("testimonies/audrey-uk.yaml", "received: 2008-03-20", "received: 2008-09-20",
     "editions/001.yaml:24:5: error: 'audrey-uk' was received on 2008-09-20, after this "
     "edition's date (2008-08-01)"),
    ("testimonies/audrey-uk.yaml", "given: 2008-03-24", "given: 2008-08-02",
     "editions/001.yaml:24:5: error: 'audrey-uk' has no consent by this edition's date "
     "(2008-08-01); consent given 2008-08-02"),
    ("testimonies/audrey-uk.yaml", "given: 2008-03-24",
     "given: 2008-03-24\n  withdrawn: 2008-05",
     "editions/001.yaml:24:5: error: 'audrey-uk' withdrew consent on 2008-05, on or before "
     "this edition's date (2008-08-01)"),
    ("testimonies/audrey-uk.yaml", "given: 2008-03-24",
     "given: 2008-03-24\n  withdrawn: 2008-01",
     "testimonies/audrey-uk.yaml:8:14: error: consent withdrawn on 2008-01, before it was "
     "given (2008-03-24)"),
    ("testimonies/audrey-uk.yaml", "  - date: 2011-04", "  - date: 2999-04",
     "testimonies/audrey-uk.yaml:44:11: error: update dated 2999-04 is in the future"),
    ("testimonies/audrey-uk.yaml", "  - date: 2011-04", "  - date: 2009-04",
     "testimonies/audrey-uk.yaml:44:11: error: update dated 2009-04 comes after one dated "
     "2009-11-12: updates go oldest first"),
    ("testimonies/audrey-uk.yaml", "    label: Three years later\n", "",
     "testimonies/audrey-uk.yaml:44:5: error: update has no 'label' and the testimony has no "
     "'started' date to derive one from"),
    ("testimonies/maurey-usa.yaml", "  - date: 2008-07", "  - date: 2007-06",
     "testimonies/maurey-usa.yaml:28:11: error: update dated 2007-06 is before the treatment "
     "started (2007-08): give it a 'label'"),
    ("editions/001.yaml", "[@smith2007]", "[@smith2070]",
     "editions/001.yaml:10:207: error: citation '@smith2070' is not in references.yaml (did "
     "you mean 'smith2007'?)"),
    ("testimonies/maurey-usa.yaml", "diagnosed: 2007-07", "diagnosed: \uff12\uff10\uff10\uff17-07",
     "testimonies/maurey-usa.yaml:4:12: error: 'diagnosed': '\uff12\uff10\uff10\uff17-07' is not a "
     "date: write YYYY-MM-DD, YYYY-MM or YYYY"),
    ("editions/002.yaml", "number: 2", "number: \u0662",
     "editions/002.yaml:1:9: error: 'number' must be a whole number, not '\u0662'"),
    ("editions/002.yaml", "number: 2", "number: \u00b2",
     "editions/002.yaml:1:9: error: 'number' must be a whole number, not '\u00b2'"),
    ("testimonies/audrey-uk.yaml", "given: 2008-03-24",
     "given: 2008-03-24\n  withdrawn: 2999-01-01",
     "testimonies/audrey-uk.yaml:8:14: error: consent withdrawn on 2999-01-01 is in the future: "
     "write the day the contributor withdrew it"),
]


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
                                 "https://", "https://exa mple.org/", "http://[::1/"])
def test_site_url_is_a_web_address(project: Path, url: str) -> None:
    edit(project / "publication.yaml", "site_url: https://example.org/news/",
         f"site_url: '{url}'")
    assert check_errors(project) == [
        f"publication.yaml:6:11: error: site_url '{url}' is not a web address: write the "
        "archive's public address, such as https://example.org/news/"]


def test_one_broken_file_does_not_hide_the_others(project: Path) -> None:
    edit(project / "testimonies/audrey-uk.yaml", "country: UK", "country: [UK]")
    edit(project / "editions/001.yaml", "[@smith2007]", "[@smith2070]")
    assert check_errors(project) == [
        "editions/001.yaml:10:207: error: citation '@smith2070' is not in references.yaml (did "
        "you mean 'smith2007'?)",
        "testimonies/audrey-uk.yaml:2:10: error: 'country' must be text, not a list",
    ]
