"""Which machine answered. Also the first contact with a host, so it doubles as the reachability check."""

from __future__ import annotations

from checker.errors import ProbeError
from probes.facts.identity import MachineIdentity
from probes.transport import Session

COMMAND = (
    "cat /etc/machine-id 2>/dev/null; echo '--'; "
    "hostname 2>/dev/null || cat /proc/sys/kernel/hostname; echo '--'; "
    "(. /etc/os-release 2>/dev/null && echo \"$PRETTY_NAME\"); echo '--'; "
    "systemd-detect-virt 2>/dev/null || { test -f /run/.containerenv && echo podman; } "
    "|| { test -f /.dockerenv && echo docker; } || echo unknown; echo '--'; "
    "cat /proc/sys/kernel/random/boot_id 2>/dev/null"
)


def parse_identity(output: str) -> tuple[str | None, str, str | None, str | None, str | None]:
    """(machine-id, hostname, OS, virtualization, boot_id) from the output of COMMAND.

    The boot_id names the running kernel: containers and namespaces on one kernel share it, so they are one
    machine whatever machine-id each holds. Output without it (an older recording) gives None.

    >>> parse_identity("3d12\\n--\\napp1\\n--\\nDebian GNU/Linux 12 (bookworm)\\n--\\nnone\\n--\\n9f0c-1\\n")
    ('3d12', 'app1', 'Debian GNU/Linux 12 (bookworm)', 'none', '9f0c-1')
    """
    parts = [p.strip() for p in output.split("--\n")]
    if len(parts) < 4 or not parts[1]:
        raise ProbeError(f"unexpected identity output: {output[:200]!r}")
    machine_id, hostname, os_name, virt = parts[:4]
    boot_id = parts[4] if len(parts) > 4 else ""
    return machine_id or None, hostname, os_name or None, virt or None, boot_id or None


def plan(session: Session) -> tuple[str, ...]:
    """The commands this probe runs whatever it finds (sent ahead in the host's batch)."""
    return (COMMAND,)


def collect(session: Session) -> MachineIdentity:
    obs = session.run(COMMAND)
    if obs.truncated or obs.ended_by_checker:
        raise ProbeError(f"identity output not complete ({obs.ended_by_checker}); truncated={obs.truncated}")
    machine_id, hostname, os_name, virt, boot_id = parse_identity(obs.stdout)
    notes = () if machine_id else ("no /etc/machine-id: machines told apart by hostname only",)
    return MachineIdentity(
        hostname=hostname, machine_id=machine_id, os=os_name, virtualization=virt, boot_id=boot_id,
        observations=(obs.id,), notes=notes,
    )
