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
       observation its name says; the inventory snapshot, facts and observations name the same hosts
       with the same addresses and host keys; every document's digest matches facts.json;
    6. the in-toto attestation (when the bundle has one) verifies with the bundle's Ed25519 key and
       names every other file with its sha256 (reports.attestation).

Without a pinned key (`--pubkey`, or `--keyring` of registered hospitals) an intact bundle is only
intact: anyone can re-sign an altered one. `Verification.trusted` is what `verify` exits 0 on.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import unquote

from checker.errors import InputError
from probes.limits import loads as json_loads
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
    registered_as: str | None = None  # the keyring entry the signer matched
    files: int = 0

    @property
    def trusted(self) -> bool:
        """Intact, self-consistent, and signed by a key the verifier pinned: the only state `verify` exits 0 on."""
        return self.ok and self.pinned

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None


MAX_BUNDLE_FILE = 256 * 1024 * 1024  # one file (a scanned document is the largest thing a bundle holds)
MAX_BUNDLE_BYTES = 1024 * 1024 * 1024
MAX_BUNDLE_FILES = 200_000


def read_bundle(path: Path, max_bytes: int = MAX_BUNDLE_BYTES,
                max_files: int = MAX_BUNDLE_FILES) -> dict[str, bytes]:
    """Every regular file of a bundle directory or .tar.gz, by its path inside the bundle.

    Read with limits: regular files only (a FIFO would block, a device never ends), each file and the
    whole within a size (`max_bytes`, lower in a registry that takes many at once), archive members
    checked by their declared size before a byte is read, and counted (folders too: each costs parsing) against
    `max_files`, lower in a registry, where a small upload of many empty members cost half a minute's CPU."""
    from probes.limits import read_bytes_limited

    total = 0

    def count(size: int, where: str) -> None:
        nonlocal total
        total += size
        if total > max_bytes:
            raise InputError(f"{path}: bundle larger than {max_bytes} bytes ({where})")

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
                    continue
                data = read_bytes_limited(entry, "bundle file", MAX_BUNDLE_FILE)
                count(len(data), entry.name)
                out[entry.relative_to(path).as_posix()] = data
                if len(out) > max_files:
                    raise InputError(f"{path}: more than {max_files} files")
        return out
    if path.exists():
        data = _archive_bytes(path, read_bytes_limited, max_bytes)
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
                out = {}
                tops: set[str] = set()
                for number, member in enumerate(tar, start=1):
                    if number > max_files:
                        raise InputError(f"{path}: more than {max_files} members in the archive")
                    parts = PurePosixPath(member.name).parts
                    if member.name.strip("/"):
                        tops.add(parts[0])
                    if len(tops) > 1:
                        raise InputError(f"{path}: expected one top-level bundle directory in the archive")
                    if member.isdir():
                        continue
                    if not member.isfile() or ".." in parts or member.name.startswith("/") or len(parts) < 2:
                        raise InputError(f"{path}: {member.name!r}: not a plain file inside the bundle")
                    if member.size > MAX_BUNDLE_FILE:
                        raise InputError(f"{path}: {member.name!r}: {member.size} bytes, more than the "
                                         f"{MAX_BUNDLE_FILE} a bundle file may hold")
                    count(member.size, member.name)
                    handle = tar.extractfile(member)
                    assert handle is not None
                    rel = "/".join(parts[1:])
                    if rel in out:
                        raise InputError(f"{path}: {member.name!r} appears twice in the archive")
                    out[rel] = handle.read(member.size)
                if len(tops) != 1:
                    raise InputError(f"{path}: expected one top-level bundle directory in the archive")
                return out
        except (tarfile.TarError, OSError, EOFError, ValueError, zlib_error()) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"{path}: not a readable bundle archive ({first.rstrip(':')})") from None
    raise InputError(f"{path}: bundle not found")


def _archive_bytes(path: Path, read: Any, max_bytes: int = MAX_BUNDLE_BYTES) -> bytes:
    """The tar inside a .tar.gz, decompressed whole and within the limit, so the gzip CRC and length are
    checked (tarfile alone stops at the end-of-archive block and never reads the gzip trailer)."""
    import gzip
    import zlib

    try:
        raw = read(path, "bundle archive", max_bytes)
    except InputError as exc:
        if "not a regular file" in str(exc):
            raise InputError(f"{path}: a bundle is a directory or a .tar.gz file, not this kind of file") from None
        raise
    if raw[:2] != b"\x1f\x8b":
        return bytes(raw)  # a plain tar
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
            while chunk := gz.read(1 << 20):
                out.write(chunk)
                if out.tell() > max_bytes:
                    raise InputError(f"{path}: decompresses to more than {max_bytes} bytes")
    except (OSError, EOFError, zlib.error) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a readable bundle archive ({first})") from None
    return out.getvalue()


def zlib_error() -> type[Exception]:
    import zlib

    return zlib.error


UNPINNED_WARNING = ("no pinned key (--pubkey or --keyring): the signatures prove the bundle intact, not who signed "
                    "it — anyone can re-sign an altered bundle; compare the signer with the fingerprint the hospital "
                    "registered with you, never with one read from the bundle")
UNPINNED_ZH = "未比对登记公钥：签名只证明证据包完整，不能证明由谁签发；任何人都可以重新签名被修改的证据包。"


