"""Characters no font of the PDF has: one warning a text, where the first of them is."""

from __future__ import annotations

from pathlib import Path

from editions.check.glyphs import coverage, font_files, uncovered
from editions.make.build import assets

from .conftest import REPO, reissue_changed, run, write
from .support import GOOD

KIM = "testimonies/kim-canada.yaml"
TAIL = ("in none of the publication's fonts: the PDF prints them in whatever font the building "
        "machine has, or as empty boxes")


def warnings(project: Path) -> list[str]:
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    return result.stderr.splitlines()


def test_the_fonts_cover_the_sample_and_the_languages_of_its_countries() -> None:
    covered = coverage(font_files(assets(REPO)))
    text = "Søren Pádraig Siobhán Grüße ÆØÅ æøå ß – — ‘’ “” … € Œœ ğş Ελλάδα Россия"
    assert list(uncovered(text, covered)) == []


def test_an_emoji_is_named_at_its_line_and_column(project: Path) -> None:
    write(project / KIM, GOOD.replace("  Second paragraph.\n", "  Thank you 🙏 all.\n"))
    assert warnings(project) == [
        f"{KIM}:11:13: warning: '🙏' (U+1F64F PERSON WITH FOLDED HANDS) is {TAIL}"]


def test_many_characters_make_one_short_warning(project: Path) -> None:
    write(project / KIM, GOOD.replace("  Second paragraph.\n",
                                      "  Second paragraph.\n  多发性硬化症 " + "😀" * 40 + " ♥\n"))
    [message] = warnings(project)
    assert message == (f"{KIM}:12:3: warning: '多' (U+591A CJK UNIFIED IDEOGRAPH-591A) and 7 "
                       f"other characters (发性硬化症😀♥) are {TAIL}")


def test_a_name_field_is_checked_too(project: Path) -> None:
    write(project / KIM, GOOD.replace("name: Kim", "name: Kim ☺"))
    assert warnings(project) == [f"{KIM}:1:7: warning: '☺' (U+263A WHITE SMILING FACE) is {TAIL}"]


def test_spaces_joiners_and_variation_selectors_are_not_glyphs(project: Path) -> None:
    covered = coverage(font_files(assets(REPO)))
    assert list(uncovered("a\u202fb\u200dc\ufe0fd\u2009e", covered)) == []


def test_an_update_label_is_checked_too(project: Path) -> None:
    write(project / KIM, GOOD + "updates:\n  - date: 2008-06\n    label: Party time 🎉\n"
                                "    text: |\n      A good month.\n")
    assert warnings(project) == [
        f"{KIM}:14:12: warning: '🎉' (U+1F389 PARTY POPPER) is {TAIL}"]


def test_references_and_settings_are_checked_too(project: Path) -> None:
    references = project / "references.yaml"
    references.write_text(references.read_text(encoding="utf-8").replace(
        '"Low dose naltrexone therapy in multiple sclerosis"',
        '"Low dose naltrexone therapy in multiple sclerosis ✅"'), encoding="utf-8")
    settings = project / "publication.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("publisher: ", "publisher: ⚕ ", 1), encoding="utf-8")
    reissue_changed(project)
    publisher = next(n for n, line in enumerate(text.splitlines(), 1)
                     if line.startswith("publisher: "))
    assert warnings(project) == [
        f"publication.yaml:{publisher}:12: warning: '⚕' (U+2695 STAFF OF AESCULAPIUS) is {TAIL}",
        f"references.yaml:2:5: warning: '✅' (U+2705 WHITE HEAVY CHECK MARK) is {TAIL}",
    ]
