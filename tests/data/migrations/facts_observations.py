"""Migrate recorded facts (tests/data/**/*.json) to one spelling of provenance: `observation: "id"` becomes
`observations: ["id"]` (issue 9: facts as a package). Idempotent; run from the repository root:

    .venv/bin/python tests/data/migrations/facts_observations.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent


def migrate(node: Any) -> Any:
    if isinstance(node, dict):
        out = {key: migrate(value) for key, value in node.items() if key != "observation"}
        if "observation" in node:
            if "observations" in node:
                raise ValueError(f"both spellings in one record: {sorted(node)}")
            out["observations"] = [node["observation"]]
        return out
    if isinstance(node, list):
        return [migrate(item) for item in node]
    return node


def main() -> int:
    changed = 0
    for path in sorted(DATA.rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        migrated = migrate(data)
        if migrated != data:
            indent = 1 if text.startswith("{\n ") and not text.startswith("{\n  ") else 2
            path.write_text(json.dumps(migrated, ensure_ascii=False, indent=indent) + "\n", encoding="utf-8")
            changed += 1
            print(f"migrated {path.relative_to(DATA.parent.parent)}")
    print(f"{changed} file(s) migrated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
