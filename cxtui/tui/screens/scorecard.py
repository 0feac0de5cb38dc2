"""The home screen: the shared scorecard, with filter, "my department", as-of date and export."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static

from cxtui.engine.scorecard import company_parts
from cxtui.models import day_or_none
from cxtui.tui import format as fmt
from cxtui.tui.actions import bindings
from cxtui.tui.jobs import Job, JobOwner
from cxtui.tui.read_model import Board
from cxtui.tui.screens.dialogs import ConfirmScreen, PickScreen, PromptScreen
from cxtui.tui.widgets.also_here import PresenceBar
from cxtui.tui.widgets.score_list import ScoreList, headings
from cxtui.tui.widgets.title_bar import TitleBar

ALL = ""  # the department filter value meaning "every department"
MY_ITEMS_SHOWN = 3  # the user's open action items listed above the scorecard; the rest are counted


def parse_day(text: str) -> date | None:
    return day_or_none(text)


def export_folder(preferred: Path) -> Path:
    """`preferred` (the folder cxtui was started in) when the user can write there, else home."""
    return preferred if os.access(preferred, os.W_OK | os.X_OK) else Path.home()


def export_target(text: str, base: Path) -> Path:
    """The file a typed export path names: ~ expanded, relative to `base`."""
    return base / Path(text.strip()).expanduser()


def export_path_problem(text: str, base: Path) -> str | None:
    """Why a typed export path cannot be written, or None (checked as it is typed)."""
    if not text.strip():
        return "type a file name"
    path = export_target(text, base)
    if path.is_dir():
        return "that is a folder; add a file name"
    folder = path.parent
    if not folder.is_dir():
        return f"there is no folder {folder}"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"you may not write in {folder}"
    return None


class ScorecardScreen(JobOwner, Screen):
    SCOPE = "scorecard"
    BINDINGS = bindings("scorecard")

    def __init__(self) -> None:
        super().__init__()
        self.department: str = ALL

    def compose(self) -> ComposeResult:
        yield TitleBar(id="title")
        yield PresenceBar()
        yield Static(id="summary")
        # The user's own open action items; shown only when there are some, so the layout is the
        # scorecard's own otherwise.
        yield Static(id="my-items")
        yield Static(id="headings")
        yield ScoreList(id="scores")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "board", self._show)

    @property
    def board(self) -> Board | None:
        return self.app.board

    def _show(self, board: Board | None) -> None:
        if board is None:
            self.query_one("#summary", Static).update(Content.styled("Reading the store…", "$text-muted"))
            return
        if self.department and self.department not in board.departments:
            self.department = ALL
        name = board.department_name(self.department) if self.department else "all departments"
        self.query_one(TitleBar).set_parts("Scorecard", f"as of {board.as_of.isoformat()}", name,
                                          f"user {self.app.identity}")
        parts = company_parts(board.scorecard)
        summary = Content.assemble(
            ("Company alignment ", "bold"),
            (fmt.index(board.scorecard.company_index), "$accent bold"),
            (" = goals ", "$text-muted"), fmt.index(parts["goals"]),
            (" · incentives ", "$text-muted"), fmt.index(parts["incentives"]),
            (" · delivery ", "$text-muted"), fmt.index(parts["delivery"]),
            (" · conflicts ", "$text-muted"), fmt.index(parts["conflicts"]),
        )
        findings, flags = len(board.open_findings()), len(board.open_flags())
        summary += Content.styled(f"   ⚑ {findings} findings · {flags} flags open", "$error" if findings + flags else "$success")
        self.query_one("#summary", Static).update(summary)
        self._show_my_items(board)
        scores = self.query_one(ScoreList)
        # The column headings are the goal rows'; the all-departments view starts with other rows.
        self.query_one("#headings", Static).update(headings(max(scores.content_size.width - 1, 40)))
        self.query_one("#headings", Static).display = bool(self.department)
        scores.show(board, self.department or None)
        self.refresh_bindings()

    def on_resize(self) -> None:
        if self.board is not None:
            self._show(self.board)

    def _show_my_items(self, board: Board) -> None:
        from cxtui.engine.meetings import is_overdue, open_items

        mine = open_items(board.snapshot.actions, owner=board.user)
        shown = self.query_one("#my-items", Static)
        shown.display = bool(mine)
        lines = []
        for item in mine[:MY_ITEMS_SHOWN]:
            due = f" · due {item.due.isoformat()}" if item.due else ""
            # When first: a long text is cut at the screen's edge.
            lines.append(Content.assemble(("☐ ", "$accent"), (f"{item.id}", "bold"), (due, "$text-muted"),
                                          (" overdue" if is_overdue(item, board.as_of) else "", "$error bold"),
                                          (f" · {board.department_name(item.department)}: ", "$text-muted"),
                                          item.text))
        if len(mine) > MY_ITEMS_SHOWN:
            lines.append(Content.styled(f"and {len(mine) - MY_ITEMS_SHOWN} more: cxtui actions --mine --open",
                                        "$text-muted"))
        shown.update(Content("\n").join(lines))

    # --- actions ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.board is None and action not in ("reload",):
            return False
        if action in ("edit", "metric"):
            return self.query_one(ScoreList).highlighted_ref() is not None
        return True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_edit()

    def action_edit(self) -> None:
        ref = self.query_one(ScoreList).highlighted_ref()
        if ref is None:
            return
        kind, ref_id = ref
        if kind == "goal":
            from cxtui.tui.screens.editors import GoalEditor

            self.app.push_screen(GoalEditor(self.board.goals.get(ref_id)))
        elif kind == "objective":
            from cxtui.tui.screens.editors import ObjectiveEditor

            self.app.push_screen(ObjectiveEditor(self.board.objectives.get(ref_id)))
        elif kind == "department":
            self._set_department(ALL if self.department == ref_id else ref_id)

    def action_metric(self) -> None:
        ref = self.query_one(ScoreList).highlighted_ref()
        if ref is None:
            return
        kind, ref_id = ref
        metric = None
        if kind == "goal" and ref_id in self.board.goals:
            metric, department = self.board.goals[ref_id].metric, self.board.goals[ref_id].department
        elif kind == "objective" and ref_id in self.board.objectives:
            metric, department = self.board.objectives[ref_id].metric, None
        if metric is None:
            self.notify("Highlight a goal or an objective first.", severity="warning")
            return
        from cxtui.tui.screens.metric_detail import MetricScreen

        self.app.push_screen(MetricScreen(metric, department))

    def action_new_goal(self) -> None:
        from cxtui.tui.screens.editors import GoalEditor

        department = self.department or next(iter(self.board.my_departments), None)
        if self._may_create("goal", department):
            self.app.push_screen(GoalEditor(None, department=department))

    def action_new_incentive(self) -> None:
        from cxtui.tui.screens.editors import IncentiveEditor

        department = self.department or next(iter(self.board.my_departments), None)
        if self._may_create("incentive", department):
            self.app.push_screen(IncentiveEditor(None, department=department))

    def action_new_objective(self) -> None:
        from cxtui.tui.screens.editors import ObjectiveEditor

        if self._refused("objective"):
            return
        self.app.push_screen(ObjectiveEditor(None))

    def action_settings(self) -> None:
        from cxtui.tui.screens.editors import SettingsEditor

        if not self._refused("settings", action="update"):
            self.app.push_screen(SettingsEditor(self.board.snapshot.settings))

    def action_new_metric(self) -> None:
        from cxtui.tui.screens.editors import MetricEditor

        if self._refused("metric"):
            return
        self.app.push_screen(MetricEditor(None))

    def action_new_department(self) -> None:
        from cxtui.tui.screens.editors import DepartmentEditor

        if self._refused("department"):
            return
        self.app.push_screen(DepartmentEditor(None))

    def action_edit_department(self) -> None:
        from cxtui.tui.screens.editors import DepartmentEditor

        ref = self.query_one(ScoreList).highlighted_ref()
        dept_id = self.department
        if not dept_id and ref and ref[0] == "department":
            dept_id = ref[1]
        elif not dept_id and ref and ref[0] == "goal" and ref[1] in self.board.goals:
            dept_id = self.board.goals[ref[1]].department
        if not dept_id:
            self.notify("Highlight a department first.", severity="warning")
            return
        self.app.push_screen(DepartmentEditor(self.board.departments.get(dept_id)))

    def action_department(self) -> None:
        choices = [("All departments", ALL)] + [(d.name, d.id) for d in self.board.snapshot.departments]
        self.app.push_screen(PickScreen("Show which department?", choices, self.department), self._picked)

    def _picked(self, value: str | None) -> None:
        if value is not None:
            self._set_department(value)

    def _refused(self, entity: str, department: str | None = None, action: str = "add") -> bool:
        """Say so, before a form is filled, when the store would refuse the user this record."""
        from cxtui.store.permissions import refusal

        board = self.board
        reason = refusal(board.user, board.snapshot.settings, board.departments, entity, department, action)
        if reason is not None:
            self.notify(reason, title="Not yours to change", severity="warning", timeout=8, markup=False)
        return reason is not None

    def _may_create(self, entity: str, department: str | None) -> bool:
        """Whether the user may create a goal or incentive (in `department`, None: one they choose
        in the form); says why not before the form is filled."""
        board = self.board
        admins = board.snapshot.settings.admins
        if department is not None:
            return not self._refused(entity, department)
        if board.user in admins:
            return True
        self.notify(f"{board.user} leads no department, so may not create {entity}s; an admin "
                    f"({', '.join(admins) or 'none set'}) can make you a lead (E on a department).",
                    title="Not yours to change", severity="warning", timeout=8, markup=False)
        return False

    def action_mine(self) -> None:
        mine = self.board.my_departments
        if not mine:
            self.notify(f"{self.board.user} leads no department. d shows one department, or all.",
                        title="Mine", severity="warning", markup=False)
            return
        # Several departments: each press moves to the next one the user leads.
        following = mine[(mine.index(self.department) + 1) % len(mine)] if self.department in mine else mine[0]
        self._set_department(following)

    def _set_department(self, department: str) -> None:
        self.department = department
        self._show(self.board)

    def action_as_of(self) -> None:
        def check(text: str) -> str | None:
            if not text.strip():
                return None
            return None if parse_day(text) else "a date as YYYY-MM-DD, or empty for today"

        self.app.push_screen(
            PromptScreen(
                "Scorecard as of which date? (YYYY-MM-DD, empty = today)",
                value=self.board.as_of.isoformat(),
                check=check,
            ),
            self._as_of_chosen,
        )

    def _as_of_chosen(self, text: str | None) -> None:
        if text is None:
            return
        self.app.as_of = parse_day(text) if text.strip() else None
        self.app.reload(reread=False)

    def action_reload(self) -> None:
        self.app.reload()

    def action_export(self) -> None:
        """Ask where (a path suggested in a folder the user can write), ask before replacing a
        file, then write in a worker; a failure is reported with its reason."""
        as_of = self.board.as_of
        dept = self.department or None
        name = f"scorecard-{dept + '-' if dept else ''}{as_of.isoformat()}.csv"
        suggested = export_folder(self.app.export_dir) / name

        def chosen(text: str | None) -> None:
            if text is None:
                return
            path = export_target(text, self.app.export_dir)
            if path.exists():
                self.app.push_screen(ConfirmScreen(f"{path} exists. Replace it?", "Replace"),
                                     lambda yes: yes and self._export(path, dept, as_of))
            else:
                self._export(path, dept, as_of)

        base = self.app.export_dir
        self.app.push_screen(PromptScreen("Write the scorecard (.csv, or .xlsx for a workbook) to",
                                          value=str(suggested),
                                          check=lambda text: export_path_problem(text, base)), chosen)

    def _export(self, path: Path, dept: str | None, as_of) -> None:
        from cxtui.exchange.csv_files import render, write_file
        from cxtui.exchange.exporting import export_rows
        from cxtui.exchange.workbook import is_workbook, write_book

        def job(store) -> Path:
            # By the name, as `cxtui export` does: CSV text in a file named .xlsx is one Excel refuses.
            if is_workbook(path.name):
                write_book(store, "scorecard", path, dept=dept, as_of=as_of)
            else:
                header, rows = export_rows(store, "scorecard", dept=dept, as_of=as_of)
                write_file(render(header, rows), path)
            return path

        self.app.submit(self, Job(
            job, lambda written: self.notify(f"Scorecard written to {written}", title="Exported", timeout=8),
            lambda failure: self.notify(failure.message, title="Export failed", severity="error", timeout=10),
            reload=False))
