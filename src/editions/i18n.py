"""Words: what the site itself prints, in the publication's language, from gettext catalogs."""

from __future__ import annotations

import gettext
import logging
import re
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

# The catalogs shipped with the package: locale/<language>/LC_MESSAGES/messages.po and .mo
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
# The words as the templates and the code write them: English needs no catalog.
SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:  # gettext's own name for a marker
    """Mark a message for the catalogs where it is defined; it is translated where printed."""
    return message


def language_of(tag: str) -> str:
    """The primary language subtag of a BCP 47 tag: `de` for `de-DE`, lowercase."""
    return tag.replace("_", "-").split("-")[0].lower() or SOURCE_LANGUAGE


def shipped_languages() -> list[str]:
    """The languages the site's words are translated into, English first."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return [SOURCE_LANGUAGE, *found]


def catalog_path(language: str) -> Path | None:
    """The compiled catalog for a BCP 47 tag, the closest shipped: de-AT finds de_AT, then de.

    None for English and for a language no catalog is shipped for.
    """
    primary = language_of(language)
    if primary == SOURCE_LANGUAGE:
        return None
    regions = language.replace("_", "-").split("-")[1:]
    candidates = ["_".join([primary, *regions]), primary]
    for candidate in candidates:
        path = LOCALE_DIR / candidate / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=16)
def words(language: str) -> gettext.NullTranslations:
    """The site's words in `language` (a BCP 47 tag such as de-DE).

    A language without a catalog prints them in English, with one warning: the pages are
    still right, only not in the publication's language. (An unknown language is refused
    by `check` before anything is built.)
    """
    path = catalog_path(language)
    if path is not None:
        with path.open("rb") as catalog:
            return gettext.GNUTranslations(catalog)
    if language_of(language) != SOURCE_LANGUAGE:
        log.warning("language '%s' has no catalog of the site's own words (shipped: %s): "
                    "they are printed in English; docs/languages.md says how to add one",
                    language, ", ".join(shipped_languages()))
    return gettext.NullTranslations()


_PLACEHOLDER = re.compile(r"%\((page|pages)\)s")


def page_numbers_css(language: str) -> str:
    """The PDF footer's "page 2 of 4" as CSS content, in `language`; "" in English, which
    the print stylesheet itself carries."""
    translated = words(language).gettext("page %(page)s of %(pages)s")
    if translated == "page %(page)s of %(pages)s":
        return ""
    parts = []
    for index, piece in enumerate(_PLACEHOLDER.split(translated)):
        if index % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(css_string(piece))
    content = " ".join([css_string(" · "), *parts])
    return f"@page {{ @bottom-right {{ content: string(edition) {content}; }} }}"


def css_string(text: str) -> str:
    """`text` as a CSS string: quotes, backslashes and anything that could end a <style>
    element written as escapes."""
    escaped = "".join(ch if ch.isalnum() or ch in " ·.,:;-–()'" else f"\\{ord(ch):x} "
                      for ch in text)
    return f'"{escaped}"'
