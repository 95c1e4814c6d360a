"""The editor's round on the sample: drafts are not printed, publishing keeps its order,
nothing new writes nothing, one reissue for every edition a correction alters."""

from __future__ import annotations

import re
from pathlib import Path

from . import gitrepo
from .conftest import run
from .pages import Page
from .support import edit

MAUREY = "testimonies/maurey-usa.yaml"
OLD = "Six months on I haven't had a relapse"
NEW = "Six months on I have not had a single relapse"
NOTE = "a sentence of Maurey's story was corrected"


def new_markers(page: Path, article: str) -> list[str]:
    """The update headings of one testimony on an edition's page that are marked New."""
    text = page.read_text(encoding="utf-8")
    start = text.index(f'<article class="testimony" id="{article}"')
    body = text[start:text.index("</article>", start)]
    return [" ".join(re.sub(r"<[^>]+>", "", h).split())
            for h in re.findall(r'<section class="update is-new">\s*<h3[^>]*>(.*?)</h3>', body)]


def test_a_draft_is_not_printed_so_proposals_count_published_editions_only(
        project: Path) -> None:
    """With draft 5 in place, edition 6 proposes what no published edition has printed."""
    result = run(project, "new", "edition", "--today", "2013-04-01")
    assert result.exit_code == 0, result.output
    assert (project / "editions/006.yaml").read_text(encoding="utf-8") == """\
# yaml-language-server: $schema=../schemas/edition.schema.json
number: 6
date: 2013-04-01
status: draft
testimonies:
  - annelies-netherlands  # new: received 2012-03-18
  - joost-netherlands     # 2 updates since 2010-09-01
  - siobhan-ireland       # 1 update since 2010-09-01
  - dale-canada           # 1 update since 2010-09-01
  - padraig-ireland       # 2 updates since 2011-11-01
  - soren-denmark         # 2 updates since 2011-11-01
"""
    assert run(project, "check").exit_code == 0


def test_new_markers_count_published_editions_only(project: Path) -> None:
    """Søren's February 2012 update is in draft 5 only: edition 6 still marks it New."""
    assert run(project, "new", "edition", "--today", "2013-04-01").exit_code == 0
    result = run(project, "build", "6", "--html-only", "-q")
    assert result.exit_code == 0, result.output
    page = project / "site-preview/editions/006/index.html"
    assert new_markers(page, "soren-denmark") == [
        "Update – February 2012 – 2 years on LDN New",
        "Update – March 2013 – Update from Søren New"]
    assert "Annelies, Netherlands" in Page(page).text
    contents = page.read_text(encoding="utf-8")
    assert ('<a href="#annelies-netherlands">Annelies, Netherlands</a> '
            '<span class="marker new">New</span>') in contents


def test_publish_waits_for_an_earlier_draft(project: Path) -> None:
    assert run(project, "new", "edition", "--today", "2013-04-01").exit_code == 0
    six = project / "editions/006.yaml"
    before = six.read_bytes()
    refused = run(project, "publish", "6", "--today", "2013-04-01")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "error: edition 5 (editions/005.yaml) is still a draft: publish it first (`editions "
        "publish 5 6`), or give --out-of-order to publish edition 6 before it\n")
    assert six.read_bytes() == before

    result = run(project, "publish", "5", "6", "--today", "2013-04-01")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["edition 5 (editions/005.yaml)",
                                                      "edition 6 (editions/006.yaml)"]
    assert all("published and frozen" in line for line in lines)
    assert run(project, "check").exit_code == 0


