"""Undo (issue 16 item 3): every kind of change goes back to exactly the record it replaced, the
undo is itself an audited change, and a record changed since is refused with who and when."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from store_helpers import seed

from cxtui.engine.changes import describe, field_changes
from cxtui.engine.flags import transition
from cxtui.models import Dismissal, Flag, Goal, Incentive, Objective, Reading, Settings, utcnow
from cxtui.store import NEW_ID, ChangedSince, NotFound, NothingToUndo, PermissionDenied
from cxtui.store.interface import StoreAPI

BOOKKEEPING = {"version", "updated_by", "updated_at"}


@pytest.fixture
def store(any_store: StoreAPI) -> StoreAPI:
    store = seed(any_store)
    store.record("nps", 12, department="sales", date=date(2026, 2, 2))
    store.add(Flag(id="F-1", departments=["sales", "finance"], title="Discounts vs margin", raised_by="tester",
                   raised_at=utcnow()))
    store.add(Dismissal(id=NEW_ID, finding="silo_goal:G-1", fingerprint="f", reason="intended", by="tester",
                        at=utcnow(), departments=["sales"]))
    return store


def content(record) -> dict:
    return {k: v for k, v in record.model_dump(mode="json").items() if k not in BOOKKEEPING}


def state(store: StoreAPI) -> dict:
    """Every record's content (bookkeeping aside): what an undo must restore."""
    records = {}
    for cls in (Goal, Incentive, Objective, Flag, Dismissal):
        records.update({(cls.__name__, r.id): content(r) for r in store.list(cls)})
    records.update({("Reading", r.id): content(r) for r in store.readings()})
    records[("Settings", "settings")] = content(store.settings())
    return records


def _reading(store: StoreAPI) -> Reading:
    return store.readings(metric="nps", department="sales")[0]


