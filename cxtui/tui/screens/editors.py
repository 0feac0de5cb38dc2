"""Modal editors for goals, incentives, objectives, departments and metrics, on one form base.

A form turns its fields into the model's input, validates with the model (and the cross-record
rules from `cxtui.models`) on every change, and shows each reason beside its field. Nothing is
saved until the record is valid. Saves carry the version the form was opened with, so a save
over someone else's change is refused by the store; the form says who changed it and offers to
reload.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from pydantic import ValidationError
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, Select, SelectionList, Static

from cxtui.models import (
    Department,
    Goal,
    Incentive,
    Metric,
    Objective,
    Record,
    RuleError,
    Settings,
    check_goal_scale,
    check_in_scale,
    check_incentive_weights,
    describe_errors,
    number_text,
    slugify,
)
from cxtui.store import NEW_ID
from cxtui.tui.actions import bindings
from cxtui.tui.jobs import Job, JobFailure, JobOwner
from cxtui.tui.read_model import Board
from cxtui.tui.screens.dialogs import ConfirmScreen
from cxtui.tui.screens.form_fields import EnterMovesOn, Field
from cxtui.tui.widgets.text_field import TextField
from cxtui.tui.widgets.ticklist import TickList

Choices = list[tuple[str, str]]


class EditorScreen(JobOwner, EnterMovesOn, ModalScreen[None]):
    SCOPE = "form"
    BINDINGS = bindings("form")
    MODEL: ClassVar[type[Record]]
    NOUN: ClassVar[str]
    FIELDS: ClassVar[tuple[Field, ...]]

    def __init__(self, record: Record | None, **defaults: Any) -> None:
        super().__init__()
        self.record = record
        self.defaults = defaults
        self._errors: dict[str, str] = {}
        # A new form does not shout "is required" at fields the user has not reached yet.
        self._touched: set[str] | None = set() if record is None else None

    @property
    def board(self) -> Board:
        return self.app.board

    @property
    def is_new(self) -> bool:
        return self.record is None

    # --- what subclasses provide ------------------------------------------------------------------

    def choices(self, field: str) -> Choices:
        return []

    def to_texts(self, record: Record) -> dict[str, Any]:
        """Field name -> text (or list for multi fields) shown for a stored record."""
        data = record.model_dump()
        return {f.name: data.get(f.name) for f in self.FIELDS}

    def to_data(self, values: dict[str, Any]) -> dict[str, Any]:
        """Form values -> model input. Empty optional text becomes None."""
        return {k: (v if v != "" else None) for k, v in values.items()}

    def cross_checks(self, model: Record) -> None:
        """Rules across records; raise RuleError naming the field."""

    def extra(self) -> Widget | None:
        return None

    def update_extra(self, values: dict[str, Any], model: Record | None) -> None:
        pass

    # --- layout -----------------------------------------------------------------------------------

    @property
    def title_text(self) -> str:
        return f"New {self.NOUN}" if self.is_new else f"Edit {self.NOUN} {self.record.id}"

    def compose(self) -> ComposeResult:
        title = self.title_text
        texts = self.to_texts(self.record) if self.record is not None else dict(self.defaults)
        with Vertical(classes="dialog form"):
            keys = "   ctrl+s save · esc cancel"
            if any(f.kind == "multi" for f in self.FIELDS):
                keys += " · space ticks [x] / unticks [ ]"
            yield Static(Content.assemble((title, "bold"), (keys, "$text-muted")))
            with VerticalScroll():
                for field in self.FIELDS:
                    if field.new_only and not self.is_new:
                        continue
                    with Horizontal(classes="field-row"):
                        yield Label(field.label, classes="field-label")
                        yield self._widget(field, texts.get(field.name))
                    yield Static("", id=f"error-{field.name}", classes="field-error")
                extra = self.extra()
                if extra is not None:
                    yield extra
            yield Static("", id="form-status", classes="field-error")

    def _widget(self, field: Field, value: Any) -> Widget:
        widget_id = f"field-{field.name}"
        if field.kind == "select":
            # rich Text, not Content: literal all the same, and Select's type-to-search only
            # searches Text or str prompts (with Content, typing "sa" never finds "Sales").
            options = [(Text(label), key) for label, key in self.choices(field.name)]
            keys = {key for _, key in options}
            return Select(options, id=widget_id, compact=True, allow_blank=value not in keys,
                          value=value if value in keys else Select.NULL)
        if field.kind == "multi":
            chosen = set(value or [])
            return TickList[str](
                *((Content(label), key, key in chosen) for label, key in self.choices(field.name)),
                id=widget_id, compact=True,
            )
        text = "" if value is None else (number_text(value) if isinstance(value, float) else str(value))
        return TextField(text, placeholder=field.placeholder, id=widget_id, compact=True)

    def on_mount(self) -> None:
        self.query(".field-error").set(display=False)
        self._validate()
        first = self.query("Input, Select, SelectionList").first()
        first.focus()

    # --- values and validation --------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in self.FIELDS:
            if field.new_only and not self.is_new:
                continue
            widget = self.query_one(f"#field-{field.name}")
            if isinstance(widget, Select):
                values[field.name] = widget.selection
            elif isinstance(widget, SelectionList):
                values[field.name] = list(widget.selected)
            else:
                values[field.name] = widget.value.strip()
        return values

    def _build(self) -> tuple[Record | None, dict[str, str]]:
        data = self.to_data(self.values())
        if self.record is not None:
            data = {**self.record.model_dump(), **data}
        else:
            data.setdefault("id", NEW_ID)
        data = {k: v for k, v in data.items() if v is not None}
        names = {f.name for f in self.FIELDS}
        try:
            model = self.MODEL.model_validate(data)
            self.cross_checks(model)
        except ValidationError as exc:
            errors: dict[str, str] = {}
            for line in describe_errors(exc):
                field = line.split(":", 1)[0].split(".", 1)[0]
                errors.setdefault(field if field in names else "", line)
            return None, errors
        except RuleError as exc:
            return None, {exc.field if exc.field in names else "": str(exc)}
        return model, {}

    def _validate(self) -> Record | None:
        model, errors = self._build()
        self._show_errors(errors)
        self.update_extra(self.values(), model)
        return model

    def _show_errors(self, errors: dict[str, str], status: str | None = None) -> None:
        self._errors = errors
        for field in self.FIELDS:
            if field.new_only and not self.is_new:
                continue
            message = errors.get(field.name, "")
            if self._touched is not None and field.name not in self._touched:
                message = ""
            error = self.query_one(f"#error-{field.name}", Static)
            error.update(Content(message))
            error.display = bool(message)
            self.query_one(f"#field-{field.name}").set_class(bool(message), "-invalid")
        general = status if status is not None else errors.get("", "")
        status_widget = self.query_one("#form-status", Static)
        status_widget.update(Content(general))
        status_widget.display = bool(general)

    def _changed(self, widget: Widget) -> None:
        if self._touched is not None and widget.id and widget.id.startswith("field-"):
            self._touched.add(widget.id.removeprefix("field-"))
        self._validate()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._changed(event.input)

    def on_select_changed(self, event: Select.Changed) -> None:
        self._changed(event.select)

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        self._changed(event.selection_list)

    def on_descendant_blur(self, event) -> None:
        # Leaving a field counts as having reached it.
        self._changed(event.widget)

    # --- actions ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("delete", "reload"):
            return not self.is_new
        return super().check_action(action, parameters)

    def action_save(self) -> None:
        self._touched = None
        model = self._validate()
        if model is None:
            self._show_errors(self._errors, self._errors.get("") or "Fix the marked fields; nothing was saved.")
            return
        save = (lambda store: store.add(model)) if self.is_new else (lambda store: store.update(model))
        self.app.submit(self, Job(save, lambda _saved: self._finished("saved"), self._not_saved))

    def action_reload(self) -> None:
        model_class, record_id = self.MODEL, self.record.id
        self.app.submit(self, Job(lambda store: store.get(model_class, record_id), self._reloaded, self._not_saved,
                                  reload=False))

    def action_delete(self) -> None:
        record = self.record

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.submit(self, Job(lambda store: store.delete(type(record), record.id, version=record.version),
                                          lambda _deleted: self._finished("deleted"), self._not_saved))

        self.app.push_screen(ConfirmScreen(f"Delete {self.NOUN} {record.id}? This cannot be undone here.",
                                           "Delete"), confirmed)

    def action_cancel(self) -> None:
        self.dismiss()

    def _reloaded(self, record: Record) -> None:
        self.record = record
        self._fill(self.to_texts(record))
        self._show_errors({}, f"Reloaded version {record.version}; apply your change again.")

    def _finished(self, verb: str) -> None:
        self.notify(f"{self.NOUN.capitalize()} {verb}.", title=self.NOUN.capitalize())
        self.dismiss()

    def _not_saved(self, failure: JobFailure) -> None:
        if failure.stale:
            self._show_errors(self._errors, f"Not saved: {failure.message}. Press ctrl+r to reload it "
                                            "(your edits here will be replaced).")
        elif failure.field in {f.name for f in self.FIELDS}:
            self._show_errors({failure.field: failure.message}, "Not saved.")
        else:
            self._show_errors(self._errors, f"Not saved: {failure.message}")

    def _fill(self, texts: dict[str, Any]) -> None:
        for field in self.FIELDS:
            if field.new_only and not self.is_new:
                continue
            widget = self.query_one(f"#field-{field.name}")
            value = texts.get(field.name)
            if isinstance(widget, Select):
                widget.value = value if value is not None else Select.NULL
            elif isinstance(widget, SelectionList):
                widget.deselect_all()
                for key in value or []:
                    widget.select(key)
            else:
                widget.value = "" if value is None else (number_text(value) if isinstance(value, float) else str(value))


# --- the editors ------------------------------------------------------------------------------------


def _department_choices(board: Board) -> Choices:
    return [(d.name, d.id) for d in board.snapshot.departments]


def _metric_choices(board: Board) -> Choices:
    return [(f"{m.name} ({m.id})", m.id) for m in board.snapshot.metrics]


DATE_HINT = "YYYY-MM-DD"


class GoalEditor(EditorScreen):
    MODEL = Goal
    NOUN = "goal"
    FIELDS = (
        Field("department", "Department", "select"),
        Field("title", "Title", placeholder="what changes, for whom"),
        Field("metric", "Metric", "select"),
        Field("kind", "Kind", "select"),
        Field("baseline", "Baseline", placeholder="value at start"),
        Field("target", "Target"),
        Field("start", "Start", placeholder=DATE_HINT),
        Field("deadline", "Deadline", placeholder=DATE_HINT),
        Field("objectives", "Supports", "multi"),
        Field("tolerance", "Tolerance", placeholder="0..1, default 0.1"),
        Field("risk_tolerance", "Risk band", placeholder="at risk within 0..1; blank: twice the tolerance"),
        Field("pacing", "Pacing", "select"),
        Field("milestones", "Milestones", placeholder="stepped: 2026-03-31; 2026-06-30=0.5"),
        Field("exceed_margin", "Exceed past", placeholder="0..1 of the change past target; blank: never"),
        Field("description", "Description"),
    )

    def __init__(self, record: Goal | None, *, department: str | None = None) -> None:
        super().__init__(record, department=department, kind="increase", tolerance="0.1", pacing="linear")

    def to_texts(self, record: Record) -> dict[str, Any]:
        texts = super().to_texts(record)
        texts["milestones"] = "; ".join(texts["milestones"] or [])
        return texts

    def to_data(self, values: dict[str, Any]) -> dict[str, Any]:
        data = super().to_data(values)
        # Typed as one line, `;`-separated as in a CSV cell; blank is "none" (not "unchanged").
        data["milestones"] = [part.strip() for part in (values.get("milestones") or "").split(";") if part.strip()]
        return data

    def on_mount(self) -> None:
        if self.is_new:
            # A new goal runs from the scorecard's date to the end of that year, until edited.
            as_of = self.board.as_of
            self._fill({**self.defaults, "start": as_of.isoformat(),
                        "deadline": date(as_of.year + (as_of.month == 12), 12, 31).isoformat()})
        super().on_mount()

    def choices(self, field: str) -> Choices:
        if field == "department":
            return _department_choices(self.board)
        if field == "metric":
            return _metric_choices(self.board)
        if field == "kind":
            return [(k.replace("_", " "), k) for k in ("increase", "decrease", "reach", "stay_above", "stay_below")]
        if field == "pacing":
            return [("linear: evenly from start to deadline", "linear"),
                    ("stepped: only at the milestones", "stepped"),
                    ("late: most of it near the deadline", "late")]
        if field == "objectives":
            return [(f"{o.id} {o.title}", o.id) for o in self.board.snapshot.objectives]
        return []

    def cross_checks(self, model: Goal) -> None:
        metric = self.board.metrics.get(model.metric)
        if metric is not None:
            check_goal_scale(model, metric)

    def extra(self) -> Widget:
        return Static(id="smart")

    def update_extra(self, values: dict[str, Any], model: Record | None) -> None:
        self.query_one("#smart", Static).update(smart_checklist(self.board, values, model))


def smart_checklist(board: Board, values: dict[str, Any], model: Goal | None) -> Content:
    """The SMART test of a goal as typed, each line a symbol and a word (not colour alone)."""
    metric = board.metrics.get(values.get("metric") or "")
    title = values.get("title") or ""
    achievable = False
    if model is not None:
        achievable = metric is None or metric.scale is None or metric.scale.contains(model.target)
    else:
        try:
            target = float(values.get("target") or "")
            achievable = metric is not None and (metric.scale is None or metric.scale.contains(target))
        except ValueError:
            pass
    deadline_ok = model is not None or (
        bool(values.get("deadline")) and "deadline" not in _date_error(values.get("start"), values.get("deadline"))
    )
    checks = [
        ("Specific", len(title.split()) >= 3, "a title of at least three words saying what changes"),
        ("Measurable", metric is not None, "measured by a known metric"),
        ("Achievable", achievable, "target inside the metric's scale"),
        ("Relevant", bool(values.get("objectives")), "supports at least one shared objective"),
        ("Time-bound", deadline_ok, "a deadline after the start"),
    ]
    lines = [Content.styled("SMART", "bold")]
    for name, ok, what in checks:
        mark = Content.styled("✔ yes", "$success") if ok else Content.styled("✖ no ", "$warning")
        lines.append(Content.assemble(mark, f" {name:<11}", (what, "$text-muted")))
    return Content("\n").join(lines)


def _date_error(start: str | None, deadline: str | None) -> str:
    try:
        return "" if date.fromisoformat(deadline or "") > date.fromisoformat(start or "") else "deadline"
    except ValueError:
        return "deadline"


class IncentiveEditor(EditorScreen):
    MODEL = Incentive
    NOUN = "incentive"
    FIELDS = (
        Field("department", "Department", "select"),
        Field("title", "Title", placeholder="what is rewarded"),
        Field("metric", "Metric", "select"),
        Field("direction", "Rewards", "select"),
        Field("weight", "Weight", placeholder="share of variable pay, 0..1"),
        Field("description", "Description"),
    )

    def __init__(self, record: Incentive | None, *, department: str | None = None) -> None:
        super().__init__(record, department=department, direction="up")

    def choices(self, field: str) -> Choices:
        if field == "department":
            return _department_choices(self.board)
        if field == "metric":
            return _metric_choices(self.board)
        if field == "direction":
            return [("metric going up", "up"), ("metric going down", "down")]
        return []

    def cross_checks(self, model: Incentive) -> None:
        others = [i for i in self.board.snapshot.incentives if i.department == model.department]
        check_incentive_weights(model, others)


class ObjectiveEditor(EditorScreen):
    MODEL = Objective
    NOUN = "objective"
    FIELDS = (
        Field("title", "Title", placeholder="the customer outcome, company-wide"),
        Field("metric", "Metric", "select"),
        Field("target", "Target"),
        Field("deadline", "Deadline", placeholder=DATE_HINT),
        Field("baseline", "Baseline", placeholder="optional"),
        Field("start", "Start", placeholder=f"optional, {DATE_HINT}"),
        Field("description", "Description"),
    )

    def choices(self, field: str) -> Choices:
        return _metric_choices(self.board) if field == "metric" else []

    def cross_checks(self, model: Objective) -> None:
        metric = self.board.metrics.get(model.metric)
        if metric is not None:
            check_in_scale(model.target, metric, "target")


class DepartmentEditor(EditorScreen):
    MODEL = Department
    NOUN = "department"
    FIELDS = (
        Field("id", "Id", placeholder="slug, e.g. customer-service (empty: from the name)", new_only=True),
        Field("name", "Name"),
        Field("leads", "Leads", placeholder="login names, comma separated"),
        Field("description", "Description"),
    )

    def to_texts(self, record: Department) -> dict[str, Any]:
        return {**super().to_texts(record), "leads": ", ".join(record.leads)}

    def to_data(self, values: dict[str, Any]) -> dict[str, Any]:
        data = dict(values)
        data["leads"] = [x for x in values["leads"].replace(",", " ").split() if x]
        if self.is_new and not data.get("id") and data.get("name"):
            data["id"] = slugify(data["name"])
        return data


class MetricEditor(EditorScreen):
    MODEL = Metric
    NOUN = "metric"
    FIELDS = (
        Field("id", "Id", placeholder="slug, e.g. nps (empty: from the name)", new_only=True),
        Field("name", "Name"),
        Field("unit", "Unit", placeholder="optional, e.g. %"),
        Field("scale_min", "Scale min", placeholder="optional"),
        Field("scale_max", "Scale max", placeholder="optional"),
        Field("direction", "Better", "select"),
        Field("customer_centric", "Customer?", "select"),
        Field("cadence", "Cadence", "select"),
        Field("description", "Description"),
    )

    def __init__(self, record: Metric | None) -> None:
        super().__init__(record, direction="up", customer_centric="no", cadence="monthly")

    def choices(self, field: str) -> Choices:
        return {
            "direction": [("higher is better", "up"), ("lower is better", "down")],
            "customer_centric": [("yes, customers feel it", "yes"), ("no, internal", "no")],
            "cadence": [("weekly", "weekly"), ("monthly", "monthly"), ("quarterly", "quarterly")],
        }.get(field, [])

    def to_texts(self, record: Metric) -> dict[str, Any]:
        texts = super().to_texts(record)
        texts["scale_min"] = record.scale.min if record.scale else None
        texts["scale_max"] = record.scale.max if record.scale else None
        texts["customer_centric"] = "yes" if record.customer_centric else "no"
        return texts

    def to_data(self, values: dict[str, Any]) -> dict[str, Any]:
        data = dict(values)
        low, high = data.pop("scale_min"), data.pop("scale_max")
        data["scale"] = {"min": low, "max": high} if (low or high) else None
        data["customer_centric"] = data.get("customer_centric") == "yes"
        if self.is_new and not data.get("id") and data.get("name"):
            data["id"] = slugify(data["name"])
        return {k: (v if v != "" else None) for k, v in data.items()}

    def _build(self) -> tuple[Record | None, dict[str, str]]:
        model, errors = super()._build()
        # Scale errors name "scale"; show them beside the min/max fields.
        if "" in errors and errors[""].startswith("scale"):
            errors["scale_min"] = errors.pop("")
        return model, errors


_WEIGHTS = ("goals", "incentives", "delivery", "conflicts")
_SEVERITIES = ("high", "medium", "low")


class SettingsEditor(EditorScreen):
    """The store's admins, alignment weights and conflict penalties; admins only (the store says
    so to anyone else), audited like every change."""

    MODEL = Settings
    NOUN = "settings"
    FIELDS = (
        Field("admins", "Admins", placeholder="login names, comma separated"),
        # Labels fit the form's label column; the placeholders say what each number is.
        *(Field(f"weight_{w}", w.capitalize(), placeholder=f"weight of the {w} part, 0-1; the four sum to 1")
          for w in _WEIGHTS),
        *(Field(f"penalty_{s}", s.capitalize(),
                placeholder=f"points an open {s}-severity finding or flag costs, 0-100") for s in _SEVERITIES),
    )

    @property
    def title_text(self) -> str:
        return "Settings: admins; weights of goals … conflicts; penalties high … low"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "delete":
            return False
        return super().check_action(action, parameters)

    def to_texts(self, record: Settings) -> dict[str, Any]:
        texts: dict[str, Any] = {"admins": ", ".join(record.admins)}
        texts.update({f"weight_{w}": getattr(record.weights, w) for w in _WEIGHTS})
        texts.update({f"penalty_{s}": record.penalties.get(s) for s in _SEVERITIES})
        return texts

    def to_data(self, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "admins": [x for x in values["admins"].replace(",", " ").split() if x],
            "weights": {w: values[f"weight_{w}"] for w in _WEIGHTS},
            "penalties": {s: values[f"penalty_{s}"] for s in _SEVERITIES},
        }

    def _build(self) -> tuple[Record | None, dict[str, str]]:
        model, errors = super()._build()
        # "weights.goals: ..." belongs beside its field; the sum rule ("weights: ...") under the form.
        for key in [k for k in errors if k == ""]:
            line = errors[key]
            head = line.split(":", 1)[0]
            if head.startswith(("weights.", "penalties.")):
                part, name = head.split(".", 1)
                errors[f"{'weight' if part == 'weights' else 'penalty'}_{name}"] = errors.pop(key)
        return model, errors
