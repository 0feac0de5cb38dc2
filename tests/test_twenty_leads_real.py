"""Twenty leads at once, for real: twenty Unix users of one group record through the CLI at the same
time (some over a real OpenSSH server) while two TUIs watch the scorecard, one in a local terminal and
one over SSH. Nothing is lost, every file stays group-shared, and each TUI shows a reading another
user recorded within a couple of seconds (see TYPICAL_LIMIT, WORST_LIMIT); the delays are measured and
printed.

Needs root (see sharing_support.need_real_environment); the users, group, server and terminals are
gone when the module ends.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sharing_support import (
    CLEAN_ENV,
    Tmux,
    find_runtime,
    run_as,
    running_sshd,
    start_as,
    stop,
    throwaway_base,
    throwaway_team,
)
from test_sharing_real import assert_group_shared, readings

pytestmark = pytest.mark.root

LEADS = 20
OVER_SSH = 5  # of the writers, these record over ssh; the rest in local sessions
PER_WRITER = 6
PROBES = 6
# The design promises a refresh "within ~2 s". On this project's 2-core machines, with nineteen CLI
# processes starting at once, the TUI's own reload is starved of CPU more than it waits for the
# poll (0.5 s): medians measured 0.02-0.5 s, but the slowest probe 0.7-4.6 s (the first probe, in
# the burst of starting interpreters). On a slower day (3 December 2026) the medians of seven runs
# were 0.09-1.26 s, the same before and after that day's changes, so the typical refresh is held to
# the promise itself; the slowest only shows that the TUI does follow. Every delay is printed.
TYPICAL_LIMIT = 2.0
WORST_LIMIT = 15.0
TODAY = date.today()


def short(n: int) -> str:
    return f"l{n:02d}"


def department(n: int) -> str:
    return f"d{n:02d}"


@pytest.fixture(scope="module")
def base():
    with throwaway_base("cxtui-twenty-") as directory:
        yield directory


@pytest.fixture(scope="module")
def team(base):
    with throwaway_team(base, ["ada", *(short(n) for n in range(1, LEADS + 1))]) as team:
        yield team


@pytest.fixture(scope="module")
def runtime(base, team):
    return find_runtime(base, team.login("ada"))


@pytest.fixture(scope="module")
def store(base, team, runtime) -> Path:
    """A store shared with the group: twenty departments, each led by one lead, and one goal of the
    first department (Alpha, listed first) that the watching TUIs show once Alpha is opened."""
    csv_dir = base / "csv"
    csv_dir.mkdir(mode=0o755)
    names = {1: "Alpha"} | {n: f"Dept {n:02d}" for n in range(2, LEADS + 1)}
    files = {
        "departments": "id,name,leads\n" + "".join(
            f"{department(n)},{names[n]},{team.login(short(n))}\n" for n in range(1, LEADS + 1)),
        "metrics": "id,name,scale_min,scale_max,customer_centric\nnps,Net Promoter Score,-100,100,true\n"
                   "tickets,Tickets closed,,,false\n",
        "goals": "id,department,title,metric,kind,baseline,target,start,deadline\n"
                 f"G-1,d01,Alpha lifts NPS,nps,increase,10,90,{TODAY - timedelta(days=30)},"
                 f"{TODAY + timedelta(days=300)}\n",
    }
    directory = base / "store"
    directory.mkdir()
    os.chown(directory, 0, team.gid)
    os.chmod(directory, 0o2770)
    db = directory / "store.json"

    def admin(*args) -> None:
        result = run_as(team.login("ada"), runtime.command(*args, "--db", db))
        assert result.returncode == 0, (args, result.stderr)

    admin("init", "--empty", "--group", team.group)
    for table, text in files.items():
        (csv_dir / f"{table}.csv").write_text(text)
        os.chmod(csv_dir / f"{table}.csv", 0o644)
        admin("import", table, csv_dir / f"{table}.csv")
    return db


@pytest.fixture(scope="module")
def sshd(base, team):
    with running_sshd(base, team) as server:
        yield server


@pytest.fixture
def tmux(base):
    terminals = Tmux(base)
    yield terminals
    terminals.kill()


def test_twenty_leads_record_at_once_while_two_tuis_watch(store, team, runtime, sshd, tmux, capsys):
    db = store
    lead = team.login

    # Two TUIs: the last lead's in a local terminal, the one before over ssh.
    watch_cmd = f"umask 022; exec {runtime.command('--db', db)}"
    tmux.open("local", ["runuser", lead(short(LEADS)), "-c", f"cd ~; {watch_cmd}"], width=80, height=24)
    tmux.open("ssh", sshd.argv(lead(short(LEADS - 1)), watch_cmd, tty=True), width=80, height=24)
    for name in ("local", "ssh"):
        tmux.wait_for(name, lambda s: "Departments at a glance" in s and "Alpha" in s, 60,
                      f"the {name} TUI did not show the scorecard")
        # Twenty departments at a glance fill the screen: Enter on the first (Alpha) shows its goals.
        tmux.keys(name, "Enter")
        tmux.wait_for(name, lambda s: "Alpha lifts NPS" in s, 30, f"the {name} TUI did not show Alpha's goals")

    # Writers 2..LEADS each record PER_WRITER readings for their own department, all at once;
    # the first OVER_SSH of them through ssh.
    writers: dict[str, subprocess.Popen] = {}
    for n in range(2, LEADS + 1):
        loop = " || exit 1; ".join(
            runtime.command("record", "tickets", n * 100 + i, "--dept", department(n), "--db", db)
            for i in range(1, PER_WRITER + 1)) + " || exit 1"
        if n - 2 < OVER_SSH:
            writers[short(n)] = subprocess.Popen(
                sshd.argv(lead(short(n)), f"umask 022; {loop}"), env=CLEAN_ENV, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, start_new_session=True)
        else:
            writers[short(n)] = start_as(lead(short(n)), loop)

    # Meanwhile the first lead records NPS readings one after another; each time, how long until
    # both TUIs show it, counted from the moment the recording command returned (its commit is a
    # few milliseconds earlier).
    delays: dict[str, list[float]] = {"local": [], "ssh": []}
    try:
        for probe in range(1, PROBES + 1):
            value = 10 + probe
            recorded = run_as(lead(short(1)), runtime.command("record", "nps", value, "--dept", "d01", "--db", db))
            committed = time.monotonic()
            assert recorded.returncode == 0, recorded.stderr
            waiting = {"local", "ssh"}
            while waiting:
                for name in sorted(waiting):
                    if f"10→{value}→90" in tmux.screen(name):
                        delays[name].append(time.monotonic() - committed)
                        waiting.discard(name)
                if time.monotonic() - committed > 30:
                    pytest.fail(f"reading {value} did not reach {sorted(waiting)} within 30 s:\n"
                                + "\n".join(tmux.screen(n) for n in sorted(waiting)))
                time.sleep(0.05)
            busy = sum(1 for w in writers.values() if w.poll() is None)
            if busy == 0:
                break
        under_load = sum(1 for _ in delays["local"])
        for name, process in writers.items():
            out, err = process.communicate(timeout=240)
            assert process.returncode == 0, (name, out, err)
            assert out.count("recorded tickets = ") == PER_WRITER, (name, out, err)
    finally:
        for process in writers.values():
            stop(process)

    with capsys.disabled():
        for name, seen in delays.items():
            print(f"\n{LEADS} leads at once: {name} TUI refresh after another user's reading "
                  f"({len(seen)} probes, {under_load} while the writers ran): "
                  f"median {statistics.median(seen):.2f} s, max {max(seen):.2f} s, "
                  f"all {', '.join(f'{d:.2f}' for d in seen)}")

    exported = readings(run_as(lead("ada"), runtime.command("export", "readings", "--db", db)).stdout)
    for n in range(2, LEADS + 1):
        mine = sorted(float(r["value"]) for r in exported if r["recorded_by"] == lead(short(n)))
        assert mine == [n * 100 + i for i in range(1, PER_WRITER + 1)], short(n)
    assert len(exported) == (LEADS - 1) * PER_WRITER + len(delays["local"])
    owners = assert_group_shared(db, team.gid)
    assert len(owners) >= 3, "files should have been created by several users"
    doctor = run_as(lead(short(3)), runtime.command("doctor", "--db", db))
    assert doctor.returncode == 0 and doctor.stderr == "", doctor.stderr
    assert under_load >= 2, "the probes should have run while the writers were still writing"
    for name, seen in delays.items():
        assert statistics.median(seen) <= TYPICAL_LIMIT, f"the {name} TUI's refreshes took {seen}"
        assert max(seen) <= WORST_LIMIT, f"the {name} TUI took {max(seen):.2f} s to show a reading: {seen}"
    for name in ("local", "ssh"):
        tmux.keys(name, "q")
