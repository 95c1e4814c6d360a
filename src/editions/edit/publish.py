"""Publish: mark an edition published and freeze what it prints; reissue it with a note."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from editions.check.rules import check_archive
from editions.edit.fmt import format_text, replace_file, round_trip_yaml
from editions.errors import ContentError, EditionsError, Problem
from editions.load.archive import EDITION_FIELDS, load_archive, load_settings
from editions.load.files import read_source
from editions.make.baseline import Baseline
from editions.make.freeze import (
    Passage,
    edition_changes,
    edition_passages,
    fingerprint,
    matches,
    records_data,
)
from editions.model import Archive, Edition, PartialDate

log = logging.getLogger(__name__)


def today(override: str | None = None) -> dt.date:
    """Today's date: `override` (YYYY-MM-DD), else SOURCE_DATE_EPOCH, else the clock."""
    if override:
        try:
            return dt.date.fromisoformat(override)
        except ValueError:
            raise EditionsError(f"'{override}' is not a date: write YYYY-MM-DD") from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        shown = ascii(epoch)[1:-1][:40]
        if not (epoch.isascii() and epoch.isdigit() and len(epoch) <= 12):
            raise EditionsError(f"SOURCE_DATE_EPOCH is '{shown}': it must be a whole number "
                                "of seconds since 1970-01-01 (as `date +%s` prints), or unset")
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        except (OverflowError, OSError, ValueError):
            raise EditionsError(f"SOURCE_DATE_EPOCH is '{shown}': that is no date a "
                                "publication can have; give seconds since 1970-01-01, or "
                                "unset it") from None
    return dt.date.today()


@dataclass
class PublishReport:
    number: int
    path: str
    fingerprint: str
    passages: int
    action: str  # "published" | "frozen" | "reissued" | "unchanged" | "upgraded"

    def summary(self) -> str:
        what = {
            "published": "published and frozen",
            "frozen": "frozen (it was already marked published)",
            "reissued": "reissued",
            "unchanged": "already published and frozen; it prints what it printed, nothing to do",
            "upgraded": ("it prints what it printed; its record now covers the settings, "
                         "references and pictures it prints too"),
        }[self.action]
        return (f"edition {self.number} ({self.path}): {what}; {self.passages} passages, "
                f"{self.fingerprint[:19]}…")


def publish(root: Path | str, number: int, *, reissue: bool = False, note: str | None = None,
            on: dt.date | None = None, out_of_order: bool = False) -> PublishReport:
    """Mark edition `number` published and record the fingerprint of what it prints.

    An edition that is already frozen and prints something else is refused unless it is
    reissued with a note, which readers see as "Revised on DATE: note".
    """
    return publish_editions(root, [number], reissue=reissue, note=note, on=on,
                            out_of_order=out_of_order)[0]


def publish_editions(root: Path | str, numbers: Sequence[int] = (), *, reissue: bool = False,
                     note: str | None = None, on: dt.date | None = None,
                     out_of_order: bool = False) -> list[PublishReport]:
    """Publish editions `numbers` in number order, or reissue them all with one note.

    A reissue without numbers takes every published edition the working tree alters. Every
    edition named is vetted before any file is written.
    """
    root = Path(root)
    on = on or today()
    request = PublishRequest(tuple(numbers), reissue, note, out_of_order)
    _refuse(request_refusal(request))  # a wrong request is said before the archive is read
    archive = _checked(root, on)
    if reissue:
        looked = _look(archive, root, _in_question(archive, request))
        steps = _go_ahead(decide(looked.states, request))
        return [_carry_out(root, looked, step, on) for step in steps]
    return _publish_in_order(root, archive, request, on)


def _publish_in_order(root: Path, archive: Archive, request: PublishRequest,
                      on: dt.date) -> list[PublishReport]:
    """Publish the editions asked for one at a time, in number order."""
    numbers = sorted(set(request.numbers))
    reports: list[PublishReport] = []
    for index in range(len(numbers)):
        # Each is decided once the one before it is published: it decides what is new.
        if index:
            archive = _checked(root, on)
        rest = replace(request, numbers=tuple(numbers[index:]))
        # only this step's edition is compared: the later ones are compared at their turn
        looked = _look(archive, root, {numbers[index]})
        first = _go_ahead(decide(looked.states, rest))[0]
        reports.append(_carry_out(root, looked, first, on))
    return reports


