"""Check: the publication's rules over the whole archive, every problem found at once."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from editions.check.glyphs import record_glyph_problems
from editions.check.links import ImageUse, citation_keys, image_problems, image_uses, text_problems
from editions.check.privacy import privacy_problems
from editions.errors import Problem, Severity, Where
from editions.model import Archive, Edition, Settings, Testimony

# The ids an edition's page gives its own elements (templates/edition.html, pandoc's
# bibliography); a testimony's article takes its id, so it may not be one of these.
PAGE_IDS = ("contents", "introduction", "main", "references", "refs", "top")
# ... nor have the form of one the page makes: `{id}-title` for each heading, `ref-{key}`
# for each reference, `withdrawn-{n}` in place of a withdrawn testimony.
PAGE_ID_FORMS = re.compile(r"^(?:.*-title|ref-.*|withdrawn-\d+)$")


def reserved_id(tid: str) -> bool:
    """Whether a testimony with this id would share an element id with its edition's page."""
    return tid in PAGE_IDS or PAGE_ID_FORMS.match(tid) is not None


@dataclass(frozen=True)
class Scan:
    """What the rules find in one testimony or edition file on its own.

    The costly part of checking a file, and a function of its record alone; what else it
    depends on (the references known, the images folder) is looked at by `check_archive`.
    """

    problems: tuple[Problem, ...]  # privacy warnings, refused links, nesting
    citations: tuple[tuple[str, Where], ...]  # every citation key, where it is written
    images: tuple[ImageUse, ...]


def file_scan(record: Testimony | Edition, covered: frozenset[int] | None = None) -> Scan:
    """The findings of one loaded file that depend on nothing but what it says, and, with
    `covered` (the code points the PDF's fonts have), on the fonts."""
    if isinstance(record, Testimony):
        problems = list(privacy_problems(record))
        texts = [record.story, *(u.text for u in record.updates)]
    else:
        problems = []
        texts = [record.intro] if record.intro else []
    if covered is not None:
        problems.extend(record_glyph_problems(record, covered))
    citations: list[tuple[str, Where]] = []
    images: list[ImageUse] = []
    for text in texts:
        problems.extend(text_problems(text))
        citations.extend((key, text.line_of(offset)) for key, offset in citation_keys(text.text))
        images.extend(image_uses(text))
    return Scan(tuple(problems), tuple(citations), tuple(images))


def check_archive(archive: Archive, today: dt.date | None = None, *,
                  scans: Mapping[str, Scan] | None = None) -> list[Problem]:
    """Every rule of the publication over the loaded archive but two that need more than
    the archive, which the build runs beside it: the characters no font has
    (glyphs.shared_glyph_problems, and file_scan with the fonts) and the freeze rule, which
    compares assembled editions (make.freeze.check_frozen).

    `scans` are each file's own findings by path (file_scan), as the file cache kept or made
    them; a file without one is scanned here. Errors stop a build; warnings (the privacy
    lint) only ask the editor to look.
    """
    today = today or dt.date.today()
    problems: list[Problem] = list(_check_settings(archive.settings))
    root = Path(archive.root)
    scans = scans or {}
    records: list[Testimony | Edition] = [*archive.testimonies.values(), *archive.editions]
    for record in records:
        scan = scans.get(record.path) or file_scan(record)
        problems.extend(scan.problems)
        problems.extend(_check_citations(archive, scan.citations))
        problems.extend(image_problems(root, scan.images))
    for testimony in archive.testimonies.values():
        problems.extend(_check_testimony(testimony, today))
    problems.extend(_check_withdrawn_names(archive))
    previous: Edition | None = None
    published: Edition | None = None  # the last published edition before this one
    for edition in archive.editions:
        problems.extend(_check_edition(archive, edition, previous))
        problems.extend(_check_published_order(edition, previous, published))
        previous = edition
        published = edition if edition.published else published
    return sorted(problems)


# Settings whose built-in values belong to no real publication: a page must not print them
# unnoticed.
NAMED_SETTINGS = {"title": "title", "publisher": "publisher", "site_url": "site address"}


def _check_settings(settings: Settings) -> Iterator[Problem]:
    """What publication.yaml leaves to the tool's placeholders, and a language or site
    address no page could use."""
    yield from _placeholder_problems(settings)
    yield from _language_problems(settings)
    yield from _site_url_problems(settings)


def _placeholder_problems(settings: Settings) -> Iterator[Problem]:
    """A warning for each named setting publication.yaml does not write."""
    read = settings.where.get(".")
    for name, words in NAMED_SETTINGS.items():
        if read is not None and name not in settings.where:
            yield Problem(Where(read.path, 1, 1), f"no '{name}': every page prints the tool's "
                          f"placeholder '{getattr(settings, name)}'; write the publication's "
                          f"own {words}", Severity.WARNING)


