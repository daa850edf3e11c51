"""Real `sobjects/X/describe` JSON files -> the org's schema."""

from __future__ import annotations

import json
from pathlib import Path


def load_describe_files(paths: list[str | Path]) -> dict[str, dict]:
    """name -> describe for each file that holds an object describe (a describeGlobal file,
    with "sobjects", is skipped: it lists objects without their fields)."""
    out = {}
    for path in paths:
        data = json.loads(Path(path).read_text())
        if "fields" not in data or "name" not in data:
            continue
        out[data["name"]] = data
    return out