def _refuse(refusal: str) -> None:
    """Stop the command with the refusal, if there is one."""
    if refusal:
        raise EditionsError(refusal)


def _go_ahead(decision: Decision) -> tuple[Step, ...]:
    """The decision's steps, once it is not a refusal."""
    _refuse(decision.refusal)
    return decision.steps


def _checked(root: Path, on: dt.date) -> Archive:
    """The archive, loaded and checked: publishing stops at any error in it."""
    archive = load_archive(root)
    problems = [p for p in check_archive(archive, on) if p.is_error]
    if problems:
        raise ContentError(problems)
    return archive


@dataclass
class _Looked:
    """The archive as the publish decision sees it, and what the editions in question print."""

    states: list[EditionState]
    editions: dict[int, Edition]
    found: dict[int, list[Passage]]


def _in_question(archive: Archive, request: PublishRequest) -> set[int]:
    """The editions a reissue is about: the ones named, or every published frozen one."""
    return set(request.numbers) if request.numbers else {
        e.number for e in archive.editions if e.published and e.frozen is not None}


def _look(archive: Archive, root: Path, in_question: set[int]) -> _Looked:
    """Every edition's state, with the freeze comparison for the editions `in_question`."""
    looked = _Looked([], {}, {})
    for edition in archive.editions:
        comparison = None
        if edition.number in in_question:
            found = looked.found[edition.number] = edition_passages(archive, edition)
            comparison = _compare(archive, root, edition, found)
        looked.editions.setdefault(edition.number, edition)
        looked.states.append(EditionState(edition.number, edition.path, edition.date,
                                          edition.published, comparison))
    return looked


def _compare(archive: Archive, root: Path, edition: Edition,
             found: list[Passage]) -> Comparison | None:
    """What an edition prints now against its 'frozen' record; None when it has none."""
    frozen = edition.frozen
    if frozen is None:
        return None
    prints_same, with_data = matches(frozen, found), records_data(frozen)
    # An older record leaves the settings, references and pictures to git.
    changes = (tuple(edition_changes(archive, edition, Baseline(root)))
               if prints_same and not with_data else ())
    return Comparison(prints_same, with_data, changes)


def _carry_out(root: Path, looked: _Looked, step: Step, on: dt.date) -> PublishReport:
    """Do one step of the decision: write the edition's new record, or say why not."""
    if step.problems:
        raise ContentError(step.problems)
    _refuse(step.refusal)
    edition, found = looked.editions[step.number], looked.found[step.number]
    if step.action == "unchanged":
        return PublishReport(edition.number, edition.path, fingerprint(found), len(found),
                             step.action)
    return _write(root, edition, found, step, on)


def _write(root: Path, edition: Edition, found: list[Passage], step: Step,
           on: dt.date) -> PublishReport:
    """Write the edition published, with its new record (and its note, for a reissue)."""
    printed = fingerprint(found)
    path = root / edition.path
    yaml = round_trip_yaml()
    data = yaml.load(read_source(root, path).decode("utf-8"))
    data["status"] = "published"
    if step.action == "reissued":
        entry = CommentedMap([("date", on), ("note", step.note)])
        if not isinstance(data.get("reissues"), CommentedSeq):
            data["reissues"] = CommentedSeq()
        data["reissues"].append(entry)
    data["frozen"] = CommentedMap([
        ("fingerprint", printed),
        ("passages", CommentedSeq(p.record for p in found)),
    ])
    out = io.StringIO()
    yaml.dump(data, out)
    text = format_text(out.getvalue(), EDITION_FIELDS, load_settings(root, []).language)
    replace_file(path, text)
    _reads_back_frozen(root, edition)
    log.info("edition %d: %s", edition.number, step.action)
    return PublishReport(edition.number, edition.path, printed, len(found), step.action)


def _reads_back_frozen(root: Path, edition: Edition) -> None:
    """Stop unless the file just written reads back as the same edition, now frozen."""
    reread = load_archive(root)
    if not any(e.number == edition.number and e.frozen for e in reread.editions):
        raise EditionsError(f"{edition.path}: written, but it does not read back as edition "
                            f"{edition.number} with its 'frozen' record; check the file")


