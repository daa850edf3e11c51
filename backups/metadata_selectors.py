"""Page-level reads for a job's Metadata tab. They compose vault.metadata_selectors and
take a `job` from jobs.selectors.job_get(org=...), so another tenant's ids 404 earlier.

- `metadata_seq(*, job) -> tuple[int | None, str]` — the snapshot the tab shows, or why
  there is none (metadata not included, still running, no published snapshot).
- `type_rows(*, job, seq, search="", sort="metadata_type") -> list[TypeCount]`.
- `type_count(*, job, seq, metadata_type) -> TypeCount` (Http404 when none).
- `open_versions(*, org, versions) -> Opened` — properties of a page of versions, or a
  readable error when the key or the stored data cannot give them.
- `file_views(*, org, version) -> tuple[list[FileView], str]` — a version's files as
  text (or "binary, N bytes"), and an error message if they cannot be read.
- `file_diffs(*, old, new) -> list[FileDiff]` — unified diffs, file by file.
- `version_label(version, jobs) -> str`.
"""

import difflib
from dataclasses import dataclass, field

from django.http import Http404
from django.utils import timezone

from common.crypto import CryptoError
from orgs.services import OrgKeyError, org_data_key
from vault.metadata_selectors import (
    TypeCount,
    metadata_file_contents,
    metadata_published_seq,
    metadata_type_counts,
    metadata_unseal,
)

TYPE_ORDERS = ("metadata_type", "total", "added", "changed", "deleted")
MAX_TEXT_BYTES = 512 * 1024
PROPERTY_LABELS = [
    ("id", "Id"),
    ("fullName", "Full name"),
    ("fileName", "File name"),
    ("type", "Type"),
    ("createdById", "Created by Id"),
    ("createdByName", "Created by"),
    ("createdDate", "Created date"),
    ("lastModifiedById", "Last modified by Id"),
    ("lastModifiedByName", "Last modified by"),
    ("lastModifiedDate", "Last modified date"),
    ("manageableState", "Manageable state"),
    ("namespacePrefix", "Namespace prefix"),
]


def metadata_seq(*, job) -> tuple[int | None, str]:
    if not job.settings.get("metadata"):
        return None, (
            "This backup did not include metadata. Turn on Metadata in the job settings "
            "of a backup (or run a Metadata Backup) to keep the org's metadata."
        )
    if job.is_running:
        return None, "The metadata of this backup appears here when the backup completes."
    seq = metadata_published_seq(job=job)
    if seq is None:
        return None, (
            f"This backup ended {job.get_status_display().lower()} and its snapshot was "
            "discarded, so it holds no metadata. See the Logs tab for why."
        )
    return seq, ""


def type_rows(*, job, seq: int, search: str = "", sort: str = "metadata_type") -> list[TypeCount]:
    rows = metadata_type_counts(org=job.org, seq=seq, job=job)
    if search.strip():
        rows = [r for r in rows if search.strip().lower() in r.metadata_type.lower()]
    name = sort.lstrip("-")
    if name not in TYPE_ORDERS:
        return rows
    key = (lambda r: r.metadata_type.lower()) if name == "metadata_type" else None
    return sorted(rows, key=key or (lambda r: getattr(r, name)), reverse=sort.startswith("-"))


def type_count(*, job, seq: int, metadata_type: str) -> TypeCount:
    """One type's counts in this job's snapshot (Http404 if it holds no such component)."""
    for row in metadata_type_counts(org=job.org, seq=seq, job=job):
        if row.metadata_type == metadata_type:
            return row
    raise Http404("This backup holds no component of this type.")


@dataclass
class Opened:
    data: dict[int, dict] = field(default_factory=dict)
    error: str = ""

    def properties(self, version_id: int) -> dict:
        return self.data.get(version_id, {}).get("properties", {})


def _readable(exc: Exception) -> str:
    if isinstance(exc, OrgKeyError):
        return f"{exc} The metadata cannot be shown."
    if isinstance(exc, CryptoError):
        return (
            "The stored metadata could not be decrypted with this org's key. It cannot be "
            "shown; check that the org's key was not replaced."
        )
    return (
        f"The backup storage could not be read ({exc.__class__.__name__}). The metadata "
        "cannot be shown; check the org's storage settings."
    )


