"""`editions new`: a testimony or the next edition, canonical, with the schema modeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from editions.load.archive import load_archive
from editions.make.addresses import pdf_name
from editions.model import Settings, slug

from .conftest import REPO, run
from .support import edit


def test_new_testimony_is_canonical_and_waits_for_its_story(project: Path) -> None:
    result = run(project, "new", "testimony", "Kim", "--country", "New Zealand",
                 "--condition", "Crohn's disease", "--started", "2012-03", "--today", "2013-02-01")
    assert result.exit_code == 0, result.output
    path = project / "testimonies/kim-new-zealand.yaml"
    assert result.stdout == f"wrote {path}: write the story, then run `editions check`\n"
    assert path.read_text(encoding="utf-8") == """\
# yaml-language-server: $schema=../schemas/testimony.schema.json
name: Kim
country: New Zealand
condition: Crohn's disease
started: 2012-03
received: 2013-02-01
# consent:                # not given yet: no edition may print this testimony
#   given: YYYY-MM-DD     # uncomment, with the date the contributor agreed to be printed
story:  # the contributor's words in Markdown; `editions check` refuses an empty story
"""
    assert (REPO / "schemas/testimony.schema.json").is_file()
    check = run(project, "check")
    assert check.exit_code == 1
    assert check.stderr == ("testimonies/kim-new-zealand.yaml:9:7: error: 'story' must not be "
                            "empty\n1 problem found\n")
    edit(path, "story:  # the", "story: |\n  I was diagnosed. Then I wrote.\n# the")
    assert run(project, "fmt").stdout.startswith("formatted 1 of 19 files")
    assert "story: |\n  I was diagnosed.\n  Then I wrote.\n" in path.read_text(encoding="utf-8")
    assert run(project, "check").exit_code == 0


def test_a_testimony_waits_for_consent_before_any_edition_prints_it(project: Path) -> None:
    """Receiving a story is not consent: `new` records none, and nothing proposes or prints it."""
    assert run(project, "new", "testimony", "Kim", "--country", "Canada", "--condition", "UC",
               "--today", "2013-02-01").exit_code == 0
    kim = project / "testimonies/kim-canada.yaml"
    edit(kim, "story:  # the", "story: |\n  Hello.\n# the")
    assert run(project, "check").exit_code == 0
    # proposals count published editions: with 5 published, only Søren's news is new
    assert run(project, "publish", "5", "--today", "2013-03-01").exit_code == 0
    result = run(project, "new", "edition", "--today", "2013-03-01")
    assert result.stdout == (f"wrote {project / 'editions/006.yaml'}: a draft proposing "
                             "1 testimony\n")
    edition = project / "editions/006.yaml"
    assert "kim-canada" not in edition.read_text(encoding="utf-8")
    edit(edition, "  - soren-denmark", "  - soren-denmark\n  - kim-canada")
    check = run(project, "check")
    assert check.exit_code == 1
    assert check.stderr == (
        "editions/006.yaml:7:5: error: 'kim-canada' has no consent: no edition may print it "
        "before its file says when the contributor agreed (consent: given: DATE)\n"
        "1 problem found\n")
    edit(kim, "# consent:", "consent: {}  #")
    assert run(project, "check").stderr == check.stderr
    edit(kim, "consent: {}  #", "consent:\n  given: 2013-02-20  #")
    assert run(project, "check").exit_code == 0


def test_new_testimony_never_overwrites(project: Path) -> None:
    before = (project / "testimonies/maurey-usa.yaml").read_bytes()
    result = run(project, "new", "testimony", "Maurey", "--country", "USA", "--condition", "MS")
    assert result.exit_code == 1
    assert result.stderr == (f"error: {project / 'testimonies/maurey-usa.yaml'} already exists; "
                             "nothing was written\n")
    assert (project / "testimonies/maurey-usa.yaml").read_bytes() == before


def test_new_testimony_takes_its_dates_from_source_date_epoch(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1360000000")  # 2013-02-04
    result = run(project, "new", "testimony", "Mette", "--country", "Denmark", "--condition",
                 "RA", "--consent", "2013-02-10")
    assert result.exit_code == 0, result.output
    text = (project / "testimonies/mette-denmark.yaml").read_text(encoding="utf-8")
    assert "\nreceived: 2013-02-04\nconsent:\n  given: 2013-02-10\n" in text


def test_ids_are_ascii_slugs() -> None:
    assert slug("Søren Ærø, Denmark") == "soren-aero-denmark"
    assert slug("Tāne New Zealand") == "tane-new-zealand"


def test_a_title_names_the_pdf_as_a_name_names_a_testimony() -> None:
    """One folding for ids and file names: a letter that does not fall apart into a base
    letter and an accent is spelt out, not dropped from the PDF's name."""
    assert pdf_name(Settings(title="Søren og Þóra"), 3) == "soren-og-thora-003.pdf"
    assert pdf_name(Settings(title="Those who suffer much know much"), 1) == (
        "those-who-suffer-much-know-much-001.pdf")
    assert pdf_name(Settings(title="…"), 1) == "edition-001.pdf"


def test_new_edition_proposes_new_and_updated_testimonies(project: Path) -> None:
    assert run(project, "new", "testimony", "Kim", "--country", "Canada", "--condition", "UC",
               "--today", "2013-02-01", "--consent", "2013-02-01").exit_code == 0
    edit(project / "testimonies/kim-canada.yaml", "story:  # the", "story: |\n  Hello.\n# the")
    siobhan = project / "testimonies/siobhan-ireland.yaml"
    siobhan.write_text(siobhan.read_text(encoding="utf-8")
                       + "  - date: 2013-01\n    text: |\n      Still well.\n", encoding="utf-8")
    assert run(project, "publish", "5", "--today", "2013-03-01").exit_code == 0
    result = run(project, "new", "edition", "--today", "2013-03-01")
    assert result.exit_code == 0, result.output
    path = project / "editions/006.yaml"
    assert result.stdout == f"wrote {path}: a draft proposing 3 testimonies\n"
    assert path.read_text(encoding="utf-8") == """\
# yaml-language-server: $schema=../schemas/edition.schema.json
number: 6
date: 2013-03-01
status: draft
testimonies:
  - kim-canada       # new: received 2013-02-01
  - siobhan-ireland  # 1 update since 2012-10-01
  - soren-denmark    # 1 update since 2012-10-01
"""
    assert run(project, "check").exit_code == 0
    assert run(project, "fmt", "--check").exit_code == 0
    edition = load_archive(project).editions[-1]
    assert (edition.number, edition.status, str(edition.date)) == (6, "draft", "2013-03-01")


def test_new_edition_cannot_go_back_in_time(project: Path) -> None:
    result = run(project, "new", "edition", "--today", "2012-01-01")
    assert result.exit_code == 1
    assert result.stderr == ("error: edition 6 cannot be dated 2012-01-01, before edition 5 "
                             "(2012-10-01)\n")
    assert not (project / "editions/006.yaml").exists()
