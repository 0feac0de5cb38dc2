"""The records the store keeps: departments, metrics, objectives, goals, incentives, readings,
tensions, links, initiatives, flags, dismissals, action items, meetings, settings, the audit entry,
and the snapshot the rules read."""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError


from cxtui.models.values import (
    _iso_date,
    _share,
    describe_errors,
    Confidence,
    Day,
    Login,
    Name,
    Note,
    Number,
    Reason,
    RecordId,
    STORED,
    Share,
    Slug,
    Timestamp,
    Title,
    Unit,
    finite_number,
    is_stored,
    number_text,
)

# --- records --------------------------------------------------------------------------------------

Direction = Literal["up", "down"]
Cadence = Literal["weekly", "monthly", "quarterly"]
GoalKind = Literal["increase", "decrease", "reach", "stay_above", "stay_below"]
# How a goal's expected progress moves from start to deadline (cxtui.engine.standings.expected_share).
Pacing = Literal["linear", "stepped", "late"]
FlagStatus = Literal["open", "acknowledged", "resolved"]
Severity = Literal["high", "medium", "low"]
# The balanced scorecard's four layers, from the bottom of the driver chain to its top.
Perspective = Literal["people", "process", "customer", "financial"]
PERSPECTIVES: tuple[str, ...] = ("people", "process", "customer", "financial")
Sign = Literal["positive", "negative"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


M = TypeVar("M", bound=BaseModel)


def trusted(cls: type[M], fields: dict[str, Any]) -> M:
    """A `cls` of `fields` (a value for every field, each already what validation would make it),
    built without validating: what model_construct does, without its loop over the fields (~2 us
    instead of ~6-12). Only for values cxtui made or checked itself."""
    record = object.__new__(cls)
    object.__setattr__(record, "__dict__", fields)
    object.__setattr__(record, "__pydantic_fields_set__", set(fields))
    object.__setattr__(record, "__pydantic_extra__", None)
    object.__setattr__(record, "__pydantic_private__", None)
    return record


# Ids the store numbers itself, per entity: G-1, G-2, ... Its counter is kept in the store file.
SEQUENCE_PREFIX: dict[str, str] = {"objective": "O", "goal": "G", "incentive": "I", "flag": "F",
                                   "initiative": "IN", "action": "A"}
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
        if number is not None and number > MAX_SEQUENCE and not is_stored(info):
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
MAX_MILESTONES = 60
_MILESTONE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})\s*(?:=\s*(\S+))?", re.ASCII)


def _milestone(value: Any, info: ValidationInfo) -> str:
    """A stepped goal's milestone as text: "2026-03-31" (expects what linear pacing expects that
    day) or "2026-03-31=0.25" (expects a quarter of the way from baseline to target)."""
    if not isinstance(value, str):
        raise PydanticCustomError("milestone_type", "must be text like 2026-03-31 or 2026-03-31=0.25")
    match = _MILESTONE_RE.fullmatch(value.strip())
    if not match:
        raise PydanticCustomError(
            "milestone", f"each must be a date, optionally with the share of the change expected by then, "
                         f"like 2026-03-31 or 2026-03-31=0.25 (got {value!r})")
    day = _iso_date(match.group(1), info)
    if match.group(2) is None:
        return day.isoformat()
    return f"{day.isoformat()}={number_text(_share(match.group(2), info))}"


Milestone = Annotated[str, BeforeValidator(_milestone)]


def milestone_parts(milestone: str) -> tuple[date, float | None]:
    """A normalised milestone's date and expected share (None: the linear share at that date)."""
    day, _, share = milestone.partition("=")
    return date.fromisoformat(day), (float(share) if share else None)


def _optional_share(value: Any, info: ValidationInfo) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _share(value, info)


# A band a goal may set or leave to its default (None).
OptionalShare = Annotated[float | None, BeforeValidator(_optional_share)]


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
    # The bands of a paced status: on track while progress >= expected - tolerance, at risk while
    # >= expected - risk_tolerance (None: twice the tolerance), else off track. An increase or
    # decrease goal is exceeded when its latest is past the target by more than exceed_margin of
    # |target - baseline| (None: never; achieved covers it). See cxtui.engine.standings.
    tolerance: Share = DEFAULT_TOLERANCE
    risk_tolerance: OptionalShare = None
    exceed_margin: OptionalShare = None
    pacing: Pacing = "linear"
    milestones: Annotated[list[Milestone], Field(max_length=MAX_MILESTONES)] = Field(default_factory=list)
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

    @field_validator("milestones")
    @classmethod
    def _in_order(cls, milestones: list[str]) -> list[str]:
        return sorted(milestones)  # ISO dates first: text order is date order

    @model_validator(mode="after")
    def _paced(self) -> Goal:
        if self.risk_tolerance is not None and self.risk_tolerance < self.tolerance:
            raise PydanticCustomError(
                "risk_tolerance", f"risk_tolerance: must be at least the tolerance {self.tolerance:g} "
                                  f"(got {self.risk_tolerance:g})")
        if self.exceed_margin is not None and self.kind not in ("increase", "decrease"):
            raise PydanticCustomError(
                "exceed_margin", f"exceed_margin: only increase and decrease goals can be exceeded "
                                 f"(this one is {self.kind})")
        if self.milestones and self.pacing != "stepped":
            raise PydanticCustomError("milestones", f"milestones: only a stepped goal has them (pacing is "
                                                    f"{self.pacing})")
        days = [milestone_parts(m)[0] for m in self.milestones]
        if len(set(days)) != len(days):
            raise PydanticCustomError("milestones", "milestones: list each date once")
        for day, share in map(milestone_parts, self.milestones):
            if not self.start < day <= self.deadline:
                raise PydanticCustomError(
                    "milestones", f"milestones: {day.isoformat()} is not after the start "
                                  f"({self.start.isoformat()}) and on or before the deadline ({self.deadline.isoformat()})")
            if day == self.deadline and share not in (None, 1.0):
                raise PydanticCustomError(
                    "milestones", f"milestones: by the deadline the whole change is expected (1), not {share:g}")
        shares = [(m, self.milestone_share(m)) for m in self.milestones]
        for (before, low), (after, high) in pairwise(shares):
            if high < low:
                raise PydanticCustomError(
                    "milestones", f"milestones: {after} expects less than {before} before it ({high:.2f} < {low:.2f})")
        return self

    def milestone_share(self, milestone: str) -> float:
        """The share of the change a milestone expects: its own, else the elapsed share at its date."""
        day, share = milestone_parts(milestone)
        if share is not None:
            return share
        span = (self.deadline - self.start).days
        return min(1.0, max(0.0, (day - self.start).days / span)) if span > 0 else 1.0


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
    # Who follows the flag up, and by when. Left out of the document when unset, so flags stored
    # before these fields read, dump and compare with their audit entries exactly as before.
    owner: Login | None = Field(default=None, exclude_if=lambda value: value is None)
    due: Day | None = Field(default=None, exclude_if=lambda value: value is None)


