"""URLs: the JSON API (and its OpenAPI document at /api/openapi.json), Django's admin for administrators."""

from django.contrib import admin
from django.urls import path

from ihcheck.registry.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
