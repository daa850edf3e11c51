"""One Parquet file per object, typed columns from the object's describe.

Types come from Salesforce's describe of the object (boolean, int, double / currency /
percent, date, datetime; everything else string). When the org cannot be reached the
columns are strings, and the job's log says so: an export reads the vault, not
Salesforce. Rows are written in batches to a temporary file (memory holds one batch),
then sealed into storage (exports/sealed.py).
"""

import logging
import tempfile
from collections.abc import Iterable
from datetime import date, datetime

import pyarrow as pa
import pyarrow.parquet as pq

from exports.sealed import SealedWriter

logger = logging.getLogger(__name__)
BATCH_ROWS = 10_000
_READ_BYTES = 1024 * 1024
_TYPES = {
    "boolean": pa.bool_(),
    "int": pa.int64(),
    "long": pa.int64(),
    "double": pa.float64(),
    "currency": pa.float64(),
    "percent": pa.float64(),
    "date": pa.date32(),
    "datetime": pa.timestamp("ms", tz="UTC"),
}


def describe_types(org, object_name: str) -> dict[str, str] | None:
    """{field: Salesforce type} from the describe, or None when it cannot be read."""
    from orgs.services import org_client

    try:
        described = org_client(org).describe(object_name)
    except Exception as exc:
        logger.info("describe of %s failed for a Parquet export: %s", object_name, exc)
        return None
    return {field["name"]: field.get("type", "string") for field in described.get("fields", [])}


def _parse_datetime(text: str) -> datetime:
    # Salesforce: 2024-01-31T10:00:00.000+0000
    if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def convert(value, sf_type: str):
    """A record value as the column's Python type (None stays None)."""
    if value is None or value == "":
        return None
    if sf_type == "boolean":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if sf_type in ("int", "long"):
        return int(float(value))
    if sf_type in ("double", "currency", "percent"):
        return float(value)
    if sf_type == "date":
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if sf_type == "datetime":
        return value if isinstance(value, datetime) else _parse_datetime(str(value))
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def schema_for(fields: list[str], types: dict[str, str]) -> pa.Schema:
    return pa.schema([(field, _TYPES.get(types.get(field, ""), pa.string())) for field in fields])


def write_parquet_part(
    *, ctx, org, storage, key: str, object_name: str, fields: list[str], records: Iterable[dict],
    data_key: bytes,
) -> tuple[list[str], int]:  # fmt: skip
    types = describe_types(org, object_name)
    if types is None:
        ctx.log(f"{object_name}: the describe could not be read, so its Parquet columns are text.")
        types = {}
    schema = schema_for(fields, types)
    kinds = [types.get(field, "string") if field in types else "string" for field in fields]
    count = 0
    with tempfile.TemporaryFile() as local:
        writer = pq.ParquetWriter(local, schema, compression="zstd")
        columns: list[list] = [[] for _ in fields]

        def flush() -> None:
            if columns and columns[0]:
                writer.write_table(pa.table(columns, schema=schema))
                for column in columns:
                    column.clear()

        for record in records:
            for column, field, kind in zip(columns, fields, kinds, strict=True):
                column.append(convert(record.get(field), kind))
            count += 1
            if count % BATCH_ROWS == 0:
                flush()
                ctx.checkpoint()
        flush()
        writer.close()
        local.seek(0)
        sink = SealedWriter(data_key=data_key, org_id=org.pk, storage_key=key)
        try:
            while chunk := local.read(_READ_BYTES):
                sink.write(chunk)
            sink.save(storage)
        except BaseException:
            sink.discard()
            raise
    return [key], count
