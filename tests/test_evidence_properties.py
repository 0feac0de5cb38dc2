"""Properties of the evidence engine: rank invariance, shuffled periods lose a link, p-values are
probabilities, the permutation test is repeatable, and the initiative rule holds its 5% rate."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from cxtui.engine import evidence
from cxtui.engine.evidence import measure_impact, measure_link, permutation_p, spearman


def monthly(values):
    return [(date(2020 + i // 12, i % 12 + 1, 15), v) for i, v in enumerate(values)]


def integer_pairs(min_size: int, max_size: int):
    """Two equal-length lists of small integers (ties likely)."""
    return st.integers(min_size, max_size).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(-50, 50), min_size=n, max_size=n),
            st.lists(st.integers(-50, 50), min_size=n, max_size=n),
        )
    )


# Strictly increasing, and exact on integers, so ties stay ties and nothing rounds.
INCREASING = [
    lambda v: v**3 + v,
    lambda v: 2 ** (v + 60),
    lambda v: 7 * v - 1000,
    lambda v: v + 0.5,
]


@settings(derandomize=True, max_examples=200)
@given(integer_pairs(3, 30), st.sampled_from(INCREASING), st.sampled_from(INCREASING))
def test_rho_is_unchanged_by_increasing_transforms(pair, f, g):
    x, y = pair
    assert spearman([f(v) for v in x], [g(v) for v in y]) == spearman(x, y)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(
    integer_pairs(9, 30),
    st.integers(1, 9),
    st.integers(-1000, 1000),
    st.integers(1, 9),
    st.integers(-1000, 1000),
    st.sampled_from(["positive", "negative"]),
    st.integers(0, 2),
)
def test_link_verdict_is_unchanged_by_increasing_affine_transforms(pair, a, b, c, d, sign, lag):
    x, y = pair
    plain = measure_link(monthly(x), monthly(y), "monthly", "monthly", sign, lag)
    scaled = measure_link(
        monthly([a * v + b for v in x]), monthly([c * v + d for v in y]), "monthly", "monthly", sign, lag
    )
    assert scaled == plain


def _linked(n: int, seed: int) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    driver, level = [], 0.0
    for _ in range(n):
        level += rng.gauss(0, 1)
        driver.append(level)
    return driver, [2 * v + rng.gauss(0, 0.5) for v in driver]


def test_shuffling_the_periods_destroys_a_supported_link():
    for n in (20, 40):  # the Monte Carlo and the normal-approximation regimes
        driver, outcome = _linked(n, seed=n)
        assert measure_link(monthly(driver), monthly(outcome), "monthly", "monthly", "positive").verdict == (
            "supported"
        )
        supported = 0
        for seed in range(20):
            shuffled = outcome[:]
            random.Random(seed).shuffle(shuffled)
            result = measure_link(monthly(driver), monthly(shuffled), "monthly", "monthly", "positive")
            supported += result.verdict == "supported"
        assert supported <= 2


finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(derandomize=True, max_examples=100, deadline=None)
@given(
    st.integers(0, 40).flatmap(
        lambda n: st.tuples(
            st.lists(finite, min_size=n, max_size=n), st.lists(finite, min_size=n, max_size=n)
        )
    )
)
def test_p_values_are_probabilities(pair):
    x, y = pair
    rho, p = spearman(x, y), permutation_p(x, y)
    assert (rho is None) == (p is None)
    if rho is not None:
        assert -1 - 1e-12 <= rho <= 1 + 1e-12
        assert 0 < p <= 1


@settings(derandomize=True, max_examples=30, deadline=None)
@given(integer_pairs(3, 30))
def test_the_permutation_test_is_repeatable(pair):
    x, y = pair
    first = permutation_p(x, y)
    # Drop the cached orderings and null distributions: the seed, not the cache, makes it repeat.
    evidence._orderings.cache_clear()
    evidence._exact_null.cache_clear()
    assert permutation_p(x, y) == first


def test_a_continuing_noisy_trend_is_rarely_called_a_change():
    # 200 noisy lines that never change at the start: the t rule keeps false calls near 5%.
    calls = 0
    for seed in range(200):
        rng = random.Random(seed)
        values = [10 + 0.5 * i + rng.gauss(0, 1) for i in range(12)]
        impact = measure_impact(monthly(values), "monthly", date(2020, 7, 1), "up")
        calls += impact.verdict != "no_change"
    assert calls <= 20
