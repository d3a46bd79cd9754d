"""Open311 GeoReport v2 wire formats: the same data as XML (ElementTree) or JSON.

XML: a root element holding one element per item; lists inside an item become a container with
one child per entry (`attributes/attribute`, `values/value`, `notes/note`, `formats/format`);
None becomes an empty element, booleans `true`/`false`. JSON: the list itself (or the object
for discovery and a service definition), as the specification shows.
"""
import json
import re
import xml.etree.ElementTree as ET

from flask import Response

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
MIMETYPES = {"xml": "text/xml", "json": "application/json"}
# What each list is called inside its container element.
CHILD_TAGS = {"attributes": "attribute", "values": "value", "notes": "note",
              "formats": "format", "endpoints": "endpoint", "errors": "error",
              "service_requests": "request", "services": "service", "keywords": "keyword"}
# Characters XML 1.0 cannot carry at all (even escaped).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        tag = CHILD_TAGS.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, tag), child)
    else:
        element.text = _text(value)


def to_xml(root: str, data) -> bytes:
    """Serialise a dict (one element) or a list (one child per item) under `root`."""
    element = ET.Element(root)
    _fill(element, data)
    return (XML_DECLARATION + ET.tostring(element, encoding="unicode")).encode("utf-8")


def render(fmt: str, root: str, data, status: int = 200) -> Response:
    """A response in the requested format, UTF-8 declared in the Content-Type."""
    if fmt == "xml":
        body = to_xml(root, data)
    else:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(body, status=status, content_type=f"{MIMETYPES[fmt]}; charset=utf-8")


def render_errors(fmt: str, status: int, descriptions) -> Response:
    """The specification's error body: a list of {code, description}."""
    errors = [{"code": status, "description": d} for d in descriptions]
    return render(fmt, "errors", errors, status)
