"""The values records are made of: text, ids, numbers and dates, and how each is checked.

New input (CLI, CSV, a form, Python) gets every bound; what the store already holds is read back
with the `STORED` context, which keeps only the checks that protect a reader.
"""

from __future__ import annotations

import contextlib
import math
import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ValidationError,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

# --- what the store already holds ----------------------------------------------------------------

# Bounds added after a store was written must not make it unreadable for everyone: the store reads
# its records back with this validation context, which keeps the checks that protect a reader
# (control characters, bidi overrides, finite numbers, real dates) and skips the input bounds (date
# window, number magnitude, invisible format characters, id sequence numbers). New input, from
# the CLI, a CSV file, a form or Python, is validated without it and gets every bound.
STORED = {"stored": True}


def is_stored(info: ValidationInfo | None) -> bool:
    return bool(info is not None and info.context and info.context.get("stored"))


# --- text -----------------------------------------------------------------------------------------

# Embeddings, overrides and isolates reorder what other users see ("Trojan Source").
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Besides those, every other format character (Cf: zero-width spaces and joiners, LRM/RLM, word
# joiner, BOM, ...) and the Unicode line and paragraph separators are refused in new text: they
# are invisible, so "Sales" and "Sa\u200bles" look alike, and the separators break lines that
# str.splitlines() and terminals handle differently. The price: emoji joined with ZWJ and Persian
# text written with ZWNJ must do without them.
_SEPARATORS = {"Zl": "line separator", "Zp": "paragraph separator"}


def text_problem(text: str, allow: str = "", *, stored: bool = False) -> str | None:
    """What makes `text` unsafe or unfit to show in another user's terminal, or None.

    `stored` (text the store already holds) checks only what harms a reader: controls, bidi
    overrides and lone surrogates; invisible format characters and separators pass."""
    if text.isprintable():
        return None  # no Cc, Cf, Cs, Zl, Zp (nor Zs but the space): the common case, in C
    for ch in text:
        if ch in allow:
            continue
        if ch in _BIDI_CONTROLS:
            return f"bidirectional override U+{ord(ch):04X}"
        category = unicodedata.category(ch)
        if category == "Cc":
            return f"control character U+{ord(ch):04X}"
        if category == "Cs":
            # What Python makes of bytes that are not UTF-8 (surrogateescape), e.g. in argv.
            return f"lone surrogate U+{ord(ch):04X} (not valid UTF-8 text)"
        if stored:
            continue
        if category == "Cf":
            return f"format character U+{ord(ch):04X} (invisible)"
        if category in _SEPARATORS:
            return f"{_SEPARATORS[category]} U+{ord(ch):04X}"
    return None


def _text_validator(max_len: int, *, multiline: bool, required: bool):
    allow = "\n\t" if multiline else ""

    def check(value: Any, info: ValidationInfo) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise PydanticCustomError("text_type", "must be text")
        if multiline:
            value = value.replace("\r\n", "\n")
        value = value.strip()
        if required and not value:
            raise PydanticCustomError("text_empty", "must not be empty")
        if len(value) > max_len:
            raise PydanticCustomError("text_long", f"must be at most {max_len} characters (got {len(value)})")
        bad = text_problem(value, allow, stored=is_stored(info))
        if bad:
            what = "newlines and tabs only" if multiline else "no control or invisible characters"
            raise PydanticCustomError("text_char", f"contains a {bad}; allowed: printable text, {what}")
        return value

    return BeforeValidator(check)


Name = Annotated[str, _text_validator(80, multiline=False, required=True)]
Title = Annotated[str, _text_validator(160, multiline=False, required=True)]
Unit = Annotated[str, _text_validator(20, multiline=False, required=False)]
Note = Annotated[str, _text_validator(2000, multiline=True, required=False)]
Reason = Annotated[str, _text_validator(2000, multiline=True, required=True)]

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:~-]{0,79}$")
LOGIN_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?$")


def is_slug(value: Any) -> bool:
    """Whether `value` is a slug exactly as the store keeps one (text, already stripped)."""
    return type(value) is str and _SLUG_RE.fullmatch(value) is not None


def _pattern_validator(regex: re.Pattern[str], what: str):
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise PydanticCustomError("id_type", "must be text")
        value = value.strip()
        if not regex.match(value):
            raise PydanticCustomError("id_pattern", f"{what} (got {value!r})")
        return value

    return BeforeValidator(check)


Slug = Annotated[
    str,
    _pattern_validator(
        _SLUG_RE, "must be a slug: 1-40 of a-z, 0-9, '-' or '_', starting with a letter or digit"
    ),
]
RecordId = Annotated[
    str,
    _pattern_validator(_ID_RE, "must be an id: letters, digits and . _ : ~ -, at most 80 characters"),
]
Login = Annotated[
    str, _pattern_validator(LOGIN_RE, "must be a login name: letters, digits, '.', '_' or '-'")
]


