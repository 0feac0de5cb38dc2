"""Live presence: heartbeat files (cxtui/store/presence.py) and the TUI line naming who else is here."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cxtui.store import presence
from cxtui.store.presence import STALE_AFTER, Heartbeat
from cxtui.store import Store


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return Store.init(tmp_path / "cx" / "store.json", user="kim").path


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


def test_a_heartbeat_is_an_atomic_0660_file_naming_user_host_pid_and_times(db):
    old = os.umask(0o077)
    try:
        beat = Heartbeat(db, "kim", host="team-host", clock=lambda: 1000.0)
        beat.beat()
    finally:
        os.umask(old)
    assert beat.path.parent == db.parent / "store.json.d" / "presence"
    assert beat.path.name.startswith(f"kim-{os.getpid()}-")
    assert stat.S_IMODE(beat.path.stat().st_mode) == 0o660
    assert json.loads(beat.path.read_text()) == {"user": "kim", "host": "team-host", "pid": os.getpid(),
                                                 "started": 1000.0, "beat": 1000.0}
    assert [p.name for p in beat.path.parent.iterdir()] == [beat.path.name]  # no temp file left


def test_others_lists_other_sessions_once_per_user_and_not_this_one(db):
    me = Heartbeat(db, "kim")
    for user in ("ravi", "omar", "ravi", "kim"):
        Heartbeat(db, user).beat()
    me.beat()
    assert sorted(presence.others(db, me)) == ["kim", "omar", "ravi ×2"]


def test_stale_and_dead_sessions_are_ignored_and_cleaned_up(db):
    now = time.time()
    me = Heartbeat(db, "kim")
    fresh = Heartbeat(db, "ravi")
    stale = Heartbeat(db, "omar", clock=lambda: now - STALE_AFTER - 1)
    dead_here = Heartbeat(db, "ines", pid=_dead_pid())
    dead_elsewhere = Heartbeat(db, "lena", pid=_dead_pid(), host="another-host")
    for beat in (fresh, stale, dead_here, dead_elsewhere):
        beat.beat()
    assert sorted(presence.others(db, me, now=now)) == ["lena", "ravi"]
    assert not stale.path.exists()
    assert not dead_here.path.exists()
    assert dead_elsewhere.path.exists(), "a process on another host cannot be checked; only its age counts"


def test_junk_in_the_presence_directory_is_ignored_and_removed_once_old(db):
    me = Heartbeat(db, "kim")
    me.beat()
    junk = me.path.parent / "junk.json"
    junk.write_text("{not json")
    temp = me.path.parent / f".kim.json{'.tmp-'}1-abcd"
    temp.write_text("")
    assert presence.others(db, me) == []
    assert junk.exists(), "a heartbeat being written right now must not be removed"
    assert presence.others(db, me, now=time.time() + STALE_AFTER + 5) == []
    assert not junk.exists() and not temp.exists()


def test_leaving_removes_the_heartbeat_and_later_beats_do_nothing(db):
    beat = Heartbeat(db, "kim")
    beat.beat()
    beat.leave()
    assert not beat.path.exists()
    beat.beat()  # a worker finishing its last beat after the app left
    assert not beat.path.exists()


def test_no_heartbeat_for_a_store_that_does_not_exist(tmp_path):
    missing = tmp_path / "nothing" / "store.json"
    beat = Heartbeat(missing, "kim")
    beat.beat()
    assert not missing.parent.exists(), "creating it would make a missing store look damaged"
    assert presence.others(missing, beat) == []


def test_odd_login_names_make_safe_file_names(db):
    beat = Heartbeat(db, "../../etc/x y")
    beat.beat()
    assert beat.path.parent == db.parent / "store.json.d" / "presence"
    assert json.loads(beat.path.read_text())["user"] == "../../etc/x y"


def test_a_heartbeat_that_cannot_be_written_is_not_an_error(db):
    beat = Heartbeat(db, "kim")
    beat.path.parent.mkdir()
    os.chmod(beat.path.parent, 0o500)
    try:
        beat.beat()  # as root the write succeeds; as anyone else it is quietly skipped
    finally:
        os.chmod(beat.path.parent, 0o770)


# --- the TUI -----------------------------------------------------------------------------------------


async def _wait_for(pilot, condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def test_the_scorecard_names_who_else_is_here_and_forgets_who_left(db):
    from cxtui.runtime.options import Options
    from cxtui.tui.app import create_app
    from cxtui.tui.widgets.also_here import PresenceBar

    app = create_app(Options(store_path=db, user="kim"), poll_interval=0.2, presence_interval=0.1, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.screen.query_one(PresenceBar)
        await _wait_for(pilot, lambda: any(presence.presence_dir(db).glob("kim-*.json")))
        assert not bar.display
        # A name that is no login (markup here) is not shown at all.
        ravi, omar, forged = Heartbeat(db, "ravi"), Heartbeat(db, "omar"), Heartbeat(db, "[b]eve[/b]")
        for beat in (ravi, omar, forged):
            beat.beat()
        # The app may look between two heartbeats and name ravi alone first: wait for both.
        both = ("also here: ravi, omar", "also here: omar, ravi")
        await _wait_for(pilot, lambda: bar.display and str(bar.render()) in both)
        assert str(bar.render()) in both
        for beat in (ravi, omar, forged):
            beat.leave()
        await _wait_for(pilot, lambda: not bar.display)
    assert list(presence.presence_dir(db).iterdir()) == [], "the app removes its own heartbeat on exit"


# --- hostile heartbeats --------------------------------------------------------------------------------


def _plant_heartbeat(db: Path, how: str) -> Path:
    directory = presence.presence_dir(db)
    directory.mkdir(exist_ok=True)
    path = directory / "eve-1-abcdef.json"
    if how == "fifo":
        os.mkfifo(path, 0o660)
    elif how == "dev-zero":
        path.symlink_to("/dev/zero")
    elif how == "deep":
        path.write_bytes(b"[" * 200_000)
    elif how == "huge":
        path.write_bytes(b" " * (1 << 20) + json.dumps({"user": "eve", "host": "h", "pid": 1, "started": 0,
                                                        "beat": time.time()}).encode())
    else:  # a user name that is no login: escape sequences, markup, a path
        path.write_text(json.dumps({"user": how, "host": "elsewhere", "pid": 1, "started": time.time(),
                                    "beat": time.time()}))
    return path


@pytest.mark.parametrize("how", ["fifo", "dev-zero", "deep", "huge", "\x1b[2Jeve", "eve\u202e", "[b]eve[/b]",
                                 "../eve", "", "e" * 200])
def test_a_hostile_heartbeat_is_skipped_without_blocking(db, how):
    planted = _plant_heartbeat(db, how)
    me = Heartbeat(db, "kim")
    me.beat()
    code = ("import sys; from cxtui.store import presence; from pathlib import Path; "
            "print(presence.sessions(Path(sys.argv[1]), now=float(sys.argv[2])))")
    result = subprocess.run([sys.executable, "-c", code, str(db), str(time.time())], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "eve" not in result.stdout and "\x1b" not in result.stdout
    assert presence.others(db, me) == []
    me.leave()  # leaving does not touch the planted file, and does not hang on it
    assert planted.is_symlink() or planted.exists()


def test_a_presence_folder_linked_elsewhere_is_not_used(db, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = elsewhere / "old.json"
    victim.write_text("{}")
    os.utime(victim, (0, 0))  # old and unreadable as a heartbeat: would be removed as junk
    presence.presence_dir(db).symlink_to(elsewhere)
    me = Heartbeat(db, "kim")
    me.beat()
    assert presence.others(db, me) == []
    assert [p.name for p in elsewhere.iterdir()] == ["old.json"], "nothing written or removed through the link"
