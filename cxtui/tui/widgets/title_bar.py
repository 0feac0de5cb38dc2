"""A one-line bar naming the screen, the as-of date, the filter and the user."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from cxtui.runtime.describe import visible


class TitleBar(Static):
    DEFAULT_CSS = """
    TitleBar { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    def set_parts(self, screen_name: str, *details: str) -> None:
        # Details hold user text (names, the login): plain text with its control characters made visible.
        parts = [Content.styled(f"cxtui · {screen_name}", "bold")]
        parts += [Content.styled(visible(d), "$text-muted") for d in details if d]
        self.update(Content("  ").join(parts))
