"""A group-shared store, in one process: init --group, modes under any umask, doctor's findings and
fixes, and the refusals that keep --group from taking over a directory that is not the store's.

The same properties with real Unix users, concurrently and over SSH: test_sharing_real.py.
"""

from __future__ import annotations

import grp
import os
import stat
import subprocess
from datetime import date
from pathlib import Path

import pytest
from store_helpers import seeded_store

from cxtui.models import Department, Metric, Reading, Scale
from cxtui.store import Store, StoreError, journal, sharing
from cxtui.store.health import mode_problems


def _other_group() -> str:
    """A group the current user may give files to that is not their primary group, if any."""
    mine = os.getegid()
    if os.geteuid() == 0:
        candidates = [g.gr_gid for g in grp.getgrall()]
    else:
        candidates = os.getgroups()
    for gid in candidates:
        if gid != mine:
            return grp.getgrgid(gid).gr_name
    pytest.skip("needs a second group the current user belongs to (or root)")


@pytest.fixture
def group() -> str:
    return _other_group()


@pytest.fixture
def shared(tmp_path: Path, group: str) -> Store:
    store = Store.init(tmp_path / "cx" / "store.json", user="tester", group=group)
    store.add_many([Department(id="sales", name="Sales", leads=["kim"]),
                    Metric(id="nps", name="Net Promoter Score", scale=Scale(min=-100, max=100))])
    return store


def _entries(store: Store) -> dict[Path, os.stat_result]:
    """Every directory and file of the store, temp files and the journal included."""
    found = {store.path.parent: os.stat(store.path.parent)}
    for root, dirs, files in os.walk(store.path.parent):
        for name in dirs + files:
            found[Path(root) / name] = os.lstat(Path(root) / name)
    return found


def _assert_shared(store: Store, gid: int) -> None:
    for path, st in _entries(store).items():
        assert st.st_gid == gid, f"{path} is in group {st.st_gid}, not {gid}"
        if stat.S_ISDIR(st.st_mode):
            assert stat.S_IMODE(st.st_mode) == 0o2770, f"{path}: {stat.S_IMODE(st.st_mode):o}"
        else:
            assert stat.S_IMODE(st.st_mode) == 0o660, f"{path}: {stat.S_IMODE(st.st_mode):o}"


def test_init_with_group_shares_directories_and_files_and_says_so(cli, tmp_path, group):
    db = tmp_path / "cx" / "store.json"
    result = cli("init", "--db", db, "--group", group)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"created a store at {db} shared with group {group} with the standard customer metrics")
    assert f"members of {group} can read and write it whatever their umask" in lines[1]
    setgid_dir = f"{db.parent}/ (setgid: new files join the group)"
    assert any(line.strip().startswith("2770 ") and line.endswith(setgid_dir) for line in lines), \
        result.stdout
    for name in ("store.json", "store.json.lock", "store.json.d/audit.jsonl"):
        assert any(line.strip().startswith("0660 ") and f":{group} " in line
                   and line.endswith(f"{db.parent}/{name}") for line in lines), (name, result.stdout)
    _assert_shared(Store(db), grp.getgrnam(group).gr_gid)
    assert Store(db).doctor() == []


def test_every_file_a_write_creates_is_0660_in_the_group_whatever_the_umask(shared, group, monkeypatch):
    gid = grp.getgrnam(group).gr_gid
    seen_in_flight: list[Path] = []
    apply = journal.apply

    def checked_apply(layout, prepared):
        # Between the commit point and the renames: temp files and the journal exist right now.
        entries = _entries(shared)
        seen_in_flight.extend(p for p in entries if ".tmp-" in p.name or p.name == "journal.json")
        _assert_shared(shared, gid)
        return apply(layout, prepared)

    monkeypatch.setattr(journal, "apply", checked_apply)
    old = os.umask(0o077)
    try:
        for month in (1, 2, 3):
            shared.record("nps", month, department="sales", date=date(2026, month, 5))
        reading = shared.record("nps", 9, department="sales", date=date(2026, 3, 6))
        shared.update(reading.model_copy(update={"value": 10}))  # rotates backups of the partition
    finally:
        os.umask(old)
    assert any(p.name == "journal.json" for p in seen_in_flight)
    assert any(".tmp-" in p.name for p in seen_in_flight)
    assert list(shared.layout.backups_dir.iterdir()), "expected backups"
    _assert_shared(shared, gid)
    assert shared.doctor() == []
    assert len(shared.list(Reading)) == 4


def _run_fix(message: str) -> None:
    command = message.rsplit("(fix: ", 1)[1].removesuffix(")") if "(fix: " in message else \
        message.rsplit("(fix them all: ", 1)[1].removesuffix(")")
    subprocess.run(["sh", "-c", command], check=True)


def test_doctor_names_a_lock_file_members_cannot_take_and_the_fix(shared):
    os.chmod(shared.layout.lock, 0o640)
    problems = mode_problems(shared.layout)
    assert len(problems) == 1
    assert problems[0].level == "error"
    assert "cannot take the lock" in problems[0].message
    assert f"(fix: chmod 660 {shared.layout.lock})" in problems[0].message
    _run_fix(problems[0].message)
    assert shared.doctor() == []


