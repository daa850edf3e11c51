"""Schedules and templates moved apps (jobs → schedules, backups → object_templates):
an installation upgraded from before the move keeps every row."""

import importlib
from datetime import time

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from object_templates.models import ObjectTemplate, TemplateObject
from schedules.models import Schedule

BEFORE_THE_MOVE = [
    ("jobs", "0005_job_object_chunk"),
    ("backups", "0001_templates"),
    ("object_templates", None),
    ("schedules", None),
]


def _leaf_nodes(executor):
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_an_upgrade_keeps_schedules_and_templates(org_a):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_THE_MOVE)
    old = (
        MigrationExecutor(connection)
        .loader.project_state([("jobs", "0005_job_object_chunk"), ("backups", "0001_templates")])
        .apps
    )
    # The data migration of the system schedules, as it ran before the move (twice: once).
    defaults = importlib.import_module("jobs.migrations.0003_schedule_system_defaults")
    defaults.create_defaults(old, None)
    defaults.create_defaults(old, None)
    template = old.get_model("backups", "BackupTemplate").objects.create(
        tenant_id=org_a.tenant_id, org_id=org_a.pk, name="Banking accounts"
    )
    old.get_model("backups", "TemplateObject").objects.create(
        template=template, object_name="Account"
    )
    old.get_model("jobs", "Schedule").objects.create(
        org_id=org_a.pk,
        operation="templated_backup",
        name="Nightly banking",
        template=template,
        run_at=time(3),
        start_date="2026-01-01",
    )

    executor = MigrationExecutor(connection)
    executor.migrate(_leaf_nodes(executor))

    moved = ObjectTemplate.objects.get(pk=template.pk)
    assert moved.name == "Banking accounts"
    assert list(
        TemplateObject.objects.filter(template=moved).values_list("object_name", flat=True)
    ) == ["Account"]
    schedules = Schedule.objects.filter(org=org_a).order_by("kind", "operation")
    assert [(s.kind, s.operation) for s in schedules] == [
        ("system", "composite_backup"),
        ("system", "composite_sync_backup"),
        ("user", "templated_backup"),
    ]
    assert schedules.get(kind="user").template == moved
    assert all(s.next_run_at for s in schedules.filter(kind="system"))
    tables = connection.introspection.table_names()
    assert "schedules_schedule" in tables and "object_templates_objecttemplate" in tables
    assert "jobs_schedule" not in tables and "backups_backuptemplate" not in tables
