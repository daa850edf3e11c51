"""Tenants' hook points (common.hooks.Hook); apps subscribe from their `ready()`.

- `time_zone_changed.fire(tenant=tenant)` — after a tenant's time zone changed (schedules
  move their next runs into the new zone).
- `sign_in_options.fire(tenant=tenant)` — step 2 of sign-in: each receiver answers a list
  of {"label", "url"} other ways to sign in (identity: "Login with SSO" per provider).
- `password_sign_in_refusals.fire(tenant=tenant, user=user)` — after a correct password:
  each receiver answers a reason (text) to refuse it, or "" (identity: SSO required).
"""

from common.hooks import Hook

time_zone_changed = Hook("tenant time zone changed")
sign_in_options = Hook("sign-in options")
password_sign_in_refusals = Hook("password sign-in refusals")
