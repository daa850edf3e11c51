from django.urls import path

from notifications import views

app_name = "notifications"

BASE = "orgs/<int:org_id>/settings/notifications/"

urlpatterns = [
    path(BASE, views.notification_settings, name="settings"),
    path(BASE + "log/", views.delivery_log, name="log"),
    path(BASE + "recipients/", views.recipient_add, name="recipient_add"),
    path(
        BASE + "recipients/<int:recipient_id>/remove/",
        views.recipient_remove,
        name="recipient_remove",
    ),
    path(BASE + "defaults/", views.defaults_update, name="defaults"),
    path(BASE + "rules/", views.rule_add, name="rule_add"),
    path(BASE + "rules/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
    path(BASE + "anomalies/", views.anomaly_rule_add, name="anomaly_add"),
    path(
        BASE + "anomalies/<int:anomaly_rule_id>/delete/",
        views.anomaly_rule_delete,
        name="anomaly_delete",
    ),
    path(BASE + "webhook/", views.webhook_update, name="webhook"),
]
