"""Check-in: this period's readings for the departments the user leads, in a few keystrokes.

One row per due metric (value, confidence, note); Enter moves to the next field, ctrl+s saves
every row that has a value in one store transaction. Fields are checked as they are typed with
the same model rules the store applies, and the reason is shown under the row.
"""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from cxtui.engine.checkin import FIELDS, Line, check_line, last_point, lines_for
from cxtui.engine.scorecard import Point
from cxtui.models import (
    Reading,
    day_or_none,
)
from cxtui.tui import format as fmt
from cxtui.tui.actions import bindings
from cxtui.tui.jobs import Job, JobOwner
from cxtui.tui.read_model import Board
from cxtui.tui.screens.dialogs import ConfirmScreen
from cxtui.tui.screens.form_fields import EnterMovesOn
from cxtui.tui.widgets.text_field import TextField
from cxtui.tui.widgets.title_bar import TitleBar

NOT_A_LEAD = ("{user} leads no department, so there is nothing here for you to record. A lead records "
              "their department's readings; an admin can add you as a lead (E on the scorecard). The "
              "scorecard, conflicts and history are open to you. Esc goes back.")
# Enter walks every field (value, confidence, note), so the flow is spelled out on screen.
# One line at 80 columns; ctrl+s and esc are in the footer.
HINT = "enter moves value → confidence → note → next row · empty rows are skipped"


class CheckinRow(Vertical):
    DEFAULT_CSS = """
    CheckinRow { height: auto; }
    CheckinRow Horizontal { height: 1; }
    CheckinRow .field-error { padding-left: 2; }
    """

    def __init__(self, line: Line) -> None:
        super().__init__()
        self.line = line

    def compose(self) -> ComposeResult:
        metric = self.line.metric
        label = Content(metric.name)
        if metric.unit:
            label += Content.styled(f" ({metric.unit})", "$text-muted")
        with Horizontal():
            yield Label(label, classes="metric")
            yield Label(self._last(), classes="last")
            yield TextField(placeholder="value", classes="value", compact=True)
            yield TextField(placeholder="1-10", classes="confidence", compact=True, max_length=2)
            yield TextField(placeholder="note", classes="note", compact=True)
        yield Static("", classes="field-error")

    def _last(self) -> Content:
        last = self.line.last
        if last is None:
            return Content.styled("no reading", "$text-muted")
        return Content(f"{fmt.number(last.value)} {last.date.strftime('%m-%d')}")

    def set_last(self, last: Point | None) -> None:
        self.line = Line(self.line.metric, self.line.department, last)
        self.query_one(".last", Label).update(self._last())

    def texts(self) -> tuple[str, str, str]:
        return tuple(self.query_one(f".{f}", Input).value for f in FIELDS)  # type: ignore[return-value]

    def show_errors(self, errors: dict[str, str]) -> None:
        for field in FIELDS:
            self.query_one(f".{field}", Input).set_class(field in errors, "-invalid")
        self.query_one(".field-error", Static).update(Content("; ".join(errors.values())))
        self.query_one(".field-error", Static).display = bool(errors)


