"""Privacy lint: warnings where a testimony's text seems to say who or where its writer is."""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers
from babel import Locale

from editions.errors import Problem, Severity, Where
from editions.i18n import shipped_languages
from editions.model import Markdown, Testimony

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
# The shipped languages' month names, for dates such as "3. Mai 1961", "3 mars 1961",
# "3 de marzo de 1961", "3 maart 1961".
SHIPPED = shipped_languages()
_MONTH_NAMES = "|".join(sorted(
    {re.escape(name) for tag in SHIPPED for width in ("wide", "abbreviated")
     for name in Locale.parse(tag).months["format"][width].values()},
    key=lambda n: (-len(n), n)))
_LOCAL_DATE = (rf"(?:\d{{1,2}}\.?\s*(?:de\s+)?(?:{_MONTH_NAMES})\.?,?\s*(?:de\s+)?\d{{4}}"
               rf"|\d{{1,2}}[./-]\d{{1,2}}[./-](?:\d{{4}}|\d{{2}})\b|\d{{4}}-\d{{2}}-\d{{2}})")
# "born on", "geboren am", "né le", "nacida el", "geboren op", and the forms' "date of birth".
_BORN = (r"born(?:\s+on)?|(?:birthday|date\s+of\s+birth)(?:\s+(?:is|was))?|DOB|d\.o\.b\.?"
         r"|geboren(?:\s+(?:am|op|den))?|geb\.|Geburtsdatum|Geburtstag(?:\s+ist)?|geboortedatum"
         r"|n[ée]e?\s+le|date\s+de\s+naissance|nacid[oa]\s+el|fecha\s+de\s+nacimiento")
BIRTH = re.compile(rf"\b(?:{_BORN})\s*:?\s*(?:on\s+)?(?:{_FULL_DATE}|{_LOCAL_DATE})",
                   re.IGNORECASE)
MAX_FINDINGS = 20  # per text: a hostile paste must not bury the other messages
_CAPITALISED = r"[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’-]+"
# Initials between names: "J. van der Berg", "Jan P. Jansen", "J.R. Smith".
_INITIALS = r"(?:[A-ZÀ-ÖØ-ÞĀ-Ž]\.\s*){0,3}"
# What comes between a first name and a surname: "de Vries", "van der Berg", "von Trapp".
_PARTICLES = (r"(?:(?:van|von|de|der|den|du|des|di|da|del|della|dos|das|le|la|los|las|y|ten|"
              r"ter|zu|vom|zur|op|'t|d['’]|l['’])\s*){0,3}")
# Says a name outright, whoever's: "My name is Joan Smith", "I'm called Joan de Vries".
# ... in each shipped language: "ich heiße", "je m'appelle", "me llamo", "mijn naam is".
_SAYS_NAME = (r"[Mm]y\s+(?:full\s+)?name\s+is|I\s+am\s+called|I['’]m\s+called"
              r"|[Ii]ch\s+hei(?:ß|ss)e|[Mm]ein\s+(?:voller\s+)?Name\s+ist"
              r"|[Jj]e\s+m['’]appelle|[Mm]on\s+nom\s+(?:complet\s+)?est"
              r"|[Mm]e\s+llamo|[Mm]i\s+nombre\s+(?:completo\s+)?es"
              r"|[Mm]ijn\s+(?:volledige\s+)?naam\s+is|[Ii]k\s+heet")
NAMED = re.compile(rf"\b(?:{_SAYS_NAME})\s+{_CAPITALISED}\s+{_INITIALS}{_PARTICLES}"
                   rf"{_CAPITALISED}")

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
        return Problem(self.where, message, Severity.WARNING)


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


# Names a contributor's country goes by that are no territory name in Babel's data.
COUNTRY_ALIASES = {
    "usa": "US", "us": "US", "u.s.": "US", "u.s.a.": "US", "america": "US", "uk": "GB",
    "u.k.": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "great britain": "GB", "britain": "GB", "holland": "NL", "eire": "IE", "nz": "NZ",
    "deutschland": "DE", "brd": "DE", "españa": "ES", "schweiz": "CH", "suisse": "CH",
    "österreich": "AT", "belgië": "BE", "belgique": "BE",
}


@functools.cache
def _territories() -> dict[str, str]:
    """Country names in every shipped language (Babel's CLDR data), lowercase, to regions."""
    names: dict[str, str] = {}
    for tag in SHIPPED:
        for code, territory in Locale.parse(tag).territories.items():
            if code.isalpha() and len(code) == 2:
                names.setdefault(territory.lower(), code)
    return names


def region_of(country: str) -> str | None:
    """The ISO 3166 region of a country as a contributor names it ("UK", "Deutschland")."""
    key = " ".join(country.split()).lower()
    if key.upper() in phonenumbers.SUPPORTED_REGIONS and len(key) == 2 and key != "uk":
        return key.upper()
    return COUNTRY_ALIASES.get(key) or _territories().get(key)


# What follows a number that is a dose, a count or a measure, never a telephone number.
_MEASURE = re.compile(r"\s*(?:mg|mcg|µg|μg|ug|ml|g|kg|km|mm|cm|m|IE|IU|units?|Einheiten|"
                      r"unités|unidades|eenheden|%|x)\b", re.IGNORECASE)
