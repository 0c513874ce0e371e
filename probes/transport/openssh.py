"""The OpenSSH client, for hosts whose inventory asks for it (`ihcheck_transport: ssh`)."""

from __future__ import annotations

from pathlib import Path

from checker.errors import HostUnreachable
from probes.bounded import Bounded, decode
from probes.inventory import InventoryHost
from probes.transport.base import TransportOptions, _known_hosts_files
from probes.transport.process import _ProcessTransport


def _ssh_config_value(path: Path) -> str:
    """One file of UserKnownHostsFile, quoted as ssh_config quotes (a path with a space stays one path)."""
    text = str(path)
    if '"' in text:
        raise HostUnreachable(f"known_hosts path with a double quote cannot be given to OpenSSH: {text!r}")
    return f'"{text}"' if any(c.isspace() for c in text) else text


class _OpenSshTransport(_ProcessTransport):
    """The OpenSSH client, StrictHostKeyChecking forced on, its arguments a list (never a joined string)."""

    name = "ssh"

    def __init__(self, host: InventoryHost, options: TransportOptions) -> None:
        super().__init__(options)
        self._host = host
        self._files = _known_hosts_files(host)
        args = ["ssh", "-o", "BatchMode=yes", "-o", f"ConnectTimeout={options.connect_timeout}",
                "-o", "StrictHostKeyChecking=" + ("accept-new" if options.accept_unknown_host_keys else "yes"),
                "-o", "UserKnownHostsFile=" + (" ".join(_ssh_config_value(p) for p in self._files) or "/dev/null"),
                "-o", "GlobalKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-T"]
        if host.port:
            args += ["-p", str(host.port)]
        if host.user:
            args += ["-l", host.user]
        if host.private_key_file:
            args += ["-i", str(host.private_key_file), "-o", "IdentitiesOnly=yes"]
        self._prefix = [*args, "--", host.address]

    def argv(self, command: str) -> list[str]:
        return [*self._prefix, command]

    def run(self, command: str, *, timeout: float, cap: int) -> Bounded:
        result = super().run(command, timeout=timeout + self._options.connect_timeout, cap=cap)
        if result.returncode == 255:  # ssh itself failed: the command never ran
            lines = [line for line in decode(result.stderr).strip().splitlines() if line.strip()]
            raise HostUnreachable(f"SSH: {lines[-1] if lines else 'exit 255'}")
        return result

    def host_key_fingerprint(self) -> str | None:
        import paramiko

        name = self._host.address if not self._host.port else f"[{self._host.address}]:{self._host.port}"
        for path in self._files:
            keys = paramiko.HostKeys(str(path)).lookup(name)
            if keys:
                return str(next(iter(keys.values())).fingerprint)
        return None
