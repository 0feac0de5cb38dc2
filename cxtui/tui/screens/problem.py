"""What the user sees instead of a traceback when the store cannot be used."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from cxtui.runtime.describe import one_line
from cxtui.tui.actions import bindings


class ProblemScreen(ModalScreen[None]):
    """Shown while the store is missing, damaged, locked or unreadable; `r` tries again, `q` quits
    (with exit status 1)."""

    SCOPE = "problem"
    BINDINGS = bindings("problem")

    problem: reactive[str] = reactive("")

    def __init__(self, problem: str) -> None:
        super().__init__()
        self.set_reactive(ProblemScreen.problem, problem)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog problem"):
            yield Static(Content.styled("The store cannot be used", "$error bold"))
            yield Static(id="problem")
            yield Static(Content.styled("r: try again · q: quit", "$text-muted"))
        yield Footer()

    def watch_problem(self, problem: str) -> None:
        # The problem names files and values from them: plain text, one line, controls made visible.
        self.query_one("#problem", Static).update(Content(one_line(problem)))

    def on_mount(self) -> None:
        self.watch_problem(self.problem)

    def action_retry(self) -> None:
        self.app.reload()