def slugify(text: str) -> str:
    """A slug made from a display name ("Customer Service" -> "customer-service")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:40].strip("-") or "x"


# --- numbers and dates ----------------------------------------------------------------------------


# Numbers as people type them, in ASCII only: no "_" separators, no other scripts' digits, no
# inf/nan (all of which float() accepts).
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
# Far beyond any business figure, far below where sums and differences of a few values overflow.
MAX_MAGNITUDE = 1e15


def finite_number(value: Any, info: ValidationInfo | None) -> float:
    if isinstance(value, bool):
        raise PydanticCustomError("number", f"must be a number (got {value!r})")
    if isinstance(value, str):
        text = value.strip()
        if not _NUMBER_RE.fullmatch(text):
            if text.lower().lstrip("+-") in ("inf", "infinity", "nan"):
                raise PydanticCustomError("finite", f"must be a finite number (got {value!r}; nan and inf are refused)")
            try:
                float(text)
            except ValueError:
                raise PydanticCustomError("number", f"must be a number (got {value!r})") from None
            raise PydanticCustomError(  # what only float() reads: "1_000", digits of other scripts
                "number", f"must be a number in ASCII digits with no separators, like 1000 or -12.5 (got {value!r})"
            )
        number = float(text)
        if number == 0 and re.search(r"[1-9]", re.split("[eE]", text)[0]):
            raise PydanticCustomError("underflow", f"is too close to zero to be kept (got {value!r})")
    elif isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            raise PydanticCustomError("finite", "must be a finite number (too large)") from None
    else:
        raise PydanticCustomError("number", f"must be a number (got {value!r})")
    if not math.isfinite(number):
        raise PydanticCustomError(
            "finite", f"must be a finite number (got {value!r}; nan, inf and overflow are refused)"
        )
    problem = None if is_stored(info) else number_problem(number)
    if problem:
        raise PydanticCustomError("magnitude", problem)
    return number


def number_problem(number: float) -> str | None:
    """What the bounds on new numbers refuse in a finite `number`, or None."""
    if abs(number) > MAX_MAGNITUDE:
        return f"must be at most {MAX_MAGNITUDE:g} in size (got {number_text(number)})"
    return None


def _number(value: Any, info: ValidationInfo) -> float:
    return finite_number(value, info)


Number = Annotated[float, BeforeValidator(_number)]


def number_text(value: float) -> str:
    """A number as users type it back: whole numbers without ".0", others exactly (repr)."""
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def _confidence(value: Any, info: ValidationInfo) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = finite_number(value, info)
    if number != int(number) or not 1 <= number <= 10:
        raise PydanticCustomError("confidence", f"must be a whole number from 1 to 10 (got {value!r})")
    return int(number)


def _share(value: Any, info: ValidationInfo) -> float:
    number = finite_number(value, info)
    if not 0 <= number <= 1:
        raise PydanticCustomError("share", f"must be between 0 and 1 (got {value!r})")
    return number


Confidence = Annotated[int | None, BeforeValidator(_confidence)]
Share = Annotated[float, BeforeValidator(_share)]


# New dates must fall in this window: wide enough for any plan or history, and far enough from
# date.min/date.max that date arithmetic on them never overflows.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def day_problem(day: date) -> str | None:
    """What the window for new dates refuses in `day`, or None."""
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return f"must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()} (got {day.isoformat()})"


def reading_bound_problems(docs: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """What today's input bounds refuse in stored reading documents (checked as stored, so bounds
    added later may refuse them): (index, "field: problem") each. One pass in C per field over the
    common case where every document passes."""
    if not docs:
        return []
    values, days, notes = [d["value"] for d in docs], [d["date"] for d in docs], [d.get("note", "") for d in docs]
    if (max(map(abs, values)) <= MAX_MAGNITUDE and set(map(len, days)) == {10}
            and FIRST_DAY.isoformat() <= min(days) and max(days) <= LAST_DAY.isoformat()
            and "".join(notes).isprintable()):
        return []
    found = []
    for i, (value, day, note) in enumerate(zip(values, days, notes, strict=True)):
        found += [(i, f"{name}: {problem}") for name, problem in (
            ("date", day_problem(date.fromisoformat(day))), ("value", number_problem(float(value))),
            ("note", text_problem(note, "\n\t"))) if problem]
    return found


def _in_window(day: date, info: ValidationInfo | None) -> date:
    problem = None if is_stored(info) else day_problem(day)
    if problem:
        raise PydanticCustomError("date_window", problem)
    return day


def _iso_date(value: Any, info: ValidationInfo) -> date:
    if isinstance(value, datetime):
        return _in_window(value.date(), info)
    if isinstance(value, date):
        return _in_window(value, info)
    if isinstance(value, str):
        text = value.strip()
        # date.fromisoformat also takes 20260101 and 2026-W01-1: only the one form is meant.
        day = None
        if _ISO_DATE_RE.fullmatch(text):
            with contextlib.suppress(ValueError):
                day = date.fromisoformat(text)
        if day is not None:
            return _in_window(day, info)
    raise PydanticCustomError("date", f"must be a real date as YYYY-MM-DD (got {value!r})")


Day = Annotated[date, BeforeValidator(_iso_date)]


def day_or_none(text: str) -> date | None:
    """`text` as a new date (YYYY-MM-DD, inside the window), or None: for forms that say why."""
    try:
        return _iso_date(text, None)  # type: ignore[arg-type]
    except PydanticCustomError:
        return None


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _moment(value: datetime, info: ValidationInfo) -> datetime:
    value = aware(value)
    _in_window(value.date(), info)
    return value


Timestamp = Annotated[datetime, AfterValidator(_moment)]


def utcnow() -> datetime:
    """Now in UTC, to the millisecond (what JSON round-trips keep readable)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


# --- messages -------------------------------------------------------------------------------------


def describe_errors(exc: ValidationError) -> list[str]:
    """One line per error, naming the field and saying what is allowed."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "is not a known field"
        elif err["type"] == "missing":
            msg = "is required"
        elif err["type"] == "literal_error":
            msg = msg.replace("Input should be", "must be")
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        # Model-level rules already name their field in the message.
        if not loc or msg.split(":", 1)[0] in {"deadline", "target", "scale", "b", "id", "objectives", "weights",
                                               "outcome", "end", "departments", "metrics"}:
            lines.append(msg)
        else:
            lines.append(f"{loc}: {msg}")
    return lines


