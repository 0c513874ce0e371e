"""The simulated hospital's documents folder: the materials of 二(二) and 三 as short text files.

A real hospital hands in scans; a simulated one gets files that say plainly they are simulated,
dated relative to the day of the boot so the deadlines of 三(二) are met whenever the demo runs.
The checker treats them as it treats any document: attested, hashed, never observed.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import yaml

from checker.catalogue.materials_checklist import ITEMS
from simulator.public_page import LICENCE_NUMBER

BANNER = "SIMULATED DOCUMENT (ihcheck simulator) — 模拟材料，非真实文件\n"


def write_documents(folder: Path, hospital: str, today: date, mlps_conclusion: str | None = "符合") -> Path:
    """Write one file per required item (third-party agreement excepted) and the materials.yaml index; the MLPS
    assessment report states `mlps_conclusion` as its 测评结论 (None: no report in the folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    opened = today - timedelta(days=20)
    entries = []
    for item in ITEMS:
        if item.third_party_only or (item.id == "mlps-assessment-report" and mlps_conclusion is None):
            continue
        name = f"{item.id}.txt"
        (folder / name).write_text(f"{BANNER}{item.title_zh}\n{item.title_en}\n{hospital}\n", encoding="utf-8")
        entry = {"file": name, "items": [item.id], "title": item.title_zh,
                 "issued": (opened - timedelta(days=10)).isoformat()}
        if item.annual:  # the yearly MLPS scans: submitted to the platform on opening (三.2(4))
            entry["submitted"] = opened.isoformat()
        if item.id == "practice-licence":  # its 登记号, which the simulated patient-facing page shows
            entry["number"] = LICENCE_NUMBER
        if item.id == "mlps-certificate":  # a simulated 备案编号, in the form the index takes
            entry["number"] = "44010099001-26001"
        if item.id == "mlps-assessment-report" and mlps_conclusion is not None:
            entry["conclusion"] = mlps_conclusion
        entries.append(entry)
    index = {"hospital": hospital, "opened_on": opened.isoformat(), "registered_on": opened.isoformat(),
             "third_party": False, "documents": entries}
    (folder / "materials.yaml").write_text(
        "# Simulated documents index, written by the ihcheck simulator.\n"
        + yaml.safe_dump(index, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder
