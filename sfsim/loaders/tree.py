"""`sf data import tree` plans: files in plan order, `@ref` references resolved."""

from __future__ import annotations

import json
from pathlib import Path

from sfsim.errors import SalesforceError


class TreeLoadError(Exception):
    """A record of a plan could not be saved: Salesforce's error, the file and the record."""

    def __init__(self, error: SalesforceError, file_name: str, reference: str):
        self.error = error
        self.file_name = file_name
        self.reference = reference
        super().__init__(
            f"{error.error_code}: {error.message} (file {file_name}, record {reference})"
        )


def load_tree(org, plan_path: str | Path, user=None) -> dict[str, int]:
    """Insert every record of the plan in order; returns counts per object. A value
    "@RefId" becomes the Id of the record saved with that referenceId. Raises
    TreeLoadError naming the file and record when one cannot be saved (the caller's
    transaction decides what is kept)."""
    plan_path = Path(plan_path)
    plan = json.loads(plan_path.read_text())
    refs: dict[str, str] = {}
    counts: dict[str, int] = {}
    for step in plan:
        for file_name in step["files"]:
            data = json.loads((plan_path.parent / file_name).read_text())
            for number, record in enumerate(data["records"], start=1):
                attrs = record.get("attributes", {})
                reference = attrs.get("referenceId") or f"#{number}"
                sobject = attrs.get("type") or step["sobject"]
                try:
                    values = {}
                    for key, value in record.items():
                        if key == "attributes":
                            continue
                        if isinstance(value, str) and value.startswith("@"):
                            if value[1:] not in refs:
                                raise SalesforceError(
                                    "INVALID_CROSS_REFERENCE_KEY",
                                    f"reference {value} is not defined before use",
                                )
                            value = refs[value[1:]]
                        values[key] = value
                    new_id = org.create(sobject, values, user)
                except SalesforceError as error:
                    raise TreeLoadError(error, file_name, reference) from None
                if attrs.get("referenceId"):
                    refs[attrs["referenceId"]] = new_id
                counts[sobject] = counts.get(sobject, 0) + 1
    return counts
