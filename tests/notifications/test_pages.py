"""Settings → Notifications and the delivery log: admin-only writes, validation
messages, tenant scoping (another tenant's ids are 404), pagination."""

import pytest
from django.urls import reverse

from notifications.models import (
    AnomalyRule,
    CustomRule,
    DefaultNotification,
    Delivery,
    Recipient,
    Webhook,
)
from notifications.outbound import REFUSED
from tests.notifications import factories

pytestmark = pytest.mark.django_db


def url(name, org, *args):
    return reverse(f"notifications:{name}", args=[org.pk, *args])


def test_the_settings_page_shows_every_section_and_the_sidebar_links_to_it(client_admin_a, org):
    page = client_admin_a.get(url("settings", org)).content.decode()
    for heading in (
        "Recipients",
        "Default notifications",
        "Custom notifications",
        "Anomaly rules",
        "Webhook",
    ):
        assert f"<h2>{heading}</h2>" in page
    assert 'name="composite_backup__failed"' in page
    assert "Composite Backup" in page
    assert '<option value="admin@a.example">' in page  # tenant users offered
    assert (
        f'href="{url("settings", org)}" aria-current="page" class="active">Notifications</a>'
        in page
    )
    general = client_admin_a.get(reverse("orgs:settings_general", args=[org.pk])).content.decode()
    assert f'href="{url("settings", org)}">Notifications</a>' in general


def test_an_admin_adds_and_removes_recipients_with_validation(client_admin_a, org):
    response = client_admin_a.post(url("recipient_add", org), {"email": "Ops@Example.com"})
    assert response.status_code == 302
    again = client_admin_a.post(url("recipient_add", org), {"email": "ops@example.com"})
    assert again.status_code == 400
    assert (
        "ops@example.com already receives this org&#x27;s notifications." in again.content.decode()
    )
    bad = client_admin_a.post(url("recipient_add", org), {"email": "not-an-address"})
    assert "Enter a valid email address, e.g. ops@example.com." in bad.content.decode()
    recipient = Recipient.objects.get()
    assert recipient.email == "Ops@Example.com"

    client_admin_a.post(url("recipient_remove", org, recipient.pk))
    assert not Recipient.objects.exists()


def test_an_admin_switches_default_notifications(client_admin_a, org):
    response = client_admin_a.post(
        url("defaults", org),
        {"composite_backup__failed": "on", "templated_backup__completed": "on"},
    )
    assert response.status_code == 302
    assert set(DefaultNotification.objects.values_list("operation", "event")) == {
        ("composite_backup", "failed"),
        ("templated_backup", "completed"),
    }
    page = client_admin_a.get(url("settings", org)).content.decode()
    assert 'name="composite_backup__failed" id="id_composite_backup__failed" checked' in page


