"""Incremental: a hash of what each edition's output depends on, and the last build's manifest."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from .assemble import EditionView
from .markdown import EditionText, pandoc_identity
from .model import Markdown, PartialDate, Settings, Testimony, Where

log = logging.getLogger(__name__)

MANIFEST = ".editions-manifest.json"
MANIFEST_FORMAT = 1

# Libraries whose output lands in a page or a PDF: a new version may change the bytes.
RENDERING_PACKAGES = ("weasyprint", "pydyf", "fonttools", "jinja2", "babel")


@dataclass(frozen=True)
class Entry:
    """What the site holds for one edition, and the key of what it was made from."""

    key: str
    page: str
    pdf: str | None = None
    pdf_size: int | None = None
    pdf_pages: int | None = None

    @property
    def files(self) -> tuple[str, ...]:
        return (self.page, self.pdf) if self.pdf else (self.page,)


def _plain(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """Records as plain data for hashing; where a field was written is not what it says.

    `memo` keeps each testimony's plain form while one build hashes the many editions that
    print it.
    """
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Markdown | PartialDate):
        return value.text  # a date as written says all there is to it
    if isinstance(value, Testimony) and memo is not None:
        if id(value) not in memo:
            memo[id(value)] = _plain(value)
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


def _versions() -> dict[str, str]:
    versions = {"pandoc": pandoc_identity()}
    for package in ("editions", *RENDERING_PACKAGES):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "none"
    return versions


@cache
def own_code() -> str:
    """The package's own code and data: a changed renderer must not leave old output behind."""
    digest = hashlib.sha256()
    package = resources.files("editions")
    for folder in (package, package / "data"):
        for item in sorted(folder.iterdir(), key=lambda i: i.name):
            if item.is_file() and item.name.endswith((".py", ".lua", ".csl")):
                digest.update(item.name.encode() + b"\0" + item.read_bytes())
    return digest.hexdigest()


def fingerprint(templates: Path, files: Mapping[str, bytes], settings: Settings) -> str:
    """What every edition's output depends on besides its own content."""
    digest = hashlib.sha256()
    parts = {"settings": _plain(settings), "versions": _versions(), "code": own_code()}
    digest.update(json.dumps(parts, sort_keys=True).encode())
    sources = {}
    if templates.is_dir():
        sources = {p.relative_to(templates).as_posix(): p for p in templates.rglob("*")
                   if p.is_file()}
    for name in sorted(sources):
        digest.update(b"\0template\0" + name.encode() + b"\0" + sources[name].read_bytes())
    for name in sorted(files):
        digest.update(b"\0asset\0" + name.encode() + b"\0" + files[name])
    return digest.hexdigest()


def edition_keys(views: list[EditionView], texts: Mapping[int, EditionText],
                 common: str) -> dict[int, str]:
    """For each edition, the hash of everything its page and PDF are made from."""
    memo: dict[int, Any] = {}
    keys = {}
    for view in views:
        digest = hashlib.sha256(common.encode())
        digest.update(json.dumps(_plain(view, memo), sort_keys=True).encode())
        text = texts[view.number]
        html = [text.intro, text.bibliography]
        for tid, story in sorted(text.stories.items()):
            html += [tid, story, *text.updates.get(tid, [])]
        for part in html:
            data = part.encode()
            digest.update(b"%d:" % len(data) + data)
        keys[view.number] = digest.hexdigest()
    return keys


def read_manifest(site: Path) -> dict[int, Entry]:
    """The entries of the site's last build; an unreadable manifest means nothing is reused."""
    path = site / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != MANIFEST_FORMAT:
            return {}
        entries = {int(number): Entry(**fields) for number, fields in data["editions"].items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as err:
        log.warning("%s: unreadable (%s); every edition will be rendered again", path, err)
        return {}
    # An entry is only as good as the files it names.
    return {n: e for n, e in entries.items() if all((site / f).is_file() for f in e.files)}


def encode_manifest(entries: Mapping[int, Entry]) -> bytes:
    data = {"format": MANIFEST_FORMAT,
            "editions": {f"{n:03d}": dataclasses.asdict(entries[n]) for n in sorted(entries)}}
    return (json.dumps(data, sort_keys=True, indent=1) + "\n").encode()


def reusable(entry: Entry | None, key: str, html_only: bool) -> bool:
    """Whether the last build's output of an edition can be carried over as it is."""
    if entry is None or entry.key != key:
        return False
    return html_only or entry.pdf is not None
