"""The domain model: pydantic v2 models and their validation.

Every value that crosses a boundary (store, CSV, CLI, TUI form) is one of these models. Rules that
need more than one record (a reading inside its metric's scale, a department's incentive weights
summing to at most 1) are plain functions here too, so the store and the forms share them.
"""

from __future__ import annotations

import contextlib
import math
import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

# --- what the store already holds ----------------------------------------------------------------

# Bounds added after a store was written must not make it unreadable for everyone: the store reads
# its records back with this validation context, which keeps the checks that protect a reader
# (control characters, bidi overrides, finite numbers, real dates) and skips the input bounds (date
# window, number magnitude, invisible format characters, id sequence numbers). New input, from
# the CLI, a CSV file, a form or Python, is validated without it and gets every bound.
STORED = {"stored": True}


def _is_stored(info: ValidationInfo | None) -> bool:
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
        bad = text_problem(value, allow, stored=_is_stored(info))
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
_LOGIN_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?$")


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
    str, _pattern_validator(_LOGIN_RE, "must be a login name: letters, digits, '.', '_' or '-'")
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


def _finite(value: Any, info: ValidationInfo | None) -> float:
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
    problem = None if _is_stored(info) else number_problem(number)
    if problem:
        raise PydanticCustomError("magnitude", problem)
    return number


def number_problem(number: float) -> str | None:
    """What the bounds on new numbers refuse in a finite `number`, or None."""
    if abs(number) > MAX_MAGNITUDE:
        return f"must be at most {MAX_MAGNITUDE:g} in size (got {number_text(number)})"
    return None


def _number(value: Any, info: ValidationInfo) -> float:
    return _finite(value, info)


Number = Annotated[float, BeforeValidator(_number)]


def number_text(value: float) -> str:
    """A number as users type it back: whole numbers without ".0", others exactly (repr)."""
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def _confidence(value: Any, info: ValidationInfo) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = _finite(value, info)
    if number != int(number) or not 1 <= number <= 10:
        raise PydanticCustomError("confidence", f"must be a whole number from 1 to 10 (got {value!r})")
    return int(number)


def _share(value: Any, info: ValidationInfo) -> float:
    number = _finite(value, info)
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


def _in_window(day: date, info: ValidationInfo | None) -> date:
    problem = None if _is_stored(info) else day_problem(day)
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


# --- records --------------------------------------------------------------------------------------

