"""Django admin for support staff (/admin/): who gets in, what it never shows, what its
job actions do, and its throttled sign-in.

The secrets walk renders every registered model's changelist and the change page of one
row of each, with an org that holds every kind of secret (refresh token, connected-app
secret, S3 secret, tenant key, data key) and a backup whose records carry marker values;
no page may hold a plaintext, a wrapped blob in any common encoding, or a field value.
"""

import base64
import html
from datetime import date, time, timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from common import crypto
from jobs.models import Job, JobLog, JobObject
from orgs.models import Org
from schedules.models import Schedule
from tenants.api_tokens import api_token_create
from tenants.audit import audit_record
from tenants.models import ApiToken, PermissionGroup, User
from tests.backups.factories import make_backup, make_running_job, record_id
from tests.fixtures.mfa import mfa_verified
from tests.fixtures.personas import PASSWORD, sign_in
from tests.object_templates.factories import add_object, make_template
from tests.orgs.factories import make_org
from vault.models import RecordVersion, Segment, Snapshot

TENANT_KEY = crypto.generate_tenant_key()
REFRESH_TOKEN = "5Aep861TSESvWeug_refresh_token_marker"
CLIENT_SECRET = "connected-app-secret-marker-8812"
S3_SECRET = "s3-secret-access-key-marker/9Qz"
S3_KEY_ID = "AKIAMARKERKEYID0001"
ACCOUNT_NAME = "Zebra Marker Holdings"
ACCOUNT_PHONE = "+1 555 0199 7731"
FILTER_VALUE = "Industry = 'Banking'"

OUR_APPS = {"tenants", "orgs", "jobs", "vault", "schedules", "object_templates"}
EXPECTED_MODELS = [
    "tenants.Tenant",
    "tenants.User",
    "orgs.Org",
    "orgs.ObjectCatalogEntry",
    "jobs.Job",
    "jobs.JobLog",
    "schedules.Schedule",
    "object_templates.ObjectTemplate",
    "vault.Snapshot",
    "vault.Segment",
    "vault.RecordVersion",
]


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_superuser(
        username="support", email="support@orgvault.example", password=PASSWORD
    )


@pytest.fixture
def staff_client(staff) -> Client:
    return mfa_verified(Client(), staff)  # the Django admin always requires MFA


@pytest.fixture
def vault_storage(settings, tmp_path):
    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "storage")},
    }
    settings.STORAGES = {**settings.STORAGES, "vault": storage, "default": storage}


@pytest.fixture
def secret_org(tenant_a, admin_a) -> Org:
    """An org with every secret the product keeps, wrapped as the product wraps them."""
    org = make_org(tenant_a, key_text=TENANT_KEY)
    org.refresh_token_wrapped = crypto.wrap_secret(REFRESH_TOKEN, f"refresh-token:{org.pk}")
    org.client_secret_wrapped = crypto.wrap_secret(CLIENT_SECRET, f"client-secret:{org.pk}")
    org.client_id = "3MVG9connectedappid"
    # Own-bucket credentials kept for later (the org's blobs stay in the test's folder).
    org.s3_bucket = "acme-backups"
    org.s3_access_key_id = S3_KEY_ID
    org.s3_secret_wrapped = crypto.wrap_secret(S3_SECRET, f"s3-secret:{org.pk}")
    org.save()
    return org


@pytest.fixture
def world(secret_org, vault_storage, outsider, user_a):
    """One row of everything the admin lists."""
    backup = make_backup(
        secret_org,
        {"Account": [(record_id("001", 1), {"Name": ACCOUNT_NAME, "Phone": ACCOUNT_PHONE})]},
    )
    running = make_running_job(secret_org)
    template = make_template(secret_org)
    add_object(template, "Account", condition=FILTER_VALUE)
    Schedule.objects.create(
        org=secret_org,
        kind=Schedule.Kind.SYSTEM,
        operation="composite_backup",
        name="Default Composite Backup",
        run_at=time(2, 0),
        start_date=date(2026, 1, 1),
        next_run_at=timezone.now() + timedelta(hours=3),
    )
    # The security models: a permission group, an API token, an audit event.
    group = PermissionGroup.objects.create(
        tenant=secret_org.tenant, name="Exporters", permissions=["export"]
    )
    group.members.add(user_a)
    api_token_create(user=user_a, name="admin-test token")
    audit_record(tenant=secret_org.tenant, action="org.connected", target=f"Org {secret_org.pk}")
    return {"org": secret_org, "backup": backup, "running": running}


