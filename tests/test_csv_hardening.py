"""What a spreadsheet does to CSV: exponents shortened, decimal commas, ids with their zeros dropped."""

from __future__ import annotations

import pytest
from test_cli_record import one_error_line

from cxtui.exchange.csv_files import cell, plain_number
from cxtui.exchange.importing import decimal_comma_hint
from cxtui.models import Department, Metric, Reading, utcnow
from cxtui.store import NEW_ID


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.2345e-05, "0.000012345"),
        (-2.5e-10, "-0.00000000025"),
        (1e16, "10000000000000000"),
        (0.1 + 0.2, "0.30000000000000004"),
        (3.0, "3"),
        (-0.5, "-0.5"),
        (5e-324, "5e-324"),  # 326 digits in plain notation: the exponent stays
    ],
)
def test_plain_number(value, text):
    assert plain_number(value) == text == cell(value)
    assert float(text) == value


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("4,5", "use a decimal point, not a comma: 4.5 (got '4,5')"),
        ("-0,25", "use a decimal point, not a comma: -0.25 (got '-0,25')"),
        (",5", "use a decimal point, not a comma: .5 (got ',5')"),
        ("1.234,5", "use a decimal point, not a comma: 1234.5 (got '1.234,5')"),
        ("1,000", "use a decimal point and no thousands separators, like 1000 or 4.5 (got '1,000')"),
        ("1,234,567.5", "use a decimal point and no thousands separators, like 1000 or 4.5 (got '1,234,567.5')"),
        ("4.5", None),
        ("4,5,6", None),
        ("abc", None),
        ("", None),
    ],
)
def test_decimal_comma_hint(text, hint):
    assert decimal_comma_hint(text) == hint


def test_csv_export_writes_plain_decimals(store, cli):
    store.add_many([Metric(id="ppm", name="Defects"),
                    Reading(id=NEW_ID, metric="ppm", department=None, date="2026-03-01", value=1.2345e-05,
                            recorded_by="kim", recorded_at=utcnow())])
    result = cli("export", "readings")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("ppm,,2026-03-01,0.000012345,")


def test_csv_import_says_use_a_decimal_point(seeded, cli, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("metric;department;date;value\nnps;sales;2026-04-01;4,5\n")
    result = cli("import", "readings", path)
    assert result.exit_code == 1
    assert one_error_line(result) == (
        f"error: {path}:2: value: use a decimal point, not a comma: 4.5 (got '4,5'); nothing was imported")


def test_csv_import_catches_an_id_that_lost_its_leading_zeros(store, cli, tmp_path):
    store.add_many([Department(id="0815", name="Ops")])
    path = tmp_path / "in.csv"
    path.write_text("id,name\n815,Operations\n")
    result = cli("import", "departments", path)
    assert result.exit_code == 1
    assert one_error_line(result).startswith(
        f"error: {path}:2: id: '815' looks like the id '0815' with its leading zeros dropped")
    path.write_text("id,name\n0816,Ops two\n816,Ops three\n")
    result = cli("import", "departments", path)
    assert one_error_line(result).startswith(f"error: {path}:3: id: '816' looks like the id '0816'")
    path.write_text("id,name\n816,Ops three\n")
    assert cli("import", "departments", path).exit_code == 0
