"""Assemble: each edition as it stood on its date, with what it prints, its markers and labels."""

from __future__ import annotations

from dataclasses import dataclass

from editions.i18n import N_, SOURCE_LANGUAGE, words
from editions.model import Archive, Edition, Markdown, PartialDate, Reissue, Testimony, Update

# In English here; translated where they are printed.
WITHDRAWN_NOTICE = N_("This testimony was withdrawn at the contributor’s request.")
# What stands in a withdrawn testimony's place in headings, contents and bookmarks: no name.
WITHDRAWN_HEADING = N_("Testimony withdrawn")
WITHDRAWN_REVISION = N_("a testimony was withdrawn at the contributor’s request.")


@dataclass(frozen=True)
class PrintedUpdate:
    date: PartialDate
    label: str
    text: Markdown
    is_new: bool


@dataclass(frozen=True)
class PrintedTestimony:
    testimony: Testimony
    updates: tuple[PrintedUpdate, ...]
    is_new: bool
    withdrawn: bool = False

    @property
    def id(self) -> str:
        return self.testimony.id

    @property
    def heading(self) -> str:
        if self.withdrawn:
            return WITHDRAWN_HEADING
        return f"{self.testimony.name}, {self.testimony.country}"

    @property
    def has_new_updates(self) -> bool:
        return any(u.is_new for u in self.updates)


@dataclass(frozen=True)
class EditionView:
    """One edition as printed: the input of rendering."""

    edition: Edition
    title: str
    testimonies: tuple[PrintedTestimony, ...]
    revisions: tuple[Reissue, ...] = ()  # changes after publication, shown to readers

    @property
    def number(self) -> int:
        return self.edition.number

    @property
    def added(self) -> tuple[PrintedTestimony, ...]:
        return tuple(t for t in self.testimonies if t.is_new and not t.withdrawn)

    @property
    def updated(self) -> tuple[PrintedTestimony, ...]:
        return tuple(t for t in self.testimonies if t.has_new_updates and not t.withdrawn)


# A printed page holds about this many characters of the editor's Markdown, and the cover and
# contents take about two pages (fitted on the benchmark's generated editions of 8 to 11 pages:
# within a page of every one).
CHARACTERS_PER_PAGE = 3000
PAGES_AROUND_THE_TEXT = 2


def estimated_pages(view: EditionView) -> int:
    """About how many pages an edition's PDF has, from its text alone (nothing laid out)."""
    characters = len(view.edition.intro.text) if view.edition.intro else 0
    for printed in view.testimonies:
        if printed.withdrawn:
            continue
        characters += len(printed.testimony.story.text)
        characters += sum(len(update.text.text) for update in printed.updates)
    return PAGES_AROUND_THE_TEXT + round(characters / CHARACTERS_PER_PAGE)


def months_between(start: PartialDate, end: PartialDate) -> int:
    """Whole calendar months from one date to another, each taken as its first day."""
    a, b = start.first_day, end.first_day
    months = (b.year - a.year) * 12 + (b.month - a.month)
    if b.day < a.day:
        months -= 1
    return months


def derived_label(started: PartialDate, date: PartialDate, treatment: str,
                  language: str = SOURCE_LANGUAGE) -> str:
    """'N months on LDN' under 11 months, else whole years rounded to the nearest, in the
    publication's language."""
    t = words(language)
    months = months_between(started, date)
    if months < 1:
        return t.gettext("Less than a month on %(treatment)s") % {"treatment": treatment}
    if months < 11:
        return t.ngettext("%(num)d month on %(treatment)s", "%(num)d months on %(treatment)s",
                          months) % {"num": months, "treatment": treatment}
    years = (months + 6) // 12
    return t.ngettext("%(num)d year on %(treatment)s", "%(num)d years on %(treatment)s",
                      years) % {"num": years, "treatment": treatment}


def update_label(testimony: Testimony, update: Update, default_treatment: str,
                 language: str = SOURCE_LANGUAGE) -> str:
    if update.label:
        return update.label
    assert testimony.started is not None, "check guarantees a label or a start date"
    return derived_label(testimony.started, update.date, testimony.treatment or default_treatment,
                         language)


def assemble_edition(archive: Archive, edition: Edition) -> EditionView:
    """What `edition` prints as of its date; only earlier published editions decide what is
    new: a draft has reached no reader."""
    earlier = [(e.date, frozenset(e.testimonies)) for e in archive.editions
               if e.number < edition.number and e.published]
    printed = []
    for tid in edition.testimonies:
        testimony = archive.testimonies[tid]
        last_seen = max((date for date, ids in earlier if tid in ids), default=None)
        is_new = last_seen is None
        updates = tuple(
            PrintedUpdate(
                date=u.date,
                label=update_label(testimony, u, archive.settings.treatment,
                                   archive.settings.language),
                text=u.text,
                is_new=last_seen is not None and u.date > last_seen,
            )
            for u in testimony.updates
            if u.date.first_day <= edition.date.first_day
        )
        withdrawn = testimony.is_withdrawn
        printed.append(PrintedTestimony(testimony, () if withdrawn else updates, is_new,
                                        withdrawn))
    title = edition.title or archive.settings.title
    revisions = sorted(
        [*(Reissue(p.testimony.consent.withdrawn,
                     words(archive.settings.language).gettext(WITHDRAWN_REVISION))
           for p in printed if p.withdrawn and p.testimony.consent.withdrawn is not None),
         *edition.reissues],
        key=lambda r: r.date)
    return EditionView(edition, title, tuple(printed), tuple(revisions))


def assemble(archive: Archive) -> list[EditionView]:
    """Every edition of the archive, in number order."""
    return [assemble_edition(archive, e) for e in archive.editions]


@dataclass(frozen=True)
class TestimonyView:
    """A testimony as its page in the archive shows it: the input of a testimony page.

    The page shows the story and every update dated on or before `as_of`, the date of the
    newest published edition, so the public archive moves when an edition is published and
    never because a build ran on a later day.
    """

    testimony: Testimony
    updates: tuple[PrintedUpdate, ...]
    printed_in: tuple[Edition, ...]  # the published editions that printed it, in order
    as_of: PartialDate

    @property
    def id(self) -> str:
        return self.testimony.id

    @property
    def heading(self) -> str:
        return f"{self.testimony.name}, {self.testimony.country}"


def assemble_testimonies(archive: Archive) -> list[TestimonyView]:
    """The testimonies that get a page: printed in a published edition, consent not withdrawn.

    Sorted by id, so every listing built from them starts in the same order.
    """
    published = [e for e in archive.editions if e.published]
    if not published:
        return []
    as_of = max(e.date for e in published)
    views = []
    for tid in sorted(archive.testimonies):
        testimony = archive.testimonies[tid]
        printed_in = tuple(e for e in published if tid in e.testimonies)
        if not printed_in or testimony.consent.withdrawn is not None:
            continue
        updates = tuple(
            PrintedUpdate(u.date, update_label(testimony, u, archive.settings.treatment,
                                               archive.settings.language),
                          u.text, is_new=False)
            for u in testimony.updates if u.date.first_day <= as_of.first_day)
        views.append(TestimonyView(testimony, updates, printed_in, as_of))
    return views
