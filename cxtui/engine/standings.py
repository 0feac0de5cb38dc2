"""Where one goal or objective stands on a date: its reading series, progress, pacing and status.

Shared by the scorecard and the conflict rules (local win, customer loss needs statuses), so it
lives below both. Pure: no I/O.

Semantics, made exact (this is the reference; the README and docs/cli.md summarise it):
- Series: readings on or before as-of, oldest first. Several readings on one date count once:
  the last recorded (by `recorded_at`, then id) is taken as the correction of the others.
- Goal `latest`: the newest reading of the goal's metric for its department on or before as-of,
  provided it is on or after the goal's start; otherwise there is no latest and the status is
  `no_data`. `previous` is the reading before `latest` (it may predate the start: the change
  since the previous reading is still the change). `trend` is the last 12 readings of the series,
  pre-start ones included for context.
- Goal direction: increase = up, decrease = down, reach = from baseline toward target,
  stay_above = up, stay_below = down (a guard resists moves the other way).
- Progress: increase/decrease/reach (latest - baseline) / (target - baseline) clamped to [0, 1];
  stay_above/stay_below 1 while the guard holds (latest >= target, latest <= target), else 0.
- Expected: by the goal's pacing, from t = the elapsed share of [start, deadline] at as-of,
  clamped to [0, 1] (see `expected_share`). Every pacing expects 0 up to the start and 1 from the
  deadline on:
  linear   t (the rule before pacing kinds existed, and what every stored goal keeps);
  stepped  the share of the newest milestone on or before as-of, 0 before the first: expectation
           moves only on the milestone dates themselves (a survey wave), so a goal whose metric is
           read once a quarter does not drift to "at risk" between waves. A milestone's share is
           its own (`2026-03-31=0.25`) or else t at its date;
  late     t squared: a back-loaded curve for changes that land near the deadline (a quarter of
           the change by half time, 56% at three quarters of the time). Never above linear.
- Status, first match wins:
  no_data  no latest (also for goals not started yet: their start is after as-of);
  increase/decrease/reach: achieved when latest is at or beyond the target in the goal's
  direction, and exceeded instead when an increase or decrease goal has an `exceed_margin` and
  latest is past the target by more than that share of |target - baseline| (margin 0: any
  amount past it; no margin: never exceeded); missed when as-of is after the deadline; else
  on_track when progress >= expected - tolerance, at_risk when >= expected - risk_tolerance
  (the goal's own band, else 2*tolerance), else off_track;
  stay_above/stay_below: a holding guard is achieved from the deadline on and on_track before it;
  a breached guard is missed after the deadline and off_track before it (a guard has no pacing).
  The latest reading decides, even after the deadline.
- Stale: the latest reading is more than the cadence's days old at as-of (weekly 7, monthly 31,
  quarterly 92): a weekly metric read on 1 March is fresh up to 8 March and stale on 9 March.
- Objectives are judged in their metric's direction against their target. Pacing starts at
  `objective.start` and `objective.baseline` when set, else at the first reading of the series.
  A baseline already at or beyond the target gives progress 1 when met, else 0. Tolerance is the
  model's default goal tolerance; pacing is linear; an objective is never exceeded.

Cost: `Lines` groups a snapshot's readings by series in one pass (no sort of the history) and
`Standings` computes each goal's and objective's standing once, for the scorecard and the conflict
rules together. A standing reads only a series' newest TREND_LENGTH dates, its first date and,
for an objective with a start but no baseline, its first date on or after the start: exactly
what `cxtui.store.series.trim` keeps, so a trimmed snapshot gives the same results as a full one.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
import math
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cxtui.models import (
    DEFAULT_TOLERANCE,
    Cadence,
    Direction,
    Goal,
    Metric,
    Objective,
    Reading,
    Snapshot,
    milestone_parts,
)

Status = Literal["exceeded", "achieved", "on_track", "at_risk", "off_track", "missed", "no_data"]

# Higher is better; used to say whether a change moved a goal up or down. no_data is lowest:
# getting a first reading is a step up, losing all readings a step down. Exceeded is achieved
# and then some, so it ranks above it (and counts as delivering wherever achieved does).
STATUS_RANK: dict[str, int] = {
    "exceeded": 6,
    "achieved": 5,
    "on_track": 4,
    "at_risk": 3,
    "off_track": 2,
    "missed": 1,
    "no_data": 0,
}

CADENCE_DAYS: dict[str, int] = {"weekly": 7, "monthly": 31, "quarterly": 92}
TREND_LENGTH = 12
# Goals stay active this long after their deadline, so a review held just after a quarter ends
# still sees (and counts) the quarter's goals as achieved or missed.
ACTIVE_GRACE_DAYS = 31
# Float slack for "exactly on the line" comparisons.
EPSILON = 1e-9


class Point(BaseModel):
    model_config = ConfigDict(frozen=True)

    date: date
    value: float


class Standing(BaseModel):
    """A goal's or objective's position at as-of."""

    model_config = ConfigDict(frozen=True)

    latest: Point | None
    previous: Point | None
    progress: float | None
    expected: float
    status: Status
    stale: bool
    trend: list[Point]
    delta: float | None


def flip(direction: Direction) -> Direction:
    return "down" if direction == "up" else "up"


def goal_direction(goal: Goal) -> Direction:
    if goal.kind in ("increase", "stay_above"):
        return "up"
    if goal.kind in ("decrease", "stay_below"):
        return "down"
    return "up" if goal.target > goal.baseline else "down"


def is_guard(goal: Goal) -> bool:
    return goal.kind in ("stay_above", "stay_below")


def is_active(goal: Goal, as_of: date) -> bool:
    """Started on or before as-of and not more than ACTIVE_GRACE_DAYS past its deadline."""
    # A difference of dates, not deadline + grace: that overflows for a deadline near date.max.
    return goal.start <= as_of and (as_of - goal.deadline).days <= ACTIVE_GRACE_DAYS


def is_running(goal: Goal, as_of: date) -> bool:
    """Started and not past its deadline: still collecting readings."""
    return goal.start <= as_of <= goal.deadline


def series(readings: list[Reading], as_of: date) -> list[Point]:
    """One point per date, oldest first, from readings on or before as-of."""
    return Line.of(readings, as_of).points()


def elapsed_share(start: date, deadline: date, as_of: date) -> float:
    if deadline <= start or as_of >= deadline:
        return 1.0
    if as_of <= start:
        return 0.0
    return (as_of - start).days / (deadline - start).days


def expected_share(goal: Goal, as_of: date) -> float:
    """The progress `goal`'s pacing expects at as-of, in [0, 1] (see the module docstring)."""
    elapsed = elapsed_share(goal.start, goal.deadline, as_of)
    if goal.pacing == "late":
        return elapsed * elapsed
    if goal.pacing == "stepped" and elapsed < 1.0:
        # max, not the last: a stored goal's milestones are not trusted to be in order.
        return _clamp(max((goal.milestone_share(m) for m in goal.milestones
                           if milestone_parts(m)[0] <= as_of), default=0.0))
    return elapsed