Direction = Literal["up", "down"]
Cadence = Literal["weekly", "monthly", "quarterly"]
GoalKind = Literal["increase", "decrease", "reach", "stay_above", "stay_below"]
FlagStatus = Literal["open", "acknowledged", "resolved"]
Severity = Literal["high", "medium", "low"]
# The balanced scorecard's four layers, from the bottom of the driver chain to its top.
Perspective = Literal["people", "process", "customer", "financial"]
PERSPECTIVES: tuple[str, ...] = ("people", "process", "customer", "financial")
Sign = Literal["positive", "negative"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


# Ids the store numbers itself, per entity: G-1, G-2, ... Its counter is kept in the store file.
SEQUENCE_PREFIX: dict[str, str] = {"objective": "O", "goal": "G", "incentive": "I", "flag": "F",
                                   "initiative": "IN"}
# The largest number such an id may carry: a counter past it would not fit the store's JSON.
MAX_SEQUENCE = 10**9


def sequence_number(prefix: str, record_id: str) -> int | None:
    """n of an id "<prefix>-<n>", else None."""
    match = re.fullmatch(rf"{prefix}-(\d+)", record_id, re.ASCII)
    return int(match.group(1)) if match else None


def _sequenced(prefix: str):
    """A record id whose <prefix>-<n> form carries an n of at most MAX_SEQUENCE."""

    # A field validator, not a model one: pydantic runs model "after" validators again on every
    # model placed in another (a GoalCard's goal), where the store's context is gone.
    def check(value: str, info: ValidationInfo) -> str:
        number = sequence_number(prefix, value)
        if number is not None and number > MAX_SEQUENCE and not _is_stored(info):
            raise PydanticCustomError(
                "sequence", f"the number in a {prefix}-<n> id must be at most {MAX_SEQUENCE} (got {value})"
            )
        return value

    return Annotated[RecordId, AfterValidator(check)]


class Record(Model):
    """A stored entity. The store owns `version`, `updated_by` and `updated_at`."""

    version: int = Field(default=0, ge=0)
    updated_by: Login | None = None
    updated_at: Timestamp | None = None


class Scale(Model):
    """The values a metric can take; either bound may be left open (handle time: min 0 only)."""

    min: Number | None = None
    max: Number | None = None

    @model_validator(mode="before")
    @classmethod
    def _blank_is_open(cls, data: Any) -> Any:
        # A form or spreadsheet leaves an open bound as an empty cell.
        if isinstance(data, dict):
            data = {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.min is None and self.max is None:
            raise PydanticCustomError("scale", "scale: give a min, a max or both")
        if self.min is not None and self.max is not None and not self.min < self.max:
            raise PydanticCustomError("scale", f"scale: min must be below max (got {self.min:g}..{self.max:g})")
        return self

    def contains(self, value: float) -> bool:
        return (self.min is None or self.min <= value) and (self.max is None or value <= self.max)

    def __str__(self) -> str:
        if self.max is None:
            return f"at least {self.min:g}"
        if self.min is None:
            return f"at most {self.max:g}"
        return f"{self.min:g}..{self.max:g}"


class Department(Record):
    id: Slug
    name: Name
    leads: list[Login] = Field(default_factory=list)
    description: Note = ""


class Metric(Record):
    id: Slug
    name: Name
    unit: Unit = ""
    scale: Scale | None = None
    direction: Direction = "up"
    customer_centric: bool = False
    cadence: Cadence = "monthly"
    perspective: Perspective | None = None
    description: Note = ""

    @model_validator(mode="before")
    @classmethod
    def _blank_perspective(cls, data: Any) -> Any:
        # A spreadsheet leaves "no perspective" as an empty cell.
        if isinstance(data, dict) and isinstance(data.get("perspective"), str) and not data["perspective"].strip():
            data = {**data, "perspective": None}
        return data


class Objective(Record):
    """A shared company-wide customer objective. `baseline`/`start` are optional pacing anchors."""

    id: _sequenced(SEQUENCE_PREFIX["objective"])  # type: ignore[valid-type]
    title: Title
    metric: Slug
    target: Number
    deadline: Day
    baseline: Number | None = None
    start: Day | None = None
    description: Note = ""

    @model_validator(mode="after")
    def _dates(self) -> Objective:
        if self.start is not None and not self.deadline > self.start:
            raise PydanticCustomError("deadline", f"deadline: must be after start ({self.start.isoformat()})")
        return self


DEFAULT_TOLERANCE = 0.1


class Goal(Record):
    id: _sequenced(SEQUENCE_PREFIX["goal"])  # type: ignore[valid-type]
    department: Slug
    title: Title
    metric: Slug
    kind: GoalKind
    baseline: Number
    target: Number
    start: Day
    deadline: Day
    objectives: list[RecordId] = Field(default_factory=list)
    tolerance: Share = DEFAULT_TOLERANCE
    description: Note = ""

    @model_validator(mode="after")
    def _smart(self) -> Goal:
        if not self.deadline > self.start:
            raise PydanticCustomError(
                "deadline",
                f"deadline: must be after start ({self.start.isoformat()}), got {self.deadline.isoformat()}",
            )
        rule = {
            "increase": (self.target > self.baseline, "above"),
            "decrease": (self.target < self.baseline, "below"),
            "reach": (self.target != self.baseline, "different from"),
            "stay_above": (self.baseline >= self.target, "at or below"),
            "stay_below": (self.baseline <= self.target, "at or above"),
        }[self.kind]
        if not rule[0]:
            article = "an" if self.kind[0] in "aeiou" else "a"
            raise PydanticCustomError(
                "target",
                f"target: {article} {self.kind} goal needs a target {rule[1]} its baseline "
                f"{self.baseline:g} (got {self.target:g})",
            )
        if len(set(self.objectives)) != len(self.objectives):
            raise PydanticCustomError("objectives", "objectives: each objective may be listed once")
        return self


class Incentive(Record):
    id: _sequenced(SEQUENCE_PREFIX["incentive"])  # type: ignore[valid-type]
    department: Slug
    title: Title
    metric: Slug
    direction: Direction
    weight: Share
    description: Note = ""


class Reading(Record):
    id: RecordId
    metric: Slug
    department: Slug | None = None
    date: Day
    value: Number
    confidence: Confidence = None
    note: Note = ""
    recorded_by: Login
    recorded_at: Timestamp


class Tension(Record):
    """Two metrics that tend to trade off. The id is the sorted pair, so a pair is declared once."""

    id: RecordId = ""
    a: Slug
    b: Slug
    why: Note = ""

    @model_validator(mode="before")
    @classmethod
    def _pair_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("id") and data.get("a") and data.get("b"):
            data = {**data, "id": tension_id(str(data["a"]).strip(), str(data["b"]).strip())}
        return data

    @model_validator(mode="after")
    def _distinct(self) -> Tension:
        if self.a == self.b:
            raise PydanticCustomError("tension", f"b: a metric cannot be in tension with itself ({self.a})")
        if self.id != tension_id(self.a, self.b):
            raise PydanticCustomError("tension_id", f"id: must be {tension_id(self.a, self.b)}")
        return self


def tension_id(a: str, b: str) -> str:
    return "~".join(sorted((a, b)))


# Far beyond any real lag (ten years of months), small enough that period arithmetic stays trivial.
MAX_LAG = 120


class Link(Record):
    """A declared cause-and-effect arrow: a rise in `driver` should move `outcome` the way `sign`
    says, `lag` whole periods later. The id is "driver:outcome", so an arrow is declared once."""

    id: RecordId = ""
    driver: Slug
    outcome: Slug
    sign: Sign = "positive"
    lag: int = Field(default=0, ge=0, le=MAX_LAG)
    why: Note = ""

    @model_validator(mode="before")
    @classmethod
    def _arrow_id(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if isinstance(data.get("lag"), str) and not data["lag"].strip():
                data = {**data, "lag": 0}
            if not data.get("id") and data.get("driver") and data.get("outcome"):
                data = {**data, "id": link_id(str(data["driver"]).strip(), str(data["outcome"]).strip())}
        return data

    @model_validator(mode="after")
    def _distinct(self) -> Link:
        if self.driver == self.outcome:
            raise PydanticCustomError("link", f"outcome: a metric cannot drive itself ({self.driver})")
        if self.id != link_id(self.driver, self.outcome):
            raise PydanticCustomError("link_id", f"id: must be {link_id(self.driver, self.outcome)}")
        return self


def link_id(driver: str, outcome: str) -> str:
    return f"{driver}:{outcome}"


_MOVE_RE = re.compile(r"^([a-z0-9][a-z0-9_-]{0,39})\s*:\s*(up|down)$")


def _expected_move(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("move_type", "must be text like fcr:up")
    match = _MOVE_RE.match(value.strip().lower())
    if not match:
        raise PydanticCustomError(
            "move", f"each must be a metric id and the way it should move, like fcr:up or aht:down (got {value!r})"
        )
    return f"{match.group(1)}:{match.group(2)}"


# "fcr:up": a metric an initiative should move and the direction it should move it.
ExpectedMove = Annotated[str, BeforeValidator(_expected_move)]


class Initiative(Record):
    """Something departments do to move metrics (a new service training), from `start` on."""

    id: _sequenced(SEQUENCE_PREFIX["initiative"])  # type: ignore[valid-type]
    title: Title
    departments: Annotated[list[Slug], Field(min_length=1, max_length=100)]
    start: Day
    end: Day | None = None
    metrics: Annotated[list[ExpectedMove], Field(min_length=1, max_length=50)]
    description: Note = ""

    @model_validator(mode="after")
    def _consistent(self) -> Initiative:
        if self.end is not None and not self.end > self.start:
            raise PydanticCustomError("end", f"end: must be after start ({self.start.isoformat()})")
        if len(set(self.departments)) != len(self.departments):
            raise PydanticCustomError("departments", "departments: each department may be listed once")
        names = [m.split(":")[0] for m in self.metrics]
        if len(set(names)) != len(names):
            raise PydanticCustomError("metrics", "metrics: each metric may be listed once")
        return self

    def expected(self) -> dict[str, Direction]:
        """{metric id: the direction the initiative should move it}, in the order given."""
        return {m.split(":")[0]: m.split(":")[1] for m in self.metrics}  # type: ignore[misc]


class FlagEvent(Model):
    at: Timestamp
    by: Login
    status: FlagStatus
    note: Note = ""


class Flag(Record):
    id: _sequenced(SEQUENCE_PREFIX["flag"])  # type: ignore[valid-type]
    departments: Annotated[list[Slug], Field(min_length=1)]
    goals: list[RecordId] = Field(default_factory=list)
    incentives: list[RecordId] = Field(default_factory=list)
    finding: RecordId | None = None
    title: Title
    note: Note = ""
    raised_by: Login
    raised_at: Timestamp
    status: FlagStatus = "open"
    history: list[FlagEvent] = Field(default_factory=list)


class Dismissal(Record):
    """A lead's decision that a detected finding is not a conflict.

    `fingerprint` captures the versions of the entities the finding names; when any of them
    changes, the fingerprint no longer matches and the finding comes back.
    """

    id: RecordId
    finding: RecordId
    fingerprint: str
    reason: Reason
    by: Login
    at: Timestamp
    # The departments the finding involved when it was dismissed: who may dismiss it, and take the
    # dismissal back, is decided by them (permissions.py). Empty in dismissals made before.
    departments: Annotated[list[Slug], Field(max_length=100)] = Field(default_factory=list)


class AlignmentWeights(Model):
    goals: Share = 0.3
    incentives: Share = 0.3
    delivery: Share = 0.3
    conflicts: Share = 0.1

    @model_validator(mode="after")
    def _sum_to_one(self, info: ValidationInfo) -> AlignmentWeights:
        total = self.goals + self.incentives + self.delivery + self.conflicts
        if abs(total - 1) > 1e-6 and not _is_stored(info):
            raise PydanticCustomError(
                "weights", "weights: goals, incentives, delivery and conflicts must sum to 1 (they sum to {total})",
                {"total": round(total, 6)})
        return self


def _penalty(value: Any, info: ValidationInfo) -> float:
    number = _finite(value, info)
    if not 0 <= number <= 100:
        raise PydanticCustomError("penalty", f"must be between 0 and 100 points (got {value!r})")
    return number


Penalty = Annotated[float, BeforeValidator(_penalty)]


class Settings(Record):
    id: Literal["settings"] = "settings"
    weights: AlignmentWeights = AlignmentWeights()
    # Conflict penalty points per open finding or flag, by severity; the conflict part is
    # 100 minus these, floored at 0.
    penalties: dict[Severity, Penalty] = Field(default_factory=lambda: {"high": 25.0, "medium": 10.0, "low": 2.0})
    admins: list[Login] = Field(default_factory=list)
    # Set by `cxtui demo` on the store it fills: it reopens such a store whatever users changed in it.
    demo: bool = False


class AuditEntry(Model):
    id: RecordId
    tx: RecordId
    at: Timestamp
    by: Login
    # Who really acted when it was not `by`: root acting under a lead's name ("root as omar").
    real_user: Login | None = None
    action: Literal["add", "update", "delete"]
    entity: Literal["department", "metric", "objective", "goal", "incentive", "reading", "tension", "flag",
                    "dismissal", "settings", "link", "initiative"]
    entity_id: RecordId
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    # Set on the entries of an undo: the transaction whose change this entry reverts. Left out of
    # the line when unset, so every other entry reads as before (auditlog's fast line reader).
    reverts: RecordId | None = Field(default=None, exclude_if=lambda value: value is None)
    # A created reading is logged by digest (sha256 of its canonical stored document, see
    # cxtui.store.documents.digest) instead of a copy: readings are most of the store, and the
    # document is kept by the readings file and, once it changes, by the next entry's `before`.
    # Trails written before this hold a full `after` for those entries; readers take both forms.
    digest: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _sides_are_records(self) -> AuditEntry:
        """`before` and `after` are what the store held, shown in other users' terminals and exports:
        each must be a record of the entry's entity, read as the store reads its records (STORED), so
        no text in them carries a control character and no field has a shape the readers do not
        expect. (A migration that changes a model's fields must carry the audit trail along.)"""
        if self.digest is not None and (self.entity, self.action, self.before) != ("reading", "add", None):
            raise PydanticCustomError("audit", "digest: only the entry of a created reading carries one")
        cls = ENTITIES[self.entity]
        for name, side in (("before", self.before), ("after", self.after)):
            if side is None:
                continue
            try:
                record = cls.model_validate(side, context=STORED)
            except ValidationError as exc:
                raise PydanticCustomError("audit", f"{name}: not a {self.entity}: {describe_errors(exc)[0]}") from None
            if record.id != self.entity_id:
                raise PydanticCustomError("audit", f"{name}: holds {self.entity} {record.id}, not {self.entity_id}")
        return self


ENTITIES: dict[str, type[Record]] = {
    "department": Department,
    "metric": Metric,
    "objective": Objective,
    "goal": Goal,
    "incentive": Incentive,
    "reading": Reading,
    "tension": Tension,
    "flag": Flag,
    "dismissal": Dismissal,
    "settings": Settings,
    "link": Link,
    "initiative": Initiative,
}

ENTITY_OF: dict[type[Record], str] = {cls: name for name, cls in ENTITIES.items()}


def entity_name(record: Record | type[Record]) -> str:
    cls = record if isinstance(record, type) else type(record)
    return ENTITY_OF[cls]


# --- rules that need more than one record ---------------------------------------------------------


class RuleError(ValueError):
    """A valid record that breaks a rule across records. The message names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def check_in_scale(value: float, metric: Metric, field: str = "value") -> None:
    if metric.scale is not None and not metric.scale.contains(value):
        raise RuleError(
            field, f"{value:g} is outside the scale of {metric.id} ({metric.scale}{' ' + metric.unit if metric.unit else ''})"
        )


def check_goal_scale(goal: Goal, metric: Metric) -> None:
    check_in_scale(goal.baseline, metric, "baseline")
    check_in_scale(goal.target, metric, "target")


def check_link_cycle(link: Link, others: list[Link]) -> None:
    """Refuse `link` when the declared arrows would lead from its outcome back to its driver.
    `others` are the store's links (a link with `link`'s id is replaced by it)."""
    graph: dict[str, set[str]] = {}
    for other in others:
        if other.id != link.id:
            graph.setdefault(other.driver, set()).add(other.outcome)
    # A path outcome -> ... -> driver closes a loop with the new arrow; parents rebuild it for the message.
    parents: dict[str, str] = {link.outcome: ""}
    todo = [link.outcome]
    while todo:
        node = todo.pop()
        if node == link.driver:
            path = [node]
            while parents[path[-1]]:
                path.append(parents[path[-1]])
            loop = " -> ".join([link.driver, *reversed(path)])
            raise RuleError("outcome", f"{link.driver} -> {link.outcome} would close a cycle ({loop}); "
                                       "a driver chain runs one way")
        for nxt in sorted(graph.get(node, ())):
            if nxt not in parents:
                parents[nxt] = node
                todo.append(nxt)


def check_incentive_weights(incentive: Incentive, others: list[Incentive]) -> None:
    """`others` are the department's other incentives (not `incentive` itself)."""
    total = incentive.weight + sum(i.weight for i in others if i.id != incentive.id)
    if total > 1 + 1e-9:
        raise RuleError(
            "weight",
            f"incentive weights of {incentive.department} would sum to {total:.2f}; at most 1 is allowed",
        )


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


class Snapshot(Model):
    """Everything the pure rules need, read from the store in one consistent view."""

    # Built on first use: headless commands like `cxtui record` never need it, and its schema
    # (every other model nested) is the costliest to build at import.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, defer_build=True)

    departments: list[Department] = Field(default_factory=list)
    metrics: list[Metric] = Field(default_factory=list)
    objectives: list[Objective] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)
    incentives: list[Incentive] = Field(default_factory=list)
    readings: list[Reading] = Field(default_factory=list)
    tensions: list[Tension] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    dismissals: list[Dismissal] = Field(default_factory=list)
    settings: Settings = Settings()
    links: list[Link] = Field(default_factory=list)
    initiatives: list[Initiative] = Field(default_factory=list)
