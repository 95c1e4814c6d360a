"""Published editions are frozen: publish, refused changes, reissues, and what readers see."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from editions.edit.publish import (
    Comparison,
    Decision,
    EditionState,
    PublishRequest,
    Step,
    decide,
)
from editions.errors import ContentError, Problem, Where
from editions.load.archive import load_archive
from editions.make.build import build
from editions.model import PartialDate

from . import gitrepo
from .conftest import REPO, run
from .pages import Page, pdf_text
from .support import edit

MAUREY = "testimonies/maurey-usa.yaml"
OLD = "Six months on I haven't had a relapse"
NEW = "Six months on I have not had a single relapse"


# What the freeze comparison can say of an edition with a 'frozen' record.
SAME = Comparison(prints_same=True, records_data=True)
CHANGED = Comparison(prints_same=False, records_data=True)
OLD_RECORD = Comparison(prints_same=True, records_data=False)  # texts only, and git agrees
GIT_CHANGE = Problem(Where("references.yaml", 3, 1), "edition 2 (editions/002.yaml) is "
                     "published and frozen; this change alters what it prints")
OLD_RECORD_CHANGED = Comparison(prints_same=True, records_data=False, data_changes=(GIT_CHANGE,))


def state(number: int, date: str, published: bool = False,
          frozen: Comparison | None = None) -> EditionState:
    return EditionState(number, f"editions/{number:03d}.yaml", PartialDate.parse(date),
                        published, frozen)


# Three published editions (the third changed since), then two drafts.
ARCHIVE = (state(1, "2008-06-01", True, SAME), state(2, "2009-06-01", True, SAME),
           state(3, "2010-06-01", True, CHANGED), state(4, "2011-06-01"),
           state(5, "2012-06-01"))
# A draft between published editions: published out of order, the fifth went first.
GAP = (*ARCHIVE[:3], state(4, "2011-06-01"), state(5, "2012-06-01", True, SAME))
LATE = (*ARCHIVE[:3], state(4, "2010-01-01"))
ON_OR_AFTER_5 = (*GAP[:3], state(4, "2012-06-01"), GAP[4])
UNFROZEN = (state(1, "2008-06-01", True), state(2, "2009-06-01", True, OLD_RECORD),
            state(3, "2010-06-01", True, OLD_RECORD_CHANGED), state(4, "2011-06-01", False,
                                                                     OLD_RECORD))
DRAFT_5_BLOCKS = ("edition 4 (editions/004.yaml) is still a draft: publish it first (`editions "
                  "publish 4 5`), or give --out-of-order to publish edition 5 before it")
REISSUE_3 = ("edition 3 was published and what it prints has changed since (see `editions "
             "check`): to accept the change, run `editions publish 3 --reissue --note \"...\"`")
NOTHING_IN_2 = ("edition 2 prints what it printed when it was published: there is nothing to "
                "reissue")


def go(*steps: tuple[int, str]) -> Decision:
    return Decision(tuple(Step(number, action) for number, action in steps))


def refused(message: str) -> Decision:
    return Decision(refusal=message)


@pytest.mark.parametrize(
    ("editions", "request_", "expected"),
    [
        pytest.param(ARCHIVE, PublishRequest((4,)), go((4, "published")),
                     id="publish a draft"),
        pytest.param(ARCHIVE, PublishRequest((5, 4, 5)), go((4, "published"), (5, "published")),
                     id="two drafts, in number order, each once"),
        pytest.param(ARCHIVE, PublishRequest((2,)), go((2, "unchanged")),
                     id="already published and frozen"),
        pytest.param(UNFROZEN, PublishRequest((1,)), go((1, "frozen")),
                     id="published but not yet frozen"),
        pytest.param(ARCHIVE, PublishRequest((3,)), Decision((Step(3, refusal=REISSUE_3),)),
                     id="published and changed since: the step is refused"),
        pytest.param(ARCHIVE, PublishRequest((2, 3)),
                     Decision((Step(2, "unchanged"), Step(3, refusal=REISSUE_3))),
                     id="a refused step stops the ones after it only"),
        pytest.param(UNFROZEN, PublishRequest((2,)), go((2, "upgraded")),
                     id="an older record that git agrees with is upgraded"),
        pytest.param(UNFROZEN, PublishRequest((3,)),
                     Decision((Step(3, problems=(GIT_CHANGE,)),)),
                     id="an older record with changes git has: the changes stop it"),
        pytest.param(UNFROZEN, PublishRequest((4,)), go((4, "published")),
                     id="a draft with an older record is published"),
        pytest.param(ARCHIVE, PublishRequest((5,)), refused(DRAFT_5_BLOCKS),
                     id="an earlier draft blocks"),
        pytest.param(ARCHIVE, PublishRequest((5,), out_of_order=True), go((5, "published")),
                     id="--out-of-order passes an earlier draft"),
        pytest.param(GAP, PublishRequest((4,)), refused(
            "edition 5 (editions/005.yaml) after it is already published: publishing edition "
            "4 now changes what edition 5 marks new; give --out-of-order, then reissue edition "
            "5"), id="a later edition already published blocks"),
        pytest.param(GAP, PublishRequest((4,), out_of_order=True), go((4, "published")),
                     id="--out-of-order passes a later published edition"),
        pytest.param(LATE, PublishRequest((4,)), refused(
            "edition 4 is dated 2010-01-01, not after edition 3 (2010-06-01): published "
            "editions' dates rise with their numbers; change the date in editions/004.yaml"),
            id="dates would not rise after an earlier edition"),
        pytest.param(ON_OR_AFTER_5, PublishRequest((4,), out_of_order=True), refused(
            "edition 4 is dated 2012-06-01, not before edition 5 (2012-06-01), published after "
            "it: published editions' dates rise with their numbers; change the date in "
            "editions/004.yaml"), id="dates would not rise before a later edition, even "
                                     "--out-of-order"),
        pytest.param(ARCHIVE, PublishRequest((4, 5)), go((4, "published"), (5, "published")),
                     id="a draft published with the one before it is not blocked"),
        pytest.param(ARCHIVE, PublishRequest((9,)), refused("no edition 9 (editions/009.yaml)"),
                     id="unknown number"),
        pytest.param(ARCHIVE, PublishRequest(()),
                     refused("say which edition to publish: `editions publish N`"),
                     id="no number"),
        pytest.param(ARCHIVE, PublishRequest((3,), reissue=True), refused(
            "a reissue needs --note: say what changed, readers will see it"),
            id="reissue without note"),
        pytest.param(ARCHIVE, PublishRequest((3,), reissue=True, note="  "), refused(
            "a reissue needs --note: say what changed, readers will see it"),
            id="reissue with a blank note"),
        pytest.param(ARCHIVE, PublishRequest((4,), note="a word"),
                     refused("--note goes with --reissue"), id="note without reissue"),
        pytest.param(ARCHIVE, PublishRequest((3,), reissue=True, note="one\ntwo"),
                     refused("the note must be one line"), id="a note of two lines"),
        pytest.param(ARCHIVE, PublishRequest((3,), reissue=True, note=" a word was corrected "),
                     Decision((Step(3, "reissued", note="a word was corrected"),)),
                     id="reissue with note and a change"),
        pytest.param(ARCHIVE, PublishRequest((2,), reissue=True, note="a word"),
                     refused(NOTHING_IN_2), id="reissue with no change"),
        pytest.param(ARCHIVE, PublishRequest((2, 3, 4), reissue=True, note="a word"), refused(
            NOTHING_IN_2 + "\nerror: edition 4 is not frozen yet: run `editions publish 4` "
            "first; a reissue records a change to what was published"),
            id="a reissue is refused whole, every refusal said"),
        pytest.param(UNFROZEN, PublishRequest((3,), reissue=True, note="a word"),
                     Decision((Step(3, "reissued", note="a word"),)),
                     id="reissue of an older record with changes git has"),
        pytest.param(ARCHIVE, PublishRequest(reissue=True, note="a word"),
                     Decision((Step(3, "reissued", note="a word"),)),
                     id="reissue without numbers takes every changed published edition"),
        pytest.param(ARCHIVE[:2], PublishRequest(reissue=True, note="a word"), refused(
            "no published edition prints anything other than what it printed when it was "
            "published: there is nothing to reissue"), id="reissue without numbers, no change"),
    ],
)
def test_the_publish_decision(editions: tuple[EditionState, ...], request_: PublishRequest,
                              expected: Decision) -> None:
    assert decide(editions, request_) == expected


def unfreeze(project: Path, number: int) -> None:
    path = project / f"editions/{number:03d}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("frozen:\n")], encoding="utf-8")


def test_the_frozen_sample_passes(project: Path) -> None:
    editions = load_archive(project).editions
    assert [e.frozen is not None for e in editions] == [True, True, True, True, False]
    assert run(project, "check").exit_code == 0


def test_a_changed_sentence_is_refused_naming_edition_passage_and_words(project: Path) -> None:
    gitrepo.init(project)
    edit(project / MAUREY, OLD, NEW)
    result = run(project, "check")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[-1] == "3 problems found"
    # the problem points at the changed word, so an annotation sits on the diff's line
    assert lines[0] == (
        "testimonies/maurey-usa.yaml:23:19: error: edition 1 (editions/001.yaml) is published "
        "and frozen; this change alters what it prints: maurey-usa story: 'on I haven't had a "
        "relapse, the' → 'on I have not had a single relapse, the'; undo it, or accept it with "
        "`editions publish 1 --reissue --note \"...\"`")
    assert [line.split(": error: edition ")[1][:1] for line in lines[:3]] == ["1", "3", "4"]
    changed_line = (project / MAUREY).read_text(encoding="utf-8").splitlines()[22]
    assert changed_line[18:].startswith("have not")


def test_without_git_the_passage_is_still_named(project: Path) -> None:
    edit(project / MAUREY, OLD, NEW)
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "testimonies/maurey-usa.yaml:10:3: error: edition 1 (editions/001.yaml) is published "
        "and frozen; this change alters what it prints: maurey-usa story is changed; undo it, "
        "or accept it with `editions publish 1 --reissue --note \"...\"`")


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("editions/001.yaml", "  - audrey-uk\n", "",
         "editions/001.yaml:23:3: error: edition 1 (editions/001.yaml) is published and frozen; "
         "this change alters what it prints: audrey-uk is removed;"),
        ("editions/001.yaml", "  - maurey-usa\n  - audrey-uk\n", "  - audrey-uk\n  - maurey-usa\n",
         "editions/001.yaml:23:3: error: edition 1 (editions/001.yaml) is published and frozen; "
         "this change alters what it prints: the order of its passages changed;"),
        ("testimonies/maurey-usa.yaml", "name: Maurey", "name: Maureen",
         "testimonies/maurey-usa.yaml:1:1: error: edition 1 (editions/001.yaml) is published "
         "and frozen; this change alters what it prints: maurey-usa is changed;"),
        ("editions/002.yaml", "date: 2009-06-01", "date: 2009-07-01",
         "editions/002.yaml:2:7: error: edition 2 (editions/002.yaml) is published and frozen; "
         "this change alters what it prints: edition is changed;"),
        ("editions/003.yaml", "status: published", "status: draft",
         "editions/003.yaml:3:9: error: edition 3 was published (it has a 'frozen' record): it "
         "cannot go back to draft; correct it with a reissue instead"),
        ("testimonies/siobhan-ireland.yaml", "  - date: 2012-05", "  - date: 2010-05",
         "testimonies/siobhan-ireland.yaml:39:7: error: edition 3 (editions/003.yaml) is "
         "published and frozen; this change alters what it prints: siobhan-ireland update "
         "2010-05 is added;"),
    ],
)
def test_changes_that_alter_a_published_edition(project: Path, file: str, old: str, new: str,
                                                expected: str) -> None:
    edit(project / file, old, new)
    result = run(project, "check")
    assert result.exit_code == 1
    assert any(line.startswith(expected) for line in result.stderr.splitlines()), result.stderr


def test_changes_that_do_not_alter_a_published_edition(project: Path) -> None:
    # an update after every edition's date, a withdrawal, a draft's text, a reflowed paragraph
    path = project / "testimonies/siobhan-ireland.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  - date: 2013-01\n    text: |\n"
                    "      Still well.\n", encoding="utf-8")
    edit(project / MAUREY, "  given: 2008-02-15", "  given: 2008-02-15\n  withdrawn: 2012-01")
    edit(project / "editions/005.yaml", "There is a wedding", "There is one wedding")
    edit(project / "testimonies/audrey-uk.yaml", "What have I noticed?\n", "What have I noticed? ")
    result = run(project, "check")
    assert result.exit_code == 0, result.output


def test_publish_a_draft_then_reissue_it(project: Path) -> None:
    result = run(project, "publish", "5", "--today", "2013-06-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("edition 5 (editions/005.yaml): published and frozen; "
                                    "29 passages, sha256:")
    text = (project / "editions/005.yaml").read_text(encoding="utf-8")
    assert "status: published\n" in text
    assert "\nfrozen:\n  fingerprint: sha256:" in text
    assert re.search(r"\n    - [0-9a-f]{12} siobhan-ireland update 2012-05\n", text)
    assert run(project, "fmt", "--check").exit_code == 0
    assert run(project, "publish", "5").stdout.startswith(
        "edition 5 (editions/005.yaml): already published and frozen")

    edit(project / "editions/005.yaml", "There is a wedding", "There is one wedding")
    assert run(project, "check").exit_code == 1
    refused = run(project, "publish", "5")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "error: edition 5 was published and what it prints has changed since (see `editions "
        "check`): to accept the change, run `editions publish 5 --reissue --note \"...\"`\n")
    no_note = run(project, "publish", "5", "--reissue")
    assert no_note.stderr == ("error: a reissue needs --note: say what changed, readers will "
                              "see it\n")
    result = run(project, "publish", "5", "--reissue", "--note", "a count in the introduction "
                 "was corrected", "--today", "2013-06-20")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("edition 5 (editions/005.yaml): reissued;")
    text = (project / "editions/005.yaml").read_text(encoding="utf-8")
    assert "\nreissues:\n  - date: 2013-06-20\n    note: a count in the introduction was " \
           "corrected\nfrozen:\n" in text
    assert run(project, "check").exit_code == 0
    nothing = run(project, "publish", "5", "--reissue", "--note", "again")
    assert nothing.stderr == ("error: edition 5 prints what it printed when it was published: "
                              "there is nothing to reissue\n")


def test_a_reissue_shows_on_the_page_the_pdf_and_the_archive(project: Path) -> None:
    edit(project / "editions/001.yaml", "Welcome to the first", "Welcome to this first")
    result = run(project, "publish", "1", "--reissue", "--note", "a word in the introduction "
                 "was corrected", "--today", "2013-11-05")
    assert result.exit_code == 0, result.output
    build(project, numbers=[1])
    site = project / "site"
    notice = "Revised on 5 November 2013: a word in the introduction was corrected"
    assert notice in Page(site / "editions/001/index.html").text
    assert notice in Page(site / "index.html").text
    [pdf] = (site / "editions/001").glob("*[0-9].pdf")  # the standard PDF
    assert notice in pdf_text(pdf)[0]


def test_an_unfrozen_published_edition_is_a_warning_until_publish_freezes_it(
        project: Path) -> None:
    unfreeze(project, 2)
    result = run(project, "check")
    assert result.exit_code == 0
    assert result.stderr == ("editions/002.yaml:3:9: warning: edition 2 is published but not "
                             "yet frozen: run `editions publish 2` to record what it prints\n")
    result = run(project, "publish", "2")
    assert result.stdout.startswith("edition 2 (editions/002.yaml): frozen (it was already "
                                    "marked published); 17 passages")
    assert run(project, "check").stderr == ""


def test_publish_refuses_an_archive_with_errors(project: Path) -> None:
    edit(project / "editions/005.yaml", "  - dale-canada", "  - dale-canda")
    result = run(project, "publish", "5")
    assert result.exit_code == 1
    assert result.stderr.startswith("editions/005.yaml:")
    assert "status: draft" in (project / "editions/005.yaml").read_text(encoding="utf-8")


def test_a_broken_testimony_file_does_not_stop_the_freeze_check_with_a_traceback(
        project: Path) -> None:
    edit(project / "testimonies/audrey-uk.yaml", "country: UK", "country: [UK]")
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stderr == ("testimonies/audrey-uk.yaml:2:10: error: 'country' must be text, "
                             "not a list\n1 problem found\n")


def test_a_removed_published_edition_is_refused_by_name(project: Path) -> None:
    gitrepo.init(project)
    gitrepo.git(project, "rm", "-q", "editions/004.yaml")
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "editions/004.yaml:1:1: error: edition 4 (editions/004.yaml) was published (git has it "
        "so at the merge base with main, ")
    assert result.stderr.endswith(") and its file is removed: readers have it; restore the "
                                  "file, and correct it with a reissue if need be\n"
                                  "1 problem found\n")
    with pytest.raises(ContentError):
        build(project, html_only=True)
    assert not (project / "site").exists()
    report = run(project, "diff").stdout
    assert ("- **Edition 4** (editions/004.yaml): REFUSED: a published edition cannot be "
            "removed; restore editions/004.yaml\n") in report


def test_the_middle_edition_removed_or_unpublished_is_named_alone(project: Path) -> None:
    gitrepo.init(project)
    (project / "editions/003.yaml").unlink()
    assert run(project, "check").stderr.splitlines()[0].startswith(
        "editions/003.yaml:1:1: error: edition 3 (editions/003.yaml) was published (git has it")
    shutil.rmtree(project / ".git")
    assert run(project, "check").stderr == (
        "editions/003.yaml:1:1: error: edition 3 (editions/003.yaml) is missing, but edition 4 "
        "after it is published: a published edition cannot be removed; restore the file\n"
        "1 problem found\n")
    shutil.copy(REPO / "editions/003.yaml", project / "editions/003.yaml")
    gitrepo.init(project)
    (project / "editions/003.yaml").write_text(
        (REPO / "editions/003.yaml").read_text(encoding="utf-8").replace(
            "status: published\n", ""), encoding="utf-8")
    assert run(project, "check").stderr == ("editions/003.yaml:1:1: error: the file is missing "
                                            "the required field 'status'\n1 problem found\n")
    text = (REPO / "editions/003.yaml").read_text(encoding="utf-8")
    (project / "editions/003.yaml").write_text(
        text[:text.index("frozen:\n")].replace("status: published", "status: draft"),
        encoding="utf-8")
    assert run(project, "check").stderr.startswith(
        "editions/003.yaml:3:9: error: edition 3 was published (git has it so at ")
