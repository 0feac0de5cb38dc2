"""Where one goal or objective stands on a date: its reading series, progress, pacing and status.

Shared by the scorecard and the conflict rules (local win, customer loss needs statuses), so it
lives below both. Pure: no I/O.

Semantics (DESIGN.md "The scorecard", made exact):
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
- Expected: the elapsed share of [start, deadline] at as-of, clamped to [0, 1].
- Status, first match wins:
  no_data  no latest (also for goals not started yet: their start is after as-of);
  increase/decrease/reach: achieved when latest is at or beyond the target in the goal's
  direction; missed when as-of is after the deadline; else on_track when
  progress >= expected - tolerance, at_risk when >= expected - 2*tolerance, else off_track;
  stay_above/stay_below: a holding guard is achieved from the deadline on and on_track before it;
  a breached guard is missed after the deadline and off_track before it (a guard has no pacing).
  The latest reading decides, even after the deadline.
- Stale: the latest reading is more than the cadence's days old at as-of (weekly 7, monthly 31,
  quarterly 92): a weekly metric read on 1 March is fresh up to 8 March and stale on 9 March.
- Objectives are judged in their metric's direction against their target. Pacing starts at
  `objective.start` and `objective.baseline` when set, else at the first reading of the series.
  A baseline already at or beyond the target gives progress 1 when met, else 0. Tolerance is the
  model's default goal tolerance.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cxtui.models import DEFAULT_TOLERANCE, Cadence, Direction, Goal, Metric, Objective, Reading

Status = Literal["achieved", "on_track", "at_risk", "off_track", "missed", "no_data"]

# Higher is better; used to say whether a change moved a goal up or down. no_data is lowest:
# getting a first reading is a step up, losing all readings a step down.
STATUS_RANK: dict[str, int] = {
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
    return goal.start <= as_of <= goal.deadline + timedelta(days=ACTIVE_GRACE_DAYS)


def is_running(goal: Goal, as_of: date) -> bool:
    """Started and not past its deadline: still collecting readings."""
    return goal.start <= as_of <= goal.deadline


def series(readings: list[Reading], as_of: date) -> list[Point]:
    """One point per date, oldest first, from readings on or before as-of."""
    by_date: dict[date, Reading] = {}
    for reading in sorted(readings, key=lambda r: (r.date, r.recorded_at, r.id)):
        if reading.date <= as_of:
            by_date[reading.date] = reading
    return [Point(date=d, value=r.value) for d, r in sorted(by_date.items())]


def elapsed_share(start: date, deadline: date, as_of: date) -> float:
    if deadline <= start or as_of >= deadline:
        return 1.0
    if as_of <= start:
        return 0.0
    return (as_of - start).days / (deadline - start).days


def is_stale(latest: Point | None, cadence: Cadence, as_of: date) -> bool:
    return latest is not None and (as_of - latest.date).days > CADENCE_DAYS[cadence]


def paced_status(progress: float, expected: float, tolerance: float) -> Status:
    if progress >= expected - tolerance - EPSILON:
        return "on_track"
    if progress >= expected - 2 * tolerance - EPSILON:
        return "at_risk"
    return "off_track"


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _sign(direction: Direction) -> int:
    return 1 if direction == "up" else -1


def _standing(
    points: list[Point],
    latest: Point | None,
    progress: float | None,
    expected: float,
    status: Status,
    cadence: Cadence,
    as_of: date,
) -> Standing:
    previous = None
    if latest is not None and len(points) >= 2:
        previous = points[-2]
    return Standing(
        latest=latest,
        previous=previous,
        progress=progress,
        expected=expected,
        status=status,
        stale=is_stale(latest, cadence, as_of),
        trend=points[-TREND_LENGTH:],
        # Rounded so float noise (85.8 - 85.1 = 0.7000000000000028) does not reach JSON output.
        delta=None if previous is None or latest is None else round(latest.value - previous.value, 9),
    )


def goal_standing(goal: Goal, metric: Metric, readings: list[Reading], as_of: date) -> Standing:
    """`readings` are the readings of the goal's metric for its department (any dates)."""
    points = series(readings, as_of)
    latest = points[-1] if points and points[-1].date >= goal.start else None
    expected = elapsed_share(goal.start, goal.deadline, as_of)
    if latest is None:
        return _standing(points, None, None, expected, "no_data", metric.cadence, as_of)
    past_deadline = as_of > goal.deadline
    if is_guard(goal):
        holds = (latest.value - goal.target) * _sign(goal_direction(goal)) >= 0
        progress = 1.0 if holds else 0.0
        if holds:
            status: Status = "achieved" if as_of >= goal.deadline else "on_track"
        else:
            status = "missed" if past_deadline else "off_track"
    else:
        progress = _clamp((latest.value - goal.baseline) / (goal.target - goal.baseline))
        met = (latest.value - goal.target) * _sign(goal_direction(goal)) >= 0
        if met:
            status = "achieved"
        elif past_deadline:
            status = "missed"
        else:
            status = paced_status(progress, expected, goal.tolerance)
    return _standing(points, latest, progress, expected, status, metric.cadence, as_of)


def objective_standing(objective: Objective, metric: Metric, points: list[Point], as_of: date) -> Standing:
    """`points` is the objective's series (already on or before as-of, oldest first)."""
    if not points:
        start = objective.start or objective.deadline
        expected = elapsed_share(start, objective.deadline, as_of)
        return _standing(points, None, None, expected, "no_data", metric.cadence, as_of)
    latest = points[-1]
    anchor = points[0]
    if objective.start is not None:
        anchor = next((p for p in points if p.date >= objective.start), latest)
    start = objective.start or anchor.date
    baseline = objective.baseline if objective.baseline is not None else anchor.value
    sign = _sign(metric.direction)
    met = (latest.value - objective.target) * sign >= 0
    span = objective.target - baseline
    if span * sign > 0:
        progress = _clamp((latest.value - baseline) / span)
    else:
        progress = 1.0 if met else 0.0
    expected = elapsed_share(start, objective.deadline, as_of)
    if met:
        status: Status = "achieved"
    elif as_of > objective.deadline:
        status = "missed"
    else:
        status = paced_status(progress, expected, DEFAULT_TOLERANCE)
    return _standing(points, latest, progress, expected, status, metric.cadence, as_of)


def is_falling(standing: Standing, direction: Direction) -> bool:
    """The last change moved the metric against `direction`."""
    return standing.delta is not None and standing.delta * _sign(direction) < 0


ReadingIndex = dict[tuple[str, str | None], list[Reading]]
SeriesSource = Literal["company", "departments", "none"]


def index_readings(readings: list[Reading]) -> ReadingIndex:
    """Readings grouped by (metric, department); department None = company level."""
    index: ReadingIndex = {}
    for reading in readings:
        index.setdefault((reading.metric, reading.department), []).append(reading)
    return index


def objective_series(
    objective: Objective, index: ReadingIndex, as_of: date
) -> tuple[list[Point], SeriesSource]:
    """Company-level readings of the objective's metric; when there are none on or before as-of,
    the mean of the departments' readings on each date (one value per department and date)."""
    company = series(index.get((objective.metric, None), []), as_of)
    if company:
        return company, "company"
    values: dict[date, list[float]] = {}
    for (metric, department), readings in index.items():
        if metric == objective.metric and department is not None:
            for point in series(readings, as_of):
                values.setdefault(point.date, []).append(point.value)
    if not values:
        return [], "none"
    return [Point(date=d, value=sum(sorted(v)) / len(v)) for d, v in sorted(values.items())], "departments"
