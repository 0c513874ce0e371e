"""Reading a verified bundle back for rendering, as plain JSON data.

Reports work on the bundle's JSON rather than on live models, so a bundle written by an older
ihcheck (whose fact models differ) still renders: a field that is absent is simply not shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.errors import InputError
from probes.limits import loads as json_loads
from reports.verify import Verification, read_bundle, verify_content


class BundleInvalid(Exception):
    """The bundle did not verify; reports are never rendered from it."""

    def __init__(self, verification: Verification) -> None:
        self.verification = verification
        first = verification.first
        super().__init__(f"{verification.source}: does not verify: {first}" if first else verification.source)


@dataclass
class Bundle:
    source: str
    verification: Verification
    manifest: dict[str, Any]
    result: dict[str, Any]
    catalogue: dict[str, Any]
    facts: dict[str, Any]
    findings: list[dict[str, Any]]
    observations: dict[str, dict[str, Any]]
    waivers: list[dict[str, Any]]
    files: dict[str, bytes] = field(repr=False)

    def rule(self, rule_id: str) -> dict[str, Any]:
        for rule in self.catalogue.get("rules", ()):
            if rule.get("id") == rule_id:
                return dict(rule)
        return {"id": rule_id, "title": rule_id, "clause": {}}

    def digest(self, rel: str) -> str:
        return str(self.manifest["files"].get(rel, {}).get("sha256", ""))


def _json(files: dict[str, bytes], rel: str, default: Any) -> Any:
    data = files.get(rel)
    if data is None:
        return default
    try:
        return json_loads(data)
    except json.JSONDecodeError as exc:
        raise InputError(f"{rel}: not JSON ({exc})") from None


def load_bundle(path: str | Path, pinned: set[str] | None = None,
                keyring: dict[str, set[str]] | None = None) -> Bundle:
    """Verify a bundle, then read it; raises BundleInvalid when it does not verify."""
    path = Path(path)
    files = read_bundle(path)
    verification = verify_content(files, str(path), pinned, keyring, bind_hospital=True)  # --keyring names hospitals
    if not verification.ok:
        raise BundleInvalid(verification)
    observations = {}
    for rel in files:
        if rel.startswith("observations/") and rel.endswith(".json"):
            obs = _json(files, rel, {})
            if isinstance(obs, dict) and isinstance(obs.get("id"), str):  # verify_content checked the rest
                observations[obs["id"]] = {**obs, "file": rel}
    return Bundle(
        source=str(path), verification=verification, manifest=verification.manifest,
        result=_json(files, "result.json", {}), catalogue=_json(files, "catalogue.json", {}),
        facts=_json(files, "facts.json", {}), findings=_json(files, "findings.json", []),
        observations=observations, waivers=_json(files, "waivers.json", {}).get("waivers", []), files=files,
    )