@dataclass(frozen=True)
class Comparison:
    """What the freeze comparison says of an edition with a 'frozen' record."""

    prints_same: bool  # what it prints matches the passages its record lists
    records_data: bool  # the record covers the settings, references and pictures it prints
    data_changes: tuple[Problem, ...] = ()  # an older record: what git says changed in those

    @property
    def changed(self) -> bool:
        """Whether the edition prints something other than what it printed when published."""
        return not self.prints_same or (not self.records_data and bool(self.data_changes))


@dataclass(frozen=True)
class EditionState:
    """One edition as the publish decision sees it."""

    number: int
    path: str
    date: PartialDate
    published: bool
    frozen: Comparison | None = None  # its record compared with what it prints; None: no record


@dataclass(frozen=True)
class PublishRequest:
    """What the editor asked for: the numbers, --reissue with its --note, --out-of-order."""

    numbers: tuple[int, ...] = ()
    reissue: bool = False
    note: str | None = None
    out_of_order: bool = False


@dataclass(frozen=True)
class Step:
    """What publishing does to one edition: its action, or why it cannot."""

    number: int
    action: str = ""  # "published" | "frozen" | "reissued" | "unchanged" | "upgraded"
    refusal: str = ""
    problems: tuple[Problem, ...] = ()  # the content stops it: the changes git has
    note: str = ""  # a reissue's note, as readers see it


@dataclass(frozen=True)
class Decision:
    """The publish decision: the steps in number order, or the refusal of them all."""

    steps: tuple[Step, ...] = ()
    refusal: str = ""


def decide(editions: Sequence[EditionState], request: PublishRequest) -> Decision:
    """The publish decision: what to do with each edition asked for, or why nothing is done.

    A publish goes one edition at a time: a step's refusal stops the steps after it, not the
    ones before. A reissue is refused whole when any edition in it is.
    """
    refusal = request_refusal(request)
    if refusal:
        return Decision(refusal=refusal)
    chosen = _chosen(editions, request)
    if not chosen:
        return Decision(refusal="no published edition prints anything other than what it "
                                "printed when it was published: there is nothing to reissue")
    asked = [edition for n in chosen if (edition := _find(editions, n)) is not None]
    if len(asked) < len(chosen):
        missing = next(n for n in chosen if _find(editions, n) is None)
        return Decision(refusal=f"no edition {missing} (editions/{missing:03d}.yaml)")
    if request.reissue:
        return _reissue_decision(asked, request.note or "")
    return _publish_decision(editions, asked, request.out_of_order)


def request_refusal(request: PublishRequest) -> str:
    """Why the options asked for do not go together, before any edition is looked at."""
    reissue, note = request.reissue, request.note
    if reissue and not (note and note.strip()):
        return "a reissue needs --note: say what changed, readers will see it"
    if note and not reissue:
        return "--note goes with --reissue"
    if note and "\n" in note.strip():
        return "the note must be one line"
    if not request.numbers and not reissue:
        return "say which edition to publish: `editions publish N`"
    return ""


def _chosen(editions: Sequence[EditionState], request: PublishRequest) -> list[int]:
    """The numbers asked for, in order; for a reissue without numbers, every published
    edition that prints something other than what it printed."""
    if request.numbers:
        return sorted(set(request.numbers))
    return [e.number for e in editions if e.published and e.frozen and e.frozen.changed]


def _find(editions: Sequence[EditionState], number: int) -> EditionState | None:
    """The edition numbered `number`, if the archive has it."""
    return next((e for e in editions if e.number == number), None)


def _reissue_decision(asked: list[EditionState], note: str) -> Decision:
    """A reissue of every edition asked for with one note, or the refusal of them all."""
    steps = tuple(_reissue_step(edition, note.strip()) for edition in asked)
    refusals = [step.refusal for step in steps if step.refusal]
    if refusals:
        return Decision(refusal="\nerror: ".join(refusals))
    return Decision(steps)


def _reissue_step(edition: EditionState, note: str) -> Step:
    """What a reissue does to one edition: record the change, or say there is none."""
    number = edition.number
    if edition.frozen is None:
        return Step(number, refusal=f"edition {number} is not frozen yet: run `editions "
                                    f"publish {number}` first; a reissue records a change to "
                                    "what was published")
    if not edition.frozen.changed:
        return Step(number, refusal=f"edition {number} prints what it printed when it was "
                                    "published: there is nothing to reissue")
    return Step(number, "reissued", note=note)


