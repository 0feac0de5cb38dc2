"""The rest of the command-line contract: help, the default command, demo, init, scorecard,
conflicts, flag, doctor, and that headless commands never load Textual."""

from __future__ import annotations

import gc
import json
import os
import shlex
import subprocess
import sys
import types
from pathlib import Path

import pytest

from cxtui.models import Department, Flag
from cxtui.demo.sample_company import load_sample
from cxtui.store import Store

from store_helpers import child_env
from test_cli_record import one_error_line, tree_digest

REPO = Path(__file__).resolve().parents[1]
COMMANDS = ["demo", "init", "record", "scorecard", "export", "import", "conflicts", "flag", "dismiss", "undismiss",
            "admins", "settings", "due", "history", "undo",
            "dismissals", "doctor"]


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_help_with_an_example(cli, command):
    result = cli(*([command] if command else []), "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert f"cxtui {command or ''}".strip() in result.stdout.split("Examples:")[1]


class FakeApp:
    runs: list[tuple[Path, str | None]] = []
    return_code = 0  # as a real app that was quit normally

    def __init__(self, path, user):
        self.path, self.user = Path(path), user

    def run(self):
        FakeApp.runs.append((self.path, self.user))


@pytest.fixture
def fake_tui(monkeypatch):
    FakeApp.runs = []
    monkeypatch.setattr("cxtui.cli.group._has_terminal", lambda: True)
    module = types.ModuleType("cxtui.tui.app")
    module.create_app = lambda options, *, on_started=None: FakeApp(options.store_path, options.user)
    monkeypatch.setitem(sys.modules, "cxtui.tui.app", module)
    yield FakeApp.runs
    gc.enable()  # the CLI pauses the collector until the TUI starts, which a fake never does


def test_default_command_opens_the_tui(seeded, cli, fake_tui, store_path):
    result = cli()
    assert result.exit_code == 0, result.output
    assert fake_tui == [(store_path, "tester")]


def test_a_tui_quit_on_a_problem_exits_1_naming_it(seeded, cli, fake_tui, monkeypatch):
    def run(self):
        self.return_code = 1  # as CxtuiApp does when quit from its problem screen
        return "unexpected OverflowError: int too large\x1b[2J"

    monkeypatch.setattr(FakeApp, "run", run)
    result = cli()
    assert result.exit_code == 1
    assert one_error_line(result) == "error: unexpected OverflowError: int too large\\x1b[2J"


def test_default_command_without_a_store(cli, fake_tui, store_path):
    result = cli()
    assert result.exit_code == 1
    assert "no store at" in one_error_line(result)
    assert fake_tui == []


def test_default_command_without_a_terminal(seeded, cli, fake_tui, monkeypatch):
    monkeypatch.setattr("cxtui.cli.group._has_terminal", lambda: False)
    result = cli()
    assert result.exit_code == 1
    assert one_error_line(result).startswith("error: the TUI needs a terminal;")
    assert fake_tui == []


def test_demo_without_a_terminal_still_creates_the_store(cli, tmp_path):
    result = cli("demo", "--db", tmp_path / "demo.json")
    assert result.exit_code == 1
    assert result.stdout == f"created the demo store at {tmp_path / 'demo.json'}\n"
    assert "the TUI needs a terminal" in one_error_line(result)


def test_default_command_before_the_tui_exists(seeded, cli, monkeypatch):
    monkeypatch.setattr("cxtui.cli.group._has_terminal", lambda: True)
    monkeypatch.setitem(sys.modules, "cxtui.tui.app", None)  # makes the import fail
    result = cli()
    assert result.exit_code == 1
    assert one_error_line(result) == "error: the TUI is not built yet"


def test_demo_creates_then_reuses_the_sample_store(cli, fake_tui, tmp_path):
    path = tmp_path / "demo" / "store.json"
    first = cli("demo", "--no-tui", "--db", path)
    assert first.exit_code == 0, first.output
    assert first.stdout == f"created the demo store at {path}\n"
    sample = load_sample()
    store = Store(path)
    assert {d.id for d in store.list(Department)} == {d.id for d in sample.departments}
    assert len(store.readings()) == len(sample.readings)
    before = tree_digest(path.parent)
    again = cli("demo", "--db", path)
    assert again.exit_code == 0
    assert again.stdout == f"using the demo store at {path}\n"
    assert fake_tui == [(path, "tester")]
    assert tree_digest(path.parent) == before


def test_demo_fills_an_empty_store_but_never_a_real_one(seeded, cli, store, store_path, tmp_path):
    before = tree_digest(store_path.parent)
    result = cli("demo", "--no-tui")
    assert result.exit_code == 1
    assert "holds other data, not the demo company; it was left alone" in one_error_line(result)
    assert tree_digest(store_path.parent) == before

    empty = tmp_path / "empty.json"
    assert cli("init", "--db", empty, "--empty").exit_code == 0
    assert cli("demo", "--no-tui", "--db", empty).exit_code == 0
    assert Store(empty).list(Department)


def test_a_changed_demo_store_is_reopened_and_reset_after_asking(cli, tmp_path):
    path = tmp_path / "demo" / "store.json"
    assert cli("demo", "--no-tui", "--db", path).exit_code == 0
    store = Store(path, user="tester")
    assert store.settings().demo
    store.add(Department(id="legal", name="Legal"))  # the user plays with the demo
    again = cli("demo", "--no-tui", "--db", path)
    assert again.exit_code == 0 and again.stdout == f"using the demo store at {path}\n"
    before = tree_digest(path.parent)
    declined = cli("demo", "--no-tui", "--reset", "--db", path, input="n\n")
    assert declined.exit_code == 1 and "error: nothing was deleted" in declined.stderr
    assert tree_digest(path.parent) == before
    reset = cli("demo", "--no-tui", "--reset", "--db", path, input="y\n")
    assert reset.exit_code == 0, reset.output
    assert "with every change made to it, and create it afresh?" in reset.stderr
    assert reset.stdout == f"created the demo store at {path}\n"
    store = Store(path)
    assert "legal" not in {d.id for d in store.list(Department)} and store.settings().demo
    assert store.audit(entity="department", entity_id="legal") == []  # a new store: its history starts again
    assert cli("demo", "--no-tui", "--reset", "--yes", "--db", path).exit_code == 0


def test_reset_never_touches_a_store_that_is_not_the_demo(seeded, cli, store_path):
    before = tree_digest(store_path.parent)
    result = cli("demo", "--no-tui", "--reset", "--yes")
    assert result.exit_code == 1
    assert one_error_line(result) == (f"error: {store_path} is not a demo store; --reset deletes only the demo, "
                                      f"and it was left alone")
    assert tree_digest(store_path.parent) == before


def test_init_and_its_refusals(cli, store_path):
    result = cli("init")
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"created a store at {store_path} with the standard customer metrics: "
                             "nps, csat, ces, retention, clv (see them with 'cxtui export metrics')\n")
    assert Store(store_path).settings().admins == ["tester"]
    before = tree_digest(store_path.parent)
    again = cli("init")
    assert again.exit_code == 1
    assert "a store already exists" in one_error_line(again)
    assert tree_digest(store_path.parent) == before
    bad_group = cli("init", "--db", store_path.parent / "other.json", "--group", "no-such-group-x")
    assert bad_group.exit_code == 1
    assert "no Unix group named 'no-such-group-x'" in one_error_line(bad_group)


