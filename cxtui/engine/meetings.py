"""The meeting's rhythm, as pure rules: which meeting was the last one, which dates a meeting may
take, and the decisions and action items it records (made, listed, closed).

A meeting is one record a day (`Meeting`, id "M-<date>"). An action item is open until it is
closed once, as done or dropped, with a note; a decision is the same record with kind "decision".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from cxtui.models import ActionItem, ActionKind, ActionStatus, Meeting

# With no meeting recorded before, "since the last meeting" means a week back.
DEFAULT_GAP = timedelta(days=7)

CLOSED: tuple[ActionStatus, ...] = ("done", "dropped")


def last_meeting(meetings: Iterable[Meeting], before: date) -> date | None:
    """The date of the newest meeting held before `before`, or None."""
    return max((m.date for m in meetings if m.date < before), default=None)


def since_last(meetings: Iterable[Meeting], day: date) -> date:
    """What "since the last meeting" means for a meeting on `day`."""
    return last_meeting(meetings, day) or day - DEFAULT_GAP


def meeting_day_problem(day: date, today: date) -> str | None:
    """Why no meeting may be recorded on `day`, or None."""
    if day > today:
        return (f"{day.isoformat()} is in the future (today is {today.isoformat()}); a meeting is recorded on the day "
                f"it is held")
    return None


def last_meeting_problem(day: date, meeting_day: date, today: date) -> str | None:
    """Why `day` cannot be the date of the meeting before the one on `meeting_day`, or None."""
    if day > today:
        return f"{day.isoformat()} is in the future; the last meeting was on or before {today.isoformat()}"
    if day >= meeting_day:
        return f"the last meeting must be before this one ({meeting_day.isoformat()})"
    return None


def new_item(department: str, text: str, by: str, at: datetime, *, id: str, kind: ActionKind = "action",
             owner: str | None = None, due: date | None = None, goal: str | None = None,
             finding: str | None = None, flag: str | None = None, meeting: str | None = None) -> ActionItem:
    """An open decision or action item, recorded by `by` at `at`."""
    return ActionItem(id=id, department=department, kind=kind, text=text.strip(), owner=owner or None, due=due,
                      goal=goal or None, finding=finding or None, flag=flag or None, meeting=meeting,
                      created_by=by, created_at=at)


def close_item(item: ActionItem, status: ActionStatus, note: str, by: str, at: datetime) -> ActionItem:
    """`item`, done or dropped by `by` at `at` with `note`. Only an open item closes."""
    if status not in CLOSED:
        raise ValueError(f"status: an item is closed as done or dropped, not {status}")
    if item.status != "open":
        raise ValueError(f"{item.kind} {item.id} is {item.status} already (by {item.closed_by})")
    return item.model_copy(update={"status": status, "note": note.strip(), "closed_by": by, "closed_at": at})


def open_items(items: Iterable[ActionItem], *, department: str | None = None, owner: str | None = None,
               kind: ActionKind | None = "action") -> list[ActionItem]:
    """Open items (of `kind`; None: both), soonest due first, undated last, then in id order."""
    found = [i for i in items if i.status == "open" and (kind is None or i.kind == kind)
             and (department is None or i.department == department) and (owner is None or i.owner == owner)]
    return sorted(found, key=lambda i: (i.due is None, i.due or date.min, _number(i.id)))


def decided_since(items: Iterable[ActionItem], department: str, since: date) -> list[ActionItem]:
    """The decisions recorded for `department` after `since`, oldest first."""
    return sorted((i for i in items if i.kind == "decision" and i.department == department
                   and i.created_at.date() > since), key=lambda i: _number(i.id))


def is_overdue(item: ActionItem, today: date) -> bool:
    return item.status == "open" and item.due is not None and item.due < today


def _number(record_id: str) -> tuple[int, str]:
    head, _, tail = record_id.rpartition("-")
    return (int(tail), head) if tail.isdigit() else (0, record_id)
