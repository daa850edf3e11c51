"""Tenants' hook points (common.hooks.Hook); apps subscribe from their `ready()`.

- `time_zone_changed.fire(tenant=tenant)` — after a tenant's time zone changed (schedules
  move their next runs into the new zone).
"""

from common.hooks import Hook

time_zone_changed = Hook("tenant time zone changed")
