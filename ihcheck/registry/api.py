"""The JSON API (django-ninja: pydantic-typed, OpenAPI generated at /api/openapi.json)."""

from ninja import NinjaAPI

api = NinjaAPI(title="ihcheck registry", version="1", urls_namespace="registry-api")