def test_out_of_order_publishing_asks_for_a_reissue_of_the_later_edition(
        project: Path) -> None:
    assert run(project, "new", "edition", "--today", "2013-04-01").exit_code == 0
    result = run(project, "publish", "6", "--out-of-order", "--today", "2013-04-01")
    assert result.exit_code == 0, result.output
    late = run(project, "publish", "5", "--today", "2013-04-02")
    assert late.exit_code == 1
    assert late.stderr == (
        "error: edition 6 (editions/006.yaml) after it is already published: publishing "
        "edition 5 now changes what edition 6 marks new; give --out-of-order, then reissue "
        "edition 6\n")
    assert "status: draft\n" in (project / "editions/005.yaml").read_text(encoding="utf-8")
    result = run(project, "publish", "5", "--out-of-order", "--today", "2013-04-02")
    assert result.exit_code == 0, result.output
    check = run(project, "check")
    assert check.exit_code == 1
    problems = check.stderr.splitlines()[:-1]
    assert problems  # one for each passage whose New marker changed
    assert all("error: edition 6 (editions/006.yaml) is published and frozen; this change "
               "alters what it prints: " in line for line in problems)
    reissued = run(project, "publish", "--reissue", "--note", "edition 5 came out after it",
                   "--today", "2013-04-02")
    assert reissued.exit_code == 0, reissued.output
    assert reissued.stdout.splitlines()[-1] == (
        'reissued 1 edition (6) with the note "edition 5 came out after it"')
    assert run(project, "check").exit_code == 0


def test_publish_refuses_a_date_that_does_not_rise(project: Path) -> None:
    assert run(project, "publish", "5", "--today", "2013-06-01").exit_code == 0
    assert run(project, "new", "edition", "--today", "2013-06-01").exit_code == 0
    edit(project / "editions/006.yaml", "date: 2013-06-01", "date: 2012-10-01")
    assert run(project, "check").exit_code == 0  # a draft may share its day
    refused = run(project, "publish", "6", "--today", "2013-06-01")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "error: edition 6 is dated 2012-10-01, not after edition 5 (2012-10-01): published "
        "editions' dates rise with their numbers; change the date in editions/006.yaml\n")
    out_of_order = run(project, "publish", "6", "--out-of-order", "--today", "2013-06-01")
    assert out_of_order.stderr == refused.stderr


def test_check_refuses_published_editions_whose_dates_do_not_rise(project: Path) -> None:
    assert run(project, "publish", "5", "--today", "2013-06-01").exit_code == 0
    assert run(project, "new", "edition", "--today", "2013-06-01").exit_code == 0
    assert run(project, "publish", "6", "--today", "2013-06-01").exit_code == 0
    six = project / "editions/006.yaml"
    edit(six, "date: 2013-06-01", "date: 2012-10-01")
    check = run(project, "check")
    assert check.exit_code == 1
    assert check.stderr == (
        "editions/006.yaml:3:7: error: edition 6 is published and dated 2012-10-01, not after "
        "edition 5 (2012-10-01), published before it: published editions' dates rise with "
        "their numbers\n1 problem found\n")


def test_new_edition_with_nothing_new_writes_nothing(project: Path) -> None:
    assert run(project, "publish", "5", "--today", "2013-06-01").exit_code == 0
    assert run(project, "new", "edition", "--today", "2013-06-01").exit_code == 0
    assert run(project, "publish", "6", "--today", "2013-06-01").exit_code == 0
    result = run(project, "new", "edition", "--today", "2013-07-01")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: no testimony is new or updated since edition 6 (2013-06-01), the last "
        "published, by 2013-07-01: edition 7 would print nothing, so no file was written; add "
        "a testimony or an update first\n")
    assert sorted(p.name for p in (project / "editions").iterdir()) == [
        f"{n:03d}.yaml" for n in range(1, 7)]
    assert run(project, "check").exit_code == 0


def test_one_reissue_for_every_edition_a_correction_alters(project: Path) -> None:
    gitrepo.init(project)
    edit(project / MAUREY, OLD, NEW)
    assert run(project, "check").exit_code == 1
    diff = run(project, "diff")
    refused = re.findall(r"- \*\*Edition (\d+)\*\* \(editions/\d+\.yaml\): REFUSED until "
                         r"reissued", diff.stdout)
    assert refused == ["1", "3", "4"]

    result = run(project, "publish", "--reissue", "--note", NOTE, "--today", "2013-06-20")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert [line.split(":")[0] for line in lines[:3]] == [
        "edition 1 (editions/001.yaml)", "edition 3 (editions/003.yaml)",
        "edition 4 (editions/004.yaml)"]
    assert all(": reissued; " in line for line in lines[:3])
    assert lines[3] == f'reissued 3 editions (1, 3, 4) with the note "{NOTE}"'
    for number in (1, 3, 4):
        text = (project / f"editions/{number:03d}.yaml").read_text(encoding="utf-8")
        assert f"\nreissues:\n  - date: 2013-06-20\n    note: {NOTE}\nfrozen:\n" in text
    assert "reissues:" not in (project / "editions/002.yaml").read_text(encoding="utf-8")
    assert run(project, "check").exit_code == 0
    after = run(project, "diff")
    assert re.findall(r"- \*\*Edition (\d+)\*\* \(editions/\d+\.yaml\): reissued in this change",
                      after.stdout) == ["1", "3", "4"]
    nothing = run(project, "publish", "--reissue", "--note", NOTE)
    assert nothing.exit_code == 1
    assert nothing.stderr == (
        "error: no published edition prints anything other than what it printed when it was "
        "published: there is nothing to reissue\n")


