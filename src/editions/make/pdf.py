"""PDF: WeasyPrint lays out an edition's page with its print CSS, fetching only our own assets."""

from __future__ import annotations

import logging
import mimetypes
import shutil
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

from editions.errors import EditionsError
from editions.make.weasy import load_weasyprint

log = logging.getLogger(__name__)

# Pages are laid out as if served from this origin; nothing else can be fetched.
SITE_ORIGIN = "https://site.editions.invalid/"


def _fetcher_class() -> Any:
    load_weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SiteFetcher(URLFetcher):  # type: ignore[misc]
        """Serves the build's own files from memory and refuses every other address."""

        def __init__(self, files: Mapping[str, bytes]) -> None:
            super().__init__(timeout=5, allowed_protocols=("https",))
            self.files = files

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith(SITE_ORIGIN):
                log.warning("pdf: refused to fetch %s", url[:200])
                raise ValueError(f"fetching {url[:200]} is not allowed")
            path = unquote(urlsplit(url).path).lstrip("/")
            if path not in self.files:
                log.warning("pdf: no such file in the site: %s", path)
                raise ValueError(f"no file {path} in the site")
            mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, self.files[path], {"Content-Type": mime})

    return SiteFetcher


def render_pdf(html: str, page: str, files: Mapping[str, bytes]) -> tuple[bytes, int]:
    """The PDF of one page of the site and its page count.

    `page` is the page's path in the site and `files` maps site paths to the assets it may use.
    """
    load_weasyprint()
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    use_one_font_subsetter()
    use_page_references_once()
    use_artifact_margins()
    fetcher = _fetcher_class()(files)
    fonts = FontConfiguration()
    try:
        with _failures_stop(page):
            document = HTML(string=html, base_url=SITE_ORIGIN + page, url_fetcher=fetcher,
                            media_type="print").render(font_config=fonts)
            # PDF/UA-1: tagged, so screen readers and reflowing viewers read it in order
            pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1", finisher=_printable_links)
    finally:
        _remove_font_folder(fonts)
    return pdf, len(document.pages)


def _remove_font_folder(fonts: Any) -> None:
    """Remove the folder WeasyPrint copies a document's @font-face fonts into (2 MB).

    WeasyPrint removes it when its FontConfiguration is collected, which a worker process
    never lives to see (it ends with os._exit): every PDF left one under the system's
    temporary folder, 200 MB for an archive of a hundred editions.
    """
    folder = getattr(fonts, "_folder", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        fonts._folder = None


# Tables WeasyPrint drops from every embedded font (as its own HarfBuzz subsetter does).
_DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF",
                   b"LTSH", b"PCLT", b"SVG ")
# What fontTools writes as a font's modification time when WeasyPrint saves one through it
# (variable and colour fonts): the clock would make every build's PDF differ.
FONT_TIMESTAMP = 0


def use_one_font_subsetter() -> None:
    """Subset every embedded font the same way on every machine, whatever it has installed.

    WeasyPrint subsets with the system's HarfBuzz-subset library where there is one and with
    fontTools elsewhere; the two give different PDFs, and fontTools writes the clock into each
    font. Both are replaced by HarfBuzz from the `uharfbuzz` wheel, with the flags and the
    two passes of WeasyPrint's own HarfBuzz subsetter: the same bytes on any machine, and as
    fast as the system library. Idempotent; called in every process that lays out a PDF.
    """
    load_weasyprint()
    from fontTools.ttLib.tables import _h_e_a_d
    from weasyprint.pdf import fonts

    if fonts.Font.subset is _subset:
        return
    if not callable(getattr(fonts.Font, "subset", None)):
        raise EditionsError("this WeasyPrint has no Font.subset to replace: install the "
                            "version pyproject.toml asks for")
    _h_e_a_d.timestampNow = lambda: FONT_TIMESTAMP
    fonts.Font.subset = _subset


def use_page_references_once() -> None:
    """Make pydyf list a PDF's page references once per page added, not once per use.

    WeasyPrint asks for the whole list for every tagged element and every link, and pydyf
    builds it anew each time: the write grows with pages × elements (15,000 lists of 181
    pages for one edition of 300 letters). The list is the same; only the work goes.
    """
    import pydyf

    if isinstance(pydyf.PDF.__dict__.get("page_references"), _ListedOnce):
        return
    pydyf.PDF.page_references = _ListedOnce()


