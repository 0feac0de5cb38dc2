"""A hostile neighbour gets nowhere (issue 12), for real: Unix users of one group share a store, and
one of them (mal) uses what the group may do — create and replace any file in the store's
directories — against the others and against root. Whatever mal plants, no byte outside the store
changes (the victims' homes and a root-only 0600 file are fingerprinted before and after), the
victim's command fails with one `error:` line or carries on, the victim's terminal (a tmux pane)
receives no escape sequence and keeps its title, and `cxtui doctor` exits 1 naming the problem.

Needs root (see sharing_support.need_real_environment); the users, group and terminals are gone when
the module ends. Only 127.0.0.1 is ever contacted (nothing here needs the network).
"""

from __future__ import annotations

import csv
import io
import json
import os
import pwd
import re
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from hostile_support import (
    ESC,
    EXITED,
    Terminal,
    changed,
    fingerprint,
    one_error_line,
    run_root,
    shell_words,
)
from sharing_support import (
    Runtime,
    Team,
    find_runtime,
    run_as,
    start_as,
    stop,
    throwaway_base,
    throwaway_team,
    wait_until,
)

pytestmark = pytest.mark.root

# ada is the store's admin, kim and omar lead departments (the victims), mal leads marketing and
# is the hostile member.
LEADS = {"kim": "sales", "omar": "service", "mal": "marketing"}
TODAY = date.today()
DAY = TODAY - timedelta(days=1)
MONTH = f"{DAY.year:04d}-{DAY.month:02d}"
HOSTILE_TEXT = "\x1b]0;PWNED\x07\x1b[2J\x1b[5;31mHACKED"
TUI_MEMORY_KB = 2_000_000  # a victim's TUI runs under this ulimit -v, so a runaway read fails, not the host


@pytest.fixture(scope="module")
def base():
    with throwaway_base("cxtui-hostile-") as directory:
        yield directory


@pytest.fixture(scope="module")
def team(base):
    with throwaway_team(base, ["ada", *LEADS]) as team:
        yield team


@pytest.fixture(scope="module")
def runtime(base, team) -> Runtime:
    return find_runtime(base, team.login("kim"))


@pytest.fixture(scope="module")
def cxtui(team, runtime):
    """`cxtui("kim", "record", ...)`: the CLI as kim's real login; the result, whatever its status."""

    def run(short: str, *args, env: str = "", timeout: float = 60) -> subprocess.CompletedProcess:
        return run_as(team.login(short), f"{env} {runtime.command(*args)}".strip(), timeout=timeout)

    return run


@pytest.fixture(scope="module")
def homes(base, team):
    """Each user's home holds a private 0600 file; root has a 0600 file in a root-only place."""
    for short in team.users:
        home = Path(os.path.expanduser(f"~{team.login(short)}"))
        private = home / "private.txt"
        private.write_text(f"{short}'s own notes\n")
        os.chown(private, *_ids(team, short))
        os.chmod(private, 0o600)
    guarded = base / "guarded"
    guarded.mkdir(mode=0o755)
    secret = guarded / "root-secret"
    secret.write_text("root only\n")
    os.chmod(secret, 0o600)
    homes = {short: Path(os.path.expanduser(f"~{team.login(short)}")) for short in team.users}
    return homes | {"root": guarded}


def _ids(team: Team, short: str) -> tuple[int, int]:
    entry = pwd.getpwnam(team.login(short))
    return entry.pw_uid, entry.pw_gid


@pytest.fixture
def outside(homes):
    """The files no hostile member may change: every home but mal's, and root's guarded folder.
    `outside.check()` asserts not one byte, mode or name of them changed since the test began."""

    class Outside:
        roots = [p for short, p in homes.items() if short != "mal"]

        def __init__(self) -> None:
            self.before = fingerprint(*self.roots)

        def check(self) -> None:
            assert changed(self.before, fingerprint(*self.roots)) == [], "files outside the store changed"

    return Outside()


