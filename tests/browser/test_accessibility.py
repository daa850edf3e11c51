"""Every page passes axe-core in Chromium with no serious or critical violation.

The pages come from a generic walk, so a new page inherits the check without an edit
here: every URL pattern whose only argument is (at most) the org is a starting point,
and from each page reached the walk follows the links it shows (same site, GET), up to
PER_PATTERN pages per URL pattern. It runs twice: signed in as an Admin of a tenant
whose org has a real backup history (a full backup, an incremental with added,
changed and deleted records, a metadata backup and a templated backup, made against
the simulator with the operations commands), and signed out (sign-in, sign-up, the
emailed password-reset and invitation links). axe-core is the copy bundled in the
axe-playwright-python package, injected into the page: nothing is fetched from a CDN.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RoutePattern

from tenants.models import User
from tests.backups import engine_support
from tests.fixtures.sfsim import sf_client

pytestmark = pytest.mark.django_db(transaction=True)

# axe-core impacts that fail the test; and rules that fail it at any impact because an
# audit found them once (repeated landmarks, empty table headers, colour-only links).
FAILING_IMPACTS = {"serious", "critical"}
ALWAYS_FAILING_RULES = {
    "color-contrast",
    "empty-table-header",
    "landmark-no-duplicate-main",
    "landmark-unique",
    "link-in-text-block",
}
PER_PATTERN = 2  # pages checked per URL pattern (e.g. two jobs, two records)
MAX_PAGES = 120  # a guard against a walk that never ends


# Kinds of page the walks must reach (path patterns), so that a broken link or an empty
# fixture cannot make the check pass on a handful of pages.
ADMIN_PAGES = {
    "home": r"/orgs/",
    "analytics": r"/orgs/\d+/analytics/",
    "notifications settings": r"/orgs/\d+/settings/notifications/",
    "get started": r"/orgs/\d+/",
    "backup overview": r"/orgs/\d+/backups/",
    "backup history": r"/orgs/\d+/backups/history/",
    "create backup": r"/orgs/\d+/backups/create/",
    "job overview": r"/orgs/\d+/jobs/\d+/",
    "job data": r"/orgs/\d+/jobs/\d+/data/",
    "object's records": r"/orgs/\d+/jobs/\d+/data/\w+/",
    "record": r"/orgs/\d+/jobs/\d+/data/\w+/\w{18}/",
    "record history": r"/orgs/\d+/jobs/\d+/data/\w+/\w{18}/history/",
    "time machine": r"/orgs/\d+/time-machine/\w+/\w{18}/",
    "job metadata": r"/orgs/\d+/jobs/\d+/metadata/",
    "metadata type": r"/orgs/\d+/jobs/\d+/metadata/\w+/",
    "metadata component": r"/orgs/\d+/jobs/\d+/metadata/\w+/\d+/",
    "job settings": r"/orgs/\d+/jobs/\d+/settings/",
    "job logs": r"/orgs/\d+/jobs/\d+/logs/",
    "templates": r"/orgs/\d+/backups/templates/",
    "template builder": r"/orgs/\d+/backups/templates/\d+/",
    "schedules": r"/orgs/\d+/backups/schedule/",
    "schedule": r"/orgs/\d+/backups/schedule/\d+/",
    "org settings": r"/orgs/\d+/settings/",
    "users": r"/users/",
    "user": r"/users/\d+/",
    "organization settings": r"/organization/",
    "connection error": r"/orgs/oauth/callback/",
}
VISITOR_PAGES = {
    "sign in": r"/signin/",
    "sign in, second step": r"/signin/credentials/",
    "forgot password": r"/signin/forgot/",
    "sign up": r"/signup/",
    "password reset link": r"/password/reset/\w+/[\w-]+/",
    "invitation link": r"/invitation/\w+/[\w-]+/",
}


def _reached(path_pattern: str, audit: Audit) -> bool:
    return any(re.fullmatch(path_pattern, page) for page in audit.pages)


@dataclass
class Audit:
    pages: list[str] = field(default_factory=list)  # paths checked
    names: Counter = field(default_factory=Counter)  # URL pattern name -> pages checked
    problems: list[str] = field(default_factory=list)


def _argument_names(pattern) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    return tuple(pattern.regex.groupindex)


def _routes(patterns=None, namespace: str = "", captured=()):
    """(name, captured argument names) of every named URL pattern, admin excluded."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        names = captured + _argument_names(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, inner, names)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", names


def _starting_paths(org_id: int | None) -> list[str]:
    paths = []
    for name, arguments in _routes():
        if not arguments:
            paths.append(reverse(name))
        elif org_id is not None and arguments == ("org_id",):
            paths.append(reverse(name, kwargs={"org_id": org_id}))
    return paths


def _pattern_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.app_name == "admin" or match.namespace == "admin":
        return None
    return match.view_name


def _audit_page(page, axe, path: str, audit: Audit) -> None:
    results = axe.run(page).response
    for violation in results["violations"]:
        if violation["impact"] in FAILING_IMPACTS or violation["id"] in ALWAYS_FAILING_RULES:
            for node in violation["nodes"]:
                audit.problems.append(
                    f"{violation['id']} ({violation['impact']}) on {path} at "
                    f"{' '.join(node['target'])}: {violation['help']}"
                )


