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
    # Archive source (as_of_job and seq are 0): [[archive job id, snapshot seq], ...] of
    # the archive jobs within [archives_from, archives_to]; a folder per archive job.
    archive_jobs: list[list[int]] = field(default_factory=list)
    archives_from: str = ""
    archives_to: str = ""

    def unit_name(self, job_id: int, object_name: str) -> str:
        """The job unit (and zip folder) of one object of one archive job."""
        return f"Archive-{job_id}/{object_name}"

    def units(self) -> list[tuple[str, str, int]]:
        """(unit name, object name, snapshot seq) of every unit of the export."""
        if self.archive_jobs:
            return [
                (self.unit_name(job_id, name), name, seq)
                for job_id, seq in self.archive_jobs
                for name in self.objects
            ]
        children = [child for kids in self.children.values() for child in kids]
        return [(name, name, self.seq) for name in [*self.objects, *children]]

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
            archive_jobs=[[int(j), int(q)] for j, q in data.get("archive_jobs") or []],
            archives_from=str(data.get("archives_from") or ""),
            archives_to=str(data.get("archives_to") or ""),
        )

    def to_json(self) -> dict:
        return asdict(self)
