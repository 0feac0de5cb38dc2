"""Small dialogs: confirm, ask for one line of text, pick one of several."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from cxtui.tui.actions import bindings
from cxtui.tui.widgets.text_field import TextField


class ConfirmScreen(ModalScreen[bool]):
    SCOPE = "confirm"
    BINDINGS = bindings("confirm")

    def __init__(self, question: str, confirm_label: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.question), classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content(f"{self.confirm_label} (y)"), id="yes", variant="error")
                yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class PromptScreen(ModalScreen[str | None]):
    """One line of text. `check(text)` returns the reason it is not acceptable, or None."""

    SCOPE = "modal"
    BINDINGS = bindings("modal")

    def __init__(
        self,
        title: str,
        *,
        value: str = "",
        placeholder: str = "",
        check: Callable[[str], str | None] | None = None,
        hint: str = "enter to accept · esc to cancel",
    ) -> None:
        super().__init__()
        self.prompt_title = title
        self.value = value
        self.placeholder = placeholder
        self.check = check
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.prompt_title), classes="dialog-text")
            yield TextField(self.value, placeholder=self.placeholder, id="answer")
            yield Static("", id="reason", classes="field-error", markup=False)
            yield Static(Content.styled(self.hint, "$text-muted"))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show(self.check(event.value) if self.check else None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        reason = self.check(event.value) if self.check else None
        self._show(reason)
        if reason is None:
            self.dismiss(event.value)

    def _show(self, reason: str | None) -> None:
        self.query_one("#reason", Static).update(Content(reason or ""))
        self.query_one("#answer", Input).set_class(reason is not None, "-invalid")

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickScreen(ModalScreen[Any]):
    """Choose one value from labelled choices; esc returns None."""

    SCOPE = "modal"
    BINDINGS = bindings("modal")

    def __init__(self, title: str, choices: Sequence[tuple[str, Any]], current: Any = None) -> None:
        super().__init__()
        self.pick_title = title
        self.choices = list(choices)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.pick_title), classes="dialog-text")
            yield OptionList(*(Option(Content(label), id=str(n)) for n, (label, _) in enumerate(self.choices)))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        values = [value for _, value in self.choices]
        if self.current in values:
            options.highlighted = values.index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
