"""Drift between two checks of one deployment (`ihcheck diff OLD NEW`): which rules changed verdict,
and which facts changed under them.

Either side is a bundle (verified first: drift is only told from evidence that holds) or the
JSON of `ihcheck check --format json` (ihcheck.result/1 or /2, taken as given). For every rule whose
verdict changed, the facts of the domains the rule needs (the catalogue's `needs`; documents for
the materials rules) are compared host by host. Fact noise is left out so the change that
matters stands out: observation ids, process ids, notes, and the statistics around a
measurement; a number counts as changed only when it moved by more than 15 % (two measurements
of one link differ by up to ~10 %, see probes/uplinks.py), so "upload.mbps 46.8 → 6.1" shows
and 46.8 → 45.9 does not. Lists of records are matched by what names them (interface, engine,
port…), so a database appearing on an application host reads as `services[mysql]` added.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.errors import InputError

# pass and not_applicable are as good as it gets; could-not-tell is worse; fail is worst.
RANK = {"pass": 0, "not_applicable": 0, "inconclusive": 1, "error": 1, "fail": 2}
NOISE = frozenset({"observations", "observation", "supporting_observations", "notes", "pid", "pids",
                   "samples_mbps", "statistical_mbps", "method_mbps", "sender_mbps", "margin_mbps",
                   "retransmits", "seconds", "source", "collected_at", "host_key_fingerprint",
                   "machine_id", "detail", "path"})  # new every boot / per-handshake ports / where a file lay
NAMING_KEYS = ("engine", "interface", "name", "kind", "id", "file", "item")
TOLERANCE = 0.15


@dataclass(frozen=True)
class Side:
    """One check, as the diff and the fleet view read it."""

    source: str
    kind: str  # "bundle" or "result"
    rules: dict[str, str]
    findings: list[dict[str, Any]]
    facts: dict[str, Any]
    catalogue: dict[str, Any]
    finished_at: str
    signer: dict[str, Any] = field(default_factory=dict)
    trusted: bool = False  # a bundle signed by a pinned key; a result JSON is never signed

    def needs(self, rule_id: str) -> tuple[str, ...]:
        for rule in self.catalogue.get("rules") or ():
            if rule.get("id") == rule_id:
                return tuple(rule.get("needs") or ())
        return ()


def load_side(path: Path, pinned: set[str] | None = None, keyring: dict[str, set[str]] | None = None) -> Side:
    """A bundle (directory or .tar.gz, verified) or an ihcheck.result/1 or /2 JSON file."""
    if path.suffix == ".json":
        from probes.limits import load_json_limited

        data = load_json_limited(path, "result JSON", 256 * 1024 * 1024)  # a FIFO, /dev/zero, 100,000 [ refused
        from reports.result import SCHEMAS
        from reports.result_refs import expand

        if not isinstance(data, dict) or data.get("schema") not in SCHEMAS:
            raise InputError(f"{path}: schema: expected {' or '.join(SCHEMAS)} (the output of `ihcheck check "
                             "--format json`)")
        data = expand(data)  # /2: each finding's details whole again
        for key, kind in (("summary", dict), ("findings", list), ("facts", dict), ("catalogue", dict)):
            if not isinstance(data.get(key) or kind(), kind):
                raise InputError(f"{path}: {key}: expected a JSON {'object' if kind is dict else 'array'}")
        if not isinstance((data.get("summary") or {}).get("rules") or {}, dict):
            raise InputError(f"{path}: summary.rules: expected a JSON object")
        return Side(source=str(path), kind="result", rules=dict((data.get("summary") or {}).get("rules") or {}),
                    findings=list(data.get("findings") or ()), facts=dict(data.get("facts") or {}),
                    catalogue=dict(data.get("catalogue") or {}), finished_at=str(data.get("finished_at") or ""))
    from reports.load import BundleInvalid, load_bundle

    try:
        bundle = load_bundle(path, pinned, keyring)
    except BundleInvalid as exc:
        raise InputError(str(exc)) from None
    return Side(source=str(path), kind="bundle", rules=dict((bundle.result.get("summary") or {}).get("rules") or {}),
                findings=bundle.findings, facts=bundle.facts, catalogue=bundle.catalogue,
                finished_at=str(bundle.result.get("finished_at") or ""),
                signer=dict(bundle.manifest.get("signer") or {}), trusted=bundle.verification.trusted)


def _key(item: dict[str, Any], index: int) -> str:
    if "port" in item and "protocol" in item:
        return f"{item['protocol']}/{item.get('address', '')}:{item['port']}"
    for key in NAMING_KEYS:
        if item.get(key) not in (None, ""):
            return str(item[key])
    return str(index)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves of a fact tree by path; lists of records keyed by what names them, noise left out."""
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, sub in value.items():
            if key not in NOISE:
                out.update(flatten(sub, f"{prefix}.{key}" if prefix else key))
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for index, item in enumerate(value):
            key = f"{prefix}[{_key(item, index)}]"
            if not any(k.startswith(key) for k in out):  # the same socket seen under several pids: once
                out.update(flatten(item, key))
    elif isinstance(value, list):
        out[prefix] = sorted({json.dumps(v, sort_keys=True) if not isinstance(v, str) else v for v in value})
    else:
        out[prefix] = value
    return out


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, int | float) and isinstance(new, int | float) and not isinstance(old, bool):
        scale = max(abs(old), abs(new))
        return scale > 0 and abs(old - new) / scale > TOLERANCE
    return bool(old != new)


