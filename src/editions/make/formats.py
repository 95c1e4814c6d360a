"""Formats: an edition's page also as a large-print PDF and an EPUB 3, beside the standard PDF."""

from __future__ import annotations

import base64
import html as html_escape
import io
import logging
import mimetypes
import re
import subprocess
import textwrap
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from editions.errors import EditionsError
from editions.i18n import N_
from editions.make.addresses import format_path, page_path
from editions.model import EXTRA_FORMATS

if TYPE_CHECKING:
    from editions.make.assemble import EditionView
    from editions.make.incremental import BuiltEdition
    from editions.make.markdown import PageText
    from editions.make.render import Renderer
    from editions.make.workers import PdfResult
    from editions.model import Settings

log = logging.getLogger(__name__)

# Layered on print.css by the large-print PDF only: the same page, in larger type.
LARGE_PRINT_CSS = "large-print.css"
# Replaces pandoc's own style sheet in every EPUB.
EPUB_CSS = "epub.css"


def large_print_html(html: str, page: str) -> str:
    """The edition's page with the large-print style sheet after its own: the same HTML,
    so the cover, contents, bookmarks, tags and metadata are the standard PDF's."""
    root = "../" * page.count("/")
    link = f'<link rel="stylesheet" href="{root}assets/{LARGE_PRINT_CSS}" media="print">\n'
    if "</head>" not in html:
        raise EditionsError(f"{page}: the edition's template has no </head>, so the large "
                            "print cannot add its style sheet")
    return html.replace("</head>", link + "</head>", 1)


@dataclass(frozen=True)
class EpubSource:
    """What an edition's EPUB is made from: its EPUB page (epub.html) and its metadata."""

    html: str
    title: str
    edition: str  # "Edition 4"
    date_text: str  # "1 August 2008"
    date: str  # YYYY-MM-DD: the edition's date
    modified: str  # YYYY-MM-DD: its last revision's date, else its date
    language: str
    identifier: str  # a URN that stays the edition's from build to build
    publisher: str
    description: str
    summary: str  # the accessibility summary, in the publication's language
    cover_alt: str


# What the EPUB offers a reader who cannot see it, in schema.org's words (EPUB Accessibility 1.1).
ACCESS_MODES = ("textual", "visual")
SUFFICIENT = ("textual",)
FEATURES = ("tableOfContents", "readingOrder", "structuralNavigation", "alternativeText",
            "displayTransformability")
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"


