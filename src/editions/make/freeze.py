"""Freeze: fingerprints of what a published edition prints, and the changes that would alter it."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from editions.check.links import IMAGE_PATH, citation_keys, targets
from editions.errors import Problem, Severity, Where
from editions.make.assemble import EditionView, assemble_edition
from editions.model import EDITION_FILE_PATTERN, Archive, Consent, Edition, Frozen, Markdown
from editions.prose import normalized, word_change

SHORT = 12  # hex digits of a passage's fingerprint: enough to tell passages apart in review


@dataclass(frozen=True)
class Passage:
    """One piece of what an edition prints: its name, its text, and where that text is kept."""

    name: str
    text: str
    where: Where
    markdown: Markdown | None = None
    # printed data, one "field: value" a line: where each field is written, when known
    fields: dict[str, Where] | None = None

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


def passages(view: EditionView, archive: Archive) -> list[Passage]:
    """Everything the edition prints, passage by passage, in print order; then the data it
    prints from outside its texts (settings, cited references, pictures)."""
    e = view.edition
    found = [Passage("edition", f"{view.title}\nEdition {e.number}\n{e.date}", e.where["date"])]
    texts: list[Markdown] = []
    if e.intro:
        found.append(Passage("intro", normalized(e.intro.text), e.intro.where, e.intro))
        texts.append(e.intro)
    for printed in view.testimonies:
        t = printed.testimony
        facts = [t.condition, t.treatment or archive.settings.treatment, str(t.started or "")]
        head = f"{printed.heading}\n{' · '.join(facts)}\n{'new' if printed.is_new else ''}"
        found.append(Passage(t.id, head, t.where["."]))
        found.append(Passage(f"{t.id} story", normalized(t.story.text), t.story.where, t.story))
        texts.append(t.story)
        seen: dict[str, int] = {}
        for update in printed.updates:
            text = (f"{update.date}\n{update.label}\n{'new' if update.is_new else ''}\n"
                    + normalized(update.text.text))
            # Two updates may share a date (two letters in one month): the second and later
            # are told apart by their place, and the first keeps the name records already have.
            name = f"{t.id} update {update.date}"
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name += f" ({seen[name]})"
            found.append(Passage(name, text, update.text.where, update.text))
            texts.append(update.text)
    return found + printed_data(archive, texts)


# Names of the passages of printed data start so: no testimony's id can (ids are a-z, 0-9, -).
DATA = "@"
SETTINGS_PASSAGE = DATA + "settings"


def printed_data(archive: Archive, texts: list[Markdown]) -> list[Passage]:
    """What an edition prints from outside its texts: the publication's settings on its cover
    and in its dates, the data of each reference its texts cite, and the bytes of each picture."""
    s = archive.settings
    where = s.where.get(".") or Where("publication.yaml")
    found = [Passage(SETTINGS_PASSAGE, f"subtitle: {s.subtitle or ''}\npublisher: {s.publisher}\n"
                     f"language: {s.language}\npaper: {s.paper}", where, fields=s.where)]
    cited: dict[str, Where] = {}
    images: dict[str, Where] = {}
    for text in texts:
        for key, offset in citation_keys(text.text):
            cited.setdefault(key, text.line_of(offset))
        for target in targets(text.text):
            if (target.image or target.definition) and IMAGE_PATH.match(target.target):
                images.setdefault(target.target, text.line_of(target.offset))
    entries = {str(entry.get("id")): entry for entry in archive.references.entries}
    for key, at in cited.items():
        if key in entries:  # an unknown key is refused by check
            # One field a line, so that a change reads as words, not as JSON.
            data = "\n".join(
                f"{field}: {value}" if isinstance(value, str) else
                f"{field}: {json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)}"
                for field, value in sorted(entries[key].items()))
            found.append(Passage(f"{DATA}reference {key}", data,
                                 archive.references.where.get(key, at)))
    for path, at in images.items():
        found.append(Passage(f"{DATA}image {path}", _picture(Path(archive.root) / path), at))
    return found


def _picture(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    return _picture_digest(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=1024)
def _picture_digest(path: Path, mtime_ns: int, size: int) -> str:
    # Asked for each edition that shows the picture; read once while the file is unchanged.
    try:
        return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def is_data(name: str) -> bool:
    return name.startswith(DATA)


def records_data(frozen: Frozen) -> bool:
    """Whether a frozen record covers printed data too: records made before it did not."""
    return any(record.partition(" ")[2] == SETTINGS_PASSAGE for record in frozen.passages)


def recorded_passages(frozen: Frozen, found: list[Passage]) -> list[Passage]:
    """The passages a frozen record fingerprints: all of them, or an older record's texts."""
    return found if records_data(frozen) else [p for p in found if not is_data(p.name)]


