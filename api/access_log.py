"""Keys never reach the access log: the one place a key may travel in a URL is Open311's
``api_key`` (its spec puts it there), and the map's one-time ``key`` link; uvicorn logs
request paths with their query strings, so those values are replaced before a line is written.
"""

from __future__ import annotations

import logging
import re

__all__ = ["KeyRedaction", "install_key_redaction"]

_SECRET = re.compile(r"(?i)([?&](?:api_key|key)=)[^&\s\"]*")


class KeyRedaction(logging.Filter):
    """Replaces ``api_key=…`` and ``key=…`` in a record's arguments and message by ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _SECRET.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _SECRET.sub(r"\1***", record.msg)
        return True


def install_key_redaction() -> None:
    """Add the filter to uvicorn's access logger once (uvicorn configures it before the app)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, KeyRedaction) for f in access.filters):
        access.addFilter(KeyRedaction())
