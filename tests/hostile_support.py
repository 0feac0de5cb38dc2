"""What test_hostile_real.py needs besides sharing_support: fingerprints of the files a hostile
member must not reach, cxtui run as root, and the parts of a tmux pane a victim's terminal shows
(escapes, title, exit status).
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import signal
import stat
import subprocess
from pathlib import Path

from sharing_support import CLEAN_ENV, Runtime, Tmux

ROOT_ENV = {**CLEAN_ENV, "HOME": "/root", "USER": "root", "LOGNAME": "root"}
ESC = "\x1b"


def fingerprint(*roots: Path) -> dict[str, tuple]:
    """Type, mode, owner, size, mtime and content (or link text) of every entry under `roots`,
    links not followed: equal fingerprints mean not a byte, mode or name changed."""
    state: dict[str, tuple] = {}

    def add(path: Path) -> None:
        st = os.lstat(path)
        entry: tuple = (stat.S_IFMT(st.st_mode), oct(stat.S_IMODE(st.st_mode)), st.st_uid, st.st_gid,
                        st.st_size, st.st_mtime_ns)
        if stat.S_ISREG(st.st_mode):
            entry += (hashlib.sha256(path.read_bytes()).hexdigest(),)
        elif stat.S_ISLNK(st.st_mode):
            entry += (os.readlink(path),)
        state[str(path)] = entry

    for root in roots:
        add(root)
        for directory, dirs, files in os.walk(root):
            for name in sorted([*dirs, *files]):
                add(Path(directory, name))
    return state


def changed(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def run_root(runtime: Runtime, *args: object, env: dict[str, str] | None = None,
             timeout: float = 60) -> subprocess.CompletedProcess:
    """cxtui run by root itself, as a sysadmin would from a root shell."""
    return subprocess.run(["sh", "-c", f"cd / && {runtime.command(*args)}"], env={**ROOT_ENV, **(env or {})},
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                          check=False)


def one_error_line(result: subprocess.CompletedProcess) -> bool:
    """A refusal the way cxtui promises one: exit 1, one `error:` line on stderr, no traceback."""
    lines = result.stderr.splitlines()
    return result.returncode == 1 and len(lines) == 1 and lines[0].startswith("error: ")


def shell_words(*words: object) -> str:
    return " ".join(shlex.quote(str(w)) for w in words)


EXITED = "cxtui-test-exited:"


class Terminal(Tmux):
    """tmux panes as the victim's terminal: what it shows with escapes, its title, how it ended.

    A TUI hung by a hostile file outlives tmux's hangup, so `kill` also ends each pane's command and
    every process it started, by their ids."""

    def __init__(self, base: Path) -> None:
        super().__init__(base)
        self.panes: dict[str, int] = {}

    def open(self, name: str, argv: list[str], *, width: int = 80, height: int = 24) -> None:
        super().open(name, argv, width=width, height=height)
        self.panes[name] = int(self._tmux("display-message", "-p", "-t", name, "#{pane_pid}").stdout)

    def kill(self) -> None:
        # Found before tmux ends the panes and they become orphans; only live panes, whose ids
        # cannot have been reused.
        processes = _descendants({pid for name, pid in self.panes.items() if self.alive(name)})
        super().kill()
        for pid in processes:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.panes = {}

    def screen_with_escapes(self, name: str) -> str:
        return self._tmux("capture-pane", "-p", "-e", "-t", name).stdout

    def title(self, name: str) -> str:
        return self._tmux("display-message", "-p", "-t", name, "#{pane_title}").stdout.rstrip("\n")

    def exit_status(self, name: str) -> int | None:
        """The exit status of the pane's command once it has ended, else None.

        The command prints it (EXITED + status) as its last words: tmux marks a pane dead when its
        terminal closes, and was seen to leave #{pane_dead_status} empty for good when the command
        ran under runuser, although every process had ended."""
        found = re.findall(rf"^{re.escape(EXITED)}(\d+)$", self.screen(name), re.M)
        if found:
            return int(found[-1])
        out = self._tmux("display-message", "-p", "-t", name, "#{pane_dead}:#{pane_dead_status}",
                         check=False).stdout.strip()
        dead, _, status = out.partition(":")
        return int(status) if dead == "1" and status else None


def _descendants(roots: set[int]) -> list[int]:
    """The processes started, directly or not, by the processes `roots` (which are included)."""
    parent = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # After the command's closing parenthesis: state, ppid, ...
                parent[int(entry.name)] = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found = set(roots) & parent.keys()
    grew = True
    while grew:
        more = {pid for pid, ppid in parent.items() if ppid in found} - found
        found |= more
        grew = bool(more)
    return sorted(found)
