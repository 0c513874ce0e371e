"""URLs: the JSON API (and its OpenAPI document at /api/openapi.json), Django's admin for administrators, and
the regulator's pages (ihcheck.registry.web) at the root."""

from django.contrib import admin
from django.urls import include, path

from ihcheck.registry.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("ihcheck.registry.web.urls")),
]
