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
        )

    def to_json(self) -> dict:
        return asdict(self)
