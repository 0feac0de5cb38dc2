"""Decisions, action items and meetings in the store: added and closed in audited transactions,
refused to whoever may not, and undone."""

from __future__ import annotations

from datetime import date

import pytest
from store_helpers import seeded_store

from cxtui.engine.flags import raise_flag
from cxtui.engine.meetings import close_item, new_item
from cxtui.models import ActionItem, Flag, Meeting, utcnow
from cxtui.store import NEW_ID, PermissionDenied, ReferenceViolation, Store


@pytest.fixture
def admin(tmp_path) -> Store:
    """tester is the admin; kim leads Sales, ravi leads Finance."""
    return seeded_store(tmp_path)


def as_user(store: Store, user: str) -> Store:
    return Store(store.path, user=user)


def item(store: Store, department: str = "sales", **kw) -> ActionItem:
    return new_item(department, kw.pop("text", "Call the top ten accounts"), store.user, utcnow(), id=NEW_ID, **kw)


def test_a_lead_records_an_item_numbered_by_the_store_and_audited(admin):
    kim = as_user(admin, "kim")
    first = kim.add(item(kim, owner="lee", due=date(2026, 12, 1), goal="G-1"))
    second = kim.add(item(kim, kind="decision", text="Discounts above 20% need Finance's yes"))
    assert (first.id, second.id) == ("A-1", "A-2")
    assert kim.get(ActionItem, "A-1") == first
    entry = kim.audit(entity="action", entity_id="A-1")[-1]
    assert (entry.action, entry.by, entry.after["owner"], entry.after["status"]) == ("add", "kim", "lee", "open")
    assert [a.id for a in kim.snapshot().actions] == ["A-1", "A-2"]


@pytest.mark.parametrize(("user", "refusal"), [
    ("ravi", "ravi leads finance; only a lead of sales or an admin"),
    ("lee", "lee leads no department; only a lead of sales or an admin"),
])
def test_only_a_lead_of_the_department_or_an_admin_records_items(admin, user, refusal):
    other = as_user(admin, user)
    with pytest.raises(PermissionDenied, match=refusal):
        other.add(item(other))
    assert admin.list(ActionItem) == []


def test_an_admin_records_items_for_any_department(admin):
    assert admin.add(item(admin, "finance")).id == "A-1"


def test_references_are_checked(admin):
    with pytest.raises(ReferenceViolation, match="names goal 'G-99'"):
        admin.add(item(admin, goal="G-99"))
    with pytest.raises(ReferenceViolation, match="names department 'ops'"):
        admin.add(item(admin, "ops"))


@pytest.mark.parametrize("closer", ["kim", "lee", "tester"])
def test_the_lead_the_owner_or_an_admin_closes_an_item(admin, closer):
    added = as_user(admin, "kim").add(item(as_user(admin, "kim"), owner="lee"))
    store = as_user(admin, closer)
    closed = store.update(close_item(added, "done", "all ten called", closer, utcnow()))
    assert (closed.status, closed.closed_by, closed.note, closed.version) == ("done", closer, "all ten called", 2)
    entry = store.audit(entity="action", entity_id=added.id)[-1]
    assert (entry.action, entry.by, entry.before["status"], entry.after["status"]) == ("update", closer, "open", "done")


def test_the_owner_may_close_but_not_otherwise_change_an_item(admin):
    kim = as_user(admin, "kim")
    added = kim.add(item(kim, owner="lee"))
    lee = as_user(admin, "lee")
    with pytest.raises(PermissionDenied, match="the owner may close it"):
        lee.update(added.model_copy(update={"text": "Call two accounts"}))
    with pytest.raises(PermissionDenied):
        lee.update(added.model_copy(update={"owner": "sam"}))
    ravi = as_user(admin, "ravi")  # neither lead nor owner
    with pytest.raises(PermissionDenied, match="ravi leads finance"):
        ravi.update(close_item(added, "dropped", "", "ravi", utcnow()))
    assert admin.get(ActionItem, added.id) == added


