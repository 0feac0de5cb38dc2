"""CSV that spreadsheets can open safely, written atomically, and read defensively.

Writing: text cells that a spreadsheet could run as a formula get a leading apostrophe; numbers are
written as plain numbers and never touched (a negative value stays -5). Reading: strict UTF-8 (a BOM
is allowed), line length capped, so that a wrong or garbage file fails on its first lines instead of
being loaded whole.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import itertools
import operator
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from cxtui.models import number_text

FORMULA_STARTS = "=+-@\t\r\n"
# Apostrophes before a formula character are escaped too, so that reading undoes writing exactly:
# "'=x" (a user's own apostrophe) is written "''=x" and read back as "'=x".
_NEEDS_GUARD = re.compile(r"^'*[" + re.escape(FORMULA_STARTS) + "]")
_GUARDED = re.compile(r"^'+[" + re.escape(FORMULA_STARTS) + "]")

BOM = "\ufeff"
MAX_LINE_BYTES = 1 << 20
ZIP_MAGIC = b"PK\x03\x04"  # how an .xlsx file starts


_GUARD_FIRST = frozenset(FORMULA_STARTS + "'")


def neutralise(text: str) -> str:
    if not text or text[0] not in _GUARD_FIRST:
        return text  # the common case, without the regex: exports run this on every cell
    return "'" + text if _NEEDS_GUARD.match(text) else text


def unneutralise(text: str) -> str:
    return text[1:] if _GUARDED.match(text) else text


# Longer than this, plain notation is more digits to misread than the exponent saves (5e-324 would
# be 326 characters); such numbers keep their exponent.
MAX_PLAIN_NUMBER = 40


def plain_number(value: float) -> str:
    """A number in plain decimal notation (0.000012345, not 1.2345e-05), which spreadsheets read back
    digit for digit, where they shorten an exponent's digits. Exact: the digits are those of repr."""
    text = number_text(value)
    if "e" not in text:
        return text
    plain = format(Decimal(text), "f")
    return plain if len(plain) <= MAX_PLAIN_NUMBER else text


def cell(value: Any) -> str:
    """One value as CSV text: numbers as numbers, ISO dates, ``;``-joined lists, guarded text."""
    kind = type(value)
    if kind is str:
        return neutralise(value)
    if kind is float:
        return plain_number(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return plain_number(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return neutralise(";".join(str(v) for v in value))
    return neutralise(str(value))


def header_line(header: list[str], *, excel: bool = False) -> str:
    """The first line of a CSV file; with `excel`, after a byte-order mark."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(header)
    return BOM + buffer.getvalue() if excel else buffer.getvalue()


def render(header: list[str], rows: Iterable[Iterable[Any]], *, excel: bool = False) -> Iterator[str]:
    """The CSV text, in chunks of lines. Rows are turned into text a column of a chunk at a time
    (`_chunk_text`), which writes what `_row_lines` would, byte for byte, in passes over a column
    in C: for a million readings, a call or two per cell was most of `cxtui export readings`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    yield header_line(header, excel=excel)
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, CHUNK_ROWS)):
        text = _chunk_text(chunk)
        yield text if text is not None else "".join(_row_lines(chunk, writer, buffer))


CHUNK_ROWS = 1000
_TEXT_TYPES = frozenset({str, type(None)})
_first_char = operator.itemgetter(slice(0, 1))
_NONE_AS_EMPTY = {None: ""}


def _column_cells(column: Sequence[Any], numbers: dict[float, str] | None = None) -> Sequence[str]:
    """cell() of each value of a column, with the common columns done without a call per value.
    `numbers`: the text of floats met before (kept by the caller across the blocks of a month)."""
    if column and type(column[0]) is str and (cells := _plain_text(column)) is not None:
        return cells
    kinds = set(map(type, column))
    if kinds <= _TEXT_TYPES and str in kinds:
        if kinds != {str}:  # a company-level reading has no department
            column = list(map(_NONE_AS_EMPTY.get, column, column))
        # Each distinct text looked at once (ids and names repeat; their hashes are kept).
        if _GUARD_FIRST.isdisjoint(map(_first_char, set(column))):
            return column  # plain text: cell() would return each unchanged ("" for None)
    elif kinds == {float}:
        # Readings repeat their values (scores, counts): each distinct one is written once. Most
        # blocks after a month's first hold no value not met before: one pass, no set of them.
        numbers = {} if numbers is None else numbers
        with contextlib.suppress(KeyError):
            return list(map(numbers.__getitem__, column))
        for value in set(column).difference(numbers):
            numbers[value] = cell(value)  # -0.0 and 0.0 are one key: both are written "0"
        with contextlib.suppress(KeyError):  # NaN is never found again: a call per value
            return list(map(numbers.__getitem__, column))
    elif kinds == {type(None)}:
        return [""] * len(column)
    return list(map(cell, column))