def verify_content(content: dict[str, bytes], source: str, pinned: set[str] | None = None,
                   keyring: dict[str, set[str]] | None = None, *, bind_hospital: bool = False) -> Verification:
    from reports.keys import SM2_DEFAULT_ID, Sm2PublicKey, ed25519_fingerprint, ed25519_public_from_pem

    if keyring:
        pinned = (pinned or set()).union(*keyring.values())
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
        manifest = json_loads(raw_manifest)
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
        if not any(fingerprint in pinned for fingerprint in v.signer):
            return fail("key", KEY_ED25519, "the signer's key is not among the pinned keys")
        for name, prints in (keyring or {}).items():
            if set(v.signer) & prints:
                v.registered_as = name
                break
    else:
        v.warnings.append(UNPINNED_WARNING)
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

    # 5. consistency: findings stand on observations the bundle carries. The signer wrote these files: one that
    # is not shaped as ihcheck writes it (an evidence item that is a string, hosts that are a number) is a problem
    # found, never a crash of the verifier.
    try:
        _consistency(content, v)
    except (AttributeError, TypeError, KeyError) as exc:
        v.problems.append(Problem("inconsistent", "findings.json", f"findings or facts not shaped as ihcheck writes "
                                  f"them ({type(exc).__name__}: {str(exc)[:120]})"))
    if v.problems:
        return v
    # 5b. a hospital's registered key signs only that hospital's bundles: with a keyring of hospitals by name
    # (`--keyring`), the name a bundle gives itself must be its signer's (hospital B's key on a bundle naming
    # hospital A is refused). The registry binds by enrolment instead (its keyring names a USCC and a key).
    named = hospital_named(content) if bind_hospital else None
    if v.registered_as is not None and named is not None and named != v.registered_as:
        return fail("key", KEY_ED25519, f"names the hospital {named!r}, but its signer's key is registered to "
                    f"{v.registered_as!r}: a hospital's key signs only its own bundles")

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


def hospital_named(content: dict[str, bytes]) -> str | None:
    """The hospital a bundle names itself as (facts.json documents.hospital), or None when it names none."""
    try:
        facts = json_loads(content.get("facts.json", b"null"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    documents = facts.get("documents") if isinstance(facts, dict) else None
    name = documents.get("hospital") if isinstance(documents, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else None


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
    parsed: dict[str, Any] = {}
    for name in ("findings.json", "facts.json"):  # each named as itself when it does not parse
        try:
            parsed[name] = json_loads(content.get(name, b"null"))
        except json.JSONDecodeError as exc:
            v.problems.append(Problem("inconsistent", name, f"not JSON: {exc}"))
            return
    findings, facts = parsed["findings.json"], parsed["facts.json"]
    if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
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
    if not _hosts_agree(content, facts, v):
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


def _hosts_agree(content: dict[str, bytes], facts: Any, v: Verification) -> bool:
    """The inventory snapshot, the facts and the observations describe the same hosts: names, addresses, and
    the host key each command ran behind. A signer cannot pass off one host's facts under another's name."""
    def bad(rel: str, message: str) -> bool:
        v.problems.append(Problem("inconsistent", rel, message))
        return False

    hosts = facts.get("hosts") if isinstance(facts, dict) else None
    if not isinstance(hosts, list) or not all(isinstance(h, dict) for h in hosts):
        return bad("facts.json", "missing or not a list of hosts")
    by_name = {str(h.get("name")): h for h in hosts}
    if len(by_name) != len(hosts):
        return bad("facts.json", "a host appears twice")
    try:
        snapshot = json_loads(content["inventory/hosts.json"]) if "inventory/hosts.json" in content else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return bad("inventory/hosts.json", "not JSON")
    if snapshot is not None:
        if not isinstance(snapshot, list) or not all(isinstance(h, dict) for h in snapshot):
            return bad("inventory/hosts.json", "not a list of hosts")
        declared = {str(h.get("name")): h for h in snapshot}
        for name, host in by_name.items():
            if name not in declared:
                return bad("facts.json", f"host {name!r} is not in the inventory snapshot")
            if declared[name].get("address") != host.get("address"):
                return bad("facts.json", f"host {name!r}: address {host.get('address')!r} differs from the "
                           f"inventory's {declared[name].get('address')!r}")
    for rel, data in sorted(content.items()):
        if not (rel.startswith("observations/") and rel.endswith(".json")):
            continue
        try:
            obs = json_loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return bad(rel, "not JSON")
        if not isinstance(obs, dict):
            return bad(rel, "not an observation")
        host = by_name.get(str(obs.get("host")))
        if host is None:
            return bad(rel, f"observation of host {obs.get('host')!r}, which is not in facts.json")
        presented = obs.get("host_key_fingerprint")
        if presented and host.get("host_key_fingerprint") and presented != host.get("host_key_fingerprint"):
            return bad(rel, f"ran behind host key {presented}, but facts.json gives host {obs.get('host')!r} "
                       f"the key {host.get('host_key_fingerprint')}")
    return True


def verify_bundle(path: str | Path, pinned: set[str] | None = None,
                  keyring: dict[str, set[str]] | None = None) -> Verification:
    path = Path(path)
    return verify_content(read_bundle(path), str(path), pinned, keyring, bind_hospital=True)
