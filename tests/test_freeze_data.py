"""A published edition's frozen record covers what it prints from outside its texts: the
publication's settings, the references it cites and its pictures; older records keep passing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from . import gitrepo
from .conftest import run
from .support import edit, tiny_png

LEGACY = Path(__file__).parent / "legacy"
ADVICE = "undo it, or accept it with `editions publish {} --reissue --note \"...\"`"


def errors(project: Path) -> list[str]:
    result = run(project, "check")
    assert result.exit_code == 1, result.output
    return result.stderr.splitlines()[:-1]


def with_legacy_records(project: Path) -> None:
    """Editions 1 and 4 as the editor's files had them before records covered printed data."""
    for name in ("001.yaml", "004.yaml"):
        shutil.copy(LEGACY / name, project / "editions" / name)


def test_a_changed_reference_is_refused_for_the_editions_that_cite_it(project: Path) -> None:
    edit(project / "references.yaml", '"Low dose naltrexone therapy in multiple sclerosis"',
         '"Naltrexone in multiple sclerosis"')
    assert errors(project) == [
        "references.yaml:2:5: error: edition 1 (editions/001.yaml) is published and frozen; "
        "this change alters what it prints: reference 'agrawal2005' (references.yaml) is "
        "changed; " + ADVICE.format(1)]


def test_a_changed_reference_shows_its_old_words_with_git(project: Path) -> None:
    gitrepo.init(project)
    edit(project / "references.yaml", '"Low dose naltrexone therapy in multiple sclerosis"',
         '"Naltrexone in multiple sclerosis"')
    assert errors(project) == [
        "references.yaml:2:5: error: edition 1 (editions/001.yaml) is published and frozen; "
        "this change alters what it prints: reference 'agrawal2005' (references.yaml): "
        "'title: Low dose naltrexone therapy in multiple sclerosis' → 'title: Naltrexone in "
        "multiple sclerosis'; " + ADVICE.format(1)]


@pytest.mark.parametrize("field", ["subtitle", "publisher", "language"])
def test_a_changed_setting_is_refused_for_every_published_edition(project: Path,
                                                                  field: str) -> None:
    path = project / "publication.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    value = {"subtitle": "Letters", "publisher": "Someone else", "language": "en-US"}[field]
    path.write_text("".join(f"{field}: {value}\n" if line.startswith(f"{field}:") else line
                            for line in lines), encoding="utf-8")
    found = errors(project)
    assert [line.split(" (editions/")[0] for line in found] == [
        f"publication.yaml:1:1: error: edition {n}" for n in (1, 2, 3, 4)]
    assert found[0].endswith("this change alters what it prints: the publication's settings "
                             "(publication.yaml) is changed; " + ADVICE.format(1))


def test_a_changed_setting_is_shown_at_its_line_with_git(project: Path) -> None:
    gitrepo.init(project)
    edit(project / "publication.yaml", "language: en-GB", "language: en-US")
    assert errors(project)[0] == (
        "publication.yaml:5:11: error: edition 1 (editions/001.yaml) is published and frozen; "
        "this change alters what it prints: the publication's settings (publication.yaml): "
        "'language: en-GB' → 'language: en-US'; " + ADVICE.format(1))


def test_a_replaced_picture_is_refused_and_diff_says_so_first(project: Path) -> None:
    (project / "images").mkdir()
    (project / "images/dog.png").write_bytes(tiny_png())
    edit(project / "testimonies/annelies-netherlands.yaml", "story: |\n",
         "story: |\n  ![a dog](images/dog.png)\n\n")
    published = run(project, "publish", "5", "--today", "2013-06-01")
    assert published.exit_code == 0, published.output
    gitrepo.init(project)
    (project / "images/dog.png").write_bytes(tiny_png(8, 6))
    [error] = errors(project)
    assert error.startswith(
        "testimonies/annelies-netherlands.yaml:10:3: error: edition 5 (editions/005.yaml) is "
        "published and frozen; this change alters what it prints: the picture images/dog.png "
        "is a different file (sha256:")
    gitrepo.git(project, "checkout", "-q", "-b", "feature")
    report = run(project, "diff").stdout
    assert report.split("\n## ")[1:3] == [
        "Published editions whose content would change\n\nReaders already have these "
        "editions. A change to what they print is refused by `editions check` unless the "
        "edition is reissued with a note.\n\n- **Edition 5** (editions/005.yaml): REFUSED "
        "until reissued: `editions publish 5 --reissue --note \"...\"`\n",
        "Edition 5 · 2012-10-01 · published\n\n- the picture images/dog.png changed: a "
        "different file with the same name\n"]


