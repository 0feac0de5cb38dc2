"""Conflicts: detected findings grouped by severity, and flags, with the actions leads take on them.

Every action is a store write (audited by the store); the flag lifecycle rules live in
`cxtui.engine.flags`, so a refused transition comes back as a one-line message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, OptionList, SelectionList, Static
from textual.widgets.option_list import Option

from cxtui.engine import flags
from cxtui.engine.chain import TENSION_WORDS, LinkRow, series_of, tension_evidence, tension_rows
from cxtui.engine.tensions import effective_tensions
from cxtui.models import Dismissal, FlagStatus, day_or_none, utcnow
from cxtui.tui import format as fmt
from cxtui.tui.actions import bindings
from cxtui.tui.jobs import Job, JobOwner
from cxtui.tui.read_model import Board
from cxtui.tui.screens.dialogs import PromptScreen
from cxtui.tui.screens.form_fields import EnterMovesOn
from cxtui.tui.widgets.text_field import TextField
from cxtui.tui.widgets.ticklist import TickList
from cxtui.tui.widgets.title_bar import TitleBar

SEVERITIES = (("high", "High severity"), ("medium", "Medium severity"), ("low", "Low severity"))


def _required(text: str) -> str | None:
    return None if text.strip() else "must not be empty"


def flag_for(board: Board, finding):
    """The unresolved flag already raised from this finding, if any."""
    return next((f for f in board.open_flags() if f.finding == finding.id), None)


def finding_prompt(board: Board, finding, width: int, evidence: Sequence[LinkRow] = ()) -> Content:
    """A finding, and for a tension what its readings say (`evidence`: chain.tension_evidence)."""
    symbol, style = fmt.SEVERITY[finding.severity]
    departments = fmt.names(board.department_name(d) for d in finding.departments)
    head = Content.assemble((f"{symbol} ", style), (finding.title, "bold"), (f"  · {departments}", "$text-muted"))
    flag = flag_for(board, finding)
    if flag is not None:
        head += Content.styled(f"  ⚑ flagged ({flag.status})", "$warning")
    lines = [head, fmt.indented(finding.explanation, width)]
    for row in evidence:
        where = "company level" if row.department is None else board.department_name(row.department)
        rho = "" if row.rho is None else f"ρ = {row.rho:+.2f}, "
        lines.append(fmt.indented(Content.styled(
            f"Evidence ({where}, {rho}n = {row.n} {row.cadence} changes): {TENSION_WORDS[row.verdict]}.",
            "$text-muted"), width))
    return Content("\n").join(lines)


def tension_measure(board: Board, findings) -> Callable[[Any], list[LinkRow]] | None:
    """A job's run that measures each tension `findings` name over its metrics' whole history up to
    the board's date (the board holds only what the scorecard reads); None when they name none."""
    named = {t for f in findings for t in f.tensions}
    tensions = [t for t in effective_tensions(board.snapshot) if t.id in named]
    if not tensions:
        return None
    metrics, as_of = board.snapshot.metrics, board.as_of
    wanted = sorted({m for t in tensions for m in (t.a, t.b)})

    def run(store) -> list[LinkRow]:
        readings = [r for m in wanted for r in store.readings(metric=m, end=as_of)]
        return tension_rows(tensions, metrics, series_of(readings, as_of))

    return run


def evidence_for(rows: Sequence[LinkRow], finding) -> list[LinkRow]:
    """What the measured `rows` say of a tension finding (none for other rules)."""
    if finding.rule != "tension":
        return []
    pairs = {tuple(tension_id.split("~", 1)) for tension_id in finding.tensions}
    return tension_evidence([r for r in rows if tuple(sorted((r.driver, r.outcome))) in pairs], finding.departments)


def dismissed_prompt(board: Board, line, width: int) -> Content:
    finding, dismissal = line.finding, line.dismissal
    departments = fmt.names(board.department_name(d) for d in finding.departments)
    head = Content.assemble(("dismissed  ", "$text-muted"), (finding.title, "bold"), (f"  · {departments}", "$text-muted"))
    why = Content.styled(f"by {dismissal.by} on {dismissal.at.date().isoformat()}: ", "$text-muted") + Content(
        dismissal.reason)
    return Content("\n").join([head, fmt.indented(why, width)])


def flag_prompt(board: Board, flag, width: int) -> Content:
    label, style = fmt.FLAG_STATUS[flag.status]
    departments = fmt.names(board.department_name(d) for d in flag.departments)
    head = Content.assemble((label, style), "  ", (flag.title, "bold"), (f"  · {departments}", "$text-muted"))
    owner = f" · owner {flag.owner}" if flag.owner else ""
    due = f" · due {flag.due.isoformat()}" if flag.due else ""
    raised = Content.styled(f"   raised by {flag.raised_by} on {flag.raised_at.date().isoformat()}{owner}{due}",
                            "$text-muted")
    lines = [head, raised]
    if flag.note:
        lines.append(fmt.indented(flag.note, width))
    last = flag.history[-1] if flag.history else None
    if last is not None and (last.status != "open" or len(flag.history) > 1):
        event = Content.styled(f"{last.status} by {last.by} on {last.at.date().isoformat()}", "$text-muted")
        lines.append(fmt.indented(event + Content(f": {last.note}" if last.note else ""), width))
    return Content("\n").join(lines)