def pacing_words(goal: Goal) -> str:
    """A goal's pacing and bands in words, for the CLI and the TUI: "stepped at 2026-03-31 (24%),
    2026-06-30 (50%); on track within 10%, at risk within 20%; never exceeded"."""
    if goal.pacing == "stepped":
        steps = ", ".join(f"{milestone_parts(m)[0].isoformat()} ({goal.milestone_share(m):.0%})"
                          for m in goal.milestones)
        pace = f"stepped at {steps}" if steps else "stepped: all of it at the deadline"
    elif goal.pacing == "late":
        pace = "late (expected = elapsed share squared: 25% by half time)"
    else:
        pace = "linear"
    risk = 2 * goal.tolerance if goal.risk_tolerance is None else goal.risk_tolerance
    bands = f"on track within {goal.tolerance:.0%}, at risk within {risk:.0%} of the expected progress"
    if goal.kind not in ("increase", "decrease"):
        return f"{pace}; {bands}"
    if goal.exceed_margin is None:
        beyond = "never exceeded"
    elif goal.exceed_margin == 0:
        beyond = "exceeded past the target"
    else:
        beyond = f"exceeded {goal.exceed_margin:.0%} of the change past the target"
    return f"{pace}; {bands}; {beyond}"


def is_stale(latest: Point | None, cadence: Cadence, as_of: date) -> bool:
    return latest is not None and (as_of - latest.date).days > CADENCE_DAYS[cadence]


