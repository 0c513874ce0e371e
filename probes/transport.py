"""How ihcheck reaches a host: pytest-testinfra's backends behind one small factory.

testinfra already knows local, paramiko, ssh, ansible and podman; its contract is one
`run(command) -> CommandResult`. What it lacks is what evidence needs, so this module adds:

* strict SSH host-key checking by default (testinfra's paramiko backend warns and carries on;
  ours rejects unknown or changed keys unless the user explicitly opts out), and
* the fingerprint of the key the host presented, so each observation can name the machine.

`Session` wraps a transport for one host and records every command as an `Observation`.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from checker.errors import HostUnreachable
from probes.inventory import InventoryHost
from probes.observation import Observation, ObservationLog, now

DEFAULT_KNOWN_HOSTS = (Path("~/.ssh/known_hosts"), Path("/etc/ssh/ssh_known_hosts"))
CONNECT_TIMEOUT = 10


@dataclass(frozen=True)
class TransportOptions:
    accept_unknown_host_keys: bool = False
    connect_timeout: int = CONNECT_TIMEOUT
    ansible_inventory: str | None = None


class Transport(Protocol):
    name: str

    def run(self, command: str) -> tuple[int, str, str]: ...

    def host_key_fingerprint(self) -> str | None: ...

    def close(self) -> None: ...


def _known_hosts_files(host: InventoryHost) -> list[Path]:
    files = [host.declared.known_hosts] if host.declared.known_hosts else []
    files += [p.expanduser() for p in DEFAULT_KNOWN_HOSTS]
    return [p for p in files if p is not None and p.exists()]


class _TestinfraTransport:
    """Adapts a testinfra backend to the Transport protocol."""

    def __init__(self, name: str, backend: Any) -> None:
        self.name = name
        self._backend = backend

    def run(self, command: str) -> tuple[int, str, str]:
        result = self._backend.run(command)
        return result.rc, result.stdout, result.stderr

    def host_key_fingerprint(self) -> str | None:
        return None

    def close(self) -> None:
        return None


class _ParamikoTransport(_TestinfraTransport):
    """testinfra's paramiko backend, but verifying host keys against known_hosts."""

    def __init__(self, host: InventoryHost, options: TransportOptions) -> None:
        from testinfra.backend.paramiko import ParamikoBackend

        known_hosts = _known_hosts_files(host)
        accept = options.accept_unknown_host_keys

        class VerifyingBackend(ParamikoBackend):  # type: ignore[misc]
            @functools.cached_property
            def client(self) -> Any:
                import paramiko

                client = paramiko.SSHClient()
                for path in known_hosts:
                    client.load_host_keys(str(path))
                policy = paramiko.AutoAddPolicy() if accept else paramiko.RejectPolicy()
                client.set_missing_host_key_policy(policy)
                client.connect(
                    hostname=host.address,
                    port=host.port or 22,
                    username=host.user,
                    password=host.password.get_secret_value() if host.password else None,
                    key_filename=str(host.private_key_file) if host.private_key_file else None,
                    timeout=options.connect_timeout,
                    banner_timeout=options.connect_timeout,
                    auth_timeout=options.connect_timeout,
                    allow_agent=host.private_key_file is None,
                    look_for_keys=host.private_key_file is None,
                )
                return client

        super().__init__("paramiko", VerifyingBackend(f"{host.address}", timeout=options.connect_timeout))

    def connect(self) -> None:
        import paramiko

        try:
            _ = self._backend.client
        except paramiko.BadHostKeyException as exc:
            raise HostUnreachable(f"host key mismatch: {exc}") from None
        except paramiko.SSHException as exc:
            reason = str(exc)
            if "not found in known_hosts" in reason:
                reason += " (add it to known_hosts or ihcheck_known_hosts; --accept-unknown-host-keys to skip)"
            raise HostUnreachable(f"SSH: {reason}") from None
        except (TimeoutError, OSError, EOFError) as exc:
            raise HostUnreachable(f"cannot connect: {exc or type(exc).__name__}") from None

    def host_key_fingerprint(self) -> str | None:
        transport = self._backend.client.get_transport()
        if transport is None:
            return None
        return str(transport.get_remote_server_key().fingerprint)

    def close(self) -> None:
        if "client" in self._backend.__dict__:
            self._backend.client.close()


class _OpenSshTransport(_TestinfraTransport):
    """testinfra's ssh backend (the OpenSSH client), with StrictHostKeyChecking forced on."""

    def __init__(self, host: InventoryHost, options: TransportOptions) -> None:
        from testinfra.backend.ssh import SshBackend

        args = ["-o BatchMode=yes"]
        if options.accept_unknown_host_keys:
            args.append("-o StrictHostKeyChecking=accept-new")
        else:
            args.append("-o StrictHostKeyChecking=yes")
        files = _known_hosts_files(host)
        if files:
            args.append("-o UserKnownHostsFile=" + " ".join(str(p) for p in files))
        user = f"{host.user}@" if host.user else ""
        port = f":{host.port}" if host.port else ""
        backend = SshBackend(
            f"{user}{host.address}{port}",
            ssh_identity_file=str(host.private_key_file) if host.private_key_file else None,
            ssh_extra_args=" ".join(args),
            timeout=options.connect_timeout,
        )
        super().__init__("ssh", backend)
        self._files = files
        self._host = host

    def run(self, command: str) -> tuple[int, str, str]:
        try:
            rc, out, err = super().run(command)
        except RuntimeError as exc:  # testinfra raises when ssh itself exits 255: the command never ran
            result = exc.args[0] if exc.args else None
            err = getattr(result, "stderr", "") or str(exc)
            rc = 255
        if rc == 255:
            lines = [line for line in err.strip().splitlines() if line.strip()]
            raise HostUnreachable(f"SSH: {lines[-1] if lines else 'exit 255'}")
        return rc, out, err

    def host_key_fingerprint(self) -> str | None:
        import paramiko

        name = self._host.address if not self._host.port else f"[{self._host.address}]:{self._host.port}"
        for path in self._files:
            keys = paramiko.HostKeys(str(path)).lookup(name)
            if keys:
                return str(next(iter(keys.values())).fingerprint)
        return None


