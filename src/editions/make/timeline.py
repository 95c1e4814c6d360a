"""Timeline: where the dated moments of a testimony sit on a small drawing of the years."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 360
HEIGHT = 74
MARGIN = 14
PERSON_ROW = 20  # diagnosis, treatment and updates sit above the line
EDITION_ROW = 48  # the editions that printed the testimony sit below it
BREAK_WIDTH = 40
MIN_GAP = 12  # between two marks' centres in one row: a diamond is 11.3 wide
# A diagnosis decades before everything else would squeeze the rest into a corner:
# the axis is broken after it when it lies this many years before the next moment.
BREAK_YEARS = 6
KIND_ORDER = ("diagnosed", "started", "update", "edition")


@dataclass(frozen=True)
class Moment:
    day: dt.date
    kind: str  # one of KIND_ORDER


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    kind: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    axis: tuple[tuple[float, float], ...]  # the drawn stretches of the line
    marks: tuple[Mark, ...]
    ticks: tuple[Tick, ...]


def _year_fraction(day: dt.date) -> float:
    start = dt.date(day.year, 1, 1)
    days = (dt.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / days


def _step(years: int) -> int:
    """Label every year, or every 2nd, 5th or 10th, so that labels never crowd."""
    for step in (1, 2, 5, 10, 20):
        if years / step <= 7:
            return step
    return 50


def draw(moments: Sequence[Moment]) -> Drawing:
    """Place each moment on a line of years that ends at the last; moments must not be empty."""
    ordered = sorted(moments, key=lambda m: (m.day, KIND_ORDER.index(m.kind)))
    first, rest = ordered[0], ordered[1:]
    broken = bool(rest) and rest[0].day.year - first.day.year >= BREAK_YEARS
    left = MARGIN + BREAK_WIDTH if broken else MARGIN
    scaled = rest if broken else ordered
    start_year = scaled[0].day.year
    end = _year_fraction(scaled[-1].day)
    begin = min(float(start_year), end - 1)  # at least a year drawn, ending at the last moment
    span = end - begin

    def x_of(day: dt.date) -> float:
        return round(left + (_year_fraction(day) - begin) / span * (WIDTH - MARGIN - left), 1)

    places = [MARGIN if broken and moment is first else x_of(moment.day) for moment in ordered]
    rows = [EDITION_ROW if moment.kind == "edition" else PERSON_ROW for moment in ordered]
    for row in set(rows):
        _spread([i for i, y in enumerate(rows) if y == row], places)
    marks = [Mark(x, y, m.kind) for x, y, m in zip(places, rows, ordered, strict=True)]
    step = _step(max(1, round(span)))
    years = range(max(start_year, math.ceil(begin)), math.floor(end) + 1)
    ticks = [Tick(x_of(dt.date(year, 1, 1)), str(year))
             for year in years if (year - start_year) % step == 0]
    axis: list[tuple[float, float]] = []
    if broken:
        ticks.insert(0, Tick(MARGIN, str(first.day.year)))
        axis.append((MARGIN - 6, MARGIN + BREAK_WIDTH / 2 - 4))
        axis.append((MARGIN + BREAK_WIDTH / 2 + 4, WIDTH - MARGIN + 6))
    else:
        axis.append((MARGIN - 6, WIDTH - MARGIN + 6))
    return Drawing(WIDTH, HEIGHT, tuple(axis), tuple(marks), tuple(ticks))


def _spread(row: list[int], places: list[float]) -> None:
    """Moments a few weeks apart would hide each other: keep the marks of one row a mark's
    width apart, pushed right, then back left from the line's end where they would pass it."""
    for before, after in itertools.pairwise(row):
        places[after] = round(max(places[after], places[before] + MIN_GAP), 1)
    limit = float(WIDTH - MARGIN)
    for index in reversed(row):
        places[index] = min(places[index], limit)
        limit = round(places[index] - MIN_GAP, 1)
