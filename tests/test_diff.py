"""`editions diff`: what a change does to each edition, read from git, in plain words."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from editions.cli import main

from . import gitrepo
from .conftest import copy_sample, run
from .support import edit


@pytest.fixture
def repo(project: Path) -> Path:
    """The sample in a git repository, on a branch off main, as a pull request has it."""
    gitrepo.init(project)
    gitrepo.git(project, "checkout", "-q", "-b", "feature")
    return project


def diff(root: Path, *args: str) -> str:
    result = run(root, "diff", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_no_change_says_so(repo: Path) -> None:
    text = diff(repo)
    assert text.startswith("# What this change does to the editions (compared with the merge "
                           "base with main, ")
    assert text.endswith("\n\nNo edition prints anything different.\n")


def test_an_added_update(repo: Path) -> None:
    siobhan = repo / "testimonies/siobhan-ireland.yaml"
    siobhan.write_text(siobhan.read_text(encoding="utf-8") + "  - date: 2012-08\n"
                       "    label: A wedding\n    text: |\n      We married in August.\n",
                       encoding="utf-8")
    gitrepo.commit(repo, "siobhan writes again")  # committed on the branch: still compared
    text = diff(repo)
    assert "Published editions" not in text
    assert text.split("\n", 2)[2] == (
        "## Edition 5 · 2012-10-01 · draft\n\n"
        "- update added: siobhan-ireland update 2012-08 (A wedding)\n")


def test_a_changed_sentence_in_a_published_edition_comes_first(repo: Path) -> None:
    edit(repo / "testimonies/maurey-usa.yaml", "Six months on I haven't had a relapse",
         "Six months on I have not had a relapse")
    text = diff(repo)
    _, published, *editions = text.split("\n## ")
    assert published == (
        "Published editions whose content would change\n\nReaders already have these "
        "editions. A change to what they print is refused by `editions check` unless the "
        "edition is reissued with a note.\n\n"
        "- **Edition 1** (editions/001.yaml): REFUSED until reissued: `editions publish 1 "
        "--reissue --note \"...\"`\n"
        "- **Edition 3** (editions/003.yaml): REFUSED until reissued: `editions publish 3 "
        "--reissue --note \"...\"`\n"
        "- **Edition 4** (editions/004.yaml): REFUSED until reissued: `editions publish 4 "
        "--reissue --note \"...\"`\n\n"
        "To reissue them all with one note: `editions publish --reissue --note \"...\"`\n")
    assert editions[0] == (
        "Edition 1 · 2008-08-01 · published\n\n"
        "- maurey-usa story changed:\n"
        "  … Six months on I [-haven't-] {+have not+} had a relapse, the …\n")
    assert [e.split("\n")[0] for e in editions] == [
        "Edition 1 · 2008-08-01 · published", "Edition 3 · 2010-09-01 · published",
        "Edition 4 · 2011-11-01 · published"]


def test_a_reordered_edition_and_a_reissue(repo: Path) -> None:
    edit(repo / "editions/005.yaml", "  - siobhan-ireland\n  - joost-netherlands\n",
         "  - joost-netherlands\n  - siobhan-ireland\n")
    edit(repo / "editions/001.yaml", "Welcome to the first", "Welcome to this first")
    assert run(repo, "publish", "1", "--reissue", "--note", "a word corrected",
               "--today", "2013-06-01").exit_code == 0
    text = diff(repo, "main")
    assert "compared with main)" in text.split("\n")[0]
    assert "- **Edition 1** (editions/001.yaml): reissued in this change (readers will see the " \
           "note)\n" in text
    assert "## Edition 1 · 2008-08-01 · published\n\n" \
           "- intro changed:\n  Welcome to [-the-] {+this+} first edition of Those …\n" \
           "- reissued on 2013-06-01: a word corrected\n" in text
    assert text.endswith(
        "## Edition 5 · 2012-10-01 · draft\n\n"
        "- testimonies reordered: siobhan-ireland, joost-netherlands, soren-denmark, "
        "dale-canada, padraig-ireland, annelies-netherlands → joost-netherlands, "
        "siobhan-ireland, soren-denmark, dale-canada, padraig-ireland, annelies-netherlands\n")


def test_a_new_edition_and_a_removed_testimony(repo: Path) -> None:
    edit(repo / "editions/005.yaml", "  - dale-canada\n", "")
    assert run(repo, "new", "edition", "--today", "2013-06-01").exit_code == 0
    text = diff(repo)
    assert "## Edition 5 · 2012-10-01 · draft\n\n- testimonies removed: dale-canada\n" in text
    assert text.endswith("## Edition 6 · 2013-06-01 · draft · new\n\n"
                         # draft 5 is no printing: 6 proposes what it proposes too
                         "- new edition printing 6 testimonies: annelies-netherlands, "
                         "joost-netherlands, siobhan-ireland, dale-canada, padraig-ireland, "
                         "soren-denmark\n")


def test_diff_outside_git_says_why(project: Path) -> None:
    result = run(project, "diff")
    assert result.exit_code == 1
    assert result.stderr == (f"error: {project} is not in a git checkout with commits: editions "
                             "diff compares with what git recorded\n")


def test_diff_of_an_unknown_revision(repo: Path) -> None:
    result = run(repo, "diff", "no-such-branch")
    assert result.exit_code == 1
    assert result.stderr == f"error: 'no-such-branch' is not a revision git knows in {repo}\n"


def test_words_are_compared_as_a_reader_reads_them() -> None:
    from editions.prose import reading_text, word_diff

    old = "See the [MS Society](https://example.org/) *now*. [@smith2007]"
    new = "See the [MS Society](https://example.org/other) **now**. [@smith2007]"
    assert reading_text(new) == "See the MS Society now. [@smith2007]"
    assert word_diff(reading_text(old), reading_text(new)) == []
    assert word_diff("a b c", "a x c") == ["a [-b-] {+x+} c"]


def test_a_withdrawal_is_reported_but_not_as_a_content_change(repo: Path) -> None:
    edit(repo / "testimonies/maurey-usa.yaml", "  given: 2008-02-15",
         "  given: 2008-02-15\n  withdrawn: 2012-01")
    text = diff(repo)
    assert "Published editions" not in text
    assert "## Edition 1 · 2008-08-01 · published\n\n- maurey-usa: consent withdrawn on "  \
           "2012-01; the edition shows a notice in its place\n" in text
    assert run(repo, "diff").stderr == ("3 editions change, 3 of them published: 0 in what "
                                        "they print, 0 refused until reissued\n")


def test_a_publication_in_a_subfolder_of_the_repository(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    news = copy_sample(tmp_path / "site-repo/news")
    (tmp_path / "site-repo/README.md").write_text("The society's web site.\n", encoding="utf-8")
    gitrepo.init(tmp_path / "site-repo")
    edit(news / "testimonies/maurey-usa.yaml", "Six months on I haven't had a relapse",
         "Six months on I have not had a relapse")
    for where, args in ((news, ()), (tmp_path / "site-repo", ("--root", "news"))):
        monkeypatch.chdir(where)
        result = CliRunner().invoke(main, ["diff", *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "- **Edition 1** (editions/001.yaml): REFUSED until reissued" in result.stdout
        assert "  … Six months on I [-haven't-] {+have not+} had a relapse," in result.stdout
        result = CliRunner().invoke(main, ["check", "--format", "github", *args])
        assert result.stdout.splitlines()[0] == (
            "::error file=news/testimonies/maurey-usa.yaml,line=23,col=19::edition 1 "
            "(editions/001.yaml) is published and frozen; this change alters what it prints: "
            "maurey-usa story: 'on I haven't had a' → 'on I have not had a'; undo it, or accept "
            "it with `editions publish 1 --reissue --note \"...\"`")
