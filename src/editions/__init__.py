"""editions: YAML testimonies to the PDF and HTML editions of a newsletter and its news archive."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("editions")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