def _container(path: str) -> str:
    """The record a path belongs to (`uplinks.uplinks[eth1].upload.mbps` → `uplinks.uplinks[eth1]`)."""
    return path[: path.rindex("]") + 1] if "]" in path else path


def _machines(facts: dict[str, Any]) -> int:
    return len({(h.get("identity") or {}).get("machine_id") or h.get("name") for h in facts.get("hosts") or ()
                if h.get("reachable")})


def fact_changes(old: dict[str, Any], new: dict[str, Any], domains: tuple[str, ...]) -> list[dict[str, Any]]:
    """What changed in these fact domains, host by host (and documents when asked for)."""
    changes: list[dict[str, Any]] = []
    if "identity" in domains:  # machine ids change every boot; how many distinct machines there are is the fact
        machines_old, machines_new = _machines(old), _machines(new)
        if machines_old != machines_new:
            changes.append({"host": None, "fact": "distinct machines", "old": machines_old, "new": machines_new})
    old_hosts = {h.get("name"): h for h in old.get("hosts") or ()}
    new_hosts = {h.get("name"): h for h in new.get("hosts") or ()}
    for name in sorted(set(old_hosts) | set(new_hosts), key=str):
        if name not in new_hosts or name not in old_hosts:
            changes.append({"host": name, "fact": "host", "old": "present" if name in old_hosts else "absent",
                            "new": "present" if name in new_hosts else "absent"})
            continue
        for domain in ("reachable", *domains):
            a = flatten(old_hosts[name].get(domain), domain)
            b = flatten(new_hosts[name].get(domain), domain)
            records_a, records_b = {_container(p) for p in a}, {_container(p) for p in b}
            for record in sorted(records_a ^ records_b):
                if "[" in record:
                    changes.append({"host": name, "fact": record, "old": "absent" if record in records_b else "present",
                                    "new": "present" if record in records_b else "absent"})
            for path in sorted(set(a) & set(b)):
                if _differs(a[path], b[path]):
                    changes.append({"host": name, "fact": path, "old": a[path], "new": b[path]})
    if "documents" in domains:
        a, b = flatten(old.get("documents"), "documents"), flatten(new.get("documents"), "documents")
        for path in sorted(set(a) | set(b)):
            if path in a and path in b and not _differs(a[path], b[path]):
                continue
            changes.append({"host": None, "fact": path, "old": a.get(path, "absent"), "new": b.get(path, "absent")})
    return changes


def diff(old: Side, new: Side) -> dict[str, Any]:
    """The drift as data: every rule whose verdict changed, better or worse, and the facts under it."""
    rules = []
    for rule_id in sorted(set(old.rules) | set(new.rules)):
        before, after = old.rules.get(rule_id), new.rules.get(rule_id)
        if before == after:
            continue
        domains = new.needs(rule_id) or old.needs(rule_id) or ("documents",)
        worse = after is not None and (before is None or RANK.get(after, 1) > RANK.get(before, 1))
        found = next((f for f in new.findings if f.get("rule_id") == rule_id and f.get("verdict") == after), {})
        rules.append({"rule_id": rule_id, "old": before, "new": after, "worse": worse,
                      "reason": found.get("reason", ""), "reason_zh": found.get("reason_zh", ""),
                      "facts": fact_changes(old.facts, new.facts, domains)})
    return {"schema": "ihcheck.diff/1", "old": {"source": old.source, "kind": old.kind, "finished_at": old.finished_at},
            "new": {"source": new.source, "kind": new.kind, "finished_at": new.finished_at},
            "worse": any(r["worse"] for r in rules), "rules": rules}


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "(none)"
    return "—" if value is None else str(value)


def change_text(change: dict[str, Any]) -> str:
    where = f"{change['host']}: " if change.get("host") else ""
    return f"{where}{change['fact']}: {_show(change['old'])} → {_show(change['new'])}"
