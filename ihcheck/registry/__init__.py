"""The regulator's registry: a Django project and app inside ihcheck that takes in hospitals' signed bundles,
verifies them with the code of `ihcheck verify` against the keys enrolled for each hospital, and keeps a
province's history (README "The regulator's registry").

Layout: `settings` (configured in code, no settings file to edit), `models` and `migrations` (one schema for
SQLite and PostgreSQL), `services/` (enrol, intake, anchor, queries, exports: plain functions the JSON API, the
pages and the CLI all call), `api` (django-ninja, the OpenAPI document), `cli` (`ihcheck registry …`).

What a page or a command calls (after `settings.configure()`):
- `services.enrol`: enrol_hospital, add_key, rotate_key, revoke_key, find_key, current_keys, issue_token,
  revoke_tokens, token_hospital, create_account, role_of — each logged in the action log;
- `services.intake`: take(bytes, name=, via=, actor=, hospital=) → Intake(bundle, created) or raises Refused
  (logged, nothing stored); take_file(path, …); pack(path); bundle_files(bundle) (a stored bundle read back);
- `services.anchor`: submit_head(hospital, envelope, actor=, log=), anchor_from_bundle, last_trusted;
- `services.queries`: province, stale, older_catalogue, failing, history, drift, evidence, deadlines;
- `services.exports`: province_csv, province_xlsx, oscal, text_cell;
- `services.actions`: record, lines, export, verify (the registry's own hash-chained log).
"""
