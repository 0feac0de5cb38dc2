"""Silo conflicts and what leads do about them: `conflicts`, `flag`, `dismiss`, `undismiss`,
`dismissals`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

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
from cxtui.cli.exchange import write_export
from cxtui.cli.group import cli


@cli.command(
    epilog=example("cxtui conflicts", "cxtui conflicts --dept sales --format csv > sales-conflicts.csv")
)
@click.option("--dept", "-d", callback=utf8_text, metavar="DEPT", help="Only conflicts involving this department (id or name).")
@click.option("--as-of", callback=utf8_text, metavar="YYYY-MM-DD", help="Detect as of this date (default: today).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@db_option
def conflicts(dept: str | None, as_of: str | None, fmt: str) -> None:
    """List silo conflicts: detected findings (not dismissed) and unresolved flags."""
    store = open_store()
    department = department_id(store, dept)
    day = parse_day("--as-of", as_of)
    if fmt == "csv":
        write_export(store, "conflicts", "-", department, day, excel=False)
        return
    from cxtui.exchange.exporting import conflicts as find_conflicts

    findings, flags = find_conflicts(store, dept=department, as_of=day)
    if fmt == "json":
        import orjson

        payload: dict[str, Any] = {
            "as_of": (day or date.today()).isoformat(),
            "findings": [f.model_dump(mode="json") for f in findings],
            "flags": [f.model_dump(mode="json") for f in flags],
        }
        click.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
    else:
        from cxtui.exchange.printed import print_conflicts

        print_conflicts(findings, flags)


@cli.command(
    epilog=example(
        'cxtui flag sales finance --note "Sales discounts eat the margin Finance is paid for" --goal G-3 --goal G-7',
    )
)
@click.argument("first", metavar="DEPT", callback=utf8_text)
@click.argument("second", metavar="DEPT", callback=utf8_text)
@click.option("--note", required=True, callback=utf8_text, help="What pulls against what, in your words.")
@click.option("--title", callback=utf8_text, help="A short title (default: the departments and the note's first line).")
@click.option("--goal", "goals", multiple=True, metavar="ID", callback=utf8_text, help="A goal involved (repeatable).")
@click.option("--incentive", "incentives", multiple=True, metavar="ID", callback=utf8_text,
              help="An incentive involved (repeatable).")
@click.option("--owner", callback=utf8_text, metavar="LOGIN", help="Who follows the flag up (a login name).")
@click.option("--due", callback=utf8_text, metavar="YYYY-MM-DD", help="By when it should be settled.")
@db_option
def flag(first: str, second: str, note: str, title: str | None, goals: tuple[str, ...],
         incentives: tuple[str, ...], owner: str | None, due: str | None) -> None:
    """Raise a silo conflict between two departments (ids or names) by hand."""
    from cxtui.engine.flags import raise_flag
    from cxtui.engine.resolve import resolve
    from cxtui.models import Department, Goal, Incentive, utcnow
    from cxtui.store import NEW_ID

    if not note.strip():
        raise Failure("--note: must not be empty; say what pulls against what")
    store = open_store()
    departments = store.list(Department)
    ids = [resolve("department", text, departments) for text in (first, second)]
    if ids[0] == ids[1]:
        raise Failure(f"a flag needs two different departments (both are {ids[0]})")
    goal_ids = [resolve("goal", text, store.list(Goal)) for text in goals]
    incentive_ids = [resolve("incentive", text, store.list(Incentive)) for text in incentives]
    if title is None:
        names = {d.id: d.name for d in departments}
        first_line = note.strip().splitlines()[0]
        title = f"{names[ids[0]]} vs {names[ids[1]]}: {first_line}"[:160]
    day = parse_day("--due", due)
    raised = raise_flag(ids, title, note, store.user, utcnow(), goals=goal_ids, incentives=incentive_ids, id=NEW_ID)
    if owner or day:
        raised = raised.model_validate({**raised.model_dump(), "owner": owner or None, "due": day})
    stored = store.add(raised)
    whose = f" (owner {stored.owner}{', due ' + stored.due.isoformat() if stored.due else ''})" if stored.owner else (
        f" (due {stored.due.isoformat()})" if stored.due else "")
    echo_saved(f"raised flag {stored.id}{whose}: {stored.title}")


def _findings_as_of(store, as_of: str | None):
    """(the day, the scorecard then): its findings, and those dismissals hide."""
    from cxtui.engine.scorecard import build_scorecard

    day = parse_day("--as-of", as_of) or date.today()
    return day, build_scorecard(store.snapshot(day), as_of=day)


@cli.command(epilog=example('cxtui dismiss silo_goal:G-4 --reason "Product owns this metric on purpose"'))
@click.argument("finding_id", metavar="FINDING", callback=utf8_text)
@click.option("--reason", required=True, callback=utf8_text, help="Why it is not a conflict, for the other leads.")
@click.option("--as-of", callback=utf8_text, metavar="YYYY-MM-DD", help="Detect as of this date (default: today).")
@db_option
def dismiss(finding_id: str, reason: str, as_of: str | None) -> None:
    """Dismiss a detected finding (an id from `cxtui conflicts`) until what it names changes.

    Only a lead of a department the finding involves, or an admin, may dismiss it."""
    from cxtui.engine.flags import dismiss as dismissal_of
    from cxtui.models import utcnow

    if not reason.strip():
        raise Failure("--reason: must not be empty; say why it is not a conflict")
    store = open_store()
    day, card = _findings_as_of(store, as_of)
    hidden = next((f for f in card.dismissed if f.id == finding_id), None)
    if hidden is not None:
        raise Failure(f"finding {finding_id} is dismissed already; `cxtui dismissals` says by whom and why")
    finding = next((f for f in card.findings if f.id == finding_id), None)
    if finding is None:
        raise Failure(f"no finding {finding_id} is detected as of {day}; `cxtui conflicts` lists them")
    store.add(dismissal_of(finding, reason.strip(), store.user, utcnow()))
    echo_saved(f"dismissed {finding_id}: {finding.title} (it comes back when what it names changes)")


@cli.command(epilog=example("cxtui undismiss silo_goal:G-4"))
@click.argument("finding_id", metavar="FINDING", callback=utf8_text)
@db_option
def undismiss(finding_id: str) -> None:
    """Take back the dismissal of a finding, so that it shows again.

    Allowed to whoever dismissed it, a lead of a department it involves, and admins."""
    from cxtui.models import Dismissal

    store = open_store()
    found = [d for d in store.list(Dismissal) if d.finding == finding_id]
    if not found:
        raise Failure(f"finding {finding_id} is not dismissed; `cxtui dismissals --all` lists dismissals")
    for dismissal in found:
        store.delete(Dismissal, dismissal.id, version=dismissal.version)
    echo_saved(f"took back the dismissal of {finding_id}; it shows again while it is detected")


@cli.command(epilog=example("cxtui dismissals", "cxtui dismissals --all --format csv > dismissals.csv"))
@click.option("--all", "every", is_flag=True, help="Also dismissals that no longer apply (what they hid changed).")
@click.option("--as-of", callback=utf8_text, metavar="YYYY-MM-DD", help="Which apply as of this date (default: today).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@db_option
def dismissals(every: bool, as_of: str | None, fmt: str) -> None:
    """List dismissed findings: the finding, why, who and when, and whether it still applies."""
    from cxtui.engine.flags import dismissal_lines

    store = open_store()
    day, card = _findings_as_of(store, as_of)
    lines = [line for line in dismissal_lines(store.snapshot(day).dismissals, card.dismissed)
             if every or line.in_effect]
    rows = [{
        "finding": line.dismissal.finding,
        "title": line.finding.title if line.finding else None,
        "departments": line.dismissal.departments or (line.finding.departments if line.finding else []),
        "reason": line.dismissal.reason,
        "by": line.dismissal.by,
        "at": line.dismissal.at.isoformat(),
        "in_effect": line.in_effect,
    } for line in lines]
    from cxtui.exchange.printed import print_dismissals

    print_rows("dismissals", rows, DISMISSAL_COLUMNS, day, fmt, lambda: print_dismissals(rows))


DISMISSAL_COLUMNS = ("finding", "title", "departments", "reason", "by", "at", "in_effect")
