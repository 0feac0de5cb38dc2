"""Where an export may be written besides a file: the process's own streams by name, a named pipe,
a character device. Such a target is written into; a file renamed over it would put a regular file
where the device or pipe was (as root, `cxtui export goals /dev/full` once replaced /dev/full).

No test here names a real device under /dev: a regression would replace it on the machine running
the tests. Devices are made with mknod in a temporary folder (root only).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook

from store_helpers import child_env
from test_cli_record import one_error_line

REPO = Path(__file__).resolve().parents[1]
NULL, FULL, LOOP = os.makedev(1, 3), os.makedev(1, 7), os.makedev(7, 0)

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")


@pytest.fixture
def env(seeded, store_path):
    return {**os.environ, "CXTUI_DB": str(store_path), **child_env(seeded), "PYTHONPATH": str(REPO)}


def _cxtui(args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(f"{sys.executable} -m cxtui.cli {args}", shell=True, cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)


# Not /dev/stdout itself: a regression, run as root, would put a file in its place (the names
# here live in /proc, where no file can be made). The test below shows it names the same stream.
@pytest.mark.parametrize("name", ["/dev/fd/1", "/proc/self/fd/1"])
def test_the_own_stdout_by_name_keeps_the_shells_append(env, tmp_path, name):
    log = tmp_path / "log.csv"
    log.write_text("kept line\n")
    done = _cxtui(f"export goals {name} >> {log}", env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"wrote 2 rows of goals to {name}\n"
    text = log.read_text()
    assert text.startswith("kept line\nid,department,")
    assert text.count("\n") == 4


@pytest.mark.parametrize(("name", "number"), [("/dev/stdout", 1), ("/dev/stderr", 2), ("/dev/fd/0", 0)])
def test_a_standard_stream_by_name_is_that_descriptor(name, number):
    from cxtui.exchange.csv_files import _stream_target

    with _stream_target(Path(name)) as stream:
        found, wanted = os.fstat(stream.fileno()), os.fstat(number)
    assert (found.st_dev, found.st_ino) == (wanted.st_dev, wanted.st_ino)


def test_a_workbook_to_stdout_by_name_is_the_workbook(env, tmp_path):
    out = tmp_path / "book.xlsx"
    done = _cxtui(f"export all /dev/fd/1 --format xlsx > {out}", env)
    assert done.returncode == 0, done.stderr
    assert "goals" in load_workbook(out).sheetnames


def test_a_reader_gone_from_stdout_by_name_is_quiet(env, seeded):
    for day in range(1, 29):
        seeded.record("nps", day, department="sales", date=f"2026-06-{day:02d}")
    done = _cxtui("export readings /proc/self/fd/1 | head -c 10", env)
    assert done.stdout == "metric,dep"
    assert "Traceback" not in done.stderr and "error" not in done.stderr


def test_a_named_pipe_is_written_into_and_stays_a_pipe(seeded, cli, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = cli("export", "goals", fifo)
    reader.join(30)
    assert result.exit_code == 0, result.output
    assert received[0].startswith(b"id,department,")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["pipe", "team"]  # no temp file left beside it


def test_a_link_to_a_pipe_is_replaced_not_followed(seeded, cli, tmp_path):
    """A group member can plant a link where a lead exports; what it points at is never written."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "q4.csv"
    link.symlink_to(fifo)
    result = cli("export", "goals", link)
    assert result.exit_code == 0, result.output
    assert stat.S_ISREG(os.lstat(link).st_mode)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@needs_root
@pytest.mark.parametrize("what", ["goals", "all"])
def test_a_character_device_is_written_into_and_stays_a_device(seeded, cli, tmp_path, what):
    device = tmp_path / "null"
    os.mknod(device, 0o666 | stat.S_IFCHR, NULL)
    result = cli("export", what, device, "--format", "xlsx")
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["null", "team"]


@needs_root
@pytest.mark.parametrize(("name", "kind", "number", "message"), [
    ("full", stat.S_IFCHR, FULL, "No space left on device"),
    ("disk", stat.S_IFBLK, LOOP, "is a disk device; give a file name"),
])
def test_a_device_that_cannot_take_the_export_is_an_error_naming_it(seeded, cli, tmp_path, name, kind, number,
                                                                     message):
    device = tmp_path / name
    os.mknod(device, 0o600 | kind, number)
    result = cli("export", "goals", device)
    assert result.exit_code == 1
    assert one_error_line(result) == f"error: {device}: {message}"
    assert stat.S_IFMT(os.lstat(device).st_mode) == kind
