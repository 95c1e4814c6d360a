"""The sample's site as text files that depend on nothing of the machine, for the golden test.

Pages, the feed and the manifest are kept as written, but for what varies with the versions
of the libraries a machine installed (the PDFs' byte sizes, the keys hashed over those
versions); a PDF is kept as a digest of what a reader gets: pages, metadata, bookmarks and
text, an EPUB as its members, package document and navigation. Fonts and pictures are
listed by name only: they are copied from their packages as they are; so is the search index
(Pagefind's scripts, and its index, named by the hash of what it holds). The byte-for-byte
promise is tested apart (test_site.py, test_determinism.py).
"""

from __future__ import annotations

import json
import re
import xml.dom.minidom
from pathlib import Path

from pypdf import PdfReader

# Sizes a page shows for a PDF ("(50 KB)", "PDF, 1.2 MB").
_SIZE = re.compile(r"\b\d+(?:\.\d+)? (?:bytes|KB|MB)\b")
_LENGTH = re.compile(r'length="\d+"')
_HASHED = ("key", "inputs")
_SIZES = ("pdf_size", "page_size", "large_print_size", "epub_size")
TEXT_SUFFIXES = (".html", ".xml", ".css", ".js", ".json", ".txt", ".svg")


def digest(site: Path) -> dict[str, str]:
    """Each file of the site by its path, as the text the golden tree keeps for it."""
    out: dict[str, str] = {}
    names = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        name = path.relative_to(site).as_posix()
        names.append(name)
        if name.startswith("pagefind/"):
            continue
        if name.endswith(".pdf"):
            out[name + ".txt"] = pdf_digest(path)
        elif name.endswith(".epub"):
            out[name + ".txt"] = epub_digest(path)
        elif name == ".editions-manifest.json":
            out[name] = manifest_digest(path.read_text(encoding="utf-8"))
        elif name.endswith(".xml"):
            out[name] = xml_digest(path.read_text(encoding="utf-8"))
        elif name.endswith(TEXT_SUFFIXES):
            out[name] = _SIZE.sub("N KB", path.read_text(encoding="utf-8"))
    out["FILES.txt"] = "".join(f"{name}\n" for name in names)
    return out


def epub_digest(path: Path) -> str:
    """An EPUB as its members, its package document and its navigation."""
    import zipfile

    with zipfile.ZipFile(path) as epub:
        names = epub.namelist()
        return "".join([*(f"{name}\n" for name in names), "--- EPUB/content.opf\n",
                        epub.read("EPUB/content.opf").decode(), "--- EPUB/nav.xhtml\n",
                        epub.read("EPUB/nav.xhtml").decode()])


def manifest_digest(text: str) -> str:
    data = json.loads(text)

    def blank(value: object) -> object:
        if isinstance(value, dict):
            return {k: ("<hash>" if k in _HASHED else 0 if k in _SIZES else blank(v))
                    for k, v in value.items()}
        return value

    data = blank(data)
    data["pages"] = {path: "<hash>" for path in data.get("pages", {})}
    return json.dumps(data, sort_keys=True, indent=1) + "\n"


def xml_digest(text: str) -> str:
    pretty = xml.dom.minidom.parseString(text.encode("utf-8")).toprettyxml(indent=" ")
    return _LENGTH.sub('length="N"', pretty)


def pdf_digest(path: Path) -> str:
    reader = PdfReader(path)
    info = reader.metadata or {}
    catalog = reader.trailer["/Root"]
    lines = [f"pages: {len(reader.pages)}"]
    for key in ("/Title", "/Author", "/Subject", "/Keywords", "/Creator", "/CreationDate"):
        if key in info:
            lines.append(f"{key[1:].lower()}: {info[key]}")
    lines.append(f"producer: {str(info.get('/Producer', '')).split(' ')[0]}")
    lines.append(f"language: {catalog.get('/Lang')}")
    lines.append(f"tagged: {bool(catalog.get('/MarkInfo', {}).get('/Marked'))}")
    lines.append("bookmarks:")
    lines += _bookmarks(reader, reader.outline, 1)
    for number, page in enumerate(reader.pages, 1):
        box = page.mediabox
        lines.append(f"--- page {number} ({float(box.width):.0f} x {float(box.height):.0f} pt)")
        lines += [" ".join(line.split()) for line in (page.extract_text() or "").splitlines()
                  if line.strip()]
    return "\n".join(lines) + "\n"


def _bookmarks(reader: PdfReader, items: list[object], depth: int) -> list[str]:
    lines = []
    for item in items:
        if isinstance(item, list):
            lines += _bookmarks(reader, item, depth + 1)
        else:
            page = reader.get_destination_page_number(item)  # type: ignore[arg-type]
            lines.append(f"{'  ' * depth}{item.title} (page {page + 1})")  # type: ignore[attr-defined]
    return lines
