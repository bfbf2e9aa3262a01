"""A retrying loop logs one traceback per outage, a reminder now and then, and the recovery."""

from __future__ import annotations

import logging

import pytest

from geo.refresh import RetryLog


def test_an_outage_logs_one_traceback_reminders_and_the_recovery(
    caplog: pytest.LogCaptureFixture,
) -> None:
    retries = RetryLog(logging.getLogger("onemap.test"), "index refresh")
    with caplog.at_level(logging.INFO, logger="onemap.test"):
        for _ in range(125):
            try:
                raise ConnectionRefusedError("database down")
            except ConnectionRefusedError:
                retries.failed()
        retries.succeeded()
        retries.succeeded()
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1 and "database down" in caplog.text
    reminders = [r.getMessage() for r in caplog.records if "still failing" in r.getMessage()]
    assert reminders == [
        "index refresh still failing after 60 attempts",
        "index refresh still failing after 120 attempts",
    ]
    recovered = [r.getMessage() for r in caplog.records if "works again" in r.getMessage()]
    assert recovered == ["index refresh works again after 125 failed attempts"]
    assert retries.failures == 0


def test_the_next_outage_logs_its_own_traceback(caplog: pytest.LogCaptureFixture) -> None:
    retries = RetryLog(logging.getLogger("onemap.test"), "tile cache refresh")
    with caplog.at_level(logging.WARNING, logger="onemap.test"):
        for outage in ("first", "second"):
            for _ in range(3):
                try:
                    raise OSError(outage)
                except OSError:
                    retries.failed()
            retries.succeeded()
    assert [r.exc_info[1].args[0] for r in caplog.records if r.exc_info] == ["first", "second"]
