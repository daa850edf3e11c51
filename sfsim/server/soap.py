"""SOAP helpers: parse an envelope, build responses and faults."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from werkzeug.wrappers import Response

ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


class SoapFault(Exception):
    def __init__(self, code: str, message: str, fault_ns: str, detail: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fault_ns = fault_ns
        self.detail = detail


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_envelope(data: bytes) -> tuple[ET.Element | None, ET.Element]:
    """(Header element or None, the operation element inside Body)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise SoapFault(
            "INVALID_XML",
            f"Unable to parse the request: {exc}",
            "urn:fault.partner.soap.sforce.com",
        ) from exc
    header = body = None
    for child in root:
        if local(child.tag) == "Header":
            header = child
        elif local(child.tag) == "Body":
            body = child
    operations = list(body) if body is not None else []
    if not operations:
        raise SoapFault(
            "INVALID_XML", "The SOAP Body is empty.", "urn:fault.partner.soap.sforce.com"
        )
    return header, operations[0]


def child_text(element: ET.Element, name: str, default: str = "") -> str:
    for child in element.iter():
        if local(child.tag) == name:
            return (child.text or "").strip()
    return default


def children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if local(child.tag) == name]


def soap_response(body_xml: str, namespaces: str = "", status: int = 200) -> Response:
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{ENV_NS}" xmlns:xsi="{XSI_NS}" {namespaces}>'
        f"<soapenv:Body>{body_xml}</soapenv:Body></soapenv:Envelope>"
    )
    return Response(text, status=status, content_type="text/xml; charset=utf-8")


def fault_response(fault: SoapFault) -> Response:
    body = (
        "<soapenv:Fault>"
        f"<faultcode>sf:{escape(fault.code)}</faultcode>"
        f"<faultstring>{escape(fault.code)}: {escape(fault.message)}</faultstring>"
        f"{fault.detail}</soapenv:Fault>"
    )
    return soap_response(body, f'xmlns:sf="{fault.fault_ns}"', status=500)


def value_xml(name: str, value, prefix: str = "") -> str:
    """Render a Python value as XML elements: lists repeat the element, dicts nest."""
    tag = f"{prefix}{name}"
    if value is None:
        return f'<{tag} xsi:nil="true"/>'
    if isinstance(value, list):
        return "".join(value_xml(name, item, prefix) for item in value)
    if isinstance(value, dict):
        inner = "".join(value_xml(k, v, prefix) for k, v in value.items())
        return f"<{tag}>{inner}</{tag}>"
    if isinstance(value, bool):
        return f"<{tag}>{'true' if value else 'false'}</{tag}>"
    return f"<{tag}>{escape(str(value))}</{tag}>"
