from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("orgs/<int:org_id>/analytics/", views.performance, name="performance"),
    path("orgs/<int:org_id>/analytics/monitoring/", views.monitoring, name="monitoring"),
    path("orgs/<int:org_id>/analytics/salesforce/", views.salesforce, name="salesforce"),
]