class _AnsibleTransport(_TestinfraTransport):
    """testinfra's ansible backend, forced to run every command through the `ansible` CLI.

    Ansible then owns connection details (its own host-key checking, become, vault); it is slow
    (one `ansible` process per command) but reaches whatever Ansible can reach.
    """

    def __init__(self, host: InventoryHost, options: TransportOptions) -> None:
        from testinfra.backend.ansible import AnsibleBackend

        # The `ansible` CLI lives beside the interpreter running ihcheck (e.g. .venv/bin).
        bindir = str(Path(sys.executable).parent)
        if bindir not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
        backend = AnsibleBackend(host.name, ansible_inventory=options.ansible_inventory, force_ansible=True)
        super().__init__("ansible", backend)

    def run(self, command: str) -> tuple[int, str, str]:
        try:
            out = self._backend.run_ansible("shell", module_args=command, check=False)
        except RuntimeError as exc:  # testinfra raises on ansible's own failures (4 = unreachable)
            text = str(exc)
            match = re.search(r'"msg": "([^"]*)"', text)
            raise HostUnreachable(f"ansible: {match.group(1) if match else text.splitlines()[0][:300]}") from None
        if out.get("unreachable"):
            raise HostUnreachable(f"ansible: {out.get('msg', 'unreachable')}")
        if "stdout" in out and "rc" in out:
            return int(out["rc"]), str(out["stdout"]), str(out.get("stderr", ""))
        # The module itself could not run (no Python on the host, a broken interpreter path, …).
        detail = str(out.get("module_stdout") or out.get("module_stderr") or "").strip().splitlines()
        raise HostUnreachable(f"ansible: {out.get('msg', 'module failed')}: {detail[0] if detail else ''}".rstrip(": "))


def open_transport(host: InventoryHost, options: TransportOptions | None = None) -> Transport:
    options = options or TransportOptions()
    if host.connection == "local":
        from testinfra.backend.local import LocalBackend

        return _TestinfraTransport("local", LocalBackend("local"))
    if host.connection == "podman":
        from testinfra.backend.podman import PodmanBackend

        return _TestinfraTransport("podman", PodmanBackend(host.address))
    if host.connection == "ansible":
        return _AnsibleTransport(host, options)
    if host.connection == "ssh" and host.declared.transport == "ssh":
        return _OpenSshTransport(host, options)
    transport = _ParamikoTransport(host, options)
    transport.connect()
    return transport


@dataclass
class Session:
    """One host's transport plus the run's observation log: every command becomes evidence."""

    host: InventoryHost
    transport: Transport
    log: ObservationLog
    observations: list[Observation] = field(default_factory=list)

    @property
    def is_local(self) -> bool:
        return self.transport.name == "local"

    def run(self, command: str, timeout: int | None = 30, *, scrub: Callable[[str], str] | None = None) -> Observation:
        """Run a shell command; a non-zero exit is an observation, not an exception. `scrub` rewrites the
        output before it is kept (personal data pseudonymised: the evidence never holds it)."""
        wrapped = f"timeout {timeout} sh -c {_quote(command)}" if timeout else command
        started = now()
        try:
            rc, out, err = self.transport.run(wrapped)
        except HostUnreachable:
            raise
        except Exception as exc:  # transport died mid-run: keep it as an observation of failure
            if _is_connection_error(exc):
                raise HostUnreachable(f"connection lost: {exc}") from None
            rc, out, err = -1, "", f"{type(exc).__name__}: {exc}"
        if scrub is not None:
            out = scrub(out)
        return self._keep(wrapped, rc if rc >= 0 else None, out, err, started)

    def record(self, call: str, output: str, *, error: str = "") -> Observation:
        """Keep something the checker itself did about this host (a psutil call, a handshake sent from the
        checker, a BMC query, reading an attestation) as evidence. Its transport is `checker`: it did not
        travel over the host's connection, so it carries no host key fingerprint."""
        return self._keep(call, 0 if not error else 1, output, error, now(), transport="checker")

    def _keep(self, command: str, rc: int | None, out: str, err: str, started: Any,
              transport: str | None = None) -> Observation:
        obs = self.log.record(
            host=self.host.name,
            transport=transport or self.transport.name,
            command=command,
            exit_status=rc,
            stdout=out,
            stderr=err,
            started_at=started,
            host_key_fingerprint=None if transport else self._fingerprint(),
        )
        self.observations.append(obs)
        return obs

    @functools.cached_property
    def _fingerprint_value(self) -> str | None:
        try:
            return self.transport.host_key_fingerprint()
        except Exception:
            return None

    def _fingerprint(self) -> str | None:
        return self._fingerprint_value


def _quote(command: str) -> str:
    import shlex

    return shlex.quote(command)


def _is_connection_error(exc: Exception) -> bool:
    try:
        import paramiko
    except ImportError:  # pragma: no cover - paramiko is a core dependency
        return isinstance(exc, OSError)
    return isinstance(exc, OSError | EOFError | paramiko.SSHException)