def matches(frozen: Frozen, found: list[Passage]) -> bool:
    """Whether the edition still prints what its record says, as far as the record tells."""
    return fingerprint(recorded_passages(frozen, found)) == frozen.fingerprint


def fingerprint(found: list[Passage]) -> str:
    digest = hashlib.sha256()
    for passage in found:
        digest.update(f"{passage.name}\0{passage.text}\0".encode())
    return "sha256:" + digest.hexdigest()


def edition_passages(archive: Archive, edition: Edition) -> list[Passage]:
    return passages(frozen_view(archive, edition), archive)


def _recorded(edition: Edition) -> dict[str, str]:
    assert edition.frozen is not None
    names: dict[str, str] = {}
    for record in edition.frozen.passages:
        digest, _, name = record.partition(" ")
        names[name] = digest
    return names


class Before(Protocol):
    """The archive as git has it at the revision a change is compared with."""

    @property
    def name(self) -> str:
        """How the report names the revision ("HEAD, 1a2b3c4d5e")."""
        ...

    def passages(self, number: int) -> dict[str, Passage]:
        """A published edition's passages by name, as the revision printed them."""
        ...

    def data_changed(self) -> bool:
        """Whether the settings, references or pictures differ from the revision's."""
        ...

    def published(self, drafts: frozenset[str]) -> dict[int, str]:
        """The editions published at the revision (number: path) whose file is removed since,
        or is among `drafts` (paths) and changed since (cheap to ask on every check)."""
        ...


def edition_fingerprint(archive: Archive, edition: Edition) -> str:
    """The fingerprint of what an edition prints now, as far as its frozen record covers it
    (an older record covers its texts only), to compare with that record."""
    found = edition_passages(archive, edition)
    return fingerprint(recorded_passages(edition.frozen, found) if edition.frozen else found)


def check_frozen(archive: Archive, old: Before | None = None,
                 fingerprints: Callable[[Archive, Edition], str] = edition_fingerprint,
                 ) -> list[Problem]:
    """Every change that would alter a published edition; a warning for an unfrozen one.

    `fingerprints` may answer from a cache; the passages are read only for a changed edition,
    or for one whose older record leaves its printed data to git when that data changed.
    """
    if _unloaded(archive):
        return []  # a file that did not load is reported already; what follows would mislead
    problems = list(_unpublished(archive, old))
    if problems:
        # Later editions' markers ("new") follow from the missing one: their problems would
        # only repeat this one under other names.
        return problems
    for edition in archive.editions:
        if not edition.published:
            continue
        if edition.frozen is None:
            where = edition.where.get("status", edition.where["."])
            problems.append(Problem(
                where,
                f"edition {edition.number} is published but not yet frozen: run `editions "
                f"publish {edition.number}` to record what it prints", Severity.WARNING))
            continue
        if (not records_data(edition.frozen) and old is not None and old.data_changed()) or (
                fingerprints(archive, edition) != edition.frozen.fingerprint):
            problems.extend(edition_changes(archive, edition, old))
    return problems


