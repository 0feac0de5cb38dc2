"""The meeting's rules (engine/meetings.py): the last meeting, the dates a meeting may take, and
decisions and action items made, listed and closed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from cxtui.engine.meetings import (
    close_item,
    decided_since,
    is_overdue,
    last_meeting,
    last_meeting_problem,
    meeting_day_problem,
    new_item,
    open_items,
    since_last,
)
from cxtui.models import ActionItem, Meeting

AT = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DAY = date(2026, 11, 16)


def meeting(day: str) -> Meeting:
    return Meeting(date=day, opened_by="kim", opened_at=AT)


@pytest.mark.parametrize(("held", "before", "expected"), [
    ([], DAY, None),
    (["2026-11-09"], DAY, date(2026, 11, 9)),
    (["2026-11-02", "2026-11-09"], DAY, date(2026, 11, 9)),
    (["2026-11-09", "2026-11-16"], DAY, date(2026, 11, 9)),  # today's own meeting is not the last one
    (["2026-11-23"], DAY, None),  # one after the day asked about
])
def test_the_last_meeting_is_the_newest_before_the_day(held, before, expected):
    assert last_meeting([meeting(d) for d in held], before) == expected


@pytest.mark.parametrize(("held", "expected"), [
    ([], date(2026, 11, 9)),  # none recorded: a week back
    (["2026-10-26"], date(2026, 10, 26)),
])
def test_since_the_last_meeting(held, expected):
    assert since_last([meeting(d) for d in held], DAY) == expected


@pytest.mark.parametrize(("day", "today", "problem"), [
    (DAY, DAY, None),
    (date(2026, 11, 1), DAY, None),
    (date(2026, 11, 17), DAY, "2026-11-17 is in the future (today is 2026-11-16)"),
])
def test_a_meeting_is_not_recorded_in_the_future(day, today, problem):
    found = meeting_day_problem(day, today)
    assert (found is None) == (problem is None)
    assert problem is None or found.startswith(problem)


@pytest.mark.parametrize(("day", "meeting_day", "today", "problem"), [
    (date(2026, 11, 9), DAY, DAY, None),
    (date(2026, 11, 17), DAY, DAY, "2026-11-17 is in the future"),
    (DAY, DAY, DAY, "the last meeting must be before this one (2026-11-16)"),
    (date(2026, 11, 20), DAY, date(2026, 12, 1), "the last meeting must be before this one (2026-11-16)"),
])
def test_the_date_of_the_last_meeting(day, meeting_day, today, problem):
    found = last_meeting_problem(day, meeting_day, today)
    assert (found is None) == (problem is None)
    assert problem is None or found.startswith(problem)


def item(id_: str, **kw):
    kw.setdefault("department", "sales")
    department = kw.pop("department")
    return new_item(department, kw.pop("text", "Call the top ten accounts"), "kim", kw.pop("at", AT), id=id_, **kw)


def test_a_new_item_is_open_and_says_who_made_it():
    made = item("A-1", owner="lee", due=date(2026, 11, 30), goal="G-1", kind="decision")
    assert (made.status, made.created_by, made.owner, made.kind, made.goal) == ("open", "kim", "lee", "decision", "G-1")
    assert (made.closed_by, made.closed_at, made.note) == (None, None, "")


@pytest.mark.parametrize("status", ["done", "dropped"])
def test_an_open_item_closes_once_with_a_note(status):
    closed = close_item(item("A-1"), status, "  called all ten ", "lee", LATER)
    assert (closed.status, closed.note, closed.closed_by, closed.closed_at) == (status, "called all ten", "lee", LATER)
    with pytest.raises(ValueError, match=f"action A-1 is {status} already"):
        close_item(closed, "done", "", "kim", LATER)


def test_an_item_closes_as_done_or_dropped_only():
    with pytest.raises(ValueError, match="done or dropped"):
        close_item(item("A-1"), "open", "", "kim", LATER)


@pytest.mark.parametrize("fields", [
    {"status": "done"},  # closed, but by nobody
    {"status": "open", "closed_by": "kim", "closed_at": AT},
    {"status": "dropped", "closed_by": "kim"},
])
def test_the_closing_fields_go_with_the_status(fields):
    with pytest.raises(ValidationError):
        ActionItem.model_validate({**item("A-1").model_dump(), **fields})


def test_open_items_soonest_due_first_then_by_number():
    items = [
        item("A-10"), item("A-2", due=date(2026, 12, 1)), item("A-3", due=date(2026, 11, 20), owner="lee"),
        close_item(item("A-4", due=date(2026, 11, 1)), "done", "", "kim", LATER),
        item("A-5", kind="decision"), item("A-6", department="finance"), item("A-1"),
    ]
    assert [i.id for i in open_items(items)] == ["A-3", "A-2", "A-1", "A-6", "A-10"]
    assert [i.id for i in open_items(items, department="sales")] == ["A-3", "A-2", "A-1", "A-10"]
    assert [i.id for i in open_items(items, owner="lee")] == ["A-3"]
    assert [i.id for i in open_items(items, kind=None, department="sales")] == ["A-3", "A-2", "A-1", "A-5", "A-10"]


def test_decisions_since_a_date():
    items = [item("A-1", kind="decision", at=AT), item("A-2", kind="decision", at=LATER), item("A-3", at=LATER),
             item("A-4", kind="decision", at=LATER, department="finance")]
    assert [i.id for i in decided_since(items, "sales", DAY)] == ["A-2"]


@pytest.mark.parametrize(("due", "today", "overdue"), [
    (None, DAY, False), (date(2026, 11, 15), DAY, True), (DAY, DAY, False),
])
def test_overdue(due, today, overdue):
    assert is_overdue(item("A-1", due=due), today) is overdue


def test_a_meeting_id_is_its_date():
    assert meeting("2026-11-16").id == "M-2026-11-16"
    with pytest.raises(ValidationError):
        Meeting(id="M-2026-11-17", date="2026-11-16", opened_by="kim", opened_at=AT)
