"""CSV out: formula cells neutralised, numbers untouched, unicode intact, files written atomically."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxtui.exchange import csv_files
from cxtui.models import Department, Goal

from test_cli_record import one_error_line


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-5 customers", "'-5 customers"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("\ncmd", "'\ncmd"),
        ("'=already quoted", "''=already quoted"),
        ("'tis fine", "'tis fine"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_text_cells_that_could_run_are_guarded(text, written):
    assert csv_files.cell(text) == written
    assert csv_files.unneutralise(written) == text


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (-5.0, "-5"),
        (-5.25, "-5.25"),
        (0.1, "0.1"),
        (1e20, "100000000000000000000"),
        (-1e-7, "-0.0000001"),
        (42, "42"),
        (True, "true"),
        (None, ""),
        (date(2026, 3, 1), "2026-03-01"),
        (datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc), "2026-03-01T09:30:00+00:00"),
        (["O-1", "O-2"], "O-1;O-2"),
        (["-x"], "'-x"),
    ],
)
def test_numbers_dates_and_lists(value, written):
    assert csv_files.cell(value) == written


@given(st.text())
def test_guarding_is_undone_exactly(text):
    assert csv_files.unneutralise(csv_files.neutralise(text)) == text
    assert not csv_files.neutralise(text).startswith(tuple(csv_files.FORMULA_STARTS))


def _rows(result) -> list[dict[str, str]]:
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_export_guards_user_text_but_not_numbers(seeded, cli):
    seeded.add(Department(id="evil", name='=HYPERLINK("http://x","click")', description="@SUM(1)"))
    seeded.add(Goal(id="G-9", department="evil", title="+1 more customers", metric="nps", kind="increase",
                    baseline=-20, target=-5, start="2026-01-01", deadline="2026-12-31"))
    departments = {r["id"]: r for r in _rows(cli("export", "departments"))}
    assert departments["evil"]["name"] == '\'=HYPERLINK("http://x","click")'
    assert departments["evil"]["description"] == "'@SUM(1)"
    goal = {r["id"]: r for r in _rows(cli("export", "goals"))}["G-9"]
    assert goal["title"] == "'+1 more customers"
    assert (goal["baseline"], goal["target"]) == ("-20", "-5")
    readings = _rows(cli("export", "readings"))
    negative = [r for r in readings if r["date"] == "2026-03-01"][0]
    assert negative["value"] == "-5"
    assert negative["note"] == "'=bad month"


def test_unicode_survives_and_excel_gets_a_bom(seeded, cli, tmp_path):
    name = "Kundenservice Ünïcödé 日本 🚀 עברית"
    seeded.add(Department(id="ks", name=name))
    plain = cli("export", "departments")
    assert plain.stdout_bytes.startswith(b"id,name")
    assert name.encode("utf-8") in plain.stdout_bytes
    out = tmp_path / "deps.csv"
    result = cli("export", "departments", out, "--excel")
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,name,")
    assert name in data.decode("utf-8-sig")


def test_scorecard_export_columns(seeded, cli):
    rows = _rows(cli("export", "scorecard", "--as-of", "2026-03-15"))
    assert list(rows[0]) == [
        "department", "goal", "title", "metric", "kind", "baseline", "target", "latest", "latest_date",
        "progress_pct", "expected_pct", "status", "stale", "trend_delta", "objectives", "open_findings",
    ]
    g1 = {r["goal"]: r for r in rows}["G-1"]
    assert (g1["department"], g1["latest"], g1["latest_date"], g1["objectives"]) == ("sales", "-5", "2026-03-01", "O-1")
    assert g1["progress_pct"] == "0"
    assert g1["trend_delta"] == "-17"
    sales_only = _rows(cli("export", "scorecard", "--dept", "Sales", "--as-of", "2026-03-15"))
    assert {r["department"] for r in sales_only} == {"sales"}


def test_as_of_and_dept_filters(seeded, cli):
    assert [r["value"] for r in _rows(cli("export", "readings", "--as-of", "2026-02-15"))] == ["12"]
    assert _rows(cli("export", "readings", "--dept", "finance")) == []
    assert [r["id"] for r in _rows(cli("export", "goals", "--dept", "FINANCE"))] == ["G-2"]
    assert [r["id"] for r in _rows(cli("export", "departments", "-d", "customer service"))] == ["customer-service"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("metrics", "--dept", "sales"), "--dept does not apply to metrics"),
        (("goals", "--as-of", "2026-01-01"), "--as-of does not apply to goals"),
    ],
)
def test_filters_that_do_not_apply_are_usage_errors(seeded, cli, args, message):
    result = cli("export", *args)
    assert result.exit_code == 2
    assert message in one_error_line(result)


def test_audit_and_conflicts_export(seeded, cli):
    audit = _rows(cli("export", "audit"))
    assert {"at", "by", "action", "entity", "entity_id", "before", "after"} <= set(audit[0])
    assert any(r["entity"] == "goal" and r["entity_id"] == "G-1" and r["by"] == "tester" for r in audit)
    conflicts = _rows(cli("export", "conflicts", "--as-of", "2026-03-15"))
    assert conflicts and {r["kind"] for r in conflicts} <= {"finding", "flag"}
    assert any(set(r["departments"].split(";")) == {"sales", "finance"} for r in conflicts)


def test_file_export_is_atomic(seeded, cli, tmp_path, monkeypatch):
    out = tmp_path / "readings.csv"
    out.write_text("the previous export\n")
    out.chmod(0o640)

    def failing_csv(store, **_):
        def chunks():
            yield b"metric,department,date,value,confidence,note,id,recorded_by,recorded_at\n"
            yield b"nps,sales,2026-01-01,1,,,R-1,kim,\n"
            raise OSError(28, "No space left on device")

        return chunks(), lambda: 1

    with monkeypatch.context() as patch:
        patch.setattr("cxtui.exchange.exporting.reading_csv", failing_csv)
        result = cli("export", "readings", out)
    assert result.exit_code == 1
    assert "No space left on device" in one_error_line(result)
    assert out.read_text() == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["readings.csv", "team"]

    result = cli("export", "readings", out)
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("metric,department,date,value")
    assert out.stat().st_mode & 0o777 == 0o640
    assert "wrote 2 rows of readings" in result.stderr


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nowhere/goals.csv", "nowhere/goals.csv: No such file or directory"),
        (".", ": is a directory; give a file name"),
    ],
)
def test_export_to_an_impossible_place(seeded, cli, tmp_path, target, message):
    before = sorted(p.name for p in tmp_path.iterdir())
    result = cli("export", "goals", tmp_path / target)
    assert result.exit_code == 1
    assert message in one_error_line(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


_CELLS = st.one_of(
    st.text(), st.text(alphabet=',"\r\n=+-@\'; ab'), st.none(), st.booleans(), st.integers(),
    st.floats(allow_nan=False, allow_infinity=False), st.dates(), st.lists(st.text(max_size=3), max_size=3),
)


@given(st.lists(st.lists(_CELLS, max_size=5), max_size=20), st.booleans())
def test_render_writes_what_the_csv_module_writes(rows, excel):
    """render() joins plain lines itself; every line must be what csv.writer makes of the cells."""
    header = ["a", "b"]
    expected = io.StringIO()
    expected.write(csv_files.BOM if excel else "")
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([csv_files.cell(v) for v in row] for row in rows)
    assert "".join(csv_files.render(header, rows, excel=excel)) == expected.getvalue()
