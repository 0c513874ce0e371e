"""Per-host judges of the MLPS level 3 host baseline: standard vs actual, from `BaselineFacts`.

Each judge is pure: (host, baseline facts) → `Outcome`. Thresholds where GB/T 22239-2019 gives no
number are ihcheck's reading of common 等保 practice and stated in each check's `standard`, so an
assessor sees exactly what was required: passwords ≥ 8 characters of ≥ 3 classes changed within 90
days, lockout after ≤ 5 failures for ≥ 300 s, idle logout within 600 s, logs kept ≥ 180 days (the
Cybersecurity Law's six months, art. 21), virus signatures ≤ 7 days old, package index ≤ 7 days old.

One module per §8.1.4 family (identity, access, audit, intrusion, malware, trusted, backup); `common` holds
the thresholds and the sentences they share.
"""

from __future__ import annotations

from checker.catalogue.mlps_judges.access import (
    default_accounts,
    file_permissions,
    least_privilege,
    security_labels,
    superfluous_accounts,
)
from checker.catalogue.mlps_judges.audit import audit_enabled, audit_process, audit_protection, audit_records
from checker.catalogue.mlps_judges.backup import local_backup
from checker.catalogue.mlps_judges.common import (
    ACCOUNTS_UNREAD,
    ASSESSOR,
    CLEARTEXT_ADMIN,
    DISTRIBUTION_ACCOUNTS,
    HIGH_RISK_PORTS,
    MAX_BACKUP_AGE_DAYS,
    MAX_DENY,
    MAX_IDLE_SECONDS,
    MAX_INDEX_DAYS,
    MAX_PASSWORD_DAYS,
    MAX_SIGNATURE_DAYS,
    MIN_CLASSES,
    MIN_LOG_DAYS,
    MIN_PASSWORD_LENGTH,
    MIN_UNLOCK_SECONDS,
    NONE,
    UNNECESSARY_PACKAGES,
    WEAK_CIPHERS,
    WEAK_KEX,
    WEAK_MACS,
    Judge,
    Outcome,
    at_zh,
    attested,
    listed,
    problem,
    problems_said,
    setting,
    sockets_not_observed,
    weak_algorithm,
    where,
)
from checker.catalogue.mlps_judges.identity import (
    identity_authentication,
    login_failure,
    remote_admin_encrypted,
    two_factor,
)
from checker.catalogue.mlps_judges.intrusion import (
    high_risk_ports,
    intrusion_detection,
    management_restricted,
    minimal_installation,
    vulnerabilities_patched,
)
from checker.catalogue.mlps_judges.malware import malware_protection
from checker.catalogue.mlps_judges.transit import transit_confidentiality
from checker.catalogue.mlps_judges.trusted import trusted_verification

__all__ = [
    "ACCOUNTS_UNREAD",
    "ASSESSOR",
    "CLEARTEXT_ADMIN",
    "DISTRIBUTION_ACCOUNTS",
    "HIGH_RISK_PORTS",
    "MAX_BACKUP_AGE_DAYS",
    "MAX_DENY",
    "MAX_IDLE_SECONDS",
    "MAX_INDEX_DAYS",
    "MAX_PASSWORD_DAYS",
    "MAX_SIGNATURE_DAYS",
    "MIN_CLASSES",
    "MIN_LOG_DAYS",
    "MIN_PASSWORD_LENGTH",
    "MIN_UNLOCK_SECONDS",
    "NONE",
    "UNNECESSARY_PACKAGES",
    "WEAK_CIPHERS",
    "WEAK_KEX",
    "WEAK_MACS",
    "Judge",
    "Outcome",
    "at_zh",
    "attested",
    "audit_enabled",
    "audit_process",
    "audit_protection",
    "audit_records",
    "default_accounts",
    "file_permissions",
    "high_risk_ports",
    "identity_authentication",
    "intrusion_detection",
    "least_privilege",
    "listed",
    "local_backup",
    "login_failure",
    "malware_protection",
    "management_restricted",
    "minimal_installation",
    "problem",
    "problems_said",
    "remote_admin_encrypted",
    "security_labels",
    "setting",
    "sockets_not_observed",
    "superfluous_accounts",
    "transit_confidentiality",
    "trusted_verification",
    "two_factor",
    "vulnerabilities_patched",
    "weak_algorithm",
    "where",
]
