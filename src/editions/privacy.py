"""Privacy lint: warnings where a testimony's text seems to say who or where its writer is."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import Problem
from .model import Markdown, Testimony, Where

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
           "December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_FULL_DATE = (rf"(?:{_DAY}\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}"
              rf"|(?:{_MONTHS})\.?\s+{_DAY},?\s+\d{{4}}"
              r"|\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})\b|\d{4}-\d{2}-\d{2})")

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Written out against harvesters: "kim at example dot org", "kim [at] example (dot) org". The
# last part must be letters in one case ("org"), so "at 4.5 mg", "at home.Then" and "at the end
# of the day" are prose.
_AT = r"(?:\s+(?i:at)\s+|\s*[\[({]\s*(?i:at)\s*[\])}]\s*)"
_DOT = r"(?:\s+(?i:dot)\s+|\s*[\[({]\s*(?i:dot)\s*[\])}]\s*|\.)"
SPELLED_EMAIL = re.compile(
    rf"(?<![\w.+-])[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}(?:[a-z]{{2,}}|[A-Z]{{2,}})\b")
# Eight to fifteen digits in groups, with an optional +country code or (area code).
PHONE = re.compile(r"(?<![\w+-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{2,5}"
                   r"(?:[ .-]\d{2,5}){1,4}(?![\w-]|[.,]\d)")
STREET = re.compile(
    r"\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][\w'’.-]*\s+){1,3}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Crescent|"
    r"Close|Way|Place|Pl|Terrace|Parade|Highway|Hwy)\b\.?"
    r"|\b[A-ZÄÖÜ][\wäöüßø]+(?:straße|strasse|str\.|weg|gasse|platz|straat|laan|gracht|plein|"
    r"vej|gade)\s+\d{1,4}[a-z]?\b")
BIRTH = re.compile(rf"\b(?:born(?:\s+on)?|(?:birthday|date\s+of\s+birth)(?:\s+(?:is|was))?"
                   rf"|DOB|d\.o\.b\.?)\s*:?\s*(?:on\s+)?{_FULL_DATE}", re.IGNORECASE)
MAX_FINDINGS = 20  # per text: a hostile paste must not bury the other messages
_CAPITALISED = r"[A-ZÀ-ÖØ-Þ][\w'’-]+"
# What comes between a first name and a surname: "de Vries", "van der Berg", "von Trapp".
_PARTICLES = (r"(?:(?:van|von|de|der|den|du|des|di|da|del|della|dos|das|le|la|ten|ter|zu|"
              r"vom|zur|op|'t)\s+){0,3}")
# Says a name outright, whoever's: "My name is Joan Smith", "I'm called Joan de Vries".
NAMED = re.compile(rf"\b(?:[Mm]y\s+(?:full\s+)?name\s+is|I\s+am\s+called|I['’]m\s+called)"
                   rf"\s+{_CAPITALISED}\s+{_PARTICLES}{_CAPITALISED}")

# Capitalised words that commonly follow a first name in a sentence and are no surname.
COMMON_WORDS = frozenset("""
    I I'm I've I'd I'll A An And As At But By For From He Her His If In It Its My No Not Of On
    Or Our She So That The Then There They This To Was We When Who With You Your Yes
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday Christmas Easter
    January February March April May June July August September October November December
    Update Edition LDN MS Dr Doctor Mum Mom Dad Junior Senior
