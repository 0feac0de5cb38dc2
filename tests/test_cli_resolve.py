"""Id-or-name resolution for METRIC, DEPT and friends: ids win, names match loosely, misses suggest."""

from __future__ import annotations

import pytest

from cxtui.models import Department, Goal, Metric
from cxtui.engine.resolve import Unresolved, resolve

METRICS = [
    Metric(id="nps", name="Net Promoter Score"),
    Metric(id="fcr", name="First-contact resolution"),
    Metric(id="discount_rate", name="Average discount"),
    Metric(id="discount-rate", name="Discount (legacy)"),
    Metric(id="aht", name="NPS"),  # a name that is another metric's id: the id wins
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nps", "nps"),
        ("NPS", "nps"),
        ("  net   promoter SCORE ", "nps"),
        ("first contact resolution", "fcr"),
        ("First_Contact-Resolution", "fcr"),
        ("discount_rate", "discount_rate"),
        ("DISCOUNT-RATE", "discount-rate"),
        ("average discount", "discount_rate"),
        ("aht", "aht"),
    ],
)
def test_resolves(text, expected):
    assert resolve("metric", text, METRICS) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nsp", "unknown metric 'nsp'; did you mean 'nps'?"),
        ("net promotor score", "unknown metric 'net promotor score'; did you mean 'Net Promoter Score'?"),
        ("qwertyuiop", "unknown metric 'qwertyuiop'"),
        ("discount rate", "ambiguous metric 'discount rate': it names discount_rate (Average discount), "
                          "discount-rate (Discount (legacy)); use the id"),
        ("", "unknown metric ''"),
    ],
)
def test_refuses_with_a_helpful_line(text, message):
    with pytest.raises(Unresolved) as caught:
        resolve("metric", text, METRICS)
    assert str(caught.value) == message


def test_goals_by_id_case_insensitively_and_by_title():
    goals = [Goal(id="G-12", department="sales", title="Lift NPS", metric="nps", kind="increase", baseline=1,
                  target=2, start="2026-01-01", deadline="2026-02-01")]
    assert resolve("goal", "g-12", goals) == "G-12"
    assert resolve("goal", "lift nps", goals) == "G-12"
    with pytest.raises(Unresolved, match="did you mean 'G-12'"):
        resolve("goal", "G-21", goals)


def test_same_name_twice_is_ambiguous():
    departments = [Department(id="ops-a", name="Ops"), Department(id="ops-b", name="OPS")]
    with pytest.raises(Unresolved, match="ambiguous department 'ops'"):
        resolve("department", "ops", departments)
    assert resolve("department", "OPS-B", departments) == "ops-b"


def test_a_record_is_suggested_once():
    departments = [Department(id="customer-service", name="Customer Service"), Department(id="sales", name="Sales")]
    with pytest.raises(Unresolved) as caught:
        resolve("department", "customer servcie", departments)
    assert str(caught.value) == "unknown department 'customer servcie'; did you mean 'Customer Service'?"
