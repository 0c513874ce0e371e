"""The WSGI application for a worker pool (`gunicorn ihcheck.registry.wsgi`, or any WSGI server): configured from
the environment (IHCHECK_REGISTRY_DATA, IHCHECK_REGISTRY_DATABASE, IHCHECK_REGISTRY_SECRET,
IHCHECK_REGISTRY_HOSTS); migrate once beforehand with `ihcheck registry serve` or `settings.migrate()`."""

from ihcheck.registry.settings import configure

configure()

from django.core.wsgi import get_wsgi_application  # noqa: E402  (Django is configured first)

application = get_wsgi_application()
