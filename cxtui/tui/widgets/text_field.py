"""An Input that follows the app's cursor-blink setting (off in tests, so screenshots are stable)."""

from __future__ import annotations

from textual.widgets import Input


class TextField(Input):
    def on_mount(self) -> None:
        self.cursor_blink = getattr(self.app, "cursor_blink", True)
