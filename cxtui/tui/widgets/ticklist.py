"""A SelectionList whose ticks read without colour: `[x]` chosen, `[ ]` not.

Textual's SelectionList draws the same `▐X▌` for both states and tells them apart by colour only,
which NO_COLOR, a monochrome terminal or a colour-blind lead cannot see.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widgets import OptionList, SelectionList
from textual.widgets.option_list import OptionDoesNotExist
from textual.widgets.selection_list import SelectionType

TICKED = "[x]"
UNTICKED = "[ ]"


class TickList(SelectionList[SelectionType]):
    def _get_left_gutter_width(self) -> int:
        return len(TICKED) + 1

    def render_line(self, y: int) -> Strip:
        # The prompt as OptionList draws it, without SelectionList's colour-only button.
        line = OptionList.render_line(self, y)
        _, scroll_y = self.scroll_offset
        index = scroll_y + y
        try:
            selection = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return line
        ticked = selection.value in self._selected
        first = next(iter(line), None)
        base = (first.style if first is not None else None) or self.rich_style
        # Ticked keeps SelectionList's colour (success) on top of the words; unticked is plain text.
        mark = base + Style(meta={"option": index})
        if ticked:
            component = "selection-list--button-selected"
            if self.highlighted == index:
                component += "-highlighted"
            mark += Style(color=self.get_component_rich_style(component).color, bold=True)
        return Strip([Segment(TICKED if ticked else UNTICKED, mark), Segment(" ", base), *line])
