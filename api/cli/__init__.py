"""The ``onemap`` command line: demo, serve, imports, exports, keys, reports."""

from api.cli.main import main

__all__ = ["main"]
