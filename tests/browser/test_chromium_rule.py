"""The browser tests skip without chromium, saying why, unless the run requires them (as .ci/run does)."""

from __future__ import annotations

import chromium as browser
import pytest
from _pytest.outcomes import Failed, Skipped


@pytest.mark.parametrize(("found", "required", "outcome"), [
    ("/usr/bin/chromium", False, None),
    ("/usr/bin/chromium", True, None),
    (None, False, Skipped),
    (None, True, Failed),
])
def test_browser_tests_skip_with_the_reason_unless_required(monkeypatch, found, required, outcome):
    monkeypatch.setattr(browser, "find_chromium", lambda: found)
    if required:
        monkeypatch.setenv(browser.REQUIRE_ENV, "require")
    else:
        monkeypatch.delenv(browser.REQUIRE_ENV, raising=False)
    if outcome is None:
        assert browser.need_chromium() == found
        return
    with pytest.raises(outcome) as caught:
        browser.need_chromium()
    assert "no chromium on PATH" in str(caught.value)
