"""Strict loading: every YAML trick and type slip is an error naming the file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from editions.errors import ContentError
from editions.load.archive import load_archive

from .conftest import run, write
from .support import GOOD, problems_for


def test_sample_archive_loads(project: Path) -> None:
    archive = load_archive(project)
    assert len(archive.testimonies) >= 8
    assert [e.number for e in archive.editions] == [1, 2, 3, 4, 5]
    maurey = archive.testimonies["maurey-usa"]
    assert maurey.name == "Maurey"
    assert str(maurey.started) == "2007-08"
    # a literal block's text starts on the line after `story: |`
    assert maurey.story.where.line == 10
    assert maurey.story.where.col == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD + "name: Kimberly\n",
         "testimonies/kim-canada.yaml:12:1: error: duplicate key 'name' (first given at line 1)"),
        (GOOD.replace("received:", "recieved:"),
         "testimonies/kim-canada.yaml:5:1: error: unknown field 'recieved' (did you mean "
         "'received'?)"),
        (GOOD.replace("country: Canada", "country: &c Canada"),
         "testimonies/kim-canada.yaml:2:10: error: anchors are not allowed (&c): write the value "
         "out"),
        (GOOD.replace("consent:\n  given: 2008-03-01", "consent:\n  <<: {given: 2008-03-01}"),
         "testimonies/kim-canada.yaml:7:3: error: merge keys (<<) are not allowed: write the "
         "fields out"),
        (GOOD.replace("country: Canada", "country: !!python/name:os.system Canada"),
         "testimonies/kim-canada.yaml:2:10: error: tags are not allowed "
         "(tag:yaml.org,2002:python/name:os.system)"),
        (GOOD.replace("received: 2008-03-01", "received: 2008-13-01"),
         "testimonies/kim-canada.yaml:5:11: error: 'received': '2008-13-01' is not a calendar "
         "date (month must be in 1..12)"),
        (GOOD.replace("received: 2008-03-01", "received: March 2008"),
         "testimonies/kim-canada.yaml:5:11: error: 'received': 'March 2008' is not a date: "
         "write YYYY-MM-DD, YYYY-MM or YYYY"),
        (GOOD.replace("name: Kim\n", ""),
         "testimonies/kim-canada.yaml:1:1: error: the file is missing the required field 'name'"),
        (GOOD.replace("name: Kim", "name:\n  - Kim"),
         "testimonies/kim-canada.yaml:2:3: error: 'name' must be text, not a list"),
        (GOOD.replace("received: 2008-03-01", "received:"),
         "testimonies/kim-canada.yaml:5:10: error: 'received' must not be empty"),
        (GOOD + "updates:\n  - date: 2008-06\n    text: Fine.\n    mood: good\n",
         "testimonies/kim-canada.yaml:15:5: error: unknown field 'updates[0].mood'"),
        ("- just\n- a list\n",
         "testimonies/kim-canada.yaml:1:1: error: the file must be a mapping of fields, not a "
         "list"),
        ("name: [unclosed\n",  # where the bracket is left open, not where YAML notices
         "testimonies/kim-canada.yaml:1:7: error: YAML syntax: the '[' opened here is never "
         "closed (did not find expected ',' or ']', line 2)"),
        ("name: \"unclosed\ncountry: Canada\n",
         "testimonies/kim-canada.yaml:1:7: error: YAML syntax: the quote opened here is never "
         "closed (found unexpected end of stream, line 3)"),
        ("name Kim\ncountry: Canada\n",
         "testimonies/kim-canada.yaml:1:1: error: YAML syntax: 'name Kim' has no ':' after it, "
         "so it runs on into line 2, where a ':' is not allowed"),
        ("name: Kim\n  country: Canada\n",  # here the second line is the mistake
         "testimonies/kim-canada.yaml:2:10: error: YAML syntax: mapping values are not allowed "
         "in this context"),
        ("# only a comment\n", "testimonies/kim-canada.yaml:1:1: error: file is empty"),
        (GOOD + "---\nname: Again\n",
         "testimonies/kim-canada.yaml:12:1: error: only one YAML document is allowed per file"),
    ],
)
def test_strict_yaml_problems(project: Path, text: str, expected: str) -> None:
    assert expected in problems_for(project, text)


def test_alias_is_refused(project: Path) -> None:
    text = GOOD.replace("condition: Crohn's disease", "condition: &c Crohn's disease")
    assert problems_for(project, text)[0].endswith("anchors are not allowed (&c): write the "
                                                   "value out")
    text = GOOD.replace("story: |\n  First line.\n\n  Second paragraph.\n", "story: *c\n")
    assert problems_for(project, text) == [
        "testimonies/kim-canada.yaml:8:8: error: aliases are not allowed (*c): write the value out"
    ]


def test_yaml_1_1_surprises_stay_text(project: Path) -> None:
    """`NO`, `on` and `1e3` are what the editor typed, never a boolean or a number."""
    write(project / "testimonies" / "kim-canada.yaml",
          GOOD.replace("country: Canada", "country: NO").replace("name: Kim", "name: on")
          .replace("condition: Crohn's disease", "condition: 1e3"))
    kim = load_archive(project).testimonies["kim-canada"]
    assert (kim.name, kim.country, kim.condition) == ("on", "NO", "1e3")


def test_edition_number_must_be_a_whole_number(project: Path) -> None:
    path = project / "editions" / "001.yaml"
    path.write_text(path.read_text().replace("number: 1", "number: one"))
    with pytest.raises(ContentError) as caught:
        load_archive(project)
    assert [str(p) for p in caught.value.problems] == [
        "editions/001.yaml:1:9: error: 'number' must be a whole number, not 'one'"
    ]


def test_status_is_draft_or_published(project: Path) -> None:
    path = project / "editions" / "002.yaml"
    path.write_text(path.read_text().replace("status: published", "status: publsihed"))
    with pytest.raises(ContentError) as caught:
        load_archive(project)
    assert str(caught.value.problems[0]) == (
        "editions/002.yaml:3:9: error: 'status' must be draft or published, not 'publsihed' "
        "(did you mean 'published'?)")


def test_not_utf8_and_too_large(project: Path) -> None:
    (project / "testimonies" / "bad-bytes.yaml").write_bytes(b"name: Zo\xeb\n")
    write(project / "testimonies" / "huge.yaml", "story: |\n" + ("  x" * 400_000) + "\n")
    with pytest.raises(ContentError) as caught:
        load_archive(project)
    messages = [str(p) for p in caught.value.problems]
    assert "testimonies/bad-bytes.yaml:1:9: error: file is not UTF-8 text" in messages
    assert ("testimonies/huge.yaml:1:1: error: file is 1,200,010 bytes; the limit is "
            "1,048,576 bytes (1 MiB) per file") in messages


def test_bad_file_names(project: Path) -> None:
    write(project / "testimonies" / "Kim_Canada.yaml", GOOD)
    write(project / "editions" / "7.yaml", "number: 7\n")
    with pytest.raises(ContentError) as caught:
        load_archive(project)
    assert [str(p) for p in caught.value.problems] == [
        "editions/7.yaml:1:1: error: edition file name '7.yaml' must be the edition number in "
        "three digits, e.g. 007.yaml",
        "testimonies/Kim_Canada.yaml:1:1: error: testimony file name 'Kim_Canada.yaml' must be "
        "<id>.yaml, the id in lowercase letters, digits and hyphens",
    ]


def test_yaml_files_no_build_reads_are_named(project: Path) -> None:
    """A testimony in a subfolder or ending in .YAML is not read; check says so, and the
    rest of the archive still checks and builds."""
    write(project / "testimonies" / "sub" / "kim-nz.yaml", GOOD)
    write(project / "testimonies" / "kim-fr.YAML", GOOD)
    write(project / "editions" / "old" / "001.yaml", "number: 1\n")
    write(project / "testimonies" / ".git-keep" / "x.yaml", GOOD)  # hidden: left alone
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "testimonies/kim-fr.YAML:1:1: warning: not read: the name must end in '.yaml'; rename "
        "it testimonies/kim-fr.yaml if it should count\n"
        "testimonies/sub/kim-nz.yaml:1:1: warning: not read: testimony files are read only "
        "from testimonies/ itself, not its subfolders; move it to testimonies/kim-nz.yaml if "
        "it should count\n"
        "editions/old/001.yaml:1:1: warning: not read: edition files are read only from "
        "editions/ itself, not its subfolders; move it to editions/001.yaml if it should count\n")
    assert result.stdout == "ok: 13 testimonies and 5 editions, no problems, 3 warnings\n"
    assert len(load_archive(project).testimonies) == 13


def test_every_problem_of_every_file_at_once(project: Path) -> None:
    write(project / "testimonies" / "kim-canada.yaml",
          GOOD.replace("received:", "recieved:").replace("country: Canada", "country: [x]"))
    path = project / "editions" / "001.yaml"
    path.write_text(path.read_text().replace("status: published", "status: done"))
    result = run(project, "check")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines == [
        "editions/001.yaml:3:9: error: 'status' must be draft or published, not 'done'",
        "testimonies/kim-canada.yaml:1:1: error: the file is missing the required field "
        "'received'",
        "testimonies/kim-canada.yaml:2:10: error: 'country' must be text, not a list",
        "testimonies/kim-canada.yaml:5:1: error: unknown field 'recieved' (did you mean "
        "'received'?)",
        "4 problems found",
    ]
