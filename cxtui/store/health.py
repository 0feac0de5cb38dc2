"""Health checks behind `cxtui doctor`: dangling references, file modes and groups."""

from __future__ import annotations

import os
import re
import shlex
import stat
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel

from cxtui.models import AuditEntry, Metric, Snapshot
from cxtui.store import auditlog, fsio, sharing
from cxtui.store.files import Layout


class Problem(BaseModel):
    level: Literal["error", "warning"]
    message: str


def reference_problems(snapshot: Snapshot) -> list[Problem]:
    depts = {d.id for d in snapshot.departments}
    metrics = {m.id: m for m in snapshot.metrics}
    objectives = {o.id for o in snapshot.objectives}
    problems = []

    def bad(message: str) -> None:
        problems.append(Problem(level="error", message=message))

    for goal in snapshot.goals:
        if goal.department not in depts:
            bad(f"goal {goal.id} names unknown department {goal.department}")
        if goal.metric not in metrics:
            bad(f"goal {goal.id} names unknown metric {goal.metric}")
        for objective in goal.objectives:
            if objective not in objectives:
                bad(f"goal {goal.id} names unknown objective {objective}")
    for incentive in snapshot.incentives:
        if incentive.department not in depts or incentive.metric not in metrics:
            bad(f"incentive {incentive.id} names an unknown department or metric")
    goals, flags = {g.id for g in snapshot.goals}, {f.id for f in snapshot.flags}
    for item in snapshot.actions:
        if item.department not in depts:
            bad(f"action item {item.id} names unknown department {item.department}")
        if item.goal is not None and item.goal not in goals:
            bad(f"action item {item.id} names unknown goal {item.goal}")
        if item.flag is not None and item.flag not in flags:
            bad(f"action item {item.id} names unknown flag {item.flag}")
    for reading in snapshot.readings:
        problems += reading_reference_problems(reading.model_dump(mode="json"), metrics, depts)
    return problems


def reading_reference_problems(doc: dict[str, Any], metrics: dict[str, Metric], depts: set[str]) -> list[Problem]:
    """What reference_problems says of one reading, from its stored document (doctor streams them)."""
    found = []
    metric = metrics.get(doc["metric"])
    if metric is None:
        found.append(f"reading {doc['id']} names unknown metric {doc['metric']}")
    elif metric.scale and not metric.scale.contains(doc["value"]):
        found.append(f"reading {doc['id']} value {doc['value']:g} is outside the scale of {metric.id}")
    if doc["department"] is not None and doc["department"] not in depts:
        found.append(f"reading {doc['id']} names unknown department {doc['department']}")
    return [Problem(level="error", message=m) for m in found]


_SHOWN = 10  # problems listed one by one; the rest are summed up with one command fixing all


def mode_problems(layout: Layout) -> list[Problem]:
    """Files not 0660; in a group-shared store also files or directories outside the store's group
    and directories without setgid. Each problem names the command that fixes it."""
    gid = sharing.shared_group(layout)
    group = sharing.group_name(gid) if gid is not None else None
    problems: list[Problem] = []
    for path, st in sharing.store_paths(layout):
        if stat.S_ISLNK(st.st_mode):
            if path != layout.main.parent:  # which its owner may have made a link; members cannot
                problems.append(Problem(level="error", message=(
                    f"{path} is a symbolic link; the store never makes links and refuses to use them "
                    f"(fix: rm {shlex.quote(str(path))}, then restore the file from backups if needed)")))
            continue
        if stat.S_ISDIR(st.st_mode):
            problems += _dir_problems(path, st, gid, group)
        else:
            problems += _file_problems(layout, path, st, gid, group)
    if len(problems) > _SHOWN:
        fix = _fix_everything(layout, group)
        problems = problems[:_SHOWN] + [Problem(
            level=max((p.level for p in problems[_SHOWN:]), key=("warning", "error").index),
            message=f"and {len(problems) - _SHOWN} more like these (fix them all: {fix})",
        )]
    return problems


