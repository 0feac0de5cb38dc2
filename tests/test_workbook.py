"""Excel workbooks: typed cells out (never a formula), `export all`, and the checked import back in."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from test_cli_record import one_error_line, tree_digest
from test_csv_roundtrip import _valid, name_text, text

from cxtui.exchange.table_columns import BOOKKEEPING, TABLES
from cxtui.exchange.workbook import BookWriter, _book_cells, _sheet_rows
from cxtui.models import Department, Goal, Metric, Reading, Scale
from cxtui.store import Store

HOSTILE = ["=1+2", "=HYPERLINK(\"http://x\",\"y\")", "+cmd", "-5", "@SUM(A1)", "#N/A", "#DIV/0!", "0815",
           "'=x", "1.2345e-05", "TRUE", "2026-03-12", "12/03/2026"]


def _width(sheet, column: int) -> float:
    """A column's width (openpyxl keeps adjacent columns of one width as one range)."""
    return next(d.width for d in sheet.column_dimensions.values() if d.min <= column <= d.max)


def _cells(sheet) -> list[list]:
    return [[c for c in row] for row in sheet.iter_rows()]


def test_export_readings_writes_typed_cells_and_never_a_formula(seeded, cli, tmp_path):
    out = tmp_path / "r.xlsx"
    result = cli("export", "readings", out)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote 2 rows of readings to {out}\n"
    sheet = load_workbook(out)["readings"]
    header, *rows = _cells(sheet)
    assert [c.value for c in header] == list(TABLES["readings"].columns)
    columns = {c.value: i for i, c in enumerate(header)}
    first, second = rows
    assert (first[columns["value"]].value, first[columns["value"]].data_type) == (12, "n")
    assert first[columns["date"]].is_date and first[columns["date"]].value == datetime(2026, 2, 1)
    assert (second[columns["note"]].value, second[columns["note"]].data_type) == ("=bad month", "s")
    assert second[columns["value"]].value == -5
    assert sheet.freeze_panes == "A2"
    assert all(c.data_type != "f" for row in rows for c in row)


def test_hostile_text_stays_text_cells(store, tmp_path):
    store.add_many([Department(id=f"d{i}", name=name, description=name) for i, name in enumerate(HOSTILE)])
    from cxtui.exchange.workbook import write_book

    assert write_book(store, "departments", tmp_path / "d.xlsx") == len(HOSTILE)
    for read_only in (False, True):
        book = load_workbook(tmp_path / "d.xlsx", read_only=read_only)
        rows = list(book["departments"].iter_rows(min_row=2))
        names = [(row[1].value, row[1].data_type) for row in rows]
        assert sorted(names) == sorted((name, "s") for name in HOSTILE)
        book.close()


def test_numbers_that_need_seventeen_digits_come_back_exactly(tmp_path):
    values = [0.1 + 0.2, 1 / 3, 2**-40, 5e-324, 123456789.12345679, -0.0, 1e15]
    book = BookWriter(tmp_path / "n.xlsx")
    book.sheet("n", ["x"], [[v] for v in values])
    assert book.close() == len(values)
    back = [row[0] for row in load_workbook(tmp_path / "n.xlsx")["n"].iter_rows(min_row=2, values_only=True)]
    assert back == values


