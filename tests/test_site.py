"""The built site as readers get it: PDF text, pages, bookmarks, metadata; pages, links, archive."""

from __future__ import annotations

import gzip
import os
import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from editions.make.build import build

from .conftest import copy_sample, reissue_changed, run
from .pages import Page, outline, pdf_text
from .support import SAMPLE_PAGES, SAMPLE_PDFS, drafts_of, edit, every_page, site_links

PDF = "those-who-suffer-much-know-much-{:03d}.pdf"


def pdf(site: Path, number: int) -> Path:
    return site / "editions" / f"{number:03d}" / PDF.format(number)


def page(site: Path, number: int) -> Page:
    return Page(site / "editions" / f"{number:03d}" / "index.html")


# --- PDF ---------------------------------------------------------------------------------------


def test_pdf_cover_and_contents_with_page_numbers(built: Path) -> None:
    text = pdf_text(pdf(built, 3))
    cover = text[0]
    assert cover.startswith("Those who suffer much know much Edition 3 1 September 2010")
    assert "IN THIS EDITION" in cover  # set in capitals on the cover
    # every testimony is listed with the page it starts on, and that page starts it
    for name in ("Maurey, USA", "Tāne, New Zealand", "Joost, Netherlands"):
        # the name, its badge, spaced middle dots and the page number
        match = re.search(re.escape(name) + r"(?: (?:UPDATED|NEW))?[ ·]*(\d+)", cover)
        assert match, name
        assert name in text[int(match.group(1)) - 1]


def test_pdf_pages_have_running_footers(built: Path) -> None:
    text = pdf_text(pdf(built, 3))
    count = len(text)
    assert 5 <= count <= 12
    assert "Edition 3 · page 1 of" not in text[0]  # the cover has no footer
    for number in range(2, count + 1):
        assert f"Edition 3 · page {number} of {count}" in text[number - 1]


def test_pdf_bookmarks(built: Path) -> None:
    marks = outline(pdf(built, 1))
    assert marks == [
        "In this edition",
        "From the editor",
        "Maurey, USA", ["Update – July 2008 – 1 year on LDN"],
        "Audrey, UK", ["Update – June 2008 – Update from Audrey"],
        "Hannelore, Germany",
        "Zoë, Australia",
        "References",
    ]


