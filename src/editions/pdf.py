"""PDF: WeasyPrint lays out an edition's page with its print CSS, fetching only our own assets."""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

# Pages are laid out as if served from this origin; nothing else can be fetched.
SITE_ORIGIN = "https://site.editions.invalid/"


def _fetcher_class() -> Any:
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
    from weasyprint import HTML

    fetcher = _fetcher_class()(files)
    document = HTML(string=html, base_url=SITE_ORIGIN + page, url_fetcher=fetcher,
                    media_type="print").render()
    # PDF/UA-1: tagged, so screen readers and reflowing viewers read it in order (see README)
    pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1")
    return pdf, len(document.pages)
