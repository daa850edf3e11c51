"""Which handler runs each operation (dotted paths, so jobs/ imports no operation app).

A handler has `prepare(ctx)`, `process(ctx, job_object)` and `finish(ctx, status)`;
see jobs/runner.py.
"""

HANDLERS: dict[str, str] = {
    "composite_backup": "backups.services.CompositeBackupHandler",
    "composite_sync_backup": "backups.services.CompositeBackupHandler",
    "metadata_backup": "backups.metadata_backup.MetadataBackupHandler",
    "templated_backup": "backups.template_services.TemplatedBackupHandler",
}
