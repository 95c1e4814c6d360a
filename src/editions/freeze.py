"""Freeze: fingerprints of what a published edition prints, and the changes that would alter it."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .assemble import EditionView, assemble_edition
from .errors import Problem
from .model import Archive, Consent, Edition, Markdown, Where
from .prose import normalized, word_change

SHORT = 12  # hex digits of a passage's fingerprint: enough to tell passages apart in review


@dataclass(frozen=True)
class Passage:
    """One piece of what an edition prints: its name, its text, and where that text is kept."""

    name: str
    text: str
    where: Where
    markdown: Markdown | None = None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:SHORT]

    @property
    def record(self) -> str:
        return f"{self.digest} {self.name}"


def frozen_view(archive: Archive, edition: Edition) -> EditionView:
    """The edition as it prints, as if every consent still held.

    A withdrawal is honoured by the build with a notice and a revision line; it is not an
    editorial change, so the fingerprint is taken from the text the contributor gave.
    """
    # Only the testimonies it prints matter, and only a withdrawn one differs: at archive
    # scale, copying every testimony for every edition would slow each build.
    intact = dict(archive.testimonies)
    for tid in edition.testimonies:
        t = archive.testimonies.get(tid)
        if t is not None and t.consent.withdrawn is not None:
            intact[tid] = dataclasses.replace(t, consent=Consent(t.consent.given, None))
    return assemble_edition(dataclasses.replace(archive, testimonies=intact), edition)


def passages(view: EditionView, default_treatment: str) -> list[Passage]:
    """Everything the edition prints, passage by passage, in print order."""
    e = view.edition
    found = [Passage("edition", f"{view.title}\nEdition {e.number}\n{e.date}", e.where["date"])]
    if e.intro:
        found.append(Passage("intro", normalized(e.intro.text), e.intro.where, e.intro))
    for printed in view.testimonies:
        t = printed.testimony
        facts = [t.condition, t.treatment or default_treatment, str(t.started or "")]
        head = f"{printed.heading}\n{' · '.join(facts)}\n{'new' if printed.is_new else ''}"
        found.append(Passage(t.id, head, t.where["."]))
        found.append(Passage(f"{t.id} story", normalized(t.story.text), t.story.where, t.story))
        for update in printed.updates:
            text = (f"{update.date}\n{update.label}\n{'new' if update.is_new else ''}\n"
                    + normalized(update.text.text))
            found.append(Passage(f"{t.id} update {update.date}", text, update.text.where,
                                 update.text))
    return found


def fingerprint(found: list[Passage]) -> str:
    digest = hashlib.sha256()
    for passage in found:
        digest.update(f"{passage.name}\0{passage.text}\0".encode())
    return "sha256:" + digest.hexdigest()


def edition_passages(archive: Archive, edition: Edition) -> list[Passage]:
    return passages(frozen_view(archive, edition), archive.settings.treatment)


def _recorded(edition: Edition) -> dict[str, str]:
    assert edition.frozen is not None
    names: dict[str, str] = {}
    for record in edition.frozen.passages:
        digest, _, name = record.partition(" ")
        names[name] = digest
    return names


# Given an edition's number, its passages by name as the previous version printed them.
OldPassages = Callable[[int], dict[str, Passage]]


def edition_fingerprint(archive: Archive, edition: Edition) -> str:
    """The fingerprint of what an edition prints now, to compare with its frozen record."""
    return fingerprint(edition_passages(archive, edition))


def check_frozen(archive: Archive, old: OldPassages | None = None,
                 fingerprints: Callable[[Archive, Edition], str] = edition_fingerprint,
                 ) -> list[Problem]:
    """Every change that would alter a published edition; a warning for an unfrozen one.

    `fingerprints` may answer from a cache; the passages are read only for a changed edition.
    """
    problems: list[Problem] = []
    for edition in archive.editions:
        where = edition.where["status"]
        if not edition.published:
            if edition.frozen is not None:
                problems.append(Problem(
                    where.path, where.line, where.col,
                    f"edition {edition.number} was published (it has a 'frozen' record): it "
                    "cannot go back to draft; correct it with a reissue instead"))
            continue
        if edition.frozen is None:
            problems.append(Problem(
                where.path, where.line, where.col,
                f"edition {edition.number} is published but not yet frozen: run `editions "
                f"publish {edition.number}` to record what it prints", "warning"))
            continue
        if fingerprints(archive, edition) != edition.frozen.fingerprint:
            problems.extend(_changes(archive, edition, old))
    return problems


def _changes(archive: Archive, edition: Edition, old: OldPassages | None) -> Iterator[Problem]:
    assert edition.frozen is not None
    found = edition_passages(archive, edition)
    lead = (f"edition {edition.number} ({edition.path}) is published and frozen; this change "
            "alters what it prints:")
    advice = (f"undo it, or accept it with `editions publish {edition.number} --reissue "
              "--note \"...\"`")
    recorded = _recorded(edition)
    current = {p.name: p for p in found}
    previous: dict[str, Passage] | None = None
    named = False
    for passage in found:
        digest = recorded.get(passage.name)
        if digest == passage.digest:
            continue
        named = True
        if digest is None:
            yield _at(passage.where, f"{lead} {passage.name} is added; {advice}")
            continue
        if previous is None and old is not None:
            previous = old(edition.number)
        before = (previous or {}).get(passage.name)
        if before is not None and before.digest == digest:
            yield _changed(lead, advice, before, passage)
        else:
            yield _at(passage.where, f"{lead} {passage.name} is changed; {advice}")
    for name in recorded:
        owner = name.split(" ", 1)[0]
        if name not in current and (name == owner or owner not in recorded or owner in current):
            named = True
            at = edition.where.get("testimonies", edition.where["."])
            yield _at(at, f"{lead} {name} is removed; {advice}")
    if not named:
        at = edition.where["testimonies"]
        yield _at(at, f"{lead} the order of its passages changed; {advice}")


def _changed(lead: str, advice: str, before: Passage, after: Passage) -> Problem:
    """A changed passage, located at its first changed word when the text is Markdown."""
    if before.markdown and after.markdown and normalized(before.markdown.text) != normalized(
            after.markdown.text):
        change, offset = word_change(before.markdown.text, after.markdown.text)
        return _at(after.markdown.line_of(offset), f"{lead} {after.name}: {change}; {advice}")
    change, _ = word_change(before.text, after.text)
    return _at(after.where, f"{lead} {after.name}: {change}; {advice}")


def _at(where: Where, message: str) -> Problem:
    return Problem(where.path, where.line, where.col, message)


def passages_by_name(archive: Archive, number: int) -> dict[str, Passage]:
    """The passages of one edition of an archive by name; empty when it has no such edition."""
    for edition in archive.editions:
        if edition.number == number:
            return {p.name: p for p in edition_passages(archive, edition)}
    return {}
