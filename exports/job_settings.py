"""The export job's settings (Job.settings JSON), typed at the edge."""

from dataclasses import asdict, dataclass, field

RECORDS_PER_FILE = 10_000


@dataclass(frozen=True)
class ExportSettings:
    as_of_job: int
    seq: int
    objects: list[str]
    # {object name: SOQL condition (the WHERE part, or a whole SELECT)}
    filters: dict[str, str] = field(default_factory=dict)
    # {object name: [field API names]}; an object not named exports every field.
    fields: dict[str, list[str]] = field(default_factory=dict)
    format: str = "csv"
    records_per_file: int = RECORDS_PER_FILE
    # {parent object: [child objects]}: each child exported (its own folder) only for the
    # records that reference an exported record of the parent.
    children: dict[str, list[str]] = field(default_factory=dict)
    # Files' bodies (Attachment.Body, ContentVersion.VersionData, ...) in files/.
    include_files: bool = False

    def parent_of(self, child: str) -> str | None:
        return next((p for p, kids in self.children.items() if child in kids), None)

    @classmethod
    def from_json(cls, data: dict) -> "ExportSettings":
        return cls(
            as_of_job=int(data["as_of_job"]),
            seq=int(data["seq"]),
            objects=[str(name) for name in data.get("objects", [])],
            filters={str(k): str(v) for k, v in (data.get("filters") or {}).items()},
            fields={str(k): [str(f) for f in v] for k, v in (data.get("fields") or {}).items()},
            format=str(data.get("format", "csv")),
            records_per_file=int(data.get("records_per_file", RECORDS_PER_FILE)),
            children={str(k): [str(c) for c in v] for k, v in (data.get("children") or {}).items()},
            include_files=bool(data.get("include_files", False)),
        )

    def to_json(self) -> dict:
        return asdict(self)
