"""Incremental: a hash of what each edition's output depends on, and the last build's manifest."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from editions.errors import Where
from editions.make.addresses import format_path, page_path
from editions.make.assemble import EditionView
from editions.make.markdown import EditionText, pandoc_identity
from editions.make.render import Page
from editions.make.theme import read_theme_file, theme_files
from editions.model import Archive, Markdown, PartialDate, Settings, Testimony
from editions.versions import own_code, package_version, system_library_versions

log = logging.getLogger(__name__)

MANIFEST = ".editions-manifest.json"
MANIFEST_FORMAT = 1

# Libraries whose output lands in a page or a PDF: a new version may change the bytes.
RENDERING_PACKAGES = ("weasyprint", "pydyf", "fonttools", "uharfbuzz", "jinja2", "markupsafe",
                      "babel", "feedgenerator")


@dataclass(frozen=True)
class BuiltEdition:
    """What the site holds for one edition, and the key of what it was made from."""

    key: str
    page: str
    pdf: str | None = None
    pdf_size: int | None = None
    pdf_pages: int | None = None
    page_size: int | None = None  # absent from manifests written before it was recorded
    large_print: str | None = None
    large_print_size: int | None = None
    large_print_pages: int | None = None
    epub: str | None = None
    epub_size: int | None = None

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(name for name in (self.page, self.pdf, self.large_print, self.epub) if name)

    def made(self) -> dict[str, tuple[str, int | None]]:
        """Each format (model.FORMATS) the site holds for the edition: its path and size."""
        formats = {"pdf": (self.pdf, self.pdf_size),
                   "large-print": (self.large_print, self.large_print_size),
                   "epub": (self.epub, self.epub_size)}
        return {kind: (path, size) for kind, (path, size) in formats.items() if path}


def _plain(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """Records as plain data for hashing; where a field was written is not what it says.

    `memo` keeps each testimony's hash while one build hashes the many editions that print it.
    """
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Markdown | PartialDate):
        return value.text  # a date as written says all there is to it
    if isinstance(value, Testimony) and memo is not None:
        # its hash stands for it: the text is hashed once, not once per edition printing it
        if id(value) not in memo:
            memo[id(value)] = hashlib.sha256(
                json.dumps(_plain(value), sort_keys=True).encode()).hexdigest()
        return memo[id(value)]
    record: type = type(value)
    if hasattr(record, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name), memo) for name in _field_names(record)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v, memo) for k, v in value.items() if not isinstance(v, Where)}
    if isinstance(value, list | tuple):
        return [_plain(v, memo) for v in value]
    return str(value)


@cache
def _field_names(record: type) -> tuple[str, ...]:
    # An edition prints a testimony's updates as of its date (PrintedTestimony.updates):
    # the updates as written would tie every edition to updates it does not print.
    skip = ("where", "updates") if record is Testimony else ("where",)
    return tuple(f.name for f in dataclasses.fields(record) if f.name not in skip)


@cache
def _versions() -> dict[str, str]:
    versions = {"pandoc": pandoc_identity()}
    for package in ("editions", *RENDERING_PACKAGES):
        versions[package] = package_version(package) or "none"
    versions.update(system_library_versions())
    return versions


def common_key(templates: Path, files: Mapping[str, bytes], settings: Settings) -> str:
    """What every edition's output depends on besides its own content."""
    digest = hashlib.sha256()
    parts = {"settings": _plain(settings), "versions": _versions(), "code": own_code()}
    digest.update(json.dumps(parts, sort_keys=True).encode())
    sources = theme_files(templates)
    for name in sorted(sources):
        digest.update(b"\0template\0" + name.encode() + b"\0"
                      + read_theme_file(templates, sources[name]))
    for name in sorted(files):
        digest.update(b"\0asset\0" + name.encode() + b"\0" + files[name])
    return digest.hexdigest()


def edition_keys(views: list[EditionView], texts: Mapping[int, EditionText],
                 common: str, linked: frozenset[str] = frozenset()) -> dict[int, str]:
    """For each edition, the hash of everything its page and PDF are made from; `linked`
    are the testimonies with a page of their own, which an edition's page links to."""
    memo: dict[int, Any] = {}
    keys = {}
    for view in views:
        digest = hashlib.sha256(common.encode())
        digest.update(json.dumps(_plain(view, memo), sort_keys=True).encode())
        digest.update(json.dumps([p.id for p in view.testimonies if p.id in linked]).encode())
        text = texts[view.number]
        html = [text.intro, text.bibliography]
        for tid, story in sorted(text.stories.items()):
            html += [tid, story, *text.updates.get(tid, [])]
        for part in html:
            data = part.encode()
            digest.update(b"%d:" % len(data) + data)
        keys[view.number] = digest.hexdigest()
    return keys


def page_key(common: str, path: str, page: Page) -> str:
    """The hash of what a page of the site other than an edition's is made from: its
    template and the context it is rendered with, besides what every page depends on."""
    digest = hashlib.sha256(f"{common}\0{path}\0{page.template}\0".encode())
    digest.update(json.dumps(page.context, sort_keys=True, default=_plain).encode())
    return digest.hexdigest()


