"""All-or-nothing commits that span several files (entity tables, reading partitions, audit).

A commit writes every new file version to a temp file, then atomically writes a journal naming
them; that journal write is the commit point. Applying it renames each temp file over its target
and appends the audit lines. A writer that dies before the journal lands leaves only temp files
(removed by the next writer: the old version stands); one that dies after is rolled forward by the
next process that takes the lock (the new version stands). Applying is idempotent: renames skip
temp files already moved, and the audit file is cut back to its size at commit before appending.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import orjson

from cxtui.store import fsio
from cxtui.store.layout import BACKUPS_KEPT, Layout


def prepare(layout: Layout, tx: str, files: dict[Path, bytes], audit_lines: bytes) -> dict:
    """Write the new versions and the journal. Once this returns, the commit has happened."""
    written: list[tuple[Path, Path]] = []
    # Month folders of readings are not in layout.directories (there are many); clean the ones
    # this commit writes into of temp files a dead writer left.
    fsio.remove_temp_files({t.parent for t in files} - set(layout.directories))
    try:
        for target, data in files.items():
            fsio.ensure_dir(target.parent)
            tmp = fsio.temp_path_for(target)
            fsio.write_new(tmp, data)
            written.append((tmp, target))
        audit_offset = layout.audit.stat().st_size if layout.audit.exists() else 0
        journal = {
            "tx": tx,
            "files": [[str(t.relative_to(layout.main.parent)), tmp.name] for tmp, t in written],
            "audit_offset": audit_offset,
            "audit": audit_lines.decode(),
        }
        fsio.atomic_write(layout.journal, orjson.dumps(journal))
    except BaseException:
        for tmp, _ in written:
            fsio.unlink_quietly(tmp)
        raise
    return journal


def recover(layout: Layout) -> bool:
    """Finish a commit a dead writer left behind, then remove stray temp files. Needs the lock."""
    recovered = False
    try:
        raw = layout.journal.read_bytes()
    except FileNotFoundError:
        raw = None
    if raw is not None:
        try:
            journal = orjson.loads(raw)
        except orjson.JSONDecodeError:
            # Cannot happen through atomic_write; if it does, the commit never completed.
            journal = None
        if journal is None:
            os.unlink(layout.journal)
        else:
            apply(layout, journal)
            recovered = True
    fsio.remove_temp_files(layout.directories)
    return recovered


def apply(layout: Layout, journal: dict) -> None:
    """Make a prepared commit visible: rename every file into place, append the audit lines."""
    touched_dirs: set[Path] = set()
    for target_rel, tmp_name in journal["files"]:
        target = layout.main.parent / target_rel
        tmp = target.with_name(tmp_name)
        if not tmp.exists():
            continue  # already applied before a crash
        _rotate_backups(layout, target)
        os.replace(tmp, target)
        touched_dirs.add(target.parent)
    for directory in touched_dirs:
        fsio.fsync_dir(directory)
    if journal["audit"]:
        fsio.ensure_dir(layout.audit.parent)
        fsio.append_durably(layout.audit, journal["audit"].encode(), truncate_to=journal["audit_offset"])
    os.unlink(layout.journal)
    fsio.fsync_dir(layout.data_dir)


def _rotate_backups(layout: Layout, target: Path) -> None:
    """Keep the version about to be replaced as backup 1, shifting older ones down."""
    if not target.exists():
        return
    fsio.ensure_dir(layout.backups_dir)
    for n in range(BACKUPS_KEPT, 1, -1):
        older = layout.backup(target, n - 1)
        if older.exists():
            os.replace(older, layout.backup(target, n))
    newest = layout.backup(target, 1)
    try:
        os.link(target, newest)
    except OSError:
        shutil.copyfile(target, newest)
        os.chmod(newest, fsio.FILE_MODE)