def render_epub(source: EpubSource, files: Mapping[str, bytes], pandoc: str) -> bytes:
    """The edition as an EPUB 3 by pandoc's writer, the same bytes from the same source."""
    command = [pandoc, "+RTS", "-M2g", "-RTS", "--sandbox", "--from", "html", "--to", "epub3",
               "--split-level=2", "--toc-depth=2", "--epub-title-page=false",
               *_metadata(source), "--output", "-"]
    try:
        proc = subprocess.run(command, input=_with_pictures(source.html, files).encode(),
                              capture_output=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise EditionsError(f"pandoc could not run: {err}") from None
    if proc.returncode != 0:
        raise EditionsError("pandoc failed to write the EPUB: "
                            + proc.stderr.decode(errors="replace").strip())
    return _finished(proc.stdout, source, files.get(f"assets/{EPUB_CSS}", b""))


def _metadata(source: EpubSource) -> list[str]:
    pairs = [("title", source.title), ("subtitle", f"{source.edition}, {source.date_text}"),
             ("lang", source.language), ("identifier", source.identifier),
             ("date", source.date), ("publisher", source.publisher),
             ("creator", source.publisher), ("description", source.description),
             ("rights", source.publisher),
             *(("accessModes", mode) for mode in ACCESS_MODES),
             *(("accessModeSufficient", mode) for mode in SUFFICIENT),
             *(("accessibilityFeatures", feature) for feature in FEATURES),
             ("accessibilityHazards", "none"), ("accessibilitySummary", source.summary)]
    # a key given again makes a list
    return [f"--metadata={key}={value}" for key, value in pairs]


def _with_pictures(html: str, files: Mapping[str, bytes]) -> str:
    """The page with each picture inside it as a data address: pandoc's sandbox reads no
    file, and the EPUB carries the picture itself."""
    def inline(match: re.Match[str]) -> str:
        path = html_escape.unescape(match.group(1))
        data = files.get(path)
        if data is None:
            raise EditionsError(f"the EPUB's page shows {path}, which the site does not have")
        mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return f'src="data:{mime};base64,{base64.b64encode(data).decode()}"'

    return re.sub(r'src="(images/[^"]+)"', inline, html)


def _finished(epub: bytes, source: EpubSource, css: bytes) -> bytes:
    """Pandoc's EPUB with the edition's dates, its cover, our style sheet and the
    conformance it claims, zipped again with fixed times."""
    when = _zip_time(source.date)
    members: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(epub)) as original:
        for info in original.infolist():
            members[info.filename] = original.read(info)
    opf = members["EPUB/content.opf"].decode()
    opf = re.sub(r'<meta property="dcterms:modified">[^<]*</meta>',
                 f'<meta property="dcterms:modified">{source.modified}T00:00:00Z</meta>'
                 f'\n    <meta property="dcterms:conformsTo">{CONFORMS_TO}</meta>'
                 f'\n    <meta property="a11y:certifiedBy">{_xml(source.publisher)}</meta>', opf)
    opf = opf.replace(
        "<manifest>", '<manifest>\n    <item id="cover_svg" href="media/cover.svg" '
        'media-type="image/svg+xml" properties="cover-image" />\n    <item id="cover_xhtml" '
        'href="text/cover.xhtml" media-type="application/xhtml+xml" />', 1)
    opf = re.sub(r"<spine([^>]*)>", r'<spine\1>\n    <itemref idref="cover_xhtml" />', opf, count=1)
    members["EPUB/content.opf"] = opf.encode()
    members["EPUB/media/cover.svg"] = cover_svg(source).encode()
    members["EPUB/text/cover.xhtml"] = _cover_page(source).encode()
    if css:
        for name in members:
            if name.startswith("EPUB/styles/") and name.endswith(".css"):
                members[name] = css
    # Apple's display options file is not part of EPUB 3; EPUBCheck lets it be.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as packed:
        # the mimetype first and stored, as the OCF container requires
        packed.writestr(zipfile.ZipInfo("mimetype", when), b"application/epub+zip",
                        compress_type=zipfile.ZIP_STORED)
        for name in sorted(n for n in members if n != "mimetype"):
            info = zipfile.ZipInfo(name, when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            packed.writestr(info, members[name], compresslevel=9)
    return out.getvalue()


def _zip_time(date: str) -> tuple[int, int, int, int, int, int]:
    year, month, day = (int(part) for part in date.split("-"))
    return (max(year, 1980), month, day, 0, 0, 0)  # a zip cannot say a year before 1980


def _xml(text: str) -> str:
    return html_escape.escape(text, quote=True)


# The cover's colours are the printed cover's (print.css): white on deep teal.
COVER_WIDTH, COVER_HEIGHT = 1200, 1600


def cover_svg(source: EpubSource) -> str:
    """The EPUB's cover picture: the publication's title, the edition and its date."""
    lines = textwrap.wrap(source.title, 18) or [source.title]
    title = "".join(f'<tspan x="110" dy="{0 if i == 0 else 118}">{_xml(line)}</tspan>'
                    for i, line in enumerate(lines))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{COVER_WIDTH}" height="{COVER_HEIGHT}" '
        f'viewBox="0 0 {COVER_WIDTH} {COVER_HEIGHT}" role="img" '
        f'aria-label="{_xml(source.cover_alt)}">'
        f'<rect width="{COVER_WIDTH}" height="{COVER_HEIGHT}" fill="#1d5c57"/>'
        '<g fill="#ffffff" font-family="Source Serif, Georgia, serif">'
        f'<text y="380" font-size="104" font-weight="700">{title}</text>'
        f'<text x="110" y="{460 + 118 * len(lines)}" font-size="64" '
        f'font-family="Source Sans, Arial, sans-serif" font-weight="600">'
        f'{_xml(source.edition)}</text>'
        f'<text x="110" y="{550 + 118 * len(lines)}" font-size="48" fill="#d8ebe8" '
        f'font-family="Source Sans, Arial, sans-serif">{_xml(source.date_text)}</text>'
        f'<text x="110" y="{COVER_HEIGHT - 120}" font-size="40" fill="#d8ebe8" '
        f'font-family="Source Sans, Arial, sans-serif">{_xml(source.publisher)}</text>'
        "</g></svg>\n")


