"""The office's pages of learning records, under /xapi/office/ (``views.office``), in the
``xapi`` namespace (included by ``urls`` without one of their own)."""

from django.urls import path

from .views import office

urlpatterns: list = [
    path("", office.destinations, name="destinations"),
    path("outside/new/", office.destination_new, name="destination_new"),
    path("outside/<id:pk>/", office.destination, name="destination"),
    path("outside/<id:pk>/edit/", office.destination_edit, name="destination_edit"),
    path("outside/<id:pk>/send/", office.destination_send, name="destination_send"),
    path("outside/<id:pk>/retry/", office.destination_retry, name="destination_retry"),
    path("outside/<id:pk>/active/", office.destination_active, name="destination_active"),
    path("clients/", office.lrs_clients, name="clients"),
    path("clients/new/", office.client_new, name="client_new"),
    path("clients/<id:pk>/edit/", office.client_edit, name="client_edit"),
    path("clients/<id:pk>/rotate/", office.client_rotate, name="client_rotate"),
    path("clients/<id:pk>/active/", office.client_active, name="client_active"),
]
