"""The backup engine's thresholds, read at call time (tests and benchmarks change them)."""

from datetime import timedelta

from django.conf import settings

# Incremental reads start this long before the watermark (clock skew, late commits).
OVERLAP = timedelta(minutes=5)
BULK_THRESHOLD = 2_000  # more than one REST page: Bulk API 2.0
# A read of more rows than this is split into Id ranges of about CHUNK_ROWS rows each.
CHUNK_THRESHOLD = settings.BACKUP_CHUNK_THRESHOLD  # 100,000 unless set in the environment
CHUNK_ROWS = settings.BACKUP_CHUNK_ROWS  # 50,000
RETRY_BASE_SECONDS = 1.0
STAMP_FIELDS = ("SystemModstamp", "LastModifiedDate", "CreatedDate")
# Errors that mean "this object cannot be queried": the object is skipped with a log line.
SKIP_CODES = frozenset(
    {
        "MALFORMED_QUERY",
        "INVALID_TYPE",
        "INVALID_FIELD",
        "NOT_FOUND",
        "INVALID_TYPE_FOR_OPERATION",
        "API_DISABLED_FOR_ORG",
        "EXTERNAL_OBJECT_UNSUPPORTED_EXCEPTION",
        "FUNCTIONALITY_NOT_ENABLED",
        "INVALID_OPERATION",
        "INSUFFICIENT_ACCESS",
    }
)
