"""Evidence for the driver chain and for initiatives, measured from readings. Pure: plain inputs
(lists of `(date, value)`, cadence strings, sign, lag, start date) in, frozen models out.

Evidence, never causation: a link is "supported" when the readings move together the way it was
declared, nothing more.

Periods. A cadence buckets dates into ISO weeks (Monday first), calendar months or calendar
quarters. A series is aggregated to one value per period: the mean of its readings in that period;
periods without readings are gaps, never filled.

Measuring a link (`measure_link`), for one pair of series:
1. Both series are aggregated to the coarser cadence of the two metrics (weekly < monthly <
   quarterly), by the date of each reading.
2. Changes, not levels: the change at period p is value(p) - value(p-1), defined only when both
   periods have a value. Two series that merely trend over the same years have changes that do not
   move together, so they do not count as linked.
3. The driver is shifted by the lag (whole periods of the coarser cadence, >= 0): the driver's
   change at p - lag is paired with the outcome's change at p, for every p where both exist.
   n is the number of such paired changes; `first`/`last` are the outcome periods of the first and
   last pair (the first day of the period).
4. rho is Spearman's rank correlation of the paired changes: the Pearson correlation of their
   ranks, tied values sharing the average of their ranks. rho is None when n < 3 or when either
   side has no variation (all changes equal).
5. p is a two-sided permutation p-value: the share of orderings of the outcome's ranks against the
   driver's whose |rho| is at least the observed |rho|.
   - n <= 8: exact, over all n! orderings.
   - 9 <= n <= 30: Monte Carlo over up to 2,000 random orderings drawn from a generator seeded by
     n, so the same data always gets the same p; p = (1 + orderings at least as extreme) /
     (1 + 2,000), never 0. The draw stops early once 50 orderings were at least as extreme, with
     p = 50 / orderings drawn (Besag and Clifford's sequential test, just as valid): a clearly
     unrelated pair costs ~100 orderings instead of 2,000.
   - n > 30: the normal approximation of that same permutation distribution (under permutation
     rho has mean 0 and variance exactly 1/(n-1), ties or not): p = erfc(|rho| * sqrt((n-1)/2)).
     At these sizes it agrees with the Monte Carlo test to about 0.01 near p = 0.05, while the
     Monte Carlo test in plain Python costs milliseconds per pair.
6. Verdict: `not_enough_data` when n < 8; `no_evidence` when rho is None or p >= 0.05;
   otherwise `supported` when the sign of rho is the declared sign, `contradicted` when it is the
   opposite one.
A declared tension is measured the same way, as a link with sign `negative` and lag 0.

Pairing (`pair_series`): the driver's readings of each department with the outcome's readings of
the same department; when the outcome has no departmental readings at all, with the company-level
outcome instead; and the company-level driver with the company-level outcome. Each pair is measured
separately; a department without a counterpart is left out.

Measuring an initiative (`measure_impact`), for one metric and one series, an interrupted time
series in the metric's own cadence:
- before = the periods before the one holding `start`; after = that period and the later ones.
- `not_enough_data` when before has fewer than 4 periods with a value (no trend to project,
  and waiting will not add any); else `too_early` when after has fewer than 4.
- Otherwise a least-squares line is fitted to the before periods (value against period number)
  and projected across the after periods. actual and projected are the means over the after
  periods of the values and of the line; shift = actual - projected, in the metric's unit.
- noise = the standard error of that shift if nothing had changed: s * sqrt(1/after_n +
  1/before_n + (mean after period - mean before period)^2 / Sxx), where s is the standard deviation
  of the before residuals (before_n - 2 degrees of freedom) and Sxx the sum of squared deviations
  of the before period numbers. It grows the further the projection reaches.
- The shift counts when |shift| > t x noise, t the two-sided 5% quantile of Student's t with
  before_n - 2 degrees of freedom (4.30 at 4 periods before, 2.23 at 12, 2.04 at 32, towards 1.96),
  and when it is more than rounding (1e-9 of the series' largest magnitude). With plain 2 x noise a
  metric with 4 to 6 periods before would be called improved or worsened by chance 10-20% of the
  time instead of 5%. Then `improved` when it goes the way the initiative expects (up: positive
  shift, down: negative), `worsened` when it goes the other way; else `no_change`. A metric that
  keeps rising at its pre-start pace has a shift near 0: no credit for an existing trend.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from itertools import permutations
from operator import itemgetter, mul
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cxtui.models import Cadence, Direction

__all__ = [
    "ALPHA",
    "EXACT_MAX",
    "MIN_AFTER",
    "MIN_BEFORE",
    "MIN_PAIRS",
    "MONTE_CARLO_MAX",
    "PERMUTATIONS",
    "STOP_AFTER",
    "Impact",
    "ImpactVerdict",
    "LinkResult",
    "LinkVerdict",
    "Series",
    "Sign",
    "aggregate",
    "average_ranks",
    "changes",
    "coarser",
    "measure_aggregated",
    "measure_impact",
    "measure_link",
    "pair_series",
    "paired_changes",
    "pre_trend",
    "period_index",
    "period_start",
    "permutation_p",
    "spearman",
]

Series = Sequence[tuple[date, float]]
Sign = Literal["positive", "negative"]
LinkVerdict = Literal["supported", "contradicted", "no_evidence", "not_enough_data"]
ImpactVerdict = Literal["improved", "worsened", "no_change", "too_early", "not_enough_data"]

ALPHA = 0.05
MIN_PAIRS = 8
EXACT_MAX = 8
MONTE_CARLO_MAX = 30
PERMUTATIONS = 2000
STOP_AFTER = 50
MIN_BEFORE = 4
MIN_AFTER = 4
_SEED = "cxtui-evidence"
# Two-sided 5% quantiles of Student's t for 1..30 degrees of freedom (standard tables).
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
_ORDER: dict[str, int] = {"weekly": 0, "monthly": 1, "quarterly": 2}
# cadence -> {date: period number}; bounded by the dates readings can carry (a few hundred years).
_PERIOD_OF: dict[str, dict[date, int]] = {}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class LinkResult(_Frozen):
    department: str | None
    cadence: Cadence
    lag: int
    sign: Sign
    n: int
    rho: float | None
    p: float | None
    first: date | None
    last: date | None
    verdict: LinkVerdict


class Impact(_Frozen):
    expected: Direction
    cadence: Cadence
    before_n: int
    after_n: int
    verdict: ImpactVerdict
    projected: float | None = None
    actual: float | None = None
    shift: float | None = None
    noise: float | None = None


# --- periods --------------------------------------------------------------------------------------


def period_index(cadence: Cadence, day: date) -> int:
    """A number per period, consecutive periods getting consecutive numbers."""
    if cadence == "weekly":
        return (day.toordinal() - 1) // 7  # day 1 (1 Jan of year 1) is a Monday
    if cadence == "monthly":
        return day.year * 12 + day.month - 1
    if cadence == "quarterly":
        return day.year * 4 + (day.month - 1) // 3
    raise ValueError(f"unknown cadence: {cadence!r}")


def period_start(cadence: Cadence, index: int) -> date:
    """The first day of period `index` (the inverse of `period_index`)."""
    if cadence == "weekly":
        return date.fromordinal(index * 7 + 1)
    if cadence == "monthly":
        return date(index // 12, index % 12 + 1, 1)
    return date(index // 4, index % 4 * 3 + 1, 1)


def coarser(a: Cadence, b: Cadence) -> Cadence:
    return a if _ORDER[a] >= _ORDER[b] else b


def aggregate(series: Iterable[tuple[date, float]], cadence: Cadence) -> dict[int, float]:
    """The mean of the readings per period, keyed by period number."""
    # Many readings share a date: each date's period is looked up, not computed, after its first.
    periods = _PERIOD_OF.setdefault(cadence, {})
    totals: dict[int, float] = {}
    counts: dict[int, int] = {}
    for day, value in series:
        p = periods.get(day)
        if p is None:
            p = periods[day] = period_index(cadence, day)
        if p in counts:
            totals[p] += value
            counts[p] += 1
        else:
            totals[p] = value
            counts[p] = 1
    return {p: totals[p] / n for p, n in counts.items()}


def changes(values: Mapping[int, float]) -> dict[int, float]:
    """value(p) - value(p-1) for each period p whose previous period has a value too."""
    return {p: v - values[p - 1] for p, v in values.items() if p - 1 in values}


def paired_changes(
    driver: Mapping[int, float], outcome: Mapping[int, float], lag: int = 0
) -> list[tuple[int, float, float]]:
    """(outcome period, driver change at p - lag, outcome change at p), in period order."""
    if lag < 0:
        raise ValueError(f"lag must be 0 or more periods (got {lag})")
    d, o = changes(driver), changes(outcome)
    return [(p, d[p - lag], o[p]) for p in sorted(o) if p - lag in d]


# --- rank correlation -----------------------------------------------------------------------------


def average_ranks(values: Sequence[float]) -> list[float]:
    """Ranks 1..n; tied values share the average of the ranks they span."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def _centred(values: Sequence[float]) -> tuple[int, ...]:
    # Twice the rank minus (n + 1): integers (average ranks are halves), so sums are exact and
    # a permuted statistic equal to the observed one compares equal.
    n = len(values)
    return tuple(int(2 * r) - (n + 1) for r in average_ranks(values))


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rho with average ranks for ties; None when n < 3 or either side is constant."""
    return _rank_test(x, y, with_p=False)[0]


def permutation_p(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Two-sided permutation p-value of Spearman's rho (the rule in the module docstring)."""
    return _rank_test(x, y)[1]


