"""Data in and out: `export`, `import` and the one-file HTML `report`.
"""

from __future__ import annotations

import contextlib
import itertools
import operator
import os
import sys
from datetime import date
from typing import NoReturn

import click

from cxtui.cli.common import (
    db_option,
    department_id,
    echo_saved,
    example,
    exit_with,
    open_store,
    parse_day,
    utf8_text,
)
from cxtui.cli.group import cli
from cxtui.exchange import EXPORTS


@cli.command(
    name="export",
    epilog=example(
        "cxtui export scorecard scorecard.csv --excel",
        "cxtui export readings --dept sales --as-of 2026-03-31 > sales-q1.csv",
        "cxtui export goals - | less",
        "cxtui export all book.xlsx --as-of 2026-03-31",
    ),
)
@click.argument("what", type=click.Choice((*EXPORTS, "all")))  # all: every table, one workbook
@click.argument("out", default="-", metavar="[OUT]")
@click.option("--dept", "-d", callback=utf8_text, metavar="DEPT", help="Only this department (id or name).")
@click.option("--as-of", callback=utf8_text, metavar="YYYY-MM-DD", help="As it stood on this date (scorecard, conflicts); up to it (readings, audit).")
@click.option("--excel", is_flag=True, help="Start the file with a byte-order mark so Excel reads it as UTF-8.")
@click.option("--format", "file_format", type=click.Choice(("csv", "xlsx")),
              help="csv, or xlsx: an Excel workbook with typed cells (the default for a name ending .xlsx).")
@db_option
def export_command(what: str, out: str, dept: str | None, as_of: str | None, excel: bool,
                   file_format: str | None) -> None:
    """Write WHAT as CSV or an Excel workbook to OUT (a file, written atomically; '-' or nothing for
    stdout). 'all' writes a workbook of every table, the scorecard and the conflicts, a sheet each."""
    from cxtui.exchange.exporting import AS_OF, BY_DEPARTMENT
    from cxtui.exchange.workbook import is_workbook, write_book

    if dept is not None and what not in BY_DEPARTMENT:
        raise click.UsageError(f"--dept does not apply to {what}")
    if as_of is not None and what not in AS_OF:
        raise click.UsageError(f"--as-of does not apply to {what}")
    book = (file_format or ("xlsx" if is_workbook(out) else "csv")) == "xlsx"
    if what == "all" and not book:
        raise click.UsageError("'export all' writes an Excel workbook: name the file .xlsx or add --format xlsx")
    if book and out == "-" and sys.stdout.isatty():
        raise click.UsageError("a workbook is not for a terminal: give a file name or redirect stdout")
    store = open_store()
    if book:
        target = sys.stdout.buffer if out == "-" else out
        count = write_book(store, what, target, dept=department_id(store, dept), as_of=parse_day("--as-of", as_of))
    else:
        count = write_export(store, what, out, department_id(store, dept), parse_day("--as-of", as_of), excel=excel)
    if out != "-":
        click.echo(f"wrote {count} rows of {what} to {out}", err=True)


def write_export(store, what: str, out: str, dept: str | None, as_of: date | None, *, excel: bool) -> int:
    from cxtui.exchange import csv_files
    from cxtui.exchange.exporting import export_rows, reading_csv

    if what == "readings" and dept is None:
        # A short-lived process of one thread: a forked helper may take half the months.
        chunks, written = reading_csv(store, as_of=as_of, excel=excel, helper=True)
    else:
        header, rows = export_rows(store, what, dept=dept, as_of=as_of)
        counted = _Counter(rows)
        chunks, written = csv_files.render(header, counted, excel=excel), lambda: counted.count
    if out == "-":
        sys.stdout.flush()
        csv_files.write_stream(chunks, sys.stdout.buffer)
    else:
        csv_files.write_file(chunks, out)
    return written()


class _Counter:
    """The items, counted as they pass (zip with a counter runs in C: no call per row)."""

    def __init__(self, items) -> None:
        self._passed = itertools.count()
        self._items = map(operator.itemgetter(0), zip(items, self._passed))
        self._count: int | None = None

    def __iter__(self):
        return self._items

    @property
    def count(self) -> int:
        """How many items have passed; read once they all have (reading it takes from the counter)."""
        if self._count is None:
            self._count = next(self._passed)
        return self._count


@cli.command(
    name="import",
    epilog=example(
        "cxtui import readings q1.csv --dry-run",
        "cxtui import readings q1.csv",
        "cxtui export goals | cxtui import goals - --db other.json",
        "cxtui import goals book.xlsx --sheet 'Q3 goals'",
        "",
        "Columns of each file: docs/cli.md. Readings: metric,department,date,value,confidence,note",
    ),
)
@click.argument("what", type=click.Choice(("readings", "departments", "metrics", "objectives", "goals",
                                           "incentives", "tensions", "links", "initiatives")))
@click.argument("file", metavar="FILE")
@click.option("--dry-run", is_flag=True, help="Check every row and report what would be added; write nothing.")
@click.option("--sheet", metavar="NAME", callback=utf8_text,
              help="The sheet of an .xlsx FILE to read (default: the one named WHAT, or the only one).")
@db_option
def import_command(what: str, file: str, dry_run: bool, sheet: str | None) -> None:
    """Add the rows of a CSV FILE ('-' for stdin) or of a sheet of an Excel workbook (.xlsx) to the
    store: all rows, or none if any is wrong."""
    from cxtui.exchange.importing import PIPELINE_BYTES, apply, pipelined_import, plan_import
    from cxtui.exchange.workbook import is_workbook, plan_book_import
    from cxtui.store import forked

    if sheet is not None and not is_workbook(file):
        raise click.UsageError("--sheet is for an Excel workbook (a FILE ending .xlsx)")
    store = open_store()
    name = "stdin" if file == "-" else file
    if is_workbook(file):
        plan, name = plan_book_import(store, what, file, sheet=sheet)
    else:
        with _open_input(file) as stream:
            if (not dry_run and file != "-" and os.fstat(stream.fileno()).st_size >= PIPELINE_BYTES
                    and forked.can_fork()):
                outcome = pipelined_import(store, what, stream, name, progress=lambda: _progress(stream, file))
                if isinstance(outcome, int):
                    echo_saved(f"imported {_counted(outcome, what)} from {name}")
                    return
                if outcome is not None:
                    _report_problems(outcome, name)
                stream.seek(0)  # the copy failed: check and add in turn, from the start
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
    return _counted(len(plan.records), plan.table)


def _counted(n: int, table: str) -> str:
    return f"{n} {table if n != 1 else table.removesuffix('s')}"


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
        exit_with(1, f"{name}:{p.line}: {p.message}; nothing was imported")
    for p in shown:
        click.echo(f"error: {name}:{p.line}: {' '.join(p.message.split())}", err=True)
    more = len(plan.problems) - len(shown)
    total = f"{len(plan.problems)}{'+' if plan.stopped_early else ''}"
    tail = f" ({more}{'+' if plan.stopped_early else ''} more not shown)" if more else ""
    exit_with(1, f"{total} problems in {name}{tail}; nothing was imported")


@cli.command(epilog=example("cxtui report scorecard.html", "cxtui report q3.html --as-of 2026-09-30 --dept sales"))
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