def test_pdf_metadata_and_fonts(built: Path) -> None:
    reader = PdfReader(pdf(built, 2))
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Edition 2, 1 June 2009 · Those who suffer much know much"
    assert meta.author == "The LDN Letters Project"
    assert meta["/CreationDate"].startswith("D:20090601")
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    fonts = {}
    for p in reader.pages:
        for font in p["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts[str(font["/BaseFont"]).split("+")[-1]] = "/FontFile2" in descriptor
    assert fonts, "no fonts"
    assert all(fonts.values()), f"not embedded: {fonts}"
    assert set(fonts) >= {"Source-Serif", "Source-Sans-Bold"}


def test_pdf_prints_updates_as_of_the_edition_date(built: Path) -> None:
    later_update = "Two years. I had one wobble last winter"
    assert later_update not in " ".join(pdf_text(pdf(built, 1)))
    assert later_update in " ".join(pdf_text(pdf(built, 3)))


def test_pdf_numbers_references(built: Path) -> None:
    text = " ".join(pdf_text(pdf(built, 1)))
    assert "multiple sclerosis [1]" in text
    assert "References 1. Agrawal YP. Low dose naltrexone therapy in multiple sclerosis." in text


def test_draft_pdf_says_draft(built: Path) -> None:
    assert pdf_text(pdf(drafts_of(built), 5))[0].startswith("DRAFT – NOT YET PUBLISHED")


# --- edition pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_edition_page_structure(built: Path, number: int) -> None:
    p = page(built if number != 5 else drafts_of(built), number)
    articles = p.find_all("article", class_="testimony")
    toc = [link for link in p.links if link.startswith("#")]
    assert articles
    for article in articles:
        assert f"#{article['id']}" in toc
    assert p.text.count("Back to top") == len(articles)
    assert p.find_all("nav", id="contents")
    assert p.find_all("h1")[0] is not None
    assert p.links.count("#top") == len(articles)


def test_edition_page_markers_and_labels(built: Path) -> None:
    text = page(built, 3).text
    assert "Update – September 2009 – 2 years on LDN New" in text
    assert "Update – July 2008 – 1 year on LDN New" not in text
    assert "Tāne, New Zealand New" in text


def test_edition_page_links_its_pdf_with_its_size(built: Path) -> None:
    p = page(built, 2)
    size = pdf(built, 2).stat().st_size
    assert PDF.format(2) in p.links
    assert f"Download the PDF ({round(size / 1024)} KB)" in p.text


# --- archive -----------------------------------------------------------------------------------


def test_archive_lists_published_editions_newest_first(built: Path) -> None:
    archive = Page(built / "index.html")
    cards = re.findall(r"Edition (\d) (\d+ \w+ \d{4}) · (\d) testimonies", archive.text)
    assert cards == [("4", "1 November 2011", "8"), ("3", "1 September 2010", "7"),
                     ("2", "1 June 2009", "4"), ("1", "1 August 2008", "4")]
    assert "editions/005/index.html" not in archive.links  # the draft is built, not listed
    assert (drafts_of(built) / "editions/005/index.html").is_file()
    for number in (1, 2, 3, 4):
        link = f"editions/{number:03d}/{PDF.format(number)}"
        assert link in archive.links
        size = (built / link).stat().st_size
        assert f"({round(size / 1024)} KB)" in archive.text


# Sentences only the draft, edition 5, prints: its introduction and Annelies's story (she is
# new in it and in no published edition).
DRAFT_ONLY = ("a little more Dutch", "I never thought I would be one of them")


def test_no_draft_page_pdf_or_text_is_anywhere_in_the_site(built: Path) -> None:
    """Uploading site/ publishes no draft: no file of it, no link to it, none of its words."""
    walked = indexed = searched = books = 0
    for folder, _, names in os.walk(built):
        for name in names:
            path = Path(folder) / name
            relative = path.relative_to(built).as_posix()
            walked += 1
            assert not relative.startswith("editions/005"), relative
            if relative.startswith("pagefind/"):
                indexed += 1
            if path.suffix == ".pdf":
                text = " ".join(pdf_text(path))
                assert not re.search(r"\bdraft\b", text, re.IGNORECASE), relative
            elif path.suffix == ".epub":
                with zipfile.ZipFile(path) as book:
                    text = " ".join(book.read(n).decode() for n in book.namelist()
                                    if n.endswith((".xhtml", ".opf", ".ncx")))
                assert not re.search(r"\bdraft\b", text, re.IGNORECASE), relative
                books += 1
            elif path.suffix == ".pf_fragment":  # what a search result shows of a page
                text = gzip.decompress(path.read_bytes()).decode()
                assert "editions/005" not in text, relative
                searched += 1
            elif path.suffix in (".html", ".xml", ".json"):
                text = path.read_text(encoding="utf-8")
                assert "editions/005" not in text, relative
                assert "draft-banner" not in text, relative
            else:
                continue  # fonts and style sheets
            assert not [s for s in DRAFT_ONLY if s in text], relative
    # 18 pages, 8 PDFs (standard and large print), 4 EPUBs, the feed, 5 style sheets and the
    # search's script, 9 fonts, the manifest and the search index, whose fragments are the 4
    # editions' and 12 testimonies'
    assert walked == SAMPLE_PAGES + SAMPLE_PDFS + 4 + 1 + 6 + 9 + 1 + indexed
    assert (searched, books) == (16, 4)
    drafts = drafts_of(built)
    draft = page(drafts, 5)
    assert all(s in draft.text for s in DRAFT_ONLY)
    assert "Draft – not yet published" in draft.text
    assert pdf_text(pdf(drafts, 5))[0].startswith("DRAFT – NOT YET PUBLISHED")
    assert PDF.format(5) in draft.links


def test_archive_whats_new(built: Path) -> None:
    archive = Page(built / "index.html")
    block = archive.text.split("What’s new", 1)[1].split("All editions", 1)[0]
    assert block.startswith(" Edition 4, 1 November 2011")
    assert "Ellen, USA New" in block
    assert "Maurey, USA Updated 4 years on LDN" in block
    assert "editions/004/index.html#ellen-usa" in archive.links


def test_every_link_in_the_site_resolves(built: Path) -> None:
    followed, broken = site_links(built)
    assert broken == []
    assert followed > 100


def test_no_script_reaches_a_page_but_the_search(built: Path) -> None:
    """The one script is the archive's search, the tool's own file, on the archive, the list of
    testimonies and each testimony page; no edition page has one, nor any inline script."""
    searched = 0
    for path in every_page(built):
        p = Page(path)
        scripts = p.find_all("script")
        if path.parent.name == "editions" or "editions" in path.parts:
            assert scripts == [], path
        else:
            root = "../" if path.parent.name == "testimonies" else ""
            assert [dict(s) for s in scripts] == [
                {"type": "module", "src": f"{root}assets/search.js"}], path
            assert p.find_all("section", class_="site-search")[0]["data-pagefind-ignore"] == "all"
            searched += 1
        for _, attributes in p.tags:
            assert not [name for name in attributes if name.startswith("on")], path
        assert not [link for link in p.links if link.lower().startswith(("javascript:", "data:"))]
    assert searched == SAMPLE_PAGES - 4  # all but the 4 published editions' pages


# --- the build as a whole ----------------------------------------------------------------------


@pytest.mark.slow
def test_same_input_same_bytes_whatever_the_jobs(built: Path, tmp_path: Path) -> None:
    again = copy_sample(tmp_path / "again")
    build(again, use_cache=False, jobs=1)  # `built` was laid out by two worker processes
    first = {p.relative_to(built): p.read_bytes() for p in built.rglob("*") if p.is_file()}
    second = {p.relative_to(again / "site"): p.read_bytes()
              for p in (again / "site").rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert len([k for k in first if k.suffix == ".pdf"]) == SAMPLE_PDFS
    # Pagefind's search index too: the same pages give the same bytes
    assert len([k for k in first if k.parts[0] == "pagefind"]) > 10
    assert [k for k in first if first[k] != second[k]] == []
    drafts = drafts_of(built)
    first = {p.relative_to(drafts): p.read_bytes() for p in drafts.rglob("*") if p.is_file()}
    second = {p.relative_to(drafts_of(again / "site")): p.read_bytes()
              for p in drafts_of(again / "site").rglob("*") if p.is_file()}
    assert first == second
    assert len([k for k in first if k.suffix == ".pdf"]) == 2  # the draft's two


def test_failed_build_keeps_the_site(project: Path) -> None:
    assert run(project, "build", "--html-only").exit_code == 0
    before = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    (project / "templates" / "edition.html").write_text("{% for %}")
    result = run(project, "build")
    assert result.exit_code == 1
    assert result.stderr == ("templates/edition.html:1:1: error: template: Expected an "
                             "expression, got 'end of statement block'\n1 problem found\n")
    after = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    assert before == after
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".site")) == [
        ".site.lock"]


