"""Meeting view: one department at a time, big and sparse, with what changed since the last meeting."""

from __future__ import annotations

from datetime import date, timedelta

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from cxtui.models import Snapshot, day_or_none
from cxtui.engine.scorecard import GoalChange, build_scorecard, compare
from cxtui.tui import format as fmt
from cxtui.tui.actions import bindings
from cxtui.tui.read_model import Board
from cxtui.tui.jobs import Job, JobOwner
from cxtui.tui.screens.dialogs import PromptScreen
from cxtui.tui.widgets.title_bar import TitleBar

_MOVES = {"up": ("▲ up", "$success"), "down": ("▼ down", "$error"), "same": ("", "")}


def changes_since(board: Board, before: Snapshot, since: date) -> dict[str, GoalChange]:
    """Goal id -> what changed between `since` and the board's date (the whole engine: a worker's job).

    `before` is the store's snapshot at `since`: the board's holds only what its own date reads."""
    return {c.goal_id: c for c in compare(build_scorecard(before, as_of=since), board.scorecard)}


def meeting_page(board: Board, position: int, since: date, changes: dict[str, GoalChange] | None) -> Content:
    """One department's page; `changes` is None while they are still being worked out."""
    card = board.scorecard.departments[position]
    a = card.alignment
    lines = [
        Content.styled(card.department.name.upper(), "$accent bold"),
        Content.assemble(("Alignment ", "bold"), (fmt.index(a.index), "$accent bold"),
                         (f"   goals {fmt.index(a.goals)} · incentives {fmt.index(a.incentives)} · "
                          f"delivery {fmt.index(a.delivery)} · conflicts {fmt.index(a.conflicts)}", "$text-muted")),
        Content(""),
    ]
    for goal in card.goals:
        symbol, word, style = fmt.STATUS[goal.status]
        lines.append(Content.assemble((f"{symbol} {word.upper():<10} ", style + " bold"), (goal.goal.title, "bold")))
        latest = goal.latest.value if goal.latest else None
        detail = Content.styled(
            f"    {board.metric_name(goal.goal.metric)}: {fmt.number(goal.goal.baseline)} → "
            f"{fmt.number(latest)} → {fmt.number(goal.goal.target)}   {fmt.percent(goal.progress)} done",
            "",
        )
        if goal.stale:
            detail += Content.styled("   stale", "$warning italic")
        lines.append(detail)
        sure = fmt.confidence(goal)
        if sure is not None:
            lines.append(Content("    ") + sure)
        change = None if changes is None else changes.get(goal.goal.id)
        if changes is None:
            lines.append(Content.styled(f"    since {since.isoformat()}: working it out…", "$text-muted"))
        elif change is not None:
            move, move_style = _MOVES[change.move]
            text = f"    since {since.isoformat()}: "
            text += f"{move} from {fmt.STATUS[change.before][1]}, " if move else ""
            text += f"{len(change.new_readings)} new reading{'s' if len(change.new_readings) != 1 else ''}"
            lines.append(Content.styled(text, move_style or "$text-muted"))
        else:
            lines.append(Content.styled(f"    no change since {since.isoformat()}", "$text-muted"))
        lines.append(Content(""))
    if card.findings or card.flags:
        lines.append(Content.styled(f"Open conflicts ({len(card.findings) + len(card.flags)})", "bold"))
        for finding in card.findings:
            symbol, style = fmt.SEVERITY[finding.severity]
            # The rule's name alone ("Metrics in tension") does not say which; name the goals and
            # the other departments involved.
            others = [board.department_name(d) for d in finding.departments if d != card.department.id]
            what = ", ".join([*finding.goals, *finding.incentives])
            detail = " · ".join(x for x in (what, f"with {fmt.names(others)}" if others else "") if x)
            lines.append(Content.assemble((f"  {symbol} ", style), finding.title,
                                          (f"  {detail}" if detail else "", "$text-muted")))
        for flag in card.flags:
            lines.append(Content.assemble(("  ⚑ ", "$error"), flag.title, (f" ({flag.status})", "$text-muted")))
    return Content("\n").join(lines)


class MeetingScreen(JobOwner, Screen):
    SCOPE = "meeting"
    BINDINGS = bindings("meeting")

    def __init__(self) -> None:
        super().__init__()
        self.position = 0
        self.since: date | None = None
        # (board, since, changes) of the last computation; a new board or date starts another.
        self._changes: tuple[Board, date, dict[str, GoalChange]] | None = None
        self._pending: tuple[Board, date] | None = None  # the computation under way

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with VerticalScroll(id="meeting"):
            yield Static(id="page")
        yield Footer()

    def on_mount(self) -> None:
        board: Board = self.app.board
        mine = board.my_departments
        ids = [c.department.id for c in board.scorecard.departments]
        if mine and mine[0] in ids:
            self.position = ids.index(mine[0])
        self.watch(self.app, "board", self._show)

    def _show(self, board: Board | None) -> None:
        if board is None or not board.scorecard.departments:
            return
        self.position %= len(board.scorecard.departments)
        since = self._since(board)
        name = board.scorecard.departments[self.position].department.name
        self.query_one(TitleBar).set_parts(
            "Meeting", f"{self.position + 1}/{len(board.scorecard.departments)} {name}",
            f"as of {board.as_of.isoformat()}", f"since {since.isoformat()}")
        changes = None
        if self._changes is not None and self._changes[0] is board and self._changes[1] == since:
            changes = self._changes[2]
        elif self._pending is None or self._pending[0] is not board or self._pending[1] != since:
            self._pending = (board, since)
            self._work_out_changes(board, since)
        self.query_one("#page", Static).update(meeting_page(board, self.position, since, changes))

    def _work_out_changes(self, board: Board, since: date) -> None:
        """The "before" scorecard is a store read and an engine run: a job, off the UI thread."""
        self.app.submit(self, Job(lambda store: changes_since(board, store.snapshot(since), since),
                                  lambda changes: self._changes_ready(board, since, changes),
                                  self.app.store_unavailable, reload=False))

    def _changes_ready(self, board: Board, since: date, changes) -> None:
        if self.app.board is board and self._since(board) == since:  # not a late, older answer
            self._changes = (board, since, changes)
            self._show(board)

    def _since(self, board: Board) -> date:
        return self.since or board.as_of - timedelta(days=7)

    def action_next(self) -> None:
        self.position += 1
        self._show(self.app.board)
        self.query_one("#meeting").scroll_home(animate=False)

    def action_prev(self) -> None:
        self.position -= 1
        self._show(self.app.board)
        self.query_one("#meeting").scroll_home(animate=False)

    def action_since(self) -> None:
        def check(text: str) -> str | None:
            return None if day_or_none(text) else "a date as YYYY-MM-DD, 1900 to 2199"

        current = self.since or self.app.board.as_of - timedelta(days=7)
        self.app.push_screen(PromptScreen("Date of the last meeting (YYYY-MM-DD)", value=current.isoformat(),
                                          check=check), self._since_chosen)

    def _since_chosen(self, text: str | None) -> None:
        if text is not None:
            self.since = day_or_none(text)
            self._show(self.app.board)

    def action_back(self) -> None:
        self.app.action_home()
