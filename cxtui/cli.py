"""The command line. `cxtui` alone opens the TUI; the other commands are headless and scriptable.

Heavy or unrelated modules (Textual, rich, the engine) are imported inside the commands that need
them, so `cxtui record` starts fast and never loads Textual. Every failure ends in one `error:` line
on stderr and exit status 1 (2 for usage errors); `CxGroup.main` is the one place that happens.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, NoReturn

import click

from cxtui import __version__

# CPython's default is 700: see tune_collector.
YOUNG_COLLECTION_THRESHOLD = 50_000

DB_HELP = "The store file (default: $CXTUI_DB, else store.json in your user data directory)."
FORMATS = ("table", "csv", "json")


class Failure(click.ClickException):
    """The command could not do its work; the message is one line."""


class CxGroup(click.Group):
    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra) -> NoReturn:
        try:
            result = super().main(args, prog_name or "cxtui", complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "cxtui"
            _exit(2, f"{exc.format_message()} (see '{where} --help')")
        except click.ClickException as exc:
            _exit(exc.exit_code, exc.format_message())
        except click.Abort:
            _exit(1, "interrupted")
        except BrokenPipeError:
            # The reader went away (`cxtui export readings | head`): stop quietly.
            _silence_stdout()
            sys.exit(1)
        except Exception as exc:
            if os.environ.get("CXTUI_DEBUG"):
                raise
            from cxtui.runtime.describe import describe

            _exit(1, describe(exc))
        sys.exit(result if isinstance(result, int) else 0)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python does not complain again when it flushes at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def echo_saved(message: str) -> None:
    """Print what a command that changed the store did. A reader that went away (`cxtui import ... |
    true`) loses only the message: exiting 1 would tell a retrying script the change did not happen."""
    try:
        click.echo(message)
    except BrokenPipeError:
        _silence_stdout()


def _exit(code: int, message: str) -> NoReturn:
    from cxtui.runtime.describe import one_line

    click.echo(f"error: {one_line(message)}", err=True)
    sys.exit(code)


# --- shared options and helpers -------------------------------------------------------------------


def _remember_db(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(dict)["db"] = value


def db_option(command):
    """`--db` after the command name too (`cxtui record nps 40 --db team.json`)."""
    return click.option("--db", metavar="PATH", expose_value=False, callback=_remember_db, help=DB_HELP)(command)


def store_path():
    from cxtui.store import default_store_path

    ctx = click.get_current_context()
    return default_store_path((ctx.obj or {}).get("db"))


def _user() -> str:
    """The login name to record: the real uid's. $CXTUI_USER names another only for root (a service
    account acting for a lead, recorded as "root as omar"); anyone else naming another is refused."""
    from cxtui.store import acting_identity

    return acting_identity(os.environ.get("CXTUI_USER") or None, named_by="CXTUI_USER").user


def open_store():
    """The store the options and environment name; $CXTUI_LOCK_TIMEOUT shortens the lock wait (tests)."""
    from cxtui.store import Store

    options: dict[str, Any] = {"user": _user()}
    text = os.environ.get("CXTUI_LOCK_TIMEOUT")
    if text:
        try:
            options["lock_timeout"] = max(0.0, float(text))
        except ValueError:
            raise Failure(f"CXTUI_LOCK_TIMEOUT must be a number of seconds (got {text!r})") from None
    return Store(store_path(), **options)


def utf8_text(_ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Refuse an argument that is not UTF-8 text. Python hands such bytes over as lone surrogates,
    which no store file, CSV or terminal can take, so they would fail later and less clearly."""
    for text in value if isinstance(value, tuple) else (value,):
        if isinstance(text, str):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                name = param.opts[0] if isinstance(param, click.Option) else param.human_readable_name
                raise Failure(f"{name}: not valid UTF-8 text") from None
    return value


def parse_day(option: str, text: str | None) -> date | None:
    if text is None:
        return None
    from pydantic import TypeAdapter, ValidationError

    from cxtui.models import Day

    try:
        return TypeAdapter(Day).validate_python(text)
    except ValidationError as exc:
        raise Failure(f"{option}: {exc.errors()[0]['msg']}") from None


def department_id(store, text: str | None) -> str | None:
    if text is None:
        return None
    from cxtui.models import Department
    from cxtui.engine.resolve import resolve

    return resolve("department", text, store.list(Department))


