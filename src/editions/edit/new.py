"""New: a canonical testimony or edition file to start from, with the editor's schema modeline."""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from editions.edit.fmt import format_text, round_trip_yaml
from editions.edit.schema import schema_file
from editions.errors import EditionsError
from editions.load.archive import (
    EDITION_FIELDS,
    FORBIDDEN_CHARACTERS,
    TESTIMONY_FIELDS,
    Field,
    forbidden_message,
    load_archive,
    require_publication,
)
from editions.load.files import create_source
from editions.model import ID_PATTERN, Archive, PartialDate, Testimony, slug

log = logging.getLogger(__name__)

STORY_PROMPT = "the contributor's words in Markdown; `editions check` refuses an empty story"
CONSENT_PROMPT = (
    "consent:                # not given yet: no edition may print this testimony\n"
    "  given: YYYY-MM-DD     # uncomment, with the date the contributor agreed to be printed")


def modeline(kind: str) -> str:
    """The comment that points yaml-language-server (VS Code, Neovim...) at the schema."""
    return f"# yaml-language-server: $schema=../{schema_file(kind)}\n"


def _dump(data: CommentedMap, spec: dict[str, Field], kind: str, language: str = "en") -> str:
    out = io.StringIO()
    round_trip_yaml().dump(data, out)
    return modeline(kind) + format_text(out.getvalue(), spec, language)


def _write_new(path: Path, text: str) -> None:
    try:
        create_source(path, text)  # whole or not at all: a killed `new` leaves no empty file
    except FileExistsError:
        raise EditionsError(f"{path} already exists; nothing was written") from None
    except OSError as err:
        raise EditionsError(f"{path}: cannot write: {err.strerror or err}; nothing was "
                            "written") from None


@dataclass(frozen=True)
class NewFile:
    path: Path
    text: str


def new_testimony(root: Path, name: str, country: str, condition: str, *, on: dt.date,
                  testimony_id: str | None = None, treatment: str | None = None,
                  started: str | None = None, received: str | None = None,
                  consent: str | None = None) -> NewFile:
    """Write testimonies/<name>-<country>.yaml, refusing to overwrite one that exists."""
    require_publication(root)
    tid = testimony_id or slug(f"{name} {country}")
    if not ID_PATTERN.match(tid):
        raise EditionsError(f"'{tid}' is not a testimony id: ids are lowercase letters, digits "
                            "and hyphens (give one with --id)")
    for label, value in (("name", name), ("country", country), ("condition", condition),
                         ("treatment", treatment or "-")):
        if not value.strip() or "\n" in value:
            raise EditionsError(f"the {label} must be one line of text")
        bad = FORBIDDEN_CHARACTERS.search(value)
        if bad:  # what check would refuse in the file, refused before it is written
            raise EditionsError(f"the {label}: {forbidden_message(bad.group())}; nothing was "
                                "written")
    data = CommentedMap()
    data["name"] = name.strip()
    data["country"] = country.strip()
    data["condition"] = condition.strip()
    if treatment:
        data["treatment"] = treatment.strip()
    if started:
        data["started"] = _date(started, "--started")
    data["received"] = _date(received, "--received") if received else on
    if consent:
        data["consent"] = CommentedMap([("given", _date(consent, "--consent"))])
    data["story"] = None
    data.yaml_add_eol_comment(STORY_PROMPT, "story")
    if not consent:
        # Receiving a story is not consent to print it: the editor writes the date they had it.
        data.yaml_set_comment_before_after_key("story", before=CONSENT_PROMPT)
    path = root / "testimonies" / f"{tid}.yaml"
    text = _dump(data, TESTIMONY_FIELDS, "testimony")
    _write_new(path, text)
    return NewFile(path, text)


def _date(text: str, option: str) -> dt.date | str:
    try:
        date = PartialDate.parse(text)
    except ValueError as err:
        raise EditionsError(f"{option}: {err}") from None
    return date.first_day if date.precision == "day" else text


@dataclass(frozen=True)
class Proposal:
    testimony_id: str
    reason: str


def proposals(archive: Archive, on: dt.date) -> list[Proposal]:
    """Testimonies an edition dated `on` could print: new ones, then ones with new updates,
    counting only what published editions printed (a draft has reached no reader)."""
    last_seen = _last_printed(archive)
    new, updated = [], []
    for tid, t in sorted(archive.testimonies.items()):
        if not _may_print(t, on):
            continue
        seen = last_seen.get(tid)
        if seen is None:
            new.append((t.received, Proposal(tid, f"new: received {t.received}")))
            continue
        fresh = [u for u in t.updates if seen < u.date and u.date.first_day <= on]
        if fresh:
            count = f"{len(fresh)} update{'s' if len(fresh) != 1 else ''}"
            updated.append((fresh[-1].date, Proposal(tid, f"{count} since {seen}")))
    return [p for _, p in sorted(new, key=lambda x: x[0])] + [
        p for _, p in sorted(updated, key=lambda x: x[0])]


def _last_printed(archive: Archive) -> dict[str, PartialDate]:
    """Each testimony's date in the last published edition that printed it."""
    last_seen: dict[str, PartialDate] = {}
    for edition in archive.editions:
        if not edition.published:
            continue
        for tid in edition.testimonies:
            last_seen[tid] = max(last_seen.get(tid, edition.date), edition.date)
    return last_seen


def _may_print(testimony: Testimony, on: dt.date) -> bool:
    """Whether an edition dated `on` may print the testimony: received, consent given, and
    not withdrawn by then."""
    consent = testimony.consent
    return not (consent.withdrawn is not None or consent.given is None or (
        consent.given.first_day > on) or testimony.received.first_day > on)


def new_edition(root: Path, *, on: dt.date) -> tuple[NewFile, list[Proposal]]:
    """Write the next edition as a draft dated `on`, proposing what is new since the last."""
    archive = load_archive(root)
    last = archive.editions[-1] if archive.editions else None
    number = last.number + 1 if last else 1
    if last is not None and on < last.date.first_day:
        raise EditionsError(f"edition {number} cannot be dated {on}, before edition "
                            f"{last.number} ({last.date})")
    proposed = proposals(archive, on)
    if not proposed:
        # An edition printing nothing is refused by check, and every build with it: write none.
        published = [e for e in archive.editions if e.published]
        since = (f"since edition {published[-1].number} ({published[-1].date}), the last "
                 "published," if published else "with consent given")
        raise EditionsError(f"no testimony is new or updated {since} by {on}: edition "
                            f"{number} would print nothing, so no file was written; add a "
                            "testimony or an update first")
    data = CommentedMap([("number", number), ("date", on), ("status", "draft")])
    ids = CommentedSeq(p.testimony_id for p in proposed)
    column = max(len(p.testimony_id) for p in proposed) + 6
    for index, proposal in enumerate(proposed):
        ids.yaml_add_eol_comment(proposal.reason, index, column=column)
    data["testimonies"] = ids
    path = root / "editions" / f"{number:03d}.yaml"
    text = _dump(data, EDITION_FIELDS, "edition")
    _write_new(path, text)
    return NewFile(path, text), proposed
