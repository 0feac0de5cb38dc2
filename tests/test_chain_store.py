"""The driver chain's records: metric perspectives, links (admins', one way, no cycle) and
initiatives (leads', for their own departments), as models and in the store."""

from __future__ import annotations

import orjson
import pytest
from pydantic import ValidationError

from cxtui.models import Initiative, Link, Metric, RuleError, check_link_cycle, describe_errors
from cxtui.store import NEW_ID, PermissionDenied, ReferenceViolation, RuleViolation, Store, migrations


def _error(cls, data) -> str:
    with pytest.raises(ValidationError) as caught:
        cls.model_validate(data)
    return "; ".join(describe_errors(caught.value))


INITIATIVE = dict(id="IN-1", title="Service training", departments=["sales"], start="2026-01-05",
                  metrics=["nps:up", "discount_rate:down"])


@pytest.mark.parametrize(("cls", "data", "expected"), [
    (Metric, dict(id="m", name="M", perspective="marketing"), "perspective: must be 'people'"),
    (Link, dict(driver="fcr", outcome="fcr"), "outcome: a metric cannot drive itself (fcr)"),
    (Link, dict(driver="fcr", outcome="csat", sign="up"), "sign: must be 'positive' or 'negative'"),
    (Link, dict(driver="fcr", outcome="csat", lag=-1), "lag: Input should be greater than or equal to 0"),
    (Link, dict(driver="fcr", outcome="csat", lag=121), "lag: Input should be less than or equal to 120"),
    (Link, dict(driver="fcr", outcome="csat", lag="1.5"), "lag: Input should be a valid integer"),
    (Link, dict(id="csat:fcr", driver="fcr", outcome="csat"), "id: must be fcr:csat"),
    (Initiative, {**INITIATIVE, "metrics": ["nps"]}, "like fcr:up or aht:down (got 'nps')"),
    (Initiative, {**INITIATIVE, "metrics": ["nps:sideways"]}, "like fcr:up"),
    (Initiative, {**INITIATIVE, "metrics": []}, "metrics: List should have at least 1 item"),
    (Initiative, {**INITIATIVE, "metrics": ["nps:up", "nps:down"]}, "metrics: each metric may be listed once"),
    (Initiative, {**INITIATIVE, "departments": []}, "departments: List should have at least 1 item"),
    (Initiative, {**INITIATIVE, "departments": ["sales", "sales"]}, "departments: each department may be listed once"),
    (Initiative, {**INITIATIVE, "end": "2026-01-05"}, "end: must be after start (2026-01-05)"),
    (Initiative, {**INITIATIVE, "id": "IN-1000000001"}, "must be at most 1000000000"),
    (Initiative, {**INITIATIVE, "title": "a\x1bb"}, "control character"),
])
def test_invalid_records_say_which_field_and_why(cls, data, expected):
    assert expected in _error(cls, data)


def test_valid_records_normalise_what_people_type():
    assert Link(driver="fcr", outcome="csat").id == "fcr:csat"
    assert Link(driver="fcr", outcome="csat", lag="").lag == 0
    assert Metric(id="m", name="M", perspective=" ").perspective is None
    initiative = Initiative.model_validate({**INITIATIVE, "metrics": [" nps : UP", "aht:down"]})
    assert initiative.metrics == ["nps:up", "aht:down"]
    assert initiative.expected() == {"nps": "up", "aht": "down"}


@pytest.mark.parametrize(("existing", "new", "loop"), [
    ([], ("a", "b"), None),
    ([("a", "b")], ("b", "a"), "b -> a -> b"),
    ([("a", "b"), ("b", "c")], ("c", "a"), "c -> a -> b -> c"),
    ([("a", "b"), ("b", "c")], ("a", "c"), None),  # two routes to c: a chain may branch and join
    ([("a", "b"), ("x", "y")], ("y", "a"), None),
    ([("a", "b"), ("b", "c"), ("c", "d")], ("d", "b"), "d -> b -> c -> d"),
])
def test_a_link_closing_a_cycle_is_refused_naming_the_loop(existing, new, loop):
    others = [Link(driver=d, outcome=o) for d, o in existing]
    link = Link(driver=new[0], outcome=new[1])
    if loop is None:
        check_link_cycle(link, others)
    else:
        with pytest.raises(RuleError, match=f"would close a cycle \\({loop}\\)"):
            check_link_cycle(link, others)


