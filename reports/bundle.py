"""The evidence bundle: what a hospital hands in and a regulator verifies offline.

A bundle is a directory and the same content as one `.tar.gz` (deterministic: sorted members,
fixed mtimes and owners), so the regulator can verify either. Layout (format `ihcheck.bundle/1`):

    manifest.json                 format, tool, catalogue (version, sha256), signer fingerprints,
                                  redaction counts, and {path: {size, sha256, sm3}} of every file below
    signatures/manifest.ed25519.sig   Ed25519 signature of manifest.json's exact bytes (raw 64 bytes)
    signatures/manifest.sm2.der       SM2 signature (SM3, default id 1234567812345678), DER SEQUENCE{r,s}
    keys/ed25519.pub.pem, keys/sm2.pub.pem    the signer's public keys (pin them with `verify --pubkey`)
    VERIFY.txt                    how to check the bundle with ihcheck or with plain OpenSSL
    attestation.intoto.json       an in-toto Statement over every other file (path + sha256) with the
                                  findings summary, in a DSSE envelope signed with the same Ed25519 key
                                  (reports.attestation); listed in the manifest like any file
    result.json                   run summary: tool, catalogue, inventory, times, verdict counts, exit code
    catalogue.json                every rule that judged, with its clause in Chinese and English
    inventory/files/<path>        the inventory file(s) as given (a directory keeps its tree), redacted
    inventory/hosts.json          the hosts as parsed (address, port, user, groups, ihcheck_* declarations)
    facts.json                    the typed facts every rule saw (DeploymentFacts)
    findings.json                 every finding: verdict, reason, evidence, the observations it relied on,
                                  and its waiver if one applies
    observations/<id>.json        one per command a probe ran: command, stdout, stderr, exit status,
                                  timestamps, transport, host key fingerprint (id percent-encoded:
                                  `db1#3` → `db1%233.json`)
    waivers.json                  each waiver and what became of it (applied, expired, unknown rule, unmatched)
    waivers/<file>                the waivers file as given, redacted
    screenshots/<id>.png          each public page's screenshot (GD2020-4.2-public-page), the PNG whose SHA-256/SM3
                                  the facts hold and whose base64 its observation <id> holds
    documents/materials.yaml, documents/<file>
                                  the hospital's documents folder (Basis.ATTESTED), byte for byte

Secrets are removed (reports.redact) from every text above before it is hashed, except the
documents, which are the hospital's own papers and travel unaltered; an observation's
`stdout_sha256` is recomputed over the redacted stdout, so the excerpt a report quotes can be
checked against the bundle. The manifest counts the redactions by kind and by file.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import quote

from checker.errors import InputError

if TYPE_CHECKING:
    from reports.keys import SigningKeys
    from reports.result import CheckResult
    from reports.waivers import WaiverStatus

FORMAT = "ihcheck.bundle/1"
MANIFEST = "manifest.json"
SIG_ED25519 = "signatures/manifest.ed25519.sig"
SIG_SM2 = "signatures/manifest.sm2.der"
KEY_ED25519 = "keys/ed25519.pub.pem"
KEY_SM2 = "keys/sm2.pub.pem"
UNSIGNED = frozenset({MANIFEST, SIG_ED25519, SIG_SM2})

_VERIFY_TXT = """\
This is an ihcheck evidence bundle ({format}).

Verify it offline (no network, no access to the hospital needed), against the fingerprints the
hospital REGISTERED WITH YOU (from your own records, never from this bundle: whoever altered the
bundle would also have replaced any fingerprint written in it):

    ihcheck verify BUNDLE --pubkey "ed25519:SHA256:<registered> sm2:SM3:<registered>"
    ihcheck verify BUNDLE --keyring registered-hospitals.txt

Exit 0 means intact AND signed by the registered key; exit 2 means intact but not compared with a
registered key (anyone can re-sign an altered bundle); exit 1 means altered.

