"""A simulated province for the registry: hospitals across Guangdong's cities, each with its own signing keys,
handing in signed bundles week after week, made from the simulator's recorded scenarios (tests/data/scenarios:
facts recorded from real simulated deployments, judged by the catalogue, written and signed by the project's
own bundle writer). `ihcheck registry demo` loads a small province from it; the registry benchmark loads
1,000 hospitals × 52 bundles (`plan()` + `signed()`: each scenario's bundle is written once, then re-signed per
hospital and week, which costs a few milliseconds).

The recordings keep typed facts, not the raw command output, so each cited observation is a stand-in that says
so (as in tests/reports/scenario_bundles.py); the facts, the findings judged from them and the signatures are
real. Hospitals are fictional (模拟) and their 统一社会信用代码 are made up in the GB 32100 character set.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import random
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from checker.errors import InputError
from reports import attestation
from reports.bundle import KEY_ED25519, KEY_SM2, MANIFEST, SIG_ED25519, SIG_SM2, UNSIGNED, dump_json
from reports.keys import SigningKeys, ed25519_public_pem

RECORDED = Path(__file__).resolve().parents[2] / "tests" / "data" / "scenarios"
FAULTS = ("single-isp", "slow-uplink", "db-on-app-host", "no-power-redundancy")
SCENARIOS = ("compliant", *FAULTS, "trail-edited")
# 地级市 and the 6-digit administrative division code a USCC carries (GB/T 2260).
CITIES = (("广州", "440100"), ("深圳", "440300"), ("佛山", "440600"), ("东莞", "441900"), ("珠海", "440400"),
          ("汕头", "440500"), ("江门", "440700"), ("湛江", "440800"), ("惠州", "441300"), ("肇庆", "441200"))
KINDS = ("第一人民医院", "中医院", "妇幼保健院", "第二人民医院", "中心医院", "骨科医院", "眼科医院", "口腔医院")

# What happens to a hospital of the demo province (the rest are compliant week after week).
COMPLIANT = "compliant"
TURNED_RED = "turned-red"  # compliant, then its latest bundle fails a rule
RECOVERED = "recovered"  # one failing week in the middle, compliant again
STALE = "stale"  # stopped submitting weeks ago
TAMPERED = "tampered"  # its latest upload was altered after signing: refused, nothing stored
TRAIL_REWRITTEN = "trail-rewritten"  # a signed trail head at the anchored seq with another hash
ROTATED = "rotated"  # rotated its signing key halfway through
NEW = "new"  # enrolled, nothing handed in yet


def recorded_folder() -> Path:
    if not (RECORDED / "compliant.json").is_file():
        raise InputError(f"{RECORDED}: the recorded scenarios are not here (they ship with ihcheck's source "
                         "checkout, tests/data/scenarios)")
    return RECORDED


def scenario_bundle(name: str, folder: Path, keys: SigningKeys) -> dict[str, bytes]:
    """The recorded scenario checked by the catalogue and written as a signed bundle: {path: bytes}."""
    from checker.catalogue import CATALOGUE
    from checker.engine import evaluate
    from probes.facts import DeploymentFacts
    from probes.observation import Observation, sha256_text
    from reports.bundle import write_bundle
    from reports.result import CheckResult
    from reports.verify import read_bundle

    recorded = json.loads((recorded_folder() / f"{name}.json").read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    inventory = folder / f"{name}.yml"
    inventory.write_text("all:\n  hosts:\n" + "".join(f"    {h['name']}:\n      ansible_host: {h['address']}\n"
                                                      for h in recorded["facts"]["hosts"]), encoding="utf-8")
    # The facts as recorded, host baselines and documents included: a hospital's bundle is judged on all it
    # showed (without them every MLPS item and the materials were inconclusive, and so was every hospital).
    facts = DeploymentFacts.model_validate(recorded["facts"]).model_copy(update={"inventory": str(inventory)})
    if facts.documents is not None:
        folder_found = documents_folder(facts.documents, folder / "documents")
        facts = facts.model_copy(update={"documents": None if folder_found is None else facts.documents.model_copy(
            update={"directory": str(folder_found)})})
    findings = evaluate(facts, CATALOGUE)
    when = datetime.fromisoformat(recorded["facts"]["collected_at"].replace("Z", "+00:00")).astimezone(UTC)
    stand_in = "(recorded facts: the raw output of this command was not kept in tests/data/scenarios)\n"
    observations = [Observation(id=o, host=o.split("#")[0], transport="paramiko", command="(recorded)",
                                exit_status=0, stdout=stand_in, stderr="", started_at=when,
                                ended_at=when + timedelta(seconds=1), stdout_sha256=sha256_text(stand_in))
                    for o in sorted({o for f in findings for e in f.evidence for o in e.observations})]
    result = CheckResult.build(rules=CATALOGUE, facts=facts, findings=findings, observations=observations,
                               started_at=when, finished_at=when + timedelta(seconds=9))
    written = write_bundle(result, inventory, folder / name, keys=keys)
    return read_bundle(written.directory.with_name(name + ".tar.gz"))


def documents_folder(documents: Any, folder: Path) -> Path | None:
    """The documents folder the simulator wrote for the recorded deployment, written again: each file by
    simulator.simulated_materials (its text depends on the item and the hospital's name only) and the index
    from the recorded entries, in the simulator's layout. Used only when every file and the index hash to the
    digests recorded; otherwise None, and the bundle carries no documents, as a hospital that handed in none."""
    import yaml

    from probes.facts.materials import INDEX
    from probes.materials_folder import digests
    from simulator.simulated_materials import write_documents

    if documents.opened_on is None:
        return None
    write_documents(folder, documents.hospital or "", documents.opened_on + timedelta(days=20))
    entries = []
    for d in documents.documents:
        entry: dict[str, Any] = {"file": d.file, "items": list(d.items), "title": d.title,
                                 "issued": d.issued.isoformat() if d.issued else None}
        for key in ("submitted", "number", "conclusion"):  # in the simulator's order, when it wrote them
            value = getattr(d, key)
            if value is not None:
                entry[key] = value.isoformat() if isinstance(value, date) else value
        entries.append(entry)
    index = {"hospital": documents.hospital, "opened_on": documents.opened_on.isoformat(),
             "registered_on": documents.registered_on.isoformat() if documents.registered_on else None,
             "third_party": documents.third_party, "documents": entries}
    (folder / INDEX).write_text("# Simulated documents index, written by the ihcheck simulator.\n"
                                + yaml.safe_dump(index, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if digests((folder / INDEX).read_bytes())[0] != documents.index_sha256:
        return None
    for d in documents.documents:
        path = folder / d.file
        if d.present and (not path.is_file() or digests(path.read_bytes())[0] != d.sha256):
            return None
    return folder


def base_bundles(folder: Path, names: tuple[str, ...] = SCENARIOS) -> dict[str, dict[str, bytes]]:
    """Each scenario's bundle written once (signed by a throw-away key that `signed` replaces)."""
    keys = SigningKeys.generate()
    return {name: scenario_bundle(name, folder / name, keys) for name in names}


def _digests(data: bytes) -> dict[str, Any]:
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "sm3": hashlib.new("sm3", data).hexdigest()}


