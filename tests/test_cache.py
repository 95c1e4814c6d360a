"""The file cache: a check or build that reads unchanged files from it says what a cold one says."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import Result

from editions.make.file_cache import FILES_CACHE

from .conftest import run
from .support import RULES, edit, tiny_png

CACHE = Path(".editions-cache") / FILES_CACHE
PNG = tiny_png()  # check reads its size from its header: a real PNG
# a testimony only the draft edition prints: its text may change without a reissue
DRAFTED = "testimonies/annelies-netherlands.yaml"


def story_line(path: Path) -> int:
    """The line of the file where the story's text starts."""
    return path.read_text(encoding="utf-8").splitlines().index("story: |") + 2


def cold(root: Path, *command: str) -> Result:
    (root / CACHE).unlink(missing_ok=True)
    return run(root, *command)


def same_warm_and_cold(root: Path, *command: str) -> Result:
    """Run a command with the cache as it is, then without it; both must say the same."""
    assert (root / CACHE).is_file(), "the cache is warm: an earlier command filled it"
    warm = run(root, *command)
    fresh = cold(root, *command)
    assert (warm.exit_code, warm.stderr) == (fresh.exit_code, fresh.stderr)
    if command[0] == "check":
        assert warm.stdout == fresh.stdout
    assert "Traceback" not in warm.output
    return warm


@pytest.fixture
def warm(project: Path) -> Path:
    """The sample with its file cache filled by one check."""
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert (project / CACHE).is_file()
    return project


@pytest.mark.parametrize(("file", "old", "new", "expected"), RULES)
def test_a_problem_made_after_the_cache_is_warm_is_reported(
        warm: Path, file: str, old: str, new: str, expected: str) -> None:
    edit(warm / file, old, new)
    result = same_warm_and_cold(warm, "check")
    assert result.exit_code == 1
    assert expected in result.stderr.splitlines()


def test_a_file_changed_back_and_forth(warm: Path) -> None:
    path = warm / "testimonies" / "maurey-usa.yaml"
    original = path.read_text(encoding="utf-8")
    broken = original.replace("country: USA", "country: [USA]")
    for text, code in [(broken, 1), (original, 0), (broken, 1), (original, 0)]:
        path.write_text(text, encoding="utf-8")
        result = run(warm, "check")
        assert result.exit_code == code, result.output
        assert ("testimonies/maurey-usa.yaml:2:10: error: 'country' must be text, not a list"
                in result.stderr) == (code == 1)
    assert same_warm_and_cold(warm, "check").exit_code == 0


def test_what_a_cached_file_depends_on_is_looked_at_again(warm: Path) -> None:
    """A file unchanged still gets the problems that other files, or the day, give it."""
    # a citation, an image and an update's date, all fine when the cache is filled
    (warm / "images").mkdir()
    (warm / "images" / "dog.png").write_bytes(PNG)
    edit(warm / DRAFTED, "story: |\n",
         "story: |\n  ![Our dog](images/dog.png) and a study [@agrawal2005].\n\n")
    line = story_line(warm / DRAFTED)
    assert run(warm, "check").exit_code == 0
    # now the image goes, and the reference
    (warm / "images" / "dog.png").unlink()
    references = warm / "references.yaml"
    text = references.read_text(encoding="utf-8")
    start = text.index("  - id: agrawal2005")
    references.write_text(text[:start] + text[text.index("  - id:", start + 1):],
                          encoding="utf-8")
    lines = same_warm_and_cold(warm, "check").stderr.splitlines()
    assert (f"{DRAFTED}:{line}:3: error: image 'images/dog.png' is not in images/") in lines
    assert any(problem.startswith(f"{DRAFTED}:{line}:43: error: citation '@agrawal2005' is "
                                  "not in references.yaml") for problem in lines)


def test_a_published_edition_changed_through_a_cached_file(warm: Path) -> None:
    """The frozen rule sees a change in a testimony an edition prints, and in what an earlier
    edition printed (which decides what is new), whatever the cache holds."""
    edit(warm / "testimonies" / "maurey-usa.yaml", "Just under a year now.",
         "Just under a year now, and counting.")
    lines = same_warm_and_cold(warm, "check").stderr.splitlines()
    assert any("maurey-usa update 2008-07 is changed" in line for line in lines)
    edit(warm / "testimonies" / "maurey-usa.yaml", "Just under a year now, and counting.",
         "Just under a year now.")
    assert same_warm_and_cold(warm, "check").exit_code == 0
    # maurey-usa stops being in edition 1: editions printing it later print it as new
    edit(warm / "editions" / "001.yaml", "  - maurey-usa\n", "")
    lines = same_warm_and_cold(warm, "check").stderr.splitlines()
    assert any("edition 3 (editions/003.yaml) is published and frozen" in line
               for line in lines), lines


