"""The store's behaviour through its public interface, for every backend: typed CRUD, ids,
references, versions, audit, snapshots, and who may change what. (Moved from tests/test_store.py,
whose remaining tests are about the file store itself.)"""

from __future__ import annotations

from datetime import date

import pytest
from store_helpers import seed

from cxtui.models import Department, Goal, Incentive, Metric, Objective, Reading, utcnow
from cxtui.store import (
    NEW_ID,
    DuplicateRecord,
    NotFound,
    ReferenceViolation,
    RuleViolation,
    StaleRecord,
)
from cxtui.store.interface import StoreAPI


@pytest.fixture
def store(any_store: StoreAPI) -> StoreAPI:
    return seed(any_store)


def test_add_get_list_return_models_with_versions(store):
    sales = store.get(Department, "sales")
    assert isinstance(sales, Department)
    assert sales.version == 1 and sales.updated_by == "tester"
    assert [d.id for d in store.list(Department)] == ["finance", "sales"]
    assert store.find(Department, "nope") is None
    with pytest.raises(NotFound):
        store.get(Department, "nope")


def test_generated_ids_are_sequential_and_never_reused(store):
    first = store.add(Objective(id=NEW_ID, title="CSAT", metric="nps", target=50, deadline="2027-01-01"))
    store.delete(Objective, first.id)
    second = store.add(Objective(id=NEW_ID, title="CSAT again", metric="nps", target=50, deadline="2027-01-01"))
    assert (first.id, second.id) == ("O-2", "O-3")


def test_explicit_ids_move_the_sequence_past_them(store):
    store.add(Objective(id="O-40", title="Imported", metric="nps", target=50, deadline="2027-01-01"))
    nxt = store.add(Objective(id=NEW_ID, title="Next", metric="nps", target=50, deadline="2027-01-01"))
    assert nxt.id == "O-41"


def test_slug_entities_get_ids_from_their_names(store):
    added = store.add(Department(id=NEW_ID, name="Customer Service"))
    assert added.id == "customer-service"
    again = store.add(Department(id=NEW_ID, name="Customer service"))
    assert again.id == "customer-service-2"


def test_duplicate_id_refused(store):
    with pytest.raises(DuplicateRecord):
        store.add(Department(id="sales", name="Sales again"))


def test_update_bumps_version_and_stale_update_names_who_and_when(store, tmp_path, open_as):
    mine = store.get(Goal, "G-1")
    other = open_as("kim")  # kim leads sales, whose goal this is
    theirs = other.update(mine.model_copy(update={"description": "kim's edit"}))
    assert theirs.version == 2 and theirs.updated_by == "kim"
    with pytest.raises(StaleRecord, match=r"changed by kim at \d{4}-\d\d-\d\d \d\d:\d\d UTC") as info:
        store.update(mine.model_copy(update={"description": "my edit"}))
    assert info.value.version == 2
    assert store.get(Goal, "G-1").description == "kim's edit"


def test_stale_delete_refused(store):
    sales = store.get(Department, "finance")
    store.update(sales.model_copy(update={"name": "Finance & Control"}))
    with pytest.raises(StaleRecord):
        store.delete(Department, "finance", version=1)
    assert store.find(Department, "finance") is not None


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Reading(id=NEW_ID, metric="nps", date="2026-01-05", value=101, recorded_by="t", recorded_at=utcnow()),
         "value"),
        (Goal(id=NEW_ID, department="sales", title="x", metric="nps", kind="increase", baseline=1, target=120,
              start="2026-01-01", deadline="2026-02-01"), "target"),
        (Objective(id=NEW_ID, title="x", metric="gross_margin", target=-1, deadline="2027-01-01"), "target"),
        (Incentive(id=NEW_ID, department="sales", title="x", metric="nps", direction="up", weight=0.7), "weight"),
    ],
)
def test_cross_record_rules_name_the_field(store, model, field):
    with pytest.raises(RuleViolation) as info:
        store.add(model)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("cls", "record_id", "names"),
    [
        (Metric, "nps", ["goal G-1", "objective O-1"]),
        (Metric, "gross_margin", ["incentive I-1"]),
        (Department, "sales", ["goal G-1", "incentive I-1"]),
        (Objective, "O-1", ["goal G-1"]),
    ],
)
def test_delete_of_something_in_use_is_refused_naming_the_users(store, cls, record_id, names):
    with pytest.raises(ReferenceViolation) as info:
        store.delete(cls, record_id)
    for name in names:
        assert name in str(info.value)
    assert store.find(cls, record_id) is not None