def _unloaded(archive: Archive) -> bool:
    """Whether an edition file, the references or the settings are there but did not load."""
    root = Path(archive.root)
    if ((root / "references.yaml").is_file() and "." not in archive.references.where) or (
            (root / "publication.yaml").is_file() and not archive.settings.where):
        return True
    loaded = {e.path for e in archive.editions}
    folder = root / "editions"
    return folder.is_dir() and any(
        EDITION_FILE_PATTERN.match(p.name) and f"editions/{p.name}" not in loaded
        for p in folder.iterdir())


def _unpublished(archive: Archive, old: Before | None) -> Iterator[Problem]:
    """A published edition whose file is gone or back to draft, by name: readers have it."""
    numbers = {e.number: e for e in archive.editions}
    yield from _frozen_drafts(archive)
    drafts = frozenset(e.path for e in archive.editions if not e.published)
    known = old.published(drafts) if old is not None else {}
    if old is not None:
        yield from _unpublished_since(old, known, numbers)
    yield from _gaps(archive, numbers, known)


def _frozen_drafts(archive: Archive) -> Iterator[Problem]:
    """A draft with a frozen record: it was published, so it cannot go back to draft."""
    for draft in archive.editions:
        if not draft.published and draft.frozen is not None:
            at = draft.where.get("status", draft.where["."])
            yield _at(at, f"edition {draft.number} was published (it has a 'frozen' record): "
                      "it cannot go back to draft; correct it with a reissue instead")


def _unpublished_since(old: Before, known: dict[int, str],
                       numbers: dict[int, Edition]) -> Iterator[Problem]:
    """An edition git has published at the revision, removed or back to draft since."""
    for number, path in sorted(known.items()):
        edition = numbers.get(number)
        if edition is None:
            yield Problem(Where(path, 1, 1), f"edition {number} ({path}) was published (git has it "
                          f"so at {old.name}) and its file is removed: readers have it; "
                          "restore the file, and correct it with a reissue if need be")
        elif not edition.published and edition.frozen is None:
            at = edition.where.get("status", edition.where["."])
            yield _at(at, f"edition {number} was published (git has it so at {old.name}): it "
                      "cannot go back to draft; correct it with a reissue instead")


def _gaps(archive: Archive, numbers: dict[int, Edition],
          known: dict[int, str]) -> Iterator[Problem]:
    """A missing edition before a frozen one, which git did not name already."""
    # Without git, a gap before a frozen edition is still a removed one.
    frozen = [e.number for e in archive.editions if e.published and e.frozen is not None]
    for number in range(1, max(frozen, default=0)):
        if number not in numbers and number not in known:
            later = min(n for n in frozen if n > number)
            path = f"editions/{number:03d}.yaml"
            yield Problem(Where(path, 1, 1), f"edition {number} ({path}) is missing, but edition "
                          f"{later} after it is published: a published edition cannot be "
                          "removed; restore the file")


def edition_changes(archive: Archive, edition: Edition,
                    old: Before | None) -> Iterator[Problem]:
    """The changes that alter what one frozen edition prints."""
    assert edition.frozen is not None
    found = edition_passages(archive, edition)
    lead = (f"edition {edition.number} ({edition.path}) is published and frozen; this change "
            "alters what it prints:")
    advice = (f"undo it, or accept it with `editions publish {edition.number} --reissue "
              "--note \"...\"`")
    if not records_data(edition.frozen):
        # An older record fingerprints the texts only: printed data is compared with git.
        yield from _data_changes(edition, found, old, lead, advice)
    if matches(edition.frozen, found):
        return
    found = recorded_passages(edition.frozen, found)
    recorded = _recorded(edition)
    current = {p.name: p for p in found}
    named = False
    # Lazily, one passage at a time: `editions publish` only asks whether there is any.
    for problem in itertools.chain(
            _added_or_changed(edition, found, recorded, old, lead, advice),
            _removed_passages(edition, current, recorded, lead, advice)):
        named = True
        yield problem
    if not named:
        # Every passage is as recorded, yet the fingerprint differs: only their order changed.
        at = edition.where["testimonies"]
        yield _at(at, f"{lead} the order of its passages changed; {advice}")