class ConflictsScreen(JobOwner, Screen):
    SCOPE = "conflicts"
    BINDINGS = bindings("conflicts")
    # The board whose tensions were measured, and their rows (chain.tension_rows).
    measured_tensions: tuple[Board | None, list[LinkRow]] = (None, [])

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield OptionList(id="conflicts", markup=False, compact=True, classes="listing")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "board", self._show)

    def on_resize(self) -> None:
        self._show(self.app.board)
        self.query_one("#conflicts", OptionList).focus()

    @property
    def board(self) -> Board:
        return self.app.board

    def _show(self, board: Board | None) -> None:
        if board is None:
            return
        listing = self.query_one("#conflicts", OptionList)
        kept = listing.highlighted_option.id if listing.highlighted_option is not None else None
        width = max(listing.content_size.width - 2, 40)
        findings = board.open_findings()
        unresolved = board.open_flags()
        resolved = [f for f in board.snapshot.flags if flags.is_resolved(f)]
        self.query_one(TitleBar).set_parts(
            "Conflicts", f"as of {board.as_of.isoformat()}", f"{len(findings)} findings",
            f"{len(unresolved)} open flags",
        )
        options: list[Option | None] = []

        def section(title: str, count: int) -> None:
            if options:
                options.append(None)
            options.append(Option(Content.styled(f"{title} ({count})", "$primary bold"), disabled=True))

        for severity, title in SEVERITIES:
            group = [f for f in findings if f.severity == severity]
            if group:
                section(title, len(group))
                options += [Option(finding_prompt(board, f, width, self._evidence(board, f)), id=f"finding:{f.id}")
                            for f in group]
        section("Flags", len(unresolved))
        options += [Option(flag_prompt(board, f, width), id=f"flag:{f.id}") for f in unresolved]
        if resolved:
            section("Resolved flags", len(resolved))
            options += [Option(flag_prompt(board, f, width), id=f"flag:{f.id}") for f in resolved]
        dismissed = [line for line in board.dismissals() if line.in_effect]
        if dismissed:
            section("Dismissed findings", len(dismissed))
            options += [Option(dismissed_prompt(board, line, width), id=f"dismissed:{line.dismissal.id}")
                        for line in dismissed]
        listing.set_options(options)
        ids = [o.id for o in options if o is not None and o.id]
        if kept in ids:
            listing.highlighted = listing.get_option_index(kept)
        elif ids:
            listing.highlighted = listing.get_option_index(ids[0])
        self.refresh_bindings()
        if self.measured_tensions[0] is not board:
            self._measure_tensions(board)

    # --- what the readings say of each tension ----------------------------------------------------

    def _measure_tensions(self, board: Board) -> None:
        """Each tension a finding names, measured over its metrics' whole history (a job: the board
        holds only what the scorecard reads)."""
        self.measured_tensions = (board, [])
        run = tension_measure(board, board.open_findings())
        if run is not None:
            self.app.submit(self, Job(run, lambda rows: self._tensions_measured(board, rows), reload=False))

    def _tensions_measured(self, board: Board, rows: list[LinkRow]) -> None:
        if self.app.board is board:  # not a late answer for an older board
            self.measured_tensions = (board, rows)
            self._show(board)

    def _evidence(self, board: Board, finding) -> list[LinkRow]:
        measured_for, rows = self.measured_tensions
        if measured_for is not board:
            return []
        return evidence_for(rows, finding)

    # --- what is highlighted ----------------------------------------------------------------------

    def _selected(self) -> tuple[str, str] | None:
        option = self.query_one("#conflicts", OptionList).highlighted_option
        if option is None or not option.id:
            return None
        kind, _, ref = option.id.partition(":")
        return kind, ref

    def _finding(self):
        selected = self._selected()
        if selected and selected[0] == "finding":
            return next((f for f in self.board.open_findings() if f.id == selected[1]), None)
        return None

    def _dismissal(self):
        selected = self._selected()
        if selected and selected[0] == "dismissed":
            return next((line.dismissal for line in self.board.dismissals() if line.dismissal.id == selected[1]),
                        None)
        return None

    def _flag(self):
        selected = self._selected()
        if selected and selected[0] == "flag":
            return next((f for f in self.board.snapshot.flags if f.id == selected[1]), None)
        return None

    def on_option_list_option_highlighted(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.app.board is None:
            return action == "back"
        if action == "flag":
            # A finding already flagged (and not resolved) is not flagged twice.
            finding = self._finding()
            return finding is not None and flag_for(self.board, finding) is None
        if action == "dismiss":
            return self._finding() is not None
        if action == "undismiss":
            return self._dismissal() is not None
        flag = self._flag()
        if action == "acknowledge":
            return flag is not None and flag.status == "open"
        if action == "resolve":
            return flag is not None and flag.status == "acknowledged"
        if action == "reopen":
            return flag is not None and flag.status != "open"
        return True

    # --- actions ----------------------------------------------------------------------------------

    def action_flag(self) -> None:
        finding = self._finding()
        if finding is None:
            return

        def confirmed(note: str | None) -> None:
            if note is not None:
                self._save(lambda store: store.add(flags.flag_from_finding(finding, store.user, utcnow(), note.strip())),
                           "Flag raised.")

        self.app.push_screen(PromptScreen(
            f"Flag “{finding.title}” — a note for the other leads (empty: the explanation)",
        ), confirmed)

    def action_dismiss(self) -> None:
        finding = self._finding()
        if finding is None:
            return
        board = self.board
        if not flags.may_dismiss(board.user, board.snapshot.settings, board.my_departments, finding):
            involved = fmt.names(board.department_name(d) for d in finding.departments)
            self.notify(f"Only a lead of {involved}, or an admin, may dismiss this finding. You can flag it (f) "
                        f"instead, for them to see.", title="Not yours to dismiss", severity="warning",
                        markup=False)
            return

        def confirmed(reason: str | None) -> None:
            if reason is not None:
                self._save(lambda store: store.add(flags.dismiss(finding, reason.strip(), store.user, utcnow())),
                           "Finding dismissed.")

        self.app.push_screen(PromptScreen(
            f"Why is “{finding.title}” not a conflict? (it comes back when its goals or incentives change)",
            check=_required,
        ), confirmed)

    def action_undismiss(self) -> None:
        dismissal = self._dismissal()
        if dismissal is not None:
            self._save(lambda store: store.delete(Dismissal, dismissal.id, version=dismissal.version),
                       "Dismissal taken back: the finding shows again.")

    def _move(self, status: FlagStatus, note: str) -> None:
        flag = self._flag()
        if flag is not None:
            self._save(lambda store: store.update(flags.transition(flag, status, note, store.user, utcnow())),
                       f"Flag {status}.")

    def action_acknowledge(self) -> None:
        self._move("acknowledged", "")

    def action_resolve(self) -> None:
        self.app.push_screen(PromptScreen("How was it resolved?", check=_required),
                             lambda note: note is not None and self._move("resolved", note.strip()))

    def action_reopen(self) -> None:
        self.app.push_screen(PromptScreen("Why reopen it?", check=_required),
                             lambda note: note is not None and self._move("open", note.strip()))

    def action_raise_flag(self) -> None:
        self.app.push_screen(RaiseFlagScreen(self.board))

    def action_back(self) -> None:
        self.app.action_home()

    def _save(self, change, done: str) -> None:
        """Run a change; say `done` when it is saved, or why it was not."""
        self.app.submit(self, Job(change, lambda _result: self.notify(done, title="Conflicts"),
                                  lambda failure: self.notify(failure.message, title="Not saved", severity="error",
                                                              timeout=10)))


class RaiseFlagScreen(JobOwner, EnterMovesOn, ModalScreen[None]):
    """Raise a flag by hand: which departments, a title, and a note."""

    SCOPE = "raise"
    BINDINGS = bindings("raise")

    def __init__(self, board: Board) -> None:
        super().__init__()
        self.board = board

    def compose(self) -> ComposeResult:
        mine = set(self.board.my_departments)
        with Vertical(classes="dialog"):
            yield Static(Content.assemble(("Raise a flag", "bold"),
                                          ("   space: tick [x] · ctrl+s: save · esc: cancel", "$text-muted")))
            yield TickList[str](
                *((Content(d.name), d.id, d.id in mine) for d in self.board.snapshot.departments), id="departments"
            )
            yield TextField(placeholder="title: what pulls against what", id="title")
            yield TextField(placeholder="note (optional)", id="note")
            yield TextField(placeholder="owner: who follows it up, a login (optional)", id="owner")
            yield TextField(placeholder="due: YYYY-MM-DD (optional)", id="due")
            yield Static("", id="error", classes="field-error")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_save(self) -> None:
        departments = list(self.query_one(SelectionList).selected)
        title = self.query_one("#title", Input).value.strip()
        note = self.query_one("#note", Input).value.strip()
        if len(departments) < 2:
            self.query_one("#error", Static).update("Pick at least two departments (space).")
            return
        if not title:
            self.query_one("#error", Static).update("title: must not be empty")
            return
        owner = self.query_one("#owner", Input).value.strip() or None
        due_text = self.query_one("#due", Input).value.strip()
        due = day_or_none(due_text) if due_text else None
        if due_text and due is None:
            self.query_one("#error", Static).update("due: a date as YYYY-MM-DD")
            return

        def raised(store):
            flag = flags.raise_flag(departments, title, note, store.user, utcnow())
            if owner or due:
                flag = flag.model_validate({**flag.model_dump(), "owner": owner, "due": due})
            return store.add(flag)

        self.app.submit(self, Job(raised,
                                  self._raised, lambda failure: self.query_one("#error", Static).update(
                                      Content(failure.message))))

    def _raised(self, _flag) -> None:
        self.notify("Flag raised.", title="Conflicts")
        self.dismiss()

    def action_cancel(self) -> None:
        self.dismiss()
