"""The pages as their own Django app (label `registry_web`): templates and static files found by app."""

from django.apps import AppConfig


class RegistryWebConfig(AppConfig):
    name = "ihcheck.registry.web"
    label = "registry_web"
    verbose_name = "ihcheck registry pages 监管页面"