def test_reissue_names_several_editions_and_writes_none_if_one_is_refused(
        project: Path) -> None:
    edit(project / MAUREY, OLD, NEW)
    files = {n: (project / f"editions/{n:03d}.yaml").read_bytes() for n in (1, 2, 3, 4)}
    refused = run(project, "publish", "1", "2", "--reissue", "--note", NOTE)
    assert refused.exit_code == 1
    assert refused.stderr == ("error: edition 2 prints what it printed when it was published: "
                              "there is nothing to reissue\n")
    assert {n: (project / f"editions/{n:03d}.yaml").read_bytes() for n in files} == files
    result = run(project, "publish", "1", "3", "4", "--reissue", "--note", NOTE)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        f'reissued 3 editions (1, 3, 4) with the note "{NOTE}"')
    assert run(project, "check").exit_code == 0


def test_publish_without_a_number_says_which_is_wanted(project: Path) -> None:
    result = run(project, "publish")
    assert result.exit_code == 1
    assert result.stderr == "error: say which edition to publish: `editions publish N`\n"


def stages(stderr: str) -> list[str]:
    """What -v said, with the times (which vary) as 'T s'."""
    return [re.sub(r"\b\d+\.\d\d s\b", "T s", line) for line in stderr.splitlines()]


def test_verbose_names_each_stage_with_its_time_and_counts(project: Path) -> None:
    result = run(project, "build", "-v", "--html-only")
    assert result.exit_code == 0, result.output
    site = project / "site"
    assert stages(result.stderr) == [
        "loaded 13 testimonies and 5 editions in T s",
        "checked them in T s: 0 errors, 0 warnings",
        "converted 46 Markdown texts of 17 pages in T s: 0 from the cache, 46 with pandoc",
        "rendered 5 editions in T s",
        "rendered 30 of the archive's 30 other pages and files in T s, carried over the rest",
        "indexed the pages for search in T s",
        f"wrote the site into {site}",
        f"wrote the drafts into {project / 'site-preview'}"]
    edit(project / "editions/005.yaml", "There is a wedding", "There is one wedding")
    again = run(project, "build", "-v", "--html-only")
    assert stages(again.stderr) == [
        "loaded 13 testimonies and 5 editions in T s",
        "checked them in T s: 0 errors, 0 warnings",
        "converted 46 Markdown texts of 17 pages in T s: 45 from the cache, 1 with pandoc",
        "carried over 4 editions from the last build: 1, 2, 3, 4",
        "rendered 1 edition in T s",
        "rendered 0 of the archive's 30 other pages and files in T s, carried over the rest",
        f"wrote the site into {site}",
        f"wrote the drafts into {project / 'site-preview'}"]


def test_very_verbose_names_each_file(project: Path) -> None:
    assert run(project, "build", "--html-only", "-q").exit_code == 0
    edit(project / "editions/005.yaml", "There is a wedding", "There is one wedding")
    result = run(project, "build", "-vv", "--html-only")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    loaded = [line for line in lines if line.startswith("loaded ") and line.endswith(".yaml")]
    assert len(loaded) == 18
    assert "loaded testimonies/maurey-usa.yaml" in loaded
    assert "loaded editions/005.yaml" in loaded
    assert "rendered editions/005/index.html" in lines
    carried = [line for line in lines if line.startswith("carried over editions/")]
    assert carried == [f"carried over editions/{n:03d}/index.html" for n in (1, 2, 3, 4)]
    assert "carried over index.html" in lines  # a draft is not in the archive
