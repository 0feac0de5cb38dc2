"""Readings in, changes out: `record`, `history`, `undo`.
"""

from __future__ import annotations

import click

from cxtui.cli.common import (
    FORMATS,
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


@cli.command(
    context_settings={"ignore_unknown_options": True},  # so that a negative VALUE is not taken for an option
    epilog=example(
        "cxtui record nps 42 --dept sales",
        'cxtui record "first contact resolution" 71.5 -d service --date 2026-03-02 --confidence 8',
        "cxtui record churn -0.4 --note 'after the price change'",
    ),
)
@click.argument("metric", callback=utf8_text)
@click.argument("value", callback=utf8_text)
@click.option("--dept", "-d", metavar="DEPT", callback=utf8_text, help="Department id or name (default: company level).")
@click.option("--date", "day", metavar="YYYY-MM-DD", callback=utf8_text, help="Date of the reading (default: today).")
@click.option("--note", default="", callback=utf8_text, help="A note kept with the reading.")
@click.option("--confidence", metavar="1-10", callback=utf8_text, help="How sure you are of the value.")
@db_option
def record(metric: str, value: str, dept: str | None, day: str | None, note: str, confidence: str | None) -> None:
    """Record one reading of METRIC (id or name)."""
    from cxtui.engine.resolve import resolve
    from cxtui.models import Metric, number_text

    store = open_store()
    metrics = store.list(Metric)
    metric_id = resolve("metric", metric, metrics)
    department = department_id(store, dept)
    reading = store.record(
        metric_id, value, department=department, date=parse_day("--date", day), confidence=confidence, note=note
    )
    unit = next((m.unit for m in metrics if m.id == metric_id), "")
    echo_saved(
        f"recorded {metric_id} = {number_text(reading.value)}{' ' + unit if unit else ''} for "
        f"{reading.department or 'the company'} on {reading.date.isoformat()} ({reading.id})"
    )


@cli.command(epilog=example("cxtui history", "cxtui history --dept sales --user kim",
                             "cxtui history --format json --limit 50 > changes.json"))
@click.option("--dept", "-d", callback=utf8_text, metavar="DEPT", help="Only changes touching this department (id or name).")
@click.option("--user", "-u", callback=utf8_text, metavar="LOGIN", help="Only changes made by this login.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="The newest this many changes.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@db_option
def history(dept: str | None, user: str | None, limit: int, fmt: str) -> None:
    """List changes, newest first, with their ids (for cxtui undo) and each field's old → new value."""
    from cxtui.engine.changes import describe as describe_change
    from cxtui.engine.changes import touches

    store = open_store()
    department = department_id(store, dept)
    # Read from the trail's end a page at a time, and stop once `limit` entries match: the cost
    # follows what is shown, not the length of the trail.
    entries: list = []
    older: str | None = None
    while len(entries) < limit:
        page, older = store.audit_page(max(limit, 200), older_than=older, user=user, resolve=False)
        entries += [e for e in page if department is None or touches(e, department)]
        if older is None:
            break
    entries = entries[:limit]
    rows = [{
        "change": e.id, "tx": e.tx, "at": e.at.isoformat(), "by": e.by, "real_user": e.real_user,
        "action": e.action, "entity": e.entity, "entity_id": e.entity_id, "what": describe_change(e),
        "reverts": e.reverts, "before": e.before, "after": e.after,
    } for e in entries]

    def table() -> None:
        from cxtui.runtime.describe import one_line

        if not rows:
            click.echo("No changes.")
        for e, row in zip(entries, rows, strict=True):
            who = f"{e.real_user} as {e.by}" if e.real_user else e.by
            click.echo(one_line(f"{e.at.strftime('%Y-%m-%d %H:%M')}  {who}  {row['what']}  [{e.tx}]"))

    print_rows("changes", rows, HISTORY_COLUMNS, None, fmt, table, dated=False)


HISTORY_COLUMNS = ("change", "tx", "at", "by", "real_user", "action", "entity", "entity_id", "what", "reverts")


@cli.command(epilog=example("cxtui undo", "cxtui history --user kim && cxtui undo 20261203T074012345678-123-a1b2c3"))
@click.argument("change", required=False, callback=utf8_text)
@db_option
def undo(change: str | None) -> None:
    """Undo a change: CHANGE is a change or transaction id from `cxtui history`; without it, your
    own last change. Refused, naming who and when, when a record has changed since."""
    from cxtui.engine.changes import describe as describe_change

    store = open_store()
    undone = store.revert(change)
    lines = [f"undid change {undone[0].tx}:"] + [f"  {describe_change(e)}" for e in undone]
    echo_saved("\n".join(lines))
