"""A refresh token revoked in Salesforce in the middle of a backup: the org is marked
"needs reconnecting" (every page of it says so, with Reconnect), the objects not read
yet are not attempted, the job says why once; Reconnect signs in again through
Salesforce's pages and the next backup runs."""

from django.urls import reverse

from backups.engine import object_backup
from common.crypto import unwrap_secret
from jobs.models import Job, JobLog, JobObject
from orgs.models import Org
from orgs.services import _refresh_token_purpose
from salesforce import auth
from tests.backups.starts import backup_run_inline, backup_start
from tests.orgs import browser


def _revoke_refresh_token(org, sfsim) -> None:
    token = unwrap_secret(org.refresh_token_wrapped, _refresh_token_purpose(org.pk)).decode()
    auth.revoke(org.login_url, token, sfsim.ca_path)


def test_a_revoked_login_stops_the_backup_and_asks_for_a_reconnect(
    backup_org, sfsim, monkeypatch, client_admin_a
):
    real_write = object_backup.ObjectBackup.write_rows
    revoked = []

    def write_then_revoke(self, rows):
        real_write(self, rows)
        if not revoked:  # an admin revokes OrgVault's access in Salesforce Setup
            _revoke_refresh_token(self.org, sfsim)
            revoked.append(self.name)

    monkeypatch.setattr(object_backup.ObjectBackup, "write_rows", write_then_revoke)
    job = backup_run_inline(job=backup_start(org=backup_org, enqueue=False))
    monkeypatch.undo()

    assert job.status == Job.Status.ERROR
    backup_org.refresh_from_db()
    assert backup_org.status == Org.Status.NEEDS_RECONNECT
    failed = JobObject.objects.filter(job=job, status=JobObject.Status.EXCEPTION)
    completed = JobObject.objects.filter(job=job, status=JobObject.Status.COMPLETED)
    assert failed.count() + completed.count() == JobObject.objects.filter(job=job).count()
    not_attempted = failed.filter(error_message="Not read: the org needs reconnecting.")
    assert not_attempted.count() >= failed.count() - 1  # only the object being read failed
    assert not_attempted.filter(api_calls=0).count() == not_attempted.count()
    lines = list(JobLog.objects.filter(job=job).values_list("message", flat=True))
    assert sum("refused OrgVault's login" in line for line in lines) == 1  # why, once
    assert sum("were not read: the org needs reconnecting" in line for line in lines) == 1

    # Every page of the org says so and offers Reconnect (an Admin's page).
    for page in ("orgs:get_started", "backups:overview", "schedules:list"):
        html = client_admin_a.get(reverse(page, args=[backup_org.pk])).content.decode()
        assert (
            "needs reconnecting" in html and reverse("orgs:reconnect", args=[backup_org.pk]) in html
        )

    # Reconnect: sign in again at Salesforce's pages; the same org gets the new login.
    answer = client_admin_a.post(reverse("orgs:reconnect", args=[backup_org.pk]))
    assert answer.status_code == 302
    creds = sfsim.credentials[0]
    outcome = browser.log_in(
        sfsim.session(), answer["Location"], creds["username"], creds["password"], "allow"
    )
    done = client_admin_a.get(outcome.callback)
    assert done.status_code == 302, done.content.decode()[-2000:]
    backup_org.refresh_from_db()
    assert backup_org.status == Org.Status.CONNECTED
    assert Org.objects.filter(tenant=backup_org.tenant).count() == 1  # the same org, not a new one
    again = backup_run_inline(job=backup_start(org=backup_org, enqueue=False))
    assert again.status == Job.Status.COMPLETED, again.error_message


def test_reconnect_is_for_admins_of_the_org_only(backup_org, client_user_a, client_outsider):
    url = reverse("orgs:reconnect", args=[backup_org.pk])
    assert client_user_a.post(url).status_code == 403
    assert client_outsider.post(url).status_code == 404
