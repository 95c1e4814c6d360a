"""WeasyPrint, imported without the helper programs its library lookups would start."""

from __future__ import annotations

import ctypes.util
import sys
from collections.abc import Callable
from typing import Any


def _without_search(find_library: Callable[[str], str | None]) -> Callable[[str], str | None]:
    def find_nothing(name: str) -> str | None:
        return None

    # On Linux WeasyPrint also asks for each library by its soname (libpango-1.0.so.0, ...),
    # which the dynamic loader finds in its own cache, as ldconfig -p would. Searching first
    # with ctypes.util.find_library runs ldconfig, gcc and ld: 215 programs, 0.3-0.5 s of
    # every command that lays out a PDF. Elsewhere the search is how the library is found.
    return find_nothing if sys.platform.startswith("linux") else find_library


def load_weasyprint() -> Any:
    """The weasyprint module, its C libraries loaded by name, as the dynamic loader finds them."""
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    find_library = ctypes.util.find_library
    ctypes.util.find_library = _without_search(find_library)  # type: ignore[assignment]
    try:
        import weasyprint
    finally:
        ctypes.util.find_library = find_library
    return weasyprint

