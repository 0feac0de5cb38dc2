"""The real-user tests skip on a machine that cannot run them, unless the run requires them.

The README's test command must pass on any fresh machine (no root, no sshd, no tmux), while CI, which
installs them and sets CXTUI_REAL_TESTS=require, must never skip those tests silently.
"""

from __future__ import annotations

import pytest
import sharing_support
from _pytest.outcomes import Failed, Skipped


@pytest.mark.parametrize(
    ("root", "missing", "required", "outcome", "said"),
    [
        (True, [], False, None, None),
        (True, [], True, None, None),
        (True, ["/usr/sbin/sshd"], False, Skipped, "missing /usr/sbin/sshd"),
        (True, ["/usr/sbin/sshd", "tmux"], True, Failed, "missing /usr/sbin/sshd, tmux"),
        (False, [], False, Skipped, "needs root"),
        (False, [], True, Failed, "needs root"),
    ],
)
def test_real_tests_skip_with_the_reason_unless_required(monkeypatch, root, missing, required, outcome, said):
    monkeypatch.setattr(sharing_support.os, "geteuid", lambda: 0 if root else 1000)
    monkeypatch.setattr(sharing_support, "missing_tools", lambda: list(missing))
    if required:
        monkeypatch.setenv(sharing_support.REQUIRE_ENV, "require")
    else:
        monkeypatch.delenv(sharing_support.REQUIRE_ENV, raising=False)
    if outcome is None:
        sharing_support.need_real_environment()
        return
    with pytest.raises(outcome) as caught:
        sharing_support.need_real_environment()
    assert said in str(caught.value)
