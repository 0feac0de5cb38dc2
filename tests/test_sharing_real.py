"""Many leads, one host, for real: Unix users created for the test (umask 022, one group) write one
store concurrently through the CLI, department ownership holds between them, and over a real
OpenSSH server they record, export and watch each other's changes in the TUI at 80x24.

Needs root (to create users and start sshd); CI runs as root, and .ci/run installs openssh-server,
openssh-client and tmux. The users, group, server and terminals are gone when the module ends.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import pwd
import stat
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from sharing_support import (
    Runtime,
    Sshd,
    Team,
    Tmux,
    find_runtime,
    run_as,
    running_sshd,
    start_as,
    stop,
    throwaway_base,
    throwaway_team,
    wait_until,
)

pytestmark = pytest.mark.root

LEADS = {"kim": "sales", "ravi": "finance", "omar": "service", "ines": "marketing", "lena": "product"}
TODAY = date.today()


@pytest.fixture(scope="module")
def base():
    with throwaway_base("cxtui-sharing-") as directory:
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
    """`cxtui("kim", "record", ...)` runs the CLI as kim's real login and insists on the exit status."""

    def run(short: str, *args, expect: int = 0, umask: str = "022") -> subprocess.CompletedProcess:
        result = run_as(team.login(short), runtime.command(*args), umask=umask)
        assert result.returncode == expect, (args, result.stdout, result.stderr)
        return result

    return run


@pytest.fixture(scope="module")
def make_store(base, team, cxtui):
    """make_store("name") -> path of a store the admin (ada) created in a directory root prepared,
    as docs/sharing.md tells a sysadmin to, holding the five departments and two goals."""
    csv_dir = base / "csv"
    csv_dir.mkdir(mode=0o755)
    login = team.login
    files = {
        "departments": "id,name,leads\n" + "".join(f"{d},{d.title()},{login(u)}\n" for u, d in LEADS.items()),
        "metrics": "id,name,scale_min,scale_max,customer_centric\nnps,Net Promoter Score,-100,100,true\n"
                   "tickets,Tickets closed,,,false\n",
        "goals": "id,department,title,metric,kind,baseline,target,start,deadline\n" + "".join(
            f"G-{n},{d},{d.title()} lifts NPS,nps,increase,10,50,{TODAY - timedelta(days=30)},"
            f"{TODAY + timedelta(days=300)}\n" for n, d in enumerate(("sales", "finance"), start=1)),
    }
    for name, text in files.items():
        (csv_dir / f"{name}.csv").write_text(text)
        os.chmod(csv_dir / f"{name}.csv", 0o644)
    stores = base / "stores"
    stores.mkdir(mode=0o755)

    def make(name: str) -> Path:
        directory = stores / name
        directory.mkdir()
        os.chown(directory, 0, team.gid)
        os.chmod(directory, 0o2770)
        db = directory / "store.json"
        cxtui("ada", "init", "--empty", "--db", db, "--group", team.group)
        for table in files:
            cxtui("ada", "import", table, csv_dir / f"{table}.csv", "--db", db)
        return db

    return make


