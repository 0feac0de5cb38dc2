"""cxtui history and cxtui undo (issue 16 item 3)."""

from __future__ import annotations

import json

from cxtui.models import Goal


def test_history_lists_changes_with_ids_and_old_to_new_values(seeded, cli, store):
    store.update(store.get(Goal, "G-1").model_copy(update={"target": 35.0}))
    table = cli("history", "--limit", "1")
    assert table.exit_code == 0, table.output
    [line] = table.stdout.splitlines()
    assert "changed goal G-1 'Lift NPS': target 30 → 35" in line and line.endswith("]")
    data = json.loads(cli("history", "--format", "json", "--limit", "1").stdout)["changes"]
    assert data[0]["action"] == "update" and data[0]["before"]["target"] == 30 and data[0]["after"]["target"] == 35
    only_finance = json.loads(cli("history", "--dept", "finance", "--format", "json", "--limit", "100").stdout)["changes"]
    assert only_finance and all("finance" in json.dumps([c["before"], c["after"], c["entity_id"]]) for c in only_finance)
    assert cli("history", "--user", "nobody").stdout.strip() == "No changes."
    csv_out = cli("history", "--format", "csv", "--limit", "1").stdout.splitlines()
    assert csv_out[0] == "change,tx,at,by,real_user,action,entity,entity_id,what,reverts"


def test_undo_your_last_change_then_a_named_one(seeded, cli, store_path):
    from cxtui.store import Store

    assert cli("admins", "add", "omar").exit_code == 0
    store = Store(store_path, user="omar")
    assert cli("record", "nps", "44", "--dept", "sales").exit_code == 0
    store.update(store.get(Goal, "G-1").model_copy(update={"target": 35.0}))  # omar's, not the tester's
    undone = cli("undo")
    assert undone.exit_code == 0, undone.output
    assert undone.stdout.splitlines()[1].strip().startswith("added reading of nps 44 on ")
    assert store.get(Goal, "G-1").target == 35
    tx = json.loads(cli("history", "--format", "json", "--user", "omar", "--limit", "1").stdout)["changes"][0]["tx"]
    named = cli("undo", tx)
    assert named.exit_code == 0 and "changed goal G-1 'Lift NPS': target 30 → 35" in named.stdout
    assert store.get(Goal, "G-1").target == 30
    again = cli("undo", tx)
    assert again.exit_code == 1 and again.stderr.strip() == f"error: change {tx} was undone already"


def test_history_reads_the_trail_from_its_end_a_page_at_a_time(seeded, cli, store, monkeypatch):
    """A department's changes found far back, across pages, without reading the whole trail."""
    from cxtui.store import Store

    for day in range(1, 29):
        for value in range(12):
            store.record("nps", value, department="sales", date=f"2026-02-{day:02d}")
    assert len(store.audit()) > 300
    pages = []
    real = Store.audit_page

    def audit_page(self, limit, **kwargs):
        pages.append(limit)
        return real(self, limit, **kwargs)

    monkeypatch.setattr(Store, "audit_page", audit_page)
    monkeypatch.setattr(Store, "audit", lambda self, *a, **k: (_ for _ in ()).throw(AssertionError("whole trail")))
    finance = json.loads(cli("history", "--dept", "finance", "--format", "json", "--limit", "2").stdout)["changes"]
    assert len(finance) == 2
    assert finance and all("finance" in json.dumps([c["before"], c["after"], c["entity_id"]]) for c in finance)
    assert len(pages) >= 2  # the finance changes are older than the first page of readings
    newest = json.loads(cli("history", "--format", "json", "--limit", "3").stdout)["changes"]
    assert len(newest) == 3 and all(c["entity"] == "reading" for c in newest)