def _added_or_changed(edition: Edition, found: list[Passage], recorded: dict[str, str],
                      old: Before | None, lead: str, advice: str) -> Iterator[Problem]:
    """Each passage printed now that the record lacks or fingerprints otherwise."""
    previous: dict[str, Passage] | None = None
    for passage in found:
        digest = recorded.get(passage.name)
        if digest == passage.digest:
            continue
        if digest is None:
            yield _at(passage.where, f"{lead} {label(passage.name)} is added; {advice}")
            continue
        # git's passages are read once, and only when a recorded passage changed: with the
        # text the record was made from, the message names the changed words.
        if previous is None and old is not None:
            previous = old.passages(edition.number)
        before = (previous or {}).get(passage.name)
        if before is not None and before.digest == digest:
            yield _changed(lead, advice, before, passage)
        else:
            yield _at(passage.where, f"{lead} {label(passage.name)} is changed; {advice}")


def _removed_passages(edition: Edition, current: dict[str, Passage], recorded: dict[str, str],
                      lead: str, advice: str) -> Iterator[Problem]:
    """Each passage the record has that the edition no longer prints."""
    for name in recorded:
        owner = name.split(" ", 1)[0]
        # A removed testimony is named once: its story and updates go with it unnamed.
        if name not in current and (name == owner or owner not in recorded or owner in current):
            at = edition.where.get("testimonies", edition.where["."])
            yield _at(at, f"{lead} {label(name)} is removed; {advice}")


def _data_changes(edition: Edition, found: list[Passage], old: Before | None, lead: str,
                  advice: str) -> Iterator[Problem]:
    if old is None or not old.data_changed():
        return
    previous = old.passages(edition.number)
    for passage in found:
        before = previous.get(passage.name)
        if is_data(passage.name) and before is not None and before.text != passage.text:
            yield _changed(lead, advice, before, passage)


def label(name: str) -> str:
    """A passage's name as a message says it."""
    if name == SETTINGS_PASSAGE:
        return "the publication's settings (publication.yaml)"
    if name.startswith(DATA + "reference "):
        return f"reference '{name.split(' ', 1)[1]}' (references.yaml)"
    if name.startswith(DATA + "image "):
        return f"the picture {name.split(' ', 1)[1]}"
    return name


def _changed(lead: str, advice: str, before: Passage, after: Passage) -> Problem:
    """A changed passage, located at its first changed word when the text is Markdown."""
    if before.markdown and after.markdown and normalized(before.markdown.text) != normalized(
            after.markdown.text):
        change, offset = word_change(before.markdown.text, after.markdown.text)
        return _at(after.markdown.line_of(offset), f"{lead} {after.name}: {change}; {advice}")
    if after.name.startswith(DATA + "image "):
        return _at(after.where, f"{lead} {label(after.name)} is a different file "
                   f"({before.text[:19]}… → {after.text[:19]}…); {advice}")
    if is_data(after.name):
        # one field a line: name the first changed field, at its line when known
        old_lines, new_lines = before.text.split("\n"), after.text.split("\n")
        index = next((i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=False))
                      if a != b), min(len(old_lines), len(new_lines)))
        was = old_lines[index] if index < len(old_lines) else ""
        now = new_lines[index] if index < len(new_lines) else ""
        field = (now or was).split(":", 1)[0]
        at = (after.fields or {}).get(field, after.where)
        return _at(at, f"{lead} {label(after.name)}: '{was}' → '{now}'; {advice}")
    change, _ = word_change(before.text, after.text)
    return _at(after.where, f"{lead} {label(after.name)}: {change}; {advice}")


def _at(where: Where, message: str) -> Problem:
    return Problem(where, message)


def passages_by_name(archive: Archive, number: int) -> dict[str, Passage]:
    """The passages of one edition of an archive by name; empty when it has no such edition."""
    for edition in archive.editions:
        if edition.number == number:
            return {p.name: p for p in edition_passages(archive, edition)}
    return {}