def open_versions(*, org, versions) -> Opened:
    versions = list(versions)
    if not versions:
        return Opened()
    try:
        return Opened(data=metadata_unseal(org=org, versions=versions, data_key=org_data_key(org)))
    except (OrgKeyError, CryptoError, OSError) as exc:
        return Opened(error=_readable(exc))


@dataclass(frozen=True)
class FileView:
    name: str
    size: int
    text: str | None  # None for binary content
    truncated: bool = False


def _as_text(content: bytes) -> str | None:
    if b"\0" in content[:8192]:
        return None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None


def file_views(*, org, version) -> tuple[list[FileView], str]:
    try:
        files = metadata_file_contents(org=org, version=version, data_key=org_data_key(org))
    except (OrgKeyError, CryptoError, OSError) as exc:
        return [], _readable(exc)
    views = []
    for name, content in files:
        text = _as_text(content[:MAX_TEXT_BYTES])
        views.append(
            FileView(
                name=name,
                size=len(content),
                text=text,
                truncated=text is not None and len(content) > MAX_TEXT_BYTES,
            )
        )
    return views, ""


@dataclass(frozen=True)
class FileDiff:
    name: str
    lines: list[tuple[str, str]]  # (kind, text): kind is "hunk", "add", "del" or "same"
    binary: bool = False

    @property
    def identical(self) -> bool:
        return not self.binary and not self.lines


def file_diffs(*, old: list[FileView], new: list[FileView]) -> list[FileDiff]:
    """What changed from `old` to `new`, file by file (files only one side has included)."""
    before = {f.name: f for f in old}
    after = {f.name: f for f in new}
    diffs = []
    for name in sorted(set(before) | set(after)):
        left, right = before.get(name), after.get(name)
        if (left is not None and left.text is None) or (right is not None and right.text is None):
            same = left is not None and right is not None and left.size == right.size
            diffs.append(FileDiff(name, [] if same else [("hunk", "Binary content")], True))
            continue
        lines = difflib.unified_diff(
            ((left.text or "") if left else "").splitlines(),
            ((right.text or "") if right else "").splitlines(),
            fromfile=name if left else "(none)",
            tofile=name if right else "(none)",
            lineterm="",
        )
        rows = []
        for line in lines:
            if line.startswith(("---", "+++")):
                continue
            kind = {"@": "hunk", "+": "add", "-": "del"}.get(line[:1], "same")
            rows.append((kind, line))
        diffs.append(FileDiff(name, rows))
    return diffs


def version_label(version, jobs: dict) -> str:
    job = jobs.get(version.job_id)
    when = job.started_at or job.created_at if job else None
    stamp = timezone.localtime(when).strftime("%Y-%m-%d %H:%M %Z") if when else "unknown date"
    source = f"Job {job.pk} {job.name}" if job else "a deleted job"
    return f"Snapshot {version.valid_from} · {stamp} · {source} · {version.get_change_display()}"


def component_context(*, job, version, compare_id: str | None) -> dict:
    """Everything the component page shows: the version's properties and files, its
    other versions, and the diff against the chosen one (default: the one before)."""
    from jobs.selectors import job_list
    from vault.metadata_selectors import metadata_version_get, metadata_versions

    org = job.org
    versions = metadata_versions(
        org=org, metadata_type=version.metadata_type, full_name=version.full_name
    )
    job_ids = {v.job_id for v in versions if v.job_id}
    jobs = job_list(org=org).filter(pk__in=job_ids).in_bulk() if job_ids else {}
    choices = [(v.pk, version_label(v, jobs)) for v in versions]
    earlier = [v for v in versions if v.valid_from < version.valid_from]
    default = earlier[-1].pk if earlier else None
    chosen = compare_id if compare_id and compare_id.isdigit() else default
    other = None
    if chosen is not None and int(chosen) != version.pk and int(chosen) in dict(choices):
        other = metadata_version_get(
            org=org, metadata_type=version.metadata_type, version_id=int(chosen)
        )
    files, error = file_views(org=org, version=version)
    diffs, other_error = [], ""
    if other is not None:
        other_files, other_error = file_views(org=org, version=other)
        diffs = file_diffs(old=other_files, new=files)
    opened = open_versions(org=org, versions=[version])
    properties = opened.properties(version.pk)
    return {
        "version": version,
        "version_label": version_label(version, jobs),
        "properties": [(label, properties.get(key, "")) for key, label in PROPERTY_LABELS],
        "files": files,
        "choices": choices,
        "other": other,
        "diffs": diffs,
        "error": error or other_error or opened.error,
    }
