"""The scorecard as one keyboard-navigable list: every department at a glance (one line each), the
shared objectives (one line each), then each department's goals.

Rows are laid out to the list's own width: one line per goal from 100 columns up, two lines
below that, so nothing essential is cut at 80x24.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from cxtui.engine.scorecard import for_department
from cxtui.tui import format as fmt
from cxtui.tui.read_model import Board

WIDE = 100  # from this width on, a goal fits on one line


@dataclass(frozen=True)
class Columns:
    status: int = fmt.STATUS_WIDTH
    title: int = 20
    metric: int = 12
    values: int = 17
    bar: int = 6
    pct: int = 4
    trend: int = 8
    marks: int = 8


@functools.lru_cache(maxsize=16)
def columns_for(width: int) -> Columns:
    base = Columns()
    if width >= WIDE:
        fixed = base.status + base.values + base.bar + base.pct + base.trend + base.marks + 8
        flexible = max(width - fixed, 20)
        title = flexible * 2 // 3
        return Columns(title=title, metric=flexible - title)
    # Two lines: status, title and marks on the first; metric, numbers, bar, trend on the second.
    title = max(width - base.status - base.marks - 3, 10)
    metric = max(width - base.status - base.values - base.bar - base.pct - base.trend - 6, 6)
    return Columns(title=title, metric=metric)


def headings(width: int) -> Content:
    c = columns_for(width)
    if width >= WIDE:
        parts = [
            fmt.cell("status", c.status), fmt.cell("goal", c.title), fmt.cell("metric", c.metric),
            fmt.cell("base→now→target", c.values), fmt.cell("progress", c.bar + c.pct + 1),
            fmt.cell("trend", c.trend), fmt.cell("marks", c.marks),
        ]
    else:
        parts = [
            fmt.cell("status", c.status), fmt.cell("goal · metric  base→latest→target  progress  trend",
                                                   width - c.status - 2),
        ]
    return Content.styled(fmt.row(*parts).plain, "$text-muted bold")


def _values(baseline: float | None, latest: float | None, target: float | None) -> str:
    return f"{fmt.number(baseline)}→{fmt.number(latest)}→{fmt.number(target)}"


def _marks(stale: bool, open_count: int, width: int) -> list[fmt.Segment | Content]:
    marks = []
    if stale:
        marks.append(("stale", "$warning italic"))
    if open_count:
        marks.append((f"⚑{open_count}", "$error"))
    if len(marks) == 2:  # may need cutting across two styles: the general path
        return [fmt.cell(fmt.row(*(Content.styled(text, style) for text, style in marks)), width)]
    text, style = marks[0] if marks else ("", "")
    return fmt.fit(text, width, style)


def _progress(progress: float | None, c: Columns) -> list[fmt.Segment]:
    return [*fmt.progress_parts(progress, c.bar), " ", *fmt.fit(fmt.percent(progress), c.pct, right=True)]


def _line(*cells: list) -> Content:
    """One row from cells of Content.assemble parts, a space between cells."""
    parts: list = []
    for cell in cells:
        if parts:
            parts.append(" ")
        parts += cell
    return Content.assemble(*parts)


def goal_prompt(board: Board, card, width: int) -> Content:
    # Built from plain parts in one Content.assemble per line: a large scorecard has hundreds of
    # goals, and a Content per cell made this a large part of the time it took to show the list.
    goal = card.goal
    c = columns_for(width)
    latest = card.latest.value if card.latest else None
    status = fmt.status_parts(card.status, c.status)
    title = fmt.fit(goal.title, c.title)
    metric = fmt.fit(board.metric_name(goal.metric), c.metric, "$text-muted")
    values = fmt.fit(_values(goal.baseline, latest, goal.target), c.values)
    trend = fmt.fit(fmt.spark_text([p.value for p in card.trend], c.trend), c.trend, "$secondary")
    marks = _marks(card.stale, card.findings, c.marks)
    if width >= WIDE:
        lines = [_line(status, title, metric, values, _progress(card.progress, c), trend, marks)]
    else:
        lines = [_line(status, title, marks), _line([" " * c.status], metric, values, _progress(card.progress, c), trend)]
    sure = fmt.confidence(card)
    if sure is not None:
        lines.append((Content(" " * (c.status + 1)) + sure).truncate(width - 1, ellipsis=True))
    if card.drivers:
        lines.append(drivers_line(board, card.drivers, c.status + 1, width))
    return Content("\n").join(lines)


def drivers_line(board: Board, rows, indent: int, width: int) -> Content:
    """What drives the card's metric and whether its readings bear each link out: "driven by
    First-contact resolution ✓ supported · Average handle time ✗ contradicted"."""
    parts: list[Content] = [Content(" " * indent), Content.styled("driven by ", "$text-muted")]
    for n, row in enumerate(rows):
        if n:
            parts.append(Content.styled(" · ", "$text-muted"))
        verdict = f"{fmt.VERDICT_SYMBOL.get(row.verdict, '?')} {fmt.VERDICT_WORD.get(row.verdict, row.verdict)}"
        parts += [Content(board.metric_name(row.driver) + " "),
                  Content.styled(verdict, fmt.VERDICT_STYLE.get(row.verdict, "$text-muted"))]
    return Content.assemble(*parts).truncate(width - 1, ellipsis=True)  # as a goal's row: width - 1


