"""Conflicts: flagging, dismissing, acknowledging and resolving go through the store and its audit."""

from __future__ import annotations

from textual.widgets import OptionList

from conftest import make_app, settle
from cxtui.models import Dismissal, Flag
from cxtui.tui.screens.conflicts import ConflictsScreen


async def _open(app, pilot) -> OptionList:
    await settle(app, pilot)
    await pilot.press("x")
    await settle(app, pilot)
    assert isinstance(app.screen, ConflictsScreen)
    return app.screen.query_one(OptionList)


def _highlight(listing: OptionList, option_id: str) -> None:
    listing.highlighted = listing.get_option_index(option_id)


async def test_finding_becomes_a_flag(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await _open(app, pilot)
        finding = app.board.open_findings()[0]
        _highlight(listing, f"finding:{finding.id}")
        flags_before = {f.id for f in store.list(Flag)}
        await pilot.press("f")
        await pilot.pause()
        await pilot.press(*"Let us talk", "enter")
        await settle(app, pilot)
        new = [f for f in store.list(Flag) if f.id not in flags_before]
        assert len(new) == 1 and new[0].finding == finding.id and new[0].note == "Let us talk"
        assert new[0].raised_by == "kim" and new[0].status == "open"
        assert store.audit(entity="flag", entity_id=new[0].id)[-1].by == "kim"
        assert f"flag:{new[0].id}" in [o.id for o in listing.options]


async def test_dismiss_needs_a_reason_and_hides_the_finding(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await _open(app, pilot)
        finding = app.board.open_findings()[-1]
        _highlight(listing, f"finding:{finding.id}")
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("enter")  # empty reason: refused, dialog stays
        await pilot.pause()
        assert store.list(Dismissal) == []
        await pilot.press(*"Deliberate: no objective fits", "enter")
        await settle(app, pilot)
        [dismissal] = store.list(Dismissal)
        assert dismissal.finding == finding.id and dismissal.by == "kim"
        assert finding.id not in {f.id for f in app.board.open_findings()}
        assert store.audit(entity="dismissal")[-1].action == "add"


async def test_acknowledge_then_resolve_a_flag(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await _open(app, pilot)
        flag = next(f for f in store.list(Flag) if f.status == "open")
        _highlight(listing, f"flag:{flag.id}")
        await pilot.press("a")
        await settle(app, pilot)
        assert store.get(Flag, flag.id).status == "acknowledged"
        _highlight(listing, f"flag:{flag.id}")
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"Bonus replaced by FCR bonus", "enter")
        await settle(app, pilot)
        stored = store.get(Flag, flag.id)
        assert stored.status == "resolved"
        assert stored.history[-1].note == "Bonus replaced by FCR bonus" and stored.history[-1].by == "kim"
        assert [e.action for e in store.audit(entity="flag", entity_id=flag.id)][-2:] == ["update", "update"]


async def test_raise_a_flag_by_hand(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot)
        before = {f.id for f in store.list(Flag)}
        await pilot.press("n")
        await pilot.pause()
        # Sales (kim's) is preselected; add the next department in the list with space.
        await pilot.press("down", "space", "tab", *"Returns policy vs NPS", "ctrl+s")
        await settle(app, pilot)
        [new] = [f for f in store.list(Flag) if f.id not in before]
        assert new.title == "Returns policy vs NPS" and "sales" in new.departments and len(new.departments) == 2


async def test_a_lead_the_finding_does_not_involve_is_told_before_typing_a_reason(store_path, store):
    app = make_app(store_path, user="marco")  # leads Sales, not an admin
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await _open(app, pilot)
        other = next(f for f in app.board.open_findings() if "sales" not in f.departments)
        _highlight(listing, f"finding:{other.id}")
        await pilot.press("d")
        await settle(app, pilot)
        assert isinstance(app.screen, ConflictsScreen)  # no reason asked for
        assert any("Only a lead of" in str(n.message) for n in app._notifications)
        assert store.list(Dismissal) == []


async def test_dismissed_findings_are_listed_and_taken_back(store_path, store):
    app = make_app(store_path, user="marco")
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await _open(app, pilot)
        mine = next(f for f in app.board.open_findings() if "sales" in f.departments)
        _highlight(listing, f"finding:{mine.id}")
        await pilot.press("d")
        await pilot.pause()
        await pilot.press(*"Intended", "enter")
        await settle(app, pilot)
        [dismissal] = store.list(Dismissal)
        assert (dismissal.finding, dismissal.by, dismissal.departments) == (mine.id, "marco", mine.departments)
        assert f"finding:{mine.id}" not in [o.id for o in listing.options]
        _highlight(listing, f"dismissed:{dismissal.id}")
        assert "Intended" in str(listing.highlighted_option.prompt)
        await pilot.press("u")
        await settle(app, pilot)
        assert store.list(Dismissal) == []
        assert f"finding:{mine.id}" in [o.id for o in listing.options]
        assert not [o for o in listing.options if (o.id or "").startswith("dismissed:")]


async def test_a_flag_raised_by_hand_takes_an_owner_and_a_due_date(app, store):
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot)
        before = {f.id for f in store.list(Flag)}
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("down", "space", "tab", *"Returns policy vs NPS", "enter", "enter", *"omar", "enter",
                          *"2026-12-01", "ctrl+s")
        await settle(app, pilot)
        [new] = [f for f in store.list(Flag) if f.id not in before]
        assert (new.owner, new.due.isoformat()) == ("omar", "2026-12-01")