class CheckinScreen(JobOwner, EnterMovesOn, Screen):
    SCOPE = "checkin"
    BINDINGS = bindings("checkin")
    # Below 80 columns the metric column gives way, so that every field typed into stays whole.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-normal")]
    lines: list[Line] = []

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("save", "date") and not self.lines:
            return False
        return super().check_action(action, parameters)

    def compose(self) -> ComposeResult:
        board: Board = self.app.board
        lines, what = lines_for(board.snapshot, board.as_of, board.user)
        self.lines = lines
        several = len({line.department.id for line in lines}) > 1
        yield TitleBar(id="title")
        if not lines and not what:
            yield Static(Content.styled(NOT_A_LEAD.format(user=board.user), "$warning"), id="intro")
            yield Footer()
            return
        yield Static(Content.styled(what, "bold"), id="intro")
        with Horizontal(id="date-row"):
            yield Label("Readings dated (ctrl+t) ", classes="muted")
            yield TextField(board.as_of.isoformat(), id="date", compact=True)
            yield Static("", id="date-error", classes="field-error")
        with Horizontal(id="checkin-headings"):
            for name, label in (("metric", "metric"), ("last", "last"), ("value", "value"),
                                ("confidence", "conf"), ("note", "note")):
                yield Label(Content.styled(label, "$text-muted bold"), classes=name)
        with VerticalScroll(id="rows"):
            department = None
            part = True
            for line in lines:
                if line.due != part:
                    part = line.due
                    department = None
                    yield Static(Content.styled("Not due this period", "$text-muted bold"), classes="part")
                if several and line.department.id != department:
                    # Several departments: a heading per department, so rows need not repeat it.
                    department = line.department.id
                    yield Static(Content.styled(line.department.name, "$accent bold"), classes="department")
                yield CheckinRow(line)
            if not lines:
                yield Static(Content.styled("No metrics to read: your departments have no goals.", "$warning"))
        yield Static(Content.styled(HINT, "$text-muted"), id="hint")
        yield Static("", id="status", classes="field-error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TitleBar).set_parts("Check-in", f"user {self.app.identity}")
        for row in self.query(CheckinRow):
            row.show_errors({})
        rows = self.query(CheckinRow)
        if rows:
            # Now, not later (Widget.focus defers): keys typed ahead are waiting to land here.
            self.set_focus(rows.first().query_one(".value", Input))
        self.watch(self.app, "board", self._refresh_last, init=False)

    def _refresh_last(self, board: Board | None) -> None:
        """Another lead saved: update the "last" column only, never the fields being typed."""
        if board is None:
            return
        for row in self.query(CheckinRow):
            row.set_last(last_point(board.snapshot, board.as_of, row.line.metric.id, row.line.department.id))

    # --- typing -----------------------------------------------------------------------------------

    def _day(self) -> date | None:
        return day_or_none(self.query_one("#date", Input).value)

    def _check(self, row: CheckinRow) -> tuple[Reading | None, dict[str, str]]:
        day = self._day() or self.app.board.as_of
        return check_line(row.line.metric, row.line.department.id, day, self.app.board.user, *row.texts())

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "date":
            ok = self._day() is not None
            self.query_one("#date-error", Static).update("" if ok else "a real date as YYYY-MM-DD")
            event.input.set_class(not ok, "-invalid")
            return
        row = next((a for a in event.input.ancestors if isinstance(a, CheckinRow)), None)
        if row is not None:
            row.show_errors(self._check(row)[1])

    # --- saving -----------------------------------------------------------------------------------

    def action_save(self) -> None:
        status = self.query_one("#status", Static)
        if self._day() is None:
            status.update("The date is not valid; nothing was saved.")
            self.query_one("#date", Input).focus()
            return
        readings: list[Reading] = []
        first_bad: CheckinRow | None = None
        for row in self.query(CheckinRow):
            reading, errors = self._check(row)
            row.show_errors(errors)
            if errors and first_bad is None:
                first_bad = row
            if reading is not None:
                readings.append(reading)
        if first_bad is not None:
            status.update("Fix the marked fields; nothing was saved.")
            first_bad.query_one(".-invalid", Input).focus()
            return
        if not readings:
            status.update("Type a value in at least one row first.")
            return
        status.update(Content.styled(f"Saving {len(readings)} readings…", "$text-muted"))
        self.app.submit(self, Job(lambda store: store.add_many(readings), self._saved,
                                  lambda failure: self.query_one("#status", Static).update(
                                      Content(f"Nothing was saved: {failure.message}"))))

    def _saved(self, readings: list) -> None:
        count = len(readings)
        self.notify(f"Saved {count} reading{'s' if count != 1 else ''}.", title="Check-in")
        self.app.action_home()

    def action_cancel(self) -> None:
        typed = sum(any(text.strip() for text in row.texts()) for row in self.query(CheckinRow))
        if not typed:
            self.app.action_home()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self.app.action_home()

        rows = f"{typed} typed row{'s' if typed != 1 else ''}"
        self.app.push_screen(ConfirmScreen(f"Leave check-in and throw away {rows}? Nothing was saved yet.",
                                           "Throw away"), answered)

    def action_date(self) -> None:
        self.set_focus(self.query_one("#date", Input))