def registered_admins():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def admin_urls(model, obj=None) -> list[str]:
    opts = model._meta
    urls = [reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")]
    if obj is not None:
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    return urls


def forbidden_texts(org: Org) -> list[str]:
    """Every secret's plaintext and every wrapped or hashed value, in the encodings a
    page could show them in (repr of bytes, hex, base64)."""
    data_key = crypto.unwrap_data_key(crypto.parse_tenant_key(TENANT_KEY), org.data_key_wrapped)
    texts = [REFRESH_TOKEN, CLIENT_SECRET, S3_SECRET, S3_KEY_ID, TENANT_KEY, ACCOUNT_NAME]
    texts += [ACCOUNT_PHONE, base64.b64encode(data_key).decode(), data_key.hex()]
    blobs = [
        bytes(getattr(org, name))
        for name in (
            "tenant_key_wrapped",
            "data_key_wrapped",
            "client_secret_wrapped",
            "refresh_token_wrapped",
            "s3_secret_wrapped",
        )
    ]
    blobs += [bytes(v.content_hash) for v in RecordVersion.objects.filter(org=org)]
    for blob in blobs:
        texts += [blob.hex(), base64.b64encode(blob).decode(), html.escape(repr(blob)[2:32])]
    texts += [user.password for user in User.objects.all()]
    texts += [token.token_hash for token in ApiToken.objects.all()]
    return texts


@pytest.mark.django_db
def test_every_admin_page_renders_for_staff_and_never_shows_a_secret(staff_client, world):
    org = world["org"]
    forbidden = forbidden_texts(org)
    rendered = []
    for model, _model_admin in registered_admins():
        obj = model._default_manager.order_by("pk").first()
        if model._meta.app_label in OUR_APPS:
            assert obj is not None, f"the test world has no {model._meta.label} row"
        for url in admin_urls(model, obj):
            response = staff_client.get(url)
            assert response.status_code == 200, url
            page = response.content.decode()
            for text in forbidden:
                assert text not in page, f"{url} shows a secret or a field value"
            assert "memory at 0x" not in page, f"{url} renders a binary field"
            rendered.append(url)

    ours = {model._meta.label for model, _ in registered_admins()} & set(EXPECTED_MODELS)
    assert ours == set(EXPECTED_MODELS) and len(rendered) >= 2 * len(ours)
    org_page = staff_client.get(reverse("admin:orgs_org_change", args=[org.pk])).content.decode()
    assert org.key_fingerprint in org_page and "Connected" in org_page


@pytest.mark.django_db
def test_staff_change_an_orgs_operations_and_its_secrets_stay_intact(staff_client, secret_org):
    url = reverse("admin:orgs_org_change", args=[secret_org.pk])
    form = {"scheduled_archives_enabled": "on", "api_quota_rest_percent": "40"}

    response = staff_client.post(url, {**form, "api_quota_bulk_percent": "60", "_save": "1"})

    assert response.status_code == 302
    org = Org.objects.get(pk=secret_org.pk)
    assert (org.scheduled_backups_enabled, org.api_quota_rest_percent) == (False, 40)
    assert (org.name, org.key_fingerprint) == (secret_org.name, secret_org.key_fingerprint)
    token = crypto.unwrap_secret(org.refresh_token_wrapped, f"refresh-token:{org.pk}")
    assert token.decode() == REFRESH_TOKEN
    assert bytes(org.data_key_wrapped) == bytes(secret_org.data_key_wrapped)


@pytest.mark.django_db
def test_snapshot_list_shows_counts_and_sizes(staff_client, world):
    snapshot = Snapshot.objects.get(job=world["backup"])

    response = staff_client.get(reverse("admin:vault_snapshot_changelist"))

    row = next(s for s in response.context["cl"].result_list if s.pk == snapshot.pk)
    assert (row.segment_total, row.stored_bytes > 0) == (1, True)
    page = staff_client.get(
        reverse("admin:vault_snapshot_change", args=[snapshot.pk])
    ).content.decode()
    assert "<td>Account</td><td>1</td><td>1</td><td>0</td><td>0</td><td>1</td>" in page


@pytest.mark.django_db
def test_non_staff_users_are_sent_to_the_admin_sign_in(client_admin_a, client, world):
    admin_login = reverse("admin:login")
    for model, _model_admin in registered_admins():
        for url in admin_urls(model, model._default_manager.order_by("pk").first()):
            for visitor in (client_admin_a, client):
                response = visitor.get(url)
                assert response.status_code == 302, url
                assert response["Location"].startswith(f"{admin_login}?next="), url
    assert client_admin_a.get(reverse("admin:index"))["Location"].startswith(admin_login)


@pytest.mark.django_db
def test_jobs_and_the_vault_cannot_be_added_changed_or_deleted(staff_client, world):
    job, snapshot = world["backup"], Snapshot.objects.get(job=world["backup"])
    assert staff_client.get(reverse("admin:jobs_job_add")).status_code == 403
    assert staff_client.get(reverse("admin:vault_snapshot_add")).status_code == 403
    assert staff_client.get(reverse("admin:jobs_job_delete", args=[job.pk])).status_code == 403
    delete_snapshot = reverse("admin:vault_snapshot_delete", args=[snapshot.pk])
    assert staff_client.get(delete_snapshot).status_code == 403

    staff_client.post(reverse("admin:jobs_job_change", args=[job.pk]), {"name": "Renamed"})

    job.refresh_from_db()
    assert job.name == "Nightly backup"


@pytest.mark.django_db
def test_job_list_filters_by_status_operation_and_tenant(staff_client, world, outsider):
    other = make_org(outsider.tenant, name="Other")
    Job.objects.create(org=other, tenant=outsider.tenant, operation="metadata_backup", name="M")
    changelist = reverse("admin:jobs_job_changelist")

    def names(query: dict) -> set[str]:
        response = staff_client.get(changelist, query)
        return {job.name for job in response.context["cl"].result_list}

    assert names({"status__exact": "in_progress"}) == {"Running backup"}
    assert names({"operation": "metadata_backup"}) == {"M"}
    assert names({"tenant__id__exact": outsider.tenant_id}) == {"M"}
    assert names({"q": "Nightly"}) == {"Nightly backup"}
    assert names({"q": str(world["running"].pk)}) == {"Running backup"}


@pytest.mark.django_db
def test_job_page_shows_its_objects_and_links_to_its_whole_log(staff_client, world):
    running = world["running"]
    for n in range(3):
        JobLog.objects.create(job=world["backup"], message=f"Other job's line {n}")

    page = staff_client.get(reverse("admin:jobs_job_change", args=[running.pk])).content.decode()

    assert "Account" in page and "Contact" in page and "Job started" in page
    log_url = reverse("admin:jobs_joblog_changelist") + f"?job__id__exact={running.pk}"
    assert html.escape(log_url) in page
    response = staff_client.get(log_url)
    assert [line.message for line in response.context["cl"].result_list] == ["Job started"]


def _add_rows(org: Org, model: str, n: int) -> None:
    """n more jobs, or n more published snapshots each with its job and a segment."""
    for _ in range(n):
        job = Job.objects.create(org=org, tenant=org.tenant, operation="x", name="Row")
        if model == "snapshot":
            seq = Snapshot.objects.filter(org=org).count() + 1
            snapshot = Snapshot.objects.create(org=org, seq=seq, job=job, status="published")
            Segment.objects.create(
                org=org,
                snapshot=snapshot,
                object_name="Account",
                storage_key=f"orgs/{org.pk}/{seq}.seg",
                byte_size=100,
                record_count=1,
            )


@pytest.mark.parametrize("model", ["jobs.job", "vault.snapshot"])
@pytest.mark.django_db
def test_list_queries_do_not_grow_with_rows(
    staff_client, secret_org, model, django_assert_max_num_queries
):
    app_label, model_name = model.split(".")
    changelist = reverse(f"admin:{app_label}_{model_name}_changelist")
    _add_rows(secret_org, model_name, 3)
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(changelist).status_code == 200
    _add_rows(secret_org, model_name, 20)
    with django_assert_max_num_queries(len(few)):
        response = staff_client.get(changelist)
    assert response.context["cl"].result_count == 23


def _run_action(client: Client, action: str, jobs: list[Job]):
    return client.post(
        reverse("admin:jobs_job_changelist"),
        {"action": action, "_selected_action": [job.pk for job in jobs]},
        follow=True,
    )


@pytest.mark.django_db
def test_abort_action_stops_queued_and_running_jobs_and_skips_ended_ones(staff_client, world):
    org, done, running = world["org"], world["backup"], world["running"]
    queued = Job.objects.create(org=org, tenant=org.tenant, operation="composite_backup", name="Q")

    response = _run_action(staff_client, "abort", [done, running, queued])

    queued.refresh_from_db()
    running.refresh_from_db()
    done.refresh_from_db()
    assert queued.status == Job.Status.ABORTED
    assert (running.status, running.abort_requested) == (Job.Status.IN_PROGRESS, True)
    assert (done.status, done.abort_requested) == (Job.Status.COMPLETED, False)
    page = response.content.decode()
    assert f"Abort requested for job(s) {running.pk}, {queued.pk}." in page or (
        f"Abort requested for job(s) {queued.pk}, {running.pk}." in page
    )
    assert f"Job(s) {done.pk} had already ended" in page
    assert JobLog.objects.filter(job=running, message="Abort requested.").exists()


@pytest.fixture
def sent_tasks(monkeypatch) -> list[tuple]:
    sent: list[tuple] = []
    monkeypatch.setattr("jobs.services.async_task", lambda *args, **kw: sent.append(args))
    return sent


@pytest.mark.django_db
def test_requeue_hands_a_stuck_running_job_back_to_the_workers(
    staff_client, world, sent_tasks, django_capture_on_commit_callbacks
):
    running = world["running"]
    account = JobObject.objects.get(job=running, object_name="Account")
    contact = JobObject.objects.get(job=running, object_name="Contact")
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=running.pk).update(heartbeat_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        response = _run_action(staff_client, "requeue", [running])

    running.refresh_from_db()
    account.refresh_from_db()
    assert account.status == JobObject.Status.QUEUED  # resumes from its saved cursor
    assert running.status == Job.Status.IN_PROGRESS and running.heartbeat_at > long_ago
    assert sorted(sent_tasks) == sorted(
        [("jobs.tasks.job_object_task", account.pk), ("jobs.tasks.job_object_task", contact.pk)]
    )
    assert JobLog.objects.filter(job=running, message="Re-queued by support staff.").exists()
    assert f"Job(s) {running.pk} handed to the workers again." in response.content.decode()


@pytest.mark.django_db
def test_requeue_enqueues_a_queued_job_whose_task_was_lost(
    staff_client, secret_org, sent_tasks, django_capture_on_commit_callbacks
):
    queued = Job.objects.create(
        org=secret_org, tenant=secret_org.tenant, operation="composite_backup", name="Lost"
    )

    with django_capture_on_commit_callbacks(execute=True):
        _run_action(staff_client, "requeue", [queued])

    queued.refresh_from_db()
    assert queued.status == Job.Status.QUEUED and queued.enqueued_at is not None
    assert sent_tasks == [("jobs.tasks.job_prepare_task", queued.pk)]


@pytest.mark.django_db
def test_requeue_leaves_live_and_ended_jobs_alone(
    staff_client, world, sent_tasks, django_capture_on_commit_callbacks
):
    running, done = world["running"], world["backup"]
    running.heartbeat()  # its worker is alive

    with django_capture_on_commit_callbacks(execute=True):
        response = _run_action(staff_client, "requeue", [running, done])

    assert sent_tasks == []
    assert JobObject.objects.get(job=running, object_name="Account").status == "in_progress"
    running.refresh_from_db()
    done.refresh_from_db()
    assert (running.status, done.status) == (Job.Status.IN_PROGRESS, Job.Status.COMPLETED)
    assert "not re-queued" in response.content.decode()
    assert not JobLog.objects.filter(message="Re-queued by support staff.").exists()


@pytest.mark.django_db
def test_job_actions_need_the_change_job_permission(world):
    viewer = User.objects.create_user(
        username="viewer", email="viewer@orgvault.example", password=PASSWORD, is_staff=True
    )
    viewer.user_permissions.add(Permission.objects.get(codename="view_job"))
    client = mfa_verified(Client(), viewer)
    running = world["running"]

    response = client.get(reverse("admin:jobs_job_changelist"))
    assert response.status_code == 200
    assert response.context["action_form"] is None  # no action offered
    _run_action(client, "abort", [running])

    running.refresh_from_db()
    assert running.abort_requested is False


# --- sign-in --------------------------------------------------------------------------


def admin_sign_in(client: Client, username: str, password: str):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
    )


