"""Field value conversion: API input -> stored SQLite value -> API JSON / Bulk CSV text."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re

from sfsim import ids
from sfsim.clock import parse_datetime, sf_datetime
from sfsim.errors import SalesforceError
from sfsim.schema import TEXT_LIKE
from sfsim.versions import data_path

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TIME_RE = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z?$")


def _wrong_type(field: dict, value) -> SalesforceError:
    name = field["name"]
    return SalesforceError(
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        f"{field['label']}: value not of required type: {value}",
        [name],
    )


def _parser_error(field: dict, value) -> SalesforceError:
    kind = {"boolean": "boolean", "int": "int", "date": "Date", "datetime": "Datetime"}.get(
        field["type"], "double" if field["type"] in ("double", "currency", "percent") else "String"
    )
    shown = type(value).__name__.upper()
    return SalesforceError(
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from {shown} value {value!r} or request may "
        f"be missing a required field",
        [field["name"]],
    )


def to_stored(field: dict, value):
    """Validate and convert one API input value for ``field`` to its stored form.

    Strings from CSV (Bulk API) are accepted for every type; JSON values must have a
    compatible JSON type (a dict or list for a scalar field is a JSON_PARSER_ERROR).
    """
    if value is None or value == "#N/A" or (value == "" and field["type"] not in TEXT_LIKE):
        return None  # "#N/A" is how Bulk API CSV sets a field to null
    ftype = field["type"]
    if isinstance(value, dict | list):
        raise _parser_error(field, value)
    if ftype in TEXT_LIKE or ftype == "encryptedstring":
        if isinstance(value, bool):
            value = "true" if value else "false"
        text = str(value)
        if text == "":
            return None
        length = field.get("length") or 0
        if length and len(text) > length:
            raise SalesforceError(
                "STRING_TOO_LONG",
                f"{field['label']}: data value too large: {text[:255]} (max length={length})",
                [field["name"]],
            )
        if ftype == "email" and not _EMAIL_RE.match(text):
            raise SalesforceError(
                "INVALID_EMAIL_ADDRESS",
                f"{field['label']}: invalid email address: {text}",
                [field["name"]],
            )
        if ftype == "picklist" and field.get("restrictedPicklist"):
            allowed = {p["value"] for p in field["picklistValues"] if p.get("active", True)}
            if text not in allowed:
                raise SalesforceError(
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    f"{field['label']}: bad value for restricted picklist field: {text}",
                    [field["name"]],
                )
        return text
    if ftype == "boolean":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return int(value.lower() in ("true", "1"))
        raise (
            _parser_error(field, value) if not isinstance(value, str) else _wrong_type(field, value)
        )
    if ftype == "int":
        if isinstance(value, bool):
            raise _parser_error(field, value)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise _wrong_type(field, value) from None
        if number != int(number):
            raise _wrong_type(field, value)
        return int(number)
    if ftype in ("double", "currency", "percent"):
        if isinstance(value, bool):
            raise _parser_error(field, value)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _wrong_type(field, value) from None
    if ftype == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()
        if not isinstance(value, str):
            raise _parser_error(field, value)
        text = value[:10] if "T" in value else value
        if not _DATE_RE.match(text):
            raise _wrong_type(field, value)
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise _wrong_type(field, value) from None
        return text
    if ftype == "datetime":
        if isinstance(value, dt.datetime):
            return sf_datetime(value)
        if not isinstance(value, str):
            raise _parser_error(field, value)
        try:
            return sf_datetime(parse_datetime(value))
        except ValueError:
            raise _wrong_type(field, value) from None
    if ftype == "time":
        if not isinstance(value, str) or not _TIME_RE.match(value):
            raise _wrong_type(field, value)
        return value
    if ftype in ("reference", "id"):
        if not isinstance(value, str):
            raise _parser_error(field, value)
        try:
            return ids.to18(value)
        except SalesforceError:
            raise SalesforceError(
                "MALFORMED_ID",
                f"{field['label']}: id value of incorrect type: {value}",
                [field["name"]],
            ) from None
    if ftype == "base64":
        if isinstance(value, bytes):
            return value
        if not isinstance(value, str):
            raise _parser_error(field, value)
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise _wrong_type(field, value[:40]) from None
    return value


def csv_datetime(stored: str) -> str:
    """Stored/REST 2024-01-31T10:20:30.000+0000 -> Bulk CSV 2024-01-31T10:20:30.000Z."""
    return stored[:23] + "Z"


def to_json_value(field: dict, value, object_name: str, record_id: str | None):
    """Stored value -> REST JSON value."""
    if value is None:
        return None
    ftype = field["type"]
    if ftype == "boolean":
        return bool(value)
    if ftype == "int":
        return int(value)
    if ftype in ("double", "currency", "percent"):
        return float(value)
    if ftype == "base64":
        return f"{data_path()}/sobjects/{object_name}/{record_id}/{field['name']}"
    return value


def sf_number_text(value: float | None) -> str:
    """A number's Bulk API CSV text: the short form when it reads back as the same number
    (REST's JSON carries the same value), else the shortest text that does. SQLite's
    printf('%.15g') alone lost the last digits of 16- and 17-digit values (1/3), so Bulk and
    REST read different numbers; SQLite cannot tell which texts read back exactly (its own
    parsing is not correctly rounded), so this runs in Python (SQL function sf_number)."""
    if value is None:
        return ""
    text = f"{value:.15g}"  # what printf("%.15g") gave before
    return text if float(text) == value else repr(float(value))


def csv_sql(column: str, field: dict) -> str:
    """A SQL expression that renders a stored column as its Bulk API 2.0 CSV text."""
    ftype = field["type"]
    if ftype == "boolean":
        return f"CASE WHEN {column} THEN 'true' ELSE 'false' END"
    if ftype in ("double", "currency", "percent"):
        # Whole numbers (every generated value) are written by SQLite itself: the same
        # text as printf('%.15g') below 1e15, without a call into Python.
        return (
            f"CASE WHEN {column} IS NULL THEN '' "
            f"WHEN abs({column}) < 1e15 AND {column} = CAST({column} AS INTEGER) "
            f"THEN CAST(CAST({column} AS INTEGER) AS TEXT) "
            f"ELSE sf_number({column}) END"
        )
    if ftype == "int":
        return f"IFNULL(CAST({column} AS TEXT), '')"
    if ftype == "base64":
        return "''"
    if ftype == "datetime":
        return f"IFNULL(substr({column}, 1, 23) || 'Z', '')"
    return f"IFNULL({column}, '')"


def compound_value(field_name: str, row: dict) -> dict | None:
    """BillingAddress etc. from their component fields (None when all are empty)."""
    prefix = field_name.removesuffix("Address")
    keys = {
        "street": "Street",
        "city": "City",
        "state": "State",
        "postalCode": "PostalCode",
        "country": "Country",
        "latitude": "Latitude",
        "longitude": "Longitude",
        "geocodeAccuracy": "GeocodeAccuracy",
    }
    out = {k: row.get(prefix + v) for k, v in keys.items()}
    if all(v is None for v in out.values()):
        return None
    out["countryCode"] = None
    out["stateCode"] = None
    return out


def location_value(field_name: str, row: dict) -> dict | None:
    """A geolocation compound (``Loc__c``) from ``Loc__Latitude__s`` / ``Loc__Longitude__s``
    (standard ones, ``BillingLatitude``-style, come with their address)."""
    base = field_name.removesuffix("__c")
    latitude = row.get(f"{base}__Latitude__s")
    longitude = row.get(f"{base}__Longitude__s")
    if latitude is None and longitude is None:
        return None
    return {"latitude": latitude, "longitude": longitude}


def printf_arg_sql(column: str, field: dict) -> str:
    """Like csv_sql, for an argument of SQLite printf('%s'), which already renders NULL as an
    empty string: text, integer and date columns go in as they are."""
    ftype = field["type"]
    if ftype in ("boolean", "double", "currency", "percent", "base64"):
        return csv_sql(column, field)
    if ftype == "datetime":
        return f"substr({column}, 1, 23) || 'Z'"
    return column
