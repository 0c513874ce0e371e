"""What the registry does, as plain functions over the models: the JSON API, the pages and the CLI call these
(HTTP stays in `api`)."""
