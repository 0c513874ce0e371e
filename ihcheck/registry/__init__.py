"""The regulator's registry: a Django project and app inside ihcheck that takes in hospitals' signed bundles,
verifies them with the code of `ihcheck verify` against the keys enrolled for each hospital, and keeps a
province's history (README "The regulator's registry").

Layout: `settings` (configured in code, no settings file to edit), `models` and `migrations` (one schema for
SQLite and PostgreSQL), `services/` (enrol, intake, anchor, queries, exports: plain functions the JSON API, the
pages and the CLI all call), `api` (django-ninja, the OpenAPI document), `cli` (`ihcheck registry …`).
"""
