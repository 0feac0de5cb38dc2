"""The performance benchmark of issue 6: cxtui against stock TinyDB at N readings.

    python -m benchmarks.run [--sizes 10000,100000] [--repeat 5] [--out benchmarks/results/latest.json]

For each N it generates a synthetic organisation through cxtui's store (and the same documents as a
stock TinyDB file), then measures each operation in the same run as its baseline, interleaved, and
reports the median. See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path

from benchmarks import synthetic
from benchmarks.synthetic import RECORD_DEPARTMENT, RECORD_METRIC, RECORD_VALUE, USER

HERE = Path(__file__).resolve().parent
PROBES = HERE / "probes.py"
DEFAULT_SIZES = (10_000, 100_000)
TARGET_SIZE = 100_000
IMPORT_ROWS = 200_000  # issue 13: a 200k-row readings CSV imports within 20 s and 300 MB
EXPORT_TARGET_SIZE = 1_000_000  # issue 13: `export readings` at 1M readings within 2 s
PROCESS_TIMEOUT = 600  # seconds; exporting 1M readings takes well under a minute

# A whole Python process doing what stock TinyDB needs to record one reading.
STOCK_PROCESS = (
    "import json, sys\n"
    "from tinydb import TinyDB\n"
    "with TinyDB(sys.argv[1]) as db:\n"
    "    db.insert(json.loads(sys.argv[2]))\n"
)


def _median(runs: list[float]) -> dict:
    return {"median": statistics.median(runs), "runs": runs}


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _env() -> dict[str, str]:
    # The probes import cxtui from wherever the benchmark itself found it.
    root = str(HERE.parent)
    return {**os.environ, "CXTUI_USER": USER, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    # A probe that cannot reach its goal (a TUI that never fills its list) must not hang the run.
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=PROCESS_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{' '.join(cmd[:4])} ... did not finish in {PROCESS_TIMEOUT} s") from None
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} ... failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return done


def _probe(*args: str) -> dict:
    return json.loads(_run([sys.executable, str(PROBES), *args]).stdout)


def cxtui_command() -> list[str]:
    """The installed console script when there is one (what users run), else the module."""
    script = Path(sys.executable).with_name("cxtui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cxtui.cli"]


def compile_bytecode() -> list[str]:
    """Compile cxtui's bytecode first, as `pip install` does when it installs a package.

    An editable install writes it only at first import, and never under PYTHONDONTWRITEBYTECODE:
    every process timed here would then compile cxtui from source, which an installed copy never
    does, while the baselines' packages (tinydb, textual) come precompiled. Returns what failed."""
    import compileall

    import cxtui

    failed = []
    for package in (Path(cxtui.__file__).parent, HERE):
        if not compileall.compile_dir(package, quiet=1):
            failed.append(str(package))
    return failed


# --- 1. record one reading ---------------------------------------------------------------------


def measure_record(store_path: Path, stock_path: Path, repeat: int) -> dict:
    from tinydb import TinyDB

    from cxtui.store import Store

    today = date.today()
    doc = synthetic.reading_document(today)
    doc_json = json.dumps(doc)
    warm = Store(store_path, user=USER)

    def store_warm() -> None:
        warm.record(RECORD_METRIC, RECORD_VALUE, department=RECORD_DEPARTMENT, date=today)

    def store_cold() -> None:
        Store(store_path, user=USER).record(RECORD_METRIC, RECORD_VALUE, department=RECORD_DEPARTMENT, date=today)

    def stock() -> None:
        with TinyDB(stock_path) as db:
            db.insert(dict(doc))

    cli = [*cxtui_command(), "record", RECORD_METRIC, str(RECORD_VALUE), "--dept", RECORD_DEPARTMENT,
           "--db", str(store_path)]
    stock_cli = [sys.executable, "-c", STOCK_PROCESS, str(stock_path), doc_json]
    bare_python = [sys.executable, "-c", "pass"]
    cases: dict[str, Callable[[], object]] = {
        "store_warm": store_warm, "store_cold": store_cold, "stock": stock,
        "cli": lambda: _run(cli), "stock_process": lambda: _run(stock_cli), "python_startup": lambda: _run(bare_python),
    }
    for action in cases.values():  # once untimed: page cache, .pyc files, the warm store's cache
        action()
    runs: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, action in cases.items():
            runs[name].append(_timed(action))
    return {name: _median(values) for name, values in runs.items()}