_GLANCE_ORDER = ("exceeded", "achieved", "on_track", "at_risk", "off_track", "missed", "no_data")


def glance_prompt(board: Board, card, width: int) -> Content:
    """One line for a department: alignment index, goals by status (counts with symbols), open
    findings and flags, stale readings; the whole company fits one screen this way."""
    counts = {s: 0 for s in _GLANCE_ORDER}
    for goal in card.goals:
        counts[goal.status] = counts.get(goal.status, 0) + 1
    statuses = Content(" ").join(
        Content.styled(f"{fmt.STATUS[s][0]}{n}", fmt.STATUS[s][2]) for s, n in counts.items() if n)
    if not card.goals:
        statuses = Content.styled("no goals", "$text-muted")
    open_count = len(card.findings) + len(card.flags)
    stale = sum(goal.stale for goal in card.goals)
    marks = Content(" ").join([
        *([Content.styled(f"⚑{open_count}", "$error")] if open_count else []),
        *([Content.styled(f"stale {stale}", "$warning italic")] if stale else []),
        *([Content.styled("yours", "$text-muted italic")] if board.user in card.department.leads else []),
    ])
    name_width = max(min(24, width - 40), 10)
    return Content.assemble(
        *fmt.fit(card.department.name, name_width, "$accent"), " ",
        *fmt.fit(fmt.index(card.alignment.index), 3, "bold", right=True), "  ",
        fmt.cell(statuses, 18), " ", fmt.cell(marks, max(width - name_width - 26, 0)),
    )


def compact_objective_prompt(board: Board, card, width: int) -> Content:
    """An objective on one line: status, title, latest→target, its goals' statuses as symbols; under
    it, what drives its metric when links declare it."""
    objective = card.objective
    latest = card.latest.value if card.latest else None
    values = f"{fmt.number(latest)}→{fmt.number(objective.target)}"
    symbols = Content("").join(Content.styled(fmt.STATUS[g.status][0], fmt.STATUS[g.status][2]) for g in card.goals)
    support = Content.styled("goals ", "$text-muted") + (symbols or Content.styled("none", "$warning"))
    support_width = min(support.cell_length, 16)
    status = fmt.status_parts(card.status, fmt.STATUS_WIDTH)
    title_width = max(width - fmt.STATUS_WIDTH - 14 - support_width - 4, 10)  # as a goal's row: width - 1
    line = _line(status, fmt.fit(objective.title, title_width), fmt.fit(values, 14, right=True),
                 [fmt.cell(support, support_width)])
    if not card.drivers:
        return line
    return Content("\n").join([line, drivers_line(board, card.drivers, fmt.STATUS_WIDTH + 1, width)])


