"""History shows no audit entry a group member planted by hand, and keeps working."""

from __future__ import annotations

import orjson
from conftest import settle
from test_audit_safety import HOSTILE
from textual.widgets import DataTable

from cxtui.tui.screens.history import HistoryScreen


async def test_history_skips_planted_entries_and_filters_still_work(app, store_path):
    audit = store_path.with_name("store.json.d") / "audit.jsonl"
    with open(audit, "ab") as out:
        out.write(b"\n".join(orjson.dumps(entry) for entry in HOSTILE.values()) + b"\n")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("h")
        await settle(app, pilot)
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one(DataTable)
        rows = [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        assert rows and not any("PWNED" in row or "\x1b" in row or "passwd" in row for row in rows)
        app.screen.department = "sales"  # the filter that crashed on {"departments": 5}
        app.screen._show()
        await settle(app, pilot)
        assert app.screen.query_one(DataTable).row_count > 0
        screen_text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "\x1b" not in screen_text and "PWNED" not in screen_text
