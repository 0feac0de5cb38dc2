"""F1 / ?: every key of the current screen, from the action registry."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from cxtui.tui.actions import actions_for, bindings

# The keys of a Textual key name as a person types them.
_KEY_NAMES = {"question_mark": "?", "escape": "esc", "enter": "enter", "space": "space"}


def key_label(keys: str) -> str:
    return " / ".join(_KEY_NAMES.get(k, k) for k in keys.split(","))


class HelpScreen(ModalScreen[None]):
    SCOPE = "help"
    BINDINGS = bindings("help")

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def compose(self) -> ComposeResult:
        rows = [
            Content.assemble((key_label(a.keys).ljust(18), "$accent bold"), a.help)
            for a in actions_for(self.scope)
        ]
        with Vertical(classes="dialog help"):
            yield Static(Content.styled(f"Keys on this screen ({self.scope})", "bold"))
            with VerticalScroll():
                yield Static(Content("\n").join(rows))
            yield Static(Content.styled("ctrl+p: command palette · esc: close", "$text-muted"))

    def action_cancel(self) -> None:
        self.dismiss()
