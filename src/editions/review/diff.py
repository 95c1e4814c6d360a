"""Diff: what a change to the archive does to each edition, in plain words for a reviewer."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from editions.load.archive import load_archive
from editions.load.history import archive_at, default_base
from editions.make.assemble import EditionView, assemble_edition
from editions.make.freeze import Passage, fingerprint, is_data, matches, passages_by_name
from editions.make.freeze import label as passage_label
from editions.model import Archive, Edition, Frozen
from editions.prose import reading_text, word_diff


@dataclass
class EditionChange:
    """What changes in one edition; `published` when readers already have it."""

    number: int
    path: str
    heading: str
    published: bool
    content_changed: bool = False
    reissued: bool = False
    refused: bool = False
    # why a published edition's change is refused when it is not a change to what it prints
    refusal: str = ""
    lines: list[str] = field(default_factory=list)


def _find(archive: Archive, number: int) -> Edition | None:
    return next((e for e in archive.editions if e.number == number), None)


def _ids(ids: list[str]) -> str:
    return ", ".join(ids)


def compare(old: Archive, new: Archive) -> list[EditionChange]:
    """Every edition that prints something else in `new` than in `old`, in number order."""
    numbers = sorted({e.number for e in old.editions} | {e.number for e in new.editions})
    changes = []
    for number in numbers:
        change = _compare_edition(old, new, number)
        if change is not None:
            changes.append(change)
    return changes


def _compare_edition(old: Archive, new: Archive, number: int) -> EditionChange | None:
    """What changes in one edition, or None when it prints the same and reads the same."""
    before, after = _find(old, number), _find(new, number)
    if after is None:
        assert before is not None
        return _removed_edition(before)
    heading = f"Edition {number} · {after.date} · {after.status}"
    if before is None:
        return _new_edition(after, heading)
    change = EditionChange(number, after.path, heading, before.published)
    _status(before, after, change)
    _date_and_title(before, after, change.lines)
    _testimony_lists(before.testimonies, after.testimonies, change.lines)
    old_passages = passages_by_name(old, number)
    new_passages = passages_by_name(new, number)
    changed = _compare_passages(before, after, old_passages, new_passages, change)
    _withdrawals(assemble_edition(old, before), assemble_edition(new, after), change.lines)
    _reissues(before, after, change)
    if after.published and after.frozen is not None and changed:
        change.refused = _refused(after.frozen, old_passages, new_passages, change.reissued)
    if not change.lines:
        return None
    return change


def _removed_edition(before: Edition) -> EditionChange:
    """An edition whose file is removed: refused when readers have it."""
    change = EditionChange(before.number, before.path, f"Edition {before.number} · "
                           f"{before.date} · {before.status} · removed", before.published)
    change.content_changed = True
    change.lines.append(f"the edition file {before.path} is removed")
    if before.published:
        change.refusal = (f"REFUSED: a published edition cannot be removed; restore "
                          f"{before.path}")
    return change


def _new_edition(after: Edition, heading: str) -> EditionChange:
    """An edition that is new in this change, with the testimonies it prints."""
    change = EditionChange(after.number, after.path, heading + " · new", after.published)
    ids = list(after.testimonies)
    change.lines.append(f"new edition printing {len(ids)} testimonies: {_ids(ids)}")
    change.content_changed = True
    return change


def _status(before: Edition, after: Edition, change: EditionChange) -> None:
    """A change of status: refused when a published edition goes back to draft."""
    if before.status == after.status:
        return
    change.lines.append(f"status: {before.status} → {after.status}")
    if before.published and not after.published:
        change.content_changed = True
        change.refusal = ("REFUSED: a published edition cannot go back to draft; correct "
                          "it with a reissue instead")


def _date_and_title(before: Edition, after: Edition, lines: list[str]) -> None:
    """A changed date or title, each as it was and as it is now."""
    for name in ("date", "title"):
        was, now = getattr(before, name), getattr(after, name)
        if str(was or "") != str(now or ""):
            lines.append(f"{name}: {was or '(default)'} → {now or '(default)'}")


def _compare_passages(before: Edition, after: Edition, old_passages: dict[str, Passage],
                      new_passages: dict[str, Passage], change: EditionChange) -> bool:
    """What changes in the passages the edition prints; whether its content changes at all."""
    added = set(after.testimonies) - set(before.testimonies)
    removed = set(before.testimonies) - set(after.testimonies)
    change.lines.extend(_passages(old_passages, new_passages, added, removed))
    changed = fingerprint(list(old_passages.values())) != fingerprint(
        list(new_passages.values()))
    change.content_changed = change.content_changed or changed
    return changed


def _withdrawals(old_view: EditionView, new_view: EditionView, lines: list[str]) -> None:
    """A consent withdrawn in this change: the edition shows a notice in the story's place."""
    was_withdrawn = {p.id for p in old_view.testimonies if p.withdrawn}
    for printed in new_view.testimonies:
        if printed.withdrawn and printed.id not in was_withdrawn:
            lines.append(f"{printed.id}: consent withdrawn on "
                         f"{printed.testimony.consent.withdrawn}; the edition shows a notice "
                         "in its place")


def _reissues(before: Edition, after: Edition, change: EditionChange) -> None:
    """The reissues added in this change, each with its date and note."""
    for reissue in after.reissues[len(before.reissues):]:
        change.reissued = True
        change.lines.append(f"reissued on {reissue.date}: {reissue.note}")


def _refused(frozen: Frozen, old_passages: dict[str, Passage],
             new_passages: dict[str, Passage], reissued: bool) -> bool:
    """Whether `editions check` refuses a frozen edition's changed content as it stands."""
    # An older record fingerprints the texts only; its printed data is compared here.
    data_changed = any(is_data(name) and name in old_passages
                       and old_passages[name].text != passage.text
                       for name, passage in new_passages.items())
    return not matches(frozen, list(new_passages.values())) or (data_changed and not reissued)


