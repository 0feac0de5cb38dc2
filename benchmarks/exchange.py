"""Benchmark of the files for people outside the terminal (issue 18): `cxtui export all book.xlsx`
and `cxtui report out.html` at N readings, each a whole CLI process, against the CSV readings export
of the same store in the same run (the baseline a spreadsheet user had before).

    python -m benchmarks.exchange                  # N = 10k and 100k, 3 runs each

The store is the one of `synthetic.py` (30 departments, 60 metrics, 300 goals, N readings over 5
years). Each command runs in a fresh process (`python -m cxtui.cli`), timed from launch to exit, and
its peak memory is read from the child's rusage. Target: both under 2 s at 100k. Results go to
stdout and `--out` (JSON, default benchmarks/results/exchange.json; git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from benchmarks import synthetic

HERE = Path(__file__).resolve().parent
DEFAULT_SIZES = (10_000, 100_000)


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak MB) of one `python -m cxtui.cli ARGS` process: its own rusage, from wait4."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "cxtui.cli", *args], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"cxtui {' '.join(args)} failed")
    return seconds, usage.ru_maxrss / 1024


def measure(n: int, workdir: Path, repeat: int) -> dict:
    today = date.today()
    directory = workdir / f"exchange-{n}"
    shutil.rmtree(directory, ignore_errors=True)
    # Generated in a child process: Linux keeps a process's peak memory across exec, so a child
    # forked from a parent that had built the store would report the parent's peak as its own.
    subprocess.run([sys.executable, "-c", "import sys; from datetime import date; from pathlib import Path; "
                    "from benchmarks import synthetic; "
                    "synthetic.generate(Path(sys.argv[1]), int(sys.argv[2]), today=date.fromisoformat(sys.argv[3]))",
                    str(directory), str(n), today.isoformat()], check=True, cwd=HERE.parent)
    env = {**os.environ, "CXTUI_DB": str(directory / "store.json"), "CXTUI_USER": synthetic.USER}
    out = directory / "out"
    out.mkdir()
    commands = {
        "csv_readings": ["export", "readings", str(out / "readings.csv")],
        "xlsx_all": ["export", "all", str(out / "book.xlsx"), "--as-of", today.isoformat()],
        "html_report": ["report", str(out / "report.html"), "--as-of", today.isoformat()],
    }
    result: dict = {}
    for name, args in commands.items():
        runs = [_run(args, env) for _ in range(repeat)]
        result[name] = {"median_s": round(statistics.median(s for s, _ in runs), 2),
                        "peak_mb_max": round(max(m for _, m in runs)), "runs": repeat}
    for name in ("xlsx_all", "html_report"):
        result[name]["vs_csv_readings"] = round(result[name]["median_s"] / result["csv_readings"]["median_s"], 2)
    shutil.rmtree(directory, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.exchange", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=HERE / "results" / "work")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "exchange.json")
    args = parser.parse_args(argv)
    results = {}
    for n in (int(s) for s in args.sizes.split(",")):
        results[n] = measure(n, args.workdir, args.repeat)
        print(f"N={n:,}: {json.dumps(results[n])}", flush=True)
        for name in ("xlsx_all", "html_report"):
            verdict = "ok" if results[n][name]["median_s"] <= 2 else "FAIL"
            print(f"  {name}: {results[n][name]['median_s']} s (target 2 s at 100k): {verdict}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
