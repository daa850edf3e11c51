"""The backup engine's thresholds, read at call time (tests and benchmarks change them)."""

from datetime import timedelta

from django.conf import settings

# Incremental reads start this long before the watermark (clock skew, late commits).
OVERLAP = timedelta(minutes=5)
# A Bulk API 2.0 query costs about 4 calls whatever its size (create, poll or two,
# results); a REST query one call per page of 2,000 rows. A read of up to 4 REST pages
# goes through REST: an incremental's 2,000-8,000 changed rows then cost 1-4 calls, not 5-8.
BULK_THRESHOLD = 8_000
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
