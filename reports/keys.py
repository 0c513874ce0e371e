"""Signing keys: one Ed25519 pair (cryptography) and one SM2 pair (GmSSL by gmssl-pyx), used together.

Chinese regulators expect 商用密码 (SM2 signatures over SM3 digests, GB/T 32918 / GM/T 0003);
international tooling expects Ed25519. A bundle carries both signatures over the same manifest,
and `verify` requires both, so either community can check it with tools it already trusts:

    openssl pkeyutl -verify -pubin -inkey keys/ed25519.pub.pem -rawin \
        -in manifest.json -sigfile signatures/manifest.ed25519.sig
    openssl pkeyutl -verify -pubin -inkey keys/sm2.pub.pem -rawin -digest sm3 \
        -pkeyopt distid:1234567812345678 \
        -in manifest.json -sigfile signatures/manifest.sm2.der

SM2 library choice: gmssl-pyx (a C extension of GmSSL 3.2, the reference SM2/SM3 implementation by
Peking University's GmSSL project, statically linked in the wheel) signs and verifies: 0.7 ms a
verification where gmssl (pure Python, the most used SM2 package on PyPI) took 10 ms, which was most
of a registry's intake of a bundle. GmSSL prints a trace of where a failed verification stopped to
stderr (it has no switch for it); the refusal itself is this module's. gmssl is kept only to derive a
public point from a private scalar (once per key, cached): gmssl-pyx has no call for it. Tests
cross-check the signatures with OpenSSL's SM2. SM3 digests come from OpenSSL (hashlib).

Keys directory (`ihcheck keys new --out DIR`):

    DIR/ed25519.key        private key, PKCS#8 PEM, mode 0600
    DIR/ed25519.pub.pem    public key, SubjectPublicKeyInfo PEM
    DIR/sm2.key            private key, SEC 1 "EC PRIVATE KEY" PEM on curve SM2, mode 0600
    DIR/sm2.pub.pem        public key, SubjectPublicKeyInfo PEM (id-ecPublicKey, curve SM2)
    DIR/fingerprints.txt   the fingerprints to hand to the regulator

Fingerprints: `ed25519:SHA256:<base64 of SHA-256 of the 32-byte key>` (the OpenSSH style) and
`sm2:SM3:<hex of SM3 of the 65-byte uncompressed point>`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from checker.errors import InputError
from probes.limits import read_bytes_limited

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# GB/T 32918.5 curve parameters (the ones gmssl's default table holds).
SM2_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)
_SM2_CURVE_OID = "1.2.156.10197.1.301"
_EC_PUBLIC_KEY_OID = "1.2.840.10045.2.1"
SM2_DEFAULT_ID = b"1234567812345678"  # GM/T 0009 default signer id; what OpenSSL uses too

ED25519_KEY, ED25519_PUB, SM2_KEY, SM2_PUB, FINGERPRINTS = (
    "ed25519.key", "ed25519.pub.pem", "sm2.key", "sm2.pub.pem", "fingerprints.txt")


def sm3_hex(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()


def _pem(label: str, der: bytes) -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    head, tail = f"-----BEGIN {label}-----\n".encode(), f"\n-----END {label}-----\n".encode()
    return head + b"\n".join(lines) + tail


def _unpem(data: bytes, label: str, where: str) -> bytes:
    text = data.decode("ascii", "replace")
    begin, end = f"-----BEGIN {label}-----", f"-----END {label}-----"
    if begin not in text or end not in text:
        raise InputError(f"{where}: not a PEM {label}")
    body = text.split(begin, 1)[1].split(end, 1)[0]
    try:
        return base64.b64decode("".join(body.split()), validate=True)
    except ValueError:
        raise InputError(f"{where}: PEM body is not base64") from None


# ---------------------------------------------------------------- SM2


def _sm2_point(d: int) -> bytes:
    """The uncompressed public point 04||x||y for private scalar d."""
    from gmssl import sm2

    signer = sm2.CryptSM2(private_key=f"{d:064x}", public_key="")
    xy = signer._kg(d, signer.ecc_table["g"])
    return b"\x04" + bytes.fromhex(xy)


@dataclass(frozen=True)
class Sm2PublicKey:
    point: bytes  # 65 bytes, 04||x||y

    def spki_der(self) -> bytes:
        from Cryptodome.Util.asn1 import DerBitString, DerObjectId, DerSequence

        algorithm = DerSequence([DerObjectId(_EC_PUBLIC_KEY_OID), DerObjectId(_SM2_CURVE_OID)])
        return bytes(DerSequence([algorithm, DerBitString(self.point)]).encode())

    def pem(self) -> bytes:
        return _pem("PUBLIC KEY", self.spki_der())

    def fingerprint(self) -> str:
        return f"sm2:SM3:{sm3_hex(self.point)}"

    def verify(self, signature_der: bytes, message: bytes) -> bool:
        from Cryptodome.Util.asn1 import DerSequence

        try:
            seq = DerSequence().decode(signature_der, strict=True)
            r, s = int(cast(int, seq[0])), int(cast(int, seq[1]))
        except (ValueError, IndexError, TypeError):
            return False
        if not (0 < r < SM2_N and 0 < s < SM2_N):
            return False
        import gmssl_pyx

        try:
            point = gmssl_pyx.normalize_sm2_public_key(self.point)  # refuses a point not on the curve
            return bool(gmssl_pyx.sm2_verify(point, message, signature_der, signer_id=SM2_DEFAULT_ID))
        except (gmssl_pyx.InvalidValueError, gmssl_pyx.GmsslInnerError, ValueError, TypeError):
            return False

    @classmethod
    def from_pem(cls, data: bytes, where: str) -> Sm2PublicKey:
        from Cryptodome.Util.asn1 import DerBitString, DerObjectId, DerSequence

        der = _unpem(data, "PUBLIC KEY", where)
        try:
            spki = DerSequence().decode(der, strict=True)
            algorithm = DerSequence().decode(cast(bytes, spki[0]), strict=True)
            curve = DerObjectId().decode(cast(bytes, algorithm[1])).value
            point = DerBitString().decode(cast(bytes, spki[1])).value
        except (ValueError, IndexError, TypeError):
            raise InputError(f"{where}: not a SubjectPublicKeyInfo") from None
        if curve != _SM2_CURVE_OID or len(point) != 65 or point[0] != 4:
            raise InputError(f"{where}: not an SM2 public key (curve {curve})")
        return cls(bytes(point))


@dataclass(frozen=True)
class Sm2PrivateKey:
    d: int

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        return cls(secrets.randbelow(SM2_N - 2) + 1)

    def public_key(self) -> Sm2PublicKey:
        return Sm2PublicKey(self._point)

    @functools.cached_property
    def _point(self) -> bytes:  # derived once per key (pure Python, milliseconds)
        return _sm2_point(self.d)

    def sign(self, message: bytes) -> bytes:
        """SM2 signature of SM3(Z_A || message), DER SEQUENCE{r, s} as OpenSSL writes it (GmSSL draws the nonce
        from the system's random source)."""
        import gmssl_pyx

        return bytes(gmssl_pyx.sm2_sign(self.d.to_bytes(32, "big"), self._point[1:], message,
                                        signer_id=SM2_DEFAULT_ID))

    def pem(self) -> bytes:
        from Cryptodome.Util.asn1 import DerBitString, DerInteger, DerObjectId, DerOctetString, DerSequence

        body = DerSequence([
            DerInteger(1),
            DerOctetString(self.d.to_bytes(32, "big")),
            DerObjectId(_SM2_CURVE_OID, explicit=0),
            DerBitString(self.public_key().point, explicit=1),
        ])
        return _pem("EC PRIVATE KEY", body.encode())

    @classmethod
    def from_pem(cls, data: bytes, where: str) -> Sm2PrivateKey:
        from Cryptodome.Util.asn1 import DerOctetString, DerSequence

        der = _unpem(data, "EC PRIVATE KEY", where)
        try:
            seq = DerSequence().decode(der)
            d = int.from_bytes(DerOctetString().decode(cast(bytes, seq[1])).payload, "big")
        except (ValueError, IndexError, TypeError):
            raise InputError(f"{where}: not an SM2 EC PRIVATE KEY") from None
        if not 0 < d < SM2_N:
            raise InputError(f"{where}: SM2 private key out of range")
        return cls(d)


# ---------------------------------------------------------------- Ed25519


def ed25519_fingerprint(key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "ed25519:SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")


def ed25519_public_pem(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def ed25519_public_from_pem(data: bytes, where: str) -> Ed25519PublicKey:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(data)
    except UnsupportedAlgorithm:
        raise InputError(f"{where}: not an Ed25519 public key") from None
    except ValueError:
        raise InputError(f"{where}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"{where}: not an Ed25519 public key")
    return key


# ---------------------------------------------------------------- the pair


@dataclass(frozen=True)
class SigningKeys:
    ed25519: Ed25519PrivateKey
    sm2: Sm2PrivateKey
    ephemeral: bool = False

    @classmethod
    def generate(cls, *, ephemeral: bool = False) -> SigningKeys:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return cls(Ed25519PrivateKey.generate(), Sm2PrivateKey.generate(), ephemeral)

    def public(self) -> PublicKeys:
        return PublicKeys(self.ed25519.public_key(), self.sm2.public_key())

    def write(self, directory: Path, *, force: bool = False) -> None:
        try:
            self._write(directory, force=force)
        except OSError as exc:
            raise InputError(f"{directory}: cannot write keys there: {exc.strerror or exc}") from None

    def _write(self, directory: Path, *, force: bool) -> None:
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

        directory.mkdir(parents=True, exist_ok=True)
        existing = [n for n in (ED25519_KEY, SM2_KEY) if (directory / n).exists()]
        if existing and not force:
            raise InputError(f"{directory / existing[0]}: key exists (use --force to replace it)")
        private = self.ed25519.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        for name, data in ((ED25519_KEY, private), (SM2_KEY, self.sm2.pem())):
            path = directory / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(path, 0o600)
        pub = self.public()
        (directory / ED25519_PUB).write_bytes(ed25519_public_pem(pub.ed25519))
        (directory / SM2_PUB).write_bytes(pub.sm2.pem())
        (directory / FINGERPRINTS).write_text("\n".join(pub.fingerprints()) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> SigningKeys:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        if not directory.is_dir():
            raise InputError(f"{directory}: signing-key directory not found (create one with `ihcheck keys new`)")
        paths = {n: directory / n for n in (ED25519_KEY, SM2_KEY)}
        for path in paths.values():
            if not path.is_file():
                raise InputError(f"{path}: signing key missing (create keys with `ihcheck keys new --out {directory}`)")
        try:
            ed = load_pem_private_key(read_bytes_limited(paths[ED25519_KEY], "signing key", 1 << 20), password=None)
        except (ValueError, TypeError) as exc:
            raise InputError(f"{paths[ED25519_KEY]}: not an unencrypted PEM private key ({exc})") from None
        if not isinstance(ed, Ed25519PrivateKey):
            raise InputError(f"{paths[ED25519_KEY]}: not an Ed25519 private key")
        sm2_pem = read_bytes_limited(paths[SM2_KEY], "signing key", 1 << 20)
        return cls(ed, Sm2PrivateKey.from_pem(sm2_pem, str(paths[SM2_KEY])))


@dataclass(frozen=True)
class PublicKeys:
    ed25519: Ed25519PublicKey
    sm2: Sm2PublicKey

    def fingerprints(self) -> tuple[str, str]:
        return ed25519_fingerprint(self.ed25519), self.sm2.fingerprint()


def pinned_fingerprints(spec: str) -> set[str]:
    """What `verify --pubkey` trusts: a keys directory, a PEM public key, a fingerprints file, or fingerprints.

    Returns the set of trusted fingerprints; a bundle must be signed by keys whose fingerprints
    are all in it (pinning one key pins both, since the manifest binds the two public keys).
    """
    path = Path(spec)
    if path.is_dir():
        found: set[str] = set()
        for name in (ED25519_PUB, SM2_PUB):
            if (path / name).is_file():
                found |= pinned_fingerprints(str(path / name))
        if not found:
            raise InputError(f"{path}: no {ED25519_PUB} or {SM2_PUB} in this directory")
        return found
    if path.exists():
        data = read_bytes_limited(path, "--pubkey file", 1 << 20)
        if b"-----BEGIN PUBLIC KEY-----" in data:
            try:
                return {ed25519_fingerprint(ed25519_public_from_pem(data, str(path)))}
            except InputError:
                return {Sm2PublicKey.from_pem(data, str(path)).fingerprint()}
        text = data.decode("utf-8", "replace")
        prints = {w for w in text.split() if w.startswith(("ed25519:", "sm2:"))}
        if not prints:
            raise InputError(f"{path}: neither a PEM public key nor a list of ed25519:/sm2: fingerprints")
        return prints
    prints = {w.strip() for w in spec.replace(",", " ").split()}
    bad = [p for p in prints if not p.startswith(("ed25519:SHA256:", "sm2:SM3:"))]
    if bad or not prints:
        raise InputError(f"--pubkey: {bad[0] if bad else spec!r} is neither a file nor an ed25519:SHA256:… "
                         "or sm2:SM3:… fingerprint")
    return prints


def load_keyring(path: Path) -> dict[str, set[str]]:
    """A regulator's keyring of registered hospitals: one line each, a name then its fingerprints.

        # 名称 name                      fingerprints as registered
        广州某互联网医院 ed25519:SHA256:… sm2:SM3:…
    """
    from probes.limits import read_text_limited

    entries: dict[str, set[str]] = {}
    for number, line in enumerate(read_text_limited(path, "keyring").splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        prints = {w for w in words if w.startswith(("ed25519:SHA256:", "sm2:SM3:"))}
        name = " ".join(w for w in words if w not in prints)
        if not prints or not name:
            raise InputError(f"{path}: line {number}: expected a name and its ed25519:SHA256:… / sm2:SM3:… "
                             "fingerprints")
        entries.setdefault(name, set()).update(prints)
    if not entries:
        raise InputError(f"{path}: keyring holds no entries")
    return entries
