"""The scorecard and the conflicts as rich tables on stdout (`--format table`).

User text is wrapped in `rich.text.Text`, never parsed as markup: a department called "[bold]x[/]"
prints exactly that. Colour only on a terminal (rich decides; NO_COLOR is honoured); when piped the
table is plain text and wide enough not to wrap every cell.

Below NARROW_BELOW columns a table of free text squeezes each text into a sliver (an explanation
13 characters wide) and rich drops the figures at the right edge. There each record prints as a line
of figures, status first, with its text laid out full width beneath it.
"""

from __future__ import annotations

import os
import sys

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cxtui.exchange.csv_files import cell

STATUS_STYLE = {
    "exceeded": "bold green", "achieved": "bold green", "on_track": "green", "at_risk": "yellow", "off_track": "red",
    "missed": "bold red", "no_data": "dim",
}
SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "dim"}
# The goals table needs about this width to show titles beside the figures.
NARROW_BELOW = 110
_INDENT = "    "


def _console() -> Console:
    # COLUMNS is the terminal's width as the shell tells it (what rich itself reads), not a cxtui setting.
    width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS") or 160)
    return Console(width=width, markup=False, highlight=False, emoji=False)


def _t(value, style: str = "") -> Text:
    return Text("" if value is None else str(value), style=style)


def _num(value: float | None, suffix: str = "") -> Text:
    return Text("–" if value is None else f"{cell(round(value, 2))}{suffix}", justify="right")


def _pct(share: float | None) -> Text:
    return Text("–" if share is None else f"{share * 100:.0f}%", justify="right")


def _status(g) -> Text:
    return _t(g.status.replace("_", " ") + (" (stale)" if g.stale else ""), STATUS_STYLE.get(g.status, ""))


def _change(g) -> Text:
    return _num(g.delta) if g.delta is None else Text(f"{g.delta:+g}", justify="right")


def _beneath(console: Console, text: Text) -> None:
    """`text` full width under the line above, indented so the eye keeps the two together."""
    for line in text.wrap(console, max(20, console.width - len(_INDENT))):
        console.print(Text(_INDENT) + line, soft_wrap=True)


def print_scorecard(card, metric_names: dict[str, str] | None = None) -> None:
    """`metric_names` names the drivers of linked goals (a driver need not be any goal's metric)."""
    console = _console()
    index = "–" if card.company_index is None else f"{card.company_index:g}"
    console.print(Text(f"Scorecard as of {card.as_of.isoformat()} · company alignment index {index}", style="bold"))
    if console.width < NARROW_BELOW:
        _print_scorecard_narrow(console, card)
        _print_drivers(console, card, metric_names or {})
        return

    goals = Table(box=box.SIMPLE_HEAD, show_edge=False, expand=True)
    # Free text takes the spare width; the figures never wrap.
    goals.add_column("Department", ratio=2, min_width=10, overflow="fold")
    goals.add_column("Goal", no_wrap=True)
    goals.add_column("Title", ratio=4, min_width=16, overflow="fold")
    goals.add_column("Metric", ratio=2, min_width=10, overflow="fold")
    for name in ("Latest", "Progress", "Expected"):
        goals.add_column(name, justify="right", no_wrap=True)
    goals.add_column("Status", no_wrap=True)
    goals.add_column("Change", justify="right", no_wrap=True)
    goals.add_column("Conflicts", justify="right", no_wrap=True)
    shown = None
    for g in card.goals:
        # The department once per group: the goals come sorted by department.
        department = "" if g.department.id == shown else g.department.name
        shown = g.department.id
        unit = f" {g.metric.unit}" if g.metric.unit else ""
        goals.add_row(
            _t(department, "bold"), _t(g.goal.id), _t(g.goal.title), _t(g.metric.name),
            _num(g.latest.value if g.latest else None, unit), _pct(g.progress), _pct(g.expected),
            _status(g), _change(g), _t(g.findings or "", "red" if g.findings else ""),
        )
    console.print(goals)

    departments = Table(title="Alignment by department (0–100)", box=box.SIMPLE_HEAD, show_edge=False)
    for name in ("Department", "Index", "Goals", "Incentives", "Delivery", "Conflicts", "Findings", "Flags"):
        departments.add_column(name, justify="left" if name == "Department" else "right")
    for d in card.departments:
        a = d.alignment
        departments.add_row(
            _t(d.department.name), _num(a.index), _num(a.goals), _num(a.incentives), _num(a.delivery),
            _num(a.conflicts), _t(len(d.findings)), _t(len(d.flags)),
        )
    console.print(departments)
    _print_drivers(console, card, metric_names or {})


