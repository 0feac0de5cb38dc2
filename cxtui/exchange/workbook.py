"""Excel workbooks: typed cells out, and the same checked, all-or-nothing import back in.

A spreadsheet that opens a CSV file guesses each cell's type ("0815" becomes 815); a workbook says
it. So numbers are number cells, dates are date cells, and text is a text cell whatever it looks
like: a text starting with "=" or reading "#N/A" is still text, never a formula or an error.
Timestamps are ISO text, since Excel's date-times carry no time zone.

Both ways stream: sheets are written with XlsxWriter's constant-memory mode (the faster writer)
and read with openpyxl's read-only mode, so a workbook of any size takes about constant memory. An
import reads one sheet (the one named like the table, or --sheet) through the checks of
`importing`, and names a row's problems as `book.xlsx:sheet:row`.
"""

from __future__ import annotations

import itertools
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Self

from cxtui.exchange.csv_files import CsvInputError
from cxtui.exchange.exporting import (
    CONFLICT_COLUMNS,
    SCORECARD_COLUMNS,
    conflict_rows,
    export_rows,
    scorecard_rows,
)
from cxtui.exchange.importing import ImportPlan, RowProblem, plan_rows
from cxtui.exchange.table_columns import TABLES
from cxtui.models import number_text

# Column widths come from the header and this many first rows (a sheet is written as it streams).
WIDTH_SAMPLE = 200
MAX_WIDTH = 60


def is_workbook(path: str) -> bool:
    return path.lower().endswith(".xlsx")


# --- writing ---------------------------------------------------------------------------------------


def export_book(store, what: str, out: BinaryIO, *, dept: str | None = None, as_of: date | None = None) -> int:
    """Write `what` as a one-sheet workbook, or "all": the scorecard and conflicts as of `as_of` and
    every data table (readings up to `as_of`), one sheet each. Returns the number of rows written."""
    if what == "all":
        sheets: list[tuple[str, list[str], Iterable[list[Any]]]] = [
            ("scorecard", SCORECARD_COLUMNS, scorecard_rows(store, dept=None, as_of=as_of)),
            ("conflicts", CONFLICT_COLUMNS, conflict_rows(store, dept=None, as_of=as_of)),
        ]
        for name in TABLES:
            sheets.append((name, *export_rows(store, name, as_of=as_of if name == "readings" else None)))
    else:
        sheets = [(what, *export_rows(store, what, dept=dept, as_of=as_of))]
    with BookWriter(out) as book:
        return sum(book.sheet(title, header, rows) for title, header, rows in sheets)


class _Exact(float):
    """A number XlsxWriter writes with every digit it needs: it writes 16 significant digits, and
    0.1 + 0.2 needs 17 to come back as itself."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return repr(float(self))


class BookWriter:
    """A workbook written with XlsxWriter's constant-memory mode: each sheet streams to a temporary
    file row by row, so a sheet of any length takes about constant memory. Text goes in with
    `write_string`, which never makes a formula, a number or a link of it."""

    def __init__(self, out: str | Path | BinaryIO) -> None:
        import xlsxwriter

        self._book = xlsxwriter.Workbook(out, {"constant_memory": True})
        self._bold = self._book.add_format({"bold": True})
        self._day = self._book.add_format({"num_format": "yyyy-mm-dd"})

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind, *_: object) -> None:
        if kind is None:
            self._book.close()

    def sheet(self, title: str, header: list[str], rows: Iterable[list[Any]]) -> int:
        """Write one sheet: a bold, frozen header row, then `rows`. Returns how many rows."""
        sheet = self._book.add_worksheet(title)
        table = TABLES.get(title)
        # Readings come from the store with their dates as ISO text; a date column gets date cells.
        dates = [i for i, column in enumerate(header) if table and column in table.date_fields]
        rows = iter(rows)
        sample = list(itertools.islice(rows, WIDTH_SAMPLE))
        # Widths are set before the first row: a constant-memory sheet streams.
        for i, column in enumerate(header):
            longest = max([len(column) + 2, *(_shown_width(row[i]) for row in sample)])
            sheet.set_column(i, i, min(longest + 1, MAX_WIDTH))
        sheet.freeze_panes(1, 0)
        for i, column in enumerate(header):
            sheet.write_string(0, i, column, self._bold)
        put = {
            str: sheet.write_string, int: sheet.write_number, float: self._number_writer(sheet),
            bool: sheet.write_boolean, date: self._date_writer(sheet),
        }
        count = 0
        for count, row in enumerate(itertools.chain(sample, rows), 1):
            for i in dates:
                if type(row[i]) is str:
                    row[i] = date.fromisoformat(row[i])
            for i, value in enumerate(row):
                if value is None:
                    continue
                writer = put.get(type(value))
                if writer is None:
                    value = _converted(value)
                    writer = put[type(value)]
                writer(count, i, value)
        return count

    def _number_writer(self, sheet) -> Callable[[int, int, float], Any]:
        write = sheet.write_number

        def number(row: int, column: int, value: float) -> Any:
            if float(f"{value:.16g}") != value:
                value = _Exact(value)
            return write(row, column, value)

        return number

    def _date_writer(self, sheet) -> Callable[[int, int, date], Any]:
        write, day = sheet.write_datetime, self._day
        return lambda row, column, value: write(row, column, value, day)


def _converted(value: Any) -> str | float:
    """A value of a type without its own cell, as text (or a number for other number types)."""
    if isinstance(value, datetime):
        return value.isoformat()  # Excel's date-times carry no time zone
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, (int, float)):
        return float(value)
    return str(value)


def _shown_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, date):
        return len(value.isoformat())
    if isinstance(value, (list, tuple)):
        return len(";".join(map(str, value)))
    return max(map(len, str(value).splitlines() or [""]))


# --- reading ---------------------------------------------------------------------------------------


class BadCell(str):
    """A cell the import cannot take as text (a formula, an error value); holds the reason."""

    message: str

    def __new__(cls, shown: str, message: str) -> Self:
        cell = super().__new__(cls, shown)
        cell.message = message
        return cell


def plan_book_import(
    store, table_name: str, path: str, *, sheet: str | None = None,
    on_progress: Callable[[], None] | None = None,
) -> tuple[ImportPlan, str]:
    """Read and check the sheet `sheet` (by default the one named like the table, or the only one)
    of the workbook at `path`. Returns the plan and the name its problems are reported under,
    "path:sheet". Raises CsvInputError when the file or the sheet is unusable."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError) as exc:
        raise CsvInputError(f"{path}: not an Excel workbook (.xlsx) ({exc})") from None
    try:
        title = sheet or table_name
        if title not in book.sheetnames:
            if sheet is None and len(book.sheetnames) == 1:
                title = book.sheetnames[0]
            else:
                listed = ", ".join(book.sheetnames)
                raise CsvInputError(f"{path}: no sheet {title!r}; its sheets are {listed}; choose one with --sheet")
        name = f"{path}:{title}"
        worksheet = book[title]
        # The size a file declares may be wrong; reading to the end is what makes every row count.
        worksheet.reset_dimensions()
        plan = plan_rows(store, table_name, _sheet_rows(worksheet, table_name), name,
                         on_progress=on_progress, cells_of=_book_cells)
    finally:
        book.close()
    return plan, name


