"""The identity probe on this machine over the local transport: the running kernel's boot_id and the virtualisation
are read, so hosts on one kernel (containers, namespaces) can be counted as one server."""

from __future__ import annotations

from pathlib import Path

from probes import identity
from tests.probes.conftest import local_session


def test_reads_the_running_kernels_boot_id_and_the_virtualisation() -> None:
    facts = identity.collect(local_session())
    assert facts.boot_id == Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    assert facts.kernel == f"boot_id:{facts.boot_id}"
    assert facts.virtualization  # systemd-detect-virt's word, or podman/docker/unknown: never empty


def test_an_older_output_without_boot_id_gives_none() -> None:
    assert identity.parse_identity("m\n--\nh\n--\nDebian\n--\nnone\n")[4] is None
