"""Cache: each file's loaded record and findings, and published editions' fingerprints, kept
across builds, so a rebuild reads and checks again only the files that changed.

A file's entry is keyed by a hash of its bytes, its path and the code that reads and checks
it; what a file's findings depend on besides itself (the references known, the images folder,
today's date, the other files) is looked at again by every build (check.check_archive). An
edition's fingerprint is keyed by the hashes of the files it prints from.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import logging
import sys
import types
import typing
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from editions.cache.store import Store
from editions.check.glyphs import coverage, fonts_digest
from editions.check.rules import Scan, file_scan
from editions.errors import Problem, Where
from editions.load.archive import load_edition, load_testimony
from editions.load.files import RefusedFile, read_source
from editions.make.freeze import edition_fingerprint
from editions.model import IMAGES_DIR, Archive, Edition, PartialDate, Testimony
from editions.versions import own_code

log = logging.getLogger(__name__)

FORMAT = 1
FILES_CACHE = "files.sqlite"


class FileCache:
    """A `load.Loader` that answers from the cache for files it has seen as they are now.

    After loading, `scans` holds each loaded record's findings by path, for check_archive;
    `fingerprint` answers for check_frozen. `close()` keeps what this build found.
    """

    def __init__(self, path: Path | None, fonts: list[bytes] | None = None) -> None:
        # what a file's findings depend on besides the file: the fonts (which characters
        # they cannot print), read only when a file is checked afresh
        self.fonts = fonts
        self.fonts_digest = fonts_digest(fonts) if fonts is not None else "none"
        self._covered: frozenset[int] | None = None
        self.files = Store(path, "files", "the file cache")
        self.fingerprints = Store(path, "fingerprints", "the file cache")
        self.enabled = path is not None
        self.scans: dict[str, Scan] = {}
        self.digests: dict[str, str] = {}  # a loaded file's path: the key of its entry
        self._fresh: dict[str, dict[str, str]] = {"files": {}, "fingerprints": {}}
        self._used: dict[str, set[str]] = {"files": set(), "fingerprints": set()}
        self._last_seen: tuple[int, dict[int, dict[str, str | None]]] | None = None
        self._printed_data: tuple[int, str] | None = None

    def testimony(self, root: Path, path: Path, problems: list[Problem]) -> Testimony | None:
        record = self._load(root, path, problems, load_testimony)
        return record if isinstance(record, Testimony) else None

    def edition(self, root: Path, path: Path, problems: list[Problem]) -> Edition | None:
        record = self._load(root, path, problems, load_edition)
        return record if isinstance(record, Edition) else None

    def _load(self, root: Path, path: Path, problems: list[Problem],
              read: Callable[[Path, Path, list[Problem], bytes | None],
                             Testimony | Edition | None],
              ) -> Testimony | Edition | None:
        try:
            data = read_source(root, path)
        except (OSError, RefusedFile):
            return read(root, path, problems, None)  # it says why
        kind = "testimony" if read is load_testimony else "edition"
        try:
            rel = str(path.relative_to(root))
        except ValueError:
            rel = str(path)
        key = _digest(_context(), self.fonts_digest, kind, rel, data)
        entry = self._entry(key, kind) if self.enabled else None
        if entry is None:
            found: list[Problem] = []
            record = read(root, path, found, data)
            scan = file_scan(record, self.covered()) if record is not None else None
            entry = (record, found, scan)
            if self.enabled:
                self._fresh["files"][key] = _encode(entry)
        record, found, scan = entry
        problems.extend(found)
        if record is not None and scan is not None:
            self.scans[record.path] = scan
            self.digests[record.path] = key
        self._used["files"].add(key)
        return record

    def covered(self) -> frozenset[int] | None:
        """The code points the fonts have (glyphs.coverage), None without fonts."""
        if self._covered is None and self.fonts is not None:
            self._covered = coverage(self.fonts, self.fonts_digest)
        return self._covered

    def _entry(self, key: str, kind: str) -> CachedFile | None:
        value = self.files.get([key]).get(key)
        if value is None:
            return None
        try:
            return _decode(json.loads(value), _ENTRY_TYPES[kind])
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as err:
            log.warning("%s: an entry of the file cache is damaged (%s); reading the file "
                        "again", self.files.path, err)
            return None

    def fingerprint(self, archive: Archive, edition: Edition) -> str:
        """freeze.edition_fingerprint, from the cache when the files it reads are unchanged."""
        key = self._fingerprint_key(archive, edition)
        if key is None:
            return edition_fingerprint(archive, edition)
        self._used["fingerprints"].add(key)
        value = self.fingerprints.get([key]).get(key)
        if value is None:
            value = edition_fingerprint(archive, edition)
            self._fresh["fingerprints"][key] = value
        return value

    def _fingerprint_key(self, archive: Archive, edition: Edition) -> str | None:
        """A hash of everything an edition's passages are made from, or None if unknown.

        Those are the edition's file, the files of the testimonies it prints, the settings,
        the references and the pictures (freeze.printed_data), and for each testimony the
        date it was last printed before (what is new).
        """
        if not self.enabled or edition.path not in self.digests:
            return None
        parts = [_context(), "fingerprint", self.digests[edition.path],
                 json.dumps(_settings(archive), sort_keys=True), self._printed_data_key(archive)]
        last_seen = self._last_seen_in(archive).get(id(edition), {})
        for tid in edition.testimonies:
            testimony = archive.testimonies.get(tid)
            if testimony is None or testimony.path not in self.digests:
                return None
            parts += [tid, self.digests[testimony.path], str(last_seen.get(tid))]
        return _digest(*parts)

    def _printed_data_key(self, archive: Archive) -> str:
        """The references and each picture's name, size and time, once for the archive."""
        if self._printed_data is not None and self._printed_data[0] == id(archive):
            return self._printed_data[1]
        pictures = []
        folder = Path(archive.root) / IMAGES_DIR
        if folder.is_dir():
            for picture in sorted(folder.rglob("*")):
                try:
                    stat = picture.stat()
                except OSError:  # a broken link: check refuses a picture that uses it
                    continue
                pictures.append([str(picture.relative_to(folder)), stat.st_size,
                                 stat.st_mtime_ns])
        key = _digest(json.dumps(list(archive.references.entries), sort_keys=True, default=str),
                      json.dumps(pictures))
        self._printed_data = (id(archive), key)
        return key

    def _last_seen_in(self, archive: Archive) -> dict[int, dict[str, str | None]]:
        """For each edition, when each of its testimonies was printed by an edition with a
        lower number (assemble.assemble_edition's rule), computed once for the archive."""
        if self._last_seen is not None and self._last_seen[0] == id(archive):
            return self._last_seen[1]
        seen: dict[str, PartialDate] = {}
        result: dict[int, dict[str, str | None]] = {}
        editions = sorted(archive.editions, key=lambda e: e.number)
        index = 0
        while index < len(editions):
            group = [e for e in editions[index:] if e.number == editions[index].number]
            for edition in group:
                result[id(edition)] = {
                    tid: (seen[tid].first_day.isoformat() if tid in seen else None)
                    for tid in edition.testimonies}
            for edition in group:
                for tid in edition.testimonies:
                    if tid not in seen or seen[tid] < edition.date:
                        seen[tid] = edition.date
            index += len(group)
        self._last_seen = (id(archive), result)
        return result

    def close(self) -> None:
        """Keep this build's new entries, forget long unused ones."""
        for store in (self.files, self.fingerprints):
            store.put(self._fresh[store.table])
            store.keep_only(self._used[store.table])
            store.close()


