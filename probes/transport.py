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
import threading
from collections.abc import Callable
from concurrent.futures import Future
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


_KNOWN_HOSTS_LOCK = threading.Lock()
_KNOWN_HOSTS: dict[tuple[str, int, int], Any] = {}


def _parsed_known_hosts(path: Path) -> Any:
    """A known_hosts file parsed once per run (while unchanged), not once per host: a fleet's file has a line
    per host, and parsing all of it for each of N hosts made a run's CPU grow with N²."""
    import paramiko

    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _KNOWN_HOSTS_LOCK:
        parsed = _KNOWN_HOSTS.get(key)
        if parsed is None:
            parsed = _KNOWN_HOSTS[key] = paramiko.HostKeys(str(path))
        return parsed


def known_host_keys(host: InventoryHost) -> list[tuple[str, Any]]:
    """(key type, key) of every known_hosts entry for this host, in the files' order of precedence."""
    name = host.address if not host.port or host.port == 22 else f"[{host.address}]:{host.port}"
    found: list[tuple[str, Any]] = []
    for path in _known_hosts_files(host):
        entry = _parsed_known_hosts(path).lookup(name)
        if entry:
            found += [(kind, key) for kind, key in entry.items() if (kind, key) not in found]
    return found


def known_hosts_fingerprint(host: InventoryHost) -> str | None:
    """The fingerprint of the first key known_hosts holds for this host."""
    keys = known_host_keys(host)
    return str(keys[0][1].fingerprint) if keys else None


def _known_hosts_files(host: InventoryHost) -> list[Path]:
    files = [host.declared.known_hosts] if host.declared.known_hosts else []
    files += [p.expanduser() for p in DEFAULT_KNOWN_HOSTS]
    return [p for p in files if p is not None and p.exists()]


class _TestinfraTransport:
    """Adapts a testinfra backend to the Transport protocol."""

    runs_scripts = True  # a real shell on the other end: a host's commands can go as one batch (probes.batch)

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

        known = known_host_keys(host)
        accept = options.accept_unknown_host_keys

        class VerifyingBackend(ParamikoBackend):  # type: ignore[misc]
            @functools.cached_property
            def client(self) -> Any:
                import paramiko

                client = paramiko.SSHClient()
                name = host.address if not host.port or host.port == 22 else f"[{host.address}]:{host.port}"
                for kind, key in known:  # this host's entries only: parsed once per run (_parsed_known_hosts)
                    client.get_host_keys().add(name, kind, key)
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

    def stream(self, command: str, stdin: bytes, on_stdout: Callable[[bytes], None],
               on_stderr: Callable[[bytes], None]) -> int:
        """One channel on the host's one connection: `stdin` sent and closed, stdout and stderr pumped as
        they arrive."""
        ssh = self._backend.client.get_transport()
        if ssh is None or not ssh.is_active():
            raise HostUnreachable("connection lost")
        channel = ssh.open_session(timeout=CONNECT_TIMEOUT)
        try:
            channel.exec_command(command)
            channel.sendall(stdin)
            channel.shutdown_write()

            def pump_stderr() -> None:
                while data := channel.recv_stderr(65536):
                    on_stderr(data)

            helper = threading.Thread(target=pump_stderr, name="stderr", daemon=True)
            helper.start()
            while data := channel.recv(65536):
                on_stdout(data)
            helper.join()
            if not channel.exit_status_ready() and not ssh.is_active():
                raise HostUnreachable("connection lost")
            return int(channel.recv_exit_status())
        finally:
            channel.close()

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


