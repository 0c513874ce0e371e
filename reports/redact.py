"""The redactor the bundle and reports use: the one in probes.redact (observations are redacted when recorded)."""

from __future__ import annotations

from probes.redact import MASK, SECRET_FORMS, Redacted, Redactor, SecretForm, redact_text, secret_key

__all__ = ["MASK", "SECRET_FORMS", "Redacted", "Redactor", "SecretForm", "redact_text", "secret_key"]
