"""The engine's hook points (common.hooks.Hook); apps subscribe from their `ready()`.

- `job_finished.notify(job=job)` — once, right after a job reached its final status
  (completed, error or aborted). A receiver's failure is logged; it never changes the job.
- `job_started.notify(job=job)` — right after a worker claimed a queued job (a job that
  had to wait and is claimed again fires it again; receivers de-duplicate).
"""

from common.hooks import Hook

job_finished = Hook("job finished")
job_started = Hook("job started")
