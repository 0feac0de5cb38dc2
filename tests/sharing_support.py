"""Real Unix users, a real OpenSSH server and tmux for test_sharing_real.py (needs root).

Everything lives in one throwaway directory under /tmp (pytest's own tmp dirs are 0700 root, which
other users cannot enter); users, group, server and tmux sessions are removed or stopped at the end.
Processes are stopped by the ids this module started, never by name.
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import cxtui

# Whatever the caller's environment says, commands run as the test users get only this: no
# CXTUI_USER or CXTUI_DB may leak in and decide who they are or which store they use.
CLEAN_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C.UTF-8"}


# `.ci/run` installs what the real-user tests need and sets this, so that CI never skips them silently.
REQUIRE_ENV = "CXTUI_REAL_TESTS"


def missing_tools() -> list[str]:
    needed = ["useradd", "userdel", "groupadd", "groupdel", "runuser", "ssh", "ssh-keygen", "tmux"]
    missing = [tool for tool in needed if shutil.which(tool, path=CLEAN_ENV["PATH"]) is None]
    return missing + ([] if os.path.exists("/usr/sbin/sshd") else ["/usr/sbin/sshd"])


@contextmanager
def throwaway_base(prefix: str) -> Iterator[Path]:
    """A directory under /tmp every test user can enter (pytest's own are 0700 root), removed at the
    end; skips or fails first when the machine cannot run real-user tests."""
    need_real_environment()
    directory = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    os.chmod(directory, 0o755)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def throwaway_team(base: Path, shorts: list[str]) -> Iterator[Team]:
    team = Team(base)
    try:
        team.create(shorts)
        yield team
    finally:
        left = team.remove()
        assert not left, f"could not remove {left}"


@contextmanager
def running_sshd(base: Path, team: Team) -> Iterator[Sshd]:
    server = Sshd(base, list(team.users.values()))
    try:
        server.start()
        yield server
    finally:
        server.stop()


def need_real_environment() -> None:
    """Skip unless this is root with every tool the real-user tests use; fail instead when the run
    requires them (`CXTUI_REAL_TESTS=require`), so a fresh machine passes and CI cannot skip them."""
    import pytest

    problems = []
    if os.geteuid() != 0:
        problems.append("needs root to create throwaway Unix users and start sshd on loopback")
    missing = missing_tools()
    if missing:
        problems.append(f"missing {', '.join(missing)} (apt-get install openssh-server openssh-client tmux)")
    if not problems:
        return
    reason = "; ".join(problems)
    if os.environ.get(REQUIRE_ENV) == "require":
        pytest.fail(f"{reason}; {REQUIRE_ENV}=require says these tests must run", pytrace=False)
    pytest.skip(reason)


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("timeout", 60)
    return subprocess.run(argv, env=CLEAN_ENV, capture_output=True, text=True, check=True, **kwargs)


# --- users ---------------------------------------------------------------------------------------


@dataclass
class Team:
    """A throwaway group and its members (login names), removed by `remove`."""

    base: Path
    group: str = ""
    users: dict[str, str] = field(default_factory=dict)  # short name ("kim") -> login ("cxt_kim")
    _created_group: bool = False

    def login(self, short: str) -> str:
        return self.users[short]

    @property
    def gid(self) -> int:
        return grp.getgrnam(self.group).gr_gid

    def create(self, shorts: list[str]) -> None:
        suffix = ""
        while any(_exists(f"cxt_{s}{suffix}") for s in shorts) or _group_exists(f"cxt_leads{suffix}"):
            suffix = f"_{secrets.token_hex(2)}"  # never touch an account that is not ours
        self.group = f"cxt_leads{suffix}"
        _run(["groupadd", self.group])
        self._created_group = True
        homes = self.base / "home"
        homes.mkdir(mode=0o755, exist_ok=True)
        for short in shorts:
            login = f"cxt_{short}{suffix}"
            _run(["useradd", "--create-home", "--home-dir", str(homes / login), "--shell", "/bin/sh",
                  "--user-group", "--groups", self.group, login])
            self.users[short] = login
            # '*' rather than useradd's '!': without PAM, sshd refuses a locked ('!') account even
            # for key logins; '*' still allows no password.
            _run(["usermod", "--password", "*", login])

    def remove(self) -> list[str]:
        """Remove users and group; returns what could not be removed (reported, not raised)."""
        left = []
        for login in self.users.values():
            for argv in (["userdel", login], ["userdel", "--force", login]):
                if subprocess.run(argv, env=CLEAN_ENV, capture_output=True, check=False).returncode == 0:
                    break
            else:
                left.append(login)
        if self._created_group:
            done = subprocess.run(["groupdel", self.group], env=CLEAN_ENV, capture_output=True, check=False)
            if done.returncode != 0:
                left.append(self.group)
        return left


def _exists(login: str) -> bool:
    try:
        pwd.getpwnam(login)
    except KeyError:
        return _group_exists(login)  # useradd --user-group also needs the group name free
    return True


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


# --- how another user runs cxtui -----------------------------------------------------------------


@dataclass
class Runtime:
    """The shell words that run cxtui for any user: this venv if they can read it, else a copy."""

    prefix: str
    copied: bool = False

    def command(self, *args: object) -> str:
        return f"{self.prefix} {' '.join(shlex.quote(str(a)) for a in args)}"


def find_runtime(base: Path, probe_user: str) -> Runtime:
    script = Path(sys.executable).with_name("cxtui")
    direct = Runtime(shlex.quote(str(script)) if script.exists() else
                     f"{shlex.quote(sys.executable)} -m cxtui.cli")
    if _works_for(probe_user, direct):
        return direct
    # Some directory above the interpreter, the venv or the checkout is closed to other users (a
    # pyenv Python or a CI clone under /root): copy what running cxtui needs somewhere they can read.
    copied = _copy_runtime(base / "runtime")
    if not _works_for(probe_user, copied):
        result = run_as(probe_user, copied.command("--version"))
        raise RuntimeError(f"user {probe_user} cannot run cxtui even from a copy: {result.stderr.strip()}")
    return copied


# Compiled __pycache__ files are copied too (with their sources' times, so they stay valid): the
# users cannot write them, and compiling every module on every run would cost seconds per command.
_NOT_NEEDED = shutil.ignore_patterns("site-packages", "test", "tests", "idlelib", "tkinter",
                                     "turtledemo", "ensurepip", "config-*")


def _copy_runtime(target: Path) -> Runtime:
    """The interpreter with its standard library, the installed packages and cxtui itself."""
    stdlib = Path(sysconfig.get_path("stdlib"))
    python = target / "python" / "bin" / Path(os.path.realpath(sys.executable)).name
    python.parent.mkdir(parents=True)
    shutil.copy2(os.path.realpath(sys.executable), python)
    shutil.copytree(stdlib, target / "python" / "lib" / stdlib.name, ignore=_NOT_NEEDED)
    libdir, library = sysconfig.get_config_var("LIBDIR"), sysconfig.get_config_var("LDLIBRARY")
    if libdir and library and library.endswith(".so") and (Path(libdir) / library).exists():
        shared = Path(libdir) / sysconfig.get_config_var("INSTSONAME")
        shutil.copy2(shared if shared.exists() else Path(libdir) / library, target / "python" / "lib")
    shutil.copytree(sysconfig.get_path("purelib"), target / "site-packages")
    shutil.copytree(Path(cxtui.__file__).parent, target / "src" / "cxtui")
    _run(["chmod", "-R", "a+rX", str(target)])
    path = f"{target / 'src'}:{target / 'site-packages'}"
    libraries = shlex.quote(str(target / "python" / "lib"))
    return Runtime(f"env PYTHONPATH={shlex.quote(path)} LD_LIBRARY_PATH={libraries} "
                   f"{shlex.quote(str(python))} -m cxtui.cli", copied=True)


def _works_for(user: str, runtime: Runtime) -> bool:
    return run_as(user, runtime.command("--version")).returncode == 0


def run_as(user: str, command: str, *, umask: str = "022",
           timeout: float = 60) -> subprocess.CompletedProcess:
    """Run a shell command as `user` (su-style: USER, LOGNAME and HOME become theirs)."""
    return subprocess.run(["runuser", user, "-c", _in_home(umask, command)], env=CLEAN_ENV,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                          check=False)


def start_as(user: str, command: str, *, umask: str = "022") -> subprocess.Popen:
    return subprocess.Popen(["runuser", user, "-c", _in_home(umask, command)], env=CLEAN_ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def _in_home(umask: str, command: str) -> str:
    # The test's own working directory may be closed to the user.
    return f"cd ~ 2>/dev/null || cd /; umask {umask}; {command}"


def stop(process: subprocess.Popen) -> None:
    """Stop a process this module started, and its process group."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=10)


# --- the OpenSSH server --------------------------------------------------------------------------


class Sshd:
    """sshd on 127.0.0.1 with a throwaway host key and one key per user."""

    def __init__(self, base: Path, logins: list[str]) -> None:
        self.dir = base / "ssh"
        self.dir.mkdir(mode=0o755)
        self.logins = logins
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log = self.dir / "sshd.log"

    def key(self, login: str) -> Path:
        return self.dir / f"id_{login}"

    def start(self) -> None:
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.dir / "host_key")])
        authorized = self.dir / "authorized"
        authorized.mkdir(mode=0o755)
        for login in self.logins:
            _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", login, "-f", str(self.key(login))])
            (authorized / login).write_text(self.key(login).with_suffix(".pub").read_text())
            os.chmod(authorized / login, 0o644)  # sshd reads it as the user
        config = self.dir / "sshd_config"
        config.write_text("\n".join([
            f"HostKey {self.dir / 'host_key'}",
            f"PidFile {self.dir / 'sshd.pid'}",
            f"AuthorizedKeysFile {authorized}/%u",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "StrictModes no",
            "PermitRootLogin no",
            f"AllowUsers {' '.join(self.logins)}",
            "X11Forwarding no",
            "AllowTcpForwarding no",
            "PrintMotd no",
            "PrintLastLog no",
            "LogLevel VERBOSE",
            "",
        ]))
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # privilege separation directory
        _run(["/usr/sbin/sshd", "-t", "-f", str(config)])
        self.port = _free_port()
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                ["/usr/sbin/sshd", "-D", "-e", "-f", str(config), "-p", str(self.port),
                 "-o", "ListenAddress=127.0.0.1"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=CLEAN_ENV,
                start_new_session=True,
            )
        wait_until(self._answers, 15, lambda: f"sshd did not start:\n{self.log_tail()}")

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"sshd exited with {self.process.returncode}:\n{self.log_tail()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                return conn.recv(4).startswith(b"SSH-")
        except OSError:
            return False

    def argv(self, login: str, command: str, *, tty: bool = False) -> list[str]:
        return ["ssh", "-F", "/dev/null", "-i", str(self.key(login)), "-p", str(self.port),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                "-o", "ConnectTimeout=10",
                *(["-tt"] if tty else []), f"{login}@127.0.0.1", command]

    def run(self, login: str, command: str, *, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv(login, command), env=CLEAN_ENV, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL, check=False)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no sshd log)"

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
            self.process = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- tmux: terminals of a given size whose screen the test can read ---------------------------------


