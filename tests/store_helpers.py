"""Shared helpers for the store tests: a small seeded store and byte-level fingerprints."""

from __future__ import annotations

import hashlib
import os
import pwd
import subprocess
import sys
import textwrap
from pathlib import Path

from cxtui.models import Department, Goal, Incentive, Metric, Objective, Scale
from cxtui.store import NEW_ID, Store
from cxtui.store.interface import StoreAPI


def seeded_store(directory: Path, user: str = "tester") -> Store:
    return seed(Store.init(directory / "store.json", user=user))


def seed(store: StoreAPI) -> StoreAPI:
    """Two departments, three metrics, an objective, a goal and an incentive, added to `store`."""
    store.add_many([
        Department(id="sales", name="Sales", leads=["kim"]),
        Department(id="finance", name="Finance", leads=["ravi"]),
        Metric(id="nps", name="Net Promoter Score", scale=Scale(min=-100, max=100), customer_centric=True),
        Metric(id="gross_margin", name="Gross margin", unit="%", scale=Scale(min=0, max=100)),
        Metric(id="counter", name="Counter", description="0"),
    ])
    objective = store.add(Objective(id=NEW_ID, title="NPS to 40", metric="nps", target=40, deadline="2027-06-30"))
    store.add(Goal(id=NEW_ID, department="sales", title="Lift NPS", metric="nps", kind="increase", baseline=10,
                   target=30, start="2026-01-01", deadline="2026-12-31", objectives=[objective.id]))
    store.add(Incentive(id=NEW_ID, department="sales", title="Margin bonus", metric="gross_margin",
                        direction="up", weight=0.4))
    return store


def tree_digest(directory: Path) -> dict[str, str]:
    """sha256 of every file below `directory` (the lock file's content is irrelevant and empty)."""
    digests = {}
    for root, _dirs, files in os.walk(directory):
        for name in files:
            path = Path(root) / name
            digests[str(path.relative_to(directory))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def child_env(store: Store) -> dict[str, str]:
    """What a child process needs to act on `store` as the suite's "tester", its admin. Only root
    may act as a made-up user; run by anyone else, the child acts as the real user, who is made an
    admin of `store` too."""
    if os.getuid() == 0:
        return {"CXTUI_USER": "tester"}
    real = pwd.getpwuid(os.getuid()).pw_name
    store.update(store.settings().model_copy(update={"admins": ["tester", real]}))
    return {}



def child_python(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`code` (dedented) run by a fresh Python with `args`. The user it acts as comes from `env`
    (child_env) alone, not from a CXTUI_USER set in this process (the `cli` fixture sets one)."""
    inherited = {k: v for k, v in os.environ.items() if k != "CXTUI_USER"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                          timeout=120, env={**inherited, **(env or {})})


# For a child script (child_python): children_left() says whether a process it started is still
# there, not yet reaped ("a child is left") or not ("none left").
CHILDREN_LEFT = """
    import os
    def children_left():
        try:
            os.waitpid(-1, os.WNOHANG)
            return "a child is left"
        except ChildProcessError:
            return "none left"
"""
# The start and end of a child script (child_python) that runs the CLI with forked helpers allowed
# whatever the threads and CPUs, and os.fork counted in `forks` (`parent`: the script's own pid).
# After the command, whatever it exits with, one line: "forks N none left" (or "a child is left")
# and the script's own said().
COUNTING_FORKS = """
    import os, sys
    from cxtui.store import forked
    forked.can_fork = lambda: True
    forks, fork, parent = [], os.fork, os.getpid()
    def counted_fork():
        forks.append(1)
        return fork()
    os.fork = counted_fork
"""
RUN_CLI_COUNTING_FORKS = CHILDREN_LEFT + """
    from cxtui.cli import main
    sys.argv = ["cxtui", *sys.argv[1:]]
    try:
        main()
    finally:
        print("forks", len(forks), children_left(), *said())
"""
