"""Which notices a job yields: default notifications, custom rules, anomaly rules."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import Job
from notifications import rules, services
from notifications.models import AnomalyRule, CustomRule, Delivery, Recipient
from tests.notifications.factories import finished_job

pytestmark = pytest.mark.django_db


def deleted_rule(org, threshold=10, comparison="more_than"):
    return CustomRule.objects.create(
        org=org,
        object_name="Contact",
        change="deleted",
        comparison=comparison,
        threshold=threshold,
    )


def test_contact_deleted_more_than_10_fires_with_11_deletes(org):
    deleted_rule(org)
    job = finished_job(org, {"Contact": (0, 3, 11), "Account": (5, 0, 40)})

    notices = rules.rule_notices(job)

    assert len(notices) == 1
    assert notices[0].reason == "rule"
    assert "Contact: records deleted more than 10" in notices[0].headline
    assert f"Contact records deleted in job {job.pk}: 11 (more than 10)" in notices[0].lines


def test_it_does_not_fire_with_10_deletes(org):
    deleted_rule(org)
    job = finished_job(org, {"Contact": (0, 3, 10)})

    assert rules.rule_notices(job) == []


def test_less_than_rule_and_objects_the_job_did_not_touch(org):
    CustomRule.objects.create(
        org=org, object_name="Lead", change="added", comparison="less_than", threshold=5
    )
    deleted_rule(org)
    assert len(rules.rule_notices(finished_job(org, {"Lead": (4, 0, 0)}))) == 1
    assert rules.rule_notices(finished_job(org, {"Lead": (5, 0, 0)})) == []
    # No Contact in the job: the Contact rule stays quiet.
    assert rules.rule_notices(finished_job(org, {"Account": (0, 0, 500)})) == []


def test_rules_are_only_checked_for_completed_jobs(org):
    deleted_rule(org)
    job = finished_job(org, {"Contact": (0, 0, 50)}, status=Job.Status.ERROR)
    assert rules.rule_notices(job) == []


def test_a_rule_of_another_org_never_fires(org, tenant_b):
    from tests.notifications.factories import make_org

    deleted_rule(make_org(tenant_b, "Other"))
    assert rules.rule_notices(finished_job(org, {"Contact": (0, 0, 50)})) == []


def quiet_month(org, *, mean=100, spread=10, seed=7, days=30):
    """One completed backup a day for `days` days with ordinary Contact volumes."""
    rng = random.Random(seed)
    now = timezone.now()
    for day in range(days, 0, -1):
        finished_job(
            org,
            {"Contact": tuple(rng.randint(mean - spread, mean + spread) for _ in range(3))},
            finished_at=now - timedelta(days=day) + timedelta(hours=1),
        )


def test_the_anomaly_rule_fires_on_a_20x_spike_after_30_quiet_days(org):
    AnomalyRule.objects.create(org=org, object_name="Contact", deviations=3, minimum_count=50)
    quiet_month(org)
    job = finished_job(org, {"Contact": (100, 95, 2000)})

    notices = rules.anomaly_notices(job)

    assert [n.reason for n in notices] == ["anomaly"]
    assert "Contact records deleted 2,000" in notices[0].headline
    assert f"Contact records deleted in job {job.pk}: 2,000" in notices[0].lines
    assert "(30 jobs)" in notices[0].lines[2]


def test_it_stays_quiet_on_ordinary_variation(org):
    AnomalyRule.objects.create(org=org, object_name="Contact", deviations=3, minimum_count=50)
    quiet_month(org)
    for added, changed, deleted in [(110, 90, 105), (91, 108, 96), (100, 100, 100)]:
        job = finished_job(org, {"Contact": (added, changed, deleted)})
        assert rules.anomaly_notices(job) == []


def test_it_needs_a_history_and_the_minimum_count(org):
    rule = AnomalyRule.objects.create(
        org=org, object_name="Contact", deviations=3, minimum_count=5000
    )
    quiet_month(org, days=3)
    assert rules.anomaly_notices(finished_job(org, {"Contact": (0, 0, 2000)})) == []
    quiet_month(org, days=30, seed=8)
    # Far from the mean but below the minimum count: no alarm.
    assert rules.anomaly_notices(finished_job(org, {"Contact": (0, 0, 2000)})) == []
    rule.minimum_count = 1000
    rule.save()
    assert len(rules.anomaly_notices(finished_job(org, {"Contact": (0, 0, 2000)}))) == 1


def test_jobs_older_than_the_window_do_not_count(org):
    AnomalyRule.objects.create(org=org, object_name="Contact", deviations=3, minimum_count=50)
    now = timezone.now()
    for day in range(31, 61):  # 30 days of huge volumes, all before the window
        finished_job(org, {"Contact": (0, 0, 2000)}, finished_at=now - timedelta(days=day))
    quiet_month(org)
    assert len(rules.anomaly_notices(finished_job(org, {"Contact": (0, 0, 2000)}))) == 1


def test_default_notifications_follow_the_switches(org):
    services.defaults_update(org=org, enabled={("composite_backup", "failed")})
    Recipient.objects.create(org=org, email="ops@example.com")
    failed = finished_job(org, {"Account": (1, 0, 0)}, status=Job.Status.ERROR)
    Job.objects.filter(pk=failed.pk).update(error_message="1 object(s) failed; see the log.")
    failed.refresh_from_db()
    completed = finished_job(org, {"Account": (1, 0, 0)})
    other = finished_job(org, {}, status=Job.Status.ERROR, operation="metadata_backup")

    for job in (failed, completed, other):
        services.on_job_finished(job=job)

    sent = list(Delivery.objects.values_list("job_id", "reason", "recipient"))
    assert sent == [(failed.pk, "failed", "ops@example.com")]
    body = Delivery.objects.get().body_text
    assert "Error: 1 object(s) failed; see the log." in body


def test_started_is_sent_once_however_often_the_job_is_claimed(org):
    services.defaults_update(org=org, enabled={("composite_backup", "started")})
    Recipient.objects.create(org=org, email="ops@example.com")
    job = finished_job(org, {}, status=Job.Status.IN_PROGRESS)

    services.on_job_started(job=job)
    services.on_job_started(job=job)

    assert list(Delivery.objects.values_list("reason", flat=True)) == ["started"]
    assert (
        Delivery.objects.get().subject
        == f"[OrgVault] Acme Prod: Job {job.pk} Nightly backup started"
    )