def _sheet_rows(worksheet, table_name: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) for each row, the header first; the header's length sets the
    width of every row (empty cells beyond it are dropped, others kept to be reported)."""
    table = TABLES[table_name]
    rows = worksheet.iter_rows()
    header_cells = next(rows, None)
    if header_cells is None:
        return
    header = [_header_text(c.value) for c in header_cells]
    while header and not header[-1]:
        header.pop()
    yield 1, header
    kinds = ["date" if c.strip().lower() in table.date_fields else "" for c in header]
    width = len(header)
    for number, cells in enumerate(rows, 2):
        values = [_as_text(cell, kind) for cell, kind in zip(cells, kinds)]
        extra = [_as_text(cell, "") for cell in cells[width:]]
        while extra and not extra[-1]:
            extra.pop()
        values += [""] * (width - len(values)) + extra
        yield number, values


def _header_text(value: Any) -> str:
    return "" if value is None else str(value)


def _as_text(cell, kind: str) -> str:
    """A cell's value as the text the import checks, as a CSV cell would hold it."""
    value = cell.value
    if value is None:
        return ""
    data_type = cell.data_type
    if data_type == "f":
        return BadCell(str(value), f"is a formula ({str(value)[:40]}); put the value itself in the cell")
    if data_type == "e":
        return BadCell(str(value), f"is the spreadsheet error {value}; put a value in the cell")
    kind_of = type(value)
    if kind_of is str:
        return value
    if kind_of is bool:
        return "true" if value else "false"
    if kind_of is int:
        return str(value)
    if kind_of is float:
        return number_text(value)
    if isinstance(value, datetime):
        if kind == "date":
            if value.time() != time(0):
                return BadCell(value.isoformat(), f"is a date and time ({value.isoformat(sep=' ')}); expected a date")
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return BadCell(str(value), f"is a duration ({value}); expected {'a date' if kind == 'date' else 'a value'}")
    return str(value)


def _book_cells(columns: list[str], cells: list[str]) -> dict[str, str]:
    bad = [f"{column}: {cell.message}" for column, cell in zip(columns, cells) if type(cell) is BadCell]
    if bad:
        raise RowProblem(*bad)
    return dict(zip(columns, cells))


def write_book(store, what: str, out: str | Path | BinaryIO, **filters: Any) -> int:
    """export_book to a path (written atomically) or an open binary stream."""
    from cxtui.exchange.csv_files import write_atomically

    if isinstance(out, (str, Path)):
        counted: list[int] = []
        write_atomically(Path(out), lambda stream: counted.append(export_book(store, what, stream, **filters)))
        return counted[0]
    return export_book(store, what, out, **filters)
