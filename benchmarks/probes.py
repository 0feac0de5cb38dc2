"""What the benchmark runs in a fresh Python process, so that no cache of the parent helps.

    python benchmarks/probes.py open PATH          open + snapshot + scorecard (with its conflicts)
    python benchmarks/probes.py export PATH DIR    scorecard and all readings to CSV files in DIR
    python benchmarks/probes.py export-row-way PATH DIR   all readings the way it was done before columns
    python benchmarks/probes.py import PATH CSV    `cxtui import readings CSV --db PATH`, whole, with its peak RSS
    python benchmarks/probes.py tui PATH           the cxtui TUI until its scorecard list is filled
    python benchmarks/probes.py history PATH       the same TUI, then History until its table is filled
    python benchmarks/probes.py doctor PATH        `cxtui doctor`'s checks
    python benchmarks/probes.py replay PATH        the audit trail replayed and compared with the store
    python benchmarks/probes.py bare               a bare Textual app: Header, 200-row DataTable, Footer

Each prints one JSON object. Times are seconds; `ready` is `time.monotonic()` (one clock for every
process on Linux), so the parent can measure from the moment it launched the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import resource
import sys
import time
from datetime import date
from pathlib import Path

SIZE = (120, 40)


def _rss_mb() -> float:
    """Peak resident memory of this process, in MB."""
    # Not ru_maxrss: Linux carries it over from the forking parent across exec, so a child of a big
    # benchmark process would report the parent's peak. VmHWM belongs to this process's own memory.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def open_scorecard(path: str) -> dict:
    started = time.perf_counter()
    from cxtui.engine.conflicts import detect
    from cxtui.engine.scorecard import build_scorecard
    from cxtui.store import Store

    imported = time.perf_counter()
    today = date.today()
    snapshot = Store(path).snapshot(today)
    loaded = time.perf_counter()
    card = build_scorecard(snapshot, as_of=today)  # its findings are the conflicts, as the TUI shows them
    scored = time.perf_counter()
    # Not in the total: what `cxtui conflicts` computes on its own, without a scorecard.
    findings = detect(snapshot, today)
    detected = time.perf_counter()
    if [f.id for f in findings] != [f.id for f in card.findings]:
        raise RuntimeError("the scorecard's findings are not the conflicts detect() finds")
    return {"imports": imported - started, "snapshot": loaded - imported, "scorecard": scored - loaded,
            "conflicts_alone": detected - scored, "total": scored - imported, "goals": len(card.goals),
            "findings": len(findings), "readings": len(snapshot.readings)}


def export(path: str, out_dir: str) -> dict:
    """What `cxtui export scorecard FILE` and `cxtui export readings FILE` do, minus argument parsing
    (cli/exchange.py's write_export): the collector tuned as `cxtui` tunes it; the readings a month
    at a time with a forked helper, as a one-threaded `cxtui` process is allowed (`helped` says
    whether this process could have one)."""
    started = time.perf_counter()
    from cxtui.cli.group import tune_collector
    from cxtui.exchange.csv_files import render, write_file
    from cxtui.exchange.exporting import export_rows, reading_csv
    from cxtui.store import Store, forked

    tune_collector()
    imported = time.perf_counter()
    store = Store(path)
    times = {"imports": imported - started, "helped": forked.can_fork()}
    for what in ("scorecard", "readings"):
        began = time.perf_counter()
        if what == "readings":
            chunks, _ = reading_csv(store, helper=True)
        else:
            header, rows = export_rows(store, what)
            chunks = render(header, rows)
        write_file(chunks, Path(out_dir) / f"{what}.csv")
        times[what] = time.perf_counter() - began
    times["total"] = time.perf_counter() - imported
    return times


def export_row_way(path: str, out_dir: str) -> dict:
    """The baseline of the readings export: what it ran before it worked in columns, a row per
    reading from Store.reading_rows and each row turned into a line on its own."""
    import csv
    import io

    from cxtui.exchange.csv_files import _row_lines, write_file
    from cxtui.exchange.table_columns import TABLES
    from cxtui.store import Store

    began = time.perf_counter()
    columns = TABLES["readings"].columns
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    head = buffer.getvalue()
    rows = Store(path).reading_rows(columns)
    write_file(itertools.chain([head], _row_lines(rows, writer, buffer)), Path(out_dir) / "readings-row-way.csv")
    return {"readings": time.perf_counter() - began}


def import_readings(path: str, csv: str) -> dict:
    """The whole `cxtui import readings CSV` command (imports included), and this process's peak
    memory: what a lead importing a large spreadsheet gets."""
    started = time.perf_counter()
    from cxtui.cli import cli

    try:
        with contextlib.redirect_stdout(sys.stderr):  # stdout carries this probe's JSON
            cli.main(["import", "readings", csv, "--db", path], prog_name="cxtui")
    except SystemExit as exc:
        if exc.code:
            raise RuntimeError(f"cxtui import exited {exc.code}") from None
    # The file is checked by a forked copy while this process adds its rows (pipelined_import): the
    # copy's peak is added, which counts the pages they share twice.
    helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": time.perf_counter() - started, "peak_rss_mb": _rss_mb() + helper,
            "helper_peak_rss_mb": helper}


async def _until(ready) -> None:
    # A plain sleep between checks, not pilot.pause(): that makes every widget on the screen handle
    # a message and refreshes the screen each time, so polling would take CPU from an app that is
    # still loading in a worker, which no user's terminal does.
    while not ready():
        await asyncio.sleep(0.001)


def doctor(path: str) -> dict:
    """The whole `cxtui doctor` command (the store's checks and the engine's), as a user runs it."""
    import contextlib
    import io

    from cxtui.cli.group import cli

    said, problems = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(said), contextlib.redirect_stderr(problems):
        try:
            cli.main(["--db", path, "doctor"], prog_name="cxtui")
        except SystemExit as exc:  # the command group always exits, with doctor's code
            code = exc.code
    # A large store's audit trail is scanned by a forked helper (checkup.readings_and_trail): its
    # peak is added to this process's, which counts the pages they share twice.
    helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": time.perf_counter() - started, "exit": code,
            "problems": problems.getvalue().splitlines()[:5], "peak_rss_mb": _rss_mb() + helper,
            "helper_peak_rss_mb": helper}


def replay(path: str) -> dict:
    from cxtui.store import Store

    started = time.perf_counter()
    differences = Store(path).replay_audit()
    return {"seconds": time.perf_counter() - started, "differences": differences[:5],
            "count": len(differences), "peak_rss_mb": _rss_mb()}


def tui(path: str, *, history: bool = False) -> dict:
    from cxtui.cli import tui_app
    from cxtui.store import Store

    # What `cxtui` does: it checks that the store exists, then sets up the TUI.
    if not Store(path).exists():
        raise RuntimeError(f"no store at {path}")
    from cxtui.runtime.options import Options

    app = tui_app(Options(store_path=path))

    from cxtui.tui.screens.problem import ProblemScreen
    from cxtui.tui.screens.scorecard import ScorecardScreen
    from cxtui.tui.widgets.score_list import ScoreList

    rows = 0

    def populated() -> bool:
        # The app sets `board` when the worker's BoardLoaded arrives; the scorecard screen watches it
        # and fills its ScoreList. A non-empty list is the moment a user sees the scorecard.
        nonlocal rows
        if isinstance(app.screen, ProblemScreen):
            raise RuntimeError(f"the TUI could not open the store: {app.screen.problem}")
        if app.board is None or not isinstance(app.screen, ScorecardScreen):
            return False
        rows = app.screen.query_one(ScoreList).option_count
        return rows > 0

    async def run() -> float:
        async with app.run_test(size=SIZE):
            await _until(populated)
            if history:
                from textual.widgets import DataTable

                from cxtui.tui.screens.history import HistoryScreen

                began = time.monotonic()
                await app.action_history()
                await _until(lambda: isinstance(app.screen, HistoryScreen)
                             and any(table.row_count > 0 for table in app.screen.query(DataTable)))
                timings["history"] = time.monotonic() - began
                timings["history_rows"] = app.screen.query_one(DataTable).row_count
            return time.monotonic()

    timings: dict = {}
    ready = asyncio.run(run())
    return {"ready": ready, "rows": rows, "peak_rss_mb": _rss_mb(), **timings}


def bare() -> dict:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield DataTable()
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("department", "goal", "metric", "latest", "target", "status")
            table.add_rows((f"dept-{i % 30:02d}", f"Goal {i}", f"m-{i % 60:02d}", f"{i % 97}.5", "80", "on track")
                           for i in range(200))

    app = Bare()

    async def run() -> float:
        async with app.run_test(size=SIZE):
            await _until(lambda: app.query_one(DataTable).row_count == 200)
            return time.monotonic()

    ready = asyncio.run(run())
    return {"ready": ready, "rows": 200, "peak_rss_mb": _rss_mb()}


def main(argv: list[str]) -> None:
    mode, args = argv[0], argv[1:]
    if mode != "bare":
        # What the `cxtui` command does before anything else, so that the figures are what users get.
        from cxtui.cli import tune_collector

        tune_collector()
    modes = {"open": open_scorecard, "export": export, "import": import_readings, "tui": tui, "bare": bare,
             "doctor": doctor, "replay": replay, "export-row-way": export_row_way, "history": lambda path: tui(path, history=True)}
    result = modes[mode](*args)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
