"""Templated Backup: the composite engine with an object template's objects and filters.

Each object is read with the template's filter (children through their relationship to
the selected parents) and the template's own watermarks (scope
"template:<id>:<revision>"): the first run reads the template's data in full, later runs
what changed. The job keeps a snapshot of the template in `settings["template"]`, so
later edits do not rewrite its history.
"""

from backups.engine.handler import CompositeBackupHandler
from backups.engine.object_backup import ObjectBackup
from jobs.models import Job, JobLog, JobObject
from object_templates.services import object_wheres, parent_fields, scope_prefix, watermark_scope
from orgs.selectors import catalog_entries
from vault.services import watermarks_drop


class TemplatedBackupHandler(CompositeBackupHandler):
    """A Templated Backup: the composite engine, per object, with the template's filter
    (children through their relationship to the selected parents) and the template's own
    watermarks: the first run reads the template's data in full, later runs what changed.
    Quota checks, the Metadata option and publishing are the composite handler's."""

    def choose_objects(self, ctx) -> list[str]:
        snapshot = ctx.job.settings.get("template")
        if not snapshot:
            raise ValueError("This job has no template; start it again from a template.")
        queryable = {e.name for e in catalog_entries(org=ctx.job.org) if e.queryable}
        names = []
        for name in object_wheres(snapshot):
            if name in queryable:
                names.append(name)
            else:
                ctx.log(f"{name} skipped: this org does not let us query it.", JobLog.Level.WARNING)
        if not names:
            raise ValueError(
                f"None of the objects of template {snapshot['name']} can be queried in this "
                "org: run the connection check in the org's settings, then edit the template."
            )
        ctx.log(f"Template {snapshot['name']} (revision {snapshot['revision']}).")
        return names

    def watermark_scope(self, job: Job) -> str:
        return watermark_scope(job.settings["template"])

    def finish(self, ctx, status: str) -> None:
        super().finish(ctx, status)
        if status == Job.Status.COMPLETED:
            # The marks of the template's earlier revisions will not be read again.
            snapshot = ctx.job.settings["template"]
            keep = self.watermark_scope(ctx.job)
            watermarks_drop(org=ctx.job.org, scope_prefix=scope_prefix(snapshot["id"]), keep=keep)

    def object_backup(self, ctx, job_object: JobObject) -> ObjectBackup:
        snapshot = ctx.job.settings["template"]
        name = job_object.object_name
        return TemplateObjectBackup(
            ctx,
            job_object,
            sync=False,
            where=object_wheres(snapshot).get(name, ""),
            scope=self.watermark_scope(ctx.job),
            parent_field=parent_fields(snapshot).get(name, ""),
        )


class TemplateObjectBackup(ObjectBackup):
    """A template's object. A child object's later runs also read the children of parents
    that changed (e.g. an Account that became 'Banking' brings its existing Contacts)."""

    def __init__(self, *args, parent_field: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.parent_field = parent_field

    def changes_since(self, stamp_field: str, watermark: str) -> str:
        since = super().changes_since(stamp_field, watermark)
        fields = self.reader.describe.get("fields", [])
        relationship = next(
            (f.get("relationshipName") for f in fields if f["name"] == self.parent_field), None
        )
        if not relationship:
            return since
        parent_since = super().changes_since(f"{relationship}.SystemModstamp", watermark)
        return f"({since} OR {parent_since})"