def test_scorecard_table_is_plain_when_piped_and_shows_user_text_literally(seeded, cli):
    seeded.add(Department(id="mk", name="[bold red]Mark[/] :smile:"))
    result = cli("scorecard", "--as-of", "2026-03-15")
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.stdout
    assert "[bold red]Mark[/] :smile:" in result.stdout
    assert "Scorecard as of 2026-03-15" in result.stdout
    assert "Lift NPS" in result.stdout and "Fewer discounts" in result.stdout


def test_scorecard_json_and_dept_filter(seeded, cli):
    result = cli("scorecard", "--format", "json", "--as-of", "2026-03-15", "--dept", "sales")
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)
    assert card["as_of"] == "2026-03-15"
    assert [g["goal"]["id"] for g in card["goals"]] == ["G-1"]
    assert [d["department"]["id"] for d in card["departments"]] == ["sales"]
    assert card["goals"][0]["latest"] == {"date": "2026-03-01", "value": -5.0}


def test_scorecard_csv_matches_the_export(seeded, cli):
    assert cli("scorecard", "--format", "csv").stdout == cli("export", "scorecard").stdout


def test_scorecard_bad_as_of(seeded, cli):
    result = cli("scorecard", "--as-of", "2026-13-01")
    assert result.exit_code == 1
    assert one_error_line(result) == "error: --as-of: must be a real date as YYYY-MM-DD (got '2026-13-01')"


