"""Every URL that names one tenant's object answers 404 to another tenant's users.

The test walks the whole URL configuration (admin excluded). For each pattern that
captures keyword arguments it fills them from tenant A's real objects, then asks for
the page as `outsider` (an Admin of tenant B) and expects 404. A GET answered with 405
is retried as a POST. The same GET as tenant A's Admin must *not* be 404, which proves
the factory made a real object (otherwise the check would pass for nothing).

A new URL kwarg needs one line in KWARG_FACTORIES: a function of `TenantA` returning
the value for that kwarg, usually the id of an object built on `a.org`. Without it
this test fails with "add a factory for <kwarg>", so no page skips the check.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from tenants.models import Tenant, User
from tests.backups import factories as backup_factories
from tests.backups import metadata_factories
from tests.exports import factories as export_factories
from tests.identity import factories as identity_factories
from tests.notifications import factories as notification_factories
from tests.object_templates import factories as template_factories
from tests.restores import factories as restore_factories
from tests.schedules import factories as schedule_factories
from tests.search import factories as search_factories
from tests.tenants import factories as tenant_factories
from tests.vault import factories as vault_factories


class TenantA:
    """Tenant A's objects for URL kwargs, each made on first use and then shared, so
    nested kwargs (org_id, then job_id of that org) belong together."""

    def __init__(self, admin: User, user: User):
        self.admin = admin
        self.user = user
        self.tenant: Tenant = admin.tenant

    @cached_property
    def org(self):
        return make_org(self.tenant)


KWARG_FACTORIES: dict[str, Callable[[TenantA], object]] = {
    "user_id": lambda a: a.user.pk,
    "org_id": lambda a: a.org.pk,
    "job_id": lambda a: backup_factories.isolation_job(a).pk,
    "object_name": lambda a: "Account",
    # The Account of isolation_job's backup (made here too: the time machine's pages
    # name a record without a job).
    "record_id": lambda a: (
        backup_factories.isolation_job(a),
        backup_factories.record_id("001", 1),
    )[1],
    "metadata_type": lambda a: metadata_factories.isolation_version(a).metadata_type,
    "version_id": lambda a: metadata_factories.isolation_version(a).pk,
    "schedule_id": lambda a: schedule_factories.make_user_schedule(a.org).pk,
    "template_id": lambda a: template_factories.isolation_template(a).pk,
    "template_object_id": lambda a: template_factories.isolation_template_object(a).pk,
    "recipient_id": lambda a: notification_factories.isolation_recipient(a).pk,
    "rule_id": lambda a: notification_factories.isolation_rule(a).pk,
    "anomaly_rule_id": lambda a: notification_factories.isolation_anomaly_rule(a).pk,
    "export_id": lambda a: export_factories.isolation_export(a).pk,
    "hold_id": lambda a: vault_factories.isolation_hold(a).pk,
    "request_id": lambda a: restore_factories.isolation_request(a).pk,
    "search_id": lambda a: search_factories.isolation_search(a).pk,
    "purge_id": lambda a: search_factories.isolation_purge(a).pk,
    "group_id": lambda a: tenant_factories.isolation_group(a).pk,
    "token_id": lambda a: tenant_factories.isolation_token(a).pk,
    "provider_id": lambda a: identity_factories.isolation_provider(a).pk,
}

# Links sent by email: the signed token in the URL, not the session, grants access,
# and any visitor holding it may use it. Everything else must be tenant-scoped.
TOKEN_LINKS = {
    "tenants:password_reset",
    "tenants:invitation_accept",
}


def make_org(tenant: Tenant):
    """A connected-looking org row with a real key envelope (no Salesforce needed)."""
    from common import crypto
    from orgs.models import Org

    tenant_key = crypto.parse_tenant_key(crypto.generate_tenant_key())
    org = Org.objects.create(
        tenant=tenant,
        name="Org A",
        org_type=Org.OrgType.PRODUCTION,
        login_url="https://login.salesforce.com",
        status=Org.Status.CONNECTED,
        key_fingerprint=crypto.key_fingerprint(tenant_key),
        tenant_key_wrapped=b"",
        data_key_wrapped=crypto.wrap_data_key(tenant_key, crypto.new_data_key()),
    )
    org.tenant_key_wrapped = crypto.wrap_secret(tenant_key, f"tenant-key:{org.pk}")
    org.save(update_fields=["tenant_key_wrapped"])
    return org


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or "" when the pattern has none
    route: str  # the pattern as written, for messages
    kwargs: tuple[str, ...]


def _captured(pattern) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    return tuple(pattern.regex.groupindex)


def walk(patterns=None, namespace: str = "", prefix: str = "", kwargs=()) -> Iterator[Route]:
    """Every URL pattern of the project with the kwargs it captures, admin excluded."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        captured = kwargs + _captured(entry.pattern)
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin" or route.startswith("admin/"):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner, route, captured)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield Route(name=name, route=route, kwargs=captured)


def test_the_walk_sees_tenant_pages_and_skips_admin():
    routes = {route.name: route for route in walk()}

    assert routes["tenants:user_detail"].kwargs == ("user_id",)
    assert "tenants:users" in routes
    assert not [r for r in routes.values() if r.route.startswith("admin/")]


@pytest.mark.django_db
def test_every_url_naming_a_tenant_object_is_404_to_another_tenant(admin_a, user_a, outsider):
    a = TenantA(admin=admin_a, user=user_a)
    owner = Client(raise_request_exception=False)
    owner.force_login(admin_a)
    stranger = Client(raise_request_exception=False)
    stranger.force_login(outsider)

    problems, checked = [], []
    for route in walk():
        if not route.kwargs or route.name in TOKEN_LINKS:
            continue
        missing = [kwarg for kwarg in route.kwargs if kwarg not in KWARG_FACTORIES]
        if missing:
            problems.append(f"{route.route}: add a factory for {', '.join(missing)}")
            continue
        if not route.name:
            problems.append(f"{route.route}: give the pattern a name so it can be reversed")
            continue
        url = reverse(route.name, kwargs={k: KWARG_FACTORIES[k](a) for k in route.kwargs})
        problems.extend(_check(url, owner, stranger))
        checked.append(url)

    assert not problems, "\n".join(problems)
    assert reverse("tenants:user_detail", args=[user_a.pk]) in checked


def _check(url: str, owner: Client, stranger: Client) -> list[str]:
    problems = []
    owner_status = owner.get(url).status_code
    if owner_status == 404:
        problems.append(f"{url}: 404 for its own tenant's Admin; the factory made no real object")
    status = stranger.get(url).status_code
    if status == 405:
        status = stranger.post(url).status_code
    if status != 404:
        problems.append(f"{url}: another tenant's Admin got {status}, expected 404")
    return problems