def _print_drivers(console: Console, card, metric_names: dict[str, str]) -> None:
    """Each goal and objective fed by declared links, with what the readings say of each link."""
    fed = [(o.objective.id, o.metric.name, "company", o.drivers) for o in card.objectives if o.drivers]
    fed += [(g.goal.id, g.metric.name, g.department.name, g.drivers) for g in card.goals if g.drivers]
    if not fed:
        return
    names = {g.metric.id: g.metric.name for g in card.goals} | {o.metric.id: o.metric.name for o in card.objectives}
    names |= metric_names
    console.print()
    console.print(Text("What drives them, measured from the readings (evidence, not cause)", style="bold"))
    for record, metric, where, rows in fed:
        console.print(Text.assemble(f"  {record} ", _t(metric), f" ({where}) driven by"))
        for row in rows:
            rho = "" if row.rho is None else f"ρ = {row.rho:+.2f}, "
            scope = "company level, " if row.department is None and where != "company" else ""
            console.print(Text.assemble(
                "    ", _t(names.get(row.driver, row.driver)), ": ",
                _t(row.verdict.replace("_", " "), VERDICT_STYLE.get(row.verdict, "")),
                f" ({scope}{rho}n = {row.n} {row.cadence} changes)"))


def _print_scorecard_narrow(console: Console, card) -> None:
    """Per department, one line of figures per goal (status never dropped), its title beneath."""
    for d in card.departments:
        a = d.alignment
        console.print()
        console.print(_t(d.department.name, "bold"))
        _beneath(console, Text(
            f"alignment {_num(a.index)} (goals {_num(a.goals)} · incentives {_num(a.incentives)} · delivery "
            f"{_num(a.delivery)} · conflicts {_num(a.conflicts)}) · {len(d.findings)} findings · "
            f"{len(d.flags)} flags"))
        if not d.goals:
            _beneath(console, Text("no goals"))
        rows = []
        for g in d.goals:
            unit = f" {g.metric.unit}" if g.metric.unit else ""
            findings = f"{g.findings} conflict{'s' if g.findings != 1 else ''}" if g.findings else ""
            rows.append([_t(f"  {g.goal.id}"), _status(g), _num(g.latest.value if g.latest else None, unit),
                         Text.assemble(_pct(g.progress), " of ", _pct(g.expected), " expected"),
                         _change(g), _t(findings, "red")])
        # Columns line up across a department's goals; a line too long for the terminal wraps
        # between figures rather than losing any.
        widths = [max((cell.cell_len for cell in column), default=0) for column in zip(*rows)]
        for g, cells in zip(d.goals, rows, strict=True):
            line = Text("  ").join(
                cell + " " * (width - cell.cell_len) if i < 2 else Text(" " * (width - cell.cell_len)) + cell
                for i, (cell, width) in enumerate(zip(cells, widths, strict=True)))
            line.rstrip()
            console.print(line)
            _beneath(console, Text(f"{g.goal.title} ({g.metric.name})"))


