"""The privacy lint: warnings at the exact line and column, acknowledgements, and --strict."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import run, write
from .support import GOOD, edit

KIM = "testimonies/kim-canada.yaml"


def with_story(project: Path, story: str, extra: str = "") -> Path:
    body = "\n".join("  " + line if line else "" for line in story.splitlines())
    text = GOOD.replace("story: |\n  First line.\n\n  Second paragraph.\n",
                        f"story: |\n{body}\n") + extra
    return write(project / KIM, text)


def warnings(project: Path, *args: str) -> tuple[int, list[str]]:
    result = run(project, "check", *args)
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr.splitlines()


def test_sample_archive_has_no_findings(project: Path) -> None:
    assert warnings(project) == (0, [])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Write to kim.ryan@example.com any time.",
         "11:12: warning: e-mail address in a testimony: 'kim.ryan@example.com'"),
        ("Call me on +1 (416) 555-0199 after six.",
         "11:14: warning: telephone number in a testimony: '+1 (416) 555-0199'"),
        ("My mobile is 0412 345 678.",
         "11:16: warning: telephone number in a testimony: '0412 345 678'"),
        ("We live at 42 Elm Street, Toronto.",
         "11:14: warning: street address in a testimony: '42 Elm Street'"),
        ("Wir wohnen in der Hauptstraße 12.",
         "11:21: warning: street address in a testimony: 'Hauptstraße 12'"),
        ("I was born on 3 March 1961 in Ottawa.",
         "11:9: warning: date of birth in a testimony: 'born on 3 March 1961'"),
        ("DOB: 03/03/1961",
         "11:3: warning: date of birth in a testimony: 'DOB: 03/03/1961'"),
        ("Love from Kim Ryan and the dogs.",
         "11:13: warning: what looks like a surname in a testimony: 'Kim Ryan'"),
        ("My name is Kim de Vries.",
         "11:3: warning: what looks like a full name in a testimony: 'My name is Kim de Vries'"),
        ("I'm called Joan Smith at work.",
         "11:3: warning: what looks like a full name in a testimony: 'I'm called Joan Smith'"),
        ("Love, Kim van der Berg",
         "11:9: warning: what looks like a surname in a testimony: 'Kim van der Berg'"),
        ("Signed: KIM JANSEN",
         "11:11: warning: what looks like a surname in a testimony: 'KIM JANSEN'"),
        ("Kim O'Brien wrote this.",
         "11:3: warning: what looks like a surname in a testimony: 'Kim O'Brien'"),
        ("Kim McDonald wrote this.",
         "11:3: warning: what looks like a surname in a testimony: 'Kim McDonald'"),
        ("We live at 221B Baker Street, London.",
         "11:14: warning: street address in a testimony: '221B Baker Street'"),
        ("My date of birth is 3 March 1961",
         "11:6: warning: date of birth in a testimony: 'date of birth is 3 March 1961'"),
        ("Write to kim at example dot org any time.",
         "11:12: warning: e-mail address in a testimony: 'kim at example dot org'"),
        ("Write to kim [at] example [dot] org any time.",
         "11:12: warning: e-mail address in a testimony: 'kim [at] example [dot] org'"),
        ("Write to kim AT example.org any time.",
         "11:12: warning: e-mail address in a testimony: 'kim AT example.org'"),
        ("Ich bin geboren am 3. Mai 1961.",
         "11:11: warning: date of birth in a testimony: 'geboren am 3. Mai 1961'"),
        ("Je suis née le 14 juillet 1972.",
         "11:11: warning: date of birth in a testimony: 'née le 14 juillet 1972'"),
        ("Nacida el 2 de marzo de 1965.",
         "11:3: warning: date of birth in a testimony: 'Nacida el 2 de marzo de 1965'"),
        ("Ik ben geboren op 5 april 1970.",
         "11:10: warning: date of birth in a testimony: 'geboren op 5 april 1970'"),
        ("Je m'appelle Jean-Luc de la Tour.",
         "11:3: warning: what looks like a full name in a testimony: "
         "'Je m'appelle Jean-Luc de la Tour'"),
        ("Me llamo María de los Ángeles García.",
         "11:3: warning: what looks like a full name in a testimony: "
         "'Me llamo María de los Ángeles'"),
        ("Ich heiße Jürgen K. Müller.",
         "11:3: warning: what looks like a full name in a testimony: "
         "'Ich heiße Jürgen K. Müller'"),
        ("Groeten, Kim J. van der Berg",
         "11:12: warning: what looks like a surname in a testimony: 'Kim J. van der Berg'"),
        ("Call +44 20 7946 0958 now.",
         "11:8: warning: telephone number in a testimony: '+44 20 7946 0958'"),
    ],
)
def test_finding_points_at_the_text(project: Path, line: str, expected: str) -> None:
    with_story(project, f"First paragraph.\n\n{line}")
    code, lines = warnings(project)
    assert code == 0
    assert lines == [f"{KIM}:{expected}; remove it, or acknowledge it under 'privacy: "
                     "acknowledged:' if the contributor agreed"]
    file_line, col = (int(n) for n in expected.split(":")[:2])
    quoted = expected.split("'")[1]
    assert (project / KIM).read_text().splitlines()[file_line - 1][col - 1:].startswith(quoted)


@pytest.mark.parametrize(
    "line",
    [
        "Kim Canada is not a surname: Canada is where she lives, and Kim I am.",
        "From 2007-2010 I took 4.5 mg, then 3 mg; 1,500,000 people have MS.",
        "In 2008 2009 2010 I was well. My MRI of 2008-03-01 was clear.",
        "Kim MS and Kim LDN are acronyms; Kim, Ryan said, is fine.",
        "I cite a study [@smith2007] and was born in 1961.",
        "See https://example.org/2008/03/01/page-12345678 for more.",
        "I went to the Van Gogh museum, and at the end of the day I was glad.",
        "I stayed at 4.5 mg; we met at 3 p.m. at home.Then I looked at e.g. the dose.",
        "KIM MS and KIM LDN are acronyms; KIM AND THE DOGS is a shout, Kim de facto fine.",
        "My name is Kim. I am called Kim by my friends.",
        "In 2010 I walked 12 km on the Pennine Way; 3 Doctors agreed.",
    ],
)
def test_no_finding_in_ordinary_text(project: Path, line: str) -> None:
    with_story(project, line)
    assert warnings(project) == (0, [])


def test_full_name_in_the_name_field(project: Path) -> None:
    write(project / KIM, GOOD.replace("name: Kim", "name: Kim Ryan"))
    assert warnings(project)[1] == [
        f"{KIM}:1:7: warning: what looks like a full name in a testimony: 'Kim Ryan'; remove "
        "it, or acknowledge it under 'privacy: acknowledged:' if the contributor agreed"]


def test_acknowledged_findings_stop_warning(project: Path) -> None:
    with_story(project, "Love from Kim Ryan.\n\nWrite to kim@example.com.",
               'privacy:\n  acknowledged:\n    - "kim@example.com"   # she asked for it\n')
    assert warnings(project)[1] == [
        f"{KIM}:9:13: warning: what looks like a surname in a testimony: 'Kim Ryan'; remove "
        "it, or acknowledge it under 'privacy: acknowledged:' if the contributor agreed"]
    edit(project / KIM, "# she asked", "\n    - Kim Ryan  # she asked")
    assert warnings(project) == (0, [])


def test_stale_acknowledgement_is_reported(project: Path) -> None:
    with_story(project, "Nothing private here.",
               "privacy:\n  acknowledged:\n    - kim@example.com\n")
    assert warnings(project)[1] == [
        f"{KIM}:12:7: warning: acknowledged 'kim@example.com' is no longer in the testimony: "
        "remove it from 'privacy: acknowledged:'"]


def test_privacy_field_is_strict(project: Path) -> None:
    with_story(project, "Fine.", "privacy:\n  acknowleged: [x]\n")
    code, lines = warnings(project)
    assert code == 1
    assert lines[0] == (f"{KIM}:11:3: error: unknown field 'privacy.acknowleged' (did you mean "
                        "'acknowledged'?)")


def test_warnings_pass_check_and_build_but_not_strict(project: Path) -> None:
    with_story(project, "Write to kim@example.com.")
    edit(project / "editions/005.yaml", "testimonies:\n", "testimonies:\n  - kim-canada\n")
    warning = (f"{KIM}:9:12: warning: e-mail address in a testimony: 'kim@example.com'; remove "
               "it, or acknowledge it under 'privacy: acknowledged:' if the contributor agreed")
    result = run(project, "check")
    assert (result.exit_code, result.stderr) == (0, warning + "\n")
    assert result.stdout == "ok: 14 testimonies and 5 editions, no problems, 1 warning\n"
    result = run(project, "check", "--strict")
    assert (result.exit_code, result.stderr) == (1, warning + "\n1 warning found\n")
    result = run(project, "build", "--html-only")
    assert result.exit_code == 0
    assert result.stderr == warning + "\n"
    assert result.stdout.endswith("; 1 warning\n")
    assert "kim@example.com" in (project / "site-preview/editions/005/index.html").read_text()


def test_errors_and_warnings_are_counted_apart(project: Path) -> None:
    with_story(project, "Write to kim@example.com [@nobody].")
    code, lines = warnings(project)
    assert code == 1
    assert lines[-1] == "1 problem and 1 warning found"


def test_a_hostile_paste_gives_a_bounded_list(project: Path) -> None:
    """Thousands of numbers give twenty warnings and a note, quickly (the scan is linear)."""
    with_story(project, "12 34 56 78 " * 20_000 + "\n\n" + "`" * 100_000)
    code, lines = warnings(project)
    assert code == 0
    assert len(lines) == 21
    assert f"{KIM}:9:3: warning: more than 20 privacy findings in this text; only the first 20 " \
        "are listed" in lines
    assert sum("warning: telephone number in a testimony: '" in line
               for line in lines) == 20
