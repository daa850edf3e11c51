"""The Get Started page's next steps lead to the real pages (Backup & Archive overview,
Schedule), not to "not available yet" placeholders; the placeholders of pages that
exist are gone."""

import re

import pytest
from django.urls import NoReverseMatch, reverse

from tests.orgs.factories import make_org

PLACEHOLDER = "This page is not available yet."


def test_next_steps_link_the_backup_overview_and_the_schedule(client_admin_a, tenant_a):
    org = make_org(tenant_a)
    page = client_admin_a.get(reverse("orgs:get_started", args=[org.pk])).content.decode()
    steps = page.split("<h2>Next steps</h2>", 1)[1]
    links = re.findall(r'href="([^"]+)"', steps)
    assert links == [
        reverse("backups:overview", args=[org.pk]),
        reverse("schedules:list", args=[org.pk]),
    ]
    for link in links:
        response = client_admin_a.get(link)
        assert response.status_code == 200, link
        assert PLACEHOLDER not in response.content.decode(), link
    assert "<h1>Backup &amp; Archive</h1>" in client_admin_a.get(links[0]).content.decode()


@pytest.mark.parametrize("name", ["orgs:backup_overview", "orgs:backup_history"])
def test_placeholders_of_built_pages_are_gone(name):
    with pytest.raises(NoReverseMatch):
        reverse(name, args=[1])