def test_conflicts_in_every_format(seeded, cli):
    table = cli("conflicts", "--as-of", "2026-03-15")
    assert table.exit_code == 0, table.output
    assert "Opposed targets" in table.stdout or "opposed" in table.stdout.lower()
    data = json.loads(cli("conflicts", "--format", "json", "--as-of", "2026-03-15").stdout)
    assert data["as_of"] == "2026-03-15"
    assert data["findings"] and all({"id", "rule", "severity", "explanation"} <= set(f) for f in data["findings"])
    csv_out = cli("conflicts", "--format", "csv", "--as-of", "2026-03-15").stdout
    assert csv_out == cli("export", "conflicts", "--as-of", "2026-03-15").stdout
    only_cs = json.loads(cli("conflicts", "--format", "json", "--dept", "customer service").stdout)
    assert only_cs == {"as_of": only_cs["as_of"], "findings": [], "flags": []}
    assert "No open silo conflicts." in cli("conflicts", "--dept", "customer-service").stdout


def test_flag_by_hand(seeded, cli):
    result = cli("flag", "Sales", "finance", "--note", "Discount kicker eats the margin", "--goal", "g-2")
    assert result.exit_code == 0, result.output
    (flag,) = seeded.list(Flag)
    assert result.stdout == f"raised flag {flag.id}: Sales vs Finance: Discount kicker eats the margin\n"
    assert (flag.departments, flag.goals, flag.raised_by, flag.status) == (["finance", "sales"], ["G-2"], "tester", "open")
    shown = json.loads(cli("conflicts", "--format", "json").stdout)["flags"]
    assert [f["id"] for f in shown] == [flag.id]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sales", "SALES", "--note", "x"), "a flag needs two different departments (both are sales)"),
        (("sales", "finanse", "--note", "x"), "unknown department 'finanse'; did you mean 'finance'?"),
        (("sales", "finance", "--note", "x", "--goal", "G-99"), "unknown goal 'G-99'"),
        (("sales", "finance", "--note", "bad\x07bell"), "note: contains a control character U+0007"),
    ],
)
def test_flag_refusals(seeded, cli, store_path, args, message):
    before = tree_digest(store_path.parent)
    result = cli("flag", *args)
    assert result.exit_code == 1, result.output
    assert message in one_error_line(result)
    assert tree_digest(store_path.parent) == before


def test_flag_needs_a_note(seeded, cli):
    assert cli("flag", "sales", "finance").exit_code == 2


def test_doctor(seeded, cli, store_path):
    result = cli("doctor")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"the store at {store_path} is sound\n"
    store_path.write_text("{")
    broken = cli("doctor")
    assert broken.exit_code == 1
    assert "is damaged" in one_error_line(broken)


def _run_cli(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cxtui.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60, **kwargs)


@pytest.fixture
def env(seeded, store_path):
    return {**os.environ, "CXTUI_DB": str(store_path), **child_env(seeded), "PYTHONPATH": str(REPO)}


def test_real_process_record_export_and_exit_codes(seeded, env):
    ok = _run_cli(["record", "nps", "33", "--dept", "sales", "--date", "2026-06-01"], env)
    assert (ok.returncode, ok.stderr) == (0, "")
    exported = _run_cli(["export", "readings", "--dept", "sales"], env)
    assert exported.returncode == 0
    assert "nps,sales,2026-06-01,33,,," in exported.stdout
    bad = _run_cli(["record", "nps", "1e999"], env)
    assert bad.returncode == 1
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("error: value: must be a finite number")
    usage = _run_cli(["record"], env)
    assert usage.returncode == 2 and usage.stderr.startswith("error: Missing argument 'METRIC'")


