"""Decisions and action items: `actions` lists them, `action add|done|drop` records and closes them.

The same records the meeting view makes (engine/meetings.py); the store decides who may (a lead of
the department or an admin records and closes; the owner may close their own).
"""

from __future__ import annotations

from datetime import date

import click

from cxtui.cli.common import (
    FORMATS,
    Failure,
    db_option,
    department_id,
    echo_saved,
    example,
    open_store,
    parse_day,
    print_rows,
    utf8_text,
)
from cxtui.cli.group import cli

ACTION_COLUMNS = ("id", "department", "kind", "text", "owner", "due", "status", "overdue", "goal", "finding", "flag",
                  "created_by", "created_at", "closed_by", "closed_at", "note")


@cli.command(epilog=example("cxtui actions --open", "cxtui actions --mine --open",
                             "cxtui actions --dept sales --format csv > sales-actions.csv"))
@click.option("--mine", is_flag=True, help="Only the items you own.")
@click.option("--open", "only_open", is_flag=True, help="Only open items (decisions in force, actions not done).")
@click.option("--dept", "-d", callback=utf8_text, metavar="DEPT", help="Only this department (id or name).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@db_option
def actions(mine: bool, only_open: bool, dept: str | None, fmt: str) -> None:
    """List decisions and action items: what, whose, due when, open, done or dropped."""
    from cxtui.engine.meetings import is_overdue, open_items
    from cxtui.models import ActionItem

    store = open_store()
    department = department_id(store, dept)
    every = store.list(ActionItem)
    if only_open:
        every = open_items(every, kind=None)
    items = [i for i in every if (department is None or i.department == department)
             and (not mine or i.owner == store.user)]
    today = date.today()
    rows = [{
        **item.model_dump(mode="json", include=set(ACTION_COLUMNS)),
        "overdue": is_overdue(item, today),
    } for item in items]
    rows = [{c: row.get(c) for c in ACTION_COLUMNS} for row in rows]
    from cxtui.exchange.printed import print_actions

    print_rows("actions", rows, ACTION_COLUMNS, today, fmt, lambda: print_actions(rows), dated=False)


@cli.group(epilog=example('cxtui action add sales "Call the ten biggest accounts" --owner kim --due 2026-12-11',
                          'cxtui action add sales "Discounts above 20% need Finance" --decision',
                          'cxtui action done A-3 --note "all ten called"'))
def action() -> None:
    """Record a decision or an action item, and close it."""


@action.command("add")
@click.argument("dept", metavar="DEPT", callback=utf8_text)
@click.argument("text", metavar="TEXT", callback=utf8_text)
@click.option("--decision", is_flag=True, help="A decision made, not an action to take.")
@click.option("--owner", callback=utf8_text, metavar="LOGIN", help="Who does it (a login name).")
@click.option("--due", callback=utf8_text, metavar="YYYY-MM-DD", help="By when.")
@click.option("--goal", callback=utf8_text, metavar="ID", help="The goal it is about (id or title).")
@click.option("--flag", callback=utf8_text, metavar="ID", help="The flag it is about.")
@click.option("--finding", callback=utf8_text, metavar="KEY", help="The finding it is about (an id from "
              "`cxtui conflicts`).")
@db_option
def add(dept: str, text: str, decision: bool, owner: str | None, due: str | None, goal: str | None,
        flag: str | None, finding: str | None) -> None:
    """Record a decision or an action item against a department (a lead of it, or an admin)."""
    from cxtui.engine.meetings import new_item
    from cxtui.engine.resolve import resolve
    from cxtui.models import Flag, Goal, utcnow
    from cxtui.store import NEW_ID

    if not text.strip():
        raise Failure("TEXT: must not be empty; say what was decided or what is to be done")
    store = open_store()
    department = department_id(store, dept)
    goal_id = resolve("goal", goal, store.list(Goal)) if goal else None
    flag_id = resolve("flag", flag, store.list(Flag)) if flag else None
    if finding:
        _check_finding(store, finding)
    stored = store.add(new_item(department, text, store.user, utcnow(), id=NEW_ID,
                                kind="decision" if decision else "action", owner=owner,
                                due=parse_day("--due", due), goal=goal_id, finding=finding, flag=flag_id))
    whose = f" for {stored.owner}" if stored.owner else ""
    by = f" by {stored.due.isoformat()}" if stored.due else ""
    echo_saved(f"recorded {stored.kind} {stored.id}{whose}{by}: {stored.text}")


def _check_finding(store, key: str) -> None:
    from cxtui.engine.scorecard import build_scorecard

    today = date.today()
    card = build_scorecard(store.snapshot(today), as_of=today)
    if not any(f.id == key for f in (*card.findings, *card.dismissed)):
        raise Failure(f"--finding: no finding {key} is detected today; `cxtui conflicts` lists them")


def _close(record_id: str, status: str, note: str) -> None:
    from cxtui.engine.meetings import close_item
    from cxtui.models import ActionItem, utcnow

    store = open_store()
    found = store.find(ActionItem, record_id.strip().upper())
    if found is None:
        raise Failure(f"no decision or action item {record_id}; `cxtui actions` lists them")
    try:
        closed = close_item(found, status, note, store.user, utcnow())  # type: ignore[arg-type]
    except ValueError as exc:
        raise Failure(str(exc)) from None
    store.update(closed)
    echo_saved(f"{closed.kind} {closed.id} {status}: {closed.text}")


@action.command("done", epilog=example('cxtui action done A-3 --note "all ten called"'))
@click.argument("record_id", metavar="ID", callback=utf8_text)
@click.option("--note", default="", callback=utf8_text, help="How it was done.")
@db_option
def done(record_id: str, note: str) -> None:
    """Mark an item done (its department's lead, its owner, or an admin)."""
    _close(record_id, "done", note)


@action.command("drop", epilog=example('cxtui action drop A-4 --note "overtaken by the new pricing"'))
@click.argument("record_id", metavar="ID", callback=utf8_text)
@click.option("--note", default="", callback=utf8_text, help="Why it is dropped.")
@db_option
def drop(record_id: str, note: str) -> None:
    """Drop an item: it will not be done (its department's lead, its owner, or an admin)."""
    _close(record_id, "dropped", note)
