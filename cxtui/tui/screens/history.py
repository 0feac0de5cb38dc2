"""History: the audit trail, newest first, filterable by department and by user."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from cxtui.engine.changes import describe, field_changes, touches, value_text
from cxtui.models import AuditEntry
from cxtui.tui import format as fmt
from cxtui.tui.actions import bindings
from cxtui.tui.read_model import Board
from cxtui.tui.jobs import Job, JobFailure, JobOwner
from cxtui.tui.screens.dialogs import ConfirmScreen, PickScreen, PromptScreen
from cxtui.tui.widgets.title_bar import TitleBar

PAGE = 500  # entries read at a time, from the newest; the trail grows without bound


def cell(text: str) -> Text:
    """A DataTable cell shown literally (a plain str would be parsed as markup; a Content is not
    measured by DataTable, so its column would collapse to one character)."""
    return Text(text, no_wrap=True, end="")


def summary(entry: AuditEntry) -> str:
    side: dict[str, Any] = entry.after or entry.before or {}
    if not side and entry.digest:
        # A created reading whose document was not found unchanged (Store.audit_page).
        return f"reading with digest {entry.digest[:12]}"
    if entry.action == "update" and entry.before and entry.after:
        changed = field_changes(entry)
        return "; ".join(f"{c.field} {value_text(c.old)} → {value_text(c.new)}" for c in changed) or "touched"
    if entry.entity == "reading" and isinstance(side.get("value"), (int, float)):
        # "nps 42 on 2026-11-16 (sales)" says which reading; a bare "42.0" does not.
        where = f" ({side['department']})" if side.get("department") else ""
        return f"{side.get('metric', '')} {fmt.number(side['value'])} on {side.get('date', '')}{where}"
    label = side.get("title") or side.get("name") or side.get("value")
    return "" if label is None else str(label)


class HistoryScreen(JobOwner, Screen):
    SCOPE = "history"
    BINDINGS = bindings("history")

    def __init__(self) -> None:
        super().__init__()
        self.department: str | None = None
        self.user: str | None = None
        self.entries: list[AuditEntry] = []  # newest first: the pages read so far
        self.shown: list[AuditEntry] = []  # the rows on screen, in order
        self.older: str | None = None  # where the next page starts; None when the trail is read
        self.reading = False

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="history-note", classes="muted")
        yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # The change before the (long) record id, so at 80 columns it is on screen.
        for label in ("when (UTC)", "who", "action", "what", "change", "id"):
            table.add_column(cell(label))
        table.focus()
        self.watch(self.app, "board", self._load)

    def _load(self, board: Board | None) -> None:
        if board is not None:
            self._read(lambda store: store.audit_page(PAGE), older=False)

    def action_older(self) -> None:
        older = self.older
        if older is None:
            self.notify("The whole trail is read.", title="History")
            return
        if self.reading:
            return
        self._read(lambda store: store.audit_page(PAGE, older_than=older), older=True)

    def _read(self, read, *, older: bool) -> None:
        """A page of the trail: the newest (older=False) or the one before what is shown."""
        self.reading = True
        self.app.submit(self, Job(read, lambda result: self._page_read(result, older=older), self._unread,
                                  reload=False))

    def _unread(self, failure: JobFailure) -> None:
        self.reading = False
        self.notify(failure.message, title="History", severity="error")

    def _page_read(self, result, *, older: bool) -> None:
        self.reading = False
        page, self.older = result
        self.entries = [*self.entries, *page] if older else page
        # The trail is read a page at a time, from the newest; say how far.
        if self.older is not None:
            note = (f"The newest {len(self.entries)} changes, newest first; filters apply to those. "
                    "o reads older ones (all of them: cxtui export audit).")
        else:
            note = f"All {len(self.entries)} changes, newest first."
        self.query_one("#history-note", Static).update(Content(note))
        self._show(keep_row=older)

    def _show(self, *, keep_row: bool = False) -> None:
        board: Board = self.app.board
        shown = [
            e for e in self.entries
            if (self.department is None or touches(e, self.department)) and (self.user is None or e.by == self.user)
        ]
        filters = [board.department_name(self.department) if self.department else "all departments",
                   f"user {self.user}" if self.user else "all users", f"{len(shown)} changes"]
        self.query_one(TitleBar).set_parts("History", *filters)
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        self.shown = shown
        for e in shown:
            table.add_row(*(cell(x) for x in (
                e.at.strftime("%Y-%m-%d %H:%M"), f"{e.real_user} as {e.by}" if e.real_user else e.by, e.action, e.entity, summary(e), e.entity_id)))
        if keep_row:
            table.move_cursor(row=row)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "revert":
            return bool(self.shown)
        return True

    def action_revert(self) -> None:
        """Undo the highlighted change (one record's): asks first, naming it."""
        row = self.query_one(DataTable).cursor_row
        if not 0 <= row < len(self.shown):
            return
        entry = self.shown[row]
        self.app.push_screen(
            ConfirmScreen(f"Undo this change of {entry.at.strftime('%Y-%m-%d %H:%M')} UTC by {entry.by}: "
                          f"{describe(entry)}?", "Undo"),
            lambda yes: yes and self.app.submit(self, Job(
                lambda store: store.revert(entry.id),
                lambda undone: self.notify(f"Undone: {describe(undone[0])}", title="History"),
                lambda failure: self.notify(failure.message, title="Not undone", severity="error", timeout=10))))

    def action_department(self) -> None:
        board: Board = self.app.board
        choices = [("All departments", "")] + [(d.name, d.id) for d in board.snapshot.departments]
        self.app.push_screen(PickScreen("Changes touching which department?", choices, self.department or ""),
                             self._department_chosen)

    def _department_chosen(self, value: str | None) -> None:
        if value is not None:
            self.department = value or None
            self._show()

    def action_user(self) -> None:
        self.app.push_screen(PromptScreen("Changes by which user? (empty: everyone)", value=self.user or ""),
                             self._user_chosen)

    def _user_chosen(self, value: str | None) -> None:
        if value is not None:
            self.user = value.strip() or None
            self._show()

    def action_back(self) -> None:
        self.app.action_home()
