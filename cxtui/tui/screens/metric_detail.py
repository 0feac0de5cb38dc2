"""Metric detail: a chart of the readings large enough to read, the readings table, and editing."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from cxtui.models import Reading, check_in_scale
from cxtui.tui import format as fmt
from cxtui.tui.actions import bindings
from cxtui.tui.jobs import Job, JobOwner
from cxtui.tui.read_model import Board
from cxtui.tui.screens.dialogs import ConfirmScreen
from cxtui.tui.screens.editors import EditorScreen
from cxtui.tui.screens.form_fields import Field
from cxtui.tui.widgets.reading_chart import ReadingChart
from cxtui.tui.widgets.title_bar import TitleBar


class ReadingEditor(EditorScreen):
    MODEL = Reading
    NOUN = "reading"
    FIELDS = (
        Field("date", "Date", placeholder="YYYY-MM-DD"),
        Field("value", "Value"),
        Field("confidence", "Confidence", placeholder="1-10, optional"),
        Field("note", "Note"),
    )

    def to_texts(self, record: Reading) -> dict[str, Any]:
        return {**super().to_texts(record), "date": record.date.isoformat()}

    def cross_checks(self, model: Reading) -> None:
        metric = self.board.metrics.get(model.metric)
        if metric is not None:
            check_in_scale(model.value, metric)


class MetricScreen(JobOwner, Screen):
    SCOPE = "metric"
    BINDINGS = bindings("metric")

    def __init__(self, metric: str, department: str | None) -> None:
        super().__init__()
        self.metric = metric
        self.department = department
        self.readings: list[Reading] = []

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="metric-summary")
        yield ReadingChart(id="chart")
        yield DataTable(id="readings", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("date", "department", "value", "conf", "by", "note"):
            table.add_column(Text(label), key=label)
        table.focus()
        self.watch(self.app, "board", self._show)

    def _show(self, board: Board | None) -> None:
        if board is not None:
            self._read_history(board)

    def _read_history(self, board: Board) -> None:
        """The whole history of the series (the board holds only what its scorecard reads)."""
        metric, department = self.metric, self.department
        self.app.submit(self, Job(
            lambda store: store.readings(metric=metric, department=department, end=board.as_of),
            lambda readings: self._history_read(board, readings), self.app.store_unavailable, reload=False))

    def _history_read(self, board: Board, readings: list[Reading]) -> None:
        if board is self.app.board:  # not a late answer for an older board
            self._show_history(board, readings)

    def _show_history(self, board: Board, readings: list[Reading]) -> None:
        metric = board.metrics.get(self.metric)
        name = metric.name if metric else self.metric
        where = board.department_name(self.department)
        self.readings = readings
        self.query_one(TitleBar).set_parts("Metric", name, where, f"as of {board.as_of.isoformat()}")
        values = [r.value for r in self.readings]
        summary = Content.assemble(
            (name, "bold"), (f" ({metric.unit})" if metric and metric.unit else "", "$text-muted"),
            (f"   {len(values)} readings", "$text-muted"),
        )
        if values:
            summary += Content(f"   low {fmt.number(min(values))} · high {fmt.number(max(values))} · "
                               f"latest {fmt.number(values[-1])}")
        self.query_one("#metric-summary", Static).update(summary)
        self.query_one(ReadingChart).show(self.readings, self._targets(board), f"{name}, {where}")
        table = self.query_one(DataTable)
        kept = table.cursor_row
        table.clear()
        for reading in reversed(self.readings):
            # rich Text: literal (never markup), and measured by DataTable (Content is not).
            table.add_row(
                *(Text(x, no_wrap=True, end="") for x in (
                    reading.date.isoformat(), board.department_name(reading.department), fmt.number(reading.value),
                    "" if reading.confidence is None else str(reading.confidence), reading.recorded_by,
                    reading.note.replace("\n", " "))),
                key=reading.id,
            )
        if self.readings:
            table.move_cursor(row=min(kept, len(self.readings) - 1))

    def _targets(self, board: Board) -> list[tuple[str, float]]:
        """The target of each goal on this series (a department's goals, or the shared objectives
        for company-level readings), labelled with the goal's id."""
        if self.department is None:
            found = [o for o in board.objectives.values() if o.metric == self.metric]
        else:
            found = [g for g in board.goals.values() if g.metric == self.metric and g.department == self.department]
        return [(f"{record.id} target {fmt.number(record.target)}", record.target) for record in found]

    def _current(self) -> Reading | None:
        table = self.query_one(DataTable)
        if not self.readings or table.cursor_row < 0:
            return None
        return list(reversed(self.readings))[table.cursor_row]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit_reading", "delete_reading"):
            return bool(self.readings)
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit_reading()

    def action_edit_reading(self) -> None:
        reading = self._current()
        if reading is not None:
            self.app.push_screen(ReadingEditor(reading))

    def action_delete_reading(self) -> None:
        reading = self._current()
        if reading is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.submit(self, Job(
                    lambda store: store.delete(Reading, reading.id, version=reading.version),
                    lambda _deleted: self.notify("Reading deleted.", title="Metric"),
                    lambda failure: self.notify(failure.message, title="Not deleted", severity="error", timeout=10)))

        self.app.push_screen(ConfirmScreen(
            f"Delete the reading {fmt.number(reading.value)} of {reading.date.isoformat()}?", "Delete"), confirmed)

    def action_back(self) -> None:
        self.app.pop_screen()