@pytest.mark.slow
def test_build_one_edition_refreshes_the_archive(project: Path) -> None:
    result = run(project, "build", "1", "2")
    assert result.exit_code == 0, result.output
    # the archive links every edition: those never built are built too, and said so
    assert result.stderr == ("warning: editions 3 and 4 are not in the site yet and its "
                             "pages link them: built them too\n")
    site = project / "site"
    first_pdf = pdf(site, 1).stat().st_ino
    edit(project / "editions" / "005.yaml", "a little more Dutch", "a little more Irish")
    result = run(project, "build", "5")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("built 1 edition (1 PDF, ")
    assert result.stderr == ""
    assert pdf(site, 1).stat().st_ino == first_pdf  # kept, not rebuilt
    assert "a little more Irish" in (drafts_of(site) / "editions/005/index.html").read_text()
    assert "editions/003/index.html" in Page(site / "index.html").links


def test_unknown_edition_number(project: Path) -> None:
    result = run(project, "build", "9")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: no edition 9 (editions/009.yaml); the editions are: 1, 2, 3, 4, 5\n")


def test_paper_size_comes_from_the_settings(project: Path) -> None:
    settings = project / "publication.yaml"
    settings.write_text(settings.read_text().replace("paper: A4", "paper: Letter"))
    reissue_changed(project, "printed on Letter paper")
    assert run(project, "build", "1").exit_code == 0
    box = PdfReader(pdf(project / "site", 1)).pages[1].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


@pytest.mark.slow
def test_pdf_keeps_long_words_tables_and_footnotes_on_the_page(project: Path) -> None:
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3
    testimony = (project / "testimonies" / "annelies-netherlands.yaml")
    testimony.write_text(testimony.read_text().replace(
        "  But I'm working, I'm cycling again, and I'm glad.\n",
        f"  But I'm working, I'm cycling again, and I'm glad.\n\n  A word: {word}.\n\n"
        "  | dose | month |\n  |------|-------|\n  | 4.5 mg | June |\n\n"
        "  A note.[^1]\n\n  [^1]: The text of the note.\n"))
    result = run(project, "build", "5")
    assert result.exit_code == 0, result.output
    lines = [line for p in PdfReader(pdf(project / "site-preview", 5)).pages
             for line in (p.extract_text() or "").splitlines()]
    text = "".join(lines)
    # Broken across lines, not run off the page's edge in one piece
    assert word in text
    assert not any(word in line for line in lines)
    assert "4.5 mg" in text
    assert "The text of the note." in text
    assert "↩" not in text  # the web page's way back to the note means nothing on paper
