"""What each edition prints as of its date: updates, labels, and what is new."""

from __future__ import annotations

from pathlib import Path

import pytest

from editions.load.archive import load_archive
from editions.make.assemble import assemble, derived_label
from editions.model import PartialDate


@pytest.mark.parametrize(
    ("started", "date", "label"),
    [
        ("2007-08", "2007-08", "Less than a month on LDN"),
        ("2007-08", "2007-09", "1 month on LDN"),
        ("2007-08", "2008-03", "7 months on LDN"),
        ("2007-08", "2008-06", "10 months on LDN"),
        ("2007-08", "2008-07", "1 year on LDN"),  # 11 months
        ("2007-08", "2009-07", "2 years on LDN"),  # 23 months
        ("2007-08", "2009-01", "1 year on LDN"),  # 17 months: 1.42 years
        ("2007-08", "2009-02", "2 years on LDN"),  # 18 months: half a year rounds up
        ("2007-08", "2008-12", "1 year on LDN"),  # 16 months
        ("2007-08-20", "2008-07-10", "10 months on LDN"),  # not yet 11 whole months
        ("2007", "2010-06", "3 years on LDN"),
    ],
)
def test_derived_labels(started: str, date: str, label: str) -> None:
    assert derived_label(PartialDate.parse(started), PartialDate.parse(date), "LDN") == label


def test_an_edition_shows_a_testimony_as_of_its_date(project: Path) -> None:
    views = {v.number: v for v in assemble(load_archive(project))}
    maurey_1 = next(t for t in views[1].testimonies if t.id == "maurey-usa")
    maurey_3 = next(t for t in views[3].testimonies if t.id == "maurey-usa")
    assert [str(u.date) for u in maurey_1.updates] == ["2008-07"]
    assert [str(u.date) for u in maurey_3.updates] == ["2008-07", "2009-09", "2010-07"]
    assert [u.label for u in maurey_3.updates] == [
        "1 year on LDN", "2 years on LDN", "3 years on LDN"]


def test_new_testimonies_and_new_updates_are_marked(project: Path) -> None:
    views = {v.number: v for v in assemble(load_archive(project))}
    first = {t.id: t for t in views[1].testimonies}
    assert all(t.is_new for t in first.values())
    assert not any(u.is_new for t in first.values() for u in t.updates)
    third = {t.id: t for t in views[3].testimonies}
    assert not third["maurey-usa"].is_new
    # Maurey last appeared in edition 1 (2008-08-01): only the updates since then are new.
    assert [u.is_new for u in third["maurey-usa"].updates] == [False, True, True]
    assert third["tane-new-zealand"].is_new
    assert [t.heading for t in views[3].added] == [
        "Tāne, New Zealand", "Søren, Denmark", "Joost, Netherlands"]


def test_explicit_label_wins(project: Path) -> None:
    views = {v.number: v for v in assemble(load_archive(project))}
    audrey = next(t for t in views[1].testimonies if t.id == "audrey-uk")
    assert [u.label for u in audrey.updates] == ["Update from Audrey"]


def test_later_update_leaves_an_earlier_edition_alone(project: Path) -> None:
    before = assemble(load_archive(project))
    path = project / "testimonies" / "maurey-usa.yaml"
    path.write_text(path.read_text() + "  - date: 2012-02\n    text: |\n      Still here.\n")
    after = assemble(load_archive(project))
    def printed(view: object) -> list[object]:
        return [(t.id, t.updates, t.is_new) for t in view.testimonies]  # type: ignore[attr-defined]

    assert printed(before[0]) == printed(after[0])  # edition 1, of 2008, is unchanged
    assert printed(before[3]) == printed(after[3])  # so is edition 4, of 2011-11