CHANGES: dict[str, Callable[[StoreAPI], object]] = {
    "reading added": lambda s: s.record("nps", 20, department="sales", date=date(2026, 3, 2)),
    "reading edited": lambda s: s.update(_reading(s).model_copy(update={"value": 14.0})),
    "reading moved to another month": lambda s: s.update(_reading(s).model_copy(update={"date": date(2026, 4, 1)})),
    "reading deleted": lambda s: s.delete(Reading, _reading(s).id),
    "goal edited": lambda s: s.update(s.get(Goal, "G-1").model_copy(update={"target": 35.0, "title": "Lift NPS more"})),
    "goal deleted": lambda s: s.delete(Goal, "G-1"),
    "incentive edited": lambda s: s.update(s.get(Incentive, "I-1").model_copy(update={"weight": 0.2})),
    "incentive deleted": lambda s: s.delete(Incentive, "I-1"),
    "objective edited": lambda s: s.update(s.get(Objective, "O-1").model_copy(update={"target": 45.0})),
    "dismissal taken back": lambda s: s.delete(Dismissal, s.list(Dismissal)[0].id),
    "flag moved": lambda s: s.update(transition(s.get(Flag, "F-1"), "acknowledged", "on it", "tester", utcnow())),
    "settings changed": lambda s: s.update(Settings.model_validate(
        {**s.settings().model_dump(), "penalties": {"high": 30, "medium": 10, "low": 2}})),
    "check-in of two readings": lambda s: s.add_many([
        Reading(id=NEW_ID, metric="nps", department="sales", date=date(2026, 5, 4), value=v, recorded_by="tester",
                recorded_at=utcnow()) for v in (21, 22)]),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_undo_restores_exactly_what_the_change_replaced(store, change):
    before = state(store)
    change(store)
    assert state(store) != before
    undone = store.revert()
    assert undone and all(e.by == "tester" for e in undone)
    assert state(store) == before
    # The undo is a change of its own, audited, naming what it reverts; undoing it redoes the change.
    last = store.audit()[-len(undone):]
    assert {e.reverts for e in last} == {undone[0].tx}
    store.revert(last[0].tx)
    assert state(store) != before
    assert store.doctor() == []


def test_a_record_changed_since_is_refused_naming_who_and_when(store, open_as):
    store.update(store.get(Goal, "G-1").model_copy(update={"target": 35.0}))
    first = store.audit()[-1]
    kim = open_as("kim")  # leads sales
    kim.update(kim.get(Goal, "G-1").model_copy(update={"target": 40.0}))
    later = store.audit()[-1]
    before = state(store)
    with pytest.raises(ChangedSince) as caught:
        store.revert(first.tx)
    message = str(caught.value)
    assert re.match(rf"goal G-1 has changed since change {first.tx}: updated by (\w+ as )?kim at \d{{4}}-", message)
    assert message.endswith(f"(change {later.tx}); undo that change first")
    assert state(store) == before


def test_without_an_id_undo_takes_back_your_own_last_change_and_then_the_one_before(store, open_as):
    store.update(store.get(Goal, "G-1").model_copy(update={"target": 35.0}))
    kim = open_as("kim")
    kim.record("nps", 30, department="sales", date=date(2026, 6, 1))  # kim's, not the tester's
    store.update(store.get(Incentive, "I-1").model_copy(update={"weight": 0.2}))
    assert [e.entity for e in store.revert()] == ["incentive"]
    assert [e.entity for e in store.revert()] == ["goal"]  # the undo itself is skipped, and kim's
    assert store.get(Goal, "G-1").target == 30
    assert len(kim.readings(metric="nps", department="sales")) == 2


def test_one_record_of_a_transaction_can_be_undone_by_its_change_id(store):
    CHANGES["check-in of two readings"](store)
    entries = store.audit()[-2:]
    store.revert(entries[1].id)
    assert [r.value for r in store.readings(metric="nps", department="sales")] == [12, 21]


@pytest.mark.parametrize(("change", "error"), [
    ("no-such-change", "no change no-such-change is in the audit trail"),
])
def test_nothing_to_undo(store, change, error):
    with pytest.raises(NothingToUndo, match=error):
        store.revert(change)


def test_an_undone_change_cannot_be_undone_twice(store):
    store.update(store.get(Goal, "G-1").model_copy(update={"target": 35.0}))
    tx = store.audit()[-1].tx
    store.revert(tx)
    with pytest.raises(NothingToUndo, match="was undone already"):
        store.revert(tx)


def test_undo_follows_the_permission_rules(store, open_as):
    store.update(store.get(Goal, "G-1").model_copy(update={"target": 35.0}))
    tx = store.audit()[-1].tx
    with pytest.raises(PermissionDenied):
        open_as("ravi").revert(tx)  # leads finance, not sales
    assert store.get(Goal, "G-1").target == 35


def test_a_user_with_no_changes_has_nothing_to_undo(store, open_as):
    with pytest.raises(NothingToUndo, match="eve has no change left to undo"):
        open_as("eve").revert()


@pytest.mark.parametrize(("entry", "expected"), [
    (dict(action="update", entity="goal", entity_id="G-1",
          before={"id": "G-1", "title": "Lift NPS", "target": 30.0, "version": 1},
          after={"id": "G-1", "title": "Lift NPS", "target": 35.0, "version": 2}),
     "changed goal G-1 'Lift NPS': target 30 → 35"),
    (dict(action="add", entity="reading", entity_id="R-1",
          after={"id": "R-1", "metric": "nps", "value": 42.0, "date": "2026-11-16", "department": "sales"}),
     "added reading of nps 42 on 2026-11-16 (sales)"),
    (dict(action="delete", entity="department", entity_id="legal", before={"id": "legal", "name": "Legal"}),
     "deleted department legal 'Legal'"),
])
def test_a_change_reads_as_old_to_new(entry, expected):
    from cxtui.models import AuditEntry

    parsed = AuditEntry.model_construct(**{"id": "t.0", "tx": "t", "at": utcnow(), "by": "kim", "reverts": None,
                                           "before": None, "after": None, **entry})
    assert describe(parsed) == expected
    if entry["action"] == "update":
        assert [(c.field, c.old, c.new) for c in field_changes(parsed)] == [("target", 30.0, 35.0)]


def test_a_deleted_record_comes_back_under_its_own_id(store):
    store.delete(Goal, "G-1")
    with pytest.raises(NotFound):
        store.get(Goal, "G-1")
    store.revert()
    assert store.get(Goal, "G-1").title == "Lift NPS"
