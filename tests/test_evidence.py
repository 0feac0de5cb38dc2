"""The evidence engine on synthetic series with known answers: periods, Spearman, the permutation
p-value, link verdicts and the interrupted-time-series verdict of an initiative."""

from __future__ import annotations

import math
import random
from datetime import date

import pytest

from cxtui.engine import evidence
from cxtui.engine.evidence import (
    aggregate,
    average_ranks,
    changes,
    measure_impact,
    measure_link,
    pair_series,
    paired_changes,
    period_index,
    period_start,
    permutation_p,
    spearman,
)

START = date(2020, 1, 1)


def month(i: int) -> date:
    """The 15th of the i-th month after January 2020."""
    return date(2020 + i // 12, i % 12 + 1, 15)


def monthly(values, first: int = 0):
    return [(month(first + i), v) for i, v in enumerate(values)]


def walk(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    level, out = 0.0, []
    for _ in range(n):
        level += rng.gauss(0, 1)
        out.append(level)
    return out


def noise(n: int, seed: int, scale: float = 1.0) -> list[float]:
    rng = random.Random(seed)
    return [rng.gauss(0, scale) for _ in range(n)]


# --- periods --------------------------------------------------------------------------------------

PERIODS = [
    # cadence, day, first day of its period
    ("weekly", date(2021, 1, 3), date(2020, 12, 28)),  # a Sunday: ISO week 53 of 2020
    ("weekly", date(2021, 1, 4), date(2021, 1, 4)),
    ("monthly", date(2024, 2, 29), date(2024, 2, 1)),
    ("quarterly", date(2024, 6, 30), date(2024, 4, 1)),
    ("quarterly", date(2024, 10, 1), date(2024, 10, 1)),
]


@pytest.mark.parametrize(("cadence", "day", "first"), PERIODS)
def test_period_of_a_day(cadence, day, first):
    index = period_index(cadence, day)
    assert period_start(cadence, index) == first
    assert period_index(cadence, first) == index


@pytest.mark.parametrize(
    ("cadence", "a", "b"),
    [
        ("weekly", date(2020, 12, 28), date(2021, 1, 4)),
        ("monthly", date(2020, 12, 31), date(2021, 1, 1)),
        ("quarterly", date(2020, 12, 31), date(2021, 1, 1)),
    ],
)
def test_consecutive_periods_get_consecutive_numbers(cadence, a, b):
    assert period_index(cadence, b) == period_index(cadence, a) + 1


def test_aggregate_means_per_period_and_changes_skip_gaps():
    series = [
        (date(2024, 1, 3), 1.0),
        (date(2024, 1, 20), 3.0),
        (date(2024, 2, 9), 5.0),
        (date(2024, 4, 1), 9.0),
    ]
    means = aggregate(series, "monthly")
    jan = period_index("monthly", date(2024, 1, 1))
    assert means == {jan: 2.0, jan + 1: 5.0, jan + 3: 9.0}
    assert changes(means) == {jan + 1: 3.0}  # March is missing, so April has no change


def test_paired_changes_shift_the_driver_by_the_lag():
    driver = {p: float(p * p) for p in range(10)}  # changes 2p - 1
    outcome = {p: 10.0 * p for p in range(10)}
    # the outcome's change into period 3 meets the driver's change into period 1
    assert paired_changes(driver, outcome, lag=2)[:2] == [(3, 1.0, 10.0), (4, 3.0, 10.0)]
    assert [p for p, _, _ in paired_changes(driver, outcome, lag=2)] == list(range(3, 10))
    with pytest.raises(ValueError, match="lag"):
        paired_changes(driver, outcome, lag=-1)


# --- Spearman and the permutation p-value ---------------------------------------------------------

SPEARMAN = [
    # x, y, ranks of x, rho (hand-computed)
    # y ranks 1 2 3.5 5 3.5: centred -2 -1 .5 2 .5 against -2..2; products 8, squares 10 and 9.5
    ([1, 2, 3, 4, 5], [5, 6, 7, 8, 7], [1, 2, 3, 4, 5], 8 / math.sqrt(10 * 9.5)),
    ([1, 2, 3, 4], [4, 3, 2, 1], [1, 2, 3, 4], -1.0),
    # ties in x: ranks 1, 2.5, 2.5, 4; sums of products 4.5, of squares 4.5 and 5
    ([10, 20, 20, 30], [1, 3, 2, 4], [1, 2.5, 2.5, 4], 4.5 / math.sqrt(4.5 * 5)),
    # ties on both sides: centred ranks -1 -1 .5 1.5 and -1.5 0 0 1.5; products 3.75, squares 4.5, 4.5
    ([7, 7, 8, 9], [1, 2, 2, 3], [1.5, 1.5, 3, 4], 3.75 / 4.5),
    ([3, 1, 2], [30, 10, 20], [3, 1, 2], 1.0),
]


@pytest.mark.parametrize(("x", "y", "ranks", "rho"), SPEARMAN)
def test_spearman_by_hand(x, y, ranks, rho):
    assert average_ranks(x) == ranks
    assert spearman(x, y) == pytest.approx(rho)
    assert spearman(y, x) == pytest.approx(rho)


@pytest.mark.parametrize(
    ("x", "y"),
    [([1, 2], [1, 2]), ([1, 1, 1, 1], [1, 2, 3, 4]), ([1, 2, 3, 4], [5, 5, 5, 5]), ([], [])],
)
def test_spearman_without_a_basis_is_none(x, y):
    assert spearman(x, y) is None
    assert permutation_p(x, y) is None


def test_spearman_refuses_unequal_lengths():
    with pytest.raises(ValueError, match="length"):
        spearman([1, 2, 3], [1, 2])


EXACT = [
    # x, y, two-sided exact p: orderings with |rho| at least the observed one, out of n!
    ([1, 2, 3], [1, 2, 3], 2 / 6),  # only the identity and the reversal reach |rho| = 1
    ([1, 2, 3, 4], [1, 2, 3, 4], 2 / 24),
    ([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6, 7, 8], 2 / 40320),
    # |rho| = 0.8 at n = 4: the orderings 1234, 2134, 1243, 1324 and their reversals -> 8/24
    ([1, 2, 3, 4], [2, 1, 3, 4], 8 / 24),
    # ties: y = 1 1 2 2 against 1 2 3 4; 4 of the 24 orderings put both 2s on top or bottom
    ([1, 2, 3, 4], [1, 1, 2, 2], 8 / 24),
]


@pytest.mark.parametrize(("x", "y", "p"), EXACT)
def test_exact_p_for_small_n(x, y, p):
    assert permutation_p(x, y) == pytest.approx(p)


def test_monte_carlo_p_for_middle_n_is_a_share_of_the_orderings():
    x = list(range(20))
    assert permutation_p(x, x) == pytest.approx(1 / (1 + evidence.PERMUTATIONS))  # none as extreme
    rng = random.Random(0)
    y = [v + rng.gauss(0, 8) for v in x]  # p near 0.02: under 50 as extreme, so all 2,000 drawn
    p = permutation_p(x, y)
    assert 0.01 < p < evidence.STOP_AFTER / (1 + evidence.PERMUTATIONS)
    assert p * (1 + evidence.PERMUTATIONS) == pytest.approx(round(p * (1 + evidence.PERMUTATIONS)))


def test_monte_carlo_stops_early_for_a_clearly_unrelated_pair(monkeypatch):
    x = list(range(20))
    y = [v % 5 for v in x]  # no association beyond chance
    early = permutation_p(x, y)
    drawn = evidence.STOP_AFTER / early
    assert drawn == pytest.approx(round(drawn))  # p = 50 / orderings drawn
    assert drawn < evidence.PERMUTATIONS / 4
    monkeypatch.setattr(evidence, "STOP_AFTER", evidence.PERMUTATIONS + 1)
    assert permutation_p(x, y) == pytest.approx(early, abs=0.1)  # the full draw agrees


def test_normal_approximation_above_the_monte_carlo_range(monkeypatch):
    rng = random.Random(5)
    x = [rng.gauss(0, 1) for _ in range(40)]
    y = [0.35 * a + rng.gauss(0, 1) for a in x]
    rho = spearman(x, y)
    approx = permutation_p(x, y)
    assert approx == pytest.approx(math.erfc(abs(rho) * math.sqrt(39 / 2)))
    monkeypatch.setattr(evidence, "MONTE_CARLO_MAX", 1000)
    assert permutation_p(x, y) == pytest.approx(approx, abs=0.015)  # the Monte Carlo test agrees


# --- links ----------------------------------------------------------------------------------------

N = 30
DRIVER = walk(N, seed=1)
LAGGED = [0.0, 0.0] + [2 * v for v in DRIVER[:-2]]  # the outcome follows the driver two months later
LAGGED = [v + e for v, e in zip(LAGGED, noise(N, seed=2, scale=0.3), strict=True)]
TRENDING_A = [0.5 * i + e for i, e in enumerate(noise(N, seed=3))]
TRENDING_B = [2.0 * i + e for i, e in enumerate(noise(N, seed=4))]

LINKS = [
    # name, driver, outcome, sign, lag, verdict
    ("lagged linear driver at its lag", DRIVER, LAGGED, "positive", 2, "supported"),
    ("the same, declared negative", DRIVER, LAGGED, "negative", 2, "contradicted"),
    ("an inverse driver declared positive", DRIVER, [-v for v in LAGGED], "positive", 2, "contradicted"),
    ("an inverse driver declared negative", DRIVER, [-v for v in LAGGED], "negative", 2, "supported"),
    ("the lagged driver measured without its lag", DRIVER, LAGGED, "positive", 0, "no_evidence"),
    ("independent series sharing a trend", TRENDING_A, TRENDING_B, "positive", 0, "no_evidence"),
    ("seven paired changes", DRIVER[:8], DRIVER[:8], "positive", 0, "not_enough_data"),
    ("eight paired changes", DRIVER[:9], DRIVER[:9], "positive", 0, "supported"),
    ("a constant driver", [5.0] * N, LAGGED, "positive", 0, "no_evidence"),
]


@pytest.mark.parametrize(
    ("name", "driver", "outcome", "sign", "lag", "verdict"), LINKS, ids=[c[0] for c in LINKS]
)
def test_link_verdicts(name, driver, outcome, sign, lag, verdict):
    result = measure_link(monthly(driver), monthly(outcome), "monthly", "monthly", sign, lag)
    assert result.verdict == verdict
    assert result.n == len(driver) - 1 - lag
    if verdict in ("supported", "contradicted"):
        assert result.p < evidence.ALPHA
    if verdict == "no_evidence" and result.rho is not None:
        assert result.p >= evidence.ALPHA


def test_shared_trend_correlates_in_levels_but_not_in_changes():
    assert spearman(TRENDING_A, TRENDING_B) > 0.9
    result = measure_link(monthly(TRENDING_A), monthly(TRENDING_B), "monthly", "monthly", "positive")
    assert abs(result.rho) < 0.4


def test_link_result_carries_its_figures():
    result = measure_link(monthly(DRIVER), monthly(LAGGED), "monthly", "monthly", "positive", 2, "sales")
    assert (result.department, result.cadence, result.lag, result.sign) == ("sales", "monthly", 2, "positive")
    assert result.n == N - 3
    assert result.rho > 0.9
    # the first pair is the outcome's change into month 3, the last its change into month 29
    assert (result.first, result.last) == (date(2020, 4, 1), date(2022, 6, 1))


def test_link_aggregates_to_the_coarser_cadence():
    # A weekly driver read every Monday, a monthly outcome that follows its monthly mean.
    days = [date(2020, 1, 6) + (date(2020, 1, 13) - date(2020, 1, 6)) * i for i in range(130)]
    weekly = [(day, DRIVER[i // 5 % N] + 0.01 * i) for i, day in enumerate(days)]
    means = aggregate(weekly, "monthly")
    outcome = [(period_start("monthly", p), 3 * v) for p, v in means.items()]
    result = measure_link(weekly, outcome, "weekly", "monthly", "positive")
    assert result.cadence == "monthly"
    assert result.n == len(means) - 1
    assert result.rho == pytest.approx(1.0)
    assert result.verdict == "supported"


def test_gaps_leave_changes_out():
    driver = monthly(DRIVER)
    del driver[10]  # November 2020 missing: no change into it or out of it
    result = measure_link(driver, monthly(DRIVER), "monthly", "monthly", "positive")
    assert result.n == N - 3


def test_pairing_by_department_with_company_fallback():
    series = monthly([1.0, 2.0])
    both = pair_series({None: series, "sales": series, "ops": series}, {None: series, "sales": series})
    assert [d for d, _, _ in both] == [None, "sales"]  # ops has no counterpart: the outcome is departmental
    fallback = pair_series({"sales": series, "ops": series, "hr": []}, {None: series})
    assert [d for d, _, _ in fallback] == ["ops", "sales"]  # both against the company-level outcome
    assert all(o is series for _, _, o in fallback)
    assert pair_series({None: series}, {"sales": series}) == []


# --- initiatives ----------------------------------------------------------------------------------

LAUNCH = month(12).replace(day=1)  # January 2021: 12 months before, the rest after


def trend(n: int, slope: float = 0.5, step: float = 0.0, scale: float = 0.3) -> list[float]:
    """A line, plus `step` from month 12 on, plus a zigzag of +-scale: noise with a known answer
    (random noise crosses the threshold by chance 5% of the time; the properties test that)."""
    return [10 + slope * i + (step if i >= 12 else 0) + scale * (-1) ** i for i in range(n)]


IMPACTS = [
    # name, values (monthly from Jan 2020), expected, verdict
    ("a step up after the start", trend(18, step=3.0), "up", "improved"),
    ("a step up for a metric meant to fall", trend(18, step=3.0), "down", "worsened"),
    ("a step down for a metric meant to rise", trend(18, step=-3.0), "up", "worsened"),
    ("a step down for a metric meant to fall", trend(18, step=-3.0), "down", "improved"),
    ("a pre-existing trend that continues", trend(18), "up", "no_change"),
    ("a steep pre-existing trend that continues", trend(24, slope=4.0), "up", "no_change"),
    ("three periods after the start", trend(15, step=3.0), "up", "too_early"),
    ("four periods after the start", trend(16, step=3.0), "up", "improved"),
]


@pytest.mark.parametrize(("name", "values", "expected", "verdict"), IMPACTS, ids=[c[0] for c in IMPACTS])
def test_impact_verdicts(name, values, expected, verdict):
    impact = measure_impact(monthly(values), "monthly", LAUNCH, expected)
    assert impact.verdict == verdict
    assert (impact.before_n, impact.after_n) == (12, len(values) - 12)
    assert impact.expected == expected


def test_impact_figures_on_an_exact_line():
    values = [2.0 * i for i in range(12)] + [2.0 * i + 5 for i in range(12, 18)]
    impact = measure_impact(monthly(values), "monthly", LAUNCH, "up")
    # the line continues at 2 per month: its mean over months 12..17 is 29, the actual mean 34
    assert impact.projected == pytest.approx(29.0)
    assert impact.actual == pytest.approx(34.0)
    assert impact.shift == pytest.approx(5.0)
    assert impact.noise == pytest.approx(0.0, abs=1e-9)
    assert impact.verdict == "improved"


def test_an_exact_continuing_line_is_no_change_despite_rounding():
    values = [0.1 * i + 1e6 for i in range(24)]
    assert measure_impact(monthly(values), "monthly", LAUNCH, "up").verdict == "no_change"


def test_impact_needs_four_periods_before_the_start():
    values = trend(18, step=3.0)[9:]  # from October 2020: three months before January 2021
    impact = measure_impact(monthly(values, first=9), "monthly", LAUNCH, "up")
    assert (impact.verdict, impact.before_n, impact.after_n) == ("not_enough_data", 3, 6)
    assert impact.shift is None


def test_a_small_shift_within_the_noise_is_no_change():
    values = trend(18, step=0.1, scale=1.0)
    impact = measure_impact(monthly(values), "monthly", LAUNCH, "up")
    assert impact.verdict == "no_change"
    assert abs(impact.shift) <= 2 * impact.noise


def test_the_start_period_counts_as_after():
    values = trend(18, step=3.0)
    mid_month = LAUNCH.replace(day=20)
    assert measure_impact(monthly(values), "monthly", mid_month, "up").before_n == 12


def test_pre_trend_is_the_line_the_impact_is_projected_from():
    from cxtui.engine.evidence import aggregate, measure_impact, period_index, pre_trend

    start = date(2025, 1, 1)
    series = [(date(2024, m, 1), 10 + 2 * m + (m % 2) * 0.5) for m in range(1, 13)]
    series += [(date(2025, m, 1), 40.0 + m) for m in range(1, 7)]
    intercept, slope = pre_trend(series, "monthly", start)
    after = [p for p in aggregate(series, "monthly") if p >= period_index("monthly", start)]
    projected = sum(intercept + slope * p for p in after) / len(after)
    assert projected == pytest.approx(measure_impact(series, "monthly", start, "up").projected)
    assert pre_trend(series[:3], "monthly", start) is None