def _dir_problems(path: Path, st: os.stat_result, gid: int | None, group: str | None) -> list[Problem]:
    if gid is None:
        return []  # a private store's directories are its owner's business
    problems = []
    quoted = shlex.quote(str(path))
    if st.st_gid != gid:
        problems.append(Problem(level="error", message=(
            f"directory {path} is in group {sharing.group_name(st.st_gid)}, not the store's group {group}: "
            f"members may not create files in it (fix: chgrp {group} {quoted})")))
    mode = stat.S_IMODE(st.st_mode)
    if mode & sharing.SHARED_DIR_MODE != sharing.SHARED_DIR_MODE:
        why = "not setgid, so new files get their creator's group" if not mode & stat.S_ISGID else \
            "not group-writable"
        problems.append(Problem(level="error", message=(
            f"directory {path} has mode {mode:04o}, expected {sharing.SHARED_DIR_MODE:04o} in a store "
            f"shared with group {group}: {why} (fix: chmod {sharing.SHARED_DIR_MODE:o} {quoted})")))
    return problems


def _file_problems(layout: Layout, path: Path, st: os.stat_result, gid: int | None,
                   group: str | None) -> list[Problem]:
    problems = []
    quoted = shlex.quote(str(path))
    what = "lock file" if path == layout.lock else "file"
    if gid is not None and st.st_gid != gid:
        problems.append(Problem(level="error", message=(
            f"{what} {path} is in group {sharing.group_name(st.st_gid)} "
            f"(owner {sharing.user_name(st.st_uid)}), not the store's group {group} "
            f"(fix: chgrp {group} {quoted})")))
    mode = stat.S_IMODE(st.st_mode)
    if mode != fsio.FILE_MODE:
        locked_out = gid is not None and mode & 0o060 != 0o060
        if locked_out and path == layout.lock:
            why = f": members of {group} cannot take the lock, so they can neither read nor write the store"
        elif locked_out:
            why = f": members of {group} cannot write it"
        else:
            why = ""
        problems.append(Problem(level="error" if locked_out else "warning", message=(
            f"{what} {path} has mode {mode:03o}, expected {fsio.FILE_MODE:o}{why} "
            f"(fix: chmod 660 {quoted})")))
    return problems


def _fix_everything(layout: Layout, group: str | None) -> str:
    top = shlex.quote(str(layout.main.parent))
    files = " ".join(shlex.quote(str(p)) for p in (layout.main, layout.lock))
    data = shlex.quote(str(layout.data_dir))
    chmod_files = f"chmod 660 {files} && find {data} -type f -exec chmod 660 {{}} +"
    if group is None:
        return chmod_files
    return (f"chgrp -R {group} {top} && chmod {sharing.SHARED_DIR_MODE:o} {top} && "
            f"find {data} -type d -exec chmod {sharing.SHARED_DIR_MODE:o} {{}} + && {chmod_files}")


# What the store itself puts in its data directory, by folder (relative to store.json.d). Anything
# else there was put by someone, by hand or by a newer cxtui.
_SLUG_JSON = r"[a-z0-9][a-z0-9_-]{0,39}\.json"
_OURS = {
    ".": re.compile(r"audit\.jsonl|journal\.json|journal\.json\.rejected-.+"),
    "audit": re.compile(r"\d{6,9}(-\d{4}\.jsonl\.gz|\.jsonl)"),
    "readings": None,  # only month folders (checked as directories)
    "readings/*": re.compile(r"\d{4}-\d{2}(\.\d+)?\.json"),
    "series": re.compile(_SLUG_JSON),
    "backups": re.compile(rf"(readings-\d{{4}}-\d{{2}}(\.\d+)?\.json|series-{_SLUG_JSON}|[^/]+\.json)\.\d+"),
    "presence": re.compile(r"[^/]+\.json"),
}
_OUR_DIRS = {".": {"readings", "series", "backups", "presence", "audit"}, "readings": re.compile(r"\d{4}-\d{2}")}


