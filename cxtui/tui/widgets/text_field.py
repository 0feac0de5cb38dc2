"""The app's text field: an Input that follows the app's cursor-blink setting (off in tests, so
screenshots are stable) and applies keys in the order they were typed."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class TextField(Input):
    def on_mount(self) -> None:
        self.cursor_blink = getattr(self.app, "cursor_blink", True)

    async def _on_key(self, event: events.Key) -> None:
        """Run the field's own key bindings (backspace, arrows, ctrl+u...) here, as the key arrives.

        Textual (8.2) inserts a typed character at once but runs a bound key's action only after the
        key has bubbled up to the app, so keys that arrive together, as a slow SSH link delivers
        them, were applied out of order: "4 2 backspace 5" left 42 in a check-in's value field, not
        45 (Textual issue 6605). Priority bindings (tab, enter) are the app's and never get here."""
        if not event.is_printable:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                if not binding.priority and await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    return
        await super()._on_key(event)