def signed(base: dict[str, bytes], keys: SigningKeys, created_at: datetime, top: str) -> bytes:
    """`base` signed by `keys` at `created_at`: the hospital's public keys in keys/, the in-toto attestation and
    the manifest signed again, packed as reports.bundle.write_tarball packs a bundle (.tar.gz bytes)."""
    files = dict(base)
    public = keys.public()
    files[KEY_ED25519] = ed25519_public_pem(public.ed25519)
    files[KEY_SM2] = public.sm2.pem()
    envelope = json.loads(files[attestation.ATTESTATION])
    predicate = json.loads(base64.b64decode(envelope["payload"]))["predicate"]
    others = {rel: data for rel, data in files.items() if rel not in UNSIGNED and rel != attestation.ATTESTATION}
    files[attestation.ATTESTATION] = attestation.sign(attestation.statement(others, predicate), keys.ed25519)
    manifest = json.loads(files[MANIFEST])
    manifest["created_at"] = created_at.isoformat()
    ed, sm2 = public.fingerprints()
    manifest["signer"].update({"ed25519": ed, "sm2": sm2, "ephemeral": False})
    for rel in (KEY_ED25519, KEY_SM2, attestation.ATTESTATION):
        manifest["files"][rel] = _digests(files[rel])
    raw = dump_json(manifest)
    files[MANIFEST] = raw
    files[SIG_ED25519] = keys.ed25519.sign(raw)
    files[SIG_SM2] = keys.sm2.sign(raw)
    return pack(files, top)


def pack(files: dict[str, bytes], top: str) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=6) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for rel in sorted(files):
            info = tarfile.TarInfo(f"{top}/{rel}")
            info.size, info.mode = len(files[rel]), 0o644
            tar.addfile(info, io.BytesIO(files[rel]))
    return out.getvalue()