# --- 2. open + scorecard + conflicts --------------------------------------------------------------


def measure_open(store_path: Path, repeat: int) -> dict:
    from cxtui.engine.scorecard import build_scorecard
    from cxtui.store import Store

    today = date.today()

    def in_process() -> None:
        # The scorecard computes the conflicts (its findings) along with the goals' standings.
        snapshot = Store(store_path, user=USER).snapshot(today)
        build_scorecard(snapshot, as_of=today)

    in_process()
    _probe("open", str(store_path))
    inside, fresh, parts = [], [], []
    for _ in range(repeat):
        inside.append(_timed(in_process))
        parts.append(_probe("open", str(store_path)))
        fresh.append(parts[-1]["total"])
    breakdown = {k: statistics.median(p[k] for p in parts) for k in ("imports", "snapshot", "scorecard", "conflicts_alone")}
    return {"in_process": _median(inside), "fresh_process": _median(fresh), "fresh_process_parts": breakdown,
            "findings": parts[-1]["findings"]}


# --- 3. export scorecard + all readings -----------------------------------------------------------


def measure_export(store_path: Path, out_dir: Path, repeat: int) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    base = [*cxtui_command(), "export"]
    db = ["--db", str(store_path)]

    def cli() -> None:
        for what in ("scorecard", "readings"):
            _run([*base, what, str(out_dir / f"cli-{what}.csv"), *db])

    _probe("export", str(store_path), str(out_dir))
    cli()
    _probe("export-row-way", str(store_path), str(out_dir))
    fresh, parts, whole, row_way = [], [], [], []
    for _ in range(repeat):
        parts.append(_probe("export", str(store_path), str(out_dir)))
        fresh.append(parts[-1]["total"])
        whole.append(_timed(cli))
        # The readings export's own baseline, back to back with it: the row way it replaced.
        row_way.append(_probe("export-row-way", str(store_path), str(out_dir))["readings"])
    breakdown = {k: statistics.median(p[k] for p in parts) for k in ("imports", "scorecard", "readings")}
    rows = sum(1 for _ in (out_dir / "readings.csv").open()) - 1
    if (out_dir / "readings.csv").read_bytes() != (out_dir / "readings-row-way.csv").read_bytes():
        raise RuntimeError("export readings wrote other bytes than the row way")
    readings = {"median": breakdown["readings"], "runs": [p["readings"] for p in parts]}
    return {"fresh_process": _median(fresh), "fresh_process_parts": breakdown, "cli_processes": _median(whole),
            "readings_rows": rows, "readings_row_way": _median(row_way),
            "readings_speedup": _paired({"runs": row_way}, readings)}


# --- 3b. import a large readings CSV -----------------------------------------------------------------


def measure_import(store_path: Path, csv_path: Path, rows: int, *, years: int) -> dict:
    """One whole `cxtui import readings` process of `rows` rows into the store (once: each run adds
    them). Its peak RSS is the process's own (VmHWM), which is what must not grow with the file."""
    size = synthetic.write_readings_csv(csv_path, rows, today=date.today(), years=years)
    launched = time.perf_counter()
    found = _probe("import", str(store_path), str(csv_path))
    wall = time.perf_counter() - launched
    csv_path.unlink()
    return {"rows": rows, "csv_bytes": size, "seconds": found["seconds"], "process_seconds": wall,
            "peak_rss_mb": found["peak_rss_mb"]}


# --- 4 and 5. TUI cold start and peak RSS ---------------------------------------------------------


