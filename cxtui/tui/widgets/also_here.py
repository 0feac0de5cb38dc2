"""One line naming who else has the store open ("also here: kim, ravi"); hidden when nobody is."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from cxtui.runtime.describe import visible


class PresenceBar(Static):
    DEFAULT_CSS = """
    PresenceBar { height: 1; padding: 0 1; display: none; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "others", self.show_users)

    def show_users(self, users: tuple[str, ...]) -> None:
        self.display = bool(users)
        # Login names come from files other users write: plain text, never markup, controls made visible.
        self.update(Content.assemble(("also here: ", "$text-muted"), (visible(", ".join(users)), "$accent")))
