"""Checking reports before anything happens: each bad input is named; fingerprints are stable."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.crs import Crs
from geo.errors import InvalidInputError
from geo.reports import PointInput, ReportPolicy, parse_batch, parse_report, request_hash

POLICY = ReportPolicy()
GOOD = {"source": "12345", "address": "上海路165号", "point": {"lon": 120.7, "lat": 30.7}}


def problem(raw: object) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        parse_report(raw, POLICY)
    return caught.value


@pytest.mark.parametrize(
    "raw, field",
    [
        ({"source": "12345"}, "address"),
        ({"source": "weibo", "address": "x"}, "source"),
        ({"address": "x"}, "source"),
        ({**GOOD, "point": {"lon": 120.7, "lat": 30.7, "crs": "epsg:3857"}}, "point.crs"),
        ({**GOOD, "point": {"lon": 181, "lat": 30.7}}, "point.lon"),
        ({**GOOD, "point": {"lon": "east", "lat": 30.7}}, "point.lon"),
        ({**GOOD, "point": {"lon": 120.7}}, "point.lat"),
        ({**GOOD, "point": [120.7, 30.7]}, "point"),
        ({**GOOD, "description": "很" * 5001}, "description"),
        ({**GOOD, "address": "路" * 201}, "address"),
        ({**GOOD, "external_id": "x" * 101}, "external_id"),
        ({**GOOD, "reported_at": "yesterday"}, "reported_at"),
        ({**GOOD, "reported_at": "2099-01-01T00:00:00+08:00"}, "reported_at"),
        ({**GOOD, "contact": {"wechat": "x"}}, "contact.wechat"),
        ({**GOOD, "colour": "red"}, "colour"),
        ({**GOOD, "description": 12.5}, "description"),
        ("not an object", ""),
    ],
)
def test_bad_input_names_the_field(raw: object, field: str) -> None:
    assert problem(raw).field == field


def test_every_problem_is_listed() -> None:
    error = problem({"source": "weibo", "description": "x" * 6000})
    fields = [p["field"] for p in error.details["problems"]]
    assert fields == ["source", "description", "address"]


def test_a_good_report_is_normalised() -> None:
    report = parse_report(
        {
            **GOOD,
            "point": {"lon": 120.7, "lat": 30.7, "crs": "GCJ02"},
            "reported_at": "2025-01-01T08:00:00",
            "category": " 环境 ",
        },
        POLICY,
        zone=timezone(timedelta(hours=8)),
    )
    assert report.point == PointInput(120.7, 30.7, Crs.GCJ02)
    assert report.reported_at == datetime(2025, 1, 1, 0, 0, tzinfo=UTC)
    assert report.category == "环境" and report.external_id is None


def test_the_fingerprint_ignores_key_order_and_sees_every_change() -> None:
    a = parse_report(GOOD, POLICY)
    b = parse_report(dict(reversed(list(GOOD.items()))), POLICY)
    c = parse_report({**GOOD, "description": "不同"}, POLICY)
    assert a.request_hash == b.request_hash != c.request_hash


TEXT = st.none() | st.text(st.characters(exclude_categories=("Cs",)), max_size=30)


@given(
    st.fixed_dictionaries({
        "source": st.sampled_from(["12345", "app"]), "external_id": TEXT, "category": TEXT,
        "description": TEXT, "address": TEXT, "reported_at": TEXT,
        "point": st.none() | st.tuples(st.floats(73.0, 136.0), st.floats(3.0, 54.0),
                                       st.sampled_from(["gcj02", "bd09", "wgs84"])).map(list),
        "contact": st.none() | st.dictionaries(st.sampled_from(["name", "phone"]), st.text()),
    })
)  # fmt: skip
def test_fingerprints_are_those_stored_before(fields: dict[str, object]) -> None:
    """The fingerprint is the SHA-256 of compact sorted JSON, however it is written: a retry
    of a report stored by an earlier release must still match it."""
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert request_hash(fields) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_batch_lists_every_bad_report_and_keys_each_one() -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_batch(
            [GOOD, {"source": "x"}, GOOD, {**GOOD, "point": {"lon": 999, "lat": 0}}], POLICY
        )
    fields = [p["field"] for p in caught.value.details["problems"]]
    assert fields == ["reports.1.source", "reports.1.address", "reports.3.point.lon"]
    batch = parse_batch([GOOD, GOOD], POLICY, idempotency_key="k:b")
    assert [r.idempotency_key for r in batch] == ["k:b#0", "k:b#1"]


@pytest.mark.parametrize("items", [[], {"reports": []}, None, "x"])
def test_a_malformed_batch_is_refused(items: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_batch(items, POLICY)
    assert caught.value.field == "reports"


def test_one_external_id_twice_in_a_batch_must_be_one_report() -> None:
    same = {**GOOD, "external_id": "GD-1"}
    assert len(parse_batch([same, same], POLICY)) == 2
    with pytest.raises(InvalidInputError) as caught:
        parse_batch([same, {**same, "description": "又一个"}], POLICY)
    assert caught.value.field == "reports.1.external_id"
