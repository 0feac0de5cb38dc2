"""What every store backend does (cxtui.store.interface.StoreAPI), tested through that interface only."""

from __future__ import annotations

from datetime import date

import pytest

from cxtui.models import Department, Goal, Incentive, Metric, Objective, Reading, Scale, Settings
from cxtui.store import (
    NEW_ID,
    ChangedSince,
    DuplicateRecord,
    NotFound,
    NothingToUndo,
    PermissionDenied,
    ReferenceViolation,
    RuleViolation,
    StaleRecord,
)


@pytest.fixture
def company(any_store):
    any_store.add_many([
        Department(id="sales", name="Sales", leads=["kim"]),
        Department(id="finance", name="Finance", leads=["ravi"]),
        Metric(id="nps", name="Net Promoter Score", scale=Scale(min=-100, max=100)),
        Metric(id="margin", name="Gross margin", unit="%"),
    ])
    any_store.add(Goal(id=NEW_ID, department="sales", title="Lift NPS", metric="nps", kind="increase",
                       baseline=10, target=30, start="2026-01-01", deadline="2026-12-31"))
    return any_store


def test_a_new_store_exists_and_its_creator_administers_it(any_store):
    assert any_store.exists()
    assert any_store.settings().admins == ["tester"]
    assert any_store.user == "tester"


def test_records_come_back_as_models_with_versions_and_sequential_ids(company):
    goal = company.get(Goal, "G-1")
    assert goal.version == 1 and goal.updated_by == "tester"
    second = company.add(Goal(id=NEW_ID, department="finance", title="Margin", metric="margin", kind="increase",
                              baseline=30, target=40, start="2026-01-01", deadline="2026-12-31"))
    assert second.id == "G-2"
    assert [g.id for g in company.list(Goal)] == ["G-1", "G-2"]
    assert company.find(Goal, "G-9") is None
    with pytest.raises(NotFound):
        company.get(Goal, "G-9")


def test_a_duplicate_id_a_missing_reference_and_a_broken_rule_are_refused(company):
    with pytest.raises(DuplicateRecord):
        company.add(Department(id="sales", name="Sales again"))
    with pytest.raises(ReferenceViolation):
        company.add(Incentive(id=NEW_ID, department="nowhere", title="x", metric="nps", direction="up", weight=0.1))
    with pytest.raises(RuleViolation, match="scale"):
        company.record("nps", 500, department="sales", date=date(2026, 3, 1))


def test_an_update_from_a_stale_copy_is_refused(backend, company):
    mine = company.get(Goal, "G-1")
    backend.session(company, "kim").update(mine.model_copy(update={"target": 35.0}))
    with pytest.raises(StaleRecord):
        company.update(mine.model_copy(update={"target": 40.0}))
    assert company.get(Goal, "G-1").target == 35.0


def test_leads_change_their_own_department_and_admins_anything(backend, company):
    kim = backend.session(company, "kim")
    kim.record("nps", 20, department="sales", date=date(2026, 3, 2))
    with pytest.raises(PermissionDenied):
        kim.record("margin", 31, department="finance", date=date(2026, 3, 2))
    company.record("margin", 31, department="finance", date=date(2026, 3, 2))  # the admin
    assert len(company.readings()) == 2


def test_readings_by_metric_department_and_dates_and_as_rows(company):
    for day, value in ((date(2026, 1, 5), 10), (date(2026, 2, 2), 15), (date(2026, 3, 2), 20)):
        company.record("nps", value, department="sales", date=day)
    company.record("nps", 40, date=date(2026, 3, 2))  # company level
    assert [r.value for r in company.readings("nps", "sales", start=date(2026, 2, 1))] == [15, 20]
    assert [r.value for r in company.readings("nps", None)] == [40]
    assert len(company.readings()) == 4 and len(company.reading_ids()) == 4
    rows = company.reading_rows(["metric", "department", "value"], end=date(2026, 2, 28))
    assert sorted(map(tuple, rows)) == [("nps", "sales", 10), ("nps", "sales", 15)]


def test_a_snapshot_holds_every_record_and_the_readings_a_scorecard_needs(company):
    company.record("nps", 20, department="sales", date=date(2026, 3, 2))
    snap = company.snapshot(date(2026, 3, 31))
    assert [d.id for d in snap.departments] == ["finance", "sales"] and [g.id for g in snap.goals] == ["G-1"]
    assert [r.value for r in snap.readings] == [20]
    assert company.snapshot(date(2026, 2, 1)).readings == []


def test_the_change_token_moves_on_every_commit_of_any_session(backend, company):
    token = company.change_token()
    assert company.change_token() == token
    backend.session(company, "kim").record("nps", 5, department="sales", date=date(2026, 3, 2))
    assert company.change_token() != token


def test_every_change_is_audited_and_read_back_a_page_at_a_time(company):
    for n in range(5):
        company.record("nps", n, department="sales", date=date(2026, 3, 2 + n))
    trail = company.audit()
    assert len(trail) >= 5 and all(e.by == "tester" for e in trail)
    page, older = company.audit_page(2)
    assert len(page) == 2 and page[0].at >= page[1].at and older is not None
    rest, _ = company.audit_page(100, older_than=older)
    assert {e.id for e in page}.isdisjoint(e.id for e in rest)
    assert len(page) + len(rest) == len(trail)
    assert [e.id for e in company.audit(limit=2)] == [e.id for e in reversed(page)]
    assert company.replay_audit() == []


def test_undo_reverts_ones_own_last_change_and_refuses_over_a_later_one(backend, company):
    company.update(company.get(Goal, "G-1").model_copy(update={"target": 35.0}))
    [last] = company.last_change()
    assert last.entity_id == "G-1"
    company.revert()
    assert company.get(Goal, "G-1").target == 30
    company.update(company.get(Goal, "G-1").model_copy(update={"target": 36.0}))
    [mine] = company.last_change()
    backend.session(company, "kim").update(company.get(Goal, "G-1").model_copy(update={"target": 37.0}))
    with pytest.raises(ChangedSince):
        company.revert(mine.id)
    assert company.get(Goal, "G-1").target == 37.0


def test_undo_with_nothing_left_says_so(any_store):
    with pytest.raises(NothingToUndo):
        any_store.revert("no-such-change")


def test_deleting_a_record_others_use_is_refused_then_allowed_once_free(company):
    with pytest.raises(ReferenceViolation):
        company.delete(Metric, "nps")
    objective = company.add(Objective(id=NEW_ID, title="NPS 40", metric="nps", target=40, deadline="2027-06-30"))
    company.delete(Objective, objective.id, version=objective.version)
    assert company.find(Objective, objective.id) is None


def test_a_stream_of_readings_goes_in_as_one_change(company):
    readings = (Reading(id=NEW_ID, metric="nps", department="sales", date=date(2026, 1, 1 + n), value=n,
                        recorded_by="tester", recorded_at="2026-03-01T09:00:00Z") for n in range(20))
    assert company.add_stream(readings) == 20
    assert len(company.readings("nps", "sales")) == 20


def test_settings_are_a_record_like_any_other(company):
    changed = company.update(company.settings().model_copy(update={"admins": ["tester", "ravi"]}))
    assert isinstance(changed, Settings) and company.settings().admins == ["tester", "ravi"]


def test_a_sound_store_passes_its_check_up(company):
    company.record("nps", 20, department="sales", date=date(2026, 3, 2))
    assert company.doctor() == []
