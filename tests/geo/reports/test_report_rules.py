"""Pure report rules: lifecycle transitions and deadlines, masking of personal numbers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.areas import LEVELS
from geo.errors import ConflictError
from geo.reports import (
    ACTIONS,
    ReportPolicy,
    ReportRecord,
    ReportStatus,
    deadlines,
    due_for,
    mask_contact,
    mask_text,
    transition_changes,
)

S = ReportStatus
T0 = datetime(2025, 1, 1, tzinfo=UTC)
POLICY = ReportPolicy(review_hours=6, response_hours=15)


def record(status: ReportStatus) -> ReportRecord:
    review, response = deadlines(T0, POLICY)
    return ReportRecord(
        id=1,
        source="12345",
        external_id=None,
        category=None,
        description=None,
        address=None,
        contact=None,
        point_in=None,
        status=status,
        lon=None,
        lat=None,
        method=None,
        confidence=None,
        flags={},
        chain=dict.fromkeys(LEVELS),
        area_version=None,
        geocoded=None,
        candidates=[],
        reported_at=T0,
        created_at=T0,
        updated_at=T0,
        created_by=None,
        review_due_at=review,
        response_due_at=response,
        sla_due_at=due_for(status, review, response),
        dispatched_at=None,
        in_progress_at=None,
        resolved_at=None,
        closed_at=None,
        reopen_count=0,
        revision=1,
    )


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_only_the_listed_moves_are_legal(source: ReportStatus, target: ReportStatus) -> None:
    if (source, target) in ACTIONS:
        action, changes = transition_changes(record(source), target, T0, POLICY)
        assert changes["status"] == target.value and action == ACTIONS[(source, target)]
    else:
        with pytest.raises(ConflictError) as refused:
            transition_changes(record(source), target, T0, POLICY)
        assert refused.value.field == "status"


def test_deadlines_follow_the_status() -> None:
    report = record(S.NEW)
    assert report.sla_due_at == T0 + timedelta(hours=6)
    assert report.overdue(T0 + timedelta(hours=7)) and not report.overdue(T0 + timedelta(hours=5))
    _, dispatched = transition_changes(report, S.DISPATCHED, T0 + timedelta(hours=1), POLICY)
    assert dispatched["sla_due_at"] == T0 + timedelta(hours=15)
    _, started = transition_changes(replace(report, status=S.DISPATCHED), S.IN_PROGRESS, T0, POLICY)
    assert started["sla_due_at"] is None


def test_a_reopened_report_gets_a_fresh_response_deadline() -> None:
    later = T0 + timedelta(days=3)
    action, changes = transition_changes(record(S.CLOSED), S.DISPATCHED, later, POLICY)
    assert action == "reopen" and changes["reopen_count"] == 1
    assert changes["sla_due_at"] == later + timedelta(hours=15) and changes["closed_at"] is None


def test_the_queue_says_how_to_leave_it() -> None:
    with pytest.raises(ConflictError, match="fix its location"):
        transition_changes(record(S.NEEDS_LOCATION), S.DISPATCHED, T0, POLICY)


@pytest.mark.parametrize(
    "text, masked",
    [
        ("请回电13812345678", "请回电138****5678"),
        ("电话：138 1234 5678。", "电话：138 **** 5678。"),
        ("+86 13812345678", "+86 138****5678"),
        ("１３８１２３４５６７８", "１３８****５６７８"),
        ("一三八一二三四五六七八", "一三八****五六七八"),
        ("座机0573-82345678", "座机0573-****5678"),
        ("身份证33040219900101123X号", "身份证330***********123X号"),
        ("老证330402900101123", "老证330*********123"),
        ("三楼二〇一室，订单20240512001", "三楼二〇一室，订单20240512001"),
        ("", ""),
    ],
)
def test_phone_and_id_numbers_are_masked(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_contacts_are_masked() -> None:
    shown = mask_contact({"name": "张三丰", "phone": "13812345678", "email": "zhang@example.cn"})
    assert shown == {"name": "张**", "phone": "138****5678", "email": "z***@example.cn"}


@given(
    st.text(alphabet="0123456789 -abc路号", max_size=60),
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
)
def test_no_mobile_number_survives_masking(noise: str, mobile: str) -> None:
    masked = mask_text(f"{noise}，{mobile}，{noise}")
    assert masked is not None and mobile not in masked and len(masked) == len(noise) * 2 + 13