def test_links_and_initiatives_are_stored_audited_and_listed(seeded):
    link = seeded.add(Link(driver="discount_rate", outcome="nps", sign="negative", lag=1, why="discounts annoy"))
    initiative = seeded.add(Initiative.model_validate({**INITIATIVE, "id": NEW_ID}))
    assert link.id == "discount_rate:nps" and link.version == 1
    assert initiative.id == "IN-1"
    snapshot = seeded.snapshot()
    assert snapshot.links == [link] and snapshot.initiatives == [initiative]
    entries = [(e.action, e.entity, e.entity_id) for e in seeded.audit() if e.entity in ("link", "initiative")]
    assert entries == [("add", "link", "discount_rate:nps"), ("add", "initiative", "IN-1")]
    assert seeded.doctor() == []


def test_store_refuses_a_cycle_and_unknown_metrics(seeded):
    seeded.add(Link(driver="aht", outcome="nps"))
    seeded.add(Link(driver="nps", outcome="discount_rate"))
    with pytest.raises(RuleViolation, match="discount_rate -> aht would close a cycle"):
        seeded.add(Link(driver="discount_rate", outcome="aht"))
    with pytest.raises(ReferenceViolation, match="outcome: link aht:csat names metric 'csat'"):
        seeded.add(Link(driver="aht", outcome="csat"))
    with pytest.raises(ReferenceViolation, match="metrics: initiative IN-1 names metric 'fcr'"):
        seeded.add(Initiative.model_validate({**INITIATIVE, "metrics": ["fcr:up"]}))
    with pytest.raises(ReferenceViolation, match="departments: initiative IN-1 names department 'ops'"):
        seeded.add(Initiative.model_validate({**INITIATIVE, "departments": ["ops"]}))


def test_a_metric_or_department_in_use_cannot_be_deleted(seeded):
    seeded.add(Link(driver="aht", outcome="nps"))
    seeded.add(Initiative.model_validate({**INITIATIVE, "departments": ["finance"], "metrics": ["aht:down"]}))
    with pytest.raises(ReferenceViolation, match="link aht:nps; initiative IN-1|link aht:nps, initiative IN-1"):
        seeded.delete(Metric, "aht")
    with pytest.raises(ReferenceViolation, match="initiative IN-1"):
        from cxtui.models import Department

        seeded.delete(Department, "finance")


def test_only_admins_declare_links(seeded):
    kim = Store(seeded.path, user="kim")
    with pytest.raises(PermissionDenied, match="only admins \\(tester\\) may add links; kim is not one"):
        kim.add(Link(driver="aht", outcome="nps"))


def test_leads_create_initiatives_for_their_own_departments_only(seeded):
    kim = Store(seeded.path, user="kim")  # leads sales
    own = kim.add(Initiative.model_validate({**INITIATIVE, "id": NEW_ID}))
    with pytest.raises(PermissionDenied, match="kim leads sales, not finance"):
        kim.add(Initiative.model_validate({**INITIATIVE, "id": NEW_ID, "departments": ["sales", "finance"]}))
    omar = Store(seeded.path, user="omar")  # leads finance
    with pytest.raises(PermissionDenied, match="omar leads finance, not sales"):
        omar.update(own.model_copy(update={"departments": ["finance"]}))
    with pytest.raises(PermissionDenied, match="leads no department"):
        Store(seeded.path, user="nobody").add(Initiative.model_validate({**INITIATIVE, "id": "IN-9"}))
    kim.delete(Initiative, own.id, version=own.version)


def test_a_store_of_schema_1_is_upgraded_to_2(seeded):
    data = orjson.loads(seeded.path.read_bytes())
    data["_meta"]["1"]["schema"] = 1
    del data["link"], data["initiative"]
    seeded.path.write_bytes(orjson.dumps(data))
    fresh = Store(seeded.path, user="tester")
    fresh.add(Link(driver="aht", outcome="nps"))
    data = orjson.loads(seeded.path.read_bytes())
    assert data["_meta"]["1"]["schema"] == migrations.SCHEMA_VERSION
    assert list(data["link"]) == ["aht:nps"] and data["initiative"] == {}


def test_a_scorecard_snapshot_holds_the_whole_history_of_linked_metrics(seeded):
    from datetime import date

    for month in range(1, 13):
        seeded.record("aht", 5 + month, department="sales", date=date(2025, month, 3))
    trimmed = seeded.snapshot(date(2026, 6, 1))
    assert not [r for r in trimmed.readings if r.metric == "aht"]
    seeded.add(Link(driver="aht", outcome="nps"))
    linked = seeded.snapshot(date(2025, 6, 30))
    assert sorted(r.value for r in linked.readings if r.metric == "aht") == [6, 7, 8, 9, 10, 11]
    ids = [r.id for r in linked.readings]
    assert len(ids) == len(set(ids))