Or with OpenSSL alone (3.0 or later), from inside the bundle directory:

    openssl pkeyutl -verify -pubin -inkey keys/ed25519.pub.pem -rawin \\
        -in manifest.json -sigfile signatures/manifest.ed25519.sig
    openssl pkeyutl -verify -pubin -inkey keys/sm2.pub.pem -rawin -digest sm3 \\
        -pkeyopt distid:1234567812345678 -in manifest.json -sigfile signatures/manifest.sm2.der

then compare every file's sha256sum / SM3 digest with manifest.json "files", and — the step that
establishes who signed — compare the public keys in keys/ with the keys or fingerprints the hospital
registered with you. A signature that verifies under a key you did not register proves nothing.

请以医院向您登记的公钥指纹核对签名者，切勿使用证据包内写明的指纹。
"""


def observation_path(observation_id: str) -> str:
    return f"observations/{quote(observation_id, safe='')}.json"


def dump_json(value: Any) -> bytes:
    """The one JSON form in a bundle: sorted keys, UTF-8 (Chinese stays readable), newline-terminated."""
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Written:
    directory: Path
    tarball: Path | None
    manifest: dict[str, Any]


class _Files:
    """Files of a bundle being written: each goes to disk as it is added (a fleet's observations are never all
    held at once), its digests taken in the same pass."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.names: set[str] = set()
        self.made: set[Path] = set()
        self.entries: dict[str, dict[str, Any]] = {}
        self.redactions: dict[str, int] = {}

    def add(self, rel: str, data: bytes, redactions: int = 0) -> None:
        if rel in self.names:
            raise InputError(f"{self.root}: two bundle files would be written to {rel}")
        self.names.add(rel)
        path = self.root / rel
        if path.parent not in self.made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.made.add(path.parent)
        path.write_bytes(data)
        if rel not in UNSIGNED:
            self.entries[rel] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                                 "sm3": hashlib.new("sm3", data).hexdigest()}
        if redactions:
            self.redactions[rel] = redactions


def _inventory_files(source: Path) -> list[tuple[str, Path]]:
    if source.is_file():
        return [(source.name, source)]
    return sorted((str(p.relative_to(source)), p) for p in source.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(source).parts))


