"""GeoReport v2's XML format: the same documents as its JSON, as the spec's examples write them.

A list becomes a container of one element per item, named by the container's singular
(``services``/``service``, ``attributes``/``attribute``); ``None`` an empty element; booleans
``true``/``false``.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

from fastapi.responses import Response

__all__ = ["xml_response"]

SINGULAR = {"services": "service", "service_requests": "request", "attributes": "attribute",
            "values": "value", "endpoints": "endpoint", "formats": "format", "errors": "error",
            "media": "item"}  # fmt: skip


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, inner in value.items():
            _fill(ElementTree.SubElement(element, name), inner)
    elif isinstance(value, list):
        child = SINGULAR.get(element.tag, "item")
        for inner in value:
            _fill(ElementTree.SubElement(element, child), inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def xml_response(root: str, value: Any, status_code: int = 200) -> Response:
    """``value`` (a list or a mapping) as the XML document ``<root>``."""
    element = ElementTree.Element(root)
    _fill(element, value)
    body = ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)
    return Response(body, status_code=status_code, media_type="text/xml; charset=utf-8")
