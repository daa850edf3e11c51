"""The backup engine: how Composite, Composite & Sync, Templated and Metadata Backups run.

- handler.py — `CompositeBackupHandler`: the job's prepare / process / finish (jobs/runner.py
  drives it); which objects a job reads; publishing or discarding the snapshot.
- object_backup.py — `ObjectBackup`: one object of one job, resumable from its cursor:
  full or incremental reads through REST or Bulk API 2.0, written to the vault.
- chunks.py — big objects split into Id ranges that workers read side by side.
- deletes.py — Composite & Sync's hard-delete detection and the exact counters.
- connection.py — one Salesforce client per org per process, the API-quota guard.
- templated.py — Templated Backup: the same engine with a template's objects and filters.
- metadata.py — the metadata components (Metadata API), alone or beside the records.
- tuning.py — thresholds (REST vs Bulk, chunk sizes, overlap, retries).
"""
