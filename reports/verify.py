"""Verifying a bundle: every digest, both signatures, and that its findings stand on what it carries.

Needs nothing but the bundle (a directory or its .tar.gz) and, to establish who signed it, the
signer's public key or fingerprint as registered with the regulator (`--pubkey`). Without a pinned
key, verification proves the bundle is intact and self-consistent, not who made it; the result
says so.

Checks, in order (the first failure is what `ihcheck verify` names):
    1. manifest.json is present and is a bundle manifest of a known format;
    2. the public keys in keys/ are the pinned ones (when pinned);
    3. the Ed25519 and the SM2 signature over manifest.json's exact bytes both hold;
    4. every file: none removed, none added, none altered (size, SHA-256 and SM3), in path order;
    5. every observation a finding cites is in the bundle, and each observation file holds the
       observation its name says; every document's digest matches facts.json;
    6. the in-toto attestation (when the bundle has one) verifies with the bundle's Ed25519 key and
       names every other file with its sha256 (reports.attestation).
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import unquote

from checker.errors import InputError
from reports.bundle import FORMAT, KEY_ED25519, KEY_SM2, MANIFEST, SIG_ED25519, SIG_SM2, UNSIGNED, observation_path

ProblemKind = Literal["format", "key", "signature", "removed", "added", "altered", "inconsistent"]


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class Verification:
    source: str
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    signer: tuple[str, str] | None = None
    pinned: bool = False
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None


def read_bundle(path: Path) -> dict[str, bytes]:
    """Every regular file of a bundle directory or .tar.gz, by its path inside the bundle."""
    if path.is_dir():
        out: dict[str, bytes] = {}
        stack = [path]
        while stack:
            current = stack.pop()
            for entry in current.iterdir():
                if entry.is_symlink():
                    raise InputError(f"{entry}: a bundle holds no symbolic links")
                if entry.is_dir():
                    stack.append(entry)
                else:
                    out[entry.relative_to(path).as_posix()] = entry.read_bytes()
        return out
    if path.is_file():
        try:
            with tarfile.open(path, mode="r:*") as tar:
                members = tar.getmembers()
                tops = {PurePosixPath(m.name).parts[0] for m in members if m.name.strip("/")}
                if len(tops) != 1:
                    raise InputError(f"{path}: expected one top-level bundle directory in the archive")
                out = {}
                for member in members:
                    parts = PurePosixPath(member.name).parts
                    if member.isdir():
                        continue
                    if not member.isfile() or ".." in parts or member.name.startswith("/"):
                        raise InputError(f"{path}: {member.name}: not a plain file inside the bundle")
                    handle = tar.extractfile(member)
                    assert handle is not None
                    out["/".join(parts[1:])] = handle.read()
                return out
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise InputError(f"{path}: not a readable bundle archive ({exc})") from None
    raise InputError(f"{path}: bundle not found")


def verify_content(content: dict[str, bytes], source: str, pinned: set[str] | None = None) -> Verification:
    from reports.keys import SM2_DEFAULT_ID, Sm2PublicKey, ed25519_fingerprint, ed25519_public_from_pem

    v = Verification(source=source, pinned=pinned is not None)
    v.files = len(content)

    def fail(kind: ProblemKind, path: str, message: str) -> Verification:
        v.problems.append(Problem(kind, path, message))
        return v

    # 1. the manifest
    raw_manifest = content.get(MANIFEST)
    if raw_manifest is None:
        return fail("removed", MANIFEST, "missing: this is not an ihcheck bundle, or its manifest was removed")
    try:
        manifest = json.loads(raw_manifest)
    except (json.JSONDecodeError, UnicodeDecodeError):
        manifest = None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        return fail("altered", MANIFEST, "not a bundle manifest (altered?)")
    v.manifest = manifest
    if manifest.get("format") != FORMAT:
        return fail("format", MANIFEST, f"unknown bundle format {manifest.get('format')!r} (expected {FORMAT})")

    # 2. the keys
    for rel in (KEY_ED25519, KEY_SM2, SIG_ED25519, SIG_SM2):
        if rel not in content:
            return fail("removed", rel, "missing: the bundle cannot be verified without it")
    try:
        ed_key = ed25519_public_from_pem(content[KEY_ED25519], KEY_ED25519)
        sm2_key = Sm2PublicKey.from_pem(content[KEY_SM2], KEY_SM2)
    except InputError as exc:
        return fail("altered", str(exc).split(":")[0], str(exc).split(": ", 1)[-1])
    v.signer = (ed25519_fingerprint(ed_key), sm2_key.fingerprint())
    if pinned is not None:
        for fingerprint, rel in zip(v.signer, (KEY_ED25519, KEY_SM2), strict=True):
            algorithm = fingerprint.split(":")[0]
            expected = sorted(p for p in pinned if p.startswith(algorithm + ":"))
            if expected and fingerprint not in expected:
                return fail("key", rel, f"signed with another key: the bundle's key is {fingerprint}, "
                            f"the pinned key is {expected[0]}")
    else:
        v.warnings.append("no --pubkey given: the signatures prove the bundle is intact, not who signed it; "
                          f"compare the signer ({v.signer[0]}, {v.signer[1]}) with the key the hospital registered")
    if manifest.get("signer", {}).get("ephemeral"):
        v.warnings.append("signed with an ephemeral key made for this run: nobody can vouch for its origin")

    # 3. the signatures over the manifest's exact bytes
    from cryptography.exceptions import InvalidSignature

    try:
        ed_key.verify(content[SIG_ED25519], raw_manifest)
    except InvalidSignature:
        return fail("signature", MANIFEST, "Ed25519 signature does not verify: the manifest was altered or "
                    "signed with another key")
    sm2_id = manifest.get("signer", {}).get("sm2_distinguishing_id", SM2_DEFAULT_ID.decode("ascii"))
    if sm2_id != SM2_DEFAULT_ID.decode("ascii"):
        return fail("format", MANIFEST, f"SM2 distinguishing ID {sm2_id!r} is not supported "
                    f"(ihcheck signs with {SM2_DEFAULT_ID.decode('ascii')})")
    if not sm2_key.verify(content[SIG_SM2], raw_manifest):
        return fail("signature", MANIFEST, "SM2 signature does not verify: the manifest was altered or "
                    "signed with another key")

    # 4. every file against the manifest
    listed: dict[str, Any] = manifest["files"]
    present = set(content) - UNSIGNED
    for rel in sorted(present | set(listed)):
        if rel not in content:
            fail("removed", rel, "listed in the manifest but missing from the bundle (removed)")
            continue
        if rel not in listed:
            fail("added", rel, "in the bundle but not in the signed manifest (added)")
            continue
        data, entry = content[rel], listed[rel]
        if (len(data) != entry.get("size") or hashlib.sha256(data).hexdigest() != entry.get("sha256")
                or hashlib.new("sm3", data).hexdigest() != entry.get("sm3")):
            fail("altered", rel, "content differs from its signed SHA-256/SM3 digests (altered)")
    if v.problems:
        return v

    # 5. consistency: findings stand on observations the bundle carries
    _consistency(content, v)
    if v.problems:
        return v

    # 6. the in-toto attestation, as supply-chain tooling would check it
    from reports import attestation

    if attestation.ATTESTATION in content:
        others = {rel: str(entry.get("sha256")) for rel, entry in listed.items()  # step 4 checked them
                  if rel != attestation.ATTESTATION}
        for problem in attestation.verify(content[attestation.ATTESTATION], ed_key, others)[:1]:
            fail("signature", attestation.ATTESTATION, problem)
    else:
        v.warnings.append(f"no {attestation.ATTESTATION}: made by an ihcheck without in-toto attestations")
    return v


def _consistency(content: dict[str, bytes], v: Verification) -> None:
    observation_ids: set[str] = set()
    for rel, data in content.items():
        if rel.startswith("observations/") and rel.endswith(".json"):
            obs_id = unquote(rel.removeprefix("observations/").removesuffix(".json"))
            needle = f'"id": {json.dumps(obs_id, ensure_ascii=False)}'.encode()
            if observation_path(obs_id) != rel or needle not in data:
                v.problems.append(Problem("inconsistent", rel, f"does not hold observation {obs_id!r}"))
                return
            observation_ids.add(obs_id)
    try:
        findings = json.loads(content.get("findings.json", b"null"))
        facts = json.loads(content.get("facts.json", b"null"))
    except json.JSONDecodeError as exc:
        v.problems.append(Problem("inconsistent", "findings.json", f"not JSON: {exc}"))
        return
    if not isinstance(findings, list):
        v.problems.append(Problem("inconsistent", "findings.json", "missing or not a list of findings"))
        return
    for finding in findings:
        cited = set(finding.get("observations", ()))
        for item in finding.get("evidence", ()):
            cited.update(item.get("observations", ()))
        missing = sorted(cited - observation_ids)
        if missing:
            v.problems.append(Problem("inconsistent", "findings.json",
                                      f"finding {finding.get('rule_id')} on {', '.join(finding.get('hosts', ()))} "
                                      f"cites observation(s) not in the bundle: {', '.join(missing[:5])}"))
            return
    documents = (facts or {}).get("documents") if isinstance(facts, dict) else None
    for doc in (documents or {}).get("documents", ()):
        if doc.get("sha256") is None:
            continue
        rel = f"documents/{doc['file']}"
        held = content.get(rel)
        if held is None or hashlib.sha256(held).hexdigest() != doc["sha256"]:
            v.problems.append(Problem("inconsistent", rel, "is not the document the rules judged (facts.json digest)"))
            return


def verify_bundle(path: str | Path, pinned: set[str] | None = None) -> Verification:
    path = Path(path)
    return verify_content(read_bundle(path), str(path), pinned)