def use_artifact_margins() -> None:
    """Draw the page margins' running footers as artifacts, outside the structure tree.

    WeasyPrint marks their text as content (`/Span` with an MCID) and then leaves it out of
    the tree, so a screen reader meets text that belongs nowhere; PDF/UA-1 wants page
    furniture marked `/Artifact`. Idempotent; called in every process that lays out a PDF.
    """
    from weasyprint import draw
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import tags

    if getattr(draw.draw_stacking_context, "_artifact_margins", False):
        return
    drawn, built = draw.draw_stacking_context, tags._build_box_tree

    def draw_stacking_context(stream: Any, context: Any) -> None:
        if not isinstance(context.box, boxes.MarginBox) or stream._tags is None:
            drawn(stream, context)
            return
        with stream.artifact():
            marks, stream._tags = stream._tags, None  # nothing inside is marked as content
            try:
                drawn(stream, context)
            finally:
                stream._tags = marks

    def build_box_tree(box: Any, *args: Any) -> Iterator[Any]:
        if isinstance(box, boxes.MarginBox):
            return iter(())  # drawn as an artifact: no element, no marked content
        return built(box, *args)  # type: ignore[no-any-return]

    draw_stacking_context._artifact_margins = True  # type: ignore[attr-defined]
    draw.draw_stacking_context = draw_stacking_context
    tags._build_box_tree = build_box_tree


def _printable_links(document: Any, pdf: Any) -> None:
    """Give every link annotation the Print flag, as PDF/UA-1 (and PDF/A) ask of each
    annotation: WeasyPrint sets it on form fields only."""
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Subtype") == "/Link":
            obj["F"] = 1 << (3 - 1)


class _ListedOnce:
    """pydyf.PDF.page_references, listed again only when a page has been added since."""

    def __get__(self, pdf: Any, owner: type | None = None) -> tuple[bytes, ...]:
        kids = pdf.pages["Kids"]
        listed = pdf.__dict__.get("_listed_page_references")
        if listed is None or listed[0] != len(kids):
            listed = (len(kids), tuple(f"{number} 0 R".encode("ascii")
                                       for number in kids[::3]))
            pdf.__dict__["_listed_page_references"] = listed
        references: tuple[bytes, ...] = listed[1]
        return references


def _subset(font: Any, to_unicode: Mapping[int, Any], hinting: bool) -> None:
    """Keep only the glyphs a document uses (`to_unicode`'s ids), ids unchanged."""
    import uharfbuzz as hb

    if not to_unicode:
        return
    face = hb.Face(hb.Blob(font.file_content), font.index)
    wanted = hb.SubsetInput()
    wanted.glyph_set.update(sorted(to_unicode))
    for tag in _DROPPED_TABLES:
        wanted.drop_table_tag_set.add(int.from_bytes(tag, "big"))
    notdef = hb.SubsetFlags.NOTDEF_OUTLINE if font.missing else hb.SubsetFlags.DEFAULT
    wanted.flags = (hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
                    | hb.SubsetFlags.DESUBROUTINIZE | notdef)
    try:
        used = hb.subset(face, wanted)
        # Second pass: the empty glyphs after the last one used are dropped.
        wanted.glyph_set.add_range(0, max(to_unicode))
        wanted.flags = (hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED | hb.SubsetFlags.DESUBROUTINIZE
                        | notdef | (hb.SubsetFlags.DEFAULT if hinting
                                    else hb.SubsetFlags.NO_HINTING))
        data = bytes(hb.subset(used, wanted).blob.data)
    except RuntimeError:
        data = b""
    if data:
        font.file_content = data
    else:
        log.warning("pdf: unable to subset the font %s; it is embedded whole", font.family)


class _Failures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        # its other errors (PDF/UA's rules) leave nothing out
        if message.startswith(("Failed to load", "Failed to render")):
            self.messages.append(message)


@contextmanager
def _failures_stop(page: str) -> Iterator[None]:
    """Stop the build where WeasyPrint would leave something out of the PDF.

    WeasyPrint logs an image or stylesheet it cannot load and goes on without it: a picture
    would print as its alt text only, and the build would say it succeeded. A picture too
    large for Pillow (a decompression bomb) is one it cannot load, not a mere warning.
    """
    from PIL import Image

    failures = _Failures()
    weasyprint = logging.getLogger("weasyprint")
    weasyprint.addHandler(failures)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    finally:
        weasyprint.removeHandler(failures)
    if failures.messages:
        found = "; ".join(message[:300].rstrip(": ") for message in failures.messages)
        raise EditionsError(f"{page}: the PDF would leave something out: {found}")
