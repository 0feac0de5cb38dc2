"""A store shared by a Unix group: setgid directories, group ownership.

With the store's directory setgid and group-owned, every file a member creates inherits the
group; the store writes files 0660 explicitly, so any member's umask leaves them group-writable.
"""

from __future__ import annotations

import grp
import os
from collections.abc import Iterable
from pathlib import Path

from cxtui.store.errors import StoreError

SHARED_DIR_MODE = 0o2770


def group_id(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise StoreError(f"no Unix group named {name!r}; create it first (groupadd {name})") from None


def share_directory(directory: Path, gid: int) -> None:
    os.chown(directory, -1, gid)
    os.chmod(directory, SHARED_DIR_MODE)


def share_files(files: Iterable[Path], gid: int) -> None:
    for file in files:
        if file.exists():
            os.chown(file, -1, gid)