def test_the_same_text_in_another_file_is_reported_there(warm: Path) -> None:
    edit(warm / DRAFTED, "story: |\n", "story: |\n  Write to me at annelies@example.org.\n\n")
    assert run(warm, "check").exit_code == 0
    shutil.copy(warm / DRAFTED, warm / "testimonies" / "annelies-netherlands-2.yaml")
    lines = same_warm_and_cold(warm, "check").stderr.splitlines()
    warnings = [line for line in lines if "e-mail address" in line]
    assert [line.split(":", 1)[0] for line in warnings] == [
        "testimonies/annelies-netherlands-2.yaml", DRAFTED]


def test_check_and_build_say_the_same_cold_and_warm(warm: Path) -> None:
    edit(warm / DRAFTED, "story: |\n",
         "story: |\n  Ring me on +61 2 9876 5432, or see [my notes](notes.txt) \U0001F642.\n\n")
    edit(warm / "editions" / "001.yaml", "[@smith2007]", "[@smith2070]")
    checked = same_warm_and_cold(warm, "check")
    built = same_warm_and_cold(warm, "build", "--html-only")
    assert checked.exit_code == built.exit_code == 1
    problems = checked.stderr.splitlines()[:-1]  # the last line counts them
    assert built.stderr.splitlines()[:len(problems)] == problems
    assert any(": warning: telephone number" in line for line in problems)
    assert any(": error: links to local files are not allowed" in line for line in problems)
    assert any("in none of the publication's fonts" in line for line in problems)
    assert not (warm / "site").exists()


def test_a_damaged_cache_warns_and_the_answer_stays_right(warm: Path) -> None:
    edit(warm / "testimonies" / "audrey-uk.yaml", "country: UK", "country: [UK]")
    expected = cold(warm, "check")
    assert expected.exit_code == 1
    (warm / CACHE).write_bytes(b"this is no database" * 200)
    result = run(warm, "check")
    assert "the file cache is damaged (file is not a database); starting it again" in (
        result.stderr)
    assert result.stderr.replace(result.stderr.splitlines()[0] + "\n", "", 1) == expected.stderr
    assert run(warm, "check").stderr == expected.stderr  # started again, it serves


def test_a_damaged_entry_is_read_again(warm: Path) -> None:
    with sqlite3.connect(warm / CACHE) as db:
        db.execute("UPDATE files SET value = '[[\"not\"], 3]'")
    db.close()
    result = run(warm, "check")
    assert result.exit_code == 0, result.output
    assert "an entry of the file cache is damaged" in result.stderr
    assert result.stdout == "ok: 13 testimonies and 5 editions, no problems\n"
    assert run(warm, "check").stderr == ""  # the entries were written again


def test_a_cache_that_cannot_be_written_is_done_without(warm: Path) -> None:
    shutil.rmtree(warm / ".editions-cache")
    (warm / ".editions-cache").write_text("a file where the folder belongs")
    result = run(warm, "check")
    assert result.exit_code == 0, result.output
    assert "cannot use the file cache" in result.stderr
    assert result.stdout == "ok: 13 testimonies and 5 editions, no problems\n"


def test_the_cache_forgets_what_is_no_longer_asked_for(tmp_path: Path) -> None:
    from editions.cache.store import Store

    store = Store(tmp_path / "cache.sqlite", "entries", "a test cache")
    keys = [f"key{i}" for i in range(300)]
    store.put(dict.fromkeys(keys, "value"))
    store.keep_only(set())  # a run that asked nothing says nothing about what is used
    assert len(store.get(keys)) == 300
    store.keep_only({"key1", "key2"})
    assert store.get(keys) == {"key1": "value", "key2": "value"}
    store.close()


def test_checks_at_once_share_the_cache(project: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from editions.make.build import checked

    edit(project / DRAFTED, "story: |\n", "story: |\n  Write to me at annelies@example.org.\n\n")
    with ThreadPoolExecutor(2) as pool:
        both = list(pool.map(lambda _: checked(project)[1], range(2)))
    assert both[0] == both[1] != []
    assert checked(project)[1] == both[0]  # and what they left serves the next one
