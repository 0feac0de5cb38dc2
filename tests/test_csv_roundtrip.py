"""Property: any record the models accept survives row -> CSV text -> row unchanged."""

from __future__ import annotations

import io
from datetime import date

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cxtui.exchange import csv_files
from cxtui.exchange.table_columns import BOOKKEEPING, TABLES
from cxtui.models import Department, Reading


def _through_csv(table_name: str, record):
    table = TABLES[table_name]
    text = "".join(csv_files.render(list(table.columns), [table.row(record)], excel=True))
    (_, header), (_, cells) = csv_files.read_rows(io.BytesIO(text.encode("utf-8")), "t.csv")
    back = table.fields(dict(zip(header, map(csv_files.unneutralise, cells))))
    return table.model.model_validate(back)


def _valid(build):
    try:
        return build()
    except ValidationError:
        assume(False)


# Text the models accept (no controls, no format characters such as bidi overrides), so that
# examples are rarely thrown away: the models' refusals are tested in test_models.py.
text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cf")), max_size=60)
name_text = text.filter(lambda s: s.strip())


@given(name=name_text, description=text, leads=st.lists(st.from_regex(r"[a-z_][a-z0-9._-]{0,8}", fullmatch=True), max_size=3))
@settings(max_examples=150)
def test_departments(name, description, leads):
    record = _valid(lambda: Department(id="d", name=name, description=description, leads=leads))
    assert _through_csv("departments", record) == record


@given(value=st.floats(allow_nan=False, allow_infinity=False), note=text,
       confidence=st.none() | st.integers(1, 10), day=st.dates(date(1900, 1, 1), date(2200, 1, 1)))
@settings(max_examples=150)
def test_readings(value, note, confidence, day):
    record = _valid(lambda: Reading(id="R-1", metric="m", department=None, date=day, value=value,
                                    confidence=confidence, note=note, recorded_by="kim",
                                    recorded_at="2026-01-02T03:04:05.678+00:00"))
    back = _through_csv("readings", record)
    assert back.model_dump(exclude=set(BOOKKEEPING)) == record.model_dump(exclude=set(BOOKKEEPING))