def test_delete_metric_with_readings_is_refused(store):
    store.add(Metric(id="csat", name="CSAT"))
    store.record("csat", 80)
    with pytest.raises(ReferenceViolation, match="1 reading"):
        store.delete(Metric, "csat")


def test_reading_update_moves_between_partitions_and_keeps_recorder(store, open_as):
    reading = store.record("nps", 10, department="sales", date=date(2026, 1, 5))
    editor = open_as("kim")
    moved = editor.update(reading.model_copy(update={"date": date(2026, 4, 6), "value": 11}))
    assert moved.recorded_by == "tester" and moved.updated_by == "kim"
    assert [r.value for r in store.readings()] == [11]
    assert store.get(Reading, reading.id).date == date(2026, 4, 6)
    store.delete(Reading, reading.id)
    assert store.readings() == []


def test_every_mutation_is_audited_with_before_and_after(store):
    sales = store.get(Department, "sales")
    store.update(sales.model_copy(update={"name": "Sales EMEA"}))
    reading = store.record("nps", 12, department="sales")
    store.delete(Reading, reading.id)
    trail = store.audit(entity_id="sales")
    assert [(e.action, e.by) for e in trail] == [("add", "tester"), ("update", "tester")]
    assert trail[1].before["name"] == "Sales" and trail[1].after["name"] == "Sales EMEA"
    reading_trail = store.audit(entity="reading")
    assert [e.action for e in reading_trail] == ["add", "delete"]
    assert reading_trail[1].after is None and reading_trail[1].before["value"] == 12
    assert store.audit(user="nobody") == []
    assert len(store.audit(limit=2)) == 2


def test_snapshot_holds_everything(store):
    store.record("nps", 20, department="sales")
    snap = store.snapshot()
    assert [d.id for d in snap.departments] == ["finance", "sales"]
    assert [g.id for g in snap.goals] == ["G-1"]
    assert len(snap.readings) == 1 and snap.settings.admins == ["tester"]


def test_change_token_moves_on_every_commit_from_any_process(store, open_as):
    token = store.change_token()
    assert store.change_token() == token
    open_as("kim").record("nps", 5, department="sales")
    assert store.change_token() != token


def test_a_lead_cannot_move_a_goal_out_of_or_into_another_department(store, open_as):
    from cxtui.store import PermissionDenied

    kim = open_as("kim")
    goal = kim.get(Goal, "G-1")
    with pytest.raises(PermissionDenied, match="not finance"):
        kim.update(goal.model_copy(update={"department": "finance"}))
    ravi = open_as("ravi")
    with pytest.raises(PermissionDenied, match="ravi leads finance, not sales"):
        ravi.delete(Goal, "G-1")
    assert store.get(Goal, "G-1").department == "sales"


DISMISSALS = [
    # (who dismisses, departments the finding involves, allowed)
    ("eve", ["sales"], False),  # leads nothing
    ("ravi", ["sales"], False),  # leads finance, which the finding does not involve
    ("ravi", ["sales", "finance"], True),
    ("kim", ["sales"], True),
    ("tester", ["sales"], True),  # the admin
]


@pytest.mark.parametrize("user, departments, allowed", DISMISSALS)
def test_only_involved_leads_and_admins_dismiss_findings(store, user, departments, allowed, open_as):
    from cxtui.models import Dismissal
    from cxtui.store import PermissionDenied

    dismissal = Dismissal(id=NEW_ID, finding="silo_goal:G-1", fingerprint="f", reason="intended", by=user,
                          at=utcnow(), departments=departments)
    if allowed:
        assert open_as(user).add(dismissal).id == "silo_goal:G-1"
    else:
        with pytest.raises(PermissionDenied, match=f"only a lead of {' or '.join(departments)} or an admin"):
            open_as(user).add(dismissal)


def test_a_dismissal_is_taken_back_by_its_maker_or_an_involved_lead(store, open_as):
    from cxtui.models import Dismissal
    from cxtui.store import PermissionDenied

    made = open_as("kim").add(Dismissal(
        id=NEW_ID, finding="silo_goal:G-1", fingerprint="f", reason="intended", by="kim", at=utcnow(),
        departments=["sales"]))
    with pytest.raises(PermissionDenied, match="take back"):
        open_as("ravi").delete(Dismissal, made.id)
    open_as("kim").delete(Dismissal, made.id)
    # One made before dismissals recorded departments: its maker may still take it back.
    old = store.add(Dismissal(id=NEW_ID, finding="silo_goal:G-2", fingerprint="f", reason="r", by="tester",
                              at=utcnow()))
    with pytest.raises(PermissionDenied):
        open_as("kim").delete(Dismissal, old.id)
    store.delete(Dismissal, old.id)
    assert store.list(Dismissal) == []
