"""The flag lifecycle: raise, confirm from a finding, move through statuses, dismiss."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from engine_helpers import goal, snapshot
from pydantic import ValidationError

from cxtui.engine.conflicts import detect
from cxtui.engine.flags import dismiss, flag_from_finding, raise_flag, transition

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LATER = AT + timedelta(hours=1)


def opened():
    return raise_flag(
        ["sales", "finance", "sales"],
        "Discount war",
        "Sales and Finance disagree",
        "alice",
        AT,
        goals=["G-3", "G-7"],
    )


def test_raise_flag_opens_with_a_history_entry():
    f = opened()
    assert (f.status, f.departments, f.goals, f.raised_by) == (
        "open",
        ["finance", "sales"],
        ["G-3", "G-7"],
        "alice",
    )
    assert [(e.status, e.note, e.by) for e in f.history] == [("open", "Sales and Finance disagree", "alice")]
    assert f.id.startswith("FL-")
    assert raise_flag(["sales"], "x", "", "bob", AT).id != raise_flag(["sales"], "x", "", "bob", LATER).id


def test_flag_from_finding_carries_what_it_names():
    finding = detect(snapshot(goal("G-5", "ops", "cost", "decrease")), AT.date())[0]
    f = flag_from_finding(finding, "bob", AT, "")
    assert (f.finding, f.departments, f.goals, f.note) == (finding.id, ["ops"], ["G-5"], finding.explanation)
    assert flag_from_finding(finding, "bob", AT, "we own this").history[0].note == "we own this"
    assert f.title == f"{finding.title}: ops (G-5)"


def test_a_flag_title_names_the_records_and_fits():
    finding = detect(snapshot(goal("G-5", "ops", "cost", "decrease")), AT.date())[0]
    crowded = finding.model_copy(update={"departments": ["ops", "sales"], "goals": [f"G-{i}" for i in range(60)]})
    title = flag_from_finding(crowded, "bob", AT, "").title
    assert title.startswith(f"{finding.title}: ops vs sales (G-0, G-1, ")
    assert len(title) == 160 and title.endswith("…")


LIFECYCLE = [
    ("open", "acknowledged"),
    ("acknowledged", "resolved"),
    ("acknowledged", "open"),
    ("resolved", "open"),
]


@pytest.mark.parametrize("start,end", LIFECYCLE)
def test_allowed_transitions_append_an_event(start, end):
    f = opened().model_copy(update={"status": start})
    moved = transition(f, end, f"to {end}", "carol", LATER)
    assert moved.status == end
    assert moved.history[-1].model_dump() == {"at": LATER, "by": "carol", "status": end, "note": f"to {end}"}
    assert len(moved.history) == len(f.history) + 1
    assert f.status == start  # the input is untouched


@pytest.mark.parametrize(
    "start,end,allowed",
    [
        ("open", "resolved", "acknowledged"),
        ("open", "open", "acknowledged"),
        ("acknowledged", "acknowledged", "resolved or open"),
        ("resolved", "acknowledged", "open"),
        ("resolved", "resolved", "open"),
    ],
)
def test_invalid_transitions_name_the_allowed_ones(start, end, allowed):
    f = opened().model_copy(update={"status": start})
    with pytest.raises(ValueError, match=f"a {start} flag can move to {allowed}, not {end}"):
        transition(f, end, "", "carol", LATER)


def test_full_round_trip_keeps_every_note():
    f = opened()
    for status, note in [("acknowledged", "on it"), ("resolved", "fixed"), ("open", "back again")]:
        f = transition(f, status, note, "dave", LATER)
    assert [e.note for e in f.history] == ["Sales and Finance disagree", "on it", "fixed", "back again"]


def test_dismiss_records_the_fingerprint():
    finding = detect(snapshot(goal("G-5", "ops", "cost", "decrease")), AT.date())[0]
    d = dismiss(finding, "cost goal is deliberate", "erin", AT)
    assert (d.finding, d.fingerprint, d.by) == (finding.id, finding.fingerprint, "erin")
    with pytest.raises(ValidationError):
        dismiss(finding, "   ", "erin", AT)