def _example(*lines: str) -> str:
    # \b keeps click from re-wrapping the example lines.
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def _has_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _launch_tui(path, user: str) -> None:
    # Without a terminal (cron, a pipe) the TUI would wait forever for keys nobody can type.
    if not _has_terminal():
        raise Failure("the TUI needs a terminal; for scripts use a command such as 'cxtui scorecard' (see 'cxtui --help')")
    app = tui_app(path, user)
    problem = app.run()
    # The TUI showed its failure on screen; once it has closed, say it again and exit 1.
    if app.return_code:
        raise Failure(problem or "the TUI stopped on an unexpected error")


def tui_app(path, user: str | None):
    """The TUI over the store at `path`, set up as `cxtui` runs it (the benchmark starts it so too);
    `user` None acts as oneself.

    The collector is paused while the TUI starts: that builds a great many long-lived objects
    (Textual's classes, the screens, the scorecard) and next to no garbage. Once the first
    scorecard is on screen, what start-up built is frozen, so later collections skip it, and the
    collector runs again.
    """
    gc.disable()
    try:
        from cxtui.tui.app import create_app
    except ImportError as exc:
        gc.enable()
        if exc.name and exc.name.startswith("cxtui.tui"):
            raise Failure("the TUI is not built yet") from None
        raise
    return create_app(path, user=user, on_started=_resume_collector)


def _resume_collector() -> None:
    gc.freeze()
    gc.enable()


# --- commands -------------------------------------------------------------------------------------


@click.group(
    cls=CxGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=_example(
        "cxtui                      # open the scorecard in the terminal UI",
        "cxtui demo                 # try it on a sample company",
        "cxtui record nps 42 --dept sales",
        "cxtui scorecard --as-of 2026-03-01",
    ),
)
@click.option("--db", metavar="PATH", help=DB_HELP)
@click.version_option(__version__, prog_name="cxtui")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """A shared customer-alignment scorecard for department leads.

    Without a command, opens the scorecard in the terminal UI.
    """
    ctx.ensure_object(dict)["db"] = db
    if ctx.invoked_subcommand is None:
        store = open_store()
        if not store.exists():
            from cxtui.store import StoreMissing

            raise StoreMissing(store.path)
        _launch_tui(store.path, _user())


@cli.command(epilog=_example("cxtui demo", "cxtui demo --no-tui --db /tmp/demo.json && cxtui scorecard --db /tmp/demo.json",
                             "cxtui demo --reset"))
@click.option("--no-tui", is_flag=True, help="Only create the demo store; do not open the TUI.")
@click.option("--reset", is_flag=True, help="Delete the demo store with every change made to it and create it "
              "afresh (asks first).")
@click.option("--yes", is_flag=True, help="With --reset: do not ask.")
@db_option
def demo(no_tui: bool, reset: bool, yes: bool) -> None:
    """Create a store holding a sample company (if absent), then open it.

    The demo store is reopened however it was changed; an empty store is filled; any other store
    is refused, so a team's data is never mixed with the sample.
    """
    from cxtui.demo.demo_store import NotADemoStore, is_demo, reset_demo, seed_demo

    store = open_store()
    if reset:
        if store.exists() and not is_demo(store):
            raise NotADemoStore(f"{store.path} is not a demo store; --reset deletes only the demo, and it was left alone")
        if store.exists() and not yes and not click.confirm(
                f"Delete the demo store at {store.path}, with every change made to it, and create it afresh?",
                err=True):
            raise Failure("nothing was deleted")
        reset_demo(store)
        created = True
    else:
        created = seed_demo(store)
    echo_saved(f"{'created the demo store at' if created else 'using the demo store at'} {store.path}")
    if not no_tui:
        _launch_tui(store.path, _user())


@cli.command(epilog=_example("cxtui init", "cxtui init --db /srv/cx/store.json --group cx-leads",
                             "cxtui init --empty --db /tmp/blank.json"))
