"""Addresses: where each edition's page and formats, each testimony's page and the assets
live in the site: stable links readers may keep, named in this one place."""

from __future__ import annotations

from editions.model import Settings, slug

ASSETS_DIR = "assets"




def edition_dir(number: int) -> str:
    return f"editions/{number:03d}"


def pdf_name(settings: Settings, number: int) -> str:
    return format_name(settings, "pdf", number)


def pdf_path(settings: Settings, number: int) -> str:
    """Where an edition's PDF lives in the site: a stable link readers may keep."""
    return format_path(settings, "pdf", number)


def format_name(settings: Settings, kind: str, number: int) -> str:
    """The file name of one of an edition's formats (model.FORMATS): a stable name readers
    may keep, the standard PDF's as it always was."""
    base = f"{slug(settings.title) or 'edition'}-{number:03d}"
    return {"pdf": f"{base}.pdf", "large-print": f"{base}-large-print.pdf",
            "epub": f"{base}.epub"}[kind]


def format_path(settings: Settings, kind: str, number: int) -> str:
    return f"{edition_dir(number)}/{format_name(settings, kind, number)}"


def page_path(number: int) -> str:
    return f"{edition_dir(number)}/index.html"


TESTIMONIES_DIR = "testimonies"
TESTIMONIES_INDEX = f"{TESTIMONIES_DIR}/index.html"


def testimony_path(tid: str) -> str:
    """Where a testimony's own page lives in the site."""
    return f"{TESTIMONIES_DIR}/{tid}.html"