def _language_problems(settings: Settings) -> Iterator[Problem]:
    """The publication's language, when it is no tag a page's `lang` may say and Babel knows."""
    from babel import Locale, UnknownLocaleError

    # A BCP 47 tag (`en-GB`, `de`, `sr-Latn-RS`): hyphens, a language subtag of two or three
    # letters; Babel would also take `en_GB` and `root`, which no page's `lang` may say.
    tag_ok = re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", settings.language) is not None
    try:
        if not tag_ok:
            raise ValueError(settings.language)
        Locale.parse(settings.language.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        where = settings.where.get("language") or Where("publication.yaml")
        yield Problem(where, f"language '{settings.language}' is not a language Babel knows: "
                       "write a tag such as en-GB or de-DE")


def _site_url_problems(settings: Settings) -> Iterator[Problem]:
    """The site's address, when it is no public web address."""
    # The feed and every address made from it start here: only a web address will do.
    try:
        url = urllib.parse.urlsplit(settings.site_url)
        web = url.scheme in ("http", "https") and bool(url.hostname)
        url.port  # noqa: B018 -- raises ValueError for a port above 65535 or not a number
        if url.username is not None or url.password is not None:
            where = settings.where.get("site_url") or Where("publication.yaml")
            yield Problem(where, "site_url holds a user name or password: every page and the "
                           "feed would print it; write the public address alone")
            web = True  # said already
    except ValueError:  # an unclosed [ in the host, a port out of range, say
        web = False
    if not web or any(c.isspace() for c in settings.site_url):
        where = settings.where.get("site_url") or Where("publication.yaml")
        yield Problem(where, f"site_url '{settings.site_url}' is not a web address: write the "
                       "archive's public address, such as https://example.org/news/")


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]


def _check_testimony(t: Testimony, today: dt.date) -> Iterator[Problem]:
    yield from _id_problems(t)
    yield from _consent_problems(t, today)
    yield from _update_problems(t, today)


def _id_problems(t: Testimony) -> Iterator[Problem]:
    """A testimony's id names its page and its element on an edition's page."""
    if t.id == "index":
        yield Problem(t.where["."], "'index' cannot be a testimony's id: testimonies/index.html "
                       "lists the testimonies; rename the file")
    elif reserved_id(t.id):
        yield Problem(t.where["."], f"'{t.id}' cannot be a testimony's id: an edition's page "
                       "uses it for an element of its own (reserved: "
                       f"{', '.join(PAGE_IDS)}, ids ending in '-title', and 'ref-…', "
                       "'withdrawn-N'); rename the file")


def _consent_problems(t: Testimony, today: dt.date) -> Iterator[Problem]:
    # Consent given after the story came is never a problem: it can come later.
    withdrawn, given = t.consent.withdrawn, t.consent.given
    if withdrawn and given and withdrawn < given:
        yield Problem(t.where["consent.withdrawn"], f"consent withdrawn on {withdrawn}, "
                       f"before it was given ({given})")
    if withdrawn and withdrawn.first_day > today:
        # Past editions would say "Revised on" that day, which has not come.
        yield Problem(t.where["consent.withdrawn"], f"consent withdrawn on {withdrawn} is "
                       "in the future: write the day the contributor withdrew it")


def _update_problems(t: Testimony, today: dt.date) -> Iterator[Problem]:
    """Updates are dated, oldest first, none in the future, each with a label or a start
    date to derive one from."""
    last = None
    for index, update in enumerate(t.updates):
        at = t.where.get(f"updates[{index}].date", update.where)
        if update.date.first_day > today:
            yield Problem(at, f"update dated {update.date} is in the future")
        if last is not None and update.date < last:
            yield Problem(at, f"update dated {update.date} comes after one dated {last}: "
                           "updates go oldest first")
        last = update.date
        if update.label is not None:
            continue
        if t.started is None:
            yield Problem(update.where, "update has no 'label' and the testimony has no "
                           "'started' date to derive one from")
        elif update.date < t.started:
            yield Problem(at, f"update dated {update.date} is before the treatment started "
                           f"({t.started}): give it a 'label'")


def _check_edition(archive: Archive, e: Edition, previous: Edition | None) -> Iterator[Problem]:
    """What is wrong with an edition: its number, its date, and the testimonies it lists."""
    w = e.where
    yield from _edition_number_problems(e)
    if previous is not None and e.date < previous.date:
        yield Problem(w["date"], f"edition {e.number} is dated {e.date}, before edition "
                       f"{previous.number} ({previous.date})")
    if not e.testimonies:
        yield Problem(w["testimonies"], "an edition prints at least one testimony")
    yield from _listed_problems(archive, e)


