"""Builders of programme facts with prescriptions (tests/rules/test_prescriptions.py and the examples in
tests/data/facts/QH2019-1-prescriptions): `python -m tests.rules.prescription_factories` writes those examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from probes.facts import DeploymentFacts
from probes.facts.pilot import PilotFacts, Visit
from tests.rules.pilot_factories import deployment_with, pilot, trail, visit

REVIEWED: tuple[str, ...] = ("visit.start", "visit.consent", "visit.prescription", "prescription.review", "prescription.dispense",
            "visit.end")
PLAIN: tuple[str, ...] = ("visit.start", "visit.consent", "visit.end")


def visits() -> list[Visit]:
    """A first visit without a prescription, a follow-up with records that prescribed, and a pilot first visit that
    prescribed."""
    return [visit(1, prescribed=False), visit(2, first_visit=False, prescribed=True, records_held=True),
            visit(3, prescribed=True)]


def rx_pilot(vs: list[Visit] | None = None, events: dict[str, tuple[str, ...]] | None = None,
             **fields: Any) -> PilotFacts:
    vs = visits() if vs is None else vs
    if events is None:
        events = {v.id: REVIEWED if v.prescribed else PLAIN for v in vs}
    return pilot(visits=vs, trail_facts=trail(vs, events=events), **fields)


def qinghai(vs: list[Visit] | None = None, events: dict[str, tuple[str, ...]] | None = None) -> PilotFacts:
    """A Qinghai hospital's programme (QH2019): its visits are all follow-ups unless said otherwise."""
    vs = [visit(1, first_visit=False, prescribed=True, records_held=True)] if vs is None else vs
    return rx_pilot(vs, events, id="QH2019", hospital="青海省模拟人民医院")


def _unreviewed() -> DeploymentFacts:
    vs = visits()
    events = {v.id: REVIEWED if v.prescribed else PLAIN for v in vs}
    events[vs[1].id] = ("visit.start", "visit.consent", "visit.prescription", "prescription.dispense", "visit.end")
    return deployment_with(rx_pilot(vs, events))


EXAMPLES: dict[str, tuple[str, DeploymentFacts]] = {
    "pass": ("constructed: a Beijing pilot's follow-up with records and a pilot first visit, each prescription "
             "reviewed before dispensing", deployment_with(rx_pilot())),
    "fail": ("constructed: a follow-up's prescription dispensed without a pharmacist's review", _unreviewed()),
    "inconclusive": ("constructed: the visit records have no 病历资料 column (a Qinghai hospital's follow-up)",
                     deployment_with(qinghai([visit(1, first_visit=False, prescribed=True)]))),
    "not_applicable": ("constructed: no programme declared", deployment_with(None)),
}


def write_examples(root: Path) -> None:
    folder = root / "QH2019-1-prescriptions"
    folder.mkdir(parents=True, exist_ok=True)
    for verdict, (origin, facts) in EXAMPLES.items():
        data = facts.model_copy(update={"inventory": origin}).model_dump(mode="json")
        (folder / f"{verdict}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                                               encoding="utf-8")


if __name__ == "__main__":
    write_examples(Path(__file__).resolve().parents[1] / "data" / "facts")
