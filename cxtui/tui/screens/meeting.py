"""Meeting view: one department at a time, big and sparse, with what changed since the last meeting,
the department's open action items, and its conflicts, each one key from its full explanation.

Opening the view records today's meeting (or finds it recorded already), so "since the last meeting"
is the previous recorded one, across launches and for every lead (engine/meetings.py).
"""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from cxtui.engine.meetings import (
    close_item,
    decided_since,
    is_overdue,
    last_meeting_problem,
    meeting_day_problem,
    open_items,
    since_last,
)
from cxtui.engine.scorecard import DepartmentCard, GoalChange, build_scorecard, compare
from cxtui.models import Meeting, Snapshot, day_or_none, meeting_id, utcnow
from cxtui.tui import format as fmt
from cxtui.tui.actions import bindings
from cxtui.tui.read_model import Board
from cxtui.tui.jobs import Job, JobOwner
from cxtui.tui.screens.dialogs import PickScreen, PromptScreen
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
    lines += items_section(board, card.department.id, since)
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
        count = len(card.findings) + len(card.flags)
        keys = "1-9 or e" if count > 9 else "1-9"
        lines.append(Content.assemble((f"Open conflicts ({count})", "bold"),
                                      (f"   {keys}: the full explanation", "$text-muted")))
        number = iter(range(1, len(card.findings) + len(card.flags) + 1))
        for finding in card.findings:
            symbol, style = fmt.SEVERITY[finding.severity]
            # The rule's name alone ("Metrics in tension") does not say which; name the goals and
            # the other departments involved.
            others = [board.department_name(d) for d in finding.departments if d != card.department.id]
            what = ", ".join([*finding.goals, *finding.incentives])
            detail = " · ".join(x for x in (what, f"with {fmt.names(others)}" if others else "") if x)
            lines.append(Content.assemble(_number(next(number)), (f"{symbol} ", style), finding.title,
                                          (f"  {detail}" if detail else "", "$text-muted")))
        for flag in card.flags:
            owner = f", {flag.owner}" if flag.owner else ""
            due = f", due {flag.due.isoformat()}" if flag.due else ""
            lines.append(Content.assemble(_number(next(number)), ("⚑ ", "$error"), flag.title,
                                          (f" ({flag.status}{owner}{due})", "$text-muted")))
    return Content("\n").join(lines)


def _number(n: int) -> tuple[str, str]:
    return (f"  {n} " if n < 10 else "    ", "$accent bold")


def conflict_refs(card: DepartmentCard) -> list[tuple[str, object]]:
    """The page's conflicts in the order it numbers them: ("finding", finding) or ("flag", flag)."""
    return [*(("finding", f) for f in card.findings), *(("flag", f) for f in card.flags)]


