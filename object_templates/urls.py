from django.urls import path

from object_templates import views

app_name = "templates"

TEMPLATES = "orgs/<int:org_id>/backups/templates/"
TEMPLATE = TEMPLATES + "<int:template_id>/"
OBJECT = TEMPLATE + "objects/<int:template_object_id>/"

urlpatterns = [
    path(TEMPLATES, views.template_list, name="list"),
    path(TEMPLATES + "new/", views.template_new, name="new"),
    path(TEMPLATE, views.template_edit, name="edit"),
    path(TEMPLATE + "delete/", views.template_delete, name="delete"),
    path(TEMPLATE + "objects/add/", views.objects_add, name="objects_add"),
    path(OBJECT + "children/add/", views.child_add, name="child_add"),
    path(OBJECT + "remove/", views.object_remove, name="object_remove"),
    path(OBJECT + "filter/", views.filter_apply, name="filter"),
    path(OBJECT + "count/", views.filter_count, name="count"),
    path(OBJECT + "retain/", views.object_retain, name="object_retain"),
]