def foreign_problems(layout: Layout) -> list[Problem]:
    """Files and folders in the store's data directory that cxtui does not write there.

    Every group member can create files in the store's folders; doctor names what does not belong
    (links are named by mode_problems), so an admin can see what someone left."""
    problems = []
    for path, st in sharing.store_paths(layout):
        if stat.S_ISLNK(st.st_mode) or not path.is_relative_to(layout.data_dir) or path == layout.data_dir:
            continue
        relative = path.relative_to(layout.data_dir)
        folder = relative.parent.as_posix()
        folder = "readings/*" if folder.startswith("readings/") else folder
        if stat.S_ISDIR(st.st_mode):
            allowed = _OUR_DIRS.get(folder)
            ours = allowed is not None and (relative.name in allowed if isinstance(allowed, set)
                                            else bool(allowed.fullmatch(relative.name)))
        elif stat.S_ISREG(st.st_mode):
            pattern = _OURS.get(folder)
            ours = pattern is not None and bool(pattern.fullmatch(relative.name))
        else:
            ours = False
        if not ours:
            kind = "folder" if stat.S_ISDIR(st.st_mode) else "file" if stat.S_ISREG(st.st_mode) else "special file"
            problems.append(Problem(level="error", message=(
                f"{kind} {path} is not one cxtui writes (owner {sharing.user_name(st.st_uid)}); "
                f"someone put it in the store: inspect it and remove it")))
    return problems


_READINGS_SHOWN = 10  # readings changed outside cxtui listed one by one; the rest are counted


def audit_problems(snapshot: Snapshot, last: dict[tuple[str, str], AuditEntry]) -> list[Problem]:
    """Records other than readings that differ from what the audit trail says the last change left
    behind (`last`: the newest entry per (entity, id)): changed, added or removed outside cxtui (a
    hand edit of store.json adding an admin, say). Readings: reading_audit_problems."""
    current = {
        (entity, record.id): record.model_dump(mode="json")
        for entity, records in (("department", snapshot.departments), ("metric", snapshot.metrics),
                                ("objective", snapshot.objectives), ("goal", snapshot.goals),
                                ("incentive", snapshot.incentives), ("tension", snapshot.tensions),
                                ("flag", snapshot.flags), ("dismissal", snapshot.dismissals),
                                ("link", snapshot.links), ("initiative", snapshot.initiatives),
                                ("action", snapshot.actions), ("meeting", snapshot.meetings),
                                ("settings", [snapshot.settings] if snapshot.settings.version else []))
        for record in records
    }
    problems = []
    for (entity, record_id), doc in sorted(current.items()):
        entry = last.get((entity, record_id))
        if entry is None or entry.after is None:
            problems.append(_outside(f"{entity} {record_id} is in the store but the audit trail has no change that "
                                     f"made it (added outside cxtui)"))
        elif entry.after != doc:
            fields = sorted(k for k in {*doc, *entry.after} if doc.get(k) != entry.after.get(k))
            problems.append(_outside(
                f"{entity} {record_id} differs from its last audited state ({entry.id} by {entry.by}) in "
                f"{'; '.join(_difference(k, entry.after.get(k), doc.get(k)) for k in fields)}: changed outside cxtui"))
    for (entity, record_id), entry in sorted(last.items()):
        if entry.after is not None and (entity, record_id) not in current:
            problems.append(_outside(f"{entity} {record_id} is gone from the store but the audit trail has no delete "
                                     f"of it (removed outside cxtui)"))
    return problems


def _outside(message: str) -> Problem:
    return Problem(level="error", message=message + "; restore it from the audit trail or a backup, or ask who "
                   "changed it (cxtui export audit)")


# --- readings against the audit trail, in bounded memory --------------------------------------------
#
# A million readings and their entries do not fit in doctor's memory as two dictionaries. Both sides
# are summed instead, per bucket of reading ids: the count and the sum of digests of the readings the
# store holds, and of those the trail's newest entry per reading leaves behind. Equal buckets hold
# the same readings (a difference hiding in a sum of 128-bit digests is not found by chance); only
# the readings of unequal buckets are then compared one by one.

BUCKETS = 256


def bucket(record_id: str) -> int:
    return hash(record_id) & (BUCKETS - 1)


class Tally:
    def __init__(self) -> None:
        self.counts = [0] * BUCKETS
        self.sums = [0] * BUCKETS

    def add(self, id_hash: int, weight: int) -> None:
        """Count a reading: `id_hash` is hash() of its id, `weight` weight() of its digest."""
        b = id_hash & (BUCKETS - 1)
        self.counts[b] += 1
        self.sums[b] += weight

    def differing(self, other: Tally) -> set[int]:
        return {b for b in range(BUCKETS)
                if (self.counts[b], self.sums[b]) != (other.counts[b], other.sums[b])}