def items_section(board: Board, department: str, since: date) -> list[Content]:
    """The department's open action items (from this and earlier meetings), the decisions recorded
    since the last meeting, and the keys that add and close them."""
    items = open_items(board.snapshot.actions, department=department)
    decided = decided_since(board.snapshot.actions, department, since)
    lines: list[Content] = []
    if items:
        lines.append(Content.assemble((f"Open action items ({len(items)})", "bold"),
                                      ("   d: done or dropped", "$text-muted")))
        for item in items:
            late = is_overdue(item, board.as_of)
            whose = f" · {item.owner}" if item.owner else ""
            due = f" · due {item.due.isoformat()}" if item.due else ""
            lines.append(Content.assemble(("  ☐ ", "$accent"), (f"{item.id} ", "bold"), item.text,
                                          (whose + due, "$text-muted"), (" overdue" if late else "", "$error bold")))
    if decided:
        lines.append(Content.styled(f"Decided since {since.isoformat()}", "bold"))
        lines += [Content.assemble(("  ✔ ", "$success"), (f"{d.id} ", "bold"), d.text) for d in decided]
    lines.append(Content.styled("a: record a decision or an action item", "$text-muted"))
    lines.append(Content(""))
    return lines


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
        self.meeting: str | None = None  # the id of the meeting recorded for this view, once it is
        self._recording = False

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
        if not self._recording:
            self._record_meeting(board)
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
        return self.since or since_last(board.snapshot.meetings, board.as_of)

    # --- the meeting itself -----------------------------------------------------------------------

    def _record_meeting(self, board: Board) -> None:
        """Record the meeting on the board's date, or find it recorded; refused for a future date,
        and not done for a date other than the session's (a look back at an earlier scorecard)."""
        self._recording = True
        day = board.as_of
        problem = meeting_day_problem(day, date.today())
        if problem is not None:
            self.notify(f"No meeting recorded: {problem}. Set the scorecard's date (a) to today or earlier.",
                        title="Meeting", severity="warning", timeout=10, markup=False)
            return
        if self.app.read_only:
            return
        if day != self.app.session_day:
            # Looking back at an earlier scorecard is not holding a meeting then (`l` records one).
            self.notify(f"No meeting recorded: the scorecard is as of {day.isoformat()}, not "
                        f"{self.app.session_day.isoformat()}.", title="Meeting", timeout=6, markup=False)
            return
        self.app.submit(self, Job(lambda store: _held(store, day), self._recorded, self._not_recorded, reload=False))

    def _recorded(self, meeting: Meeting) -> None:
        self.meeting = meeting.id

    def _not_recorded(self, failure) -> None:
        self.notify(f"The meeting was not recorded: {failure.message}", title="Meeting", severity="warning",
                    timeout=10, markup=False)

    def _card(self) -> DepartmentCard:
        board = self.app.board
        return board.scorecard.departments[self.position % len(board.scorecard.departments)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("add_item", "close_item", "explain", "explain_any", "since", "next", "prev"):
            board = self.app.board
            return board is not None and bool(board.scorecard.departments)
        return True

    def action_add_item(self) -> None:
        from cxtui.store.permissions import refusal
        from cxtui.tui.screens.meeting_items import ItemForm

        board, department = self.app.board, self._card().department.id
        reason = refusal(board.user, board.snapshot.settings, board.departments, "action", department)
        if reason is not None:
            self.notify(reason, title="Not yours to record", severity="warning", timeout=8, markup=False)
            return
        self.app.push_screen(ItemForm(board, department, self.meeting))

    def action_close_item(self) -> None:
        board, card = self.app.board, self._card()
        items = open_items(board.snapshot.actions, department=card.department.id)
        if not items:
            self.notify(f"{card.department.name} has no open action items.", title="Meeting", markup=False)
            return

        def picked(item) -> None:
            if item is not None:
                self.app.push_screen(PickScreen(f"{item.id}: {item.text}", [("Done", "done"), ("Dropped", "dropped")]),
                                     lambda status: status and self._ask_note(item, status))

        self.app.push_screen(PickScreen("Close which item?", [(f"{i.id} {i.text}", i) for i in items]), picked)

    def _ask_note(self, item, status: str) -> None:
        question = "How was it done? (optional)" if status == "done" else "Why is it dropped? (optional)"

        def noted(note: str | None) -> None:
            if note is not None:
                self.app.submit(self, Job(
                    lambda store: store.update(close_item(item, status, note, store.user, utcnow())),
                    lambda closed: self.notify(f"{closed.id} {closed.status}.", title="Meeting", markup=False),
                    lambda failure: self.notify(failure.message, title="Not saved", severity="error", timeout=10,
                                                markup=False)))

        self.app.push_screen(PromptScreen(question), noted)

    def action_explain_any(self) -> None:
        from cxtui.tui.screens.meeting_items import ExplainScreen

        refs = conflict_refs(self._card())
        if not refs:
            self.notify("No conflicts on this page.", title="Meeting")
            return
        board = self.app.board
        choices = [(f"{n} {record.title}", (kind, record)) for n, (kind, record) in enumerate(refs, start=1)]
        self.app.push_screen(PickScreen("Explain which conflict?", choices),
                             lambda picked: picked and self.app.push_screen(ExplainScreen(board, *picked)))

    def action_explain(self, number: int) -> None:
        from cxtui.tui.screens.meeting_items import ExplainScreen

        refs = conflict_refs(self._card())
        if not 1 <= number <= len(refs):
            self.notify(f"No conflict {number} on this page.", title="Meeting")
            return
        kind, record = refs[number - 1]
        self.app.push_screen(ExplainScreen(self.app.board, kind, record))

    def action_next(self) -> None:
        self.position += 1
        self._show(self.app.board)
        self.query_one("#meeting").scroll_home(animate=False)

    def action_prev(self) -> None:
        self.position -= 1
        self._show(self.app.board)
        self.query_one("#meeting").scroll_home(animate=False)

    def action_since(self) -> None:
        board = self.app.board

        def check(text: str) -> str | None:
            day = day_or_none(text)
            if day is None:
                return "a date as YYYY-MM-DD, 1900 to 2199"
            return last_meeting_problem(day, board.as_of, date.today())

        self.app.push_screen(PromptScreen("Date of the last meeting (YYYY-MM-DD)", value=self._since(board).isoformat(),
                                          check=check), self._since_chosen)

    def _since_chosen(self, text: str | None) -> None:
        day = day_or_none(text) if text is not None else None
        if day is None:
            return
        self.since = day
        self._show(self.app.board)
        if not self.app.read_only:
            # Recorded, so the next meeting (and every other lead) counts from it too.
            self.app.submit(self, Job(lambda store: _held(store, day), lambda _meeting: None, self._not_recorded))

    def action_back(self) -> None:
        self.app.action_home()


def _held(store, day: date) -> Meeting:
    """The meeting recorded on `day`, recording it now if nobody has (a job's run: in a worker)."""
    found = store.find(Meeting, meeting_id(day))
    return found or store.add(Meeting(date=day, opened_by=store.user, opened_at=utcnow()))
