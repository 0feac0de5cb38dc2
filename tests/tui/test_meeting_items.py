"""The meeting view remembers its meetings, records decisions and action items and carries open ones
to the next meeting, and opens a conflict's full explanation with one key (issue 17)."""

from __future__ import annotations

from datetime import date, timedelta

from conftest import make_app, settle
from textual.widgets import Input, RadioButton, Static

from cxtui.demo.sample_company import ANCHOR
from cxtui.models import ActionItem, Meeting, meeting_id, utcnow
from cxtui.store import Store
from cxtui.tui.screens.dialogs import PickScreen, PromptScreen
from cxtui.tui.screens.meeting import MeetingScreen
from cxtui.tui.screens.meeting_items import ExplainScreen, ItemForm


def page(app) -> str:
    return str(app.screen.query_one("#page", Static).render())


async def open_meeting(app, pilot) -> MeetingScreen:
    await settle(app, pilot)
    await pilot.press("w")
    await settle(app, pilot)
    assert isinstance(app.screen, MeetingScreen)
    return app.screen


async def record(app, pilot, text: str, *, decision: bool = False, owner: str = "", due: str = "") -> None:
    await pilot.press("a")
    await settle(app, pilot)
    assert isinstance(app.screen, ItemForm)
    if decision:
        app.screen.query_one("#kind-decision", RadioButton).value = True
    app.screen.query_one("#text", Input).value = text
    app.screen.query_one("#owner", Input).value = owner
    app.screen.query_one("#due", Input).value = due
    await pilot.press("ctrl+s")
    await settle(app, pilot)


async def test_a_decision_and_an_action_are_recorded_carried_to_the_next_meeting_and_closed(store_path):
    app = make_app(store_path)  # kim, who leads Sales: the meeting opens on Sales' page
    async with app.run_test(size=(80, 24)) as pilot:
        await open_meeting(app, pilot)
        assert page(app).startswith("SALES")
        await record(app, pilot, "Call the ten biggest accounts", owner="lee", due="2026-11-20")
        await record(app, pilot, "Discounts above 20% need Finance's yes", decision=True)
        assert isinstance(app.screen, MeetingScreen)
        shown = page(app)
        assert "Open action items (1)" in shown and "A-1 Call the ten biggest accounts · lee · due 2026-11-20" in shown
        assert f"Decided since {(ANCHOR - timedelta(days=7)).isoformat()}" in shown
        assert "A-2 Discounts above 20% need Finance's yes" in shown
    store = Store(store_path, user="omar")
    first, second = store.list(ActionItem)
    assert (first.kind, first.owner, first.due, first.department, first.created_by) == (
        "action", "lee", date(2026, 11, 20), "sales", "kim")
    assert (second.kind, first.meeting) == ("decision", meeting_id(ANCHOR))
    assert [e.by for e in store.audit(entity="action")] == ["kim", "kim"]

    again = make_app(store_path)  # the next meeting, a new launch on the same store
    async with again.run_test(size=(80, 24)) as pilot:
        await open_meeting(again, pilot)
        assert "☐ A-1 Call the ten biggest accounts" in page(again)
        await pilot.press("d")
        await settle(again, pilot)
        assert isinstance(again.screen, PickScreen)
        await pilot.press("enter")  # the one open item
        await settle(again, pilot)
        await pilot.press("enter")  # done
        await settle(again, pilot)
        assert isinstance(again.screen, PromptScreen)
        again.screen.query_one(Input).value = "all ten called"
        await pilot.press("enter")
        await settle(again, pilot)
        assert "Open action items" not in page(again)
    closed = store.get(ActionItem, "A-1")
    assert (closed.status, closed.note, closed.closed_by) == ("done", "all ten called", "kim")


