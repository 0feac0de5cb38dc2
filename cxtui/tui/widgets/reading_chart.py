"""A metric's readings over time as a chart with dated axes and its goals' target lines.

One line per series on a time axis (the day each reading was taken, so uneven gaps show as gaps), a
horizontal line at each target, and few enough date labels that none overlap: plotext silently drops
overlapping labels in no fixed order.
"""

from __future__ import annotations

from datetime import date

from textual_plotext import PlotextPlot

from cxtui.models import Reading


def date_ticks(days: list[date], room: int) -> tuple[list[int], list[str]]:
    """At most `room` evenly spread labels over `days` (sorted): ordinals and their text, by month
    when the readings span more than about four months, else by day."""
    if not days or room < 1:
        return [], []
    first, last = days[0].toordinal(), days[-1].toordinal()
    count = 1 if first == last else max(2, room)
    shown = sorted({first + round(i * (last - first) / max(1, count - 1)) for i in range(count)})
    style = "%Y-%m" if last - first > 120 else "%Y-%m-%d"
    return shown, [date.fromordinal(t).strftime(style) for t in shown]


class ReadingChart(PlotextPlot):
    """Set `show(...)` with the readings (oldest first) and the targets to draw."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.readings: list[Reading] = []
        self.targets: list[tuple[str, float]] = []
        self.caption = ""

    def show(self, readings: list[Reading], targets: list[tuple[str, float]], caption: str) -> None:
        self.readings, self.targets, self.caption = readings, targets, caption
        self._draw()

    def on_resize(self) -> None:
        self._draw()  # the number of date labels that fit depends on the width

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_figure()
        if not self.readings:
            plt.title("no readings yet")
            self.refresh()
            return
        days = [r.date for r in self.readings]
        xs = [d.toordinal() for d in days]
        plt.plot(xs, [r.value for r in self.readings], marker="braille")
        for _, value in self.targets:
            plt.horizontal_line(value)
        ticks, labels = date_ticks(sorted(days), max(1, (self.size.width - 10) // 12))
        plt.xticks(ticks, labels)
        # The target lines are named in the title: a label drawn inside the plot covers readings.
        plt.title(" · ".join([self.caption, *(f"── {label}" for label, _ in self.targets)]))
        self.refresh()