def paced_status(progress: float, expected: float, tolerance: float, risk_tolerance: float | None = None) -> Status:
    """on_track within `tolerance` below expected, at_risk within `risk_tolerance` (None: twice
    the tolerance), else off_track."""
    if progress >= expected - tolerance - EPSILON:
        return "on_track"
    band = 2 * tolerance if risk_tolerance is None else risk_tolerance
    if progress >= expected - band - EPSILON:
        return "at_risk"
    return "off_track"


def exceeds(goal: Goal, latest: float) -> bool:
    """An increase or decrease goal with an exceed_margin, `latest` past its target by more than
    that share of |target - baseline|."""
    if goal.exceed_margin is None or goal.kind not in ("increase", "decrease"):
        return False
    # Halves: values near ±1.7e308 in a stored record keep both sides finite.
    beyond = (latest / 2 - goal.target / 2) * _sign(goal_direction(goal))
    return beyond > goal.exceed_margin * abs(goal.target / 2 - goal.baseline / 2)


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _progress(latest: float, baseline: float, target: float) -> float:
    """(latest - baseline) / (target - baseline), clamped to [0, 1]; `target != baseline`."""
    moved, span = latest - baseline, target - baseline
    if not (math.isfinite(moved) and math.isfinite(span)):
        # Values far apart near ±1.7e308: halves keep both differences finite, the ratio the same.
        moved, span = latest / 2 - baseline / 2, target / 2 - baseline / 2
    return _clamp(moved / span)


def _sign(direction: Direction) -> int:
    return 1 if direction == "up" else -1


SeriesKey = tuple[str, str | None]  # (metric, department); department None = company level
SeriesSource = Literal["company", "departments", "none"]


class Line:
    """A series at as-of: its dates (ascending, one per date) and a way to get the value on each.

    What `series` returns as Points, without a model per reading: a standing reads only its last
    TREND_LENGTH points and maybe one anchor, so on a long history only those values are looked up
    and only those become Points.
    """

    __slots__ = ("_value", "dates")

    def __init__(self, dates: list[date], value: Callable[[int], float]) -> None:
        self.dates = dates
        self._value = value  # the value at an index of `dates`

    @classmethod
    def of(cls, readings: Iterable[Reading], as_of: date) -> Line:
        """The series of `readings` (all taken as one series, whatever their metric)."""
        return cls.from_days(_counting(readings, as_of, by_series=False).get(None, {}))

    @classmethod
    def from_days(cls, by_date: dict[date, Reading]) -> Line:
        """From the reading that counts on each date (see `_counting`)."""
        dates = sorted(by_date)
        return cls(dates, lambda i: by_date[dates[i]].value)

    @classmethod
    def from_values(cls, dates: list[date], values: list[float]) -> Line:
        return cls(dates, values.__getitem__)

    def __len__(self) -> int:
        return len(self.dates)

    def value(self, index: int) -> float:
        return self._value(index)

    def point(self, index: int) -> Point:
        return Point(date=self.dates[index], value=self._value(index))

    def points(self, start: int = 0) -> list[Point]:
        return [Point(date=self.dates[i], value=self._value(i)) for i in range(start, len(self.dates))]


def _counting(
    readings: Iterable[Reading], as_of: date, by_series: bool = True
) -> dict[SeriesKey | None, dict[date, Reading]]:
    """Per (metric, department) series (or all as one, keyed None) and per date on or before as-of,
    the reading that counts: the last recorded, by recorded_at then id; on a full tie the later one
    given. The same reading a stable sort by (date, recorded_at, id) puts last, in one pass instead
    of a sort of the whole history."""
    days: dict[SeriesKey | None, dict[date, Reading]] = {}
    for reading in readings:
        day = reading.date
        if day > as_of:
            continue
        key = (reading.metric, reading.department) if by_series else None
        by_date = days.get(key)
        if by_date is None:
            by_date = days[key] = {}
        held = by_date.setdefault(day, reading)
        if held is not reading and (reading.recorded_at, reading.id) >= (held.recorded_at, held.id):
            by_date[day] = reading
    return days