def test_export_all_is_a_sheet_per_table_plus_scorecard_and_conflicts_as_of(seeded, cli, tmp_path):
    out = tmp_path / "book.xlsx"
    result = cli("export", "all", out, "--as-of", "2026-02-15")
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == ["scorecard", "conflicts", *TABLES]
    for sheet in book:
        assert sheet.freeze_panes == "A2", sheet.title
        header = next(sheet.iter_rows(max_row=1, values_only=True))
        # A file's width is the characters shown plus the cell's padding (under one character).
        assert all(len(name) < _width(sheet, i) < 61 for i, name in enumerate(header, 1)), sheet.title
    # As of 2026-02-15 only the first NPS reading exists.
    assert [r[3] for r in book["readings"].iter_rows(min_row=2, values_only=True)] == [12]
    card = {r[1]: r for r in book["scorecard"].iter_rows(min_row=2, values_only=True)}
    assert card["G-1"][7] == 12 and card["G-1"][8] == datetime(2026, 2, 1)
    assert any(r[0] == "finding" for r in book["conflicts"].iter_rows(min_row=2, values_only=True))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "all", "book.csv"], "'export all' writes an Excel workbook"),
        (["export", "all", "book.xlsx", "--dept", "sales"], "--dept does not apply to all"),
        (["import", "readings", "r.csv", "--sheet", "x"], "--sheet is for an Excel workbook"),
    ],
)
def test_usage_errors(seeded, cli, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = cli(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_format_option_writes_a_workbook_to_stdout(seeded, cli):
    result = cli("export", "goals", "--format", "xlsx")
    assert result.exit_code == 0, result.output
    book = load_workbook(io.BytesIO(result.stdout_bytes))
    assert [r[0] for r in book["goals"].iter_rows(min_row=2, values_only=True)] == ["G-1", "G-2"]


IMPORT_ORDER = ["departments", "metrics", "objectives", "goals", "incentives", "tensions", "links", "initiatives",
                "readings"]


def test_round_trip_of_every_table_through_the_cli(seeded, cli, tmp_path, monkeypatch):
    out = tmp_path / "book.xlsx"
    assert cli("export", "all", out).exit_code == 0
    other = tmp_path / "other" / "store.json"
    Store.init(other, user="tester")
    for table in IMPORT_ORDER:
        result = cli("import", table, out, "--db", other)
        assert result.exit_code == 0, (table, result.output)
    copy = Store(other, user="tester")
    for model in (Department, Metric, Goal):
        assert _plain(copy.list(model)) == _plain(seeded.list(model))
    assert _plain(copy.readings()) == _plain(seeded.readings())


def _plain(records) -> list[dict]:
    return [r.model_dump(exclude=set(BOOKKEEPING)) for r in records]


def _book(tmp_path, rows, title="readings", name="book.xlsx"):
    """A workbook as a person might make it (openpyxl's normal mode: "=..." becomes a formula)."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(tmp_path / name)
    return name


HEADER = ["metric", "department", "date", "value", "confidence", "note"]

BAD_BOOKS = [
    ([HEADER, ["nps", "sales", date(2026, 4, 1), "=1+2"]],
     "book.xlsx:readings:2: value: is a formula (=1+2); put the value itself in the cell"),
    ([HEADER, ["nps", "sales", date(2026, 4, 1), 5], ["nps", "sales", date(2026, 4, 2), "4,5"]],
     "book.xlsx:readings:3: value: use a decimal point, not a comma: 4.5 (got '4,5')"),
    ([HEADER, ["nps", "sales", datetime(2026, 4, 1, 9, 30), 5]],
     "book.xlsx:readings:2: date: is a date and time (2026-04-01 09:30:00); expected a date"),
    ([HEADER, ["nps", "sales", "2026-02-30", 5]],
     "book.xlsx:readings:2: date: must be a real date as YYYY-MM-DD (got '2026-02-30')"),
    ([HEADER, ["nps", "sales", date(2026, 4, 1), 150]], "book.xlsx:readings:2: value: 150 is outside the scale of nps"),
    ([HEADER, ["nps", "sales", date(2026, 4, 1), 5, None, None, "extra"]],
     "book.xlsx:readings:2: has 7 cells; the header has 6"),
    ([HEADER[:3]], "book.xlsx:readings: the header lacks the column(s) value"),
]


@pytest.mark.parametrize(("rows", "message"), BAD_BOOKS, ids=[m[18:70] for _, m in BAD_BOOKS])
def test_bad_sheet_imports_nothing(seeded, cli, store_path, tmp_path, monkeypatch, rows, message):
    name = _book(tmp_path, rows)
    before = tree_digest(store_path.parent)
    monkeypatch.chdir(tmp_path)
    result = cli("import", "readings", name)
    assert result.exit_code == 1, result.output
    assert one_error_line(result).startswith("error: " + message)
    assert tree_digest(store_path.parent) == before


def test_sheet_choice(seeded, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    book = Workbook()
    book.active.title = "Summary"
    book.active.append(["not", "readings"])
    q2 = book.create_sheet("Q2 readings")
    for row in [HEADER, ["nps", "sales", date(2026, 4, 1), 20, 8, "=not a formula"]]:
        q2.append(row)
    q2["F2"].data_type = "s"
    book.save(tmp_path / "q2.xlsx")
    missing = cli("import", "readings", "q2.xlsx")
    assert missing.exit_code == 1
    assert one_error_line(missing) == (
        "error: q2.xlsx: no sheet 'readings'; its sheets are Summary, Q2 readings; choose one with --sheet")
    result = cli("import", "readings", "q2.xlsx", "--sheet", "Q2 readings")
    assert result.exit_code == 0, result.output
    assert result.stdout == "imported 1 reading from q2.xlsx:Q2 readings\n"
    new = [r for r in seeded.readings() if r.date == date(2026, 4, 1)]
    assert [(r.value, r.confidence, r.note) for r in new] == [(20, 8, "=not a formula")]


def test_only_sheet_is_read_whatever_its_name(seeded, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = _book(tmp_path, [HEADER, [], ["aht", None, "2026-04-01", 7.25]], title="Sheet1")
    result = cli("import", "readings", name)
    assert result.exit_code == 0, result.output
    assert "imported 1 reading from book.xlsx:Sheet1" in result.stdout


def test_not_a_workbook(seeded, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fake.xlsx").write_text("metric,department,date,value\n")
    result = cli("import", "readings", "fake.xlsx")
    assert result.exit_code == 1
    assert one_error_line(result).startswith("error: fake.xlsx: not an Excel workbook (.xlsx)")


def test_a_workbook_given_as_csv_is_named(seeded, cli, tmp_path):
    assert cli("export", "readings", tmp_path / "r.xlsx").exit_code == 0
    result = cli("import", "readings", "-", input=(tmp_path / "r.xlsx").read_bytes())
    assert one_error_line(result).startswith("error: stdin is an Excel workbook or another zip file, not CSV")


def test_an_id_a_spreadsheet_made_a_number_is_caught(store, cli, tmp_path, monkeypatch):
    store.add_many([Department(id="0815", name="Ops"),
                    Metric(id="nps", name="NPS", scale=Scale(min=-100, max=100))])
    monkeypatch.chdir(tmp_path)
    readings = _book(tmp_path, [HEADER, ["nps", 815, date(2026, 4, 1), 5]])
    result = cli("import", "readings", readings)
    assert one_error_line(result).startswith(
        "error: book.xlsx:readings:2: department: unknown department '815'; did you mean '0815'?")
    departments = _book(tmp_path, [["id", "name"], [815, "Ops again"]], title="departments", name="d.xlsx")
    result = cli("import", "departments", departments)
    assert one_error_line(result).startswith(
        "error: d.xlsx:departments:2: id: '815' looks like the id '0815' with its leading zeros dropped")


# --- the round trip as a property ---------------------------------------------------------------------


def _through_book(table_name: str, record):
    table = TABLES[table_name]
    stream = io.BytesIO()
    book = BookWriter(stream)
    book.sheet(table_name, list(table.columns), [table.row(record)])
    book.close()
    read = load_workbook(stream, read_only=True)
    (_, header), (_, cells) = _sheet_rows(read[table_name], table_name)
    return table.model.model_validate(table.fields(_book_cells(header, cells)))


@seed(18)
@given(value=st.floats(allow_nan=False, allow_infinity=False), note=text | st.sampled_from(HOSTILE),
       confidence=st.none() | st.integers(1, 10), day=st.dates(date(1900, 1, 1), date(2200, 1, 1)))
@settings(max_examples=150)
def test_readings_round_trip(value, note, confidence, day):
    record = _valid(lambda: Reading(id="R-1", metric="m", department=None, date=day, value=value,
                                    confidence=confidence, note=note, recorded_by="kim",
                                    recorded_at="2026-01-02T03:04:05.678+00:00"))
    back = _through_book("readings", record)
    assert back.model_dump(exclude=set(BOOKKEEPING)) == record.model_dump(exclude=set(BOOKKEEPING))


@seed(18)
@given(title=name_text | st.sampled_from(HOSTILE), baseline=st.floats(-1e6, 1e6), gap=st.floats(1e-3, 1e6),
       description=text, start=st.dates(date(1990, 1, 1), date(2100, 1, 1)))
@settings(max_examples=100)
def test_goals_round_trip(title, baseline, gap, description, start):
    record = _valid(lambda: Goal(id="G-1", department="0815", title=title, metric="m", kind="increase",
                                 baseline=baseline, target=baseline + gap, start=start,
                                 deadline=date(2101, 1, 1), objectives=["O-1", "O-2"], description=description))
    assert _through_book("goals", record) == record


def test_text_the_file_must_escape_comes_back_as_written(tmp_path):
    # A workbook writes "_x0041_" as "_x005F_x0041_" and a control character as "_x0001_"; Excel and
    # LibreOffice decode both on reading, and so must the import (openpyxl leaves them as they are).
    texts = ["_x0041_", "_x005F_x0041_", "a\x01b", "tab\there", "line\nbreak", "plain_x_text"]
    book = BookWriter(tmp_path / "e.xlsx")
    book.sheet("departments", ["id", "name"], [[f"d{i}", t] for i, t in enumerate(texts)])
    book.close()
    read = load_workbook(tmp_path / "e.xlsx", read_only=True)
    (_, header), *rows = _sheet_rows(read["departments"], "departments")
    assert [cells[header.index("name")] for _, cells in rows] == texts


def test_an_empty_table_is_a_sheet_with_its_header(tmp_path):
    book = BookWriter(tmp_path / "e.xlsx")
    book.sheet("tensions", list(TABLES["tensions"].columns), [])
    assert book.close() == 0
    sheet = load_workbook(tmp_path / "e.xlsx")["tensions"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [list(TABLES["tensions"].columns)]
    assert sheet.freeze_panes == "A2"


def test_a_text_longer_than_a_cell_holds_is_refused_not_cut(tmp_path):
    from cxtui.exchange.csv_files import CsvInputError

    book = BookWriter(tmp_path / "e.xlsx")
    book.sheet("departments", ["id", "name"], [["d1", "ok"]])
    book.sheet("readings", ["id", "note"], [["R-1", "x" * 32_768]])
    with pytest.raises(CsvInputError, match="readings sheet has a text longer than a workbook cell holds"):
        book.close()


def test_more_rows_than_a_sheet_holds_are_refused_not_left_out(tmp_path):
    from cxtui.exchange import workbook
    from cxtui.exchange.csv_files import CsvInputError

    book = BookWriter(tmp_path / "e.xlsx")
    book.sheet("readings", ["id"], ([f"R-{i}"] for i in range(workbook.MAX_SHEET_ROWS + 1)))
    with pytest.raises(CsvInputError, match="readings sheet has more rows than a workbook sheet holds"):
        book.close()
