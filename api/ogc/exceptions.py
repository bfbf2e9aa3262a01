"""Errors of OGC API writes as QGIS can show them.

QGIS (3.40) reads the text of a failed request only from an OGC exception report: an XML body
whose root is ``ExceptionReport`` holding ``Exception``/``ExceptionText``. Any other body is
dropped, and the user sees only "server replied: Unprocessable Entity". So a write from QGIS
(its ``User-Agent`` names ``QGIS/``, and it asks for no JSON) that fails is answered with such
a report: the first exception carries the message every client gets in JSON, the second the
problems as GeoJSON text. Every other client gets the usual JSON error body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any
from xml.etree import ElementTree

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute

from api.errors import error_answer
from geo.errors import OnemapError

__all__ = ["OgcWriteRoute", "exception_report"]

OWS = "http://www.opengis.net/ows/1.1"


def wants_exception_report(request: Request) -> bool:
    agent = request.headers.get("user-agent", "")
    return "QGIS/" in agent and "json" not in request.headers.get("accept", "")


def exception_report(error: dict[str, Any]) -> bytes:
    """The ``{"error": {...}}`` body as an OWS ExceptionReport."""
    details = error.get("details")
    field = details.get("field") if isinstance(details, dict) else None
    root = ElementTree.Element("ExceptionReport", {"xmlns": OWS, "version": "2.0.0"})
    attributes = {"exceptionCode": str(error.get("code"))} | ({"locator": field} if field else {})
    first = ElementTree.SubElement(root, "Exception", attributes)
    ElementTree.SubElement(first, "ExceptionText").text = str(error.get("message", ""))
    if isinstance(details, dict) and details.get("type") == "FeatureCollection":
        problems = {k: v for k, v in details.items() if k != "field"}
        attributes = {"exceptionCode": "problems", "locator": "application/geo+json"}
        second = ElementTree.SubElement(root, "Exception", attributes)
        text = json.dumps(problems, ensure_ascii=False)
        ElementTree.SubElement(second, "ExceptionText").text = text
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


class OgcWriteRoute(APIRoute):
    """Answers a failed write from QGIS as an exception report; others as usual."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except (OnemapError, RequestValidationError) as exc:
                if not wants_exception_report(request):
                    raise
                usual = await error_answer(request, exc)
                body = json.loads(bytes(usual.body))
                headers = {k: v for k, v in usual.headers.items()
                           if k.lower() not in ("content-length", "content-type")}  # fmt: skip
                return Response(exception_report(body["error"]), status_code=usual.status_code,
                                media_type="application/xml", headers=headers)  # fmt: skip

        return answer
