"""The sample company loads, validates and hangs together; shifting it in time keeps its shape."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest

from cxtui.models import Snapshot
from cxtui.demo.sample_company import ANCHOR, READINGS_HEADER, load_sample, sample_dir


@pytest.fixture(scope="module")
def sample() -> Snapshot:
    return load_sample()


def test_data_files_are_found() -> None:
    assert (sample_dir() / "company.json").is_file()
    assert (sample_dir() / "readings.csv").is_file()


def test_anchor_matches_the_json_and_is_a_monday() -> None:
    raw = json.loads((sample_dir() / "company.json").read_text(encoding="utf-8"))
    assert date.fromisoformat(raw["anchor"]) == ANCHOR
    assert ANCHOR.weekday() == 0


def test_csv_header_is_exact() -> None:
    with (sample_dir() / "readings.csv").open(newline="", encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == ["metric", "department", "date", "value", "confidence", "note"]
    assert READINGS_HEADER == ["metric", "department", "date", "value", "confidence", "note"]


def test_six_departments_with_unique_short_leads(sample: Snapshot) -> None:
    assert {d.id for d in sample.departments} == {
        "sales",
        "marketing",
        "customer-service",
        "product",
        "operations",
        "finance",
    }
    leads = [lead for d in sample.departments for lead in d.leads]
    assert all(1 <= len(d.leads) <= 2 for d in sample.departments)
    assert len(leads) == len(set(leads))
    # Tests on real Unix users create accounts with these names.
    assert all(lead.isascii() and lead.isalpha() and lead.islower() and len(lead) <= 8 for lead in leads)


def test_ids_are_unique(sample: Snapshot) -> None:
    for table in (
        "departments",
        "metrics",
        "objectives",
        "goals",
        "incentives",
        "readings",
        "tensions",
        "links",
        "initiatives",
        "flags",
    ):
        ids = [record.id for record in getattr(sample, table)]
        assert len(ids) == len(set(ids)), (
            f"duplicate ids in {table}: {[i for i, n in Counter(ids).items() if n > 1]}"
        )


def test_every_reference_resolves(sample: Snapshot) -> None:
    departments = {d.id for d in sample.departments}
    metrics = {m.id for m in sample.metrics}
    objectives = {o.id for o in sample.objectives}
    goals = {g.id for g in sample.goals}
    incentives = {i.id for i in sample.incentives}
    for objective in sample.objectives:
        assert objective.metric in metrics, objective.id
    for goal in sample.goals:
        assert goal.department in departments, goal.id
        assert goal.metric in metrics, goal.id
        assert set(goal.objectives) <= objectives, goal.id
    for incentive in sample.incentives:
        assert incentive.department in departments, incentive.id
        assert incentive.metric in metrics, incentive.id
    for reading in sample.readings:
        assert reading.metric in metrics, reading.id
        assert reading.department is None or reading.department in departments, reading.id
    for tension in sample.tensions:
        assert {tension.a, tension.b} <= metrics, tension.id
    for link in sample.links:
        assert {link.driver, link.outcome} <= metrics, link.id
    for initiative in sample.initiatives:
        assert set(initiative.departments) <= departments, initiative.id
        assert set(initiative.expected()) <= metrics, initiative.id
    for flag in sample.flags:
        assert set(flag.departments) <= departments, flag.id
        assert set(flag.goals) <= goals, flag.id
        assert set(flag.incentives) <= incentives, flag.id


def test_incentive_weights_per_department_at_most_one(sample: Snapshot) -> None:
    totals: dict[str, float] = defaultdict(float)
    for incentive in sample.incentives:
        totals[incentive.department] += incentive.weight
    assert all(total <= 1 + 1e-9 for total in totals.values()), dict(totals)


def test_readings_inside_their_scale(sample: Snapshot) -> None:
    metrics = {m.id: m for m in sample.metrics}
    assert all(m.scale is not None for m in sample.metrics)
    for reading in sample.readings:
        assert metrics[reading.metric].scale.contains(reading.value), reading


def test_all_goal_kinds_present(sample: Snapshot) -> None:
    assert {g.kind for g in sample.goals} == {"increase", "decrease", "reach", "stay_above", "stay_below"}


def test_at_least_twelve_months_of_readings_up_to_the_anchor(sample: Snapshot) -> None:
    days = [r.date for r in sample.readings]
    assert max(days) == ANCHOR
    assert max(days) - min(days) >= timedelta(days=365)


def test_objective_metrics_have_company_level_readings(sample: Snapshot) -> None:
    company_level = {r.metric for r in sample.readings if r.department is None}
    assert {o.metric for o in sample.objectives} <= company_level


def test_readings_carry_ids_authors_and_times(sample: Snapshot) -> None:
    leads = {d.id: d.leads for d in sample.departments}
    for reading in sample.readings:
        assert reading.id.startswith(f"R-{reading.date:%Y%m%d}-")
        assert reading.recorded_at.date() == reading.date and reading.recorded_at.hour == 9
        expected = leads[reading.department] if reading.department else ["demo"]
        assert reading.recorded_by in expected
    assert any(r.note for r in sample.readings) and any(r.confidence for r in sample.readings)


def test_company_level_readings_recorded_by_the_given_user() -> None:
    assert {r.recorded_by for r in load_sample(user="ada").readings if r.department is None} == {"ada"}


@pytest.mark.parametrize("today", [date(2027, 3, 4), date(2030, 1, 6), date(2026, 11, 16), date(2024, 2, 29)])
def test_shift_moves_the_anchor_to_the_monday_on_or_before(sample: Snapshot, today: date) -> None:
    shifted = load_sample(shift_to=today)
    monday = today - timedelta(days=today.weekday())
    assert max(r.date for r in shifted.readings) == monday
    delta = monday - ANCHOR
    assert delta.days % 7 == 0

    def pairs(old, new, *fields):
        for a, b in zip(old, new, strict=True):
            for name in fields:
                before, after = getattr(a, name), getattr(b, name)
                if before is not None:
                    yield before, after

    moved = [
        *pairs(sample.goals, shifted.goals, "start", "deadline"),
        *pairs(sample.objectives, shifted.objectives, "start", "deadline"),
        *pairs(sample.flags, shifted.flags, "raised_at"),
        *(
            (a.at, b.at)
            for fa, fb in zip(sample.flags, shifted.flags, strict=True)
            for a, b in zip(fa.history, fb.history, strict=True)
        ),
    ]
    assert all(after - before == delta for before, after in moved)
    assert all(r.date.weekday() == 0 for r in shifted.readings)
    assert all(r.id.startswith(f"R-{r.date:%Y%m%d}-") for r in shifted.readings)


def _month(day: date) -> int:
    return day.year * 12 + day.month - 1


@pytest.mark.parametrize("today", [date(2027, 3, 4), date(2030, 1, 6), date(2026, 12, 7), date(2024, 2, 29)])
def test_shift_keeps_each_reading_in_its_period(sample: Snapshot, today: date) -> None:
    """Monthly and quarterly readings move by whole periods, weekly ones keep their Monday of the
    month, and only the anchor's own month moves by the exact shift."""
    shifted = load_sample(shift_to=today)
    monday = today - timedelta(days=today.weekday())
    delta, months = monday - ANCHOR, _month(monday) - _month(ANCHOR)
    cadence = {m.id: m.cadence for m in sample.metrics}

    def key(r):
        return r.metric, r.department

    old: dict = {}
    for r in sample.readings:
        old.setdefault(key(r), []).append(r.date)
    new: dict = {}
    for r in shifted.readings:
        new.setdefault(key(r), []).append(r.date)
    assert new.keys() == old.keys()
    for series, days in old.items():
        kind = cadence[series[0]]
        if kind == "weekly":
            expected = []
            for d in days:
                if _month(d) == _month(ANCHOR):
                    expected.append(d + delta)
                    continue
                first = date((_month(d) + months) // 12, (_month(d) + months) % 12 + 1, 1)
                first += timedelta(days=-first.weekday() % 7)
                candidate = first + timedelta(weeks=(d.day - 1) // 7)
                if candidate.month == first.month:
                    expected.append(candidate)
        else:
            step = months if kind == "monthly" else (_month(monday) // 3 - _month(ANCHOR) // 3) * 3
            expected = []
            for d in days:
                first = date((_month(d) + step) // 12, (_month(d) + step) % 12 + 1, 1)
                expected.append(first + timedelta(days=-first.weekday() % 7))
        assert new[series] == expected, series
    assert all(r.date <= monday for r in shifted.readings)


def test_the_chains_verdicts_do_not_depend_on_the_day_the_demo_opens(sample: Snapshot) -> None:
    from cxtui.engine.chain import impact_rows, link_rows, series_of

    def verdicts(snapshot: Snapshot, day: date) -> list[tuple]:
        series = series_of(snapshot.readings, day)
        return ([(r.driver, r.outcome, r.department, r.verdict) for r in link_rows(snapshot.links, snapshot.metrics, series)]
                + [(r.initiative, r.metric, r.verdict) for r in impact_rows(snapshot.initiatives, snapshot.metrics, series)])

    designed = verdicts(sample, ANCHOR)
    assert {v[-1] for v in designed} >= {"supported", "contradicted", "not_enough_data", "improved", "no_change",
                                          "too_early"}
    # Every Monday for two years: each month start, month end and leap day is among them.
    for weeks in range(1, 105):
        day = ANCHOR + timedelta(weeks=weeks)
        assert verdicts(load_sample(shift_to=day), day) == designed, day


def test_every_metric_has_a_perspective_and_the_chain_runs_one_way(sample: Snapshot) -> None:
    from cxtui.models import check_link_cycle

    assert all(m.perspective for m in sample.metrics)
    assert {m.perspective for m in sample.metrics} == {"people", "process", "customer", "financial"}
    for link in sample.links:
        check_link_cycle(link, sample.links)


def test_the_chain_has_two_years_of_readings(sample: Snapshot) -> None:
    for metric, department in (("training_hours", "customer-service"), ("fcr", "customer-service"),
                               ("csat", "customer-service"), ("retention_rate", None)):
        days = [r.date for r in sample.readings if r.metric == metric and r.department == department]
        assert ANCHOR - min(days) >= timedelta(days=2 * 365), (metric, department)