async def test_an_empty_text_is_refused_in_the_form(store_path):
    app = make_app(store_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_meeting(app, pilot)
        await record(app, pilot, "  ")
        assert isinstance(app.screen, ItemForm)
        assert "text: say what was decided" in str(app.screen.query_one("#error", Static).render())
        app.screen.query_one("#text", Input).value = "x"
        app.screen.query_one("#due", Input).value = "next week"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "due: a date as YYYY-MM-DD" in str(app.screen.query_one("#error", Static).render())
    assert Store(store_path, user="omar").list(ActionItem) == []


async def test_one_who_leads_no_department_is_told_before_the_form(store_path):
    app = make_app(store_path, user="lee")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_meeting(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        assert isinstance(app.screen, MeetingScreen)
        assert any("lee leads no department" in str(n.message) for n in app._notifications)


async def test_the_meeting_is_recorded_and_the_last_one_remembered(store_path):
    store = Store(store_path, user="omar")
    earlier = ANCHOR - timedelta(days=14)
    store.add(Meeting(date=earlier, opened_by="omar", opened_at=utcnow()))
    for launch in range(2):  # the second launch finds today's meeting and still counts from the one before
        app = make_app(store_path)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_meeting(app, pilot)
            assert f"since {earlier.isoformat()}" in page(app)
            assert screen.meeting == meeting_id(ANCHOR)
    held = store.list(Meeting)
    assert [(m.id, m.opened_by) for m in held] == [(meeting_id(earlier), "omar"), (meeting_id(ANCHOR), "kim")]


async def test_the_date_of_the_last_meeting_is_remembered_and_a_future_one_refused(store_path):
    app = make_app(store_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_meeting(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        answer = app.screen.query_one(Input)
        answer.value = (date.today() + timedelta(days=3)).isoformat()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, PromptScreen)  # refused: still asking
        assert "is in the future" in str(app.screen.query_one("#reason", Static).render())
        answer.value = "2026-10-26"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, MeetingScreen)
        assert "since 2026-10-26" in page(app)
    again = make_app(store_path)
    async with again.run_test(size=(80, 24)) as pilot:
        await open_meeting(again, pilot)
        assert "since 2026-10-26" in page(again)


async def test_no_meeting_is_recorded_on_a_future_date(store_path):
    future = date.today() + timedelta(days=30)
    app = make_app(store_path, as_of=future)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_meeting(app, pilot)
        assert screen.meeting is None
        assert any("No meeting recorded" in str(n.message) and "is in the future" in str(n.message)
                   for n in app._notifications)
    assert Store(store_path, user="omar").list(Meeting) == []


async def test_a_finding_on_the_page_opens_its_full_explanation_with_one_key(store_path):
    app = make_app(store_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_meeting(app, pilot)
        card = app.board.scorecard.departments[screen.position]
        assert card.findings
        assert ": the full explanation" in page(app)
        await pilot.press("1")
        await settle(app, pilot)
        assert isinstance(app.screen, ExplainScreen)
        text = str(app.screen.query_one("#explanation", Static).render())
        # The explanation the conflicts screen shows, wrapped: compare its words.
        assert " ".join(card.findings[0].explanation.split()) in " ".join(text.split())
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, MeetingScreen)


async def test_the_owner_sees_their_open_items_on_the_home_screen(store_path):
    from cxtui.engine.meetings import new_item
    from cxtui.store import NEW_ID

    store = Store(store_path, user="omar")
    app = make_app(store_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.screen.query_one("#my-items", Static).display is False  # none: the scorecard as before
    store.add(new_item("finance", "Send the margin figures", "omar", utcnow(), id=NEW_ID, owner="kim",
                       due=ANCHOR - timedelta(days=1)))
    store.add(new_item("finance", "Not kim's", "omar", utcnow(), id=NEW_ID, owner="lee"))
    app = make_app(store_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        mine = app.screen.query_one("#my-items", Static)
        assert mine.display is True
        assert str(mine.render()) == f"☐ A-1 · due {(ANCHOR - timedelta(days=1)).isoformat()} overdue · Finance: Send the margin figures"


async def test_a_conflict_past_the_ninth_opens_from_the_list(store_path):
    app = make_app(store_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_meeting(app, pilot)
        card = app.board.scorecard.departments[screen.position]
        refs = [*card.findings, *card.flags]
        assert len(refs) > 9 and "1-9 or e: the full explanation" in page(app)
        await pilot.press("e")
        await settle(app, pilot)
        assert isinstance(app.screen, PickScreen)
        await pilot.press(*["down"] * 9, "enter")  # the tenth
        await settle(app, pilot)
        assert isinstance(app.screen, ExplainScreen)
        assert app.screen.record is refs[9]


async def test_a_tension_explains_itself_with_what_the_readings_say(store_path):
    app = make_app(store_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_meeting(app, pilot)
        card = app.board.scorecard.departments[screen.position]
        number = next(n for n, f in enumerate(card.findings, start=1) if f.rule == "tension")
        assert number <= 9
        await pilot.press(str(number))
        await settle(app, pilot)
        assert isinstance(app.screen, ExplainScreen)
        assert "Evidence (" in str(app.screen.query_one("#explanation", Static).render())


async def test_looking_back_at_an_earlier_scorecard_records_no_meeting(store_path):
    """Moving the scorecard to an earlier date and walking it is not holding a meeting then: only
    the session's own day is recorded, so "since the last meeting" stays true."""
    app = make_app(store_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.as_of = ANCHOR - timedelta(days=30)  # what the scorecard's `a` does with a date
        app.reload(reread=False)
        await settle(app, pilot)
        assert app.board.as_of == ANCHOR - timedelta(days=30)
        screen = await open_meeting(app, pilot)
        assert screen.meeting is None
        assert any("No meeting recorded" in str(n.message) for n in app._notifications)
    assert Store(store_path, user="omar").list(Meeting) == []


def test_help_and_palette_list_one_explain_entry_for_the_ten_keys():
    from cxtui.tui.actions import actions_for
    from cxtui.tui.screens.help import help_sections

    listed = [a for _, actions in help_sections("meeting") for a in actions]
    explains = [a for a in listed if a.description.startswith("Explain")]
    assert [(a.keys, a.description) for a in explains] == [("e", "Explain…")]
    assert "1-9" in explains[0].help
    assert [a.id for a in actions_for("meeting") if a.id.startswith("meeting.explain")] == ["meeting.explain_any"]
