"""Typed records for testimonies, editions, references and settings, each remembering file:line."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from editions.errors import Where

# ASCII digits only: \d would take '２００７' (full-width) or Arabic-Indic digits too.
DATE_PATTERN = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The folder of a publication that holds the pictures its texts show.
IMAGES_DIR = "images"
EDITION_FILE_PATTERN = re.compile(r"^([0-9]{3})\.yaml$")

# Letters that do not fall apart into a base letter and an accent.
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
                       "ß": "ss", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ł": "l", "Ł": "L",
                       "đ": "d", "Đ": "D"})


def slug(text: str) -> str:
    """Lowercase ASCII letters and digits joined by hyphens, the one way a name becomes part
    of an id or a file name: 'Søren, New Zealand' -> 'soren-new-zealand'."""
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    ascii_text = folded.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


@dataclass(frozen=True, order=True)
class PartialDate:
    """`YYYY-MM-DD`, `YYYY-MM` or `YYYY`; compared by its first day."""

    first_day: dt.date
    precision: str = field(compare=False)  # "day" | "month" | "year"
    text: str = field(compare=False)

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse a date as written; raises ValueError with a message for the editor."""
        match = DATE_PATTERN.match(text)
        if not match:
            raise ValueError(f"'{text}' is not a date: write YYYY-MM-DD, YYYY-MM or YYYY")
        year, month, day = match.groups()
        try:
            first = dt.date(int(year), int(month or 1), int(day or 1))
        except ValueError as err:
            raise ValueError(f"'{text}' is not a calendar date ({err})") from None
        precision = "day" if day else "month" if month else "year"
        return cls(first, precision, text)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Markdown:
    """Markdown as the editor wrote it, with where its first line of text is."""

    text: str
    where: Where
    # Literal block scalars keep lines as written, so a line inside maps to a line of the file.
    literal: bool = True

    def line_of(self, offset: int) -> Where:
        """The file position of a character offset into the text."""
        if not self.literal:
            return self.where
        before = self.text[:offset]
        line_index = before.count("\n")
        col = offset - (before.rfind("\n") + 1)
        indent = self.where.col - 1
        return Where(self.where.path, self.where.line + line_index, indent + col + 1)


@dataclass(frozen=True)
class Consent:
    given: PartialDate | None
    withdrawn: PartialDate | None = None


@dataclass(frozen=True)
class Update:
    date: PartialDate
    label: str | None
    text: Markdown
    where: Where


@dataclass(frozen=True)
class Testimony:
    id: str
    name: str
    country: str
    condition: str
    treatment: str | None
    diagnosed: PartialDate | None
    started: PartialDate | None
    received: PartialDate
    consent: Consent
    story: Markdown
    updates: tuple[Update, ...]
    where: dict[str, Where]
    # Privacy findings the editor has checked with the contributor: each matched text, and where.
    acknowledged: tuple[tuple[str, Where], ...] = ()

    @property
    def path(self) -> str:
        return self.where["."].path

    @property
    def is_withdrawn(self) -> bool:
        """Consent withdrawn: the testimony leaves every page, listing and PDF on rebuild."""
        return self.consent.withdrawn is not None


@dataclass(frozen=True)
class Reissue:
    """A change to a published edition that the editor accepted, with the note readers see."""

    date: PartialDate
    note: str


@dataclass(frozen=True)
class Frozen:
    """What a published edition prints, as `editions publish` recorded it."""

    fingerprint: str
    passages: tuple[str, ...] = ()  # "<short fingerprint> <passage name>", in print order


@dataclass(frozen=True)
class Edition:
    number: int
    date: PartialDate
    status: str  # "draft" | "published"
    title: str | None
    intro: Markdown | None
    testimonies: tuple[str, ...]
    where: dict[str, Where]
    reissues: tuple[Reissue, ...] = ()
    frozen: Frozen | None = None

    @property
    def path(self) -> str:
        return self.where["."].path

    @property
    def published(self) -> bool:
        return self.status == "published"


# What each edition is published as besides its web page, in the order the pages list them:
# the standard PDF, the large-print PDF and the EPUB for e-readers and reading apps.
FORMATS = ("pdf", "large-print", "epub")
# made beside the standard PDF, from the same page
EXTRA_FORMATS = FORMATS[1:]


@dataclass(frozen=True)
class Settings:
    """Publication-wide settings from `publication.yaml`."""

    title: str = "Those who suffer much know much"
    subtitle: str | None = None
    publisher: str = "The editor"
    language: str = "en-GB"
    site_url: str = "https://example.org/news/"
    paper: str = "A4"
    treatment: str = "LDN"
    formats: tuple[str, ...] = FORMATS
    where: dict[str, Where] = field(default_factory=dict)


@dataclass(frozen=True)
class References:
    """The CSL entries of `references.yaml`, as plain data pandoc reads."""

    entries: tuple[dict[str, Any], ...] = ()
    where: dict[str, Where] = field(default_factory=dict)
    broken: bool = False  # references.yaml has a problem: which ids it meant is not known

    @cached_property
    def ids(self) -> frozenset[str]:
        # asked once for every Markdown field a check reads
        return frozenset(str(e.get("id")) for e in self.entries)


@dataclass(frozen=True)
class Archive:
    """Everything the editor keeps: the input of every stage after loading."""

    root: str
    settings: Settings
    testimonies: dict[str, Testimony]
    editions: tuple[Edition, ...]
    references: References
    # testimony files that exist but did not load: their problems are reported already
    unreadable: frozenset[str] = frozenset()

    @property
    def withdrawn(self) -> frozenset[str]:
        """The ids of testimonies whose consent is withdrawn: no page may show them."""
        return frozenset(t.id for t in self.testimonies.values() if t.is_withdrawn)

