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


@dataclass(frozen=True)
class _Scale:
    """Where the years sit: `begin` to `end` (years as fractions) span `left` to the margin."""

    broken: bool  # the first moment stands alone, before a break in the line
    left: int
    start_year: int
    begin: float
    end: float

    @property
    def span(self) -> float:
        return self.end - self.begin

    def x(self, day: dt.date) -> float:
        """Where a day sits on the line."""
        return round(self.left + (_year_fraction(day) - self.begin) / self.span
                     * (WIDTH - MARGIN - self.left), 1)


def _scale(ordered: Sequence[Moment]) -> _Scale:
    """The years the line covers, broken after a first moment long before the others."""
    first, rest = ordered[0], ordered[1:]
    broken = bool(rest) and rest[0].day.year - first.day.year >= BREAK_YEARS
    scaled = rest if broken else ordered
    end = _year_fraction(scaled[-1].day)
    begin = min(float(scaled[0].day.year), end - 1)  # at least a year drawn, ending at the last
    return _Scale(broken, MARGIN + BREAK_WIDTH if broken else MARGIN, scaled[0].day.year,
                  begin, end)


def _ticks(scale: _Scale, first: Moment) -> list[Tick]:
    """A labelled tick every year, or every few, and the lone first year before a break."""
    step = _step(max(1, round(scale.span)))
    years = range(max(scale.start_year, math.ceil(scale.begin)), math.floor(scale.end) + 1)
    ticks = [Tick(scale.x(dt.date(year, 1, 1)), str(year))
             for year in years if (year - scale.start_year) % step == 0]
    if scale.broken:
        ticks.insert(0, Tick(MARGIN, str(first.day.year)))
    return ticks


def _axis(broken: bool) -> tuple[tuple[float, float], ...]:
    """The drawn stretches of the line: one, or two either side of the break."""
    if broken:
        return ((MARGIN - 6, MARGIN + BREAK_WIDTH / 2 - 4),
                (MARGIN + BREAK_WIDTH / 2 + 4, WIDTH - MARGIN + 6))
    return ((MARGIN - 6, WIDTH - MARGIN + 6),)


def draw(moments: Sequence[Moment]) -> Drawing:
    """Place each moment on a line of years that ends at the last; moments must not be empty."""
    ordered = sorted(moments, key=lambda m: (m.day, KIND_ORDER.index(m.kind)))
    first = ordered[0]
    scale = _scale(ordered)
    places = [MARGIN if scale.broken and moment is first else scale.x(moment.day)
              for moment in ordered]
    rows = [EDITION_ROW if moment.kind == "edition" else PERSON_ROW for moment in ordered]
    for row in set(rows):
        _spread([i for i, y in enumerate(rows) if y == row], places)
    marks = [Mark(x, y, m.kind) for x, y, m in zip(places, rows, ordered, strict=True)]
    return Drawing(WIDTH, HEIGHT, _axis(scale.broken), tuple(marks), tuple(_ticks(scale, first)))


def _spread(row: list[int], places: list[float]) -> None:
    """Moments a few weeks apart would hide each other: keep the marks of one row a mark's
    width apart, pushed right, then back left from the line's end where they would pass it."""
    for before, after in itertools.pairwise(row):
        places[after] = round(max(places[after], places[before] + MIN_GAP), 1)
    limit = float(WIDTH - MARGIN)
    for index in reversed(row):
        places[index] = min(places[index], limit)
        limit = round(places[index] - MIN_GAP, 1)
