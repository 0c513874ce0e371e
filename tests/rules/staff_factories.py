"""Builders of the staff roster's facts for rule tests (and the examples in tests/data/facts/GD2020-*-staff,
-principal): `python -m tests.rules.staff_factories` writes those examples."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from probes.facts import DeploymentFacts
from probes.facts.pilot import TableDeclaration
from probes.facts.staff import StaffDeclaration, StaffFacts, StaffMember, StaffSource
from tests.factories import host

AS_OF = date(2026, 11, 23)
SOURCE = StaffSource(description="file staff.xlsx", sha256="e" * 64)


def member(n: int, **changes: Any) -> StaffMember:
    fields: dict[str, Any] = {"row": n + 1, "name": f"name:{n:016x}", "category": "health", "role": "医师",
                              "principal": False, "qualification": f"licence:{n:016x}",
                              "valid_until": date(2030, 12, 31), "organisation": None, "active": True}
    return StaffMember(**(fields | changes))


def roster() -> list[StaffMember]:
    return [member(1, category="management", role="院长、主要负责人", principal=True, qualification=None),
            member(2), member(3, role="护士"), member(4, category="it", role="网络工程师")]


def staff_facts(members: list[StaffMember] | None = None, *, third_parties: tuple[str, ...] = (),
                missing: str | None = None) -> StaffFacts:
    declaration = StaffDeclaration(roster=TableDeclaration(file=Path("staff.xlsx")), third_parties=third_parties)
    if missing is not None:
        return StaffFacts(declaration=declaration, as_of=AS_OF, pseudonyms="pseudonymised (test key)",
                          missing=missing, missing_zh=f"人员名册查询失败：{missing}")
    return StaffFacts(declaration=declaration, as_of=AS_OF, pseudonyms="pseudonymised (test key)", source=SOURCE,
                      staff=tuple(roster() if members is None else members))


def deployment_with(staff: StaffFacts | None, origin: str = "test.yml") -> DeploymentFacts:
    return DeploymentFacts(inventory=origin, collected_at=datetime(2026, 11, 23, tzinfo=UTC),
                           hosts=(host("db1", "postgresql"), host("app1", "nginx")), staff=staff)


EXAMPLES: dict[str, dict[str, tuple[str, StaffFacts | None]]] = {
    "GD2020-1.1.3-staff": {
        "pass": ("constructed: a roster with a principal, two health professionals and an IT professional",
                 staff_facts()),
        "fail": ("constructed: the roster's only IT professional has left, a nurse's certificate expired",
                 staff_facts([*roster()[:2], member(3, valid_until=date(2026, 6, 30)),
                              member(4, category="it", active=False)])),
        "inconclusive": ("constructed: no ihcheck_staff declared", None),
    },
    "GD2020-4.3-principal": {
        "pass": ("constructed: the roster names one principal", staff_facts()),
        "fail": ("constructed: the roster names no 主要负责人", staff_facts(roster()[1:])),
        "inconclusive": ("constructed: the roster's query failed on its host",
                         staff_facts(missing="psql on db1 failed: relation hr.staff does not exist")),
    },
}


def write_examples(root: Path) -> None:
    for rule_id, cases in EXAMPLES.items():
        (root / rule_id).mkdir(parents=True, exist_ok=True)
        for verdict, (origin, facts) in cases.items():
            data = deployment_with(facts, origin).model_dump(mode="json")
            (root / rule_id / f"{verdict}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                                                            encoding="utf-8")


if __name__ == "__main__":
    write_examples(Path(__file__).resolve().parents[1] / "data" / "facts")
