"""Publish: mark an edition published and freeze what it prints; reissue it with a note."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from .check import check_archive
from .errors import ContentError, EditionsError
from .fmt import format_text, replace_file, round_trip_yaml
from .freeze import edition_changes, edition_passages, fingerprint, matches, records_data
from .history import Baseline
from .load import EDITION_FIELDS, load_archive

log = logging.getLogger(__name__)


def today(override: str | None = None) -> dt.date:
    """Today's date: `override` (YYYY-MM-DD), else SOURCE_DATE_EPOCH, else the clock."""
    if override:
        try:
            return dt.date.fromisoformat(override)
        except ValueError:
            raise EditionsError(f"'{override}' is not a date: write YYYY-MM-DD") from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isascii() and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
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
            on: dt.date | None = None) -> PublishReport:
    """Mark edition `number` published and record the fingerprint of what it prints.

    An edition that is already frozen and prints something else is refused unless it is
    reissued with a note, which readers see as "Revised on DATE: note".
    """
    root = Path(root)
    on = on or today()
    if reissue and not (note and note.strip()):
        raise EditionsError("a reissue needs --note: say what changed, readers will see it")
    if note and not reissue:
        raise EditionsError("--note goes with --reissue")
    if note and "\n" in note.strip():
        raise EditionsError("the note must be one line")
    archive = load_archive(root)
    problems = [p for p in check_archive(archive, on, frozen=False) if p.severity == "error"]
    if problems:
        raise ContentError(problems)
    edition = next((e for e in archive.editions if e.number == number), None)
    if edition is None:
        raise EditionsError(f"no edition {number} (editions/{number:03d}.yaml)")
    found = edition_passages(archive, edition)
    printed = fingerprint(found)
    frozen = edition.frozen
    if reissue:
        if frozen is None:
            raise EditionsError(f"edition {number} is not frozen yet: run `editions publish "
                                f"{number}` first; a reissue records a change to what was "
                                "published")
        if matches(frozen, found) and (records_data(frozen) or not any(
                edition_changes(archive, edition, Baseline(root)))):
            raise EditionsError(f"edition {number} prints what it printed when it was "
                                "published: there is nothing to reissue")
        action = "reissued"
    elif frozen is not None:
        if not matches(frozen, found):
            raise EditionsError(
                f"edition {number} was published and what it prints has changed since (see "
                f"`editions check`): to accept the change, run `editions publish {number} "
                "--reissue --note \"...\"`")
        if edition.published and records_data(frozen):
            return PublishReport(number, edition.path, printed, len(found), "unchanged")
        if not records_data(frozen):
            # An older record fingerprints the texts only: the settings, references and
            # pictures are recorded now if git has them as they are (or there is no git).
            changed = list(edition_changes(archive, edition, Baseline(root)))
            if changed:
                raise ContentError(changed)
            action = "upgraded" if edition.published else "published"
        else:
            action = "published"
    else:
        action = "frozen" if edition.published else "published"

    path = root / edition.path
    yaml = round_trip_yaml()
    data = yaml.load(path.read_text(encoding="utf-8"))
    data["status"] = "published"
    if reissue:
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
    text = format_text(out.getvalue(), EDITION_FIELDS)
    replace_file(path, text)
    # The file must read back as the same edition, now frozen.
    reread = load_archive(root)
    assert any(e.number == number and e.frozen for e in reread.editions)
    log.info("edition %d: %s", number, action)
    return PublishReport(number, edition.path, printed, len(found), action)