def _standing(
    line: Line,
    has_latest: bool,
    progress: float | None,
    expected: float,
    status: Status,
    cadence: Cadence,
    as_of: date,
) -> Standing:
    trend = line.points(max(0, len(line) - TREND_LENGTH))
    latest = trend[-1] if has_latest else None
    previous = trend[-2] if has_latest and len(trend) >= 2 else None
    return Standing(
        latest=latest,
        previous=previous,
        progress=progress,
        expected=expected,
        status=status,
        stale=is_stale(latest, cadence, as_of),
        trend=trend,
        # Rounded so float noise (85.8 - 85.1 = 0.7000000000000028) does not reach JSON output.
        delta=None if previous is None or latest is None else round(latest.value - previous.value, 9),
    )


def goal_standing(goal: Goal, metric: Metric, readings: list[Reading], as_of: date) -> Standing:
    """`readings` are the readings of the goal's metric for its department (any dates)."""
    return goal_standing_on(goal, metric, Line.of(readings, as_of), as_of)


def goal_standing_on(goal: Goal, metric: Metric, line: Line, as_of: date) -> Standing:
    """`line` is the series of the goal's metric for its department at as-of."""
    has_latest = bool(line.dates) and line.dates[-1] >= goal.start
    expected = expected_share(goal, as_of)
    if not has_latest:
        return _standing(line, False, None, expected, "no_data", metric.cadence, as_of)
    latest = line.value(-1)
    past_deadline = as_of > goal.deadline
    if is_guard(goal):
        holds = (latest - goal.target) * _sign(goal_direction(goal)) >= 0
        progress = 1.0 if holds else 0.0
        if holds:
            status: Status = "achieved" if as_of >= goal.deadline else "on_track"
        else:
            status = "missed" if past_deadline else "off_track"
    else:
        progress = _progress(latest, goal.baseline, goal.target)
        met = (latest - goal.target) * _sign(goal_direction(goal)) >= 0
        if met:
            status = "exceeded" if exceeds(goal, latest) else "achieved"
        elif past_deadline:
            status = "missed"
        else:
            status = paced_status(progress, expected, goal.tolerance, goal.risk_tolerance)
    return _standing(line, True, progress, expected, status, metric.cadence, as_of)


def objective_standing(objective: Objective, metric: Metric, points: list[Point], as_of: date) -> Standing:
    """`points` is the objective's series (already on or before as-of, oldest first)."""
    line = Line.from_values([p.date for p in points], [p.value for p in points])
    return objective_standing_on(objective, metric, line, as_of)


def objective_standing_on(objective: Objective, metric: Metric, line: Line, as_of: date) -> Standing:
    """`line` is the objective's series at as-of (see `Lines.objective_line`)."""
    if not line:
        start = objective.start or objective.deadline
        expected = elapsed_share(start, objective.deadline, as_of)
        return _standing(line, False, None, expected, "no_data", metric.cadence, as_of)
    latest = line.value(-1)
    anchor = 0  # the first point, or the first on or after the start (the latest if none is)
    if objective.start is not None:
        anchor = min(bisect_left(line.dates, objective.start), len(line) - 1)
    start = objective.start or line.dates[anchor]
    baseline = objective.baseline if objective.baseline is not None else line.value(anchor)
    sign = _sign(metric.direction)
    met = (latest - objective.target) * sign >= 0
    if (objective.target - baseline) * sign > 0:
        progress = _progress(latest, baseline, objective.target)
    else:
        progress = 1.0 if met else 0.0
    expected = elapsed_share(start, objective.deadline, as_of)
    if met:
        status: Status = "achieved"
    elif as_of > objective.deadline:
        status = "missed"
    else:
        status = paced_status(progress, expected, DEFAULT_TOLERANCE)
    return _standing(line, True, progress, expected, status, metric.cadence, as_of)