def _testimony_lists(before: tuple[str, ...], after: tuple[str, ...], lines: list[str]) -> None:
    added = [t for t in after if t not in before]
    removed = [t for t in before if t not in after]
    if added:
        lines.append(f"testimonies added: {_ids(added)}")
    if removed:
        lines.append(f"testimonies removed: {_ids(removed)}")
    kept_before = [t for t in before if t in after]
    kept_after = [t for t in after if t in before]
    if kept_before != kept_after:
        lines.append(f"testimonies reordered: {_ids(kept_before)} → {_ids(kept_after)}")


def _passages(old: dict[str, Passage], new: dict[str, Passage], added: set[str],
              removed: set[str]) -> list[str]:
    """What changes passage by passage, in print order; then the updates no longer printed."""
    lines = []
    for name, passage in new.items():
        if name in old:
            lines.extend(_changed_passage(name, old[name], passage))
        elif _update_of_kept_testimony(name, added):
            label = passage.text.split("\n", 2)[1]
            lines.append(f"update added: {name} ({label})")
    for name in old:
        if name not in new and _update_of_kept_testimony(name, removed):
            lines.append(f"update removed: {name}")
    return lines


def _update_of_kept_testimony(name: str, testimonies: set[str]) -> bool:
    """Whether a passage is an update of a testimony not among `testimonies`."""
    # An added or removed testimony is named once in the list; its updates are not repeated.
    return name.split(" ", 1)[0] not in testimonies and " update " in name


def _changed_passage(name: str, was: Passage, now: Passage) -> list[str]:
    """The lines for one passage printed before and now: none when its text is the same."""
    if was.text == now.text:
        return []
    if name == "edition" or (" " not in name and name != "intro"):
        what = "heading and facts" if name != "edition" else "title and date"
        return [f"{name}: {what} changed: " + "; ".join(word_diff(was.text, now.text, 3))]
    if is_data(name):
        return _changed_data(name, was, now)
    hunks = word_diff(reading_text(was.text), reading_text(now.text))
    hunks = hunks or ["(only links or Markdown marks)"]
    return [f"{name} changed:", *(f"    {hunk}" for hunk in hunks)]


def _changed_data(name: str, was: Passage, now: Passage) -> list[str]:
    """Printed data that changed: a picture as another file, settings and references by word."""
    if name.startswith("@image "):
        return [f"{passage_label(name)} changed: a different file with the same name"]
    return [f"{passage_label(name)} changed:",
            *(f"    {hunk}" for hunk in word_diff(was.text, now.text))]


def report(changes: list[EditionChange], base: str) -> str:
    """The reviewer's report, in Markdown that reads as plain text in a terminal too."""
    out = [f"# What this change does to the editions (compared with {base})", ""]
    out += _published_section([c for c in changes if c.published and c.content_changed])
    if not changes:
        out.append("No edition prints anything different.")
    for c in changes:
        out += _edition_section(c)
    return "\n".join(out).rstrip() + "\n"


def _published_section(loud: list[EditionChange]) -> list[str]:
    """The report's first section: published editions whose content would change, if any."""
    if not loud:
        return []
    out = ["## Published editions whose content would change", "",
           "Readers already have these editions. A change to what they print is refused "
           "by `editions check` unless the edition is reissued with a note.", ""]
    out += [f"- **Edition {c.number}** ({c.path}): {_state(c)}" for c in loud]
    waiting = [c for c in loud if c.refused and not c.refusal]
    if len(waiting) > 1:
        out += ["", "To reissue them all with one note: `editions publish --reissue --note "
                "\"...\"`"]
    out.append("")
    return out


def _state(c: EditionChange) -> str:
    """Where a published edition's change stands: refused, reissued, or not frozen yet."""
    if c.refusal:
        return c.refusal
    if c.reissued and not c.refused:
        return "reissued in this change (readers will see the note)"
    if c.refused:
        return f"REFUSED until reissued: `editions publish {c.number} --reissue --note \"...\"`"
    return "not frozen yet; run `editions publish` to freeze it"


def _edition_section(c: EditionChange) -> list[str]:
    """One edition's section: its heading, then a bullet for each change, hunks indented."""
    out = [f"## {c.heading}", ""]
    out += [f"- {line}" if not line.startswith("    ") else f"  {line.strip()}"
            for line in c.lines]
    out.append("")
    return out


def diff_summary(changes: list[EditionChange]) -> str:
    """One line: how many editions change, how many of them readers have, how many of those
    print other content (a withdrawal's notice is a change, not a change of content)."""
    published = [c for c in changes if c.published]
    content = sum(1 for c in published if c.content_changed)
    refused = sum(1 for c in published if c.refused or c.refusal)
    editions = "edition changes" if len(changes) == 1 else "editions change"
    return (f"{len(changes)} {editions}, {len(published)} of them published: {content} in "
            f"what they print, {refused} refused until reissued")


def diff_report(root: Path | str, rev: str | None = None) -> tuple[str, list[EditionChange]]:
    """The report for the working tree against `rev` (default: merge base with main, else
    HEAD)."""
    root = Path(root)
    if rev is None:
        commit, name = default_base(root)
        base = f"{name}, {commit[:10]}"
    else:
        base = rev
        commit = rev
    new = load_archive(root)
    # Compared while git's files are there: a picture's passage reads its bytes.
    with tempfile.TemporaryDirectory(prefix="editions-git-") as folder:
        old = archive_at(root, commit, Path(folder))
        changes = compare(old, new)
    return report(changes, base), changes