def _rank_test(
    x: Sequence[float], y: Sequence[float], with_p: bool = True
) -> tuple[float | None, float | None]:
    if len(x) != len(y):
        raise ValueError("x and y differ in length")
    n = len(x)
    if n < 3:
        return None, None
    a, b = _centred(x), _centred(y)
    saa, sbb = sum(map(mul, a, a)), sum(map(mul, b, b))
    if saa == 0 or sbb == 0:
        return None, None
    observed = sum(map(mul, a, b))
    rho = observed / math.sqrt(saa * sbb)
    if not with_p:
        return rho, None
    if n > MONTE_CARLO_MAX:
        return rho, math.erfc(abs(rho) * math.sqrt((n - 1) / 2))
    observed = abs(observed)
    if n <= EXACT_MAX:
        null = _exact_null(tuple(sorted(a)), tuple(sorted(b)))
        return rho, sum(count for s, count in null if s >= observed) / math.factorial(n)
    extreme = 0
    for drawn, take in enumerate(_orderings(n), 1):
        if abs(sum(map(mul, a, take(b)))) >= observed:
            extreme += 1
            if extreme == STOP_AFTER:
                return rho, extreme / drawn
    return rho, (1 + extreme) / (1 + PERMUTATIONS)


@lru_cache(maxsize=256)
def _exact_null(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    # (|statistic|, how many orderings give it). It depends only on which b meets which a, so
    # sorted a and b (the tie pattern) make a sound cache key: without ties every pair of the same
    # n shares one distribution.
    return tuple(Counter(abs(sum(map(mul, a, ordering))) for ordering in permutations(b)).items())


@lru_cache(maxsize=16)
def _orderings(n: int) -> tuple[itemgetter, ...]:
    # Seeded by n (a str seed is hashed the same in every process): repeatable, and drawn once
    # per n for all the pairs of that length.
    rng = random.Random(f"{_SEED}:{n}")
    indices = list(range(n))
    drawn = []
    for _ in range(PERMUTATIONS):
        rng.shuffle(indices)
        drawn.append(itemgetter(*indices))
    return tuple(drawn)


# --- links ----------------------------------------------------------------------------------------


def measure_link(
    driver: Series,
    outcome: Series,
    driver_cadence: Cadence,
    outcome_cadence: Cadence,
    sign: Sign,
    lag: int = 0,
    department: str | None = None,
) -> LinkResult:
    """One pair of series measured against the declared sign (the rules in the module docstring)."""
    cadence = coarser(driver_cadence, outcome_cadence)
    return measure_aggregated(aggregate(driver, cadence), aggregate(outcome, cadence), cadence, sign, lag, department)


def measure_aggregated(
    driver: Mapping[int, float],
    outcome: Mapping[int, float],
    cadence: Cadence,
    sign: Sign,
    lag: int = 0,
    department: str | None = None,
) -> LinkResult:
    """`measure_link` on series already aggregated to `cadence` (one series may serve many links)."""
    pairs = paired_changes(driver, outcome, lag)
    x = [d for _, d, _ in pairs]
    y = [o for _, _, o in pairs]
    rho, p = _rank_test(x, y)
    verdict: LinkVerdict
    if len(pairs) < MIN_PAIRS:
        verdict = "not_enough_data"
    elif rho is None or p is None or p >= ALPHA:
        verdict = "no_evidence"
    elif (rho > 0) == (sign == "positive"):
        verdict = "supported"
    else:
        verdict = "contradicted"
    return LinkResult(
        department=department,
        cadence=cadence,
        lag=lag,
        sign=sign,
        n=len(pairs),
        rho=rho,
        p=p,
        first=period_start(cadence, pairs[0][0]) if pairs else None,
        last=period_start(cadence, pairs[-1][0]) if pairs else None,
        verdict=verdict,
    )


def pair_series(
    driver: Mapping[str | None, Series], outcome: Mapping[str | None, Series]
) -> list[tuple[str | None, Series, Series]]:
    """(department, driver series, outcome series) to measure; None is the company level."""
    departmental = any(d is not None and s for d, s in outcome.items())
    pairs = []
    for department, series in driver.items():
        if not series:
            continue
        match = outcome.get(department) if department is None or departmental else outcome.get(None)
        if match:
            pairs.append((department, series, match))
    return sorted(pairs, key=lambda t: (t[0] is not None, t[0] or ""))


# --- initiatives ----------------------------------------------------------------------------------


def measure_impact(series: Series, cadence: Cadence, start: date, expected: Direction) -> Impact:
    """An interrupted time series around `start` (the rules in the module docstring)."""
    values = aggregate(series, cadence)
    cut = period_index(cadence, start)
    before = sorted((p, v) for p, v in values.items() if p < cut)
    after = sorted((p, v) for p, v in values.items() if p >= cut)
    verdict: ImpactVerdict
    figures: dict[str, float] = {}
    if len(before) < MIN_BEFORE:
        verdict = "not_enough_data"
    elif len(after) < MIN_AFTER:
        verdict = "too_early"
    else:
        verdict, figures = _interrupted(before, after, expected)
    return Impact(
        expected=expected,
        cadence=cadence,
        before_n=len(before),
        after_n=len(after),
        verdict=verdict,
        **figures,
    )


def _interrupted(
    before: list[tuple[int, float]], after: list[tuple[int, float]], expected: Direction
) -> tuple[ImpactVerdict, dict[str, float]]:
    nb, na = len(before), len(after)
    tb = sum(p for p, _ in before) / nb
    yb = sum(v for _, v in before) / nb
    sxx = sum((p - tb) ** 2 for p, _ in before)
    slope = sum((p - tb) * (v - yb) for p, v in before) / sxx
    ssr = sum((v - yb - slope * (p - tb)) ** 2 for p, v in before)
    ta = sum(p for p, _ in after) / na
    projected = yb + slope * (ta - tb)  # the line's mean over the after periods
    actual = sum(v for _, v in after) / na
    shift = actual - projected
    noise = math.sqrt(ssr / (nb - 2)) * math.sqrt(1 / na + 1 / nb + (ta - tb) ** 2 / sxx)
    rounding = 1e-9 * max(abs(v) for _, v in before + after)
    verdict: ImpactVerdict = "no_change"
    if abs(shift) > max(_t975(nb - 2) * noise, rounding):
        verdict = "improved" if (shift > 0) == (expected == "up") else "worsened"
    return verdict, {"projected": projected, "actual": actual, "shift": shift, "noise": noise}


def _t975(df: int) -> float:
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959964  # beyond the table, the Cornish-Fisher expansion (within 0.001 from 30 on)
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def pre_trend(series: Series, cadence: Cadence, start: date) -> tuple[float, float] | None:
    """(intercept, slope) of the line `measure_impact` fits to the periods before `start`, value =
    intercept + slope * period number; None when it fits none (fewer than MIN_BEFORE periods)."""
    cut = period_index(cadence, start)
    before = sorted((p, v) for p, v in aggregate(series, cadence).items() if p < cut)
    if len(before) < MIN_BEFORE:
        return None
    tb = sum(p for p, _ in before) / len(before)
    yb = sum(v for _, v in before) / len(before)
    slope = sum((p - tb) * (v - yb) for p, v in before) / sum((p - tb) ** 2 for p, _ in before)
    return yb - slope * tb, slope
