"""Schedules move here from jobs/ (state only: the table jobs_schedule stays until 0002
renames it, so no row is copied and nothing is lost)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("jobs", "0006_engine_knows_no_operation"),
        ("object_templates", "0001_initial"),
        ("orgs", "0005_org_api_quota"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                    migrations.CreateModel(
                        name='Schedule',
                        fields=[
                            ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                            ('kind', models.CharField(choices=[('system', 'System'), ('user', 'User')], default='user', max_length=10)),
                            ('operation', models.CharField(max_length=32)),
                            ('name', models.CharField(max_length=200)),
                            ('description', models.TextField(blank=True)),
                            ('settings', models.JSONField(blank=True, default=dict)),
                            ('frequency', models.CharField(choices=[('daily', 'Daily'), ('weekly', 'Weekly'), ('monthly', 'Monthly')], default='daily', max_length=10)),
                            ('interval', models.PositiveSmallIntegerField(default=1)),
                            ('run_at', models.TimeField()),
                            ('start_date', models.DateField()),
                            ('weekdays', models.JSONField(blank=True, default=list)),
                            ('monthly_mode', models.CharField(choices=[('day', 'Day of the month'), ('weekday', 'Weekday of the month')], default='day', max_length=10)),
                            ('month_day', models.PositiveSmallIntegerField(default=1)),
                            ('month_week', models.CharField(choices=[('first', 'First'), ('last', 'Last')], default='first', max_length=10)),
                            ('month_weekday', models.PositiveSmallIntegerField(default=0)),
                            ('enabled', models.BooleanField(default=True)),
                            ('next_run_at', models.DateTimeField(blank=True, null=True)),
                            ('last_run_at', models.DateTimeField(blank=True, null=True)),
                            ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                            ('updated_at', models.DateTimeField(auto_now=True)),
                            ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                            ('last_job', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='jobs.job')),
                            ('org', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='schedules', to='orgs.org')),
                            ('template', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='schedules', to='object_templates.objecttemplate')),
                        ],
                        options={
                            'ordering': ['org', 'kind', 'name', 'id'],
                            'db_table': 'jobs_schedule',
                            'indexes': [models.Index(fields=['enabled', 'next_run_at'], name='schedule_due')],
                            'constraints': [models.UniqueConstraint(condition=models.Q(('kind', 'system')), fields=('org', 'operation'), name='schedule_one_system_per_operation')],
                        },
                    ),
            ],
            database_operations=[],
        ),
    ]