@click.option("--group", metavar="NAME", help="Unix group that shares the store (directory and files group-writable).")
@click.option("--empty", is_flag=True, help="Start without the standard customer metrics.")
@db_option
def init(group: str | None, empty: bool) -> None:
    """Create a store holding the standard customer metrics (NPS, CSAT, CES, retention, CLV).

    You become its first admin."""
    from cxtui.engine.starter_metrics import standard_metrics
    from cxtui.store import Store, sharing

    if group is not None:
        import grp

        try:
            grp.getgrnam(group)
        except KeyError:
            raise Failure(f"--group: no Unix group named {group!r}") from None
    store = Store.init(store_path(), user=_user(), group=group)
    shared = f" shared with group {group}" if group else ""
    if empty:
        echo_saved(f"created an empty store at {store.path}{shared}")
    else:
        metrics = store.add_many(standard_metrics())
        echo_saved(f"created a store at {store.path}{shared} with the standard customer metrics: "
                   f"{', '.join(m.id for m in metrics)} (see them with 'cxtui export metrics')")
    if group:
        echo_saved(f"members of {group} can read and write it whatever their umask; its files now are:")
        for line in sharing.describe(store.layout):
            echo_saved(f"  {line}")


@cli.command(
    context_settings={"ignore_unknown_options": True},  # so that a negative VALUE is not taken for an option
    epilog=_example(
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
    from cxtui.models import Metric, number_text
    from cxtui.engine.resolve import resolve

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


@cli.command(
    epilog=_example(
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
        _write_export(store, "scorecard", "-", department, day, excel=False)
        return
    from cxtui.engine.scorecard import build_scorecard

    day = day or date.today()
    snapshot = store.snapshot(day)
    card = build_scorecard(snapshot, as_of=day)
    if department:
        card = card.model_copy(
            update={
                "goals": [g for g in card.goals if g.goal.department == department],
                "departments": [d for d in card.departments if d.department.id == department],
                "findings": [f for f in card.findings if department in f.departments],
            }
        )
    if fmt == "json":
        click.echo(card.model_dump_json(indent=2))
    else:
        from cxtui.exchange.printed import print_scorecard

        print_scorecard(card, {m.id: m.name for m in snapshot.metrics})


@cli.command(
    name="export",
    epilog=_example(
        "cxtui export scorecard scorecard.csv --excel",
        "cxtui export readings --dept sales --as-of 2026-03-31 > sales-q1.csv",
        "cxtui export goals - | less",
    ),
)
@click.argument("what", type=click.Choice(("scorecard", "readings", "goals", "incentives", "objectives",
                                           "departments", "metrics", "tensions", "conflicts", "audit", "links",
                                           "initiatives")))
@click.argument("out", default="-", metavar="[OUT]")
@click.option("--dept", "-d", callback=utf8_text, metavar="DEPT", help="Only this department (id or name).")
@click.option("--as-of", callback=utf8_text, metavar="YYYY-MM-DD", help="As it stood on this date (scorecard, conflicts); up to it (readings, audit).")
@click.option("--excel", is_flag=True, help="Start the file with a byte-order mark so Excel reads it as UTF-8.")
@db_option
def export_command(what: str, out: str, dept: str | None, as_of: str | None, excel: bool) -> None:
    """Write WHAT as CSV to OUT (a file, written atomically; '-' or nothing for stdout)."""
    from cxtui.exchange.exporting import AS_OF, BY_DEPARTMENT

    if dept is not None and what not in BY_DEPARTMENT:
        raise click.UsageError(f"--dept does not apply to {what}")
    if as_of is not None and what not in AS_OF:
        raise click.UsageError(f"--as-of does not apply to {what}")
    store = open_store()
    count = _write_export(store, what, out, department_id(store, dept), parse_day("--as-of", as_of), excel=excel)
    if out != "-":
        click.echo(f"wrote {count} rows of {what} to {out}", err=True)


def _write_export(store, what: str, out: str, dept: str | None, as_of: date | None, *, excel: bool) -> int:
    from cxtui.exchange import csv_files
    from cxtui.exchange.exporting import export_rows

    header, rows = export_rows(store, what, dept=dept, as_of=as_of)
    counted = _Counter(rows)
    chunks = csv_files.render(header, counted, excel=excel)
    if out == "-":
        sys.stdout.flush()
        csv_files.write_stream(chunks, sys.stdout.buffer)
    else:
        csv_files.write_file(chunks, out)
    return counted.count


class _Counter:
    def __init__(self, items) -> None:
        self.items = items
        self.count = 0

    def __iter__(self):
        for item in self.items:
            self.count += 1
            yield item


@cli.command(
    name="import",
    epilog=_example(
        "cxtui import readings q1.csv --dry-run",
        "cxtui import readings q1.csv",
        "cxtui export goals | cxtui import goals - --db other.json",
        "",
        "Columns of each file: docs/cli.md. Readings: metric,department,date,value,confidence,note",
    ),
)
@click.argument("what", type=click.Choice(("readings", "departments", "metrics", "objectives", "goals",
                                           "incentives", "tensions", "links", "initiatives")))
@click.argument("file", metavar="FILE")
@click.option("--dry-run", is_flag=True, help="Check every row and report what would be added; write nothing.")
@db_option
def import_command(what: str, file: str, dry_run: bool) -> None:
    """Add the rows of a CSV FILE ('-' for stdin) to the store: all rows, or none if any is wrong."""
    from cxtui.exchange.importing import apply, plan_import

    store = open_store()
    name = "stdin" if file == "-" else file
    with _open_input(file) as stream:
        with _progress(stream, file) as tick:
            plan = plan_import(store, what, stream, name, on_progress=tick)
    with contextlib.closing(plan.records):
        if plan.problems:
            _report_problems(plan, name)
        if dry_run:
            click.echo(f"would import {_summary(plan)} from {name} (dry run: nothing was written)")
            for line in _dry_run_lines(plan):
                click.echo(f"  {line}")
            return
        apply(store, plan)
    echo_saved(f"imported {_summary(plan)} from {name}")


def _open_input(file: str):
    if file == "-":
        return contextlib.nullcontext(sys.stdin.buffer)
    return open(file, "rb")


def _progress(stream, file: str):
    """A progress bar on stderr for big files on a terminal; otherwise nothing at all."""
    size = 0 if file == "-" else os.fstat(stream.fileno()).st_size
    if size < 2_000_000 or not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    return _rich_progress(stream, size)


@contextlib.contextmanager
def _rich_progress(stream, size: int):
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    with Progress(TextColumn("checking"), BarColumn(), DownloadColumn(), console=Console(stderr=True),
                  transient=True) as progress:
        task = progress.add_task("check", total=size)
        yield lambda: progress.update(task, completed=stream.tell())


def _summary(plan) -> str:
    n = len(plan.records)
    noun = plan.table if n != 1 else plan.table.removesuffix("s")
    return f"{n} {noun}"


def _dry_run_lines(plan) -> list[str]:
    if plan.table == "readings":
        per_metric: dict[str, int] = {}
        for r in plan.records:
            per_metric[r.metric] = per_metric.get(r.metric, 0) + 1
        return [f"{metric}: {count} reading(s)" for metric, count in sorted(per_metric.items())]
    from cxtui.store import NEW_ID

    lines = []
    for r in plan.records:
        label = getattr(r, "name", None) or getattr(r, "title", None) or getattr(r, "why", "")
        lines.append(f"+ {'(new id)' if r.id == NEW_ID else r.id}  {label}".rstrip())
    return lines


SHOWN_PROBLEMS = 20


def _report_problems(plan, name: str) -> NoReturn:
    shown = plan.problems[:SHOWN_PROBLEMS]
    if len(plan.problems) == 1 and not plan.stopped_early:
        p = shown[0]
        _exit(1, f"{name}:{p.line}: {p.message}; nothing was imported")
    for p in shown:
        click.echo(f"error: {name}:{p.line}: {' '.join(p.message.split())}", err=True)
    more = len(plan.problems) - len(shown)
    total = f"{len(plan.problems)}{'+' if plan.stopped_early else ''}"
    tail = f" ({more}{'+' if plan.stopped_early else ''} more not shown)" if more else ""
    _exit(1, f"{total} problems in {name}{tail}; nothing was imported")


@cli.command(
    epilog=_example("cxtui conflicts", "cxtui conflicts --dept sales --format csv > sales-conflicts.csv")
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
        _write_export(store, "conflicts", "-", department, day, excel=False)
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


@cli.command(epilog=_example("cxtui links", "cxtui links --dept service --as-of 2026-06-30",
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

    _print_rows("links", rows, LINK_COLUMNS, day, fmt, lambda: print_evidence("links", rows))


@cli.command(epilog=_example("cxtui initiatives", "cxtui initiatives --as-of 2026-06-30 --format csv > impact.csv"))
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

    _print_rows("initiatives", rows, IMPACT_COLUMNS, day, fmt, lambda: print_evidence("initiatives", rows))


def _print_rows(what: str, rows: list[dict[str, Any]], columns: Sequence[str], day: date | None, fmt: str,
                table: Callable[[], None], *, dated: bool = True) -> None:
    """Rows of a listing command in `fmt`: JSON ({"as_of": day, what: rows}, no as_of unless
    `dated`), CSV of `columns` (formula-guarded, to stdout), or `table()` for the terminal."""
    if fmt == "json":
        import orjson

        payload = ({"as_of": day.isoformat() if day else None} if dated else {}) | {what: rows}
        click.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
    elif fmt == "csv":
        from cxtui.exchange import csv_files

        sys.stdout.flush()
        csv_files.write_stream(csv_files.render(list(columns), ([r[c] for c in columns] for r in rows), excel=False),
                             sys.stdout.buffer)
    else:
        table()


@cli.command(
    epilog=_example(
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
@db_option
def flag(first: str, second: str, note: str, title: str | None, goals: tuple[str, ...],
         incentives: tuple[str, ...]) -> None:
    """Raise a silo conflict between two departments (ids or names) by hand."""
    from cxtui.engine.flags import raise_flag
    from cxtui.models import Department, Goal, Incentive, utcnow
    from cxtui.engine.resolve import resolve
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
    stored = store.add(
        raise_flag(ids, title, note, store.user, utcnow(), goals=goal_ids, incentives=incentive_ids, id=NEW_ID)
    )
    echo_saved(f"raised flag {stored.id}: {stored.title}")


def _findings_as_of(store, as_of: str | None):
    """(the day, the scorecard then): its findings, and those dismissals hide."""
    from cxtui.engine.scorecard import build_scorecard

    day = parse_day("--as-of", as_of) or date.today()
    return day, build_scorecard(store.snapshot(day), as_of=day)


@cli.command(epilog=_example('cxtui dismiss silo_goal:G-4 --reason "Product owns this metric on purpose"'))
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


@cli.command(epilog=_example("cxtui undismiss silo_goal:G-4"))
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


@cli.command(epilog=_example("cxtui dismissals", "cxtui dismissals --all --format csv > dismissals.csv"))
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

    _print_rows("dismissals", rows, DISMISSAL_COLUMNS, day, fmt, lambda: print_dismissals(rows))


DISMISSAL_COLUMNS = ("finding", "title", "departments", "reason", "by", "at", "in_effect")


@cli.command(epilog=_example("cxtui admins", "cxtui admins add omar", "cxtui admins remove kim"))
@click.argument("change", required=False, type=click.Choice(("add", "remove")))
@click.argument("login", required=False, callback=utf8_text)
@db_option
def admins(change: str | None, login: str | None) -> None:
    """List the store's admins, or (as an admin) add or remove one by login name."""
    import pwd

    from cxtui.models import Settings

    if (change is None) != (login is None):
        raise click.UsageError("give both: add|remove and a LOGIN (or neither, to list the admins)")
    store = open_store()
    current = store.settings()
    if change is None:
        click.echo("\n".join(current.admins) if current.admins else "no admins (the store's creator should be one)")
        return
    names = list(current.admins)
    if change == "add":
        if login in names:
            raise Failure(f"{login} is an admin already")
        names.append(login)
    else:
        if login not in names:
            raise Failure(f"{login} is not an admin; the admins are {', '.join(names)}")
        if names == [login]:
            raise Failure(f"{login} is the only admin; add another before removing them")
        names.remove(login)
    store.update(_validated_settings(Settings, current, admins=names))
    try:
        pwd.getpwnam(login)
    except KeyError:
        click.echo(f"note: no user {login} exists on this host (yet); cxtui knows users by their login name",
                   err=True)
    echo_saved(f"{'added' if change == 'add' else 'removed'} admin {login}; the admins are {', '.join(names)}")


SETTING_KEYS = ("weights.goals", "weights.incentives", "weights.delivery", "weights.conflicts",
                "penalties.high", "penalties.medium", "penalties.low")


@cli.command(context_settings={"ignore_unknown_options": True},  # a negative VALUE is refused by the model
             epilog=_example("cxtui settings", "cxtui settings weights.goals 0.4 weights.delivery 0.2",
                             "cxtui settings penalties.high 30"))
@click.argument("pairs", nargs=-1, metavar="[KEY VALUE]...", callback=utf8_text)
@db_option
def settings(pairs: tuple[str, ...]) -> None:
    """Show the alignment weights and conflict penalties, or (as an admin) change them.

    The four weights (goals, incentives, delivery, conflicts) must sum to 1, so change two at once
    when moving weight between parts. A penalty is the points an open finding or flag of that
    severity takes off a department's conflict part (0-100)."""
    from cxtui.models import Settings

    if len(pairs) % 2:
        raise click.UsageError("give KEY VALUE pairs, e.g. weights.goals 0.4 weights.delivery 0.2")
    store = open_store()
    current = store.settings()
    shown = {f"weights.{k}": v for k, v in current.weights.model_dump().items()}
    shown.update({f"penalties.{k}": v for k, v in current.penalties.items()})
    if not pairs:
        for key in SETTING_KEYS:
            click.echo(f"{key:<20} {shown.get(key)}")
        return
    weights, penalties = current.weights.model_dump(), dict(current.penalties)
    changes = []
    for key, value in zip(pairs[::2], pairs[1::2], strict=True):
        if key not in SETTING_KEYS:
            raise Failure(f"unknown setting {key!r}; the settings are {', '.join(SETTING_KEYS)}")
        part, name = key.split(".")
        (weights if part == "weights" else penalties)[name] = value
        changes.append(f"{key} {shown[key]} → {value}")
    store.update(_validated_settings(Settings, current, weights=weights, penalties=penalties))
    echo_saved("changed " + ", ".join(changes))


def _validated_settings(cls, current, **changes):
    """`current` with `changes`, validated as new input (model_copy would not check them)."""
    from pydantic import ValidationError

    from cxtui.models import describe_errors

    try:
        return cls.model_validate({**current.model_dump(), **changes})
    except ValidationError as exc:
        raise Failure(describe_errors(exc)[0]) from None


@cli.command(epilog=_example("cxtui due", "cxtui due --mine --brief", "cxtui due --check || echo 'readings overdue'"))
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
    from cxtui.models import Department
    from cxtui.engine.scorecard import due as due_items

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

        _print_rows("due", rows, DUE_COLUMNS, day, fmt, lambda: print_due(items, day))
    if check and any(i.overdue for i in items):
        click.get_current_context().exit(1)


DUE_COLUMNS = ("department", "department_name", "leads", "metric", "metric_name", "cadence", "last_value",
               "last_date", "due_by", "status")


@cli.command(epilog=_example("cxtui review", "cxtui review --as-of 2026-12-31 --dept sales",
                             "cxtui review --since 2026-10-01 --as-of 2026-12-31 --format csv > q4-review.csv"))
@click.option("--as-of", callback=utf8_text, metavar="YYYY-MM-DD", help="The period's last day (default: today).")
@click.option("--since", callback=utf8_text, metavar="YYYY-MM-DD",
              help="The period's first day (default: the first day of --as-of's quarter).")
@click.option("--dept", "-d", callback=utf8_text, metavar="DEPT", help="Only this department (id or name).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@db_option
def review(as_of: str | None, since: str | None, dept: str | None, fmt: str) -> None:
    """What changed over a period, per department: goals achieved or missed, status moves, findings
    raised and cleared, flags raised and resolved. The material for the quarterly review.

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
    lines = review_lines(build_scorecard(store.snapshot(before_day), before_day), build_scorecard(now, day), now.flags)
    lines = [x for x in lines if department is None or x.department == department]
    from cxtui.exchange.printed import print_review

    _print_rows("review", [x.model_dump(mode="json") for x in lines], COLUMNS, day, fmt,
                lambda: print_review(lines, first, day))


@cli.command(epilog=_example("cxtui history", "cxtui history --dept sales --user kim",
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
    entries = [e for e in reversed(store.audit())
               if (department is None or touches(e, department)) and (user is None or e.by == user)][:limit]
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

    _print_rows("changes", rows, HISTORY_COLUMNS, None, fmt, table, dated=False)


HISTORY_COLUMNS = ("change", "tx", "at", "by", "real_user", "action", "entity", "entity_id", "what", "reverts")


@cli.command(epilog=_example("cxtui undo", "cxtui history --user kim && cxtui undo 20261203T074012345678-123-a1b2c3"))
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


@cli.command(epilog=_example("cxtui doctor", "cxtui doctor --db /srv/cx/store.json || echo 'store needs care'"))
@db_option
def doctor() -> None:
    """Check the store's files, references and permissions; exit 0 when it is sound."""
    store = open_store()
    if not store.exists():
        from cxtui.store import StoreMissing

        raise StoreMissing(store.path)
    problems = store.doctor() + _engine_problems(store)
    for p in problems:
        click.echo(f"{p.level}: {' '.join(p.message.split())}", err=True)
    if any(p.level == "error" for p in problems):
        click.get_current_context().exit(1)
    click.echo(f"the store at {store.path} is sound" + (f" ({len(problems)} warning(s))" if problems else ""))


def _engine_problems(store) -> list:
    """Records the scorecard fails on (errors: everyone's scorecard is at stake) and records an input
    bound added after they were stored refuses (warnings: they load, but must be fixed to be edited).
    The store's own checks cannot run the engine, which sits above it."""
    from cxtui.engine.scorecard import engine_problems
    from cxtui.store import Problem, StoreError

    try:
        snapshot = store.snapshot()
    except StoreError:
        return []  # store.doctor() has said why already
    return [Problem(level="error" if "scorecard fails" in line else "warning", message=line)
            for line in engine_problems(snapshot)]


# --- beyond the terminal: the HTML report and the TUI in a browser ----------------------------------


@cli.command(epilog=_example("cxtui report scorecard.html", "cxtui report q3.html --as-of 2026-09-30 --dept sales"))
@click.argument("out", metavar="OUT")
@click.option("--as-of", callback=utf8_text, metavar="YYYY-MM-DD", help="The scorecard as it stood on this date (default: today).")
@click.option("--dept", "-d", callback=utf8_text, metavar="DEPT", help="Only this department (id or name).")
@db_option
def report(out: str, as_of: str | None, dept: str | None) -> None:
    """Write the scorecard as one self-contained HTML page to OUT (written atomically).

    Alignment and its parts, each department's goals with status, progress and trend, the findings
    with their explanations and the measured driver chain. No script and nothing fetched: it opens
    offline and prints to PDF at A4 landscape from any browser."""
    from cxtui.engine.chain import chain_metrics
    from cxtui.exchange import csv_files
    from cxtui.exchange.html_report import chain_series_of, report_of

    store = open_store()
    department = department_id(store, dept)
    day = parse_day("--as-of", as_of) or date.today()
    snapshot = store.snapshot(day)
    joined = chain_metrics(snapshot.links, tensions=snapshot.tensions)
    rows = store.reading_rows(["metric", "department", "date", "value"], end=day) if joined else []
    page = report_of(snapshot, day, chain_series_of(rows, joined), department=department, made_on=date.today())
    csv_files.write_file([page], out)
    click.echo(f"wrote the report as of {day.isoformat()} to {out}", err=True)


@cli.command(epilog=_example("cxtui serve                  # then: ssh -L 8000:localhost:8000 this-host",
                             "cxtui serve --read-only --port 8100",
                             "cxtui serve --host 0.0.0.0   # any address: only when you mean it"))
@click.option("--host", default="127.0.0.1", show_default=True, metavar="ADDRESS",
              help="Address to listen on. There is no log-in: another than loopback only when you mean it.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--read-only", is_flag=True, help="Every change refused: the scorecard, meeting, conflicts and chain "
              "views for a meeting-room screen.")
@db_option
def serve(host: str, port: int, read_only: bool) -> None:
    """Serve the TUI to a web browser (textual-serve), as the Unix user who runs this command.

    Each browser tab gets its own cxtui session on the store, acting as that user. Reach it through
    an SSH tunnel; the command prints how."""
    store = open_store()
    if not store.exists():
        from cxtui.store import StoreMissing

        raise StoreMissing(store.path)
    try:
        import textual_serve  # noqa: F401  (deferred: only this command needs the web server)
    except ImportError:
        raise Failure("cxtui serve needs textual-serve: pip install 'textual-serve>=1.1'") from None
    from cxtui.tui import serve as web

    user = _user()
    for line in web.how_to_reach(host, port, user, read_only=read_only):
        click.echo(line, err=True)
    web.serve(store.path, user, host=host, port=port, read_only=read_only)


def tune_collector() -> None:
    """Run the cyclic garbage collector less often; `cxtui` does this before anything else.

    Start-up creates hundreds of thousands of long-lived objects (Textual's and pydantic's classes,
    the store's documents) and next to no garbage. At CPython's default threshold the collector ran
    hundreds of times while the TUI started, about an eighth of its start-up time. Reference cycles
    are still collected, only in larger batches.
    """
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])


def main() -> None:
    tune_collector()
    cli.main()


if __name__ == "__main__":
    main()
