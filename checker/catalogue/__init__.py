"""The rule catalogue: one table, in the order reports list it.

A rule is listed here explicitly (no registration by import), so the catalogue, the README
table and the bundle's catalogue hash are all generated from this one tuple.
"""

from __future__ import annotations

import hashlib
import json

from checker.catalogue import (
    bj2026_pilot,
    gd2020_av,
    gd2020_domestic,
    gd2020_exchange,
    gd2020_materials,
    gd2020_network,
    gd2020_power,
    gd2020_servers,
    mlps,
)
from checker.model import Rule, Status

CATALOGUE: tuple[Rule, ...] = (  # in the order of the notice's clauses
    gd2020_servers.SERVERS,
    gd2020_servers.DB_APP_SPLIT,
    gd2020_power.POWER,
    gd2020_domestic.DOMESTIC,
    gd2020_av.AV_SYSTEMS,
    gd2020_network.ISPS,
    gd2020_network.BANDWIDTH,
    # 一(二)1–2 after 一(二)3–5: the hardware rules keep the first places that reports, tests and users rely on
    gd2020_exchange.EXCHANGE,
    gd2020_exchange.TELEMEDICINE,
    gd2020_materials.MATERIALS,
    gd2020_exchange.PLATFORM_FEED,
    gd2020_materials.POLICIES,
    gd2020_materials.EMERGENCY_PLANS,
    bj2026_pilot.PHYSICIANS,  # Beijing 2026 first-visit pilot: only where ihcheck_programmes declares it
    bj2026_pilot.FIRST_VISITS,
    bj2026_pilot.TRACEABILITY,
    *mlps.MLPS_RULES,  # 一(二)1: the MLPS level 3 host baseline, one rule per GB/T 22239-2019 §8.1.4 item
)

# The catalogue's version: a rule's `since` names the version that first had it; bump it when a rule is added,
# removed or changes its reading (and say so in CHANGELOG.md). 2026.12: sources cited by number and address.
CATALOGUE_VERSION = "2026.12"


def catalogue_sha256(rules: tuple[Rule, ...] = CATALOGUE) -> str:
    """A digest of the catalogue's data, so a bundle names exactly which rules judged it."""
    payload = json.dumps([r.describe() for r in rules], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def rule_by_id(rule_id: str, rules: tuple[Rule, ...] = CATALOGUE) -> Rule:
    for rule in rules:
        if rule.id == rule_id:
            return rule
    raise KeyError(rule_id)


def select(ids: list[str] | None, rules: tuple[Rule, ...] = CATALOGUE) -> tuple[Rule, ...]:
    """The rules named, or by default every rule not deprecated (a deprecated rule runs only when named)."""
    if not ids:
        return tuple(r for r in rules if r.status is not Status.DEPRECATED)
    return tuple(rule_by_id(i, rules) for i in ids)
