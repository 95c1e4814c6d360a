"""Consent: a withdrawn testimony leaves every page, PDF and listing; the editions say so."""

from __future__ import annotations

from pathlib import Path

import pytest

from editions.load.archive import load_archive
from editions.make.build import build

from .conftest import copy_sample
from .pages import Page, outline, pdf_text
from .support import check_errors, drafts_of, edit, site_files

PDF = "editions/001/those-who-suffer-much-know-much-001.pdf"
# Sentences only Maurey's story and updates hold, and what identifies the testimony.
MAUREY = ("an MRI that lit up like a Christmas tree", "Still no relapse", "Maurey",
          "maurey-usa", "maurey")


@pytest.fixture(scope="module")
def withdrawn_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with Maurey's consent withdrawn after edition 4, edition 1 built with its PDF."""
    root = copy_sample(tmp_path_factory.mktemp("consent") / "publication")
    edit(root / "testimonies/maurey-usa.yaml", "  given: 2008-02-15",
         "  given: 2008-02-15\n  withdrawn: 2012-01-10")
    build(root, None, [1])
    build(root, None, [3, 4], html_only=True)
    return root / "site"


def test_the_archive_knows_who_withdrew(project: Path) -> None:
    edit(project / "testimonies/maurey-usa.yaml", "  given: 2008-02-15",
         "  given: 2008-02-15\n  withdrawn: 2012-01-10")
    archive = load_archive(project)
    assert archive.withdrawn == {"maurey-usa"}
    assert archive.testimonies["maurey-usa"].is_withdrawn
    assert sum(t.is_withdrawn for t in archive.testimonies.values()) == 1


def test_no_page_holds_anything_of_the_testimony(withdrawn_site: Path) -> None:
    # the 4 published editions (a partial build builds those the site lacks, but not the draft,
    # which nothing links), the archive, the list and the 11 testimony pages left
    assert not drafts_of(withdrawn_site).exists()
    for path in site_files(withdrawn_site, "*.html", 17):
        html = path.read_text(encoding="utf-8")
        if path.parts[-2:] in (("003", "index.html"), ("004", "index.html")):
            # the editor's introductions still name Maurey: check warns (see below)
            html = html.split('<article class="intro"')[0] + html.split("</article>", 1)[1]
        html = html.replace("Maurey’s letters in this newsletter", "")  # Pádraig's story
        for text in MAUREY:
            assert text not in html, f"{path}: {text}"


def test_the_pdf_holds_nothing_of_it(withdrawn_site: Path) -> None:
    text = " ".join(pdf_text(withdrawn_site / PDF))
    for sentence in MAUREY:
        assert sentence not in text
    assert "Testimony withdrawn This testimony was withdrawn at the contributor’s request." in text
    assert outline(withdrawn_site / PDF)[:4] == [
        "In this edition", "From the editor", "Testimony withdrawn", "Audrey, UK"]


def test_the_edition_says_when_and_why_it_was_revised(withdrawn_site: Path) -> None:
    revised = "Revised on 10 January 2012: a testimony was withdrawn at the contributor’s request."
    assert revised in Page(withdrawn_site / "editions/001/index.html").text
    assert revised in pdf_text(withdrawn_site / PDF)[0]
    archive = Page(withdrawn_site / "index.html").text
    assert archive.count(revised) == 3  # editions 1, 3 and 4
    assert "Edition 1 1 August 2008 · 3 testimonies Revised on 10 January 2012" in archive


def test_contents_and_whats_new_leave_it_out(withdrawn_site: Path) -> None:
    page = Page(withdrawn_site / "editions/001/index.html")
    contents = page.text.split("In this edition", 1)[1].split("From the editor", 2)[1]
    assert contents.startswith(" Testimony withdrawn Audrey, UK")
    assert "#withdrawn-1" in page.links
    news = Page(withdrawn_site / "index.html").text.split("What’s new", 1)[1]
    assert "Updated 4 years on LDN" not in news.split("All editions")[0]


def test_check_warns_where_other_text_still_names_them(project: Path) -> None:
    edit(project / "testimonies/maurey-usa.yaml", "  given: 2008-02-15",
         "  given: 2008-02-15\n  withdrawn: 2012-01-10")
    edit(project / "editions/001.yaml", "  - audrey-uk", "  - audrey-uk\n  - nobody-here")
    assert [line for line in check_errors(project) if "warning" in line] == [
        "editions/003.yaml:7:44: warning: names 'Maurey', whose testimony (maurey-usa) was "
        "withdrawn on 2012-01-10: reword it, every page built shows this text",
        "editions/004.yaml:14:27: warning: names 'Maurey', whose testimony (maurey-usa) was "
        "withdrawn on 2012-01-10: reword it, every page built shows this text",
        "testimonies/padraig-ireland.yaml:20:23: warning: names 'Maurey', whose testimony "
        "(maurey-usa) was withdrawn on 2012-01-10: reword it, every page built shows this text",
    ]