class Tmux:
    """A private tmux server (its own socket); sessions are 80x24 terminals running one command."""

    def __init__(self, base: Path) -> None:
        self.socket = base / "tmux.sock"
        self.config = base / "tmux.conf"
        # Keep a pane whose command died, so its last words can be shown in a failure.
        self.config.write_text("set -g remain-on-exit on\nset -g default-terminal xterm-256color\n")
        self.started = False

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {**CLEAN_ENV, "TERM": "xterm-256color"}
        return subprocess.run(["tmux", "-u", "-S", str(self.socket), "-f", str(self.config), *args], env=env,
                              capture_output=True, text=True, timeout=30, check=check)

    def open(self, name: str, argv: list[str], *, width: int = 80, height: int = 24) -> None:
        self._tmux("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height), shlex.join(argv))
        self.started = True

    def screen(self, name: str) -> str:
        return self._tmux("capture-pane", "-p", "-t", name).stdout

    def size(self, name: str) -> tuple[int, int]:
        out = self._tmux("display-message", "-p", "-t", name, "#{pane_width}x#{pane_height}").stdout.strip()
        width, height = out.split("x")
        return int(width), int(height)

    def keys(self, name: str, *keys: str) -> None:
        self._tmux("send-keys", "-t", name, *keys)

    def alive(self, name: str) -> bool:
        out = self._tmux("display-message", "-p", "-t", name, "#{pane_dead}", check=False).stdout.strip()
        return out == "0"

    def wait_for(self, name: str, predicate: Callable[[str], bool], timeout: float, what: str) -> str:
        shown: list[str] = [""]

        def check() -> bool:
            shown[0] = self.screen(name)
            return predicate(shown[0])

        wait_until(check, timeout, lambda: f"{what} within {timeout:g}s; the screen of {name}:\n{shown[0]}")
        return shown[0]

    def kill(self) -> None:
        if self.started:
            self._tmux("kill-server", check=False)
            self.started = False


def wait_until(condition: Callable[[], bool], timeout: float, describe: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {describe()}")
        time.sleep(0.2)
