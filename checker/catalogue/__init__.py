"""The rule catalogue: one table, in the order reports list it.

The table lists each catalogue module's own table (its `RULES`, in order) explicitly: no registration by
import (docs/adr/0002-explicit-catalogue.md). So the catalogue, the README table, docs/rules/, the simulator's
expectations and the bundle's catalogue hash are all generated from this one tuple, and a new rule is one
entry in its module's `RULES`.
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
    gd2020_mlps_report,
    gd2020_network,
    gd2020_offshore,
    gd2020_power,
    gd2020_public_page,
    gd2020_servers,
    mlps,
    mlps_boundary,
)
from checker.model import Rule, Status

CATALOGUE: tuple[Rule, ...] = (  # by the notice's clauses, a module's rules together
    *gd2020_servers.RULES,  # 一(二)3: servers, database apart
    *gd2020_power.RULES,  # 一(二)3: machine-room power
    *gd2020_domestic.RULES,  # 一(二)3: not abroad
    *gd2020_offshore.RULES,  # 一(二)3: nothing the hosts depend on abroad
    *gd2020_av.RULES,  # 一(二)4
    *gd2020_network.RULES,  # 一(二)5
    # 一(二)1–2 after 一(二)3–5: the hardware rules keep the first places that reports, tests and users rely on
    *gd2020_exchange.RULES,  # 一(二)1–2, 三.2(1)
    *gd2020_materials.RULES,  # 二(二), 三.2(2)–(3)
    *gd2020_mlps_report.RULES,  # 一(二)1, 二(二)2: the assessor's report and the filing certificate
    *gd2020_public_page.RULES,  # 四(二): 亮证经营, the patient-facing pages
    *bj2026_pilot.RULES,  # Beijing 2026 first-visit pilot: only where ihcheck_programmes declares it
    *mlps.MLPS_RULES,  # 一(二)1: the MLPS level 3 host baseline, one rule per GB/T 22239-2019 §8.1.4 item
    *mlps_boundary.RULES,  # 一(二)1: GB/T 22239-2019 §8.1.3 as far as a host shows it
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
