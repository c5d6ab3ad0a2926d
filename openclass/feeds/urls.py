"""Outside catalogs, under /catalogs/: the office's pages (``views.office``) and the demo's open
data the installation serves itself (``views.demo``)."""

from django.urls import path

from .views import demo, office

app_name = "feeds"

urlpatterns: list = [
    path("", office.catalogs, name="catalogs"),
    path("new/", office.catalog_new, name="catalog_new"),
    path("<id:pk>/", office.catalog, name="catalog"),
    path("<id:pk>/edit/", office.catalog_edit, name="catalog_edit"),
    path("<id:pk>/fetch/", office.catalog_fetch, name="catalog_fetch"),
    path("<id:pk>/active/", office.catalog_active, name="catalog_active"),
    path("demo/oai", demo.oai, name="demo_oai"),
    path("demo/feed.json", demo.feed_json, name="demo_feed_json"),
    path("demo/feed.csv", demo.feed_csv, name="demo_feed_csv"),
]