def _plain_text(column: Sequence[Any]) -> Sequence[str] | None:
    """The column itself when it is all text that cell() leaves alone, told from its least value
    and, when that is not enough, its greatest (a pass in C each): every value then starts with a
    letter or every one with a digit, and none with a formula character (all of which sort before
    "A"). None: look closer."""
    try:
        low = min(column)
        if type(low) is str and low[:1] >= "A":
            return column  # the common case, ids and names: one pass
        high = max(column)
    except TypeError:  # not all of one kind
        return None
    if type(low) is not str or type(high) is not str:
        return None
    if high == "" or ("0" <= low[:1] and high[:1] <= "9"):
        return column
    return None


def _chunk_text(chunk: list[Any]) -> str | None:
    """The lines of `chunk` as _row_lines writes them, or None when some line needs the csv module
    (a cell with a comma, quote or line break) or the rows are not plain sequences of one width."""
    if not set(map(type, chunk)) <= {list, tuple}:
        return None
    widths = set(map(len, chunk))
    if len(widths) != 1 or widths.pop() < 2:
        return None  # a row of one empty cell is quoted; ragged rows are left to the row path
    return _block_text(list(zip(*chunk)))


def _block_cells(columns: Sequence[Sequence[Any]], numbers: dict[float, str] | None,
                 plain: Collection[int]) -> list[Sequence[str]]:
    return [column if i in plain else _column_cells(column, numbers) for i, column in enumerate(columns)]


def _block_text(columns: Sequence[Sequence[Any]], numbers: dict[float, str] | None = None,
                plain: Collection[int] = ()) -> str | None:
    """The lines of the rows a block of equal-length columns holds, each ending in a line break, as
    _row_lines writes them, made a column at a time; or None when a line needs the csv module (see
    _plain). `plain`: the positions of columns known to be text that cell() leaves as it is."""
    text = "\n".join(map(",".join, zip(*_block_cells(columns, numbers, plain))))
    return text + "\n" if _plain(text, len(columns[0]), len(columns)) else None


def _plain(text: str, rows: int, width: int) -> bool:
    """Whether `rows` lines of `width` cells joined by line breaks hold no cell the csv module would
    quote (a comma, quote or line break: the counts tell)."""
    return ('"' not in text and "\r" not in text and text.count("\n") == rows - 1
            and text.count(",") == rows * (width - 1))


def block_text(columns: Sequence[Sequence[Any]], numbers: dict[float, str] | None = None,
               plain: Collection[int] = ()) -> str | list[str]:
    """The CSV lines of the rows a block of equal-length columns holds (two or more columns, for rows
    of one width): what render writes for them, made column by column without building them. A
    text, each line ending in a line break; or, when a cell had to be quoted (it may hold a line
    break of its own), a list of the lines. `numbers`: the text of floats met before, kept by the
    caller across blocks. `plain`: positions of columns the caller knows hold only text that cell()
    leaves as it is (no formula character first; the check for commas, quotes and line breaks still
    covers them)."""
    text = _block_text(columns, numbers, plain) if columns[0] else ""
    if text is not None:
        return text
    buffer = io.StringIO()
    return list(_row_lines(zip(*columns), csv.writer(buffer, lineterminator="\n"), buffer))


def ordered_text(blocks: Iterable[str | list[str]], order: Sequence[int] | None = None) -> str:
    """The lines of block_text's blocks one after another, or put in `order` (positions into all
    their lines) when given."""
    if order is None:
        return "".join(block if type(block) is str else "".join(block) for block in blocks)
    lines: list[str] = []
    for block in blocks:
        if type(block) is not str:
            lines += [line[:-1] for line in block]
        elif block:  # no cell of it is quoted: its line breaks end its lines
            lines += block[:-1].split("\n")
    return "\n".join(map(lines.__getitem__, order)) + "\n" if lines else ""


def _row_lines(rows: Iterable[Iterable[Any]], writer, buffer: io.StringIO) -> Iterator[str]:
    for row in rows:
        # Most cells are text that needs no guard: those are written without a call to cell().
        cells = [v if type(v) is str and v[:1] not in _GUARD_FIRST else cell(v) for v in row]
        line = ",".join(cells)
        # The csv module quotes only a cell holding a comma, quote or line break (or a row of one
        # empty cell). A line without any of those is what it would write; joining it ourselves
        # took 260 ms to 185 ms for 100,000 readings.
        plain = '"' not in line and "\n" not in line and "\r" not in line
        if plain and line and line.count(",") == len(cells) - 1:
            yield line + "\n"
        else:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(cells)
            yield buffer.getvalue()