_SCORE = re.compile(r"(?:EDSS|score|Score|Wert|note|puntuación)\W{0,3}$")


def _phones(text: str, region: str | None) -> Iterator[tuple[int, int, str]]:
    """Telephone numbers: libphonenumber's valid numbers for the writer's region and any
    number written with +, and the digit groups the pattern finds."""
    found: dict[int, tuple[int, int, str]] = {}
    for where in dict.fromkeys((region or "ZZ", "ZZ")):
        for hit in phonenumbers.PhoneNumberMatcher(text, where,
                                                   leniency=phonenumbers.Leniency.VALID):
            found.setdefault(hit.start, (hit.start, hit.end, hit.raw_string))
    for match in PHONE.finditer(text):
        found.setdefault(match.start(), (match.start(), match.end(), match.group()))
    for start, end, number in sorted(found.values()):
        if _MEASURE.match(text, end) or _SCORE.search(text, max(0, start - 12), start):
            continue
        if _looks_like_phone(number):
            yield start, end, number


def _surname_pattern(name: str) -> re.Pattern[str] | None:
    first = name.split()[0] if name.split() else ""
    if not first:
        return None
    # the name as written, or all in capitals ("KIM RYAN"), then any particles, then a surname
    names = "|".join(sorted({re.escape(first), re.escape(first.upper())}))
    return re.compile(rf"(?<![\w-])(?P<first>{names})\s+{_INITIALS}{_PARTICLES}"
                      rf"(?P<next>{_CAPITALISED})")


def scan_text(text: Markdown, name: str, extra_common: frozenset[str] = frozenset(),
              country: str = "") -> Iterator[Finding]:
    """The privacy findings in one Markdown text of a testimony whose writer is `name`, from
    `country` (whose numbering plan tells a telephone number)."""
    taken: list[tuple[int, int]] = []  # spans already reported, where no phone is sought
    yield from _address_and_birth_findings(text, taken)
    yield from _phone_findings(text, country, taken)
    for match in STREET.finditer(text.text):
        yield Finding(text.line_of(match.start()), "street address", match.group())
    named: list[tuple[int, int]] = []  # where a whole name is reported already
    yield from _full_name_findings(text, named)
    yield from _surname_findings(text, name, extra_common, named)


def _address_and_birth_findings(text: Markdown, taken: list[tuple[int, int]]
                                ) -> Iterator[Finding]:
    """E-mail addresses, written plainly or spelled out, and dates of birth; where each is
    goes into `taken`."""
    for match in itertools.chain(EMAIL.finditer(text.text), SPELLED_EMAIL.finditer(text.text)):
        taken.append(match.span())
        yield Finding(text.line_of(match.start()), "e-mail address", match.group())
    for match in BIRTH.finditer(text.text):
        taken.append(match.span())
        yield Finding(text.line_of(match.start()), "date of birth", match.group())


def _phone_findings(text: Markdown, country: str, taken: list[tuple[int, int]]
                    ) -> Iterator[Finding]:
    """Telephone numbers, but for digits inside what `taken` says is reported already (the
    date in a date of birth, say)."""
    taken.sort()
    starts = [start for start, _ in taken]
    for start, _, number in _phones(text.text, region_of(country)):
        before = bisect.bisect_right(starts, start) - 1
        if not (before >= 0 and start < taken[before][1]):
            yield Finding(text.line_of(start), "telephone number", number)


def _full_name_findings(text: Markdown, named: list[tuple[int, int]]) -> Iterator[Finding]:
    """Names said outright ("my name is Joan Smith"); where each is goes into `named`."""
    for match in NAMED.finditer(text.text):
        named.append(match.span())
        yield Finding(text.line_of(match.start()), "what looks like a full name", match.group())


def _surname_findings(text: Markdown, name: str, extra_common: frozenset[str],
                      named: list[tuple[int, int]]) -> Iterator[Finding]:
    """The writer's first name followed by what reads as a surname, but within a name
    `named` holds already."""
    pattern = _surname_pattern(name)
    if pattern is None:
        return
    common = COMMON_WORDS | extra_common
    shouted = {word.upper() for word in common}
    for match in pattern.finditer(text.text):
        before = bisect.bisect_right(named, (match.start(), len(text.text))) - 1
        if before >= 0 and match.start() < named[before][1]:
            continue
        if _no_surname(match, common, shouted):
            continue
        yield Finding(text.line_of(match.start()), "what looks like a surname", match.group())


def _no_surname(match: re.Match[str], common: frozenset[str], shouted: set[str]) -> bool:
    """Whether the word after the first name is no surname: a common word, or an acronym."""
    following = match.group("next")
    if following in common:
        return True
    # "Kim MS" is an acronym; in "KIM RYAN" the name is in capitals too
    return following.isupper() and (match.group("first") != match.group("first").upper()
                                    or following in shouted or len(following) < 2)


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
        findings = scan_text(text, t.name, common, t.country)
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
            yield Problem(where,
                          f"acknowledged '{text}' is no longer in the testimony: remove it from "
                          "'privacy: acknowledged:'", Severity.WARNING)
