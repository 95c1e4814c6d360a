"""Publish: mark an edition published and freeze what it prints; reissue it with a note."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from editions.check.rules import check_archive
from editions.edit.fmt import format_text, replace_file, round_trip_yaml
from editions.errors import ContentError, EditionsError
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
from editions.model import Archive, Edition

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
    _vet_note(reissue, note)
    if not numbers and not reissue:
        raise EditionsError("say which edition to publish: `editions publish N`")
    archive = _checked(root, on)
    chosen = sorted(set(numbers)) if numbers else changed_editions(archive, root)
    if not chosen:
        raise EditionsError("no published edition prints anything other than what it printed "
                            "when it was published: there is nothing to reissue")
    missing = [n for n in chosen if _find(archive, n) is None]
    if missing:
        raise EditionsError(f"no edition {missing[0]} (editions/{missing[0]:03d}.yaml)")
    if reissue:
        plans = [_plan(archive, root, _edition(archive, n), reissue=True) for n in chosen]
        _refuse_any(plans)
        return [_write(root, plan, on, note) for plan in plans]
    refused = [message for n in chosen
               if (message := order_problem(archive, _edition(archive, n), set(chosen),
                                            out_of_order))]
    if refused:
        raise EditionsError("\nerror: ".join(refused))
    reports: list[PublishReport] = []
    for number in chosen:
        # Each is planned once the one before it is published: it decides what is new.
        if reports:
            archive = _checked(root, on)
        plan = _plan(archive, root, _edition(archive, number), reissue=False)
        _refuse_any([plan])
        reports.append(plan.report if plan.report else _write(root, plan, on, None))
    return reports


def _vet_note(reissue: bool, note: str | None) -> None:
    if reissue and not (note and note.strip()):
        raise EditionsError("a reissue needs --note: say what changed, readers will see it")
    if note and not reissue:
        raise EditionsError("--note goes with --reissue")
    if note and "\n" in note.strip():
        raise EditionsError("the note must be one line")


def _checked(root: Path, on: dt.date) -> Archive:
    archive = load_archive(root)
    problems = [p for p in check_archive(archive, on) if p.severity == "error"]
    if problems:
        raise ContentError(problems)
    return archive


def _find(archive: Archive, number: int) -> Edition | None:
    return next((e for e in archive.editions if e.number == number), None)


def _edition(archive: Archive, number: int) -> Edition:
    edition = _find(archive, number)
    assert edition is not None
    return edition


def needs_reissue(archive: Archive, root: Path, edition: Edition) -> bool:
    """Whether a frozen edition prints something other than what it printed when published
    (an older record leaves its settings, references and pictures to git)."""
    frozen = edition.frozen
    assert frozen is not None
    found = edition_passages(archive, edition)
    return not matches(frozen, found) or (not records_data(frozen) and any(
        edition_changes(archive, edition, Baseline(root))))


def changed_editions(archive: Archive, root: Path) -> list[int]:
    """The published editions whose printing the working tree alters: the ones `editions
    diff` and `editions check` name as refused until reissued."""
    return [e.number for e in archive.editions
            if e.published and e.frozen is not None and needs_reissue(archive, root, e)]


def order_problem(archive: Archive, edition: Edition, publishing: set[int],
                  out_of_order: bool) -> str | None:
    """Why publishing `edition` now would put the archive out of order, if it would: an
    earlier edition still a draft or a later one published (unless `out_of_order`), or a
    date that does not fall between the published editions' around it."""
    if edition.published:
        return None
    n = edition.number
    drafts = [e for e in archive.editions
              if e.number < n and not e.published and e.number not in publishing]
    if drafts and not out_of_order:
        first = drafts[0]
        return (f"edition {first.number} ({first.path}) is still a draft: publish it first "
                f"(`editions publish {first.number} {n}`), or give --out-of-order to publish "
                f"edition {n} before it")
    later = [e for e in archive.editions if e.number > n and e.published]
    if later and not out_of_order:
        return (f"edition {later[0].number} ({later[0].path}) after it is already published: "
                f"publishing edition {n} now changes what edition {later[0].number} marks new; "
                f"give --out-of-order, then reissue edition {later[0].number}")
    for other in archive.editions:
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


@dataclass
class _Plan:
    """What publishing one edition will write: its new record, or why it cannot."""

    edition: Edition
    found: list[Passage]
    action: str
    refusal: str = ""
    report: PublishReport | None = None  # nothing to write: what to say instead


def _plan(archive: Archive, root: Path, edition: Edition, *, reissue: bool) -> _Plan:
    number = edition.number
    found = edition_passages(archive, edition)
    frozen = edition.frozen
    if reissue:
        if frozen is None:
            return _Plan(edition, found, "", f"edition {number} is not frozen yet: run "
                         f"`editions publish {number}` first; a reissue records a change to "
                         "what was published")
        if not needs_reissue(archive, root, edition):
            return _Plan(edition, found, "", f"edition {number} prints what it printed when "
                         "it was published: there is nothing to reissue")
        return _Plan(edition, found, "reissued")
    if frozen is None:
        return _Plan(edition, found, "frozen" if edition.published else "published")
    if not matches(frozen, found):
        return _Plan(edition, found, "",
                     f"edition {number} was published and what it prints has changed since "
                     f"(see `editions check`): to accept the change, run `editions publish "
                     f"{number} --reissue --note \"...\"`")
    if edition.published and records_data(frozen):
        return _Plan(edition, found, "unchanged", report=PublishReport(
            number, edition.path, fingerprint(found), len(found), "unchanged"))
    if not records_data(frozen):
        # An older record fingerprints the texts only: the settings, references and
        # pictures are recorded now if git has them as they are (or there is no git).
        changed = list(edition_changes(archive, edition, Baseline(root)))
        if changed:
            raise ContentError(changed)
        return _Plan(edition, found, "upgraded" if edition.published else "published")
    return _Plan(edition, found, "published")


def _refuse_any(plans: list[_Plan]) -> None:
    refusals = [plan.refusal for plan in plans if plan.refusal]
    if refusals:
        raise EditionsError("\nerror: ".join(refusals))


def _write(root: Path, plan: _Plan, on: dt.date, note: str | None) -> PublishReport:
    edition, found = plan.edition, plan.found
    printed = fingerprint(found)
    path = root / edition.path
    yaml = round_trip_yaml()
    data = yaml.load(read_source(root, path).decode("utf-8"))
    data["status"] = "published"
    if plan.action == "reissued":
        assert note is not None
        entry = CommentedMap([("date", on), ("note", note.strip())])
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
    # The file must read back as the same edition, now frozen.
    reread = load_archive(root)
    assert any(e.number == edition.number and e.frozen for e in reread.editions)
    log.info("edition %d: %s", edition.number, plan.action)
    return PublishReport(edition.number, edition.path, printed, len(found), plan.action)


def reissue_summary(reports: list[PublishReport], note: str) -> str:
    """One line on what a reissue did: 'reissued 3 editions (1, 3, 4) with the note "…"'."""
    numbers = ", ".join(str(r.number) for r in reports)
    what = f"{len(reports)} edition{'s' if len(reports) != 1 else ''}"
    return f"reissued {what} ({numbers}) with the note \"{note.strip()}\""