def test_broken_pipe_is_quiet(seeded, env):
    for _ in range(50):
        seeded.record("nps", 1, department="sales", date="2026-06-02")
    pipe = subprocess.run(
        f"{sys.executable} -m cxtui.cli export readings | head -c 10", shell=True, cwd=REPO, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert pipe.stdout == "metric,dep"
    assert "Traceback" not in pipe.stderr


@pytest.mark.parametrize("command", [
    "record nps 31 --dept sales",
    "import readings {csv}",
    "flag sales finance --note 'discounts against margin'",
])
def test_a_command_that_changed_the_store_exits_0_when_its_message_cannot_be_written(seeded, env, tmp_path,
                                                                                     command):
    csv_file = tmp_path / "readings.csv"
    csv_file.write_text("metric,department,date,value,confidence,note\nnps,sales,2026-06-03,40,,\n")
    before = len(seeded.audit())
    # A pipe whose reader is gone before cxtui starts: its message meets EPIPE whatever the timing.
    reader, writer = os.pipe()
    os.close(reader)
    try:
        piped = subprocess.run(
            [sys.executable, "-m", "cxtui.cli", *shlex.split(command.format(csv=csv_file))], cwd=REPO, env=env,
            stdout=writer, stderr=subprocess.PIPE, text=True, timeout=60,
        )
    finally:
        os.close(writer)
    assert "Traceback" not in piped.stderr
    assert len(seeded.audit()) == before + 1
    assert piped.returncode == 0, piped.stderr


PROBE = """
import sys
from click.testing import CliRunner
from cxtui.cli import cli
result = CliRunner().invoke(cli, sys.argv[1:])
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"textual", "rich", "tinydb", "cxtui"})
print(result.exit_code, " ".join(loaded), "cxtui.tui" in sys.modules, "cxtui.engine.scorecard" in sys.modules)
"""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["record", "nps", "5", "--dept", "sales"], "0 cxtui tinydb False False"),
        (["export", "readings"], "0 cxtui tinydb False False"),
        (["import", "readings", "{csv}", "--dry-run"], "0 cxtui tinydb False False"),
        (["doctor"], "0 cxtui tinydb False True"),  # doctor runs the engine over every record
        (["scorecard", "--format", "json"], "0 cxtui tinydb False True"),
        (["scorecard"], "0 cxtui rich tinydb False True"),
    ],
)
def test_headless_commands_do_not_load_textual(seeded, env, tmp_path, args, expected):
    csv_path = tmp_path / "r.csv"
    csv_path.write_text("metric,department,date,value\nnps,sales,2026-04-01,5\n")
    args = [a.replace("{csv}", str(csv_path)) for a in args]
    probe = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=60)
    assert probe.stdout.splitlines()[-1] == expected, probe.stderr


def test_the_real_tui_factory_takes_what_the_cli_passes():
    import inspect

    app_module = pytest.importorskip("cxtui.tui.app")
    # The fake above takes the run's options first and on_started by keyword, as the CLI passes them.
    parameters = inspect.signature(app_module.create_app).parameters
    first = next(iter(parameters.values()))
    assert first.kind in (first.POSITIONAL_ONLY, first.POSITIONAL_OR_KEYWORD)
    assert inspect.signature(app_module.CxtuiApp).parameters["on_started"].kind == inspect.Parameter.KEYWORD_ONLY


def test_the_command_collects_young_objects_less_often(env):
    # The console script's entry point tunes the collector before it imports anything heavy.
    code = (
        "import gc, sys\n"
        "from cxtui.cli import main, YOUNG_COLLECTION_THRESHOLD\n"
        "before = gc.get_threshold()\n"
        "sys.argv = ['cxtui', '--version']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(before[0], gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *before[1:]))\n"
    )
    probe = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert probe.stdout.splitlines()[-1] == "700 True", probe.stderr


def test_the_tui_starts_with_the_collector_paused_and_resumes_it(env, tmp_path):
    # In a child process: freezing the collector's objects would outlive this test.
    code = (
        "import gc, sys\n"
        "from cxtui.cli import tui_app\n"
        "from cxtui.runtime.options import Options\n"
        "app = tui_app(Options(store_path=sys.argv[1]))\n"
        "paused = not gc.isenabled()\n"
        "app._on_started()\n"
        "print(paused, gc.isenabled(), gc.get_freeze_count() > 0)\n"
    )
    probe = subprocess.run([sys.executable, "-c", code, str(tmp_path / "store.json")], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=60)
    assert probe.stdout.splitlines()[-1] == "True True True", probe.stderr
