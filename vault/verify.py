"""Integrity: read an org's stored objects back and check them against the database.

    report = vault_verify(org=org, data_key=key, sample=None)   # every object
    report.ok, report.problems, report.as_dict()
    check = integrity_check_run(org=org, data_key=key)          # the same, saved

For every segment: the file exists, its size is the recorded one, it decrypts with the
org's data key (the AES-GCM tag proves nothing was altered), it holds the recorded
number of records, and each record version stored in it is at its index, with its
record id, and has the keyed content hash the database holds. For every blob: it
exists, decrypts, has the recorded sizes and keyed content hash. For every metadata
component version: its sealed properties decrypt, the blobs of its files exist, and
the keyed hash of its files is the one stored.

Each problem names the storage key and the jobs that wrote (or reference) the object.
`sample=N` checks N randomly chosen segments, N blobs and N metadata versions instead
of all of them. Nothing is written; the report holds keys, names, ids and counts only.
"""

import json
import secrets
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.utils import timezone

from common.crypto import CryptoError
from common.storage import org_storage
from vault import codec
from vault.metadata_services import files_hash, sealed_aad_key
from vault.models import Blob, IntegrityCheck, MetadataComponentVersion, RecordVersion, Segment

MISSING = "missing"
ALTERED = "altered"
MISMATCH = "mismatch"


@dataclass
class Problem:
    kind: str  # "segment", "blob" or "metadata"
    problem: str  # MISSING, ALTERED or MISMATCH
    storage_key: str
    detail: str
    object_name: str = ""
    job_ids: list[int] = field(default_factory=list)


@dataclass
class VerifyReport:
    org_id: int
    sample: int | None = None
    segments: int = 0
    records: int = 0
    blobs: int = 0
    metadata_versions: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "org": self.org_id,
            "ok": self.ok,
            "sample": self.sample,
            "checked": {
                "segments": self.segments,
                "records": self.records,
                "blobs": self.blobs,
                "metadata_versions": self.metadata_versions,
            },
            "problems": [asdict(p) for p in self.problems],
        }


def _pick(ids: list[int], sample: int | None) -> list[int]:
    if sample is None or sample >= len(ids):
        return ids
    return sorted(secrets.SystemRandom().sample(ids, sample))


def _read(storage, key: str) -> bytes | None:
    try:
        with storage.open(key, "rb") as handle:
            return handle.read()
    except Exception:  # a local OSError, or S3's NoSuchKey as a botocore error
        return None


def vault_verify(*, org, data_key: bytes, sample: int | None = None) -> VerifyReport:
    report = VerifyReport(org_id=org.pk, sample=sample)
    storage = org_storage(org)
    hash_key = codec.hash_key(data_key)
    blob_prefix = f"orgs/{org.pk}/blobs/"
    blob_jobs: dict[str, set[int]] = defaultdict(set)

    segment_ids = list(Segment.objects.filter(org=org).order_by("pk").values_list("pk", flat=True))
    for segment_id in _pick(segment_ids, sample):
        segment = Segment.objects.select_related("snapshot").get(pk=segment_id)
        report.segments += 1
        _verify_segment(org, storage, data_key, hash_key, segment, report, blob_prefix, blob_jobs)

    meta_ids = list(
        MetadataComponentVersion.objects.filter(org=org).order_by("pk").values_list("pk", flat=True)
    )
    for meta_id in _pick(meta_ids, sample):
        version = MetadataComponentVersion.objects.get(pk=meta_id)
        report.metadata_versions += 1
        _verify_metadata(org, storage, data_key, hash_key, version, report, blob_jobs)

    blob_ids = list(Blob.objects.filter(org=org).order_by("pk").values_list("pk", flat=True))
    for blob_id in _pick(blob_ids, sample):
        blob = Blob.objects.get(pk=blob_id)
        report.blobs += 1
        _verify_blob(org, storage, data_key, hash_key, blob, report, blob_jobs)
    return report


