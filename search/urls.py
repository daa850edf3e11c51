from django.urls import path

from search import views

app_name = "search"

urlpatterns = [
    path("orgs/<int:org_id>/search/", views.search_page, name="search"),
    path("orgs/<int:org_id>/search/<int:search_id>/", views.search_results, name="results"),
    path("orgs/<int:org_id>/purges/<int:purge_id>/", views.purge_page, name="purge"),
    path(
        "orgs/<int:org_id>/purges/<int:purge_id>/certificate.json",
        views.purge_certificate_download,
        name="certificate_download",
    ),
]
