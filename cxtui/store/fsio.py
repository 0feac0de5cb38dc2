"""Durable file primitives: atomic replace, directory fsync, temp-file hygiene.

Every write goes to a temp file in the target's own directory (so `os.replace` is atomic), is
fsynced, gets its mode set explicitly (the writer's umask must not decide who can read the
store), and only then replaces the target; the directory is fsynced so the rename survives a
power cut.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path

FILE_MODE = 0o660
DIR_MODE = 0o770
TEMP_MARK = ".tmp-"


def temp_path_for(target: Path) -> Path:
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")


def write_new(path: Path, data: bytes) -> None:
    """Create `path` (must not exist), write `data`, fsync, with mode FILE_MODE."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        unlink_quietly(path)
        raise
    os.close(fd)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(target: Path, data: bytes) -> None:
    """Replace `target` with `data` so that a reader sees wholly the old or wholly the new file."""
    tmp = temp_path_for(target)
    write_new(tmp, data)
    try:
        os.replace(tmp, target)
    except BaseException:
        unlink_quietly(tmp)
        raise
    fsync_dir(target.parent)


def append_durably(path: Path, data: bytes, *, truncate_to: int | None = None) -> None:
    """Append `data` to `path` (created with FILE_MODE), first cutting it back to `truncate_to`."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        if os.fstat(fd).st_size == 0:
            os.fchmod(fd, FILE_MODE)
        if truncate_to is not None:
            os.ftruncate(fd, truncate_to)
        os.lseek(fd, 0, os.SEEK_END)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_dir(directory: Path) -> None:
    if not directory.is_dir():
        directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        # Keep the setgid bit a shared parent may have passed down; add group access explicitly.
        os.chmod(directory, (os.stat(directory).st_mode & 0o7777) | DIR_MODE)
        fsync_dir(directory.parent)  # the new folder's name must survive a crash with its files


def remove_temp_files(directories: Iterable[Path]) -> list[Path]:
    """Delete temp files left by writers that died. Call only while holding the store lock."""
    removed = []
    for directory in directories:
        try:
            entries = list(os.scandir(directory))
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.name.startswith(".") and TEMP_MARK in entry.name and entry.is_file(follow_symlinks=False):
                unlink_quietly(Path(entry.path))
                removed.append(Path(entry.path))
    return removed


def stat_key(path: Path) -> tuple[int, int, int] | None:
    """(inode, mtime_ns, size): changes whenever the file is replaced or appended to."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