def print_conflicts(findings, flags) -> None:
    console = _console()
    if not findings and not flags:
        console.print("No open silo conflicts.")
        return
    if console.width < NARROW_BELOW:
        for f in findings:
            console.print()
            console.print(Text.assemble(_t(f.id), " · ", _t(f.severity, SEVERITY_STYLE[f.severity]), " · ",
                                        _t(", ".join(f.departments))))
            _beneath(console, Text(f.title, style="bold"))
            _beneath(console, Text(f.explanation))
        for f in flags:
            console.print()
            console.print(Text.assemble(_t(f.id), " · ", _t(f"flag, {f.status}"), " · ",
                                        _t(", ".join(f.departments))))
            _beneath(console, Text(f.title, style="bold"))
            _beneath(console, Text(f"{f.note}\nraised by {f.raised_by}"))
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, show_lines=False)
    table.add_column("Id", no_wrap=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Departments")
    table.add_column("What", ratio=1)
    for f in findings:
        table.add_row(
            _t(f.id), _t(f.severity, SEVERITY_STYLE[f.severity]), _t(", ".join(f.departments)),
            Text.assemble((f.title, "bold"), "\n", f.explanation),
        )
    for f in flags:
        table.add_row(
            _t(f.id), _t(f"flag, {f.status}"), _t(", ".join(f.departments)),
            Text.assemble((f.title, "bold"), "\n", f.note, f"\nraised by {f.raised_by}"),
        )
    console.print(table)


def print_dismissals(rows: list[dict]) -> None:
    console = _console()
    if not rows:
        console.print("No dismissed findings.")
        return
    for row in rows:
        console.print()
        state = "" if row["in_effect"] else " · no longer applies (what it hid changed)"
        console.print(Text.assemble(_t(row["finding"], "bold"), " · ", _t(", ".join(row["departments"])),
                                    _t(state, "yellow")))
        if row["title"]:
            _beneath(console, Text(row["title"]))
        _beneath(console, Text(f"dismissed by {row['by']} on {row['at'][:10]}: {row['reason']}"))


def print_due(items, as_of) -> None:
    """Readings due, grouped by department with its leads."""
    console = _console()
    if not items:
        console.print(f"Nothing is due as of {as_of.isoformat()}.")
        return
    department = None
    for item in items:
        if item.department.id != department:
            department = item.department.id
            leads = ", ".join(item.department.leads) or "no lead"
            console.print(Text.assemble((item.department.name, "bold"), f"  ({leads})"))
        last = (f"last {_plain_number(item.last.value)} on {item.last.date.isoformat()}" if item.last
                else "never read")
        state = _t("overdue", "red bold") if item.overdue else _t("due    ")
        console.print(Text.assemble("  ", state, "  ", (item.metric.name, "bold"),
                                    f" ({item.metric.cadence}; {last}), by {item.due_by.isoformat()}"))


REVIEW_WORDS = {
    "achieved": "achieved", "missed": "missed", "status": "status", "finding_raised": "finding raised",
    "finding_cleared": "finding cleared", "flag_raised": "flag raised", "flag_resolved": "flag resolved",
    "decision": "decided", "action_opened": "action opened", "action_closed": "action closed",
}


def print_review(lines, since, as_of) -> None:
    """The review pack, one block per department (the company's objectives first)."""
    console = _console()
    console.print(f"What changed from {since.isoformat()} to {as_of.isoformat()}")
    if not lines:
        console.print("Nothing changed in this period.")
        return
    department = ""
    for line in lines:
        if line.department_name != department:
            department = line.department_name
            console.print(Text(department, style="bold"))
        move = ""
        if line.kind == "status":
            move = Text.assemble(" ", _t((line.before or "").replace("_", " "), STATUS_STYLE.get(line.before or "", "")),
                                 " → ", _t((line.after or "").replace("_", " "), STATUS_STYLE.get(line.after or "", "")))
        detail = f" — {line.detail}" if line.detail and line.kind not in ("finding_raised", "finding_cleared") else ""
        console.print(Text.assemble("  ", (f"{REVIEW_WORDS[line.kind]:<15}", "bold" if line.kind == "missed" else ""),
                                    f" {line.record} ", _t(line.title), move, detail))


def _plain_number(value: float) -> str:
    return f"{value:g}"


VERDICT_STYLE = {
    "supported": "green", "contradicted": "bold red", "no_evidence": "dim", "not_enough_data": "dim",
    "improved": "green", "worsened": "bold red", "no_change": "dim", "too_early": "dim",
}


def _figure(value, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def print_evidence(what: str, rows: list[dict]) -> None:
    """`cxtui links` or `cxtui initiatives` as a table: the verdict as a word, with its figures."""
    console = _console()
    if not rows:
        console.print("No links declared (an admin declares them: cxtui import links FILE)." if what == "links"
                      else "No initiatives (a lead adds them: cxtui import initiatives FILE).")
        return
    table = Table(box=box.SIMPLE_HEAD)
    if what == "links":
        for name in ("kind", "driver", "outcome", "department", "sign", "lag", "n", "rho", "p", "verdict", "periods"):
            table.add_column(name, justify="right" if name in ("lag", "n", "rho", "p") else "left")
        for r in rows:
            periods = f"{r['first']}..{r['last']} ({r['cadence']})" if r["first"] else r["cadence"]
            table.add_row(_t(r["kind"]), _t(r["driver"]), _t(r["outcome"]), _t(r["department"] or "company"), _t(r["sign"]),
                          _t(r["lag"]), _t(r["n"]), _t(_figure(r["rho"])), _t(_figure(r["p"], 3)),
                          _t(r["verdict"], VERDICT_STYLE.get(r["verdict"], "")), _t(periods))
    else:
        for name in ("initiative", "metric", "department", "expected", "before", "after", "projected", "actual",
                     "shift", "verdict"):
            right = name in ("before", "after", "projected", "actual", "shift")
            table.add_column(name, justify="right" if right else "left")
        for r in rows:
            table.add_row(_t(r["initiative"]), _t(r["metric"]), _t(r["department"] or "company"), _t(r["expected"]),
                          _t(r["before_n"]), _t(r["after_n"]), _t(_figure(r["projected"])), _t(_figure(r["actual"])),
                          _t(_figure(r["shift"])), _t(r["verdict"], VERDICT_STYLE.get(r["verdict"], "")))
    console.print(table)


ACTION_STYLE = {"open": "", "done": "green", "dropped": "dim"}


def print_actions(rows: list[dict]) -> None:
    """Decisions and action items, one line each, the closing note beneath."""
    console = _console()
    if not rows:
        console.print("No decisions or action items.")
        return
    for row in rows:
        whose = f" · {row['owner']}" if row["owner"] else ""
        due = f" · due {row['due']}" if row["due"] else ""
        state = _t("overdue", "red bold") if row["overdue"] else _t(row["status"], ACTION_STYLE[row["status"]])
        linked = ", ".join(str(row[k]) for k in ("goal", "finding", "flag") if row[k])
        console.print(Text.assemble((row["id"], "bold"), f" {row['department']} {row['kind']} ", state,
                                    _t(whose + due), _t(f" · about {linked}" if linked else "", "dim")))
        _beneath(console, Text(row["text"]))
        if row["status"] != "open":
            note = f": {row['note']}" if row["note"] else ""
            _beneath(console, Text(f"{row['status']} by {row['closed_by']} on {row['closed_at'][:10]}{note}"))