def file_key(data: bytes) -> str:
    """The hash of a file the site holds as it is (a style sheet, a font, an image)."""
    return hashlib.sha256(data).hexdigest()


def _read(site: Path) -> dict[str, Any]:
    path = site / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
            return {}
        return data
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        log.warning("%s: unreadable (%s); every page will be rendered again", path, err)
        return {}


@dataclass(frozen=True)
class Manifest:
    """What the last build wrote: each edition's entry, the key of each other page by path,
    and the key of all the build's inputs (inputs_key)."""

    editions: dict[int, BuiltEdition]
    pages: dict[str, str]
    inputs: str = ""

    def files(self) -> set[str]:
        return {MANIFEST, *self.pages, *(f for e in self.editions.values() for f in e.files)}

    def present(self, site: Path, settings: Settings) -> dict[int, BuiltEdition]:
        """The entries whose files the site still has as the last build wrote them: at the
        paths a build writes (a hand-edited manifest names no other file), each of the size
        recorded (one stat a file: a PDF overwritten by hand is not carried over)."""
        return {n: e for n, e in self.editions.items() if _sound(site, n, e, settings)}


def _sound(site: Path, number: int, entry: BuiltEdition, settings: Settings) -> bool:
    made = entry.made()
    if entry.page != page_path(number) or any(
            path != format_path(settings, kind, number) for kind, (path, _) in made.items()):
        log.warning("%s: edition %d's files are not where a build writes them; it is "
                    "rendered again", site / MANIFEST, number)
        return False
    for name, size in ((entry.page, entry.page_size), *made.values()):
        if name is None:
            continue
        try:
            found = (site / name).stat()
        except OSError:
            return False  # gone: rendered again, as any edition not built yet
        if not stat.S_ISREG(found.st_mode) or (size is not None and found.st_size != size):
            log.warning("%s: not as the last build wrote it (%d bytes, not %s); edition %d is "
                        "rendered again", site / name, found.st_size, size, number)
            return False
    return True


def read_manifest(site: Path) -> Manifest:
    """The manifest of the site's last build; an unreadable one means nothing is reused."""
    data = _read(site)
    try:
        entries = {int(number): BuiltEdition(**fields)
                   for number, fields in data.get("editions", {}).items()}
        pages = {str(path): str(key) for path, key in data.get("pages", {}).items()}
        inputs = data.get("inputs", "")
        if not isinstance(inputs, str):
            raise TypeError("inputs")
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        log.warning("%s: unreadable (%s); every page will be rendered again",
                    site / MANIFEST, err)
        return Manifest({}, {})
    return Manifest(entries, pages, inputs)


def intact(site: Path, manifest: Manifest) -> bool:
    """Whether the site holds exactly the files its manifest names, no more and no fewer."""
    present: set[str] = set()
    for folder, _, names in os.walk(site):
        base = Path(folder).relative_to(site).as_posix()
        present.update(name if base == "." else f"{base}/{name}" for name in names)
    return present == manifest.files()


def inputs_key(common: str, files: Mapping[str, str], archive: Archive, images: Path,
               options: Mapping[str, Any]) -> str:
    """A hash of everything a build reads: what every page depends on (`common`), the hash
    of each testimony and edition file (`files`, by path), the references, the pictures and
    the build's options. A site written by a build with the same key is what a build now
    would write."""
    digest = hashlib.sha256(common.encode())
    parts = {"files": dict(sorted(files.items())), "references": list(archive.references.entries),
             "options": options}
    digest.update(json.dumps(parts, sort_keys=True, default=str).encode())
    if images.is_dir():
        for folder, subfolders, names in os.walk(images):
            subfolders.sort()
            for name in subfolders:
                if (Path(folder) / name).is_symlink():  # os.walk does not go in: say where
                    link = Path(folder) / name
                    digest.update(b"\0folder link\0" + link.relative_to(images).as_posix()
                                  .encode() + b"\0" + os.readlink(link).encode())
            for name in sorted(names):
                path = Path(folder) / name
                digest.update(b"\0image\0" + path.relative_to(images).as_posix().encode())
                if path.is_symlink():  # where it leads, not what it reads: check vets that
                    digest.update(b"\0link\0" + os.readlink(path).encode())
                elif path.is_file():
                    digest.update(b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def encode_manifest(entries: Mapping[int, BuiltEdition], pages: Mapping[str, str],
                    inputs: str = "") -> bytes:
    data = {"format": MANIFEST_FORMAT,
            "editions": {f"{n:03d}": dataclasses.asdict(entries[n]) for n in sorted(entries)},
            "pages": dict(sorted(pages.items())), "inputs": inputs}
    return (json.dumps(data, sort_keys=True, indent=1) + "\n").encode()


def reusable(entry: BuiltEdition | None, key: str, html_only: bool,
             formats: tuple[str, ...] = ("pdf",)) -> bool:
    """Whether the last build's output of an edition can be carried over as it is: its key
    is the same, and it has every format asked for (an --html-only build made none)."""
    if entry is None or entry.key != key:
        return False
    return html_only or set(formats) <= set(entry.made())
