"""The object templates move here from backups/ (BackupTemplate becomes ObjectTemplate).

State only: the tables stay as they are (backups_*) until 0002 renames them, so no row
is copied and nothing is lost.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("backups", "0001_templates"),
        ("orgs", "0005_org_api_quota"),
        ("tenants", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                    migrations.CreateModel(
                        name='ObjectTemplate',
                        fields=[
                            ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                            ('kind', models.CharField(choices=[('backup', 'Backup')], default='backup', max_length=10)),
                            ('name', models.CharField(max_length=200)),
                            ('description', models.TextField(blank=True)),
                            ('revision', models.PositiveIntegerField(default=1)),
                            ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                            ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                            ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                            ('org', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='templates', to='orgs.org')),
                            ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenants.tenant')),
                        ],
                        options={
                            'ordering': ['name', 'id'],
                            'db_table': 'backups_backuptemplate',
                        },
                    ),
                    migrations.CreateModel(
                        name='TemplateObject',
                        fields=[
                            ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                            ('object_name', models.CharField(max_length=120)),
                            ('relationship_field', models.CharField(blank=True, max_length=120)),
                            ('relationship_name', models.CharField(blank=True, max_length=120)),
                            ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='children', to='object_templates.templateobject')),
                            ('template', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='template_objects', to='object_templates.objecttemplate')),
                        ],
                        options={
                            'ordering': ['object_name', 'id'],
                            'db_table': 'backups_templateobject',
                        },
                    ),
                    migrations.CreateModel(
                        name='TemplateFilter',
                        fields=[
                            ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                            ('mode', models.CharField(choices=[('declarative', 'Declarative'), ('soql', 'SOQL')], max_length=12)),
                            ('rows', models.JSONField(blank=True, default=list)),
                            ('where', models.TextField(blank=True)),
                            ('condition', models.TextField()),
                            ('template_object', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='filter', to='object_templates.templateobject')),
                        ],
                        options={
                            'db_table': 'backups_templatefilter',
                        },
                    ),
                    migrations.AddConstraint(
                        model_name='objecttemplate',
                        constraint=models.UniqueConstraint(fields=('org', 'name'), name='template_name_unique_per_org'),
                    ),
                    migrations.AddConstraint(
                        model_name='templateobject',
                        constraint=models.UniqueConstraint(fields=('template', 'object_name'), name='template_object_once'),
                    ),
            ],
            database_operations=[],
        ),
    ]
