"""Which measured links a goal or objective card shows ("driven by FCR: supported"): chain.feeding,
and the cards of the scorecard that carry them."""

from __future__ import annotations

import pytest

from cxtui.demo.sample_company import ANCHOR, load_sample
from cxtui.engine.chain import LinkRow, feeding
from cxtui.engine.scorecard import build_scorecard


def row(driver: str, outcome: str, department: str | None, verdict: str = "supported", kind: str = "link") -> LinkRow:
    return LinkRow(driver=driver, outcome=outcome, department=department, sign="positive", lag=0, n=12, rho=0.6,
                   p=0.01, verdict=verdict, cadence="monthly", first=None, last=None, kind=kind)


ROWS = [
    row("fcr", "csat", "service"),
    row("fcr", "csat", None, "no_evidence"),
    row("aht", "csat", None, "contradicted"),
    row("aht", "csat", "sales", "no_evidence"),
    row("csat", "retention", None),
    row("price", "csat", "service", "contradicted", kind="tension"),
]


@pytest.mark.parametrize(
    ("outcome", "department", "expected"),
    [
        # the department's own pair wins; a driver without one falls back to the company level's
        ("csat", "service", [("fcr", "service"), ("aht", None)]),
        ("csat", "sales", [("fcr", None), ("aht", "sales")]),
        # a company-level card takes company-level pairs only
        ("csat", None, [("fcr", None), ("aht", None)]),
        ("retention", "service", [("csat", None)]),
        # nothing feeds a driver-only metric; tensions are not drivers
        ("fcr", "service", []),
        ("price", "service", []),
    ],
)
def test_feeding_picks_one_pair_per_driver(outcome, department, expected):
    assert [(r.driver, r.department) for r in feeding(ROWS, outcome, department)] == expected


def test_the_sample_cards_show_what_drives_them():
    scorecard = build_scorecard(load_sample(), ANCHOR)
    goals = {c.goal.id: c for c in scorecard.goals}
    # Customer service's CSAT goal: FCR drives it (supported), the short-call lever is contradicted.
    assert [(r.driver, r.verdict) for r in goals["G-8"].drivers] == [("fcr", "supported"), ("aht", "contradicted")]
    assert all(r.department == "customer-service" and r.n >= 8 for r in goals["G-8"].drivers)
    objectives = {c.objective.id: c for c in scorecard.objectives}
    assert [(r.driver, r.department, r.verdict) for r in objectives["O-5"].drivers] == [
        ("csat", None, "not_enough_data")]
    assert all(not c.drivers for c in scorecard.goals if c.goal.metric not in {"fcr", "csat", "retention_rate", "clv"})


def test_the_printed_scorecard_names_each_cards_drivers_with_n_and_verdict(cli, tmp_path):
    from datetime import date

    path = tmp_path / "demo" / "store.json"
    assert cli("demo", "--no-tui", "--db", path).exit_code == 0
    today = date.today().isoformat()
    out = cli("scorecard", "--db", path, "--as-of", today).stdout
    section = out[out.index("What drives them, measured from the readings (evidence, not cause)"):]
    assert "G-8 Customer satisfaction (CSAT) (Customer Service) driven by" in section
    assert "Average handle time: contradicted (ρ = +0.66, n = 26 monthly changes)" in section
    assert "Agent training hours: supported" in section  # a driver that is no goal's metric, by name
    assert "causes" not in out
    data = __import__("json").loads(cli("scorecard", "--db", path, "--as-of", today, "--format", "json").stdout)
    g8 = next(g for g in data["goals"] if g["goal"]["id"] == "G-8")
    assert sorted((d["driver"], d["verdict"]) for d in g8["drivers"]) == [("aht", "contradicted"), ("fcr", "supported")]


@pytest.mark.parametrize(
    ("departments", "expected"),
    [
        (["service"], [("service", "tension"), (None, "tension")]),
        (["sales", "finance"], [(None, "tension")]),
        ([], [(None, "tension")]),
    ],
)
def test_a_tension_findings_evidence_is_the_company_level_and_its_departments_pairs(departments, expected):
    from cxtui.engine.chain import tension_evidence

    rows = [row("price", "csat", "service", kind="tension"), row("price", "csat", None, kind="tension"),
            row("fcr", "csat", "service")]
    assert [(r.department, r.kind) for r in tension_evidence(rows, departments)] == expected
