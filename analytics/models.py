"""Analytics aggregates: one small row per finished job and per object it touched.

Written once when a job ends (the `jobs.hooks.job_finished` receiver in
analytics/receivers.py) and by `manage.py analytics_backfill` for older jobs, so the
Analytics pages read a few hundred rows instead of scanning record versions.
`day` is the job's end date in the tenant's time zone; `stored_bytes` is the running
total of bytes the vault kept for the object (or, on a JobStat, the whole org) after
the job, and `records` the object's record count after it (carried over from the
previous row by operations that do not count records).
"""

from django.db import models


class JobStat(models.Model):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="+")
    operation = models.CharField(max_length=32)
    status = models.CharField(max_length=20)
    day = models.DateField()
    finished_at = models.DateTimeField()
    duration_seconds = models.FloatField(default=0)
    records = models.BigIntegerField(default=0)
    added = models.BigIntegerField(default=0)
    changed = models.BigIntegerField(default=0)
    deleted = models.BigIntegerField(default=0)
    size_bytes = models.BigIntegerField(default=0)
    stored_bytes = models.BigIntegerField(default=0)
    rest_calls = models.BigIntegerField(default=0)
    bulk_calls = models.BigIntegerField(default=0)
    # The org's daily REST request limit as the quota guard read it at the job's start
    # (its "API use at the start" log line); 0 when the job did not record it.
    rest_limit = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["org", "day"], name="jobstat_org_day")]

    def __str__(self) -> str:
        return f"Job {self.job_id} stats ({self.day})"

    @property
    def api_calls(self) -> int:
        return self.rest_calls + self.bulk_calls


class JobObjectStat(models.Model):
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    job_stat = models.ForeignKey(JobStat, on_delete=models.CASCADE, related_name="object_stats")
    operation = models.CharField(max_length=32)
    day = models.DateField()
    object_name = models.CharField(max_length=120)
    records = models.BigIntegerField(default=0)
    added = models.BigIntegerField(default=0)
    changed = models.BigIntegerField(default=0)
    deleted = models.BigIntegerField(default=0)
    size_bytes = models.BigIntegerField(default=0)
    stored_bytes = models.BigIntegerField(default=0)
    api_calls = models.BigIntegerField(default=0)
    duration_seconds = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["job_stat", "object_name"], name="jobobjectstat_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["org", "day"], name="jobobjectstat_org_day"),
            models.Index(fields=["org", "object_name", "day"], name="jobobjectstat_org_obj"),
        ]

    def __str__(self) -> str:
        return f"{self.object_name} on {self.day}"