def test_undo_takes_back_a_close_and_then_the_item(admin):
    kim = as_user(admin, "kim")
    added = kim.add(item(kim, owner="lee"))
    lee = as_user(admin, "lee")
    lee.update(close_item(added, "dropped", "no longer needed", "lee", utcnow()))
    undone = lee.revert()  # the owner reopens what they closed
    assert [e.entity_id for e in undone] == [added.id]
    assert lee.get(ActionItem, added.id).status == "open"
    later = kim.add(item(kim, text="Ask Finance"))
    kim.revert()  # kim's own last change: the item she added
    assert kim.find(ActionItem, later.id) is None
    assert kim.doctor() == []


def test_the_item_keeps_its_goal_and_flag_from_being_deleted(admin):
    flag = admin.add(raise_flag(["sales", "finance"], "Discounts", "", "tester", utcnow(), id=NEW_ID))
    admin.add(item(admin, goal="G-1", flag=flag.id))
    from cxtui.models import Goal

    with pytest.raises(ReferenceViolation, match="used by action A-1"):
        admin.delete(Goal, "G-1")
    with pytest.raises(ReferenceViolation, match="used by action A-1"):
        admin.delete(Flag, flag.id)


def test_a_flag_takes_an_owner_and_a_due_date_and_old_flags_read_as_before(admin):
    old = admin.add(raise_flag(["sales", "finance"], "Discounts", "", "tester", utcnow(), id=NEW_ID))
    assert "owner" not in admin.audit(entity="flag")[-1].after  # unset: the document is as before
    owned = admin.update(old.model_copy(update={"owner": "kim", "due": date(2026, 12, 4)}))
    assert (owned.owner, owned.due) == ("kim", date(2026, 12, 4))
    assert admin.audit(entity="flag")[-1].after["due"] == "2026-12-04"
    admin.revert()
    assert admin.get(Flag, old.id).owner is None
    assert admin.doctor() == []


def test_anyone_records_a_meeting_once_a_day(admin):
    lee = as_user(admin, "lee")
    held = lee.add(Meeting(date="2026-11-16", opened_by="lee", opened_at=utcnow()))
    assert held.id == "M-2026-11-16"
    from cxtui.store import DuplicateRecord

    with pytest.raises(DuplicateRecord):
        as_user(admin, "kim").add(Meeting(date="2026-11-16", opened_by="kim", opened_at=utcnow()))
    with pytest.raises(PermissionDenied, match="only whoever opened meeting M-2026-11-16"):
        as_user(admin, "kim").delete(Meeting, held.id)
    lee.revert(lee.audit(entity="meeting")[-1].tx)
    assert admin.list(Meeting) == []
    assert admin.doctor() == []


def test_history_names_an_item_by_its_text(admin):
    from cxtui.engine.changes import describe

    added = admin.add(item(admin, text="Call the ten biggest accounts"))
    admin.update(close_item(added, "done", "called", "tester", utcnow()))
    first, second = admin.audit(entity="action")
    assert describe(first).startswith("added action A-1 'Call the ten biggest accounts'")
    assert "status open → done" in describe(second)


def test_undo_of_your_last_change_passes_over_a_meeting_recorded(admin):
    kim = as_user(admin, "kim")
    added = kim.add(item(kim, text="Call back"))
    kim.add(Meeting(date="2026-11-16", opened_by="kim", opened_at=utcnow()))  # the meeting view was opened
    assert [e.entity_id for e in kim.last_change()] == [added.id]
    kim.revert()
    assert kim.find(ActionItem, added.id) is None and kim.find(Meeting, "M-2026-11-16") is not None
    meeting_change = kim.audit(entity="meeting")[-1].tx
    kim.revert(meeting_change)  # still undoable by its id
    assert kim.list(Meeting) == []
