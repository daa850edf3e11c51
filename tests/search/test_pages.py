"""The Search, results, purge and certificate pages: what an Admin sees and does, and
another tenant gets 404 on every one."""

import json

from django.urls import reverse

from jobs.services import job_run_inline
from search.models import Purge, PurgeSettings
from tests.fixtures.personas import _client_for
from tests.search.support import run_search


def test_pages_walk_from_search_to_certificate(marked, admin_a, second_admin, client_admin_a):
    org, marker = marked["org"], marked["marker"]
    PurgeSettings.objects.create(org=org, require_approval=True)
    search_url = reverse("search:search", args=[org.pk])
    page = client_admin_a.get(search_url)
    assert page.status_code == 200 and b"New search" in page.content
    bad = client_admin_a.post(search_url, {"object": "Contact", "filter": "", "children": ""})
    assert b"filter on Contact is required" in bad.content

    search = run_search(org, "Contact", f"Email = '{marker}'", children=["Case"])
    results_url = reverse("search:results", args=[org.pk, search.pk])
    results = client_admin_a.get(results_url)
    assert results.status_code == 200
    assert b"Ready for purge" in results.content
    assert marker.encode() in results.content  # the fields of the old versions
    assert marked["contact_id"].encode() in results.content
    assert marked["case_id"].encode() in results.content

    requested = client_admin_a.post(
        results_url, {"record": [marked["contact_id"]], "include_children": "1"}
    )
    purge = Purge.objects.get(org=org)
    assert requested.status_code == 302
    purge_url = reverse("search:purge", args=[org.pk, purge.pk])
    mine = client_admin_a.get(purge_url)
    assert b"Another Admin must approve" in mine.content
    assert client_admin_a.post(purge_url, {"action": "approve"}).status_code == 200
    assert Purge.objects.get(pk=purge.pk).status == Purge.Status.AWAITING_APPROVAL

    approver = _client_for(second_admin)
    assert approver.post(purge_url, {"action": "approve"}).status_code == 302
    purge.refresh_from_db()
    assert job_run_inline(job=purge.job).status == "completed"
    certificate = approver.get(purge_url)
    assert b"Purge certificate" in certificate.content
    assert marker.encode() not in certificate.content
    assert marked["contact_id"].encode() not in certificate.content
    download = approver.get(reverse("search:certificate_download", args=[org.pk, purge.pk]))
    data = json.loads(download.content)
    assert data["objects"]["Contact"]["records"] == 1 and data["objects"]["Case"]["records"] == 1
    assert data["requested_by"] == admin_a.email and data["approved_by"] == second_admin.email
    assert marked["contact_id"] not in download.content.decode()


def test_another_tenant_gets_404_on_every_page(marked, admin_a, client_outsider):
    org = marked["org"]
    PurgeSettings.objects.create(org=org, require_approval=True)
    search = run_search(org, "Contact", f"Email = '{marked['marker']}'")
    from search.services import purge_request

    purge = purge_request(search=search, actor=admin_a, enqueue=False)
    urls = [
        reverse("search:search", args=[org.pk]),
        reverse("search:results", args=[org.pk, search.pk]),
        reverse("search:purge", args=[org.pk, purge.pk]),
        reverse("search:certificate_download", args=[org.pk, purge.pk]),
    ]
    for url in urls:
        assert client_outsider.get(url).status_code == 404, url
        assert client_outsider.post(url, {"action": "approve"}).status_code == 404, url
    assert Purge.objects.get(pk=purge.pk).status == Purge.Status.AWAITING_APPROVAL