def write_bundle(
    result: CheckResult,
    inventory_path: str | Path,
    out_dir: str | Path,
    *,
    keys: SigningKeys,
    waivers: list[WaiverStatus] | tuple[WaiverStatus, ...] = (),
    waivers_file: Path | None = None,
    tarball: bool = True,
    parsed_hosts: list[dict[str, Any]] | None = None,
) -> Written:
    """Write and sign a bundle from one check's result; returns where it went and its manifest.

    `parsed_hosts` defaults to parsing `inventory_path` again (Ansible's parser, as the check did).
    """
    from reports.keys import SM2_DEFAULT_ID, ed25519_public_pem
    from reports.redact import Redactor

    root = Path(out_dir)
    inventory = Path(inventory_path)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise InputError(f"{root}: bundle directory exists and is not empty")
    if not inventory.exists():
        raise InputError(f"{inventory}: inventory not found")
    from reports.files import locked_output_dir

    tar_path = root.with_name(root.name + ".tar.gz") if tarball else None
    with locked_output_dir(root) as staging:  # written beside, renamed into place whole; locked meanwhile
        files = _Files(staging)
        kinds: Counter[str] = Counter()

        def add_redacted_json(rel: str, value: Any) -> None:
            red = Redactor()
            clean = red.data(value)
            kinds.update(red.counts)
            files.add(rel, dump_json(clean), red.total)

        def add_redacted_text(rel: str, text: str) -> None:
            red = Redactor()
            clean = red.text(text)
            kinds.update(red.counts)
            files.add(rel, clean.encode("utf-8"), red.total)

        # inventory: the files as given, and the hosts as parsed
        skipped: list[str] = []
        from probes.limits import read_bytes_limited as _read

        inventory_root = (inventory if inventory.is_dir() else inventory.parent).resolve()
        for rel, path in _inventory_files(inventory):
            if inventory.is_dir() and not path.resolve().is_relative_to(inventory_root):
                skipped.append(f"inventory/files/{rel}: a link leading outside the inventory, left out")
                continue
            try:
                add_redacted_text(f"inventory/files/{rel}", _read(path, "inventory file").decode("utf-8"))
            except UnicodeDecodeError:
                skipped.append(f"inventory/files/{rel}: not UTF-8 text, cannot be redacted, left out")
        if parsed_hosts is None:
            from probes.inventory import load_inventory

            parsed_hosts = [h.model_dump(mode="json") for h in load_inventory(inventory).hosts]
        add_redacted_json("inventory/hosts.json", parsed_hosts)

        # observations, each redacted and its stdout digest recomputed over what the bundle carries
        for obs in result.observations:
            red = Redactor()
            raw = obs.model_dump(mode="json")
            redacted = {"command": red.text(raw["command"]), "stdout": red.output(raw["stdout"]),
                        "stderr": red.output(raw["stderr"])}
            raw.update(redacted)
            raw["stdout_sha256"] = hashlib.sha256(raw["stdout"].encode("utf-8", "surrogateescape")).hexdigest()
            at_source = sum(obs.redacted.values())
            raw["redactions"] = red.total + at_source
            kinds.update(red.counts)
            kinds.update(obs.redacted)
            files.add(observation_path(obs.id), dump_json(raw), red.total + at_source)

        skipped += _screenshots(result, files)
        facts = result.facts.model_dump(mode="json")
        add_redacted_json("facts.json", facts)
        add_redacted_json("findings.json", [f.model_dump(mode="json") for f in result.findings])
        files.add("catalogue.json", dump_json(result.catalogue.model_dump(mode="json")))  # ihcheck's own text
        summary = {
            "schema": "ihcheck.result/1", "tool": result.tool.model_dump(mode="json"),
            "catalogue": {"version": result.catalogue.version, "sha256": result.catalogue.sha256},
            "inventory": result.inventory, "started_at": result.started_at.isoformat(),
            "finished_at": result.finished_at.isoformat(), "summary": result.summary,
        }
        add_redacted_json("result.json", summary)
        add_redacted_json("waivers.json", {"waivers": [w.model_dump(mode="json") for w in waivers]})
        if waivers_file is not None:
            from probes.limits import read_text_limited

            add_redacted_text(f"waivers/{waivers_file.name}", read_text_limited(waivers_file, "waivers file"))

        documents = result.facts.documents
        if documents is not None:
            folder = Path(documents.directory)
            from probes.facts.materials import INDEX
            from probes.limits import MAX_DOCUMENT_BYTES, read_bytes_limited
            from probes.materials_folder import digests

            index = read_bytes_limited(folder / INDEX, "index of the documents folder")
            if digests(index)[0] != documents.index_sha256:
                raise InputError(f"{folder / INDEX}: changed since the check read it; run the check again")
            files.add(f"documents/{INDEX}", index)
            for doc in documents.documents:
                if not doc.present:
                    continue
                data = read_bytes_limited(folder / doc.file, "document", MAX_DOCUMENT_BYTES)
                if digests(data)[0] != doc.sha256:
                    raise InputError(f"{folder / doc.file}: changed since the check read it; run the check again")
                files.add(f"documents/{doc.file}", data)

        public = keys.public()
        ed_fp, sm2_fp = public.fingerprints()
        files.add(KEY_ED25519, ed25519_public_pem(public.ed25519))
        files.add(KEY_SM2, public.sm2.pem())
        files.add("VERIFY.txt", _VERIFY_TXT.format(format=FORMAT).encode("utf-8"))
        from reports import attestation

        predicate = {"tool": summary["tool"], "catalogue": summary["catalogue"], "inventory": result.inventory,
                     "started_at": summary["started_at"], "finished_at": summary["finished_at"],
                     "summary": result.summary}
        files.add(attestation.ATTESTATION, attestation.sign(
            attestation.statement({rel: e["sha256"] for rel, e in files.entries.items()}, predicate), keys.ed25519))

        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "tool": result.tool.model_dump(mode="json"),
            "catalogue": {"version": result.catalogue.version, "sha256": result.catalogue.sha256},
            "inventory": result.inventory,
            "signer": {"ed25519": ed_fp, "sm2": sm2_fp, "ephemeral": keys.ephemeral,
                       "sm2_distinguishing_id": SM2_DEFAULT_ID.decode("ascii")},
            "redactions": {"total": sum(kinds.values()), "by_kind": dict(sorted(kinds.items())),
                           "by_file": dict(sorted(files.redactions.items()))},
            "skipped": skipped,
            "files": dict(sorted(files.entries.items())),
        }
        manifest_bytes = dump_json(manifest)
        files.add(MANIFEST, manifest_bytes)
        files.add(SIG_ED25519, keys.ed25519.sign(manifest_bytes))
        files.add(SIG_SM2, keys.sm2.sign(manifest_bytes))
        if tar_path is not None:
            write_tarball(staging, sorted(files.names), root.name, tar_path)
    return Written(directory=root, tarball=tar_path, manifest=manifest)