def department_prompt(board: Board, card, width: int) -> Content:
    """The department's heading, wrapped at word boundaries to `width` (the list does not wrap)."""
    dept = card.department
    a = card.alignment
    head = Content.assemble(
        (dept.name, "$accent bold"),
        ("  alignment ", "$text-muted"),
        (fmt.index(a.index), "bold"),
        (
            f" = goals {fmt.index(a.goals)} · incentives {fmt.index(a.incentives)} · "
            f"delivery {fmt.index(a.delivery)} · conflicts {fmt.index(a.conflicts)}",
            "$text-muted",
        ),
    )
    open_count = len(card.findings) + len(card.flags)
    if open_count:
        head += Content.styled(f"  ⚑ {open_count} open", "$error")
    if board.user in dept.leads:
        head += Content.styled("  (yours)", "$text-muted italic")
    return Content("\n").join(line.rstrip() for line in head.wrap(width))


class ScoreList(OptionList):
    """Option ids: "glance:<id>" (a department's line at a glance), "objective:<id>", "department:<id>",
    "goal:<id>"."""

    # Rows are laid out to the list's width already: not wrapping them keeps their columns and
    # spares measuring every row's wrapped height.
    DEFAULT_CSS = """
    ScoreList { height: 1fr; text-wrap: nowrap; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(markup=False, compact=True, **kwargs)
        self._board: Board | None = None
        self._department: str | None = None
        self._width = 0

    def show(self, board: Board, department: str | None) -> None:
        self._board, self._department = board, department
        self._rebuild()

    def on_resize(self) -> None:
        # Rows are laid out to the width; a scrollbar appearing changes it, so only re-layout on
        # a real change (or this would loop).
        if self.content_size.width != self._width:
            self._rebuild()

    def _rebuild(self) -> None:
        board = self._board
        if board is None:
            return
        self._width = self.content_size.width
        width = max(self._width - 1, 40)
        kept = self.highlighted_option.id if self.highlighted_option is not None else None
        card = board.scorecard
        options: list[Option | None] = []
        if not self._department and card.departments:
            # Every department on one line first: the whole company on the first screen.
            options.append(Option(Content.styled("Departments at a glance (enter shows one)", "$primary bold"),
                                  disabled=True))
            options += [Option(glance_prompt(board, dept, width), id=f"glance:{dept.department.id}")
                        for dept in card.departments]
            options.append(None)
        options.append(Option(Content.styled("Shared customer objectives", "$primary bold"), disabled=True))
        for objective in card.objectives:
            options.append(Option(compact_objective_prompt(board, objective, width),
                                  id=f"objective:{objective.objective.id}"))
        for dept in for_department(card, self._department or None).departments:
            options.append(None)
            options.append(Option(department_prompt(board, dept, min(width, self.scrollable_content_region.width)),
                                  id=f"department:{dept.department.id}"))
            if not dept.goals:
                options.append(Option(Content.styled("   no goals yet (n adds one)", "$text-muted"), disabled=True))
            for goal in dept.goals:
                options.append(Option(goal_prompt(board, goal, width), id=f"goal:{goal.goal.id}"))
        self.set_options(options)
        ids = {o.id for o in options if o is not None and o.id is not None}
        if kept in ids:
            self.highlighted = self.get_option_index(kept)
        elif self._department:
            self.highlighted = self.get_option_index(f"department:{self._department}")
        else:
            first = next((o.id for o in options if o is not None and not o.disabled), None)
            if first:
                self.highlighted = self.get_option_index(first)

    def highlighted_ref(self) -> tuple[str, str] | None:
        """("goal"|"objective"|"department", id) of the highlighted row (a department's line at a
        glance counts as the department)."""
        option = self.highlighted_option
        if option is None or option.id is None:
            return None
        kind, _, ref = option.id.partition(":")
        return ("department" if kind == "glance" else kind), ref