@pytest.fixture(scope="module")
def template(base, team, cxtui) -> Path:
    """A group-shared store as docs/sharing.md sets one up (ada its admin, three departments, two
    goals on nps), with a reading so that its partition and series files exist."""
    csv_dir = base / "csv"
    csv_dir.mkdir(mode=0o755)
    login = team.login
    files = {
        "departments": "id,name,leads\n" + "".join(f"{d},{d.title()},{login(u)}\n" for u, d in LEADS.items()),
        "metrics": "id,name,scale_min,scale_max,customer_centric\nnps,Net Promoter Score,-100,100,true\n"
                   "tickets,Tickets closed,,,false\n",
        "goals": "id,department,title,metric,kind,baseline,target,start,deadline\n" + "".join(
            f"G-{n},{d},{d.title()} lifts NPS,nps,increase,10,50,{TODAY - timedelta(days=30)},"
            f"{TODAY + timedelta(days=300)}\n" for n, d in enumerate(("sales", "service"), start=1)),
    }
    for name, text in files.items():
        (csv_dir / f"{name}.csv").write_text(text)
        os.chmod(csv_dir / f"{name}.csv", 0o644)
    directory = base / "template"
    directory.mkdir()
    os.chown(directory, 0, team.gid)
    os.chmod(directory, 0o2770)
    db = directory / "store.json"
    for args in (["init", "--empty", "--db", db, "--group", team.group],
                 *(["import", table, csv_dir / f"{table}.csv", "--db", db] for table in files),
                 ["record", "nps", 20, "--dept", "sales", "--date", DAY, "--db", db]):
        done = cxtui("ada", *args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    return db


@pytest.fixture
def db(base, template, request) -> Path:
    """A fresh copy of the template store for one test (owners and modes kept)."""
    directory = base / "stores" / re.sub(r"[^A-Za-z0-9_-]", "_", request.node.name)
    directory.parent.mkdir(mode=0o755, exist_ok=True)
    subprocess.run(["cp", "-a", str(template.parent), str(directory)], check=True)
    return directory / "store.json"


@pytest.fixture
def mal(team, base):
    """What the hostile member does, each step run as mal's real login."""

    class Mal:
        login = team.login("mal")
        staged = 0

        def sh(self, command: str) -> None:
            done = run_as(self.login, command)
            assert done.returncode == 0, (command, done.stderr)

        def link(self, target: Path | str, at: Path) -> None:
            self.sh(f"ln -sfn {shell_words(target, at)}")

        def write(self, path: Path, data: bytes | str, *, mode: str = "660") -> None:
            """Replace `path` by a file of mal's with `data` (a rename, as the group may)."""
            Mal.staged += 1
            staged = base / f"staged-{Mal.staged}"
            staged.write_bytes(data.encode() if isinstance(data, str) else data)
            os.chmod(staged, 0o644)
            new = path.with_name(path.name + ".mal")
            self.sh(f"cat {shell_words(staged)} > {shell_words(new)} && chmod {mode} {shell_words(new)} && "
                    f"mv -f {shell_words(new, path)}")

        def append(self, path: Path, line: str) -> None:
            Mal.staged += 1
            staged = base / f"staged-{Mal.staged}"
            staged.write_text(line)
            os.chmod(staged, 0o644)
            self.sh(f"cat {shell_words(staged)} >> {shell_words(path)}")

    return Mal()


def data_dir(db: Path) -> Path:
    return db.with_name(db.name + ".d")


def assert_safe(result: subprocess.CompletedProcess) -> None:
    """The victim's command carried on (exit 0) or failed with one `error:` line; no escape anywhere."""
    assert ESC not in result.stdout + result.stderr, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0 or one_error_line(result), (result.returncode, result.stdout, result.stderr)


def audit_line(team: Team, **fields) -> str:
    tx = f"{DAY:%Y%m%d}T120000000000-4242-abcdef"
    entry = {"id": f"{tx}.0", "tx": tx, "at": f"{DAY}T12:00:00.000000Z", "by": team.login("ada"),
             "action": "update", "entity": "settings", "entity_id": "settings",
             "before": {"admins": [team.login("ada")]},
             "after": {"admins": [team.login("ada"), team.login("mal")]}}
    entry.update(fields)
    return json.dumps(entry) + "\n"


# --- 1. the audit trail as a link ----------------------------------------------------------------


@pytest.mark.parametrize("victim", ["root doctor", "lead scorecard"])
def test_a_linked_audit_trail_and_a_planted_journal_append_nothing_outside_the_store(
        victim, db, mal, team, homes, outside, runtime, cxtui):
    target = homes["root"] / "root-secret" if victim == "root doctor" else homes["kim"] / "private.txt"
    audit = data_dir(db) / "audit.jsonl"
    mal.link(target, audit)
    # Offset at the target's end: applying it appends rather than cuts the target short.
    journal = {"tx": f"{DAY:%Y%m%d}T120000000000-4242-abcdef", "files": [],
               "audit_offset": target.stat().st_size,
               "audit": audit_line(team)}
    mal.write(data_dir(db) / "journal.json", json.dumps(journal))
    outside.before = fingerprint(*outside.roots)

    if victim == "root doctor":
        result = run_root(runtime, "doctor", "--db", db)
        assert result.returncode == 1 and "audit.jsonl" in result.stdout + result.stderr, (
            result.stdout, result.stderr)
        assert ESC not in result.stdout + result.stderr
    else:
        assert_safe(cxtui("kim", "scorecard", "--db", db))
    outside.check()


def test_a_linked_audit_trail_alone_does_not_make_a_record_append_to_the_victims_home(
        db, mal, homes, outside, cxtui):
    mal.link(homes["kim"] / "private.txt", data_dir(db) / "audit.jsonl")
    outside.before = fingerprint(*outside.roots)
    assert_safe(cxtui("kim", "record", "nps", 30, "--dept", "sales", "--date", DAY, "--db", db))
    outside.check()


# --- 2. backup rotation --------------------------------------------------------------------------


def backup_names() -> list[str]:
    """Every backup a `record nps --dept sales --date DAY` may rotate (Layout.backup's names)."""
    stems = ["store.json", f"readings-{MONTH}.json", "series-nps.json"]
    return [f"{stem}.{n}" for stem in stems for n in (1, 2, 3)]


@pytest.mark.parametrize("victim", ["root", "kim"])
def test_dangling_links_in_backups_do_not_make_a_record_create_files_outside_the_store(
        victim, db, mal, team, homes, outside, runtime, cxtui):
    where = homes["root"] if victim == "root" else homes["kim"]

    def record(value: int) -> subprocess.CompletedProcess:
        args = ("record", "nps", value, "--dept", "sales", "--date", DAY, "--db", db)
        if victim == "root":
            return run_root(runtime, *args, env={"CXTUI_USER": team.login("kim")})
        return cxtui("kim", *args)

    # Before the links, the victim can record: a refusal later is the links' doing.
    assert record(30).returncode == 0
    backups = data_dir(db) / "backups"
    for n, name in enumerate(backup_names()):
        mal.link(where / f"planted-{n}", backups / name)
    outside.before = fingerprint(*outside.roots)
    for value in (31, 32, 33, 34):  # enough commits to rotate every slot
        assert_safe(record(value))
    outside.check()
    assert not [p for p in where.iterdir() if p.name.startswith("planted-")]


def test_links_planted_again_and_again_do_not_overwrite_a_leads_private_file(db, mal, team, homes, outside,
                                                                              runtime, cxtui):
    private = homes["kim"] / "private.txt"
    backups = data_dir(db) / "backups"
    links = " ".join(f"ln -sfn {shell_words(private, backups / name)};" for name in backup_names())
    seconds = 4
    loop = start_as(mal.login, f"end=$(($(date +%s) + {seconds})); "
                               f"while [ $(date +%s) -lt $end ]; do {links} done")
    try:
        deadline = time.monotonic() + seconds
        records = 0
        while time.monotonic() < deadline or records < 3:
            assert_safe(cxtui("kim", "record", "nps", 40 + records, "--dept", "sales", "--date", DAY,
                              "--db", db))
            records += 1
        out, err = loop.communicate(timeout=30)
        assert loop.returncode == 0, err
    finally:
        stop(loop)
    outside.check()
    assert oct(private.stat().st_mode & 0o777) == "0o600"
    assert private.read_text() == "kim's own notes\n"


# --- 3. what doctor must name --------------------------------------------------------------------


def store_doc(db: Path) -> dict:
    return json.loads(db.read_text())


def plant_backups_dir_link(db, mal, team, homes):
    backups = data_dir(db) / "backups"
    mal.sh(f"rm -rf {shell_words(backups)}")
    mal.link(homes["kim"], backups)
    return "backups"


def plant_hand_made_admin(db, mal, team, homes):
    doc = store_doc(db)
    doc["settings"]["settings"]["admins"].append(team.login("mal"))
    mal.write(db, json.dumps(doc))
    return team.login("mal")


def plant_duplicate_reading_id(db, mal, team, homes):
    month = data_dir(db) / "readings" / MONTH
    reading_id, reading = next(iter(json.loads((month / f"{MONTH}.json").read_text())["readings"].items()))
    # The same id again, with another value, in the month's next chunk.
    mal.write(month / f"{MONTH}.2.json", json.dumps({"readings": {reading_id: dict(reading, value=99.0)}}))
    return reading_id


def plant_goal_breaking_every_scorecard(db, mal, team, homes):
    doc = store_doc(db)
    goal = dict(doc["goal"]["G-1"], id="G-66", department="marketing", title="breaks everything",
                baseline=-1.7e308, target=1.7e308, deadline="9999-12-31")
    doc["goal"]["G-66"] = goal
    mal.write(db, json.dumps(doc))
    return "G-66"


@pytest.mark.parametrize("plant", [plant_backups_dir_link, plant_hand_made_admin, plant_duplicate_reading_id,
                                   plant_goal_breaking_every_scorecard], ids=lambda f: f.__name__[6:])
def test_doctor_exits_1_naming_what_a_member_planted(plant, db, mal, team, homes, outside, runtime):
    named = plant(db, mal, team, homes)
    outside.before = fingerprint(*outside.roots)
    result = run_root(runtime, "doctor", "--db", db)
    out = result.stdout + result.stderr
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert named in out, (named, out)
    assert ESC not in out and "Traceback" not in out
    outside.check()


# --- the victim's terminal -----------------------------------------------------------------------


@pytest.fixture
def terminal(base):
    terminals = Terminal(base)
    yield terminals
    terminals.kill()


def open_tui(terminal: Terminal, team: Team, runtime: Runtime, short: str, db: Path,
             name: str = "victim") -> None:
    # The shell reports the TUI's exit status itself (see Terminal.exit_status).
    command = f"cd ~; ulimit -v {TUI_MEMORY_KB}; {runtime.command('--db', db)}; echo {EXITED}$?"
    terminal.open(name, ["runuser", team.login(short), "-c", command], width=100, height=30)


def blinking(screen_with_escapes: str) -> list[str]:
    """The SGR sequences that make text blink (5), which the hostile text asks for and cxtui never
    draws, where the pane shows them."""
    found = []
    for params in re.findall(r"\x1b\[([0-9;:]*)m", screen_with_escapes):
        codes = params.replace(":", ";").split(";")
        i = 0
        while i < len(codes):
            if codes[i] in ("38", "48", "58"):  # an extended colour: skip its arguments
                i += 3 if codes[i + 1:i + 2] == ["5"] else 5
                continue
            if codes[i] == "5":
                found.append(params)
            i += 1
    return found


def assert_terminal_untouched(terminal: Terminal, name: str = "victim") -> None:
    shown = terminal.screen_with_escapes(name)
    assert "Traceback" not in shown, terminal.screen(name)
    title = terminal.title(name)
    assert "PWNED" not in title, f"the pane's title became {title!r}"
    assert blinking(shown) == [], shown


def quit_promptly(terminal: Terminal, name: str = "victim", within: float = 5) -> int:
    terminal.keys(name, "q")
    wait_until(lambda: terminal.exit_status(name) is not None, within,
               lambda: f"the TUI did not end within {within:g}s of q:\n{terminal.screen(name)}")
    return terminal.exit_status(name)


def wait_or_end(terminal: Terminal, predicate, timeout: float, what: str, name: str = "victim") -> str:
    """The screen once `predicate` holds; fails at once, with the last screen, if the TUI ended."""
    screen = terminal.wait_for(name, lambda s: predicate(s) or terminal.exit_status(name) is not None,
                               timeout, what)
    assert terminal.exit_status(name) is None, f"the TUI ended:\n{screen}"
    return screen


def scorecard_shown(screen: str) -> bool:
    return "Company alignment" in screen and any(line.strip().startswith("Sales ") for line in screen.splitlines())


# --- 4. presence files ---------------------------------------------------------------------------


def presence_entry(user: str) -> str:
    now = time.time()
    # Another host, so that no process check removes it; a fresh beat, so that it counts as live.
    return json.dumps({"user": user, "host": "elsewhere", "pid": 4242, "started": now, "beat": now + 600})


def plant_escape_user(presence: Path, mal) -> None:
    mal.write(presence / "mal-4242-aaaaaa.json", presence_entry(HOSTILE_TEXT))


def plant_deep_brackets(presence: Path, mal) -> None:
    mal.write(presence / "mal-4243-bbbbbb.json", "[" * 200_000)


def plant_fifo(presence: Path, mal) -> None:
    mal.sh(f"mkfifo -m 660 {shell_words(presence / 'mal-4244-cccccc.json')}")


def plant_dev_zero(presence: Path, mal) -> None:
    mal.link("/dev/zero", presence / "mal-4245-dddddd.json")


@pytest.mark.parametrize("plant", [plant_escape_user, plant_deep_brackets, plant_fifo, plant_dev_zero],
                         ids=lambda f: f.__name__[6:])
def test_a_planted_presence_file_does_not_reach_the_victims_terminal_memory_or_exit(
        plant, db, mal, team, runtime, terminal, outside):
    presence = data_dir(db) / "presence"
    mal.sh(f"mkdir -p -m 2770 {shell_words(presence)}")
    plant(presence, mal)
    outside.before = fingerprint(*outside.roots)
    open_tui(terminal, team, runtime, "kim", db)
    wait_or_end(terminal, scorecard_shown, 45, "kim's TUI did not show the scorecard")
    # The TUI writes its own heartbeat, then reads everyone's, at start and every 5 s: once its
    # heartbeat has been written twice, it has read the planted file at least once.
    kim = team.login("kim")
    beats: set[bytes] = set()

    def beaten_twice() -> bool:
        for own in presence.glob(f"{kim}-*.json"):
            try:
                beats.add(own.read_bytes())
            except OSError:
                pass
        return len(beats) >= 2

    wait_until(beaten_twice, 30, lambda: f"kim's TUI did not beat twice; heartbeats seen: {len(beats)}")
    assert terminal.exit_status("victim") is None, f"the TUI ended:\n{terminal.screen('victim')}"
    assert scorecard_shown(terminal.screen("victim")), terminal.screen("victim")
    assert_terminal_untouched(terminal)
    assert quit_promptly(terminal) == 0
    outside.check()


# --- 5. audit entries ----------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ["escapes", "departments a number"])
def test_a_planted_audit_entry_does_not_reach_the_victims_terminal_nor_crash_history(
        entry, db, mal, team, runtime, terminal, outside):
    audit = data_dir(db) / "audit.jsonl"
    if entry == "escapes":
        line = audit_line(team, entity_id=HOSTILE_TEXT,
                          after={"admins": [HOSTILE_TEXT], "name": HOSTILE_TEXT})
    else:
        # Not a department record itself, so History's department filter reads its departments.
        line = audit_line(team, entity="objective", entity_id="O-1", action="add", before=None,
                          after={"departments": 5})
    mal.append(audit, line)
    outside.before = fingerprint(*outside.roots)
    open_tui(terminal, team, runtime, "kim", db)
    wait_or_end(terminal, scorecard_shown, 45, "kim's TUI did not show the scorecard")
    terminal.keys("victim", "h")
    wait_or_end(terminal, lambda s: "History" in s and "changes" in s or "PWNED" in terminal.title("victim"),
                15, "History did not open")
    assert_terminal_untouched(terminal)
    # Filter to one department (the first offered): every entry's departments are read.
    terminal.keys("victim", "d")
    wait_or_end(terminal, lambda s: "which department" in s, 10, "the department picker did not open")
    terminal.keys("victim", "Down")
    terminal.keys("victim", "Enter")
    wait_or_end(terminal, lambda s: "History" in s and "changes" in s and "which department" not in s
                and "all departments" not in s, 10, "History did not filter to one department")
    assert_terminal_untouched(terminal)
    terminal.keys("victim", "Escape")
    wait_or_end(terminal, scorecard_shown, 10, "Escape did not lead back to the scorecard")
    assert quit_promptly(terminal) == 0
    outside.check()


def test_export_audit_writes_no_raw_escape(db, mal, team, cxtui, outside):
    mal.append(data_dir(db) / "audit.jsonl", audit_line(team, entity_id=HOSTILE_TEXT))
    for out in ("-", "audit.csv"):
        result = cxtui("kim", "export", "audit", out, "--db", db)
        assert_safe(result)
        assert result.returncode == 0, result.stderr
        written = result.stdout.encode() if out == "-" else \
            (Path(os.path.expanduser(f"~{team.login('kim')}")) / out).read_bytes()
        assert b"\x1b" not in written and b"\x07" not in written


# --- 6. a store the victim cannot use ------------------------------------------------------------


def plant_unreadable_store(db: Path, mal) -> None:
    mal.write(db, db.read_bytes(), mode="600")


def plant_empty_journal(db: Path, mal) -> None:
    mal.write(data_dir(db) / "journal.json", "{}")


def test_a_forged_journal_is_set_aside_not_applied_and_doctor_names_it(db, mal, cxtui, outside):
    # A journal that fails verification must not stop everyone's cxtui (that would be a way to deny
    # the store to all): it is renamed journal.json.rejected-..., never applied, and doctor names it.
    plant_empty_journal(db, mal)
    outside.before = fingerprint(*outside.roots)
    for args in (["scorecard"], ["record", "nps", 35, "--dept", "sales", "--date", DAY]):
        result = cxtui("kim", *args, "--db", db)
        assert result.returncode == 0 and result.stderr == "", (args, result.stdout, result.stderr)
    assert not (data_dir(db) / "journal.json").exists()
    doctor = cxtui("kim", "doctor", "--db", db)
    assert doctor.returncode == 1 and "journal.json.rejected-" in doctor.stderr, doctor.stderr
    assert ESC not in doctor.stderr
    outside.check()


def test_a_store_the_victim_cannot_read_is_one_error_line_and_a_problem_screen(
        db, mal, team, runtime, terminal, cxtui, outside):
    plant_unreadable_store(db, mal)
    outside.before = fingerprint(*outside.roots)
    for args in (["scorecard"], ["record", "nps", 35, "--dept", "sales", "--date", DAY]):
        result = cxtui("kim", *args, "--db", db)
        assert one_error_line(result), (args, result.returncode, result.stdout, result.stderr)
        assert ESC not in result.stderr
    open_tui(terminal, team, runtime, "kim", db)
    screen = wait_or_end(terminal, lambda s: "cannot be used" in s, 45, "kim's TUI showed no problem screen")
    assert "Traceback" not in screen
    assert_terminal_untouched(terminal)
    assert quit_promptly(terminal) != 0
    assert "Traceback" not in terminal.screen("victim")
    outside.check()


# --- 7. who is acting ----------------------------------------------------------------------------


def contents(directory: Path) -> dict[str, str]:
    return {k: v[-1] for k, v in fingerprint(directory).items() if len(v) == 7 and not k.endswith(".lock")}


def readings_by(cxtui, db: Path) -> list[str]:
    out = cxtui("ada", "export", "readings", "--db", db)
    assert out.returncode == 0, out.stderr
    return [row["recorded_by"] for row in csv.DictReader(io.StringIO(out.stdout))]


@pytest.mark.parametrize("variable", ["CXTUI_USER", "LOGNAME"])
def test_a_member_cannot_act_as_another_by_naming_them(variable, db, team, cxtui, outside):
    omar = team.login("omar")
    before = contents(db.parent)
    result = cxtui("kim", "record", "nps", 44, "--dept", "service", "--date", DAY, "--db", db,
                   env=f"{variable}={omar}")
    assert one_error_line(result), (result.returncode, result.stdout, result.stderr)
    assert contents(db.parent) == before, "a refused change leaves the store byte-identical"
    assert omar not in readings_by(cxtui, db)
    outside.check()


def test_root_acting_as_a_member_is_audited_as_root(db, team, runtime, cxtui):
    omar = team.login("omar")
    result = run_root(runtime, "record", "nps", 45, "--dept", "service", "--date", DAY, "--db", db,
                      env={"CXTUI_USER": omar})
    assert result.returncode == 0, result.stderr
    last = (data_dir(db) / "audit.jsonl").read_text().splitlines()[-1]
    assert omar in last and re.search(r'"root"|\broot\b', last), last
