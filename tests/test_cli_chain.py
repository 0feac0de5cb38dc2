"""`cxtui import|export links|initiatives`, `cxtui links` and `cxtui initiatives`: the CSV columns of
the issue, the JSON rows, and the same error contract as every other command."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date

import pytest

from cxtui.models import Department, Initiative, Link, Metric, Reading, utcnow
from cxtui.store import NEW_ID, Store


def _month(i: int) -> date:
    return date(2024 + i // 12, i % 12 + 1, 15)


@pytest.fixture
def chain(store: Store) -> Store:
    """Service's training drives FCR a month later; FCR moves CSAT the same month; CSAT steps up
    when the coaching initiative starts (month 18)."""
    rng = random.Random(7)
    store.add_many([
        Department(id="service", name="Service", leads=["ravi"]),
        Department(id="sales", name="Sales", leads=["kim"]),
        Metric(id="training", name="Training hours", perspective="people"),
        Metric(id="fcr", name="First contact resolution", unit="%", perspective="process"),
        Metric(id="csat", name="CSAT", perspective="customer"),
    ])
    training = [rng.gauss(10, 3) for _ in range(24)]
    fcr = [60 + (2 * training[i - 1] if i else 0) + rng.gauss(0, 0.5) for i in range(24)]
    csat = [fcr[i] / 2 + (12 if i >= 18 else 0) + rng.gauss(0, 0.3) for i in range(24)]
    now = utcnow()
    store.add_many([
        Reading(id=NEW_ID, metric=m, department="service", date=_month(i), value=round(v, 3), recorded_by="tester",
                recorded_at=now)
        for m, values in (("training", training), ("fcr", fcr), ("csat", csat)) for i, v in enumerate(values)
    ])
    return store


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_import_links_then_measure_them(chain, cli, tmp_path):
    source = tmp_path / "links.csv"
    source.write_text("driver,outcome,sign,lag,why\n"
                      "training,fcr,positive,1,trained agents solve more at first contact\n"
                      "First contact resolution,csat,positive,,solved first time is satisfied\n"
                      "training,csat,negative,0,a deliberately wrong arrow\n")
    result = cli("import", "links", source)
    assert result.exit_code == 0, result.output
    assert "imported 3" in result.output
    out = json.loads(cli("links", "--format", "json").output)
    by_arrow = {(r["driver"], r["outcome"]): r for r in out["links"]}
    assert set(by_arrow) == {("training", "fcr"), ("fcr", "csat"), ("training", "csat")}
    assert set(out["links"][0]) >= {"driver", "outcome", "department", "sign", "lag", "n", "rho", "p", "verdict"}
    assert by_arrow[("training", "fcr")]["verdict"] == "supported"
    assert by_arrow[("training", "fcr")]["lag"] == 1 and by_arrow[("training", "fcr")]["n"] == 22
    assert by_arrow[("fcr", "csat")]["verdict"] == "supported"
    assert by_arrow[("fcr", "csat")]["department"] == "service"
    early = json.loads(cli("links", "--as-of", "2024-06-30", "--format", "json").output)
    assert {r["verdict"] for r in early["links"]} == {"not_enough_data"}
    assert cli("links", "--dept", "sales", "--format", "json").output.count('"verdict"') == 0
    table = cli("links").output
    assert "supported" in table and "training" in table


def test_links_export_imports_back(chain, cli, tmp_path):
    chain.add(Link(driver="training", outcome="fcr", lag=1, why="trained, so solved"))
    exported = cli("export", "links").output
    assert exported.splitlines()[0] == "driver,outcome,sign,lag,why"
    assert _csv(exported) == [{"driver": "training", "outcome": "fcr", "sign": "positive", "lag": "1",
                               "why": "trained, so solved"}]
    (tmp_path / "links.csv").write_text(exported)
    result = cli("import", "links", tmp_path / "links.csv")
    assert result.exit_code == 1
    assert "a link with id 'training:fcr' already exists in the store" in result.output


def test_import_initiatives_and_measure_them(chain, cli, tmp_path):
    source = tmp_path / "initiatives.csv"
    source.write_text("id,title,departments,start,end,metrics,description\n"
                      ",Coaching,service,2025-07-01,,csat:up;fcr:up,weekly coaching\n"
                      "IN-7,Too new,service,2025-11-01,2026-03-31,csat:up,\n")
    result = cli("import", "initiatives", source)
    assert result.exit_code == 0, result.output
    out = json.loads(cli("initiatives", "--format", "json").output)
    rows = {(r["initiative"], r["metric"]): r for r in out["initiatives"]}
    assert set(rows) == {("IN-1", "csat"), ("IN-1", "fcr"), ("IN-7", "csat")}
    assert set(out["initiatives"][0]) >= {"initiative", "metric", "department", "expected", "before_n", "after_n",
                                          "projected", "actual", "shift", "verdict"}
    assert rows[("IN-1", "csat")]["verdict"] == "improved"
    assert rows[("IN-1", "csat")]["shift"] == pytest.approx(12, abs=4)
    assert rows[("IN-1", "csat")]["before_n"] == 18 and rows[("IN-1", "csat")]["after_n"] == 6
    assert rows[("IN-7", "csat")]["verdict"] == "too_early"
    exported = _csv(cli("export", "initiatives").output)
    assert exported[0] == {"id": "IN-1", "title": "Coaching", "departments": "service", "start": "2025-07-01",
                           "end": "", "metrics": "csat:up;fcr:up", "description": "weekly coaching"}
    csv_rows = _csv(cli("initiatives", "--format", "csv").output)
    assert [r["verdict"] for r in csv_rows] == [rows[(r["initiative"], r["metric"])]["verdict"] for r in csv_rows]


@pytest.mark.parametrize(("table", "text", "message"), [
    ("links", "driver,outcome,sign,lag,why\ntraining,nope,positive,0,x\n", "outcome: unknown metric 'nope'"),
    ("links", "driver,outcome,sign,lag,why\ntraining,fcr,up,0,x\n", "sign: must be 'positive' or 'negative'"),
    ("links", "driver,outcome,sign,lag,why\ntraining,fcr,positive,0,x\nfcr,training,positive,0,y\n",
     ":3: outcome: fcr -> training would close a cycle (fcr -> training -> fcr)"),
    ("links", "driver,outcom\ntraining,fcr\n", "unknown column 'outcom' in the header; did you mean 'outcome'?"),
    ("initiatives", "id,title,departments,start,end,metrics,description\n,T,service,2025-01-01,,csat,\n",
     "like fcr:up or aht:down (got 'csat')"),
    ("initiatives", "id,title,departments,start,end,metrics,description\n,T,ops,2025-01-01,,csat:up,\n",
     "departments: no department 'ops' in the store"),
    ("initiatives", "id,title,departments,start,end,metrics,description\n,T,service,2025-01-01,,nps:up,\n",
     "metrics: no metric 'nps' in the store"),
])
def test_import_refuses_a_bad_row_with_its_line_and_writes_nothing(chain, cli, tmp_path, table, text, message):
    source = tmp_path / "in.csv"
    source.write_text(text)
    result = cli("import", table, source)
    assert result.exit_code == 1
    assert message in result.output
    assert chain.list(Link) == [] and chain.list(Initiative) == []


def test_a_lead_imports_initiatives_of_their_own_department_only(chain, cli, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,title,departments,start,end,metrics,description\n,T,sales,2025-01-01,,csat:up,\n")
    result = cli("import", "initiatives", source, env={"CXTUI_USER": "ravi"})
    assert result.exit_code == 1
    assert "ravi leads service, not sales" in result.output


@pytest.mark.parametrize(("args", "code", "message"), [
    (("links", "--as-of", "2025-02-30"), 1, "error: --as-of: must be a real date as YYYY-MM-DD"),
    (("links", "--dept", "nowhere"), 1, "error: unknown department 'nowhere'"),
    (("links", "--format", "xml"), 2, "error: Invalid value for '--format'"),
    (("initiatives", "--dept", "service"), 2, "error: No such option '--dept'"),
])
def test_errors_end_in_one_line(chain, cli, args, code, message):
    result = cli(*args)
    assert result.exit_code == code
    assert message in result.output


def test_empty_store_says_how_to_declare(store, cli):
    assert "No links declared" in cli("links").output
    assert "No initiatives" in cli("initiatives").output
    assert json.loads(cli("initiatives", "--format", "json").output) == {"as_of": None, "initiatives": []}


def test_tensions_are_measured_as_negative_links(chain, cli):
    from cxtui.models import Tension

    chain.add(Tension(a="fcr", b="csat", why="declared the wrong way round"))
    rows = json.loads(cli("links", "--format", "json").output)["links"]
    assert [(r["kind"], r["driver"], r["outcome"], r["sign"], r["lag"], r["verdict"]) for r in rows] == [
        ("tension", "fcr", "csat", "negative", 0, "contradicted")]


def test_conflicts_name_a_push_through_a_contradicted_link(chain, cli):
    from cxtui.models import Incentive, Objective

    chain.add_many([
        Objective(id="O-1", title="Happy customers", metric="csat", target=80, deadline="2027-01-01"),
        Incentive(id="I-1", department="service", title="Train less", metric="training", direction="down",
                  weight=0.2),
        Link(driver="training", outcome="csat", sign="negative", lag=1, why="a deliberately wrong arrow"),
    ])
    out = json.loads(cli("conflicts", "--as-of", "2025-12-31", "--format", "json").output)
    (finding,) = [f for f in out["findings"] if f["rule"] == "evidence_against"]
    assert finding["id"] == "evidence_against:I-1~training:csat"
    assert finding["links"] == ["training:csat"]
    assert "CSAT fell 1 month after Training hours fell" in finding["explanation"]
