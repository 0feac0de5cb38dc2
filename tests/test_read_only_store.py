"""Reading commands work on a store the user cannot write (issue 13): a read-only file system, or a
directory and lock file without write permission. They read under a shared lock on the lock file
opened read-only; writing commands are refused with one error line, and nothing changes."""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cxtui.store import Store, StoreIOError, StoreLocked
from cxtui.store import fsio

from store_helpers import child_env
from test_cli_record import one_error_line, tree_digest

READING_COMMANDS = [
    ("scorecard",),
    ("conflicts",),
    ("export", "readings"),
    ("export", "audit"),
    ("doctor",),
]


def _refuse_writing(monkeypatch, error: int = errno.EROFS) -> None:
    """What opening the lock file for writing meets on a read-only file system (or without write
    permission): the in-process stand-in for the real set-ups tested below."""
    def refused(path):
        raise OSError(error, os.strerror(error), str(path))

    monkeypatch.setattr(fsio, "open_lock", refused)


@pytest.mark.parametrize("error", [errno.EROFS, errno.EACCES])
@pytest.mark.parametrize("command", READING_COMMANDS, ids=lambda c: " ".join(c))
def test_reading_commands_read_a_store_they_cannot_lock_for_writing(seeded, cli, store_path, monkeypatch,
                                                                    command, error):
    _refuse_writing(monkeypatch, error)
    before = tree_digest(store_path.parent)

    result = cli(*command)

    assert result.exit_code == 0, result.output
    assert "error" not in result.stderr
    assert tree_digest(store_path.parent) == before


def test_writing_commands_are_still_refused(seeded, cli, store_path, monkeypatch):
    _refuse_writing(monkeypatch)
    before = tree_digest(store_path.parent)

    result = cli("record", "nps", "5", "--dept", "sales")

    assert result.exit_code == 1
    assert "Read-only file system" in one_error_line(result)
    assert tree_digest(store_path.parent) == before


def test_the_read_only_reader_still_waits_for_a_writer(seeded, store_path, monkeypatch):
    """Its shared lock keeps a writer's commit from changing the files under it, and the other way round."""
    _refuse_writing(monkeypatch)
    reader = Store(store_path, user="tester", lock_timeout=0.1)
    with open(str(store_path) + ".lock", "a") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(StoreLocked):
            reader.snapshot()
    with reader._reading():
        with open(str(store_path) + ".lock", "a") as writer:
            with pytest.raises(BlockingIOError):
                fcntl.flock(writer, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_a_write_inside_a_read_only_read_is_refused(seeded, monkeypatch):
    _refuse_writing(monkeypatch)
    with seeded._reading(), pytest.raises(StoreIOError, match="read-only"):
        seeded.record("nps", 5, department="sales")


def test_without_a_lock_file_the_store_is_read_as_it_is(seeded, cli, store_path, monkeypatch):
    """A store copied onto read-only media without its lock file: nobody can be writing to it."""
    _refuse_writing(monkeypatch)
    Path(str(store_path) + ".lock").unlink()

    result = cli("export", "readings")

    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 3  # the header and the seeded store's two readings


def test_a_commit_left_unfinished_is_reported_not_half_read(seeded, cli, store_path, monkeypatch):
    def die(*_args) -> None:
        raise OSError(5, "the writer died here")

    with monkeypatch.context() as patched:
        patched.setattr("cxtui.store.journal.apply", die)
        with pytest.raises(StoreIOError):
            seeded.record("nps", 5, department="sales")
    _refuse_writing(monkeypatch)

    result = cli("scorecard")
    assert result.exit_code == 1
    assert "waits for a member who can write" in one_error_line(result)
    doctor = cli("doctor")
    assert doctor.exit_code == 1
    assert "waits for a member who can write" in doctor.stderr


# --- the real set-ups --------------------------------------------------------------------------


def _cxtui() -> list[str]:
    script = Path(sys.executable).with_name("cxtui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cxtui.cli"]


@pytest.mark.skipif(os.geteuid() != 0, reason="a read-only bind mount needs root")
@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux) for a private mount")
def test_reading_commands_on_a_read_only_file_system(seeded, store_path, tmp_path):
    """The store's directory bind-mounted read-only in a private mount namespace (gone with it)."""
    env = {**os.environ, **child_env(seeded), "CXTUI_DB": str(store_path)}
    before = tree_digest(store_path.parent)
    directory = str(store_path.parent)
    script = (f"mount --bind {directory} {directory} && mount -o remount,ro,bind {directory} && "
              f"touch {directory}/probe 2>/dev/null && exit 99; "
              + " ; ".join(f"{' '.join(_cxtui())} {' '.join(c)} >/dev/null 2>>{tmp_path}/err; echo $?"
                           for c in [*READING_COMMANDS, ("record", "nps", "5", "--dept", "sales")]))
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, env=env, timeout=120)
    if done.returncode != 0 and not done.stdout:
        pytest.skip(f"cannot make a private read-only mount here: {done.stderr.strip()[:200]}")
    codes = done.stdout.split()
    assert codes == ["0"] * len(READING_COMMANDS) + ["1"], (codes, (tmp_path / "err").read_text())
    assert "Read-only file system" in (tmp_path / "err").read_text()
    assert tree_digest(store_path.parent) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions")
@pytest.mark.parametrize("command", READING_COMMANDS, ids=lambda c: " ".join(c))
def test_reading_commands_on_a_store_the_user_cannot_write(seeded, cli, store_path, command):
    lock = Path(str(store_path) + ".lock")
    directories = [Path(root) for root, _, _ in os.walk(store_path.parent)]
    before = tree_digest(store_path.parent)
    os.chmod(lock, 0o440)
    for directory in directories:
        os.chmod(directory, 0o555)
    try:
        result = cli(*command)
        refused = cli("record", "nps", "5", "--dept", "sales")
    finally:
        for directory in directories:
            os.chmod(directory, 0o755)
        os.chmod(lock, 0o660)
    assert result.exit_code == 0, result.output
    assert refused.exit_code == 1
    one_error_line(refused)
    assert tree_digest(store_path.parent) == before
