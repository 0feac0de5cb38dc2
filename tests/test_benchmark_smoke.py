"""The benchmark of issue 6 at a tiny N: every measurement runs once, so the benchmark cannot rot.

This checks that the benchmark works, not how fast cxtui is (that is `python -m benchmarks.run`).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# `benchmarks/` sits beside the package at the top of the checkout, which pytest does not put on sys.path.
sys.path.insert(0, str(ROOT))

from benchmarks import run, synthetic  # noqa: E402


def test_generator_writes_the_organisation_through_the_store_and_a_stock_copy(tmp_path: Path) -> None:
    from tinydb import TinyDB

    from cxtui.store import Store

    gen = synthetic.generate(tmp_path / "org", 120, today=date.today(), years=2, batch=50)
    snap = Store(gen.store_path, user="x").snapshot()
    assert (len(snap.departments), len(snap.metrics), len(snap.goals), len(snap.incentives)) == (30, 60, 300, 60)
    assert len(snap.readings) == 120
    with TinyDB(gen.stock_path) as db:
        assert len(db) == 120
        assert db.get(doc_id=1) == snap.readings[0].model_dump(mode="json")


def test_every_measurement_runs_once_and_reports(tmp_path: Path) -> None:
    result = run.measure_size(150, tmp_path, repeat=1, years=1, batch=100, keep=False)

    assert result["open"]["findings"] > 0
    assert result["export"]["readings_rows"] == 150
    assert result["tui"]["scorecard_rows"] > 300  # objectives, departments and their goals
    assert result["tui"]["tui_peak_rss_mb"] > 0
    assert result["history"]["rows"] > 0 and result["history"]["peak_rss_mb"] > 0
    assert result["doctor"]["problems"] == [] and result["doctor"]["peak_rss_mb"] > 0
    assert result["replay"]["differences"] == 0
    assert sum(result["generate"]["store_parts"].values()) <= result["generate"]["store_bytes"]
    assert all(len(figure["runs"]) == 1 for figure in result["record"].values())
    assert result["import"]["rows"] == 150
    assert result["import"]["peak_rss_mb"] > 0 and result["import"]["seconds"] > 0
    assert not (tmp_path / "n150").exists()

    sizes = {150: result}
    found = run.targets(sizes)
    assert [t["met"] for t in found[-2:]] == [None, None]  # growth needs 10k and 1M
    # The import and export targets of issue 13 are set at 200k rows and 1M readings: not judged here.
    issue13 = [t for t in found if "import" in t["target"] or "export readings" in t["target"]]
    assert len(issue13) == 3 and all(t["met"] is None for t in issue13)
    assert "record, whole `cxtui record` process" in run.render_text(sizes, found)
    assert run.render_markdown(sizes, found, "python -m benchmarks.run", run.machine()).startswith("## Performance")
    json.dumps({"sizes": {str(n): r for n, r in sizes.items()}, "targets": found})


def test_the_chain_benchmark_runs_once_and_reports(tmp_path: Path) -> None:
    from benchmarks import chain

    computed = chain.measure_compute(400, repeat=1, years=2)
    assert computed["link_pairs"] > 0 and computed["impact_rows"] == 20
    stored = chain.measure_store(200, tmp_path, repeat=1, years=1, batch=100)
    assert set(stored) == {"generate_s", "scorecard_without_links", "scorecard_with_links", "chain_screen_measure"}


def test_the_exchange_benchmark_runs_once_and_reports(tmp_path: Path) -> None:
    from benchmarks import exchange

    found = exchange.measure(200, tmp_path, repeat=1)
    assert set(found) == {"csv_readings", "xlsx_all", "html_report"}
    assert all(found[name]["median_s"] > 0 and found[name]["peak_mb_max"] > 10 for name in found)
    assert found["xlsx_all"]["vs_csv_readings"] > 0