def write_stream(chunks: Iterable[str | bytes], stream: BinaryIO) -> None:
    """Text chunks as UTF-8; chunks of bytes as they are."""
    for chunk in chunks:
        stream.write(chunk if type(chunk) is bytes else chunk.encode("utf-8"))
    stream.flush()


def write_file(chunks: Iterable[str | bytes], path: Path) -> None:
    write_atomically(path, lambda out: write_stream(chunks, out))


# The process's own descriptors by name (`cxtui export readings /dev/stdout >> log`).
_OWN_DESCRIPTOR = re.compile(r"/dev/(?:(stdout)|(stderr)|fd/(\d+))|/proc/self/fd/(\d+)")


def write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Let `write` fill a temp file beside `path`, fsync, rename over it. A failure leaves `path` as it was.

    A pipe or a character device (`/dev/stdout`, a named pipe, a terminal) is written into instead:
    renaming a file over it would put a file where the device was. An OSError names `path` (not the
    temp file), which is what the user asked to write.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a directory; give a file name", str(path))
    try:
        stream = _stream_target(path)
        if stream is not None:
            with stream as out:
                write(out)
            return
    except BrokenPipeError:
        raise  # the reader went away (`... /dev/stdout | head`): the CLI stops quietly
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
            os.fchmod(out.fileno(), _mode_for(path))
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _stream_target(path: Path) -> BinaryIO | None:
    """An open stream for a path that names one, else None (a file: written atomically).

    The process's own descriptors are written through a copy of the descriptor, so that the
    shell's `>>` still appends; a named pipe or character device that is `path` itself (not
    reached through a link, which a group member could plant where a lead exports) is opened
    for writing. A block device is refused."""
    own = _OWN_DESCRIPTOR.fullmatch(str(path))
    if own:
        stdout, stderr, fd, proc_fd = own.groups()
        number = 1 if stdout else 2 if stderr else int(fd or proc_fd)
        for stream in (sys.stdout, sys.stderr):
            if stream is not None and not stream.closed:
                stream.flush()  # what was printed before comes before
        return os.fdopen(os.dup(number), "wb")
    try:
        kind = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISBLK(kind):
        raise OSError(errno.EINVAL, "is a disk device; give a file name")
    if stat.S_ISFIFO(kind) or stat.S_ISCHR(kind):
        return os.fdopen(os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC), "wb")
    return None


def _mode_for(path: Path) -> int:
    """Keep an existing file's mode; a new file gets what the umask allows (mkstemp alone gives 0600)."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


class CsvInputError(ValueError):
    """A file that cannot be read as UTF-8 CSV. str() is one line naming the file and line."""


def delimiter_of(header: str) -> str:
    """Comma, unless the header has none but tabs or semicolons (what Excel writes in many locales)."""
    for candidate in (",", "\t", ";"):
        if candidate in header:
            return candidate
    return ","


def read_rows(stream: BinaryIO, name: str) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record starts, cells) for each CSV record, header included.

    Decodes line by line so that a bad byte is reported at its line, and refuses over-long lines
    so that a file without line breaks is not read into memory whole.
    """
    state = {"line": 0}

    def lines() -> Iterator[str]:
        while True:
            raw = stream.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            state["line"] += 1
            if state["line"] == 1 and raw.startswith(ZIP_MAGIC):
                raise CsvInputError(f"{name} is an Excel workbook or another zip file, not CSV; a workbook is "
                                    "imported from a file whose name ends .xlsx")
            if len(raw) > MAX_LINE_BYTES:
                raise CsvInputError(
                    f"{name}: line {state['line']} is longer than {MAX_LINE_BYTES // 1024} KiB; is this a CSV file?"
                )
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise CsvInputError(
                    f"{name}: line {state['line']} is not UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                    f"{exc.start + 1}); save the file as UTF-8 CSV"
                ) from None
            if state["line"] == 1:
                text = text.removeprefix(BOM)
            yield text

    source = lines()
    header = next(source, None)
    if header is None:
        return
    reader = csv.reader(itertools.chain([header], source), delimiter=delimiter_of(header), strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvInputError(f"{name}: line {state['line']}: not valid CSV ({exc})") from None
        yield start, row
        start = state["line"] + 1
