"""Where things stand: `scorecard`, `links`, `initiatives`, `due`, `review`.
"""

from __future__ import annotations

from datetime import date

import click

from cxtui.cli.common import (
    FORMATS,
    Failure,
    db_option,
    department_id,
    example,
    open_store,
    parse_day,
    print_rows,
    utf8_text,
)
from cxtui.cli.exchange import write_export
from cxtui.cli.group import cli


@cli.command(
    epilog=example(
        "cxtui scorecard",
        "cxtui scorecard --dept sales --as-of 2026-03-01",
        "cxtui scorecard --format json | jq '.company_index'",
    )
)
@click.option("--dept", "-d", callback=utf8_text, metavar="DEPT", help="Only this department (id or name).")
@click.option("--as-of", callback=utf8_text, metavar="YYYY-MM-DD", help="The scorecard as it stood on this date (default: today).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@db_option
def scorecard(dept: str | None, as_of: str | None, fmt: str) -> None:
    """Show the shared scorecard: every goal's standing and each department's alignment."""
    store = open_store()
    department = department_id(store, dept)
    day = parse_day("--as-of", as_of)
    if fmt == "csv":
        write_export(store, "scorecard", "-", department, day, excel=False)
        return
    from cxtui.engine.scorecard import build_scorecard, for_department

    day = day or date.today()
    snapshot = store.snapshot(day)
    card = build_scorecard(snapshot, as_of=day)
    card = for_department(card, department)
    if fmt == "json":
        click.echo(card.model_dump_json(indent=2))
    else:
        from cxtui.exchange.printed import print_scorecard

        print_scorecard(card, {m.id: m.name for m in snapshot.metrics})


@cli.command(epilog=example("cxtui links", "cxtui links --dept service --as-of 2026-06-30",
                             "cxtui links --format json | jq '.links[] | select(.verdict == \"contradicted\")'"))
@click.option("--dept", "-d", callback=utf8_text, metavar="DEPT", help="Only this department's pairs (id or name).")
@click.option("--as-of", callback=utf8_text, metavar="YYYY-MM-DD", help="From the readings up to this date (default: all).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@db_option
def links(dept: str | None, as_of: str | None, fmt: str) -> None:
    """Measure each declared link of the driver chain, then each tension, in each pair of series it touches.

    The period-to-period changes of driver and outcome are rank-correlated (docs/evidence.md):
    supported, contradicted, no_evidence or not_enough_data, with n, rho and p. A tension counts as a
    negative link: supported when the data bears it out. Evidence, not cause."""
    from cxtui.engine.chain import LINK_COLUMNS, chain_metrics, link_rows, series_of, tension_rows
    from cxtui.models import Link, Metric, Tension

    store = open_store()
    department = department_id(store, dept)
    day = parse_day("--as-of", as_of)
    declared, tensions, metrics = store.list(Link), store.list(Tension), store.list(Metric)
    series = series_of(store.readings(end=day), day, chain_metrics(declared, tensions=tensions))
    measured = link_rows(declared, metrics, series, department) + tension_rows(tensions, metrics, series, department)
    rows = [r.model_dump(mode="json") for r in measured]
    from cxtui.exchange.printed import print_evidence

    print_rows("links", rows, LINK_COLUMNS, day, fmt, lambda: print_evidence("links", rows))


@cli.command(epilog=example("cxtui initiatives", "cxtui initiatives --as-of 2026-06-30 --format csv > impact.csv"))
@click.option("--as-of", callback=utf8_text, metavar="YYYY-MM-DD", help="From the readings up to this date (default: all).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@db_option
def initiatives(as_of: str | None, fmt: str) -> None:
    """What each initiative changed in each metric it should move: the periods after its start
    against the trend of those before (docs/evidence.md): improved, worsened, no_change, too_early."""
    from cxtui.engine.chain import IMPACT_COLUMNS, chain_metrics, impact_rows, series_of
    from cxtui.models import Initiative, Metric

    store = open_store()
    day = parse_day("--as-of", as_of)
    declared = store.list(Initiative)
    series = series_of(store.readings(end=day), day, chain_metrics((), declared))
    rows = [r.model_dump(mode="json") for r in impact_rows(declared, store.list(Metric), series)]
    from cxtui.exchange.printed import print_evidence

    print_rows("initiatives", rows, IMPACT_COLUMNS, day, fmt, lambda: print_evidence("initiatives", rows))


@cli.command(epilog=example("cxtui due", "cxtui due --mine --brief", "cxtui due --check || echo 'readings overdue'"))
@click.option("--dept", "-d", callback=utf8_text, metavar="DEPT", help="Only this department (id or name).")
@click.option("--mine", is_flag=True, help="Only the departments you lead.")
@click.option("--as-of", callback=utf8_text, metavar="YYYY-MM-DD", help="Due as of this date (default: today).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--brief", is_flag=True, help="One line per department with readings due, nothing when none: "
              "for a login message.")
@click.option("--check", is_flag=True, help="Exit 1 when any reading is overdue (for cron).")
@db_option
def due(dept: str | None, mine: bool, as_of: str | None, fmt: str, brief: bool, check: bool) -> None:
    """List the readings due this period, per department and lead: metric, last reading, due date.

    A reading is due when the metric has none yet this week, month or quarter (its cadence), and
    overdue when the period before went without one too."""
    from cxtui.engine.scorecard import due as due_items
    from cxtui.models import Department

    store = open_store()
    department = department_id(store, dept)
    day = parse_day("--as-of", as_of) or date.today()
    snapshot = store.snapshot(day)
    scope = [d.id for d in store.list(Department)
             if (department is None or d.id == department) and (not mine or store.user in d.leads)]
    items = [i for d in scope for i in due_items(snapshot, day, d)]
    if brief:
        for department_id_ in scope:
            mine_now = [i for i in items if i.department.id == department_id_]
            if mine_now:
                names = ", ".join(i.metric.name for i in mine_now)
                late = sum(i.overdue for i in mine_now)
                extra = f" ({late} overdue)" if late else ""
                count = f"{len(mine_now)} reading{'s' if len(mine_now) != 1 else ''}"
                click.echo(f"{count} due for {mine_now[0].department.name}{extra}: {names} — run cxtui to check in")
    else:
        rows = [{
            "department": i.department.id, "department_name": i.department.name, "leads": i.department.leads,
            "metric": i.metric.id, "metric_name": i.metric.name, "cadence": i.metric.cadence,
            "last_value": i.last.value if i.last else None,
            "last_date": i.last.date.isoformat() if i.last else None,
            "due_by": i.due_by.isoformat(), "status": "overdue" if i.overdue else "due",
        } for i in items]
        from cxtui.exchange.printed import print_due

        print_rows("due", rows, DUE_COLUMNS, day, fmt, lambda: print_due(items, day))
    if check and any(i.overdue for i in items):
        click.get_current_context().exit(1)


DUE_COLUMNS = ("department", "department_name", "leads", "metric", "metric_name", "cadence", "last_value",
               "last_date", "due_by", "status")


@cli.command(epilog=example("cxtui review", "cxtui review --as-of 2026-12-31 --dept sales",
                             "cxtui review --since 2026-10-01 --as-of 2026-12-31 --format csv > q4-review.csv"))
@click.option("--as-of", callback=utf8_text, metavar="YYYY-MM-DD", help="The period's last day (default: today).")
@click.option("--since", callback=utf8_text, metavar="YYYY-MM-DD",
              help="The period's first day (default: the first day of --as-of's quarter).")
@click.option("--dept", "-d", callback=utf8_text, metavar="DEPT", help="Only this department (id or name).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@db_option
def review(as_of: str | None, since: str | None, dept: str | None, fmt: str) -> None:
    """What changed over a period, per department: goals achieved or missed, status moves, findings
    raised and cleared, flags raised and resolved, decisions made and action items opened and
    closed. The material for the quarterly review.

    Statuses are compared between the day before --since and --as-of, with the goals and flags as
    they stand today."""
    from datetime import timedelta

    from cxtui.engine.review import COLUMNS, quarter_start
    from cxtui.engine.review import review as review_lines
    from cxtui.engine.scorecard import build_scorecard

    store = open_store()
    department = department_id(store, dept)
    day = parse_day("--as-of", as_of) or date.today()
    first = parse_day("--since", since) or quarter_start(day)
    if first > day:
        raise Failure(f"--since {first.isoformat()} is after --as-of {day.isoformat()}")
    before_day = first - timedelta(days=1)
    now = store.snapshot(day)
    lines = review_lines(build_scorecard(store.snapshot(before_day), before_day), build_scorecard(now, day), now.flags,
                         now.actions)
    lines = [x for x in lines if department is None or x.department == department]
    from cxtui.exchange.printed import print_review

    print_rows("review", [x.model_dump(mode="json") for x in lines], COLUMNS, day, fmt,
                lambda: print_review(lines, first, day))
