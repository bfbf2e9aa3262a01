"""A key sent in a URL (Open311's api_key, the map's one-time link) never reaches the log."""

from __future__ import annotations

import logging

import pytest

from api.access_log import install_key_redaction


def test_keys_in_query_strings_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    install_key_redaction()
    install_key_redaction()  # idempotent
    access = logging.getLogger("uvicorn.access")
    assert sum(1 for f in access.filters if type(f).__name__ == "KeyRedaction") == 1
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "POST",
                    "/open311/v2/requests.json?api_key=om_abc_SECRET&x=1", "1.1", 201)  # fmt: skip
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/map?key=om_SECRET2",
                    "1.1", 303)  # fmt: skip
    text = caplog.text
    assert "SECRET" not in text
    assert "api_key=***&x=1" in text and "/map?key=***" in text
