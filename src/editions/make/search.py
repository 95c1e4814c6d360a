"""Search: Pagefind's index of the published pages, built in the staged site before the switch."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import shutil
import struct
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from editions.errors import EditionsError
from editions.versions import package_version

log = logging.getLogger(__name__)

SEARCH_DIR = "pagefind"
# Pagefind writes its version here; an index of another version is built again.
ENTRY = f"{SEARCH_DIR}/pagefind-entry.json"


def pagefind_version() -> str:
    """The version of the Pagefind program the build runs (its wheel's, or 'none')."""
    return (package_version("pagefind_bin_extended") or package_version("pagefind_bin")
            or "none")


def _program() -> str:
    from pagefind.service import get_executable

    program = get_executable()
    if program is None:
        raise EditionsError("the search index needs Pagefind's program, and none is installed: "
                            "pip install 'pagefind[extended]'")
    return str(program)


def index(site: Path) -> None:
    """Index the site's pages into site/pagefind/: only what a page marks as its body
    (data-pagefind-body), so the archive's and the list's links are not results."""
    started = time.perf_counter()
    shutil.rmtree(site / SEARCH_DIR, ignore_errors=True)  # a partial build's copy of the old
    # --keep-index-url: results link editions/003/index.html, as every page of the site does,
    # so they open from a folder as well as from a web server
    command = [_program(), "--site", str(site), "--output-subdir", SEARCH_DIR,
               "--keep-index-url", "--silent"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              timeout=600)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise EditionsError(f"the search index could not be built: {err}") from None
    if done.returncode != 0 or not (site / ENTRY).is_file():
        said = (done.stderr or done.stdout).strip().splitlines()
        raise EditionsError("the search index could not be built: Pagefind said: "
                            + (said[-1] if said else f"exit status {done.returncode}"))
    try:
        _canonical(site / SEARCH_DIR)
    except (KeyError, IndexError, TypeError, ValueError) as err:  # another Pagefind's layout
        raise EditionsError(f"Pagefind {pagefind_version()} wrote a search index this build "
                            f"cannot read ({err!r}): install the Pagefind version "
                            "pyproject.toml asks for") from None
    log.info("indexed the pages for search in %.2f s", time.perf_counter() - started)


# Pagefind's files are gzip'd CBOR after this signature.
SIGNATURE = b"pagefind_dcd"


def _canonical(folder: Path) -> None:
    """Make the index the same bytes for the same pages.

    Pagefind 1.5 writes each filter's values in the order of a Rust hash map, seeded anew on
    every run: the filter files, their names (hashes) and the metadata naming them differ from
    run to run. Their values are sorted here, the files named by the hash of what they hold,
    and the metadata and the entry file rewritten to name them.
    """
    renamed: dict[str, str] = {}
    for path in sorted((folder / "filter").glob("*.pf_filter")):
        name, values = _read(path)
        renamed[path.stem] = _write(folder / "filter", ".pf_filter", path.stem,
                                    [name, sorted(values, key=lambda v: v[0])], 7)
        path.unlink()
    entry = json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))
    for language in entry["languages"].values():
        meta = folder / f"pagefind.{language['hash']}.pf_meta"
        data = _read(meta)
        # [version, fragments, index chunks, filters as [name, file], sorts, meta fields]
        data[3] = sorted([name, renamed.get(file, file)] for name, file in data[3])
        new = _write(folder, ".pf_meta", language["hash"], data, 13, "pagefind.")
        meta.unlink()
        language["hash"] = new
    (folder / "pagefind-entry.json").write_text(json.dumps(entry, separators=(",", ":"),
                                                           ensure_ascii=False), encoding="utf-8")


def _read(path: Path) -> Any:
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(SIGNATURE):
        raise EditionsError(f"{path}: not a Pagefind file this build can read")
    value, end = _decode(data, len(SIGNATURE))
    if end != len(data):
        raise EditionsError(f"{path}: not a Pagefind file this build can read")
    return value


def _write(folder: Path, suffix: str, old: str, value: Any, digits: int,
           prefix: str = "") -> str:
    data = SIGNATURE + _encode(value)
    language = old.rsplit("_", 1)[0]
    name = f"{language}_{hashlib.sha256(data).hexdigest()[:digits]}"
    (folder / f"{prefix}{name}{suffix}").write_bytes(gzip.compress(data, mtime=0))
    return name


def _decode(data: bytes, at: int) -> tuple[Any, int]:
    """One CBOR item (the kinds Pagefind writes: integers, text, arrays) and where it ends."""
    major, info = data[at] >> 5, data[at] & 31
    at += 1
    if info < 24:
        n = info
    elif info <= 27:
        width = 1 << (info - 24)
        n = int.from_bytes(data[at:at + width], "big")
        at += width
    else:
        raise EditionsError("a Pagefind file holds what this build cannot read")
    if major == 0:
        return n, at
    if major == 3:
        return data[at:at + n].decode(), at + n
    if major == 4:
        items = []
        for _ in range(n):
            item, at = _decode(data, at)
            items.append(item)
        return items, at
    raise EditionsError("a Pagefind file holds what this build cannot read")


def _encode(value: Any) -> bytes:
    if isinstance(value, int):
        return _head(0, value)
    if isinstance(value, str):
        data = value.encode()
        return _head(3, len(data)) + data
    return _head(4, len(value)) + b"".join(_encode(item) for item in value)


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for info, form in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 << (info - 24)):
            return bytes([major << 5 | info]) + struct.pack(form, n)
    raise EditionsError("a number too large for the search index")


def files(site: Path) -> list[str]:
    """The index's files, by path in the site, sorted."""
    base = site / SEARCH_DIR
    return sorted(p.relative_to(site).as_posix() for p in base.rglob("*") if p.is_file())


def current(site: Path, pages: Mapping[str, str]) -> bool:
    """Whether the site's index was built by this Pagefind and all its files are there."""
    try:
        entry = json.loads((site / ENTRY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(entry, dict) and entry.get("version") == pagefind_version()
            and ENTRY in pages and all((site / path).is_file() for path in pages))
