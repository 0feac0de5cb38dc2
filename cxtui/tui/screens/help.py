"""F1 / ?: every key of the current screen, from the action registry."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from cxtui.tui.actions import REGISTRY, Action, bindings

# The keys of a Textual key name as a person types them.
_KEY_NAMES = {"question_mark": "?", "escape": "esc", "enter": "enter", "space": "space", "right": "→",
              "left": "←", "delete": "del", "f1": "F1"}


def key_label(keys: str) -> str:
    return " / ".join(_KEY_NAMES.get(k, k) for k in keys.split(","))


def help_sections(scope: str) -> list[tuple[str, list[Action]]]:
    """(heading, actions) for the screen's own keys, then the keys that work everywhere.

    A key the screen itself binds (the scorecard shows `c` in its own footer) is listed once.
    """
    own = [a for a in REGISTRY.get(scope, ()) if a.listed] if scope != "app" else []
    taken = {key for action in own for key in action.keys.split(",")}
    everywhere = [a for a in REGISTRY["app"] if a.listed and not taken & set(a.keys.split(","))]
    sections = [("This screen", own)] if own else []
    return sections + [("Everywhere", everywhere)]


class HelpRow(Horizontal):
    DEFAULT_CSS = """
    HelpRow { height: auto; }
    HelpRow .key { width: 16; color: $accent; text-style: bold; }
    HelpRow .what { width: 1fr; }
    """

    def __init__(self, action: Action) -> None:
        super().__init__()
        self.entry = action

    def compose(self) -> ComposeResult:
        yield Static(key_label(self.entry.keys), classes="key", markup=False)
        yield Static(Content.assemble((self.entry.description, "bold"), " — ", self.entry.help), classes="what")


class HelpScreen(ModalScreen[None]):
    SCOPE = "help"
    BINDINGS = bindings("help")

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Static(Content.styled(f"Keys ({self.scope}) — ↑/↓ scroll", "bold"))
            with VerticalScroll(id="help-keys"):
                for heading, actions in help_sections(self.scope):
                    yield Static(Content.styled(heading, "$primary bold"), classes="help-heading")
                    for action in actions:
                        yield HelpRow(action)
            yield Static(Content.styled("ctrl+p: command palette (every action, searchable) · esc: close",
                                        "$text-muted"))

    def on_mount(self) -> None:
        self.query_one("#help-keys").focus()

    def action_cancel(self) -> None:
        self.dismiss()