def is_falling(standing: Standing, direction: Direction) -> bool:
    """The last change moved the metric against `direction`."""
    return standing.delta is not None and standing.delta * _sign(direction) < 0


class Lines:
    """Every (metric, department) series of a snapshot at one as-of.

    Built in one pass over the readings (per series and date, the reading that counts), each series
    sorted once, when first asked for. A scorecard reads each series once or twice (goal cards, the
    local-win rule, objectives), so sorting per call was most of its time on a long history.
    """

    def __init__(self, readings: Iterable[Reading], as_of: date) -> None:
        self.as_of = as_of
        self._days = _counting(readings, as_of)
        self._departments: dict[str, list[str]] = {}
        for metric, department in self._days:  # type: ignore[misc]
            if department is not None:
                self._departments.setdefault(metric, []).append(department)
        self._lines: dict[SeriesKey, Line] = {}
        self._objective_lines: dict[str, tuple[Line, SeriesSource]] = {}

    def line(self, metric: str, department: str | None) -> Line:
        key = (metric, department)
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = Line.from_days(self._days.get(key, {}))
        return line

    def confidences(self, metric: str, department: str | None) -> tuple[int | None, int | None]:
        """The confidence given with the series' newest reading that counts, and with the one before
        it (None where no confidence was given)."""
        by_date = self._days.get((metric, department), {})
        newest = sorted(by_date)[-2:]
        found = [by_date[day].confidence for day in newest]
        return (found[-1] if found else None), (found[0] if len(found) == 2 else None)

    def objective_line(self, metric: str) -> tuple[Line, SeriesSource]:
        """Company-level series of `metric`, else the per-date mean of its departments' series."""
        found = self._objective_lines.get(metric)
        if found is None:
            found = self._objective_lines[metric] = self._objective_line(metric)
        return found

    def _objective_line(self, metric: str) -> tuple[Line, SeriesSource]:
        company = self.line(metric, None)
        if company:
            return company, "company"
        departments = [self._days[(metric, d)] for d in self._departments.get(metric, ())]
        dates = sorted(set().union(*departments))
        if not dates:
            return Line([], lambda i: 0.0), "none"

        def mean(index: int) -> float:
            # One value per department that has the date; sorted before summing so the mean does
            # not depend on the order the departments come in.
            day = dates[index]
            values = sorted(by_date[day].value for by_date in departments if day in by_date)
            total = sum(values)
            if math.isfinite(total):
                return total / len(values)
            return sum(v / len(values) for v in values)  # values near ±1.7e308: no overflow

        return Line(dates, mean), "departments"


class Standings:
    """Each goal's and objective's standing at one as-of, computed once per snapshot and shared by
    the scorecard and the conflict rules (local win, customer loss needs both)."""

    def __init__(self, snapshot: Snapshot, as_of: date) -> None:
        self.as_of = as_of
        self.lines = Lines(snapshot.readings, as_of)
        self.metrics: dict[str, Metric] = {m.id: m for m in snapshot.metrics}
        # Keyed by object identity, holding the object so the key cannot be reused.
        self._goals: dict[int, tuple[Goal, Standing]] = {}
        self._objectives: dict[int, tuple[Objective, Standing, SeriesSource]] = {}

    def metric(self, metric_id: str) -> Metric:
        """The metric, or a placeholder named by its id when its record is missing."""
        return self.metrics.get(metric_id) or Metric(id=metric_id, name=metric_id)

    def goal(self, goal: Goal) -> Standing:
        held = self._goals.get(id(goal))
        if held is None or held[0] is not goal:
            line = self.lines.line(goal.metric, goal.department)
            held = self._goals[id(goal)] = (
                goal,
                goal_standing_on(goal, self.metric(goal.metric), line, self.as_of),
            )
        return held[1]

    def objective(self, objective: Objective) -> tuple[Standing, SeriesSource]:
        held = self._objectives.get(id(objective))
        if held is None or held[0] is not objective:
            line, source = self.lines.objective_line(objective.metric)
            standing = objective_standing_on(objective, self.metric(objective.metric), line, self.as_of)
            held = self._objectives[id(objective)] = (objective, standing, source)
        return held[1], held[2]
