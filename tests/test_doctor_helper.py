"""`cxtui doctor` with its forked helper (checkup.readings_and_trail): the audit trail scanned by a
forked copy of the process while it scans the readings. Whatever the store holds, and however the
copy fails, doctor says what one process says.

Whatever forks runs in a child Python of its own: the suite's process may have threads by then, and
forking one with threads is what forked.can_fork refuses."""

from __future__ import annotations

import json
import os

import orjson
import pytest

from cxtui.store import Store, forked
from store_helpers import COUNTING_FORKS, RUN_CLI_COUNTING_FORKS, child_env, child_python

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this system")


# --- forked.together ---------------------------------------------------------------------------------

TOGETHER = """
    import json, os, signal, sys
    from cxtui.store import forked
    parent = os.getpid()

    def run(there):
        try:
            found = forked.together(lambda: os.getpid(), there, fork=True)
            print(json.dumps([found[0], found[1].decode()]))
        except Exception as exc:
            print(json.dumps(["raised", str(exc)]))
"""


def test_there_runs_in_another_process_while_here_runs_in_this_one():
    result = child_python(TOGETHER + """
    run(lambda: str(os.getpid()).encode() * 50_000)
    print(parent)
    """)
    assert result.returncode == 0, result.stderr
    (here, there), parent = json.loads(result.stdout.splitlines()[0]), int(result.stdout.splitlines()[1])
    assert here == parent
    helper = there[:len(there) // 50_000]
    assert there == helper * 50_000 and int(helper) != parent


@pytest.mark.parametrize("failure", [
    "raise RuntimeError('only in the copy')",
    "os.kill(os.getpid(), signal.SIGKILL)",
    "sys.exit(0)",  # left without its trailer: not taken as done
])
def test_a_helper_that_fails_leaves_its_work_to_this_process(failure):
    result = child_python(TOGETHER + f"""
    def there():
        if os.getpid() != parent:
            {failure}
        return b"made here"
    run(there)
    """)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[1] == "made here"


def test_work_that_fails_here_too_raises_its_own_error():
    result = child_python(TOGETHER + """
    def there():
        raise ValueError("the trail is damaged")
    run(there)
    """)
    assert json.loads(result.stdout) == ["raised", "the trail is damaged"]


def test_when_no_process_can_be_forked_this_one_does_both(monkeypatch: pytest.MonkeyPatch):
    def refuse():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    assert forked.together(lambda: 1, lambda: b"two", fork=True) == (1, b"two")


# --- cxtui doctor ------------------------------------------------------------------------------------

# The CLI with the helper forced on a small store, the forks counted; `fail_in_copy` makes the copy's
# scan of the trail raise, as a helper killed or out of memory would leave it.
HELPED_CLI = COUNTING_FORKS + """
    from cxtui.store import checkup, repository
    repository.HELPER_BYTES = 0
    if os.environ.get("FAIL_IN_COPY"):
        scan = checkup.scan_trail
        def failing(layout):
            if os.getpid() != parent:
                raise MemoryError
            return scan(layout)
        checkup.scan_trail = failing
    def said():
        return ()
""" + RUN_CLI_COUNTING_FORKS


def _edit_readings(store: Store, change) -> None:
    path = next(iter(store.layout.partitions().values()))
    data = orjson.loads(path.read_bytes())
    change(data["readings"])
    path.write_bytes(orjson.dumps(data))


def _edit_main(store: Store, change) -> None:
    data = orjson.loads(store.path.read_bytes())
    change(data)
    store.path.write_bytes(orjson.dumps(data))


def _link_audit(store: Store) -> None:
    audit = store.layout.audit
    moved = audit.with_name("elsewhere.jsonl")
    audit.rename(moved)
    audit.symlink_to(moved)


PLANTED = {
    "nothing": lambda store: None,
    "a reading's value edited": lambda store: _edit_readings(
        store, lambda docs: next(iter(docs.values())).update(value=99)),
    "a reading removed": lambda store: _edit_readings(store, lambda docs: docs.clear()),
    "a goal's target edited": lambda store: _edit_main(store, lambda d: d["goal"]["G-1"].update(target=99)),
    "an unreadable audit line": lambda store: store.layout.audit.open("a").write("not an entry\n"),
    "the audit trail a link": _link_audit,
}


def _doctor_alone(store: Store, cli) -> tuple[int, list[str]]:
    result = cli("doctor")  # in the suite's process: below HELPER_BYTES, no helper
    return result.exit_code, result.stderr.splitlines()


@pytest.mark.parametrize("planted", list(PLANTED))
@pytest.mark.parametrize("copy", ["works", "fails"])
def test_helped_doctor_says_what_one_process_says(seeded: Store, cli, planted: str, copy: str):
    member = child_env(seeded)  # first: run by anyone but root, it changes the store
    PLANTED[planted](seeded)
    code, said = _doctor_alone(seeded, cli)
    assert (code == 0) == (planted == "nothing"), said
    result = child_python(HELPED_CLI, "doctor", "--db", str(seeded.path),
                     env={**member, **({"FAIL_IN_COPY": "1"} if copy == "fails" else {})})
    assert result.returncode == code, result.stderr
    assert result.stderr.splitlines() == said
    assert result.stdout.splitlines()[-1] == "forks 1 none left"


def test_the_cli_forks_only_for_a_large_store(seeded: Store):
    counted = HELPED_CLI.replace("repository.HELPER_BYTES = 0", "")
    result = child_python(counted, "doctor", "--db", str(seeded.path), env=child_env(seeded))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "forks 0 none left"