def _verify_segment(org, storage, data_key, hash_key, segment, report, blob_prefix, blob_jobs):
    versions = list(
        RecordVersion.objects.filter(segment=segment).values_list(
            "record_id", "segment_index", "content_hash", "state", "job_id"
        )
    )
    jobs = {j for *_, j in versions if j is not None}
    if segment.snapshot.job_id is not None:
        jobs.add(segment.snapshot.job_id)

    def problem(kind: str, detail: str) -> None:
        report.problems.append(
            Problem(
                kind="segment",
                problem=kind,
                storage_key=segment.storage_key,
                object_name=segment.object_name,
                detail=detail,
                job_ids=sorted(jobs),
            )
        )

    sealed = _read(storage, segment.storage_key)
    if sealed is None:
        problem(MISSING, "The segment file is missing from storage.")
        return
    if len(sealed) != segment.byte_size:
        problem(ALTERED, f"The file has {len(sealed)} bytes; {segment.byte_size} were written.")
        return
    try:
        plaintext = codec.unseal(
            data_key=data_key, org_id=org.pk, storage_key=segment.storage_key, blob=sealed
        )
    except CryptoError:
        problem(ALTERED, "The segment does not decrypt: it was altered or replaced.")
        return
    lines = plaintext.split(b"\n")[1:]
    if len(lines) != segment.record_count:
        problem(
            MISMATCH,
            f"The segment holds {len(lines)} records; the database says {segment.record_count}.",
        )
    bad = 0
    for record_id, index, digest, state, job_id in versions:
        report.records += 1
        line = lines[index] if index < len(lines) else b""
        head = b'["' + record_id.encode() + b'",'
        if not (line.startswith(head) and line.endswith(b"]")):
            bad += 1
            continue
        values_json = line[len(head) : -1]
        if codec.content_hash(hash_key, values_json + state.encode()) != bytes(digest):
            bad += 1
            continue
        for value in json.loads(values_json):
            if isinstance(value, str) and value.startswith(blob_prefix) and job_id is not None:
                blob_jobs[value].add(job_id)
    if bad:
        problem(MISMATCH, f"{bad} record(s) do not match the content hash the database holds.")


def _verify_metadata(org, storage, data_key, hash_key, version, report, blob_jobs):
    jobs = [version.job_id] if version.job_id is not None else []
    aad_key = sealed_aad_key(org.pk, version.metadata_type, version.full_name)

    def problem(kind: str, detail: str) -> None:
        report.problems.append(
            Problem(
                kind="metadata",
                problem=kind,
                storage_key=aad_key,
                object_name=version.metadata_type,
                detail=detail,
                job_ids=jobs,
            )
        )

    try:
        manifest = json.loads(
            codec.unseal(
                data_key=data_key, org_id=org.pk, storage_key=aad_key, blob=bytes(version.sealed)
            )
        )["files"]
    except (CryptoError, ValueError, KeyError):
        problem(ALTERED, f"The sealed properties of {version.full_name!r} do not decrypt.")
        return
    keys = [f["blob"] for f in manifest]
    for key in keys:
        blob_jobs[key].update(jobs)
    known = dict(
        Blob.objects.filter(org=org, storage_key__in=keys).values_list("storage_key", "pk")
    )
    missing = [k for k in keys if k not in known]
    if missing:
        problem(MISSING, f"{len(missing)} file blob(s) of {version.full_name!r} have no record.")
        return
    if version.is_deleted or not manifest:
        return
    files = {}
    for entry in manifest:
        sealed = _read(storage, entry["blob"])
        if sealed is None:
            return  # reported with the blob itself
        try:
            files[entry["name"]] = codec.unseal(
                data_key=data_key, org_id=org.pk, storage_key=entry["blob"], blob=sealed
            )
        except CryptoError:
            return  # reported with the blob itself
    if files_hash(hash_key, files) != bytes(version.content_hash):
        problem(MISMATCH, f"The files of {version.full_name!r} do not match the stored hash.")


def _verify_blob(org, storage, data_key, hash_key, blob, report, blob_jobs):
    def problem(kind: str, detail: str) -> None:
        report.problems.append(
            Problem(
                kind="blob",
                problem=kind,
                storage_key=blob.storage_key,
                detail=detail,
                job_ids=sorted(blob_jobs.get(blob.storage_key, set())),
            )
        )

    sealed = _read(storage, blob.storage_key)
    if sealed is None:
        problem(MISSING, "The blob file is missing from storage.")
        return
    if len(sealed) != blob.stored_bytes:
        problem(ALTERED, f"The file has {len(sealed)} bytes; {blob.stored_bytes} were written.")
        return
    try:
        content = codec.unseal(
            data_key=data_key, org_id=org.pk, storage_key=blob.storage_key, blob=sealed
        )
    except CryptoError:
        problem(ALTERED, "The blob does not decrypt: it was altered or replaced.")
        return
    if len(content) != blob.size_bytes or codec.content_hash(hash_key, content) != bytes(
        blob.content_hash
    ):
        problem(MISMATCH, "The blob's content does not match the stored hash.")


def integrity_check_run(*, org, data_key: bytes, sample: int | None = None) -> IntegrityCheck:
    """Run `vault_verify` and keep its report as an IntegrityCheck row."""
    check = IntegrityCheck.objects.create(org=org, sample=sample)
    report = vault_verify(org=org, data_key=data_key, sample=sample)
    check.finished_at = timezone.now()
    check.ok = report.ok
    check.problem_count = len(report.problems)
    check.report = report.as_dict()
    check.save(update_fields=["finished_at", "ok", "problem_count", "report"])
    return check