class _Shared:
    """What the probes of one host share: each command's one run (single flight), keyed by the exact command."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: dict[str, Future[Observation]] = {}


@dataclass
class Session:
    """One host's transport plus the run's observation log: every command becomes evidence.

    A command runs once per host: a second probe asking for the same command (with the same time limit)
    gets the same Observation, and cites the same evidence. `prefetch` sends a host's independent
    commands as one batch (probes.batch) over one channel; a probe asking for one of them waits for its
    share of the batch. `observations` are what this session (one probe, see `scoped`) relied on.
    """

    host: InventoryHost
    transport: Transport
    log: ObservationLog
    observations: list[Observation] = field(default_factory=list)
    shared: _Shared = field(default_factory=_Shared)

    @property
    def is_local(self) -> bool:
        return self.transport.name == "local"

    def scoped(self) -> Session:
        """A session for one probe: same host, transport and shared runs, its own list of what it relied on."""
        return Session(host=self.host, transport=self.transport, log=self.log, shared=self.shared)

    @staticmethod
    def wrap(command: str, timeout: int | None = 30) -> str:
        """The command line as sent: under `timeout` unless asked not to be."""
        return f"timeout {timeout} sh -c {_quote(command)}" if timeout else command

    def run(self, command: str, timeout: int | None = 30, *, fresh: bool = False) -> Observation:
        """Run a shell command; a non-zero exit is an observation, not an exception.

        `fresh` runs it again even if this host already ran it (a retried measurement)."""
        wrapped = self.wrap(command, timeout)
        if fresh:
            obs = self._execute(wrapped)
        else:
            with self.shared.lock:
                future = self.shared.runs.get(wrapped)
                owner = future is None
                if future is None:
                    future = self.shared.runs[wrapped] = Future()
            if owner:
                try:
                    future.set_result(self._execute(wrapped))
                except BaseException as exc:
                    future.set_exception(exc)
            obs = future.result()
        if all(o.id != obs.id for o in self.observations):
            self.observations.append(obs)
        return obs

    def prefetch(self, commands: list[str] | tuple[str, ...], timeout: int | None = 30) -> threading.Thread | None:
        """Start the host's not-yet-run `commands` as one batch in the background; `run` then waits for each."""
        from probes import batch

        if not getattr(self.transport, "runs_scripts", False):
            return None  # a transport that only answers known commands (a recording's replay): one by one
        todo: list[tuple[str, Future[Observation]]] = []
        with self.shared.lock:
            for command in dict.fromkeys(commands):
                wrapped = self.wrap(command, timeout)
                if wrapped not in self.shared.runs:
                    future: Future[Observation] = Future()
                    self.shared.runs[wrapped] = future
                    todo.append((wrapped, future))
        if not todo:
            return None
        nonce = batch.new_nonce()
        clock = {"last": now()}

        def complete(framed: batch.Framed) -> None:
            wrapped, future = todo[framed.index]
            ended = now()
            obs = self._keep(wrapped, framed.exit_status, framed.stdout.decode("utf-8", "replace"),
                             framed.stderr.decode("utf-8", "replace"), clock["last"], ended=ended)
            clock["last"] = ended
            future.set_result(obs)

        def send() -> None:
            parser = batch.BatchParser(nonce, complete)
            try:
                _stream(self.transport, [w for w, _ in todo], nonce, parser.feed_stdout, parser.feed_stderr)
                failure: BaseException = HostUnreachable("the batch ended before this command's output")
            except HostUnreachable as exc:
                failure = exc
            except Exception as exc:
                failure = HostUnreachable(f"connection lost: {exc}") if _is_connection_error(exc) else exc
            for _, future in todo:
                if not future.done():
                    future.set_exception(failure)

        sender = threading.Thread(target=send, name=f"batch-{self.host.name}", daemon=True)
        sender.start()
        return sender

    def preload(self, wrapped: str, rc: int | None, out: str, err: str, started: Any, ended: Any) -> Observation:
        """Keep a command another engine already ran on this host (its exact command line as sent), so
        probes asking for it get this Observation instead of running it again."""
        obs = self._keep(wrapped, rc, out, err, started, ended=ended)
        future: Future[Observation] = Future()
        future.set_result(obs)
        with self.shared.lock:
            self.shared.runs[wrapped] = future
        return obs

    def _execute(self, wrapped: str) -> Observation:
        started = now()
        try:
            rc, out, err = self.transport.run(wrapped)
        except HostUnreachable:
            raise
        except Exception as exc:  # transport died mid-run: keep it as an observation of failure
            if _is_connection_error(exc):
                raise HostUnreachable(f"connection lost: {exc}") from None
            rc, out, err = -1, "", f"{type(exc).__name__}: {exc}"
        return self._keep(wrapped, rc if rc >= 0 else None, out, err, started)

    def record(self, call: str, output: str, *, error: str = "") -> Observation:
        """Keep something the checker itself did about this host (a psutil call, a handshake sent from the
        checker, a BMC query, reading an attestation) as evidence. Its transport is `checker`: it did not
        travel over the host's connection, so it carries no host key fingerprint."""
        obs = self._keep(call, 0 if not error else 1, output, error, now(), transport="checker")
        self.observations.append(obs)
        return obs

    def _keep(self, command: str, rc: int | None, out: str, err: str, started: Any,
              transport: str | None = None, ended: Any = None) -> Observation:
        return self.log.record(
            host=self.host.name,
            transport=transport or self.transport.name,
            command=command,
            exit_status=rc,
            stdout=out,
            stderr=err,
            started_at=started,
            ended_at=ended,
            host_key_fingerprint=None if transport else self._fingerprint(),
        )

    @functools.cached_property
    def _fingerprint_value(self) -> str | None:
        try:
            return self.transport.host_key_fingerprint()
        except Exception:
            return None

    def _fingerprint(self) -> str | None:
        return self._fingerprint_value


def _stream(transport: Transport, commands: list[str], nonce: str, on_stdout: Callable[[bytes], None],
            on_stderr: Callable[[bytes], None]) -> None:
    """Run a batch: fed on stdin with output as it arrives where the transport can (paramiko), else as one
    command line with all output at the end."""
    from probes import batch

    streaming = getattr(transport, "stream", None)
    if streaming is not None:
        streaming(batch.STDIN_COMMAND, batch.script(commands, nonce).encode(), on_stdout, on_stderr)
        return
    _, out, err = transport.run(batch.remote_command(commands, nonce))
    # Some transports (Ansible's shell module) strip the final newline, which the last end marker needs.
    on_stdout(out.encode("utf-8", "surrogateescape") + b"\n")
    on_stderr(err.encode("utf-8", "surrogateescape") + b"\n")


def _quote(command: str) -> str:
    import shlex

    return shlex.quote(command)


def _is_connection_error(exc: Exception) -> bool:
    try:
        import paramiko
    except ImportError:  # pragma: no cover - paramiko is a core dependency
        return isinstance(exc, OSError)
    return isinstance(exc, OSError | EOFError | paramiko.SSHException)