def test_an_admin_adds_rules_and_bad_input_says_what_to_do(client_admin_a, org):
    client_admin_a.post(
        url("rule_add", org),
        {
            "object_name": "Contact",
            "change": "deleted",
            "comparison": "more_than",
            "threshold": "10",
        },
    )
    assert str(CustomRule.objects.get()) == "Contact: records deleted more than 10"
    bad = client_admin_a.post(
        url("rule_add", org),
        {
            "object_name": "Contact; drop",
            "change": "deleted",
            "comparison": "more_than",
            "threshold": "-1",
        },
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "Enter an object&#x27;s API name" in text
    assert "The number of records cannot be negative." in text
    assert CustomRule.objects.count() == 1

    client_admin_a.post(
        url("anomaly_add", org),
        {"object_name": "Contact", "deviations": "3", "minimum_count": "100"},
    )
    twice = client_admin_a.post(
        url("anomaly_add", org), {"object_name": "Contact", "deviations": "2", "minimum_count": "5"}
    )
    assert "Contact already has an anomaly rule" in twice.content.decode()
    rule = AnomalyRule.objects.get()
    client_admin_a.post(url("anomaly_delete", org, rule.pk))
    client_admin_a.post(url("rule_delete", org, CustomRule.objects.get().pk))
    assert not AnomalyRule.objects.exists() and not CustomRule.objects.exists()


def test_a_webhook_on_a_private_address_is_refused(client_admin_a, org, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    response = client_admin_a.post(url("webhook", org), {"url": "http://169.254.169.254/x"})
    assert response.status_code == 400
    assert REFUSED.replace("'", "&#x27;") in response.content.decode()
    assert not Webhook.objects.exists()
    settings.OUTBOUND_ALLOW_PRIVATE = True
    client_admin_a.post(url("webhook", org), {"url": "http://127.0.0.1:9/hook"})
    assert Webhook.objects.get().url == "http://127.0.0.1:9/hook"
    client_admin_a.post(url("webhook", org), {"url": ""})
    assert not Webhook.objects.exists()


def test_a_user_reads_but_cannot_change(client_user_a, org):
    page = client_user_a.get(url("settings", org)).content.decode()
    assert "Add recipient" not in page
    response = client_user_a.post(url("recipient_add", org), {"email": "x@example.com"})
    assert response.status_code == 403
    assert not Recipient.objects.exists()


def test_another_tenant_gets_404_on_every_page(client_outsider, org):
    class A:
        pass

    a = A()
    a.org = org
    recipient = factories.isolation_recipient(a)
    rule = factories.isolation_rule(a)
    anomaly = factories.isolation_anomaly_rule(a)
    for name, args in [("settings", ()), ("log", ())]:
        assert client_outsider.get(url(name, org, *args)).status_code == 404
    for name, args in [
        ("recipient_add", ()),
        ("recipient_remove", (recipient.pk,)),
        ("defaults", ()),
        ("rule_add", ()),
        ("rule_delete", (rule.pk,)),
        ("anomaly_add", ()),
        ("anomaly_delete", (anomaly.pk,)),
        ("webhook", ()),
    ]:
        assert (
            client_outsider.post(url(name, org, *args), {"email": "x@b.example"}).status_code == 404
        )
    assert Recipient.objects.count() == 1 and CustomRule.objects.count() == 1


def test_a_row_of_another_org_is_404_even_inside_the_tenant(client_admin_a, org, tenant_a):
    other = factories.make_org(tenant_a, "Sandbox")
    rule = CustomRule.objects.create(
        org=other, object_name="Contact", change="added", comparison="more_than", threshold=1
    )
    assert client_admin_a.post(url("rule_delete", org, rule.pk)).status_code == 404
    assert CustomRule.objects.filter(pk=rule.pk).exists()


def test_the_delivery_log_lists_paginates_and_filters(
    client_user_a, org, django_assert_max_num_queries
):
    job = factories.finished_job(org, {"Account": (1, 0, 0)})
    for n in range(30):
        Delivery.objects.create(
            org=org,
            job=job,
            reason="completed",
            channel="email",
            recipient=f"r{n}@example.com",
            subject=f"Subject {n}",
            body_text="x",
            status="failed" if n == 0 else "sent",
            attempts=4 if n == 0 else 1,
            last_error="SMTPDataError: (451, 'busy')" if n == 0 else "",
        )
    with django_assert_max_num_queries(8):
        page = client_user_a.get(url("log", org)).content.decode()
    assert "Subject 29" in page and "Subject 0" not in page  # newest first, 25 a page
    assert "30 in all" in page
    assert f'href="/orgs/{org.pk}/jobs/{job.pk}/">Job {job.pk}</a>' in page
    second = client_user_a.get(url("log", org) + "?page=2").content.decode()
    assert "Subject 0" in second and "SMTPDataError: (451, &#x27;busy&#x27;)" in second
    failed = client_user_a.get(url("log", org) + "?status=failed").content.decode()
    assert "1 in all" in failed and "r0@example.com" in failed


def test_the_settings_page_costs_the_same_queries_however_many_rows(
    client_admin_a, org, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as empty:
        client_admin_a.get(url("settings", org))
    for n in range(5):
        Recipient.objects.create(org=org, email=f"r{n}@example.com")
        CustomRule.objects.create(
            org=org, object_name=f"Obj{n}__c", change="added", comparison="more_than", threshold=n
        )
        AnomalyRule.objects.create(org=org, object_name=f"Obj{n}__c")
    with django_assert_num_queries(len(empty.captured_queries)):
        page = client_admin_a.get(url("settings", org)).content.decode()
    assert "r4@example.com" in page and "Obj4__c: records added more than 4" in page
