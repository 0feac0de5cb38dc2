"""Excel workbooks: typed cells out, and the same checked, all-or-nothing import back in.

A spreadsheet that opens a CSV file guesses each cell's type ("0815" becomes 815); a workbook says
it. So numbers are number cells, dates are date cells, and text is a text cell whatever it looks
like: a text starting with "=" or reading "#N/A" is still text, never a formula or an error.
Timestamps are ISO text, since Excel's date-times carry no time zone.

Both ways stream: sheets are written by rustpy-xlsxwriter, each from its rows, and read with
openpyxl's read-only mode, so a workbook of any size takes about constant memory. An import reads
one sheet (the one named like the table, or --sheet) through the checks of `importing`, and names a
row's problems as `book.xlsx:sheet:row`.
"""

from __future__ import annotations

import itertools
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Self

from cxtui.exchange.csv_files import CsvInputError
from cxtui.exchange.exporting import (
    CONFLICT_COLUMNS,
    SCORECARD_COLUMNS,
    card_rows,
    export_rows,
    finding_rows,
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
        from cxtui.engine.flags import unresolved
        from cxtui.engine.scorecard import build_scorecard

        # One snapshot for both: the conflicts sheet holds the scorecard's own findings.
        day = as_of or date.today()
        snapshot = store.snapshot(day)
        card = build_scorecard(snapshot, as_of=day)
        sheets: list[tuple[str, list[str], Iterable[Sequence[Any]]]] = [
            ("scorecard", SCORECARD_COLUMNS, card_rows(card)),
            ("conflicts", CONFLICT_COLUMNS, finding_rows(card.findings, unresolved(snapshot.flags))),
        ]
        for name in TABLES:
            sheets.append((name, *export_rows(store, name, as_of=as_of if name == "readings" else None)))
    else:
        sheets = [(what, *export_rows(store, what, dept=dept, as_of=as_of))]
    book = BookWriter(out)
    for title, header, rows in sheets:
        book.sheet(title, header, rows)
    return book.close()


class BookWriter:
    """A workbook written by rustpy-xlsxwriter (a binding of rust_xlsxwriter, the Rust port of
    XlsxWriter), about eight times as fast as XlsxWriter on a sheet of readings. `sheet` adds a
    sheet; `close` writes them all, each streamed from its rows (constant memory), so rows are read
    only then. Text is always a text cell, never a formula, a number or a link; numbers keep every
    digit (0.1 + 0.2 comes back as itself); dates are date cells."""

    def __init__(self, out: str | Path | BinaryIO) -> None:
        self._out = out
        self._sheets: list[tuple[str, Iterator[dict[str, Any]]]] = []
        self._widths: dict[str, dict[str, float]] = {}
        self._formats: dict[str, dict[str, Any]] = {}
        self._count = 0
        self._writing = ""

    def sheet(self, title: str, header: list[str], rows: Iterable[Sequence[Any]]) -> None:
        """Add one sheet: a bold, frozen header row, then `rows` (each as wide as the header)."""
        from rustpy_xlsxwriter import Format

        table = TABLES.get(title)
        # Readings come from the store with their dates as ISO text; a date column gets date cells.
        dates = {i for i, column in enumerate(header) if table and column in table.date_fields}
        blocks = _column_blocks(rows, len(header))
        first = next(blocks, None)
        sample = list(itertools.islice(zip(*first), WIDTH_SAMPLE)) if first else []
        # Widths come from the header and the first rows: the sheet streams.
        self._widths[title] = {
            column: min(max([len(column) + 2, *(_shown_width(row[i]) for row in sample)]) + 1, MAX_WIDTH)
            for i, column in enumerate(header)
        }
        day = Format().set_num_format("yyyy-mm-dd")
        self._formats[title] = {header[i]: day for i in dates}
        blocks = itertools.chain([first] if first else [], blocks)
        self._sheets.append((title, self._records(title, header, blocks, dates)))

    def _records(self, title: str, header: list[str], blocks: Iterator[list[Sequence[Any]]],
                 dates: set[int]) -> Iterator[dict]:
        # The writer takes a row's values in the order of its dict, so each is built from the header
        # (in C, a block of rows at a time: a call per row was a third of `export all`).
        self._writing = title
        count = 0
        for columns in blocks:
            cells = [_cells(column, i in dates) for i, column in enumerate(columns)]
            count += len(cells[0])
            yield from map(dict, map(zip, itertools.repeat(header), zip(*cells)))
        self._count += count
        if not count:
            # An empty sheet still says its columns: a row of empty cells writes the header alone.
            yield dict.fromkeys(header)

    def close(self) -> int:
        """Write every sheet; returns how many rows they hold."""
        import rustpy_xlsxwriter

        try:
            rustpy_xlsxwriter.write_worksheets(
                self._sheets, self._out, freeze_panes={"general": {"row": 1, "col": 0}}, bold_headers=True,
                column_widths=self._widths, column_formats=self._formats)
        except RuntimeError as exc:
            # Refused, not cut short (XlsxWriter cut texts and left out rows): a workbook missing
            # part of a note or of the readings is a wrong one.
            if "32,767" in str(exc):
                problem = f"has a text longer than a workbook cell holds ({MAX_CELL_TEXT:,} characters)"
            elif "allowed limits" in str(exc):
                problem = f"has more rows than a workbook sheet holds ({MAX_SHEET_ROWS:,} below the header)"
            else:
                raise
            raise CsvInputError(f"the {self._writing} sheet {problem}; export it as CSV, or a part of it "
                                "with --as-of or --dept") from None
        return self._count


# What the writer takes as it is; None is an empty cell.
_CELL_TYPES = frozenset({str, int, float, bool, date, type(None)})
MAX_CELL_TEXT = 32_767
MAX_SHEET_ROWS = 1_048_575
BLOCK_ROWS = 1000


def _column_blocks(rows: Iterable[Sequence[Any]], width: int) -> Iterator[list[Sequence[Any]]]:
    """`rows` as blocks of columns."""
    rows = iter(rows)
    while block := list(itertools.islice(rows, BLOCK_ROWS)):
        columns = list(zip(*block, strict=True))
        if len(columns) != width:
            raise ValueError(f"rows of {len(columns)} cells under a header of {width}")
        yield columns


def _cells(column: Sequence[Any], dates: bool) -> Sequence[Any]:
    """A column's values as the writer takes them: ISO dates in a date column as dates, other
    types (timestamps, lists) as text."""
    kinds = set(map(type, column))
    if dates and str in kinds:
        return [date.fromisoformat(v) if type(v) is str else v for v in column]
    if kinds <= _CELL_TYPES:
        return column
    return [v if type(v) in _CELL_TYPES else _converted(v) for v in column]


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
        # A workbook escapes some characters as _xHHHH_ (a literal "_x0041_" as "_x005F_x0041_"), which
        # Excel and LibreOffice decode on reading and openpyxl leaves as it is: decoded here.
        return _unescaped(value) if "_x" in value else value
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


def _unescaped(text: str) -> str:
    from openpyxl.utils.escape import unescape

    return unescape(text)


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