def _edition_number_problems(e: Edition) -> Iterator[Problem]:
    """An edition's number, when it is below 1 or not the one its file name says."""
    w = e.where
    expected = int(e.path.rsplit("/", 1)[-1][:3])
    if e.number < 1:
        yield Problem(w["number"], f"edition numbers start at 1, not {e.number}: the first "
                       "edition is editions/001.yaml")
    elif e.number != expected:
        yield Problem(w["number"], f"edition number {e.number} does not match its file name "
                       f"({expected:03d}.yaml)")


def _listed_problems(archive: Archive, e: Edition) -> Iterator[Problem]:
    """The testimonies an edition lists: each once, each there, each printable on its date."""
    w = e.where
    seen: dict[str, int] = {}
    for index, tid in enumerate(e.testimonies):
        at = w[f"testimonies[{index}]"]
        if tid in seen:
            yield Problem(at, f"'{tid}' is listed twice (first as number {seen[tid] + 1})")
            continue
        seen[tid] = index
        testimony = archive.testimonies.get(tid)
        if testimony is None:
            yield from _missing_testimony_problems(archive, tid, at)
        else:
            yield from _printed_testimony_problems(e, tid, testimony, at)


def _missing_testimony_problems(archive: Archive, tid: str, at: Where) -> Iterator[Problem]:
    """A listed testimony with no file, and the id it may have meant."""
    if tid in archive.unreadable:
        return  # its file is there but did not load: that problem is reported already
    close = difflib.get_close_matches(tid, list(archive.testimonies), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    yield Problem(at, f"no testimony '{tid}' in testimonies/{hint}")


def _printed_testimony_problems(e: Edition, tid: str, testimony: Testimony, at: Where
                                ) -> Iterator[Problem]:
    """A listed testimony the edition may not print on its date: received after it, or
    without the contributor's consent then."""
    if testimony.received > e.date:
        yield Problem(at, f"'{tid}' was received on {testimony.received}, after this "
                       f"edition's date ({e.date})")
    consent = testimony.consent
    if consent.given is None:
        yield Problem(at, f"'{tid}' has no consent: no edition may print it before its "
                       f"file says when the contributor agreed (consent: given: DATE)")
    elif consent.given > e.date:
        yield Problem(at, f"'{tid}' has no consent by this edition's date ({e.date}); "
                       f"consent given {consent.given}")
    if consent.withdrawn and consent.withdrawn <= e.date:
        yield Problem(at, f"'{tid}' withdrew consent on {consent.withdrawn}, on or before "
                       f"this edition's date ({e.date})")


def _check_published_order(e: Edition, previous: Edition | None,
                           published: Edition | None) -> Iterator[Problem]:
    """Published editions' dates rise with their numbers: the archive lists them by date, so
    two of a day, or one dated before an earlier one, would be listed out of their order."""
    if not e.published or published is None or e.date > published.date:
        return
    if published.number < 1:
        return  # an edition numbered below 1 is refused already; its date says nothing
    if previous is not None and e.date < previous.date:
        return  # already refused as going back in time
    yield Problem(e.where["date"], f"edition {e.number} is published and dated {e.date}, not "
                   f"after edition {published.number} ({published.date}), published before "
                   "it: published editions' dates rise with their numbers")


def _check_citations(archive: Archive, citations: Iterable[tuple[str, Where]]
                     ) -> Iterator[Problem]:
    if archive.references.broken:
        return  # references.yaml's own problem is reported; every citation would follow it
    known = archive.references.ids
    for key, where in citations:
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            yield Problem(where, f"citation '@{key}' is not in references.yaml{hint}")


def _check_withdrawn_names(archive: Archive) -> Iterator[Problem]:
    """Warn where other text still names a contributor who withdrew: pages would print it."""
    withdrawn = {t.name: t for t in archive.testimonies.values() if t.is_withdrawn}
    if not withdrawn:
        return
    pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, sorted(withdrawn))) + r")(?!\w)")
    texts = [e.intro for e in archive.editions if e.intro]
    for t in archive.testimonies.values():
        if not t.is_withdrawn:
            texts.extend([t.story, *(u.text for u in t.updates)])
    for text in texts:
        if not any(name in text.text for name in withdrawn):
            continue  # most texts name no one who withdrew: a plain search says so fastest
        for match in pattern.finditer(text.text):
            gone = withdrawn[match.group(1)]
            where = text.line_of(match.start())
            yield Problem(where,
                          f"names '{gone.name}', whose testimony ({gone.id}) was withdrawn on "
                          f"{gone.consent.withdrawn}: reword it, every page built shows this "
                          "text", Severity.WARNING)
