"""The Django app of the registry (label `registry`)."""

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "ihcheck.registry"
    label = "registry"
    verbose_name = "ihcheck registry 证据登记"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ihcheck.registry.services import logins  # noqa: F401  (connects the lockout to the action log)
