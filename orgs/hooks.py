"""Orgs' hook points (common.hooks.Hook); apps subscribe from their `ready()`.

- `org_connected.fire(org=org)` — inside the transaction that saved a newly connected org
  (schedules gives it its system schedules).
- `org_active_jobs.fire(org=org)` — each receiver answers the ids of the org's jobs that
  are queued or running; they block deleting the connection.
- `org_delete_refusals.fire(org=org)` — each receiver answers a list of reasons (plain
  sentences) why the org must not be deleted now (the vault: an active legal hold).
"""

from common.hooks import Hook

org_connected = Hook("org connected")
org_active_jobs = Hook("org active jobs")
org_delete_refusals = Hook("org delete refusals")


def active_job_ids(*, org) -> list[int]:
    return sorted({job_id for ids in org_active_jobs.fire(org=org) for job_id in ids})


def delete_refusals(*, org) -> list[str]:
    return [reason for reasons in org_delete_refusals.fire(org=org) for reason in reasons]