def _cold_start(*args: str) -> tuple[float, dict]:
    launched = time.monotonic()
    found = _probe(*args)
    return found["ready"] - launched, found


def measure_tui(store_path: Path, repeat: int) -> dict:
    _cold_start("tui", str(store_path))
    _cold_start("bare")
    tui, bare, rss, bare_rss, rows = [], [], [], [], 0
    for _ in range(repeat):
        seconds, found = _cold_start("tui", str(store_path))
        tui.append(seconds)
        rss.append(found["peak_rss_mb"])
        rows = found["rows"]
        seconds, found = _cold_start("bare")
        bare.append(seconds)
        bare_rss.append(found["peak_rss_mb"])
    return {"tui": _median(tui), "bare": _median(bare), "tui_peak_rss_mb": max(rss),
            "bare_peak_rss_mb": max(bare_rss), "scorecard_rows": rows}


# --- 6, 7, 8. growth: History, doctor, the audit trail replayed, store bytes ----------------------


def measure_history(store_path: Path, repeat: int) -> dict:
    """The TUI as measure_tui starts it, then History until its first page of the trail is shown."""
    _probe("history", str(store_path))
    runs = [_probe("history", str(store_path)) for _ in range(repeat)]
    return {"open": _median([r["history"] for r in runs]), "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            "rows": runs[-1]["history_rows"]}


def measure_doctor(store_path: Path, repeat: int) -> dict:
    runs = [_probe("doctor", str(store_path)) for _ in range(repeat)]
    return {"seconds": _median([r["seconds"] for r in runs]), "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            "problems": runs[-1]["problems"]}


def measure_replay(store_path: Path) -> dict:
    """The audit trail replayed over an empty store must give the store (Store.replay_audit)."""
    found = _probe("replay", str(store_path))
    return {"seconds": found["seconds"], "differences": found["count"], "first": found["differences"],
            "peak_rss_mb": found["peak_rss_mb"]}


def store_parts(store_path: Path) -> dict[str, int]:
    """Bytes on disk of each part of the store: entity tables, readings, series index, audit trail
    (live file and closed segments), backups."""
    data = store_path.with_name(store_path.name + ".d")

    def size(path: Path) -> int:
        if path.is_file():
            return path.stat().st_size
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0

    return {"entities": size(store_path), "readings": size(data / "readings"), "series": size(data / "series"),
            "audit": size(data / "audit.jsonl") + size(data / "audit"), "backups": size(data / "backups")}


# --- the run ---------------------------------------------------------------------------------------


def measure_size(n: int, workdir: Path, *, repeat: int, years: int, batch: int, keep: bool,
                 import_rows: int | None = None) -> dict:
    """Every figure at N readings; the import adds `import_rows` rows (default: N) last."""
    directory = workdir / f"n{n}"
    if directory.exists():
        shutil.rmtree(directory)
    print(f"N={n:,}: generating ...", flush=True)
    gen = synthetic.generate(directory, n, today=date.today(), years=years, batch=batch)
    print(f"N={n:,}: generated through the store in {gen.store_seconds:.1f} s "
          f"({gen.store_bytes / 1e6:.1f} MB on disk), stock TinyDB file in {gen.stock_seconds:.1f} s "
          f"({gen.stock_bytes / 1e6:.1f} MB)", flush=True)
    parts = store_parts(gen.store_path)
    print(f"N={n:,}: store {gen.store_bytes / 1e6:.1f} MB against stock TinyDB {gen.stock_bytes / 1e6:.1f} MB "
          f"({gen.store_bytes / gen.stock_bytes:.2f}×): "
          + ", ".join(f"{name} {b / 1e6:.1f} MB" for name, b in parts.items()), flush=True)
    result = {"generate": {"store_seconds": gen.store_seconds, "stock_seconds": gen.stock_seconds,
                           "store_bytes": gen.store_bytes, "stock_bytes": gen.stock_bytes, "store_parts": parts}}
    steps = [
        ("open", lambda: measure_open(gen.store_path, repeat)),
        ("export", lambda: measure_export(gen.store_path, directory / "csv", repeat)),
        ("tui", lambda: measure_tui(gen.store_path, repeat)),
        ("history", lambda: measure_history(gen.store_path, repeat)),
        ("doctor", lambda: measure_doctor(gen.store_path, repeat)),
        ("replay", lambda: measure_replay(gen.store_path)),
        # Last: they add readings (record to both files).
        ("record", lambda: measure_record(gen.store_path, gen.stock_path, repeat)),
        ("import", lambda: measure_import(gen.store_path, directory / "import.csv", import_rows or n, years=years)),
    ]
    for name, step in steps:
        print(f"N={n:,}: measuring {name} ...", flush=True)
        result[name] = step()
    if not keep:
        shutil.rmtree(directory)
    return result


def _ratio(slow: float, fast: float) -> float:
    return slow / fast if fast else float("inf")


def _paired(slow: dict, fast: dict) -> float:
    """slow / fast for a figure and its baseline: the median of the ratios of the runs made back to
    back (run i of each), so that the machine speeding up or slowing down during the run (seen
    here: the same code measured 20% apart minutes apart) cancels out instead of skewing one side."""
    pairs = [_ratio(a, b) for a, b in zip(slow["runs"], fast["runs"])]
    return statistics.median(pairs) if pairs else _ratio(slow["median"], fast["median"])


def _faster(baseline: dict, ours: dict) -> str:
    ratio = _paired(baseline, ours)
    return f"{ratio:.1f}× faster" if ratio >= 1 else f"{1 / ratio:.1f}× slower"


def targets(sizes: dict[int, dict]) -> list[dict]:
    """Issue 6's targets, judged at N=100k (or the largest N measured), growth from 10k to 1M."""
    at = TARGET_SIZE if TARGET_SIZE in sizes else max(sizes)
    r = sizes[at]
    rec, tui = r["record"], r["tui"]
    found = [
        {"target": "record, in-process store call ≥ 20× faster than stock insert", "at": at,
         "value": _paired(rec["stock"], rec["store_warm"]), "limit": 20, "unit": "×", "more_is_better": True},
        {"target": "record, whole `cxtui record` process ≥ 5× faster than stock whole process", "at": at,
         "value": _paired(rec["stock_process"], rec["cli"]), "limit": 5, "unit": "×", "more_is_better": True},
        {"target": "open + scorecard + conflicts ≤ 150 ms (fresh process)", "at": at,
         "value": r["open"]["fresh_process"]["median"] * 1000, "limit": 150, "unit": "ms", "more_is_better": False},
        {"target": "export scorecard + all readings ≤ 1 s (fresh process)", "at": at,
         "value": r["export"]["fresh_process"]["median"], "limit": 1, "unit": "s", "more_is_better": False},
        {"target": "TUI cold start ≤ 2× bare Textual app", "at": at,
         "value": _paired(tui["tui"], tui["bare"]), "limit": 2, "unit": "×", "more_is_better": False},
        {"target": "TUI peak RSS ≤ 120 MB", "at": at, "value": tui["tui_peak_rss_mb"], "limit": 120, "unit": "MB",
         "more_is_better": False},
    ]
    found += issue13_targets(sizes)
    # Issue 13's growth targets, judged at the largest N measured (they are about 1M).
    top = max(sizes)
    g = sizes[top]
    found += [
        {"target": "whole store ≤ stock TinyDB file with the same readings", "at": top,
         "value": g["generate"]["store_bytes"] / g["generate"]["stock_bytes"], "limit": 1, "unit": "×",
         "more_is_better": False},
        {"target": "TUI peak RSS with History open ≤ 120 MB", "at": top, "value": g["history"]["peak_rss_mb"],
         "limit": 120, "unit": "MB", "more_is_better": False},
        {"target": "cxtui doctor ≤ 10 s", "at": top, "value": g["doctor"]["seconds"]["median"], "limit": 10,
         "unit": "s", "more_is_better": False},
        {"target": "cxtui doctor peak RSS ≤ 300 MB", "at": top, "value": g["doctor"]["peak_rss_mb"], "limit": 300,
         "unit": "MB", "more_is_better": False},
        {"target": "audit trail replayed over an empty store gives the store (differences)", "at": top,
         "value": g["replay"]["differences"], "limit": 0, "unit": "", "more_is_better": False},
    ]
    for key, label in (("store_warm", "in-process"), ("cli", "`cxtui record`")):
        entry = {"target": f"record growth 10k → 1M ≤ 1.5× ({label})", "at": "10k→1M", "limit": 1.5, "unit": "×",
                 "more_is_better": False, "value": None}
        larger = [n for n in sizes if n > 10_000]
        if 10_000 in sizes and 1_000_000 in sizes:
            entry["value"] = _ratio(sizes[1_000_000]["record"][key]["median"], sizes[10_000]["record"][key]["median"])
        elif 10_000 in sizes and larger:
            # Not the target, but the trend it is about: how far the time has grown on the way to 1M.
            entry["partial"] = {"to": max(larger), "growth": _ratio(sizes[max(larger)]["record"][key]["median"],
                                                                   sizes[10_000]["record"][key]["median"])}
        found.append(entry)
    for t in found:
        if t["value"] is None or t.get("note"):  # not measured where the target is set
            t["met"] = None
        else:
            t["met"] = t["value"] >= t["limit"] if t["more_is_better"] else t["value"] <= t["limit"]
    return found


def issue13_targets(sizes: dict[int, dict]) -> list[dict]:
    """The import of IMPORT_ROWS rows (at the largest N that imported that many) and `export
    readings` at 1M (else at the largest N measured, marked so)."""
    found = []
    imports = [n for n in sizes if sizes[n]["import"]["rows"] >= IMPORT_ROWS] or [max(sizes)]
    at = max(imports)
    imp = sizes[at]["import"]
    rows = f"{imp['rows']:,}-row"
    found += [
        {"target": f"import a {rows} readings CSV ≤ 20 s (whole `cxtui import` process)", "at": at,
         "value": imp["seconds"], "limit": 20, "unit": "s", "more_is_better": False},
        {"target": f"import a {rows} readings CSV ≤ 300 MB peak RSS", "at": at,
         "value": imp["peak_rss_mb"], "limit": 300, "unit": "MB", "more_is_better": False},
    ]
    at = EXPORT_TARGET_SIZE if EXPORT_TARGET_SIZE in sizes else max(sizes)
    found.append({"target": "export readings at 1M ≤ 2 s (fresh process)", "at": at,
                  "value": sizes[at]["export"]["fresh_process_parts"]["readings"], "limit": 2, "unit": "s",
                  "more_is_better": False})
    for t in found[:2]:
        if imp["rows"] < IMPORT_ROWS:
            t["note"] = f"only {imp['rows']:,} rows imported"
    if at != EXPORT_TARGET_SIZE:
        found[-1]["note"] = "1M not measured"
    return found


def _s(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def table_rows(sizes: dict[int, dict]) -> list[tuple[str, str, str, str, str]]:
    """(measure, N, cxtui, baseline, ratio) for every measured figure."""
    rows = []
    for n, r in sizes.items():
        rec, op, ex, tui = r["record"], r["open"], r["export"], r["tui"]
        size = f"{n:,}"
        stock, stock_proc = rec["stock"]["median"], rec["stock_process"]["median"]
        rows += [
            ("record, in-process (long-lived Store)", size, _s(rec["store_warm"]["median"]), f"stock insert {_s(stock)}",
             _faster(rec["stock"], rec["store_warm"])),
            ("record, in-process (new Store each time)", size, _s(rec["store_cold"]["median"]), f"stock insert {_s(stock)}",
             _faster(rec["stock"], rec["store_cold"])),
            ("record, whole `cxtui record` process", size, _s(rec["cli"]["median"]),
             f"stock process {_s(stock_proc)}", _faster(rec["stock_process"], rec["cli"])),
            ("  (python -c pass, for scale)", size, "", _s(rec["python_startup"]["median"]), ""),
            ("open + scorecard + conflicts, fresh process", size, _s(op["fresh_process"]["median"]), "", ""),
            ("  of which snapshot / scorecard with its conflicts", size,
             " / ".join(_s(op["fresh_process_parts"][k]) for k in ("snapshot", "scorecard")), "", ""),
            ("  (conflicts alone, as `cxtui conflicts`, not in the total)", size,
             _s(op["fresh_process_parts"]["conflicts_alone"]), "", ""),
            ("open + scorecard + conflicts, in-process", size, _s(op["in_process"]["median"]), "", ""),
            ("export scorecard + readings, fresh process", size, _s(ex["fresh_process"]["median"]), "", ""),
            ("  of which scorecard / readings", size,
             " / ".join(_s(ex["fresh_process_parts"][k]) for k in ("scorecard", "readings")), "",
             f"readings: {ex['fresh_process_parts']['readings'] / 2:.2f}× the 2 s set for 1M"),
            ("  readings the row way (before columns), fresh process", size, _s(ex["readings_row_way"]["median"]),
             "", f"columns {ex['readings_speedup']:.2f}× faster (paired)"),
            ("export via two `cxtui export` processes", size, _s(ex["cli_processes"]["median"]), "", ""),
            (f"import {r['import']['rows']:,} readings ({r['import']['csv_bytes'] / 1e6:.1f} MB CSV), whole process",
             size, f"{_s(r['import']['seconds'])}, peak {r['import']['peak_rss_mb']:.0f} MB", "",
             f"{r['import']['seconds'] / 20:.2f}× the 20 s, {r['import']['peak_rss_mb'] / 300:.2f}× the 300 MB"),
            ("TUI cold start to filled scorecard", size, _s(tui["tui"]["median"]), f"bare app {_s(tui['bare']['median'])}",
             f"{_paired(tui['tui'], tui['bare']):.2f}× the bare app"),
            ("TUI peak RSS", size, f"{tui['tui_peak_rss_mb']:.0f} MB", f"bare app {tui['bare_peak_rss_mb']:.0f} MB", ""),
            ("History opened: first page shown", size, _s(r["history"]["open"]["median"]), "", ""),
            ("TUI peak RSS with History open", size, f"{r['history']['peak_rss_mb']:.0f} MB",
             f"scorecard only {tui['tui_peak_rss_mb']:.0f} MB", ""),
            ("cxtui doctor", size, _s(r["doctor"]["seconds"]["median"]), "", ""),
            ("cxtui doctor peak RSS", size, f"{r['doctor']['peak_rss_mb']:.0f} MB", "", ""),
            ("audit replayed over an empty store", size,
             "same store" if not r["replay"]["differences"] else f"{r['replay']['differences']} differences",
             "", _s(r["replay"]["seconds"])),
            ("store on disk", size, f"{r['generate']['store_bytes'] / 1e6:,.1f} MB",
             f"stock TinyDB {r['generate']['stock_bytes'] / 1e6:,.1f} MB",
             f"{r['generate']['store_bytes'] / r['generate']['stock_bytes']:.2f}× stock"),
            ("  of which " + " / ".join(r["generate"]["store_parts"]), size,
             " / ".join(f"{b / 1e6:,.1f}" for b in r["generate"]["store_parts"].values()) + " MB", "", ""),
            ("generate through the store (one-off)", size, _s(r["generate"]["store_seconds"]), "", ""),
        ]
    return rows


def _verdict(t: dict) -> str:
    return "n/a" if t["met"] is None else ("PASS" if t["met"] else "FAIL")


def _value(t: dict) -> str:
    if t["value"] is None:
        partial = t.get("partial")
        seen = f"; 10k → {partial['to']:,}: {partial['growth']:.2f}×" if partial else ""
        return f"1M not measured{seen}"
    if t["unit"] == "×":
        return f"{t['value']:.2f}×"
    note = f"; {t['note']}" if t.get("note") else ""
    if not t["limit"]:  # a count that must be 0 (the replay's differences): no ratio to show
        return f"{t['value']:g}{note}"
    return f"{t['value']:.1f} {t['unit']} = {t['value'] / t['limit']:.2f}× the limit{note}"


def render_text(sizes: dict[int, dict], found: list[dict]) -> str:
    rows = [("measure", "N", "cxtui", "baseline (same run)", "ratio"), *table_rows(sizes)]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines += ["", "targets (issues 6 and 13):"]
    for t in found:
        at = f"N={t['at']:,}" if isinstance(t["at"], int) else t["at"]
        lines.append(f"  {_verdict(t):4}  {t['target']}  [{at}: {_value(t)}]")
    return "\n".join(lines)


def render_markdown(sizes: dict[int, dict], found: list[dict], command: str, machine: str) -> str:
    lines = ["## Performance", "",
             f"Measured with `{command}` on {machine}; medians, each figure in the same run as its baseline "
             "(stock TinyDB with its default JSONStorage holding the same documents, or a bare Textual app).", "",
             "| measure | N | cxtui | baseline | ratio |", "|---|---:|---:|---:|---|"]
    lines += [f"| {m.strip()} | {n} | {v} | {b} | {r} |" for m, n, v, b, r in table_rows(sizes)]
    lines += ["", "| target (issues 6 and 13) | at | measured | |", "|---|---|---:|---|"]
    for t in found:
        at = f"{t['at']:,}" if isinstance(t["at"], int) else t["at"]
        lines.append(f"| {t['target']} | {at} | {_value(t)} | {_verdict(t).lower()} |")
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{os.cpu_count()} cores ({cpu}), Linux {platform.release()}, Python {platform.python_version()}"


def revision() -> str:
    """The commit measured, marked when the package's working tree differs from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown"
    return commit + (" + uncommitted changes in cxtui/" if git("status", "--porcelain", "--", "cxtui") else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated reading counts (default: %(default)s; add 1000000 for the growth target)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per figure; the median is reported")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json", help="JSON results file")
    parser.add_argument("--workdir", type=Path, default=HERE / "results" / "work",
                        help="where the generated stores go (on the disk you want to measure)")
    parser.add_argument("--years", type=int, default=5, help="the readings span this many years up to today")
    parser.add_argument("--batch", type=int, default=5000, help="readings per add_many commit while generating")
    parser.add_argument("--keep", action="store_true", help="keep the generated stores")
    parser.add_argument("--import-rows", type=int, default=IMPORT_ROWS,
                        help="rows of the readings CSV imported into each store (default: %(default)s)")
    parser.add_argument("--markdown", action="store_true", help="also print the README's Performance section")
    args = parser.parse_args(argv)
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})

    started = time.perf_counter()
    measured = revision()  # before the run, so a checkout edited meanwhile is not misreported
    for package in compile_bytecode():
        print(f"warning: could not compile the bytecode of {package}; start-up figures include compiling it")
    results = {n: measure_size(n, args.workdir, repeat=args.repeat, years=args.years, batch=args.batch, keep=args.keep,
                               import_rows=args.import_rows)
               for n in sizes}
    found = targets(results)
    command = "python -m benchmarks.run " + " ".join(argv if argv is not None else sys.argv[1:])
    print()
    print(render_text(results, found))
    if args.markdown:
        print()
        print(render_markdown(results, found, command.strip(), f"{machine()}, cxtui {measured}"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "command": command.strip(), "machine": machine(), "revision": measured, "when": datetime.now(timezone.utc).isoformat(),
        "repeat": args.repeat, "years": args.years, "batch": args.batch,
        "seconds": time.perf_counter() - started, "sizes": {str(n): r for n, r in results.items()}, "targets": found,
    }, indent=2))
    print(f"\nresults written to {args.out} ({time.perf_counter() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
