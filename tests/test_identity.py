"""Who acts is the kernel's word (issue 12): a claimed name is refused unless root, who is audited as
"root as omar"; LOGNAME and USER count for nothing."""

from __future__ import annotations

import os
import pwd
import sys

import pytest

from cxtui.models import AuditEntry
from cxtui.store import IdentityRefused, Store, acting_identity, current_login

pytestmark = pytest.mark.real_identity  # see tests/conftest.py: these see the real uid

ROOT = os.getuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="only root may act under another name")


def as_someone(argv: list[str] | None = None, code: str = "", **env: str) -> tuple[int, str, str]:
    """Run the CLI with `argv`, or exec `code`, as a user who is not root: `nobody` (a forked child
    gives up root; the interpreter under /root is not runnable by nobody) when the suite runs as root,
    else ourselves. Returns (exit status, stdout, stderr)."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 70
        try:
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            sys.stdout, sys.stderr = open(1, "w", closefd=False), open(2, "w", closefd=False)  # not pytest's
            if ROOT:
                nobody = pwd.getpwnam("nobody")
                os.setgroups([])
                os.setgid(nobody.pw_gid)
                os.setuid(nobody.pw_uid)
            os.environ.update(env)
            if argv is not None:
                from cxtui.cli import main

                sys.argv = ["cxtui", *argv]
                main()
            else:
                exec(code, {})
            status = 0
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:  # noqa: BLE001 (reported to the parent, which asserts on it)
            print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
            status = 71
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    os.close(out_w)
    os.close(err_w)
    _, wait_status = os.waitpid(pid, 0)
    with os.fdopen(out_r) as out, os.fdopen(err_r) as err:
        return os.waitstatus_to_exitcode(wait_status), out.read(), err.read()


SOMEONE = "nobody" if ROOT else pwd.getpwuid(os.getuid()).pw_name
NO_STORE = ["scorecard", "--db", "/nonexistent/store.json"]


def test_a_foreign_cxtui_user_is_refused_in_one_line():
    status, _, err = as_someone(NO_STORE, CXTUI_USER="omar")
    assert (status, err) == (1, f"error: CXTUI_USER=omar: only root may act under another name; you are {SOMEONE}\n")


def test_ones_own_name_in_cxtui_user_is_fine():
    status, _, err = as_someone(NO_STORE, CXTUI_USER=SOMEONE)
    assert status == 1 and "no store at /nonexistent/store.json" in err, err


def test_logname_and_user_are_ignored():
    code = "from cxtui.store import current_login, Store; print(current_login(), Store('/nonexistent/s.json').user)"
    status, out, err = as_someone(code=code, LOGNAME="omar", USER="omar")
    assert out.split() == [SOMEONE, SOMEONE], err


def test_the_python_api_follows_the_same_rule():
    status, _, err = as_someone(code="from cxtui.store import Store; Store('/nonexistent/s.json', user='omar')")
    assert err == f"IdentityRefused: user=omar: only root may act under another name; you are {SOMEONE}\n"


def test_an_empty_name_means_ones_own():
    assert acting_identity("").user == acting_identity(None).user == current_login()


@pytest.mark.parametrize("name", ["\x1b]0;PWNED\x07", "[bold]x[/]", "omar\n", " "])
def test_a_name_that_is_no_login_is_refused_even_for_root(name):
    with pytest.raises(IdentityRefused, match="not a login name"):
        acting_identity(name, named_by="CXTUI_USER")


@needs_root
def test_root_acting_as_a_lead_is_audited_as_root_as_the_lead(tmp_path):
    store = Store.init(tmp_path / "store.json", user="omar")
    assert str(store.identity) == "root as omar"
    trail = store.audit()
    assert [(e.by, e.real_user) for e in trail] == [("omar", "root")]


@needs_root
def test_root_as_itself_has_no_real_user(tmp_path):
    store = Store.init(tmp_path / "store.json")
    assert str(store.identity) == "root"
    assert [(e.by, e.real_user) for e in store.audit()] == [("root", None)]


@needs_root
def test_the_cli_records_root_as_omar_and_the_export_shows_it(cli, seeded, monkeypatch):
    result = cli("record", "nps", "40", "--dept", "finance", env={"CXTUI_USER": "omar"})  # omar leads finance
    assert result.exit_code == 0, result.output
    exported = cli("export", "audit")
    last = exported.output.strip().splitlines()[-1]
    assert ",omar,root,add,reading," in last


def test_old_audit_entries_have_no_real_user():
    entry = AuditEntry.model_validate({"id": "A-1", "tx": "T-1", "at": "2026-01-01T00:00:00+00:00", "by": "kim",
                                       "action": "add", "entity": "reading", "entity_id": "R-1"})
    assert entry.real_user is None