def test_older_records_still_pass_and_are_upgraded_by_publish(project: Path) -> None:
    with_legacy_records(project)
    assert run(project, "check").exit_code == 0
    result = run(project, "publish", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "edition 1 (editions/001.yaml): it prints what it printed; its record now covers the "
        "settings, references and pictures it prints too; 16 passages, sha256:")
    record = (project / "editions/001.yaml").read_text(encoding="utf-8")
    assert record.endswith("    - ec6d8133688a @settings\n    - 65e10f9c11de @reference "
                           "agrawal2005\n    - 8501a552b9fa @reference smith2007\n"
                           "    - 2c324c13efab @reference gironi2008\n")
    assert run(project, "publish", "1").stdout.startswith(
        "edition 1 (editions/001.yaml): already published and frozen")


def test_older_records_compare_printed_data_with_git(project: Path) -> None:
    with_legacy_records(project)
    gitrepo.init(project)
    gitrepo.git(project, "checkout", "-q", "-b", "feature")
    edit(project / "references.yaml", "    volume: 64\n", "    volume: 65\n")
    gitrepo.commit(project, "a typo in a reference")  # still compared: with the merge base
    [error] = errors(project)
    assert error == (
        "references.yaml:2:5: error: edition 1 (editions/001.yaml) is published and frozen; "
        "this change alters what it prints: reference 'agrawal2005' (references.yaml): "
        "'volume: 64' → 'volume: 65'; " + ADVICE.format(1))
    refused = run(project, "publish", "1")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[0] == error
    report = run(project, "diff").stdout
    assert "- **Edition 1** (editions/001.yaml): REFUSED until reissued" in report
    assert ("- reference 'agrawal2005' (references.yaml) changed:\n  … sclerosis type: "
            "article-journal volume: [-64-] {+65+}\n") in report
    result = run(project, "publish", "1", "--reissue", "--note", "a reference's volume was "
                 "corrected", "--today", "2013-06-01")
    assert result.exit_code == 0, result.output
    assert run(project, "check").exit_code == 0


def test_two_updates_of_one_month_are_told_apart(project: Path) -> None:
    siobhan = project / "testimonies/siobhan-ireland.yaml"
    siobhan.write_text(siobhan.read_text(encoding="utf-8") + "  - date: 2012-05\n"
                       "    text: |\n      A second letter the same month.\n"
                       "      The garden is full of roses.\n", encoding="utf-8")
    published = run(project, "publish", "5", "--today", "2013-06-01")
    assert published.exit_code == 0, published.output
    record = (project / "editions/005.yaml").read_text(encoding="utf-8")
    assert " siobhan-ireland update 2012-05\n" in record
    assert " siobhan-ireland update 2012-05 (2)\n" in record
    gitrepo.init(project)
    gitrepo.git(project, "checkout", "-q", "-b", "feature")
    edit(siobhan, "The garden is full of roses.", "The garden is full of weeds.")
    assert errors(project) == [
        "testimonies/siobhan-ireland.yaml:47:29: error: edition 5 (editions/005.yaml) is "
        "published and frozen; this change alters what it prints: siobhan-ireland update "
        "2012-05 (2): 'full of roses.' → 'full of weeds.'; " + ADVICE.format(5)]
    report = run(project, "diff").stdout
    assert "- **Edition 5** (editions/005.yaml): REFUSED until reissued" in report
    assert report.endswith("- siobhan-ireland update 2012-05 (2) changed:\n"
                           "  … garden is full of [-roses.-] {+weeds.+}\n")


def test_the_file_cache_does_not_hide_a_changed_reference_or_picture(project: Path) -> None:
    (project / "images").mkdir()
    (project / "images/dog.png").write_bytes(tiny_png())
    edit(project / "testimonies/annelies-netherlands.yaml", "story: |\n",
         "story: |\n  ![a dog](images/dog.png)\n\n")
    assert run(project, "publish", "5", "--today", "2013-06-01").exit_code == 0
    assert run(project, "check").exit_code == 0  # fills the cache
    assert (project / ".editions-cache").is_dir()
    edit(project / "references.yaml", "    volume: 64\n", "    volume: 65\n")
    assert errors(project)[0].startswith("references.yaml:2:5: error: edition 1 ")
    edit(project / "references.yaml", "    volume: 65\n", "    volume: 64\n")
    (project / "images/dog.png").write_bytes(tiny_png(8, 6))
    assert errors(project)[0].startswith("testimonies/annelies-netherlands.yaml:10:3: error: "
                                         "edition 5 ")
