"""What every form shares: the `Field` each input is declared with, and Enter in a text field moving
on to the next field."""

from __future__ import annotations

from dataclasses import dataclass

from textual.widgets import Input


@dataclass(frozen=True)
class Field:
    """One input of a form: the model field it fills, its label and kind."""

    name: str
    label: str
    kind: str = "text"  # text | select | multi
    placeholder: str = ""
    new_only: bool = False  # ids: typed when creating, fixed afterwards


class EnterMovesOn:
    """Mix into a Screen whose bindings map Enter to `next_field`.

    Enter is a priority key there, so keys typed ahead (or sent in one packet over SSH) land in
    the field Enter moved to, not in the one it left. It applies only from a text field: a select
    or a list keeps its own Enter.
    """

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_field":
            return isinstance(self.focused, Input)  # type: ignore[attr-defined]
        return super().check_action(action, parameters)  # type: ignore[misc]

    def action_next_field(self) -> None:
        self.focus_next()  # type: ignore[attr-defined]