def _publish_decision(editions: Sequence[EditionState], asked: list[EditionState],
                      out_of_order: bool) -> Decision:
    """The editions asked for published in number order, unless that breaks the order."""
    publishing = {e.number for e in asked}
    refused = [message for edition in asked
               if (message := order_problem(editions, edition, publishing, out_of_order))]
    if refused:
        return Decision(refusal="\nerror: ".join(refused))
    return Decision(tuple(_publish_step(edition) for edition in asked))


def _publish_step(edition: EditionState) -> Step:
    """What publishing does to one edition: freeze it, say it is done, or refuse a change."""
    number, frozen = edition.number, edition.frozen
    if frozen is None:
        return Step(number, "frozen" if edition.published else "published")
    if not frozen.prints_same:
        return Step(number, refusal=f"edition {number} was published and what it prints has "
                                    "changed since (see `editions check`): to accept the "
                                    f"change, run `editions publish {number} --reissue "
                                    "--note \"...\"`")
    if frozen.records_data:
        return Step(number, "unchanged" if edition.published else "published")
    # An older record fingerprints the texts only: the settings, references and pictures
    # are recorded now if git has them as they are (or there is no git).
    if frozen.data_changes:
        return Step(number, problems=frozen.data_changes)
    return Step(number, "upgraded" if edition.published else "published")


def order_problem(editions: Sequence[EditionState], edition: EditionState,
                  publishing: set[int], out_of_order: bool) -> str | None:
    """Why publishing `edition` now would put the archive out of order, if it would: an
    earlier edition still a draft or a later one published (unless `out_of_order`), or a
    date that does not fall between the published editions' around it."""
    if edition.published:
        return None
    if not out_of_order:
        skipped = (_earlier_draft(editions, edition, publishing)
                   or _later_published(editions, edition))
        if skipped:
            return skipped
    return _date_out_of_order(editions, edition, publishing)


def _earlier_draft(editions: Sequence[EditionState], edition: EditionState,
                   publishing: set[int]) -> str | None:
    """The refusal when an earlier edition, not published with this one, is still a draft."""
    n = edition.number
    first = next((e for e in editions
                  if e.number < n and not e.published and e.number not in publishing), None)
    if first is None:
        return None
    return (f"edition {first.number} ({first.path}) is still a draft: publish it first "
            f"(`editions publish {first.number} {n}`), or give --out-of-order to publish "
            f"edition {n} before it")


def _later_published(editions: Sequence[EditionState], edition: EditionState) -> str | None:
    """The refusal when a later edition is already published."""
    n = edition.number
    later = next((e for e in editions if e.number > n and e.published), None)
    if later is None:
        return None
    return (f"edition {later.number} ({later.path}) after it is already published: "
            f"publishing edition {n} now changes what edition {later.number} marks new; "
            f"give --out-of-order, then reissue edition {later.number}")


def _date_out_of_order(editions: Sequence[EditionState], edition: EditionState,
                       publishing: set[int]) -> str | None:
    """The refusal when the edition's date does not rise between the published ones'."""
    n = edition.number
    for other in editions:
        if not (other.published or other.number in publishing) or other.number == n:
            continue
        if other.number < n and other.date >= edition.date:
            return (f"edition {n} is dated {edition.date}, not after edition {other.number} "
                    f"({other.date}): published editions' dates rise with their numbers; "
                    f"change the date in {edition.path}")
        if other.number > n and other.date <= edition.date:
            return (f"edition {n} is dated {edition.date}, not before edition {other.number} "
                    f"({other.date}), published after it: published editions' dates rise "
                    f"with their numbers; change the date in {edition.path}")
    return None


def reissue_summary(reports: list[PublishReport], note: str) -> str:
    """One line on what a reissue did: 'reissued 3 editions (1, 3, 4) with the note "…"'."""
    numbers = ", ".join(str(r.number) for r in reports)
    what = f"{len(reports)} edition{'s' if len(reports) != 1 else ''}"
    return f"reissued {what} ({numbers}) with the note \"{note.strip()}\""