def tampered(data: bytes) -> bytes:
    """A signed bundle altered after signing: one verdict in findings.json turned to pass (what a hospital
    hiding a failure would do); the signatures no longer match, intake must refuse it."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
    top = next(iter(members)).split("/")[0]
    files = {name.split("/", 1)[1]: body for name, body in members.items()}
    files["findings.json"] = files["findings.json"].replace(b'"verdict": "fail"', b'"verdict": "pass"', 1) \
        if b'"verdict": "fail"' in files["findings.json"] else files["findings.json"] + b" "
    return pack(files, top)


@dataclass
class SimHospital:
    """One hospital of the simulated province and what it hands in."""

    name: str
    uscc: str
    city: str
    licence: str
    registered_on: date
    story: str
    keys: SigningKeys
    weeks: list[tuple[datetime, str]] = field(default_factory=list)  # (signed at, scenario)
    new_keys: SigningKeys | None = None  # ROTATED: signs from `rotate_at` on
    rotate_at: datetime | None = None


def uscc(region: str, n: int) -> str:
    """A made-up 统一社会信用代码 of a public institution (登记管理部门 1, 类别 2) in `region`."""
    return f"12{region}MB{n:07d}X"


def plan(hospitals: int, weeks: int, *, now: datetime, seed: int = 20261206,
         stories: dict[int, str] | None = None) -> Iterator[SimHospital]:
    """The province's hospitals, one at a time (cheap: keys are made as each is yielded), with a bundle a week
    for `weeks` weeks up to `now`. `stories` picks what happens to hospital n (default: everyone compliant
    with a fault now and then, as in the benchmark)."""
    rng = random.Random(seed)
    first = now - timedelta(weeks=weeks)
    for n in range(hospitals):
        city, region = CITIES[n % len(CITIES)]
        story = (stories or {}).get(n, COMPLIANT)
        h = SimHospital(name=f"{city}模拟{KINDS[(n // len(CITIES)) % len(KINDS)]}互联网医院"
                        + (f" {n // (len(CITIES) * len(KINDS)) + 1}" if n >= len(CITIES) * len(KINDS) else ""),
                        uscc=uscc(region, n + 1), city=city, licence=f"PDY{region}{n + 1:05d}",
                        registered_on=(first - timedelta(days=rng.randrange(20, 400))).date(), story=story,
                        keys=SigningKeys.generate())
        if story == NEW:
            h.registered_on = (now - timedelta(days=20)).date()
            yield h
            continue
        last = max(1, weeks - 6) if story == STALE else weeks  # stale: nothing for six weeks
        for week in range(last):
            at = first + timedelta(weeks=week, hours=rng.randrange(8, 18), minutes=rng.randrange(60))
            scenario = COMPLIANT
            if story == COMPLIANT and stories is None and rng.random() < 0.2:
                scenario = FAULTS[rng.randrange(len(FAULTS))]
            elif story == TURNED_RED and week == last - 1:
                scenario = FAULTS[n % len(FAULTS)]
            elif story == RECOVERED and week == last // 2:
                scenario = FAULTS[(n + 1) % len(FAULTS)]
            elif story == TRAIL_REWRITTEN and week == last - 1:
                scenario = "trail-edited"
            h.weeks.append((at, scenario))
        if story == ROTATED:
            h.new_keys = SigningKeys.generate()
            h.rotate_at = first + timedelta(weeks=weeks // 2)
        yield h


def bundle_for(h: SimHospital, week: int, bases: dict[str, dict[str, bytes]]) -> bytes:
    at, scenario = h.weeks[week]
    keys = h.new_keys if h.new_keys is not None and h.rotate_at is not None and at >= h.rotate_at else h.keys
    return signed(bases[scenario], keys, at, f"{h.uscc}-{week:02d}")


def demo_stories(count: int) -> dict[int, str]:
    """The demo's mix: most compliant, a few turned red, one recovered, one stale, one tampered upload, one
    rewritten trail, one rotated key, one enrolled with nothing handed in yet."""
    special = {0: TURNED_RED, 1: RECOVERED, 2: STALE, 3: TURNED_RED, 4: TAMPERED, 5: TRAIL_REWRITTEN,
               6: ROTATED, 7: NEW, 8: TURNED_RED, 13: TURNED_RED}
    return {n: special.get(n, COMPLIANT) for n in range(count)}
