"""editions: YAML testimonies to the PDF and HTML editions of a newsletter and its news archive."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # Looked up when asked for: importlib.metadata costs a build that renders nothing 50 ms.
    if name == "__version__":
        from editions.versions import package_version

        return package_version("editions") or "0.0.0"  # a source tree never installed
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
