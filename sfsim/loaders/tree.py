"""`sf data import tree` plans: files in plan order, `@ref` references resolved."""

from __future__ import annotations

import json
from pathlib import Path

from sfsim.errors import SalesforceError


def load_tree(org, plan_path: str | Path, user=None) -> dict[str, int]:
    """Insert every record of the plan in order; returns counts per object. A value
    "@RefId" becomes the Id of the record saved with that referenceId."""
    plan_path = Path(plan_path)
    plan = json.loads(plan_path.read_text())
    refs: dict[str, str] = {}
    counts: dict[str, int] = {}
    for step in plan:
        for file_name in step["files"]:
            data = json.loads((plan_path.parent / file_name).read_text())
            for record in data["records"]:
                attrs = record.get("attributes", {})
                sobject = attrs.get("type") or step["sobject"]
                values = {}
                for key, value in record.items():
                    if key == "attributes":
                        continue
                    if isinstance(value, str) and value.startswith("@"):
                        if value[1:] not in refs:
                            raise SalesforceError(
                                "INVALID_CROSS_REFERENCE_KEY",
                                f"{file_name}: reference {value} is not defined before use",
                            )
                        value = refs[value[1:]]
                    values[key] = value
                new_id = org.create(sobject, values, user)
                if attrs.get("referenceId"):
                    refs[attrs["referenceId"]] = new_id
                counts[sobject] = counts.get(sobject, 0) + 1
    return counts