def _cover_page(source: EpubSource) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" '
        f'lang="{source.language}" xml:lang="{source.language}">\n'
        '<head>\n<meta charset="utf-8" />\n'
        f'<title>{_xml(source.title)}</title>\n'
        '<style>body { margin: 0; text-align: center; } img { max-width: 100%; '
        'max-height: 100vh; }</style>\n</head>\n<body epub:type="cover">\n'
        f'<img role="doc-cover" src="../media/cover.svg" alt="{_xml(source.cover_alt)}" />\n'
        "</body>\n</html>\n")


# --- in the build: what the workers are given, and what the site then records ---------------


def epub_source(renderer: Renderer, view: EditionView, text: PageText) -> EpubSource:
    """What edition `view`'s EPUB is made from, in the publication's language."""
    import uuid

    settings, words = renderer.settings, renderer.words
    summary = renderer.summary(view)
    edition = words.gettext("Edition %(number)s") % {"number": view.number}
    revised = [r["date"] for r in summary["revisions"]]
    page = settings.site_url + page_path(view.number)
    return EpubSource(
        html=renderer.epub_page(view, text), title=summary["title"], edition=edition,
        date_text=summary["date_text"], date=summary["date"],
        modified=max([summary["date"], *revised]), language=settings.language,
        # the same address gives the same identifier on every machine, build after build
        identifier=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, page)}",
        publisher=settings.publisher,
        description="; ".join(p.heading for p in view.testimonies if not p.withdrawn),
        summary=words.gettext(EPUB_SUMMARY),
        cover_alt=f"{summary['title']}: {edition}, {summary['date_text']}")


EPUB_SUMMARY = N_("The text of one edition of the newsletter, with headings, a table of "
                  "contents, numbered references linked from the text and a text alternative for "
                  "every picture. It follows the order of the printed edition.")


def entry_for(key: str, settings: Settings, result: PdfResult, page: str,
              page_size: int) -> BuiltEdition:
    """The manifest's entry for an edition whose formats `result` holds."""
    number = result.number
    others = result.others

    def path(kind: str) -> str | None:
        return format_path(settings, kind, number) if kind in others else None

    from editions.make.incremental import BuiltEdition

    return BuiltEdition(
        key=key, page=page, page_size=page_size,
        pdf=format_path(settings, "pdf", number) if result.pdf is not None else None,
        pdf_size=len(result.pdf) if result.pdf is not None else None,
        pdf_pages=result.pages if result.pdf is not None else None,
        large_print=path("large-print"),
        large_print_size=len(others["large-print"]) if "large-print" in others else None,
        large_print_pages=result.other_pages.get("large-print"),
        epub=path("epub"), epub_size=len(others["epub"]) if "epub" in others else None)


def other_files(settings: Settings, result: PdfResult) -> tuple[tuple[str, bytes], ...]:
    """The large-print PDF and the EPUB of a result, each with its path in the site."""
    return tuple((format_path(settings, kind, result.number), result.others[kind])
                 for kind in EXTRA_FORMATS if kind in result.others)


def other_sizes(entries: Mapping[int, BuiltEdition]) -> dict[int, dict[str, int]]:
    """The size of each edition's large-print PDF and EPUB, for the pages that link them."""
    return {number: {kind: size for kind, (_, size) in entry.made().items()
                     if kind in EXTRA_FORMATS and size is not None}
            for number, entry in entries.items()}


def describe(result: PdfResult) -> str:
    """What a worker made of one edition, with the time each format took."""
    seconds = result.seconds
    parts = []
    if result.pdf is not None:
        parts.append(f"the PDF, {result.pages} pages ({seconds.get('pdf', 0):.2f} s)")
    if "large-print" in result.others:
        parts.append(f"the large print, {result.other_pages.get('large-print', 0)} pages "
                     f"({seconds.get('large-print', 0):.2f} s)")
    if "epub" in result.others:
        parts.append(f"the EPUB, {len(result.others['epub'])} bytes "
                     f"({seconds.get('epub', 0):.2f} s)")
    return ", ".join(parts) or "no other format"