def _walk(page, axe, base_url: str, start: list[str], audit: Audit) -> None:
    queue = deque(start)
    seen: set[str] = set()
    while queue and len(audit.pages) < MAX_PAGES:
        path = urlsplit(queue.popleft()).path
        name = _pattern_name(path)
        if path in seen or name is None or audit.names[name] >= PER_PATTERN:
            continue
        seen.add(path)
        # Asked first without the browser (same cookies): a redirect is followed through
        # the queue; a POST-only action (405) and a download are not pages; an error
        # page people can land on (a refused OAuth answer, 400) is checked like any other.
        probe = page.request.get(base_url + path, max_redirects=0)
        if probe.status in (301, 302, 303, 307, 308):
            queue.append(probe.headers["location"])
            continue
        if probe.status >= 500:
            audit.problems.append(f"{path} answered {probe.status}")
            continue
        if probe.status == 405 or "text/html" not in probe.headers.get("content-type", ""):
            continue
        page.goto(base_url + path)
        if not page.evaluate("document.doctype !== null"):
            continue  # a partial that htmx swaps into a page, not a page of its own
        _audit_page(page, axe, path, audit)
        audit.pages.append(path)
        audit.names[name] += 1
        links = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        queue.extend(link for link in links if link.startswith(base_url))


TEMPLATE = {
    "name": "Accounts and contacts",
    "objects": [
        {
            "name": "Account",
            "filter": {"soql": "Name LIKE 'Accessible%'"},
            "children": [{"name": "Contact", "relationship": "Contacts"}],
        }
    ],
}


def _run(*args: str) -> dict:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def org_with_history(admin_a, user_a, sfsim, settings, tmp_path, monkeypatch):
    """An org of tenant A with a template and four backups (full, templated, an
    incremental after records were added, changed and deleted, metadata); tenant A
    also has a User (user_a) beside its Admin."""
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "storage")},
    }
    settings.STORAGES = {**settings.STORAGES, "vault": storage, "default": storage}
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sfsim.ca_path)
    org = engine_support.connect_org(sfsim, admin_a.tenant, name="Accessible org")
    template_file = tmp_path / "template.json"
    template_file.write_text(json.dumps(TEMPLATE))
    _run("template_create", "--org", str(org.pk), "--from-json", str(template_file))
    sf = sf_client(sfsim)
    ids = [sf.Account.create({"Name": f"Accessible {n}"})["id"] for n in range(3)]
    jobs = [_run("backup_run", "--org", str(org.pk), "--wait", "--name", "Full")]
    jobs.append(_run("backup_run", "--org", str(org.pk), "--wait", "--template", TEMPLATE["name"]))
    sf.Account.update(ids[0], {"Name": "Accessible, renamed"})
    sf.Account.delete(ids[1])
    sf.Account.create({"Name": "Accessible, new"})
    # The walk follows the history's newest jobs: these two are the ones it checks.
    jobs.append(_run("backup_run", "--org", str(org.pk), "--wait", "--name", "Incremental"))
    jobs.append(_run("backup_run", "--org", str(org.pk), "--wait", "--metadata-only"))
    assert [job["status"] for job in jobs] == ["completed"] * 4, jobs
    assert jobs[2]["changed"] >= 1 and jobs[2]["deleted"] >= 1, jobs[2]
    return org


def _report(audit: Audit) -> str:
    return (
        f"{len(audit.problems)} axe violations:\n"
        + "\n".join(audit.problems)
        + f"\n\nin {len(audit.pages)} pages: {' '.join(audit.pages)}"
    )


def test_every_page_an_admin_reaches_passes_axe(page, live_server, admin_a, org_with_history):
    from axe_playwright_python.sync_playwright import Axe

    from tenants import services as tenant_services

    # The users list then shows an Admin, a User (user_a) and an invited user.
    tenant_services.user_invite(
        actor=admin_a, email="invited@a.example", role=User.Role.USER, first_name="Ivy"
    )
    client = Client()
    client.force_login(admin_a)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )

    audit = Audit()
    _walk(page, Axe(), live_server.url, _starting_paths(org_with_history.pk), audit)

    assert not audit.problems, _report(audit)
    missing = [kind for kind, path in ADMIN_PAGES.items() if not _reached(path, audit)]
    assert not missing, f"the walk never reached: {missing}\n{_report(audit)}"
    assert len(audit.pages) >= 25, audit.pages


def test_every_page_a_visitor_reaches_passes_axe(page, live_server, admin_a, user_a):
    from axe_playwright_python.sync_playwright import Axe

    from tenants import services as tenant_services

    invited = tenant_services.user_invite(actor=admin_a, email="new@a.example", role=User.Role.USER)
    tenant_services.invitation_send(user=invited, invited_by=admin_a)
    tenant_services.password_reset_send(tenant=admin_a.tenant, email=user_a.email)
    emailed = [
        re.search(r"https?://[^/\s]+(/\S+/)", message.body).group(1) for message in mail.outbox
    ]
    axe = Axe()
    audit = Audit()
    _walk(page, axe, live_server.url, [*_starting_paths(None), *emailed], audit)

    # The second sign-in step and Forgot password need the first step's answer (the
    # organization, kept in the session): walk again from there.
    page.goto(f"{live_server.url}{reverse('tenants:sign_in')}")
    page.locator("#id_org_name").fill(admin_a.tenant.name)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}{reverse('tenants:sign_in_credentials')}")
    _walk(page, axe, live_server.url, [reverse("tenants:sign_in_credentials")], audit)
    # A refused sign-in shows its error next to the fields.
    page.goto(f"{live_server.url}{reverse('tenants:sign_in_credentials')}")
    page.locator("#id_email").fill(admin_a.email)
    page.locator("#id_password").fill("not-the-password-1")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("alert").wait_for()
    _audit_page(page, axe, reverse("tenants:sign_in_credentials") + " (refused)", audit)

    assert not audit.problems, _report(audit)
    missing = [kind for kind, path in VISITOR_PAGES.items() if not _reached(path, audit)]
    assert not missing, f"the walk never reached: {missing}\n{_report(audit)}"