""".split())


@dataclass(frozen=True)
class Finding:
    """Something in a text that may identify its writer; `text` is what was matched."""

    where: Where
    kind: str
    text: str
    note: str = ""  # a message of its own, for what is not one finding

    def problem(self) -> Problem:
        message = self.note or (f"{self.kind} in a testimony: '{self.text}'; remove it, or "
                                "acknowledge it under 'privacy: acknowledged:' if the "
                                "contributor agreed")
        return Problem(self.where.path, self.where.line, self.where.col, message, "warning")


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _looks_like_phone(text: str) -> bool:
    if not 8 <= _digits(text) <= 15:
        return False
    groups = re.split(r"[ .()+-]+", text.strip("+() "))
    # Runs of years ("2007 2008 2009") and ISO dates are not telephone numbers.
    if all(len(g) == 4 and g[:2] in ("19", "20") for g in groups if g):
        return False
    return not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)


def _surname_pattern(name: str) -> re.Pattern[str] | None:
    first = name.split()[0] if name.split() else ""
    if not first:
        return None
    # the name as written, or all in capitals ("KIM RYAN"), then any particles, then a surname
    names = "|".join(sorted({re.escape(first), re.escape(first.upper())}))
    return re.compile(rf"(?<![\w-])(?P<first>{names})\s+{_PARTICLES}"
                      rf"(?P<next>{_CAPITALISED})")


def scan_text(text: Markdown, name: str, extra_common: frozenset[str] = frozenset()
              ) -> Iterator[Finding]:
    """The privacy findings in one Markdown text of a testimony whose writer is `name`."""
    taken: list[tuple[int, int]] = []  # spans already reported, where no phone is sought
    for match in itertools.chain(EMAIL.finditer(text.text), SPELLED_EMAIL.finditer(text.text)):
        taken.append(match.span())
        yield Finding(text.line_of(match.start()), "e-mail address", match.group())
    for match in BIRTH.finditer(text.text):
        taken.append(match.span())
        yield Finding(text.line_of(match.start()), "date of birth", match.group())
    taken.sort()
    starts = [start for start, _ in taken]
    for match in PHONE.finditer(text.text):
        before = bisect.bisect_right(starts, match.start()) - 1
        inside = before >= 0 and match.start() < taken[before][1]
        if _looks_like_phone(match.group()) and not inside:
            yield Finding(text.line_of(match.start()), "telephone number", match.group())
    for match in STREET.finditer(text.text):
        yield Finding(text.line_of(match.start()), "street address", match.group())
    named: list[tuple[int, int]] = []  # where a whole name is reported already
    for match in NAMED.finditer(text.text):
        named.append(match.span())
        yield Finding(text.line_of(match.start()), "what looks like a full name", match.group())
    pattern = _surname_pattern(name)
    if pattern is not None:
        common = COMMON_WORDS | extra_common
        shouted = {word.upper() for word in common}
        for match in pattern.finditer(text.text):
            following = match.group("next")
            before = bisect.bisect_right(named, (match.start(), len(text.text))) - 1
            if following in common or (before >= 0 and match.start() < named[before][1]):
                continue
            # "Kim MS" is an acronym; in "KIM RYAN" the name is in capitals too
            if following.isupper() and (match.group("first") != match.group("first").upper()
                                        or following in shouted or len(following) < 2):
                continue
            yield Finding(text.line_of(match.start()), "what looks like a surname",
                          match.group())


def testimony_findings(t: Testimony) -> Iterator[Finding]:
    """Every finding in a testimony: its name field, its story and its updates."""
    words = {w for field in (t.country, t.condition, t.treatment or "") for w in field.split()}
    common = frozenset(words)
    name_parts = t.name.split()
    if len(name_parts) > 1 and all(p[:1].isupper() for p in name_parts[1:]) and not (
            set(name_parts[1:]) <= COMMON_WORDS):
        yield Finding(t.where.get("name", t.where["."]), "what looks like a full name", t.name)
    texts = [t.story, *(u.text for u in t.updates)]
    for text in texts:
        findings = scan_text(text, t.name, common)
        yield from itertools.islice(findings, MAX_FINDINGS)
        if next(findings, None) is not None:
            where = text.where
            yield Finding(where, "", "", note=f"more than {MAX_FINDINGS} privacy findings in "
                          f"this text; only the first {MAX_FINDINGS} are listed")


def privacy_problems(t: Testimony) -> Iterator[Problem]:
    """Warnings for a testimony's findings, less those its `privacy.acknowledged` lists."""
    acknowledged = dict(t.acknowledged)
    used: set[str] = set()
    for finding in testimony_findings(t):
        if finding.text in acknowledged:
            used.add(finding.text)
            continue
        yield finding.problem()
    for text, where in t.acknowledged:
        if text not in used:
            yield Problem(where.path, where.line, where.col,
                          f"acknowledged '{text}' is no longer in the testimony: remove it from "
                          "'privacy: acknowledged:'", "warning")
