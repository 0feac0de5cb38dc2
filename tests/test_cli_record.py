"""`cxtui record` and the store it leaves behind: good readings round-trip, bad ones change nothing."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest

from cxtui.models import Reading


def tree_digest(directory: Path) -> dict[str, str]:
    """sha256 of every file below `directory`: "byte-identical" means this dict is unchanged."""
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def one_error_line(result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.output
    return lines[0]


def test_record_then_export_round_trip(seeded, cli):
    result = cli("record", "nps", "42.5", "--dept", "sales", "--date", "2026-04-01", "--confidence", "7",
                 "--note", "after the survey")
    assert result.exit_code == 0, result.output
    assert "recorded nps = 42.5 pts for sales on 2026-04-01" in result.stdout

    exported = cli("export", "readings", "--dept", "sales")
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    latest = [r for r in rows if r["date"] == "2026-04-01"]
    assert latest == [{
        "metric": "nps", "department": "sales", "date": "2026-04-01", "value": "42.5", "confidence": "7",
        "note": "after the survey", "id": latest[0]["id"], "recorded_by": "tester",
        "recorded_at": latest[0]["recorded_at"],
    }]
    assert seeded.get(Reading, latest[0]["id"]).value == 42.5


@pytest.mark.parametrize(
    ("args", "dept", "expected"),
    [
        (("NPS", "3"), "sales", "nps"),
        (("net promoter score", "3"), "SALES", "nps"),
        (("Average  Handle Time", "4.5"), "customer service", "aht"),
        (("nps", "-5"), "Customer Service", "nps"),  # a negative value is not an option
    ],
)
def test_metric_and_department_by_id_or_name(seeded, cli, args, dept, expected):
    result = cli("record", *args, "--dept", dept)
    assert result.exit_code == 0, result.output
    readings = seeded.readings(metric=expected)
    assert readings[-1].value == float(args[1])


def test_company_level_reading_without_dept(seeded, cli):
    result = cli("record", "aht", "7", "--date", "2026-05-05")
    assert result.exit_code == 0, result.output
    assert "for the company" in result.stdout
    assert seeded.readings(metric="aht", department=None)[0].value == 7


BAD_RECORDS = [
    (("nps", "abc"), "value: must be a number (got 'abc')"),
    (("nps", "nan"), "value: must be a finite number"),
    (("nps", "inf"), "value: must be a finite number"),
    (("nps", "-inf"), "value: must be a finite number"),
    (("nps", "1e999"), "value: must be a finite number"),
    (("nps", ""), "value: must be a number"),
    (("nps", "101"), "value: 101 is outside the scale of nps (-100..100 pts)"),
    (("nps", "-100.5"), "outside the scale of nps"),
    (("nsp", "10"), "unknown metric 'nsp'; did you mean 'nps'?"),
    (("zzz", "10"), "unknown metric 'zzz'"),
    (("nps", "10", "--date", "2026-02-30"), "--date: must be a real date as YYYY-MM-DD (got '2026-02-30')"),
    (("nps", "10", "--date", "1/3/2026"), "--date: must be a real date"),
    (("nps", "10", "--dept", "slaes"), "unknown department 'slaes'; did you mean 'sales'?"),
    (("nps", "10", "--confidence", "11"), "confidence: must be a whole number from 1 to 10"),
    (("nps", "10", "--confidence", "2.5"), "confidence: must be a whole number from 1 to 10"),
    (("nps", "10", "--note", "evil\x1b[31m"), "note: contains a control character U+001B"),
    (("nps", "10", "--note", "a\u202eb"), "note: contains a bidirectional override U+202E"),
]


@pytest.mark.parametrize(("args", "message"), BAD_RECORDS, ids=[" ".join(a) for a, _ in BAD_RECORDS])
def test_bad_record_changes_nothing(seeded, cli, store_path, args, message):
    before = tree_digest(store_path.parent)
    result = cli("record", *args)
    assert result.exit_code == 1, result.output
    assert message in one_error_line(result)
    assert result.stdout == ""
    assert tree_digest(store_path.parent) == before


def test_ambiguous_name_asks_for_the_id(seeded, cli, store_path):
    from cxtui.models import Department

    seeded.add(Department(id="sales-emea", name="SALES team"))
    seeded.add(Department(id="sales-us", name="Sales Team"))
    before = tree_digest(store_path.parent)
    result = cli("record", "nps", "5", "--dept", "sales team")
    assert result.exit_code == 1
    assert one_error_line(result) == (
        "error: ambiguous department 'sales team': it names sales-emea (SALES team), "
        "sales-us (Sales Team); use the id"
    )
    assert tree_digest(store_path.parent) == before


def test_usage_errors_exit_2_with_one_line(seeded, cli):
    for args in (("record", "nps"), ("record", "nps", "1", "--dept"), ("export", "nonsense"),
                 ("scorecard", "--format", "xml"), ("no-such-command",)):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
        line = one_error_line(result)
        assert "--help" in line


def test_missing_store_says_how_to_create_one(cli, store_path):
    result = cli("record", "nps", "1")
    assert result.exit_code == 1
    assert "no store at" in one_error_line(result)
    assert "cxtui init" in result.stderr
    assert not store_path.exists()


def test_db_option_before_or_after_the_command(seeded, cli, store_path, tmp_path, monkeypatch):
    other = tmp_path / "elsewhere.json"
    assert cli("--db", other, "init", "--empty").exit_code == 0
    assert cli("init", "--db", tmp_path / "third.json").exit_code == 0
    assert (tmp_path / "third.json").exists() and other.exists()
    result = cli("record", "nps", "1", "--db", other)
    assert result.exit_code == 1 and "unknown metric 'nps'" in result.stderr
    monkeypatch.delenv("CXTUI_DB")
    assert cli("--db", store_path, "record", "nps", "1", "-d", "sales").exit_code == 0


def test_only_leads_record_for_their_department(seeded, cli, store_path):
    before = tree_digest(store_path.parent)
    result = cli("record", "nps", "5", "--dept", "finance", env={"CXTUI_USER": "kim"})
    assert result.exit_code == 1
    assert one_error_line(result) == "error: kim leads sales, not finance; ask a lead of finance or an admin"
    assert tree_digest(store_path.parent) == before
    assert cli("record", "nps", "5", "--dept", "sales", env={"CXTUI_USER": "kim"}).exit_code == 0