def weight(hex_digest: str) -> int:
    """What a digest adds to its bucket's sum: its first 128 bits."""
    return int(hex_digest[:32], 16)


class AuditReading(NamedTuple):
    """A reading's newest audit entry: its id, who made it, the digest it left (None: deleted)."""

    entry: str
    by: str
    digest: str | None


class TrailScan(NamedTuple):
    tally: Tally  # of the readings the trail leaves behind
    last: dict[tuple[str, str], AuditEntry]  # newest entry of every other record
    bad: list[auditlog.Line]  # lines that are no entry


def scan_trail(layout: Layout) -> TrailScan:
    """One pass over the trail from its end: the newest entry of each record is the first met."""
    tally, last, bad = Tally(), {}, []
    seen: set[int] = set()  # hash() of reading ids met; a collision only sends a bucket to the exact check

    def count(record_id: str, digest: str | None) -> None:
        key = hash(record_id)
        if key not in seen:
            seen.add(key)
            if digest is not None:
                tally.add(key, weight(digest))

    for path, compressed, live in reversed(auditlog.files(layout)):
        if compressed:
            piece = auditlog.piece_text(path)
            created = auditlog.created_readings(piece)
            if created is not None:  # a piece of created readings' entries only: the common case
                for record_id, digest in reversed(created):
                    count(record_id, digest)
                continue
        for line in auditlog.file_lines(path, compressed, reverse=True, live=live):
            found = auditlog.created_reading(line.text)
            if found is not None:
                count(*found)
                continue
            try:
                entry = auditlog.parse(line.text)
            except ValueError:
                bad.append(line)
                continue
            if entry.entity == "reading":
                count(entry.entity_id, auditlog.reading_digest(entry))
            else:
                last.setdefault((entry.entity, entry.entity_id), entry)
    return TrailScan(tally, last, bad)


def audited_readings(layout: Layout, buckets: set[int]) -> dict[str, AuditReading]:
    """The newest entry of each reading whose id falls in `buckets`."""
    found: dict[str, AuditReading] = {}
    for line in auditlog.lines(layout, reverse=True):
        try:
            entry = auditlog.parse(line.text)
        except ValueError:
            continue
        if entry.entity == "reading" and bucket(entry.entity_id) in buckets and entry.entity_id not in found:
            found[entry.entity_id] = AuditReading(entry.id, entry.by, auditlog.reading_digest(entry))
    return found


def reading_audit_problems(audited: dict[str, AuditReading], stored: dict[str, str]) -> list[Problem]:
    """Readings the store holds (`stored`: id -> digest of its document) that no audited change
    left there, or that differ from it, and audited readings that are gone."""
    lines = [f"reading {record_id} is in the store but no audited change made it"
             for record_id in sorted(stored.keys() - audited.keys())]
    for record_id, entry in sorted(audited.items()):
        held = stored.get(record_id)
        if entry.digest is None and held is not None:
            lines.append(f"reading {record_id} is in the store but its last audited change ({entry.entry} by "
                         f"{entry.by}) deleted it")
        elif entry.digest is not None and held is None:
            lines.append(f"reading {record_id} is gone but the audit trail has no delete of it")
        elif entry.digest is not None and held != entry.digest:
            lines.append(f"reading {record_id} differs from its last audited state ({entry.entry} by {entry.by})")
    problems = [_outside(line + " (changed outside cxtui)") for line in lines[:_READINGS_SHOWN]]
    if len(lines) > _READINGS_SHOWN:
        problems.append(_outside(f"and {len(lines) - _READINGS_SHOWN} more readings changed outside cxtui"))
    return problems


def _difference(field: str, audited: object, now: object) -> str:
    """"admins (now ['kim', 'mal'], audited ['kim'])", or the field alone when the values are long.
    The values are records the store validated on read, so they hold no control characters."""
    shown = f"{field} (now {now!r}, audited {audited!r})"
    return shown if len(shown) <= 160 else field


def duplicate_reading_problems(twice: set[str]) -> list[Problem]:
    return [Problem(level="error", message=f"reading id {record_id} is held by more than one reading "
                    f"(files edited outside cxtui); export readings, remove one, and check the values")
            for record_id in sorted(twice)]
