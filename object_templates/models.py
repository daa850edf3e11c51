"""Object templates: which objects a templated operation (Templated Backup, and archives)
reads, their child objects, and a filter per object (object_templates/services.py writes
them; a job keeps a snapshot copy).

- `ObjectTemplate`: named per org; `revision` goes up with every change, so a changed
  template starts a new series of watermarks (its next run reads its data in full).
- `TemplateObject`: an object of the template; a child object has a `parent` and is read
  through its relationship to the selected parents (`relationship_field`, e.g.
  Contact.AccountId, `relationship_name`, e.g. Account's "Contacts"). One level deep.
- `TemplateFilter`: the object's filter, declarative rows or a SOQL WHERE clause, with the
  `condition` it compiles to (canonical SOQL, checked against the object's fields).
"""

from django.conf import settings as django_settings
from django.db import models
from django.utils import timezone


class ObjectTemplate(models.Model):
    class Kind(models.TextChoices):
        BACKUP = "backup", "Backup"
        ARCHIVE = "archive", "Archive"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="templates")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.BACKUP)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="template_name_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateObject(models.Model):
    template = models.ForeignKey(
        ObjectTemplate, on_delete=models.CASCADE, related_name="template_objects"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    object_name = models.CharField(max_length=120)
    relationship_field = models.CharField(max_length=120, blank=True)
    relationship_name = models.CharField(max_length=120, blank=True)
    # Archive templates only. `dependency`: how Salesforce treats this child when its
    # parent is deleted ("cascade": deleted with it; "restrict": the parent's delete is
    # refused while it exists; "" an ordinary lookup). Dependent children are added by
    # themselves and `locked` (cannot be removed). `retain`: archived, kept in Salesforce
    # (unless a deleted parent takes it along).
    dependency = models.CharField(max_length=10, blank=True)
    locked = models.BooleanField(default=False)
    retain = models.BooleanField(default=False)

    class Meta:
        ordering = ["object_name", "id"]
        constraints = [
            # An object is read once per template: as a top object or as one child.
            models.UniqueConstraint(
                fields=["template", "object_name"], name="template_object_once"
            ),
        ]

    def __str__(self) -> str:
        return self.object_name


class TemplateFilter(models.Model):
    class Mode(models.TextChoices):
        DECLARATIVE = "declarative", "Declarative"
        SOQL = "soql", "SOQL"

    template_object = models.OneToOneField(
        TemplateObject, on_delete=models.CASCADE, related_name="filter"
    )
    mode = models.CharField(max_length=12, choices=Mode.choices)
    rows = models.JSONField(default=list, blank=True)  # [{"field", "operator", "value"}]
    where = models.TextField(blank=True)  # the SOQL mode's text, as typed
    condition = models.TextField()  # what both modes compile to, canonical SOQL

    def __str__(self) -> str:
        return self.condition
