"""Where a testimony's moments sit on its timeline drawing."""

from __future__ import annotations

import datetime as dt
import itertools

from editions.make.timeline import MARGIN, WIDTH, Moment, draw


def moments(*spec: tuple[str, str]) -> list[Moment]:
    return [Moment(dt.date.fromisoformat(day), kind) for day, kind in spec]


def test_moments_sit_in_date_order_within_the_drawing() -> None:
    drawing = draw(moments(("2007-07-01", "diagnosed"), ("2007-08-01", "started"),
                           ("2008-07-01", "update"), ("2008-08-01", "edition"),
                           ("2011-11-01", "edition")))
    xs = [m.x for m in drawing.marks]
    assert xs == sorted(xs)
    assert all(MARGIN <= x <= WIDTH - MARGIN for x in xs)
    assert [t.label for t in drawing.ticks] == ["2007", "2008", "2009", "2010", "2011"]
    assert len(drawing.axis) == 1
    editions = {m.y for m in drawing.marks if m.kind == "edition"}
    others = {m.y for m in drawing.marks if m.kind != "edition"}
    assert editions.isdisjoint(others)  # editions below the line, the writer's moments above


def test_a_distant_diagnosis_breaks_the_axis() -> None:
    drawing = draw(moments(("1971-01-01", "diagnosed"), ("2009-06-01", "edition"),
                           ("2009-10-01", "update"), ("2011-11-01", "edition")))
    assert len(drawing.axis) == 2
    assert drawing.marks[0].x == MARGIN
    assert drawing.marks[1].x > MARGIN + 30  # the rest keeps its room
    assert [t.label for t in drawing.ticks] == ["1971", "2009", "2010", "2011"]


def test_long_spans_label_fewer_years() -> None:
    drawing = draw(moments(("1990-01-01", "started"), ("1993-01-01", "update"),
                           ("2011-11-01", "edition")))
    assert len(drawing.axis) == 1
    labels = [t.label for t in drawing.ticks]
    assert len(labels) <= 8
    assert labels[0] == "1990"


def test_one_moment_is_enough() -> None:
    drawing = draw(moments(("2010-09-01", "edition")))
    assert len(drawing.marks) == 1
    assert [t.label for t in drawing.ticks] == ["2010"]


def test_close_moments_do_not_hide_each_other() -> None:
    drawing = draw(moments(("2007-07-01", "diagnosed"), ("2007-08-01", "started"),
                           ("2011-11-01", "edition")))
    first, second = drawing.marks[0], drawing.marks[1]
    assert second.x - first.x >= 12  # a diamond is 11.3 wide


def test_the_axis_ends_at_the_last_moment() -> None:
    drawing = draw(moments(("2007-07-01", "diagnosed"), ("2012-03-01", "update"),
                           ("2011-11-01", "edition")))
    assert drawing.marks[-1].x == WIDTH - MARGIN  # the update of March 2012, at the line's end
    assert drawing.ticks[-1].label == "2012"  # no year after the last moment
    assert drawing.ticks[-1].x < WIDTH - MARGIN


def test_moments_crowded_at_the_end_stay_apart_and_inside() -> None:
    drawing = draw(moments(("2007-07-01", "diagnosed"), ("2007-07-08", "started"),
                           ("2011-09-01", "update"), ("2011-10-01", "update"),
                           ("2011-10-20", "update"), ("2011-11-01", "update"),
                           ("2011-09-01", "edition"), ("2011-11-01", "edition")))
    for row in {m.y for m in drawing.marks}:
        xs = [m.x for m in drawing.marks if m.y == row]
        assert xs == sorted(xs)
        assert all(b - a >= 12 for a, b in itertools.pairwise(xs)), xs
        assert min(xs) >= MARGIN, xs
        assert max(xs) <= WIDTH - MARGIN, xs
