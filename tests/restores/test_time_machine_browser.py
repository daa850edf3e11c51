"""The time machine in Chromium: from a backup's record page to the record's versions, a
compare with the changed field highlighted, and a restore of one field after the one
confirmation, which queues a restore job and lands on its page."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from jobs.models import Job
from restores.models import RestoreRequest
from tests.backups.factories import make_backup, make_org, record_id

ACME = record_id("001", 1)


@pytest.mark.django_db(transaction=True)
def test_compare_and_restore_one_field_from_the_record_page(
    page, live_server, admin_a, vault_storage
):
    org = make_org(admin_a.tenant)
    make_backup(org, {"Account": [(ACME, {"Name": "Acme", "Phone": "111"})]})
    latest = make_backup(org, {"Account": [(ACME, {"Name": "Acme", "Phone": "222"})]})
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
    page.goto(
        live_server.url + reverse("backups:record", args=[org.pk, latest.pk, "Account", ACME])
    )
    page.get_by_role("link", name="Time machine").click()
    page.wait_for_url(f"**/time-machine/Account/{ACME}/")

    assert page.locator("#tm-versions tbody tr").count() == 2
    changed = page.locator('#tm-compare tr[data-changed="1"]')
    assert changed.count() == 1 and changed.locator("td").first.inner_text() == "Phone"
    assert "diff-changed" in (changed.get_attribute("class") or "")

    form = page.locator("#tm-restore")
    form.locator('select[name="version_id"]').select_option(
        label=page.locator('#tm-restore select[name="version_id"] option').nth(1).inner_text()
    )  # the older version
    form.get_by_label("Only the fields ticked below").check()
    form.locator('input[name="fields"][value="Phone"]').check()
    form.get_by_role("button", name="Restore").click()
    # The browser refuses the form until the confirmation is ticked.
    assert not RestoreRequest.objects.filter(org=org).exists()
    form.locator('input[name="confirm"]').check()
    form.get_by_role("button", name="Restore").click()
    page.wait_for_url("**/jobs/*/")

    request = RestoreRequest.objects.get(org=org)
    assert request.fields == {"Account": ["Phone"]}
    assert request.filters == {"Account": f"Id = '{ACME}'"}
    job = Job.objects.get(org=org, operation="restore")
    assert page.url.endswith(reverse("jobs:job", args=[org.pk, job.pk]))
    assert job.settings["request_id"] == request.pk
