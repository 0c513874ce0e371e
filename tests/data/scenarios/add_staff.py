"""Add the staff family to the recorded scenarios, gathered as a live run gathers it: the simulator writes the
scenario's roster (simulator.staff_roster, a checker-side file, no container involved) and probes.staff reads it.

Recordings made before the roster have it added, their host facts untouched; one recorded since has it already.
Without a recording of its own, `staff-short` (which differs from `compliant` only in that checker-side file) is
compliant's host facts with staff-short's roster read (said in its `note`). Run from the repository root: `.venv/bin/python tests/data/scenarios/add_staff.py`.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

import yaml

from probes.inventory import load_inventory
from probes.staff import work
from simulator import spec, staff_roster

HERE = Path(__file__).resolve().parent


def staff_facts(name: str, collected_at: str) -> dict[str, object] | None:
    scenario = spec.load(name)[1]
    if scenario.staff is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        staff_roster.write(state, no_it=scenario.staff.no_it)
        inventory = state / "inventory.yml"
        inventory.write_text(yaml.safe_dump({"all": {"hosts": {"app1": {"ansible_connection": "local"}}, "vars": {
            "ihcheck_staff": staff_roster.declaration(state)}}}, allow_unicode=True), encoding="utf-8")
        prepared = work(load_inventory(inventory), date.fromisoformat(collected_at[:10]))
        assert prepared is not None and not prepared.parts
        facts = prepared.finish({})
        assert facts is not None
        dumped = facts.model_dump(mode="json")
    # the temporary path is not the simulator's: name the file as the simulator's inventory does
    dumped["source"]["description"] = f"file <simulator state>/staff/roster.csv ({name})"
    dumped["declaration"]["roster"]["file"] = "<simulator state>/staff/roster.csv"
    return dumped


def main() -> None:
    """Fill the staff family where a recording lacks it (one recorded since the roster has it already)."""
    if not (HERE / "staff-short.json").exists():
        _short_from_compliant()
    for path in sorted(HERE.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if record["facts"].get("staff") is not None:
            continue
        record["facts"]["staff"] = staff_facts(path.stem, record["facts"]["collected_at"])
        path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _short_from_compliant() -> None:
    compliant = json.loads((HERE / "compliant.json").read_text(encoding="utf-8"))
    short = json.loads(json.dumps(compliant))
    short["scenario"] = "staff-short"
    short["note"] = ("host facts from compliant's recording: staff-short changes only the checker-side roster file, "
                     "read here as a live run reads it")
    short["expect"] = compliant["expect"] | {"GD2020-1.1.3-staff": "fail", "GD2020-4.3-principal": "pass"}
    short["facts"]["staff"] = None  # read below from staff-short's own roster
    (HERE / "staff-short.json").write_text(json.dumps(short, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
