"""Reading built pages and PDFs as a reader's tools would: links, ids, text, outline."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pypdf import PdfReader


class Page(HTMLParser):
    """The parts of an HTML page the tests look at."""

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.links: list[str] = []
        self.ids: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_parts: list[str] = []
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))
        for name in ("href", "src"):
            if attributes.get(name):
                self.links.append(str(attributes[name]))

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.text_parts).split())

    def find_all(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(
            value in (a.get(key.rstrip("_")) or "").split() for key, value in attrs.items())]


def resolve(page: Path, link: str, site: Path) -> tuple[Path | None, str]:
    """The file a relative link points at inside the site, and its fragment."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None, ""
    target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
    if target.is_dir():
        target = target / "index.html"
    return target, parts.fragment


def pdf_text(path: Path) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(path).pages]


def outline(path: Path) -> list[object]:
    """The PDF's bookmarks as nested lists of titles."""
    reader = PdfReader(path)

    def titles(items: list[object]) -> list[object]:
        result: list[object] = []
        for item in items:
            if isinstance(item, list):
                result.append(titles(item))
            else:
                result.append(item.title)  # type: ignore[attr-defined]
        return result

    return titles(reader.outline)
