"""SSH keys the simulator makes itself, so known_hosts exists before any container answers.

The checker verifies host keys strictly; writing each container's host key ourselves is what lets
it do so against a simulation exactly as against a hospital whose keys were exchanged beforehand.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(frozen=True)
class KeyPair:
    private_openssh: bytes
    public_line: str  # "ssh-ed25519 AAAA..."


def generate(comment: str) -> KeyPair:
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return KeyPair(private, f"{public.decode()} {comment}")


def write_pair(pair: KeyPair, private_path: Path) -> None:
    """Private key mode 0600 (ssh refuses anything looser), public key beside it as `.pub`."""
    private_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pair.private_openssh)
    os.chmod(private_path, 0o600)
    private_path.with_name(private_path.name + ".pub").write_text(pair.public_line + "\n")


def known_hosts_line(names: list[str], pair: KeyPair) -> str:
    """One known_hosts entry for a host key under all of its names and addresses."""
    key_type, key_data = pair.public_line.split()[:2]
    return f"{','.join(names)} {key_type} {key_data}"