ActionKind = Literal["action", "decision"]
ActionStatus = Literal["open", "done", "dropped"]


class ActionItem(Record):
    """What a meeting decided (`kind` "decision") or asked someone to do (`kind` "action"), against
    one department, optionally linked to the goal, finding or flag it is about. An open item is
    closed once, as done or dropped, with a note saying how and who closed it when."""

    id: _sequenced(SEQUENCE_PREFIX["action"])  # type: ignore[valid-type]
    department: Slug
    kind: ActionKind = "action"
    text: Title
    owner: Login | None = None
    due: Day | None = None
    goal: RecordId | None = None
    finding: RecordId | None = None
    flag: RecordId | None = None
    meeting: RecordId | None = None  # the meeting it was recorded in, when it was
    created_by: Login
    created_at: Timestamp
    status: ActionStatus = "open"
    note: Note = ""  # the closing note
    closed_by: Login | None = None
    closed_at: Timestamp | None = None

    @model_validator(mode="after")
    def _closed_fields(self) -> ActionItem:
        closed = self.closed_by is not None and self.closed_at is not None
        if (self.status == "open") == closed or (self.closed_by is None) != (self.closed_at is None):
            raise PydanticCustomError(
                "closed", "status: an open item has no closed_by/closed_at; a done or dropped one has both")
        return self


def meeting_id(day: date) -> str:
    """One meeting a day: its id is its date, so two leads opening it at once share one record."""
    return f"M-{day.isoformat()}"


class Meeting(Record):
    """A cross-functional meeting held on `date`; "since the last meeting" reads these."""

    id: RecordId = ""
    date: Day
    opened_by: Login
    opened_at: Timestamp

    @model_validator(mode="before")
    @classmethod
    def _date_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("id") and data.get("date"):
            day = data["date"]
            data = {**data, "id": meeting_id(day if isinstance(day, date) else date.fromisoformat(str(day).strip()))}
        return data

    @model_validator(mode="after")
    def _id_is_date(self) -> Meeting:
        if self.id != meeting_id(self.date):
            raise PydanticCustomError("meeting_id", f"id: must be {meeting_id(self.date)}")
        return self


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
        if abs(total - 1) > 1e-6 and not is_stored(info):
            raise PydanticCustomError(
                "weights", "weights: goals, incentives, delivery and conflicts must sum to 1 (they sum to {total})",
                {"total": round(total, 6)})
        return self


def _penalty(value: Any, info: ValidationInfo) -> float:
    number = finite_number(value, info)
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


# 80 bits of sha256: an edit made outside cxtui goes unseen only if its document hashes the same,
# which no one can arrange on purpose (a second preimage) and chance makes about 1 in 10^24.
DIGEST_CHARS = 20


class AuditEntry(Model):
    id: RecordId
    tx: RecordId
    at: Timestamp
    by: Login
    # Who really acted when it was not `by`: root acting under a lead's name ("root as omar").
    real_user: Login | None = None
    action: Literal["add", "update", "delete"]
    entity: Literal["department", "metric", "objective", "goal", "incentive", "reading", "tension", "flag",
                    "dismissal", "settings", "link", "initiative", "action", "meeting"]
    entity_id: RecordId
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    # Set on the entries of an undo: the transaction whose change this entry reverts. Left out of
    # the line when unset, so every other entry reads as before (auditlog's fast line reader).
    reverts: RecordId | None = Field(default=None, exclude_if=lambda value: value is None)
    # A created reading is logged by digest (sha256 of its canonical stored document, its first
    # DIGEST_CHARS hex digits, see cxtui.store.documents.digest) instead of a copy: readings are
    # most of the store, and the document is kept by the readings file and, once it changes, by the
    # next entry's `before`. Trails written before this hold a full `after`, or all 64 digits,
    # for those entries; readers take every form.
    digest: Annotated[str, Field(pattern=r"^[0-9a-f]{20}([0-9a-f]{44})?$"),
                      AfterValidator(lambda d: d[:DIGEST_CHARS])] | None = None

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
    "action": ActionItem,
    "meeting": Meeting,
}

ENTITY_OF: dict[type[Record], str] = {cls: name for name, cls in ENTITIES.items()}


def entity_name(record: Record | type[Record]) -> str:
    cls = record if isinstance(record, type) else type(record)
    return ENTITY_OF[cls]


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
    actions: list[ActionItem] = Field(default_factory=list)
    meetings: list[Meeting] = Field(default_factory=list)
