"""The engine on the sample company: every rule fires, the classic conflicts read sensibly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cxtui.engine.conflicts import RULES, detect
from cxtui.demo.sample_company import ANCHOR, load_sample
from cxtui.engine.scorecard import build_scorecard


@pytest.fixture(scope="module")
def scorecard():
    return build_scorecard(load_sample(), ANCHOR)


def by_id(scorecard):
    return {f.id: f for f in scorecard.findings}


def test_every_rule_fires(scorecard):
    assert {f.rule for f in scorecard.findings} == set(RULES)


def test_service_paid_on_short_calls_against_customer_effort(scorecard):
    f = by_id(scorecard)["incentive_against_objective:I-6~O-3"]
    assert f.severity == "high"
    assert f.departments == ["customer-service"]
    assert f.tensions == ["aht~ces"]
    for text in ("Customer Service pays 40%", "(aht, down)", "Customer Effort Score (ces) down", "trade off"):
        assert text in f.explanation


def test_sales_discount_against_finance_margin(scorecard):
    findings = by_id(scorecard)
    margin = findings["tension:G-13~I-2"]
    assert margin.departments == ["finance", "sales"]
    for text in (
        "Sales pays 20%",
        "(discount_rate, up)",
        "Finance's goal G-13",
        "Gross margin (gross_margin) up",
    ):
        assert text in margin.explanation
    opposed = findings["opposed_targets:G-14~G-2"]
    assert opposed.severity == "high"
    assert "Average discount (discount_rate) down" in opposed.explanation
    assert "Average discount (discount_rate) up" in opposed.explanation


def test_marketing_paid_on_lead_volume(scorecard):
    findings = by_id(scorecard)
    assert "Marketing pays 50%" in findings["inward_incentive:I-4"].explanation
    tension = findings["tension:G-3~I-4"]
    assert tension.departments == ["marketing", "sales"]
    assert "Lead volume (lead_volume, up)" in tension.explanation
    assert "Lead-to-customer conversion (lead_conversion) up" in tension.explanation


def test_local_win_in_customer_service(scorecard):
    f = by_id(scorecard)["local_win_customer_loss:O-3~customer-service"]
    assert "G-7" in f.explanation and "off track" in f.explanation


def test_some_goals_have_no_finding(scorecard):
    clean = [c.goal.id for c in scorecard.goals if c.findings == 0]
    assert len(clean) >= 3
    assert len(clean) < len(scorecard.goals)


def test_every_department_has_an_index(scorecard):
    assert all(d.alignment.index is not None for d in scorecard.departments)
    assert scorecard.company_index is not None and 0 <= scorecard.company_index <= 100


def test_shifted_sample_gives_the_same_findings():
    monday = ANCHOR + timedelta(weeks=53)
    assert [f.id for f in detect(load_sample(monday), monday)] == [
        f.id for f in detect(load_sample(), ANCHOR)
    ]


def test_the_driver_chain_tells_its_story():
    from cxtui.engine.chain import link_rows, series_of

    sample = load_sample()
    rows = link_rows(sample.links, sample.metrics, series_of(sample.readings, ANCHOR))
    verdicts = {(r.driver, r.outcome, r.department): r.verdict for r in rows}
    assert verdicts == {
        ("training_hours", "fcr", "customer-service"): "supported",
        ("agent_attrition", "fcr", "customer-service"): "supported",
        ("fcr", "csat", "customer-service"): "supported",
        ("aht", "csat", "customer-service"): "contradicted",  # faster calls did not lift CSAT
        ("csat", "retention_rate", None): "supported",
        ("csat", "clv", None): "not_enough_data",  # CLV is counted once a quarter
        ("csat", "clv", "customer-service"): "not_enough_data",
    }


def test_one_initiative_worked_one_did_nothing_one_is_too_early():
    from cxtui.engine.chain import impact_rows, series_of

    sample = load_sample()
    rows = impact_rows(sample.initiatives, sample.metrics, series_of(sample.readings, ANCHOR))
    assert [(r.initiative, r.metric, r.verdict) for r in rows] == [
        ("IN-1", "fcr", "improved"), ("IN-2", "csat", "no_change"), ("IN-3", "csat", "too_early")]


def test_the_short_call_bonus_rests_on_a_contradicted_link(scorecard):
    f = by_id(scorecard)["evidence_against:I-6~aht:csat"]
    assert f.links == ["aht:csat"] and f.objectives == ["O-2", "O-4", "O-5"]
    for text in ("Short-call bonus", "Customer satisfaction (CSAT) fell in the months when Average handle time fell",
                 "n = 26"):
        assert text in f.explanation
