"""A store shared by a Unix group: setgid directories, group ownership.

With the store's directories setgid and group-owned, every file a member creates (data files,
temp files, backups, the lock, heartbeats) inherits the group; the store writes files 0660
explicitly, so any member's umask leaves them group-writable.
"""

from __future__ import annotations

import grp
import os
import pwd
import shlex
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from cxtui.store import fsio
from cxtui.store.errors import StoreError
from cxtui.store.files import Layout

SHARED_DIR_MODE = 0o2770


def group_id(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise StoreError(f"no Unix group named {name!r}; create it first (groupadd {name})") from None


def group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def check_shareable(main: Path, group: str) -> None:
    """Refuse a group set-up that would fail halfway or expose files that are not the store's.

    `init --group` makes the store's directory 2770: done to a home directory or /tmp that would
    hand other people's files to the group (or lock everyone else out of /tmp).
    """
    gid = group_id(group)
    if os.geteuid() != 0 and gid not in (os.getegid(), *os.getgroups()):
        raise StoreError(f"you are not a member of group {group}, so you cannot give it the store "
                         f"(as root: usermod -aG {group} {user_name(os.geteuid())}, then log in again)")
    directory = main.parent
    try:
        st = os.stat(directory)
    except FileNotFoundError:
        return
    if st.st_mode & stat.S_ISVTX:
        raise StoreError(f"{directory} is a shared sticky directory; give the store a directory of its own "
                         f"(e.g. --db {directory / 'cxtui' / main.name})")
    foreign = sorted(e.name for e in os.scandir(directory) if not _belongs_to_store(e.name, main.name))
    if foreign:
        shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
        raise StoreError(f"{directory} holds other files ({shown}); --group makes the store's directory "
                         f"group-owned and 2770, so give the store a directory of its own "
                         f"(e.g. --db {directory / 'cxtui' / main.name})")
    prepared = st.st_gid == gid and stat.S_IMODE(st.st_mode) == SHARED_DIR_MODE
    if not prepared and os.geteuid() not in (0, st.st_uid):
        raise StoreError(f"{directory} belongs to {user_name(st.st_uid)}, so only they or root can give "
                         f"it to group {group} (chgrp {group} {shlex.quote(str(directory))}; "
                         f"chmod 2770 {shlex.quote(str(directory))})")


def _belongs_to_store(name: str, store_name: str) -> bool:
    return name in (store_name, f"{store_name}.lock", f"{store_name}.d") or (
        name.startswith(f".{store_name}") and fsio.TEMP_MARK in name
    )


def share_directory(directory: Path, gid: int) -> None:
    """Make `directory` group-owned by `gid` and 2770; leaves one that already is untouched
    (so a member who does not own a directory root prepared can still run init)."""
    st = os.stat(directory)
    if st.st_gid != gid:
        os.chown(directory, -1, gid)
    if stat.S_IMODE(st.st_mode) != SHARED_DIR_MODE:
        os.chmod(directory, SHARED_DIR_MODE)


def share_files(files: Iterable[Path], gid: int) -> None:
    for file in files:
        try:
            st = os.lstat(file)
        except FileNotFoundError:
            continue
        if stat.S_ISREG(st.st_mode) and st.st_gid != gid:
            os.chown(file, -1, gid, follow_symlinks=False)  # never hand a link's target to the group


def store_paths(layout: Layout) -> Iterator[tuple[Path, os.stat_result]]:
    """The store's directory and every directory and file of the store in it, with their stat.

    Walks the directory tree rather than listing known names, so files a newer layout adds are
    checked too; temp files are skipped (writers remove them, and they come and go).
    """
    for path in (layout.main.parent, layout.main, layout.lock):
        try:
            yield path, os.lstat(path)
        except FileNotFoundError:
            pass
    if not layout.data_dir.is_dir():
        return
    for root, dirs, files in os.walk(layout.data_dir):
        dirs.sort()
        here = Path(root)
        try:
            yield here, os.lstat(here)
        except FileNotFoundError:
            continue
        # os.walk lists a link to a directory among the directories but never enters it.
        links = [name for name in dirs if os.path.islink(here / name)]
        for name in sorted([*files, *links]):
            if fsio.TEMP_MARK in name:
                continue
            try:
                yield here / name, os.lstat(here / name)
            except FileNotFoundError:
                pass


def shared_group(layout: Layout) -> int | None:
    """The group the store is shared with, or None for a private store.

    A store is group-shared when its directory (or any of its sub-directories) is setgid, or when
    its directory was given to a group other than its owner's own; the directory's group is then
    the one every file should have.
    """
    directory = layout.main.parent
    try:
        st = os.stat(directory)
    except FileNotFoundError:
        return None
    if st.st_mode & stat.S_ISGID:
        return st.st_gid
    for path in (layout.data_dir, *[p for p in layout.data_dir.glob("*") if p.is_dir()]):
        try:
            sub = os.stat(path)
        except FileNotFoundError:
            continue
        if sub.st_mode & stat.S_ISGID:
            return sub.st_gid
    try:
        primary = pwd.getpwuid(st.st_uid).pw_gid
    except KeyError:
        return None
    return st.st_gid if st.st_gid != primary else None


def describe(layout: Layout) -> list[str]:
    """One line per directory and file of the store: mode, owner:group, path (what init did)."""
    lines = []
    for path, st in store_paths(layout):
        kind = "directory" if stat.S_ISDIR(st.st_mode) else "file"
        setgid = kind == "directory" and st.st_mode & stat.S_ISGID
        note = " (setgid: new files join the group)" if setgid else ""
        lines.append(f"{stat.S_IMODE(st.st_mode):04o} {user_name(st.st_uid)}:{group_name(st.st_gid)} "
                     f"{path}{'/' if kind == 'directory' else ''}{note}")
    return lines
