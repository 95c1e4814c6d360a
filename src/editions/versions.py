"""Versions: which release of each library is installed, for the keys of what a build makes."""

from __future__ import annotations

import hashlib
import os
import re
import sys
from functools import cache
from importlib import resources
from pathlib import Path


@cache
def _listing(folder: str) -> tuple[str, ...]:
    try:
        return tuple(os.listdir(folder or "."))
    except OSError:
        return ()


@cache
def package_version(name: str) -> str | None:
    """The version of an installed distribution, None when it is not installed.

    Read from the `Version:` line of its metadata, found as importlib.metadata finds it (the
    first `<name>-<version>.dist-info` or `.egg-info` on sys.path), without importing
    importlib.metadata and the e-mail parser it brings; importlib.metadata answers for
    anything installed otherwise.
    """
    wanted = re.sub(r"[-_.]+", "_", name).lower() + "-"
    for folder in sys.path:
        for item in _listing(folder):
            if not (item.endswith((".dist-info", ".egg-info"))
                    and re.sub(r"[-_.]+", "_", item).lower().startswith(wanted)):
                continue
            path = os.path.join(folder, item)
            metadata = os.path.join(path, "METADATA" if item.endswith(".dist-info")
                                    else "PKG-INFO")
            if not os.path.isfile(metadata):
                metadata = path  # an .egg-info may be the metadata file itself
            version = _version_line(metadata)
            if version is not None:
                return version
    from importlib import metadata as importlib_metadata

    try:
        return importlib_metadata.version(name)
    except importlib_metadata.PackageNotFoundError:
        return None


def _version_line(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
                if not line.strip():
                    return None  # the headers end at the first blank line
    except OSError:
        return None
    return None


# The system libraries that shape and lay out the text of a PDF (WeasyPrint loads them):
# a machine with another release may place glyphs differently.
_SYSTEM_LIBRARIES = {
    "pango": (("libpango-1.0.so.0", "libpango-1.0-0.dll", "libpango-1.0.dylib"),
              "pango_version_string"),
    "harfbuzz": (("libharfbuzz.so.0", "libharfbuzz-0.dll", "libharfbuzz.dylib"),
                 "hb_version_string"),
}


@cache
def system_library_versions() -> dict[str, str]:
    """The release of each system library that decides a PDF's layout, "none" when absent.

    Asked of the library itself through ctypes: a direct load by its usual name, which starts
    no helper program (ctypes.util.find_library runs ldconfig or gcc) and imports nothing.
    """
    import ctypes

    found = {}
    for name, (files, function) in _SYSTEM_LIBRARIES.items():
        found[name] = "none"
        for file in files:
            try:
                library = ctypes.CDLL(file)
            except OSError:
                continue
            ask = getattr(library, function)
            ask.restype = ctypes.c_char_p
            found[name] = (ask() or b"unknown").decode("ascii", "replace")
            break
    return found


@cache
def own_code() -> str:
    """The package's own code and data: a changed renderer must not leave old output behind."""
    digest = hashlib.sha256()
    package = Path(str(resources.files("editions")))
    # every stage's folder: a module moved or changed in any of them changes the output's key
    code = [p for p in package.rglob("*") if p.suffix in (".py", ".lua", ".csl") and p.is_file()]
    for item in sorted(code, key=lambda p: p.relative_to(package).as_posix()):
        name = item.relative_to(package).as_posix()
        digest.update(name.encode() + b"\0" + item.read_bytes())
    # the catalogs of the site's words: a changed translation changes the pages
    for catalog in sorted((package / "locale").glob("*/LC_MESSAGES/*.mo")):
        digest.update(catalog.parent.parent.name.encode() + b"\0" + catalog.read_bytes())
    return digest.hexdigest()