def _settings(archive: Archive) -> dict[str, Any]:
    settings = archive.settings
    return {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)
            if f.name != "where"}


def _digest(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(b"%d:" % len(data) + data)
    return digest.hexdigest()


@cache
def _context() -> str:
    """What every entry depends on besides its file: our code, the YAML parser, Python."""
    parser = "libyaml" if hasattr(yaml, "CSafeLoader") else "pure"
    return _digest(str(FORMAT), own_code(), yaml.__version__, parser,
                   f"{sys.version_info[0]}.{sys.version_info[1]}")


# --- entries as JSON, by the records' own type hints -------------------------------------------

CachedFile = tuple[Testimony | Edition | None, list[Problem], Scan | None]
_ENTRY_TYPES = {
    "testimony": tuple[Testimony | None, tuple[Problem, ...], Scan | None],
    "edition": tuple[Edition | None, tuple[Problem, ...], Scan | None],
}


def _encode(entry: CachedFile) -> str:
    return json.dumps(_plain(entry), ensure_ascii=False, separators=(",", ":"))


def _plain(value: Any) -> Any:
    kind = type(value)
    encoder = _ENCODERS.get(kind)
    if encoder is None:
        encoder = _ENCODERS[kind] = _encoder(kind)
    return encoder(value)


_ENCODERS: dict[type, Callable[[Any], Any]] = {}


def _encoder(kind: type) -> Callable[[Any], Any]:
    """A function that makes the plain form of a value of this type: a record as the list of
    its fields, a date as it was written."""
    if kind is PartialDate:
        return lambda v: v.text
    if dataclasses.is_dataclass(kind):
        names = [f.name for f in dataclasses.fields(kind)]
        if kind is Where:
            return lambda v: [v.path, v.line, v.col]
        return lambda v: [_plain(getattr(v, name)) for name in names]
    if issubclass(kind, list | tuple):
        return lambda v: [_plain(i) for i in v]
    if issubclass(kind, dict):
        return lambda v: {k: _plain(i) for k, i in v.items()}
    return lambda v: v


def _decode(data: Any, kind: Any) -> CachedFile:
    record, found, scan = _decoder(kind)(data)
    return record, list(found), scan


@cache
def _decoder(kind: Any) -> Callable[[Any], Any]:
    """A function that makes a value of type `kind` from its plain form (see _plain), and
    raises TypeError or ValueError on anything else: a damaged entry is never a record."""
    if kind is PartialDate:
        return lambda v: PartialDate.parse(_check(v, str))
    if kind in (str, int, bool):
        return lambda v: _check(v, kind)
    if kind is Any:
        return lambda v: v
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return lambda v: kind(_check(v, str))  # a severity, by its value
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        return _record_decoder(kind)
    return _generic_decoder(kind)


def _generic_decoder(kind: Any) -> Callable[[Any], Any]:
    """The decoder of a type built from others: an optional value, a tuple, a dict by text."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        return _optional_decoder(kind, args)
    if origin is tuple:
        return _tuple_decoder(args)
    if origin is dict and args[0] is str:
        value = _decoder(args[1])
        return lambda v: {k: value(x) for k, x in _check(v, dict).items()}  # JSON keys: text
    raise TypeError(f"cannot decode {kind}")


def _optional_decoder(kind: Any, args: tuple[Any, ...]) -> Callable[[Any], Any]:
    """The decoder of one type or None; no other union has a plain form."""
    options = [a for a in args if a is not type(None)]
    if len(options) != 1:
        raise TypeError(f"cannot decode {kind}")
    inner = _decoder(options[0])
    return lambda v: None if v is None else inner(v)


def _tuple_decoder(args: tuple[Any, ...]) -> Callable[[Any], Any]:
    """The decoder of a tuple from a list: of any length (`tuple[X, ...]`) or of fixed types."""
    if len(args) == 2 and args[1] is Ellipsis:
        item = _decoder(args[0])
        return lambda v: tuple([item(i) for i in _check(v, list)])
    items = [_decoder(a) for a in args]
    return lambda v: tuple([d(i) for d, i in zip(items, _check(v, list), strict=True)])


def _record_decoder(record: type) -> Callable[[Any], Any]:
    hints = typing.get_type_hints(record, vars(sys.modules[record.__module__]))
    kinds = [hints[f.name] for f in dataclasses.fields(record) if f.init]
    if all(k in (str, int) for k in kinds):
        # Where, the most numerous: made at once when every value has its type.
        def simple(value: Any) -> Any:
            if type(value) is not list or list(map(type, value)) != kinds:
                raise TypeError(f"not the plain form of {record.__name__}")
            return record(*value)

        return simple
    fields = [_decoder(k) for k in kinds]

    def decode(value: Any) -> Any:
        return record(*[d(v) for d, v in zip(fields, _check(value, list), strict=True)])

    return decode


def _check(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise TypeError(f"{type(value).__name__} where {kind.__name__} belongs")
    return value