def screenshot_path(observation_id: str) -> str:
    return f"screenshots/{quote(observation_id, safe='')}.png"


def _screenshots(result: CheckResult, files: _Files) -> list[str]:
    """Each public page's screenshot as a PNG a person opens (its observation keeps the same bytes as base64), written
    only when the bytes are the ones whose digests the fact holds; otherwise the reason is listed as skipped."""
    import base64
    import binascii

    pages = result.facts.public_pages
    if pages is None:
        return []
    stdout = {o.id: o.stdout for o in result.observations
              if o.id in {p.screenshot_observation for p in pages.pages if p.screenshot_observation}}
    skipped: list[str] = []
    for page in pages.pages:
        if page.screenshot_observation is None or page.screenshot_observation not in stdout:
            continue
        rel = screenshot_path(page.screenshot_observation)
        try:
            png = base64.b64decode(stdout[page.screenshot_observation], validate=True)
        except (binascii.Error, ValueError):
            png = b""
        if hashlib.sha256(png).hexdigest() != page.screenshot_sha256:
            skipped.append(f"{rel}: the observation's bytes differ from the screenshot's digest, left out")
            continue
        if rel not in files.names:
            files.add(rel, png)
    return skipped


def write_tarball(folder: Path, names: list[str], top: str, path: Path) -> None:
    """A reproducible .tar.gz of `folder`'s files `names`: sorted members under one top directory, fixed owner,
    mode and time; read and packed a file at a time."""
    import gzip

    from reports.files import write_atomic

    def pack(sink: BinaryIO) -> None:
        with gzip.GzipFile(filename="", mode="wb", fileobj=sink, mtime=0, compresslevel=6) as gz, \
                tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for rel in sorted(names):
                member = folder / rel
                info = tarfile.TarInfo(f"{top}/{rel}")
                info.size, info.mtime, info.mode, info.uid, info.gid = member.stat().st_size, 0, 0o644, 0, 0
                info.uname = info.gname = "root"
                with member.open("rb") as data:
                    tar.addfile(info, data)

    write_atomic(path, pack)


def pack_bundle(path: Path) -> bytes:
    """A bundle as upload bytes: a .tar.gz as it is, a directory packed reproducibly (write_tarball).

    Here, not in the registry's intake: the hospital's `ihcheck submit` packs a bundle on a machine with no
    registry (no Django settings) at all."""
    import tempfile

    from probes.limits import read_bytes_limited

    if path.is_dir():
        links = [p for p in path.rglob("*") if p.is_symlink()]
        if links:
            raise InputError(f"{links[0]}: a bundle holds no symbolic links")
        names = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "bundle.tar.gz"
            write_tarball(path, names, path.name, out)
            return out.read_bytes()
    return read_bytes_limited(path, "bundle", 1 << 30)