def readings(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def assert_group_shared(db: Path, gid: int) -> set[int]:
    """Every directory 2770 and every file 0660, all in the group; returns the files' owners."""
    owners = set()
    for root, dirs, files in os.walk(db.parent):
        st = os.stat(root)
        assert (stat.S_IMODE(st.st_mode), st.st_gid) == (0o2770, gid), root
        for name in files:
            st = os.lstat(Path(root) / name)
            assert (stat.S_IMODE(st.st_mode), st.st_gid) == (0o660, gid), Path(root) / name
            owners.add(st.st_uid)
    return owners


def digest(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


# --- many users, one store -------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 5])
def test_users_writing_at_once_lose_nothing_and_keep_the_store_group_shared(count, make_store, team, runtime,
                                                                            cxtui):
    db = make_store(f"together-{count}")
    db.with_name("store.json.lock").unlink()  # so a member with umask 022 creates the lock afresh
    per_user = 6
    writers = {}
    for u, (short, dept) in enumerate(list(LEADS.items())[:count], start=1):
        loop = " || exit 1; ".join(
            runtime.command("record", "tickets", u * 100 + i, "--dept", dept, "--note", f"{short} {i}",
                            "--db", db)
            for i in range(1, per_user + 1))
        writers[short] = start_as(team.login(short), f"{loop} || exit 1")
    try:
        for short, process in writers.items():
            out, err = process.communicate(timeout=180)
            assert process.returncode == 0, (short, out, err)
            assert err == "", (short, err)
            assert out.count("recorded tickets = ") == per_user
    finally:
        for process in writers.values():
            stop(process)

    exported = readings(cxtui("ada", "export", "readings", "--db", db).stdout)
    for u, short in enumerate(list(LEADS)[:count], start=1):
        mine = [r for r in exported if r["recorded_by"] == team.login(short)]
        assert sorted(float(r["value"]) for r in mine) == [u * 100 + i for i in range(1, per_user + 1)], short
        assert {r["department"] for r in mine} == {LEADS[short]}
    assert len(exported) == count * per_user
    owners = assert_group_shared(db, team.gid)
    assert len(owners) >= 2, "files should have been created by several users"
    doctor = cxtui(list(LEADS)[count - 1], "doctor", "--db", db)
    assert doctor.stdout == f"the store at {db} is sound\n" and doctor.stderr == ""


def test_a_member_with_a_strict_umask_does_not_lock_the_others_out(make_store, team, cxtui):
    db = make_store("strict")
    db.with_name("store.json.lock").unlink()
    cxtui("kim", "record", "tickets", 1, "--dept", "sales", "--date", "2025-01-15", "--db", db, umask="077")
    cxtui("ravi", "record", "tickets", 2, "--dept", "finance", "--date", "2025-01-16", "--db", db)
    lock = db.with_name("store.json.lock")
    assert lock.stat().st_uid == pwd.getpwnam(team.login("kim")).pw_uid, "kim (umask 077) created the lock"
    assert len(readings(cxtui("omar", "export", "readings", "--db", db).stdout)) == 2
    assert_group_shared(db, team.gid)


def test_a_lead_cannot_change_another_department_and_an_admin_can(make_store, team, cxtui, base):
    db = make_store("ownership")
    cxtui("kim", "record", "nps", 20, "--dept", "sales", "--db", db)
    before = digest(db.parent)
    refused = cxtui("kim", "record", "nps", 5, "--dept", "finance", "--db", db, expect=1)
    kim = team.login("kim")
    assert refused.stderr == f"error: {kim} leads sales, not finance; ask a lead of finance or an admin\n"
    rows = base / "csv" / "finance-readings.csv"
    rows.write_text(f"metric,department,date,value\nnps,sales,{TODAY},21\nnps,finance,{TODAY},6\n")
    os.chmod(rows, 0o644)
    refused_import = cxtui("kim", "import", "readings", rows, "--db", db, expect=1)
    assert f"{kim} leads sales, not finance" in refused_import.stderr
    assert digest(db.parent) == before, "a refused change must leave the store byte-identical"

    cxtui("ada", "record", "nps", 5, "--dept", "finance", "--db", db)
    cxtui("ravi", "record", "nps", 7, "--dept", "finance", "--db", db)
    exported = readings(cxtui("omar", "export", "readings", "--db", db).stdout)
    assert sorted((r["recorded_by"], r["department"], r["value"]) for r in exported) == sorted([
        (kim, "sales", "20"), (team.login("ada"), "finance", "5"), (team.login("ravi"), "finance", "7"),
    ])


# --- over a real OpenSSH server ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sshd(base, team):
    with running_sshd(base, team) as server:
        yield server


@pytest.fixture
def tmux(base):
    terminals = Tmux(base)
    yield terminals
    terminals.kill()


def ssh_cxtui(sshd: Sshd, runtime: Runtime, team: Team, short: str, *args) -> subprocess.CompletedProcess:
    result = sshd.run(team.login(short), f"umask 022; {runtime.command(*args)}")
    assert result.returncode == 0, (args, result.stdout, result.stderr, sshd.log_tail())
    return result


def test_users_log_in_over_ssh_record_and_export(sshd, make_store, team, runtime):
    db = make_store("ssh")
    who = sshd.run(team.login("kim"), "id -un; id -Gn")
    assert who.returncode == 0, (who.stderr, sshd.log_tail())
    assert who.stdout.split("\n")[0] == team.login("kim") and team.group in who.stdout.split("\n")[1]
    ssh_cxtui(sshd, runtime, team, "kim", "record", "nps", 31, "--dept", "sales", "--db", db)
    ssh_cxtui(sshd, runtime, team, "ravi", "record", "nps", 12, "--dept", "finance", "--note", "over ssh",
              "--db", db)
    out = ssh_cxtui(sshd, runtime, team, "omar", "export", "readings", "--db", db).stdout
    assert sorted((r["recorded_by"], r["department"], r["value"]) for r in readings(out)) == [
        (team.login("kim"), "sales", "31"), (team.login("ravi"), "finance", "12"),
    ]
    scorecard = ssh_cxtui(sshd, runtime, team, "ines", "export", "scorecard", "--db", db).stdout
    assert {r["goal"]: r["latest"] for r in readings(scorecard)} == {"G-1": "31", "G-2": "12"}
    assert_group_shared(db, team.gid)


def test_the_tui_over_ssh_shows_the_scorecard_other_users_changes_and_who_is_here(sshd, make_store, team,
                                                                                     runtime, tmux):
    db = make_store("tui")
    ssh_cxtui(sshd, runtime, team, "ravi", "record", "nps", 20, "--dept", "finance", "--db", db)

    def open_tui(short: str) -> None:
        command = f"umask 022; exec {runtime.command('--db', db)}"
        tmux.open(short, sshd.argv(team.login(short), command, tty=True), width=80, height=24)

    open_tui("kim")
    assert tmux.size("kim") == (80, 24)
    screen = tmux.wait_for("kim", lambda s: "Finance lifts NPS" in s and "10→20→50" in s, 45,
                           "kim's TUI did not show the scorecard")
    assert "Scorecard" in screen and f"user {team.login('kim')}" in screen
    # Every department at a glance first (issue 16): Sales' line is there, its goals further down.
    assert any(line.strip().startswith("Sales ") for line in screen.splitlines())

    # ravi changes a number from another session: kim's open TUI follows.
    ssh_cxtui(sshd, runtime, team, "ravi", "record", "nps", 42, "--dept", "finance", "--db", db)
    tmux.wait_for("kim", lambda s: "10→42→50" in s, 15, "ravi's reading did not reach kim's TUI")

    # ravi opens the TUI too: kim sees him; when he quits, kim stops seeing him.
    open_tui("ravi")
    tmux.wait_for("ravi", lambda s: "also here: " + team.login("kim") in s, 45, "ravi's TUI did not see kim")
    tmux.wait_for("kim", lambda s: "also here: " + team.login("ravi") in s, 15, "kim's TUI did not see ravi")
    tmux.keys("ravi", "q")
    tmux.wait_for("kim", lambda s: "also here:" not in s, 20, "kim's TUI still shows ravi after he quit")
    tmux.keys("kim", "q")
    for short in ("kim", "ravi"):
        wait_until(lambda short=short: not tmux.alive(short), 10,
                   lambda short=short: f"{short}'s TUI did not end:\n{tmux.screen(short)}")
    presence = db.parent / "store.json.d" / "presence"
    assert list(presence.iterdir()) == [], "each TUI removes its heartbeat when it ends"
