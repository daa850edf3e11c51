"""The job settings checkboxes of backups ("Metadata", "Binary Objects", ...), kept in
`Job.settings` (JSON) and `Schedule.settings`."""

from dataclasses import asdict, dataclass, fields

# The job settings the Create form and backup schedules offer (all of them).
OFFERED_SETTINGS = [
    "metadata",
    "big_objects",
    "binary_objects",
    "tag_objects",
    "history_objects",
    "feed_objects",
    "share_objects",
    "custom_metadata_type_objects",
]


@dataclass(frozen=True)
class JobSettings:
    """The job settings checkboxes, stored in `Job.settings` (JSON).

    `metadata` adds the org's metadata components (backups/metadata_backup.py).
    """

    metadata: bool = False
    big_objects: bool = False
    binary_objects: bool = False
    tag_objects: bool = False
    history_objects: bool = False
    feed_objects: bool = False
    share_objects: bool = False
    custom_metadata_type_objects: bool = False

    LABELS = {
        "metadata": "Metadata",
        "big_objects": "Big Objects",
        "binary_objects": "Binary Objects",
        "tag_objects": "Tag Objects",
        "history_objects": "History Objects",
        "feed_objects": "Feed Objects",
        "share_objects": "Share Objects",
        "custom_metadata_type_objects": "Custom Metadata Type Objects",
    }

    @classmethod
    def all_offered(cls) -> "JobSettings":
        """Every offered setting checked, as the Create form starts."""
        return cls(**dict.fromkeys(OFFERED_SETTINGS, True))

    @classmethod
    def from_json(cls, data: "dict | JobSettings | None") -> "JobSettings":
        if isinstance(data, JobSettings):
            return data
        data = data or {}
        names = {f.name for f in fields(cls)}
        return cls(**{k: bool(v) for k, v in data.items() if k in names})

    def to_json(self) -> dict:
        return asdict(self)

    def items(self) -> list[tuple[str, bool]]:
        """(label, checked) pairs in display order, for read-only pages."""
        return [(self.LABELS[f.name], getattr(self, f.name)) for f in fields(self)]