def test_doctor_names_a_directory_without_setgid_and_the_fix(shared):
    os.chmod(shared.layout.readings_dir, 0o770)
    problems = mode_problems(shared.layout)
    assert [p.level for p in problems] == ["error"]
    assert "not setgid, so new files get their creator's group" in problems[0].message
    assert f"(fix: chmod 2770 {shared.layout.readings_dir})" in problems[0].message
    _run_fix(problems[0].message)
    assert shared.doctor() == []


def test_a_store_whose_top_directory_lost_setgid_is_still_known_as_shared(shared, group):
    os.chmod(shared.path.parent, 0o770)
    problems = mode_problems(shared.layout)
    assert len(problems) == 1
    assert f"expected 2770 in a store shared with group {group}" in problems[0].message
    _run_fix(problems[0].message)
    assert shared.doctor() == []


def test_doctor_names_files_outside_the_group_and_the_fix(shared, group):
    primary = grp.getgrgid(os.getegid()).gr_name
    shared.record("nps", 1, department="sales", date=date(2026, 2, 1))
    partition = shared.layout.partition("2026-02")
    os.chown(partition, -1, os.getegid())
    problems = mode_problems(shared.layout)
    assert len(problems) == 1
    assert problems[0].level == "error"
    assert f"{partition} is in group {primary}" in problems[0].message
    assert f"(fix: chgrp {group} {partition})" in problems[0].message
    _run_fix(problems[0].message)
    assert shared.doctor() == []


def test_doctor_through_the_cli_exits_1_with_one_line_per_problem(shared, cli):
    os.chmod(shared.layout.audit, 0o600)
    result = cli("doctor", "--db", shared.path)
    assert result.exit_code == 1
    group = sharing.group_name(sharing.shared_group(shared.layout))
    assert result.stderr.splitlines() == [(
        f"error: file {shared.layout.audit} has mode 600, expected 660: members of {group} cannot write it "
        f"(fix: chmod 660 {shared.layout.audit})"
    )]


def test_many_problems_are_summed_up_with_one_command_that_fixes_them_all(shared):
    for month in range(1, 13):
        shared.record("nps", month, department="sales", date=date(2026, month, 1))
    for path in shared.layout.partitions().values():
        os.chmod(path, 0o644)
    os.chmod(shared.layout.backups_dir, 0o750)
    problems = mode_problems(shared.layout)
    assert len(problems) == 11
    assert problems[-1].message.startswith("and ")
    assert "fix them all: chgrp -R" in problems[-1].message
    _run_fix(problems[-1].message)
    assert shared.doctor() == []


def test_a_private_store_only_gets_warnings_for_modes(tmp_path):
    store = seeded_store(tmp_path)
    assert sharing.shared_group(store.layout) is None
    os.chmod(store.path, 0o644)
    problems = mode_problems(store.layout)
    assert [(p.level, p.message) for p in problems] == [
        ("warning", f"file {store.path} has mode 644, expected 660 (fix: chmod 660 {store.path})")
    ]


def test_init_with_group_refuses_a_directory_holding_other_files(cli, tmp_path, group):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".profile").write_text("")
    before = stat.S_IMODE(home.stat().st_mode)
    result = cli("init", "--db", home / "store.json", "--group", group)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {home} holds other files (.profile); --group makes")
    assert f"--db {home}/cxtui/store.json" in result.stderr
    assert stat.S_IMODE(home.stat().st_mode) == before
    assert sorted(p.name for p in home.iterdir()) == [".profile"]


def test_init_with_group_refuses_a_sticky_directory(cli, tmp_path, group):
    public = tmp_path / "public"
    public.mkdir(mode=0o1777)
    os.chmod(public, 0o1777)
    result = cli("init", "--db", public / "store.json", "--group", group)
    assert result.exit_code == 1
    assert "is a shared sticky directory" in result.stderr
    assert stat.S_IMODE(public.stat().st_mode) == 0o1777


def test_init_with_group_accepts_a_directory_prepared_for_it(cli, tmp_path, group):
    prepared = tmp_path / "srv" / "cx"
    prepared.mkdir(parents=True)
    os.chown(prepared, -1, grp.getgrnam(group).gr_gid)
    os.chmod(prepared, 0o2770)
    result = cli("init", "--db", prepared / "store.json", "--group", group)
    assert result.exit_code == 0, result.output


def test_share_directory_leaves_a_directory_that_is_already_right_alone(tmp_path, group, monkeypatch):
    gid = grp.getgrnam(group).gr_gid
    directory = tmp_path / "d"
    directory.mkdir()
    sharing.share_directory(directory, gid)
    assert (directory.stat().st_gid, stat.S_IMODE(directory.stat().st_mode)) == (gid, 0o2770)

    def refuse(*_args):
        raise PermissionError("not the owner")

    monkeypatch.setattr(os, "chown", refuse)
    monkeypatch.setattr(os, "chmod", refuse)
    sharing.share_directory(directory, gid)  # a member who does not own it can still run init


def test_unknown_group_is_refused_before_anything_is_created(tmp_path):
    with pytest.raises(StoreError, match="no Unix group named 'no-such-group-x'"):
        sharing.check_shareable(tmp_path / "cx" / "store.json", "no-such-group-x")
    assert not (tmp_path / "cx").exists()
