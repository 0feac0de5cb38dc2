"""What the meeting view opens over its page: the form that records a decision or an action item,
and a finding's or flag's full explanation (the conflicts screen's own words, reused)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, RadioButton, RadioSet, Select, Static

from cxtui.engine.meetings import new_item
from cxtui.models import day_or_none, utcnow
from cxtui.store import NEW_ID
from cxtui.tui.actions import bindings
from cxtui.tui.jobs import Job, JobOwner
from cxtui.tui.read_model import Board
from cxtui.tui.screens.conflicts import evidence_for, finding_prompt, flag_prompt, tension_measure
from cxtui.tui.screens.form_fields import EnterMovesOn
from cxtui.tui.widgets.text_field import TextField


def links_of(board: Board, department: str) -> list[tuple[Content, tuple[str, str]]]:
    """What an item may be about: the department's goals, findings and open flags."""
    card = next(c for c in board.scorecard.departments if c.department.id == department)
    found: list[tuple[Content, tuple[str, str]]] = []
    found += [(Content(f"goal {g.goal.id} {g.goal.title}"), ("goal", g.goal.id)) for g in card.goals]
    found += [(Content(f"finding: {f.title} ({', '.join([*f.goals, *f.incentives])})"), ("finding", f.id))
              for f in card.findings]
    found += [(Content(f"flag {f.id} {f.title}"), ("flag", f.id)) for f in card.flags]
    return found


class ItemForm(JobOwner, EnterMovesOn, ModalScreen[None]):
    """Record a decision or an action item against one department, in the meeting `meeting`."""

    SCOPE = "item"
    BINDINGS = bindings("item")

    def __init__(self, board: Board, department: str, meeting: str | None) -> None:
        super().__init__()
        self.board = board
        self.department = department
        self.meeting = meeting

    def compose(self) -> ComposeResult:
        name = self.board.department_name(self.department)
        with Vertical(classes="dialog item-form"):
            yield Static(Content.assemble((f"Record for {name}", "bold"),
                                          ("   ctrl+s: save · esc: cancel", "$text-muted")))
            with RadioSet(id="kind", compact=True):
                yield RadioButton("Action item", value=True, id="kind-action")
                yield RadioButton("Decision", id="kind-decision")
            yield TextField(placeholder="what was decided, or what is to be done", id="text")
            yield TextField(placeholder="owner: a login (optional)", id="owner")
            yield TextField(placeholder="due: YYYY-MM-DD (optional)", id="due")
            yield Select(links_of(self.board, self.department), prompt="about: a goal, finding or flag (optional)",
                         id="link", compact=True)
            yield Static("", id="error", classes="field-error")

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    def action_save(self) -> None:
        error = self.query_one("#error", Static)
        text = self.query_one("#text", Input).value.strip()
        if not text:
            error.update("text: say what was decided or what is to be done")
            self.query_one("#text", Input).focus()
            return
        due_text = self.query_one("#due", Input).value.strip()
        due = day_or_none(due_text) if due_text else None
        if due_text and due is None:
            error.update("due: a date as YYYY-MM-DD")
            self.query_one("#due", Input).focus()
            return
        kind = "decision" if self.query_one("#kind-decision", RadioButton).value else "action"
        link = self.query_one("#link", Select).value
        about = dict([link]) if isinstance(link, tuple) else {}
        owner = self.query_one("#owner", Input).value.strip() or None
        department, meeting = self.department, self.meeting

        def run(store):
            return store.add(new_item(department, text, store.user, utcnow(), id=NEW_ID, kind=kind, owner=owner,
                                      due=due, meeting=meeting, **about))

        self.app.submit(self, Job(run, self._saved, lambda failure: error.update(Content(failure.message))))

    def _saved(self, item) -> None:
        self.notify(f"{item.kind.capitalize()} {item.id} recorded.", title="Meeting", markup=False)
        self.dismiss()

    def action_cancel(self) -> None:
        self.dismiss()


class ExplainScreen(JobOwner, ModalScreen[None]):
    """A finding's or a flag's full explanation, as the conflicts screen words it (for a tension,
    with what the readings say of it, once measured)."""

    SCOPE = "modal"
    BINDINGS = bindings("modal")

    def __init__(self, board: Board, kind: str, record) -> None:
        super().__init__()
        self.board = board
        self.kind = kind
        self.record = record

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog explain"):
            with VerticalScroll():
                yield Static(id="explanation")
            yield Static(Content.styled("esc: close · flag or dismiss it on the conflicts screen (x)", "$text-muted"))

    def on_mount(self) -> None:
        # The dialog's text width (70 columns less border and padding, or the screen's), known
        # before layout.
        width = max(min(66, self.app.size.width - 6), 30)
        if self.kind == "finding":
            text = finding_prompt(self.board, self.record, width)
            run = tension_measure(self.board, [self.record])
            if run is not None:
                self.app.submit(self, Job(run, lambda rows: self._measured(rows, width), reload=False))
        else:
            text = flag_prompt(self.board, self.record, width)
        self.query_one("#explanation", Static).update(text)

    def _measured(self, rows, width: int) -> None:
        evidence = evidence_for(rows, self.record)
        self.query_one("#explanation", Static).update(finding_prompt(self.board, self.record, width, evidence))

    def action_cancel(self) -> None:
        self.dismiss()