@pytest.mark.django_db
def test_staff_sign_in_reaches_the_admin(client, staff):
    response = admin_sign_in(client, "support", PASSWORD)

    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    # Staff always need MFA for the admin: first they set up an authenticator app.
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("identity:mfa_enrol"))


@pytest.mark.django_db
def test_a_tenant_user_cannot_sign_in_to_the_admin(client, admin_a):
    response = admin_sign_in(client, admin_a.username, PASSWORD)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_sign_in_is_throttled_after_repeated_failures(client, staff):
    for _ in range(5):  # the product's 5 failures per key in 5 minutes
        assert admin_sign_in(client, "support", "Wrong-pass-1").status_code == 200

    response = admin_sign_in(client, "support", PASSWORD)

    assert response.status_code == 429
    assert "Too many sign-in attempts. Try again in a few minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_sign_in_is_throttled_per_ip_like_the_product(client, settings, staff):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/5m/ip,5/5m/key"}
    for n in range(3):
        admin_sign_in(client, f"nobody{n}", "Wrong-pass-1")

    assert admin_sign_in(client, "support", PASSWORD).status_code == 429


@pytest.mark.django_db
def test_failures_at_the_product_sign_in_count_at_the_admin_sign_in(client, admin_a):
    for _ in range(5):
        sign_in(client, admin_a.tenant, admin_a.email, "Wrong-pass-1")

    response = admin_sign_in(Client(), admin_a.username, PASSWORD)

    assert response.status_code == 429
