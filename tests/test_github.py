"""`editions check --format github`: problems as annotations on the lines of a pull request."""

from __future__ import annotations

from pathlib import Path

from editions.errors import Problem, Severity, Where
from editions.review.github import annotation

from .conftest import REPO, run
from .support import edit


def test_errors_become_annotations_on_the_line(project: Path) -> None:
    edit(project / "editions/001.yaml", "  - audrey-uk", "  - audrey-uj")
    result = run(project, "check", "--format", "github")
    assert result.exit_code == 1
    path = Path(project, "editions/001.yaml")
    assert result.stdout == (
        f"::error file={_relative(path)},line=24,col=5::no testimony 'audrey-uj' in "
        "testimonies/ (did you mean 'audrey-uk'?)\n")
    assert result.stderr == "1 error found\n"


def test_a_clean_archive_prints_no_annotation(project: Path) -> None:
    result = run(project, "check", "--format", "github")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "ok: 13 testimonies and 5 editions, no errors\n"


def test_warnings_are_warning_annotations_and_pass(project: Path) -> None:
    text = (project / "editions/002.yaml").read_text(encoding="utf-8")
    (project / "editions/002.yaml").write_text(text[:text.index("frozen:")], encoding="utf-8")
    result = run(project, "check", "--format", "github")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"::warning file={_relative(project / 'editions/002.yaml')},"
                                    "line=3,col=9::edition 2 is published but not yet frozen")


def test_annotations_are_escaped_as_github_reads_them() -> None:
    problem = Problem(Where("odd,name:1.yaml", 3, 4), "100% sure\r\nsecond line")
    assert annotation(Severity.ERROR, problem, problem.message) == (
        "::error file=odd%2Cname%3A1.yaml,line=3,col=4::100%25 sure%0D%0Asecond line")
    assert annotation(Severity.ERROR, None, "a: b, c") == "::error::a: b, c"


def _relative(path: Path) -> str:
    import os

    return os.path.relpath(path)


def test_strict_fails_on_warning_annotations(project: Path) -> None:
    kim = project / "testimonies/kim-canada.yaml"
    kim.write_text("name: Kim\ncountry: Canada\ncondition: UC\nreceived: 2013-02-01\n"
                   "story: |\n  Write to kim@example.org any time.\n", encoding="utf-8")
    result = run(project, "check", "--format", "github", "--strict")
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"::warning file={_relative(kim)},line=6,col=12::")
    assert result.stdout.count("\n") == 1
    assert result.stderr == "1 warning found\n"
    assert run(project, "check", "--format", "github").exit_code == 0


def test_the_workflow_fails_on_warnings() -> None:
    """README: warnings fail `editions check --strict` (for CI); the workflow runs it so."""
    workflow = (REPO / ".github/workflows/editions.yml").read_text(encoding="utf-8")
    assert "run: editions check --format github --strict\n" in workflow


def test_raw_html_in_a_story_is_text_in_the_job_summary(project: Path) -> None:
    """The job summary is rendered by GitHub: a story's `<img>` (a tracking pixel on every
    reviewer's screen) or `<details>` (hiding the rest of the report) must show as text."""
    from . import gitrepo

    gitrepo.init(project)
    gitrepo.git(project, "checkout", "-q", "-b", "feature")
    path = project / "testimonies" / "annelies-netherlands.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("and I'm glad.") == 1
    path.write_text(text.replace("and I'm glad.", 'and I\'m glad. <img src="https://evil.'
                                 'example/t.png"> <details><summary>x</summary> & more'),
                    encoding="utf-8")
    result = run(project, "diff", "--format", "github")
    assert result.exit_code == 0, result.output
    changed = [line for line in result.stdout.splitlines() if "evil" in line]
    assert changed == ['  … again, and I\'m glad. {+&lt;img src="https://evil.example/t.png"'
                       '&gt; &lt;details&gt;'
                       '&lt;summary&gt;x&lt;/summary&gt; &amp; more+}']
    assert "<" not in result.stdout
    plain = run(project, "diff")  # a terminal's report is the text as written
    assert '{+<img src="https://evil.example/t.png"> <details>' in plain.stdout
