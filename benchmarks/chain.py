"""Benchmark of the driver chain (issue 15): links and initiatives measured at N readings.

    python -m benchmarks.chain                        # N = 10k and 100k, 5 runs each
    python -m benchmarks.chain --sizes 10000,100000,1000000 --no-store   # the computation alone at 1M

The organisation is the one of `synthetic.py` (30 departments, 60 metrics, 300 goals, N readings over
5 years) plus 20 links between metrics the goals measure (between two metrics one department has goals on,
from the smaller id to the larger, so no cycle) and 10 initiatives (one per department, on two of its goals' metrics, started a year ago).

Measured, median of `--repeat` runs after one untimed warm-up:
- compute: `series_of` + `link_rows` + `impact_rows` over readings already in memory (what
  `cxtui links`, `cxtui initiatives` and the chain screen compute). Target: under 100 ms at 100k.
- with the store (unless --no-store; the store is written through cxtui, which takes minutes at
  1M): opening the scorecard in-process (`Store(path).snapshot(today)` + `build_scorecard`) on the
  store without links and with them (a scorecard then reads the whole history of linked metrics,
  and of initiatives' metrics, for the conflict rule evidence_against and the chain screen), and
  the chain screen's own work (`measure` on the snapshot the scorecard read). Target: the chain screen's work stays
  under the scorecard's own start-up cost.
Results go to stdout and `--out` (JSON, default benchmarks/results/chain.json; git-ignored).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks import synthetic
from cxtui.engine.chain import chain_metrics, impact_rows, link_rows, series_of
from cxtui.models import Initiative, Link, Metric

HERE = Path(__file__).resolve().parent
DEFAULT_SIZES = (10_000, 100_000)
LINKS = 20
INITIATIVES = 10


def chain_records(today: date) -> list:
    """The links and initiatives added to the synthetic organisation."""
    _, series = synthetic.organisation(today)
    goals_of: dict[str, list[str]] = {}
    for metric, department in series:
        if department is not None and metric not in goals_of.setdefault(department, []):
            goals_of[department].append(metric)
    # Arrows between two metrics one department has goals on (so the pair has readings), always from
    # the smaller id to the larger (so no cycle).
    arrows = sorted({tuple(sorted(pair)) for metrics in goals_of.values() for pair in zip(metrics, metrics[1:])})
    links = [Link(driver=a, outcome=b, sign="positive" if i % 3 else "negative", lag=i % 2, why="benchmark")
             for i, (a, b) in enumerate(arrows[:LINKS])]
    initiatives = [
        Initiative(id=f"IN-{i + 1}", title=f"Initiative {i + 1}", departments=[department],
                   start=today - timedelta(days=365), metrics=[f"{m}:up" for m in goals_of[department][:2]])
        for i, department in enumerate(sorted(goals_of)[:INITIATIVES])
    ]
    return [*links, *initiatives]


def _median(runs: list[float]) -> dict:
    return {"median_ms": round(statistics.median(runs) * 1000, 2), "runs": len(runs)}


def _time(action, repeat: int) -> dict:
    action()  # warm-up
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return _median(runs)


def measure_compute(n: int, repeat: int, years: int) -> dict:
    today = date.today()
    entities, series = synthetic.organisation(today)
    metrics = [e for e in entities if isinstance(e, Metric)]
    records = chain_records(today)
    links = [r for r in records if isinstance(r, Link)]
    initiatives = [r for r in records if isinstance(r, Initiative)]
    readings = list(synthetic.readings(n, series, today, years))
    wanted = chain_metrics(links, initiatives)
    found: dict = {}

    def compute() -> None:
        by_series = series_of(readings, today, wanted)
        found["links"] = link_rows(links, metrics, by_series)
        found["impacts"] = impact_rows(initiatives, metrics, by_series)

    timing = _time(compute, repeat)
    verdicts: dict[str, int] = {}
    for row in [*found["links"], *found["impacts"]]:
        verdicts[row.verdict] = verdicts.get(row.verdict, 0) + 1
    return {"compute": timing, "link_pairs": len(found["links"]), "impact_rows": len(found["impacts"]),
            "verdicts": dict(sorted(verdicts.items()))}


def measure_store(n: int, workdir: Path, repeat: int, years: int, batch: int) -> dict:
    from cxtui.engine.scorecard import build_scorecard
    from cxtui.store import Store
    from cxtui.tui.screens.chain import measure

    today = date.today()
    directory = workdir / f"chain-{n}"
    shutil.rmtree(directory, ignore_errors=True)
    started = time.perf_counter()
    generated = synthetic.generate(directory, n, today=today, years=years, batch=batch)
    path = generated.store_path

    def scorecard() -> None:
        build_scorecard(Store(path, user=synthetic.USER).snapshot(today), as_of=today)

    without_links = _time(scorecard, repeat)
    Store(path, user=synthetic.USER).add_many(chain_records(today))
    generate_seconds = time.perf_counter() - started
    with_links = _time(scorecard, repeat)
    # What the chain screen adds to an open scorecard: measuring the snapshot the scorecard read.
    snapshot = Store(path, user=synthetic.USER).snapshot(today)
    chain_screen = _time(lambda: measure(snapshot, today), repeat)
    shutil.rmtree(directory, ignore_errors=True)
    return {"generate_s": round(generate_seconds, 1), "scorecard_without_links": without_links,
            "scorecard_with_links": with_links, "chain_screen_measure": chain_screen}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.chain", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--no-store", action="store_true", help="only the computation on readings in memory")
    parser.add_argument("--workdir", type=Path, default=HERE / "results" / "work")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "chain.json")
    args = parser.parse_args(argv)
    results = {}
    for n in (int(s) for s in args.sizes.split(",")):
        result = measure_compute(n, args.repeat, args.years)
        if not args.no_store:
            result |= measure_store(n, args.workdir, args.repeat, args.years, args.batch)
        results[n] = result
        print(f"N={n:,}: {json.dumps(result)}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
