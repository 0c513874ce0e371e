"""How ihcheck reaches a host: local, OpenSSH, paramiko, podman or Ansible, every command bounded.

testinfra's backends were the first shape of this module; their contract (`run(command)` → exit status,
stdout, stderr) is kept, but their way of running commands is not: they wait for a command and its pipes
without a deadline, read its output whole, probe the host's encoding with an unwrapped `python3 -c …`,
and join OpenSSH options into one string that is split again on spaces. A hostile host could hang a run
or exhaust the checker's memory through any of these. So each transport here runs its command through
`probes.bounded` (a process on the checker, ended as a group at its deadline, its output capped) or, for
paramiko, reads the channel against the same deadline and cap; the remote side is wrapped in
`timeout -k` so that the host ends what the checker gave up on.

What evidence needs is added on top:
* strict SSH host-key checking by default (unknown or changed keys are rejected unless the user opts out);
* the fingerprint of the key the host presented, so each observation can name the machine;
* the deadline and cap the checker applied, recorded in the observation when it had to use them.

`Session` wraps a transport for one host and records every command as an `Observation`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import secrets
import select
import shlex
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from checker.errors import HostUnreachable
from probes.bounded import COMMAND_OUTPUT_CAP, HOST_OUTPUT_CAP, KILL_GRACE, Bounded, Cancel, decode, run_bounded
from probes.fleet_defaults import CONNECT_TIMEOUT
from probes.inventory import InventoryHost
from probes.observation import Observation, ObservationLog, now

DEFAULT_KNOWN_HOSTS = (Path("~/.ssh/known_hosts"), Path("/etc/ssh/ssh_known_hosts"))
DEFAULT_COMMAND_TIMEOUT = 30
# What the checker adds to a command's own deadline before it gives up on the connection: the remote
# `timeout -k` needs its grace, and the answer needs to travel back.
CLIENT_SLACK = 5.0


@dataclass(frozen=True)
class TransportOptions:
    accept_unknown_host_keys: bool = False
    connect_timeout: int = CONNECT_TIMEOUT
    ansible_inventory: str | None = None
    command_output_cap: int = COMMAND_OUTPUT_CAP
    host_output_cap: int = HOST_OUTPUT_CAP
    kill_grace: float = KILL_GRACE
    cancel: Cancel | None = field(default=None, compare=False)
    # A secret of this run: probes that frame a host's output with markers derive theirs from it
    # (`Session.marker`), so the marker is known before the host is contacted (a planned batch, an
    # Ansible play) yet no host can predict it.
    nonce: str = field(default_factory=lambda: secrets.token_hex(16), compare=False, repr=False)


class Transport(Protocol):
    name: str

    def run(self, command: str, *, timeout: float, cap: int) -> Bounded: ...

    def host_key_fingerprint(self) -> str | None: ...

    def close(self) -> None: ...


_KNOWN_HOSTS_LOCK = threading.Lock()
_KNOWN_HOSTS: dict[tuple[str, int, int], Any] = {}


def _parsed_known_hosts(path: Path) -> Any:
    """A known_hosts file parsed once per run (while unchanged), not once per host: a fleet's file has a line
    per host, and parsing all of it for each of N hosts made a run's CPU grow with N²."""
    import paramiko

    info = path.stat()
    key = (str(path), info.st_mtime_ns, info.st_size)
    with _KNOWN_HOSTS_LOCK:
        parsed = _KNOWN_HOSTS.get(key)
        if parsed is None:
            try:
                parsed = _KNOWN_HOSTS[key] = paramiko.HostKeys(str(path))
            except (OSError, paramiko.SSHException, ValueError) as exc:
                raise HostUnreachable(f"known_hosts {path}: not readable: {exc}") from None
        return parsed


def known_host_keys(host: InventoryHost) -> list[tuple[str, Any]]:
    """(key type, key) of every known_hosts entry for this host, in the files' order of precedence."""
    found: list[tuple[str, Any]] = []
    for path in _known_hosts_files(host):
        entry = _parsed_known_hosts(path).lookup(_known_hosts_name(host))
        if entry:
            found += [(kind, key) for kind, key in entry.items() if (kind, key) not in found]
    return found


def known_hosts_fingerprint(host: InventoryHost) -> str | None:
    """The fingerprint of the first key known_hosts holds for this host."""
    keys = known_host_keys(host)
    return str(keys[0][1].fingerprint) if keys else None


def _known_hosts_name(host: InventoryHost) -> str:
    return host.address if not host.port or host.port == 22 else f"[{host.address}]:{host.port}"


def _known_hosts_files(host: InventoryHost) -> list[Path]:
    files = [host.declared.known_hosts] if host.declared.known_hosts else []
    files += [p.expanduser() for p in DEFAULT_KNOWN_HOSTS]
    return [p for p in files if p is not None and p.is_file()]


class _ProcessTransport:
    """A transport whose every command is one process on the checker (sh, ssh, podman exec)."""

    name = "local"
    runs_scripts = True  # a real shell on the other end: a host's commands can go as one batch (probes.batch)

    def __init__(self, options: TransportOptions) -> None:
        self._options = options

    def argv(self, command: str) -> list[str]:
        return ["sh", "-c", command]

    def run(self, command: str, *, timeout: float, cap: int) -> Bounded:
        return run_bounded(self.argv(command), timeout=timeout, cap=cap, cancel=self._options.cancel,
                           grace=self._options.kill_grace)

    def host_key_fingerprint(self) -> str | None:
        return None

    def close(self) -> None:
        return None


class _LocalTransport(_ProcessTransport):
    name = "local"


class _PodmanTransport(_ProcessTransport):
    name = "podman"

    def __init__(self, host: InventoryHost, options: TransportOptions) -> None:
        super().__init__(options)
        self._container = host.address

    def argv(self, command: str) -> list[str]:
        return ["podman", "exec", self._container, "sh", "-c", command]


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


class _AnsibleTransport(_ProcessTransport):
    """Every command through the `ansible` CLI's shell module, bounded like any other process.

    Ansible then owns connection details (its own host-key checking, become, vault); it is slow (one
    `ansible` process per command) but reaches whatever Ansible can reach.
    """

    name = "ansible"

    def __init__(self, host: InventoryHost, options: TransportOptions) -> None:
        super().__init__(options)
        self._host = host
        # The `ansible` CLI lives beside the interpreter running ihcheck (e.g. .venv/bin).
        self._ansible = str(Path(sys.executable).parent / "ansible")
        if not Path(self._ansible).exists():
            self._ansible = "ansible"

    def run(self, command: str, *, timeout: float, cap: int) -> Bounded:
        with tempfile.TemporaryDirectory(prefix="ihcheck-ansible-") as tree:
            argv = [self._ansible, "--tree", tree, "-m", "ansible.builtin.shell",
                    "-a", json.dumps({"_raw_params": command})]
            if self._options.ansible_inventory:
                argv += ["-i", self._options.ansible_inventory]
            argv += ["--limit", self._host.name, "all"]
            env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_DEPRECATION_WARNINGS": "false",
                   "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_SYSTEM_WARNINGS": "false"}
            outer = run_bounded(argv, timeout=timeout + 30, cap=2 * cap + 65536, env=env,
                                cancel=self._options.cancel, grace=self._options.kill_grace)
            if outer.ended:
                return Bounded(None, b"", outer.stderr, outer.ended, outer.truncated)
            files = [p for p in Path(tree).iterdir() if p.is_file()]
            if not files:
                text = decode(outer.stdout + outer.stderr).strip()
                raise HostUnreachable(f"ansible: {text.splitlines()[-1][:300] if text else 'no result'}")
            with files[0].open("rb") as fh:
                raw = fh.read(2 * cap + 65536)
        try:
            out = json.loads(raw)
        except ValueError:
            raise HostUnreachable("ansible: result not readable (too large or not JSON)") from None
        if out.get("unreachable"):
            raise HostUnreachable(f"ansible: {str(out.get('msg', 'unreachable'))[:300]}")
        if "stdout" in out and "rc" in out:
            stdout, stderr = str(out["stdout"]).encode(), str(out.get("stderr", "")).encode()
            return Bounded(int(out["rc"]), stdout[:cap], stderr[:cap], None, len(stdout) > cap)
        # The module itself could not run (no Python on the host, a broken interpreter path, …).
        detail = str(out.get("module_stdout") or out.get("module_stderr") or "").strip().splitlines()
        raise HostUnreachable(f"ansible: {out.get('msg', 'module failed')}: {detail[0] if detail else ''}".rstrip(": "))


class _ParamikoTransport:
    """SSH through paramiko, verifying host keys against known_hosts, reading each channel under a deadline."""

    name = "paramiko"
    runs_scripts = True

    def __init__(self, host: InventoryHost, options: TransportOptions) -> None:
        self._host = host
        self._options = options
        self._client: Any = None

    def connect(self) -> None:
        import paramiko

        host, options = self._host, self._options
        client = paramiko.SSHClient()
        for kind, key in known_host_keys(host):  # this host's entries only: files parsed once per run
            client.get_host_keys().add(_known_hosts_name(host), kind, key)
        policy = paramiko.AutoAddPolicy() if options.accept_unknown_host_keys else paramiko.RejectPolicy()
        client.set_missing_host_key_policy(policy)
        try:
            client.connect(
                hostname=host.address,
                port=host.port or 22,
                username=host.user,
                password=host.password.get_secret_value() if host.password else None,
                key_filename=str(host.private_key_file) if host.private_key_file else None,
                timeout=options.connect_timeout,
                banner_timeout=options.connect_timeout,
                auth_timeout=options.connect_timeout,
                channel_timeout=options.connect_timeout,
                allow_agent=host.private_key_file is None,
                look_for_keys=host.private_key_file is None,
            )
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise HostUnreachable(f"host key mismatch: {exc}") from None
        except paramiko.SSHException as exc:
            client.close()
            reason = str(exc)
            if "not found in known_hosts" in reason:
                reason += " (add it to known_hosts or ihcheck_known_hosts; --accept-unknown-host-keys to skip)"
            raise HostUnreachable(f"SSH: {reason}") from None
        except (TimeoutError, OSError, EOFError, ValueError) as exc:
            client.close()
            raise HostUnreachable(f"cannot connect: {exc or type(exc).__name__}") from None
        self._client = client

    def run(self, command: str, *, timeout: float, cap: int) -> Bounded:
        out, err = bytearray(), bytearray()
        ended, status = self._exchange(command, b"", out.extend, err.extend, timeout=timeout, cap=cap)
        truncated = ended is not None and ended.startswith("output cap")
        if truncated:
            del out[max(0, cap - len(err)):]
            del err[max(0, cap - len(out)):]
        if ended is None and status == -1:  # no exit status: the command was killed by a signal, or the server quit
            status = None
            err += b"\n[ihcheck: the host sent no exit status (killed by a signal?)]"
        return Bounded(status if ended is None else None, bytes(out), bytes(err), ended, truncated)

    def host_key_fingerprint(self) -> str | None:
        transport = self._client.get_transport() if self._client else None
        if transport is None:
            return None
        return str(transport.get_remote_server_key().fingerprint)

    def stream(self, command: str, stdin: bytes, on_stdout: Callable[[bytes], None],
               on_stderr: Callable[[bytes], None], *, timeout: float, cap: int) -> str | None:
        """One channel on the host's one connection: `stdin` sent and closed, stdout and stderr handed over
        as they arrive, until the command ends, `timeout` passes or `cap` bytes came (then why it ended)."""
        return self._exchange(command, stdin, on_stdout, on_stderr, timeout=timeout, cap=cap)[0]

    def _exchange(self, command: str, stdin: bytes, on_stdout: Callable[[bytes], None],
                  on_stderr: Callable[[bytes], None], *, timeout: float, cap: int) -> tuple[str | None, int | None]:
        """Run `command` on a new channel of the one connection, handing its output over as it arrives.

        Returns why the checker ended it (None: it ended by itself) and its exit status (None when there
        was none to read). Ends at the command's exit, or one second after it when a child it left behind
        holds the channel open; at the deadline (the command's own, its kill grace and CLIENT_SLACK); on
        Ctrl-C; or once more than `cap` bytes came. A connection lost on the way is HostUnreachable.
        """
        import paramiko

        transport = self._client.get_transport() if self._client else None
        if transport is None or not transport.is_active():
            raise HostUnreachable("connection lost")
        try:
            channel = transport.open_session(timeout=self._options.connect_timeout)
            channel.exec_command(command)
            if stdin:
                channel.sendall(stdin)
            channel.shutdown_write()
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise HostUnreachable(f"connection lost: {exc or type(exc).__name__}") from None
        deadline = time.monotonic() + timeout + self._options.kill_grace + CLIENT_SLACK
        cancel = self._options.cancel
        received = 0
        exited_at: float | None = None
        try:
            while True:
                progressed = False
                while channel.recv_ready():
                    data = channel.recv(65536)
                    received += len(data)
                    on_stdout(data)
                    progressed = True
                while channel.recv_stderr_ready():
                    data = channel.recv_stderr(65536)
                    received += len(data)
                    on_stderr(data)
                    progressed = True
                if received > cap:
                    return f"output cap of {cap} bytes", None
                if channel.eof_received and channel.exit_status_ready() and not channel.recv_ready() \
                        and not channel.recv_stderr_ready():
                    break
                now_ = time.monotonic()
                if channel.exit_status_ready():
                    # The command exited; a child it left behind may hold the channel open. Take what came.
                    exited_at = exited_at or now_
                    if now_ - exited_at > 1.0:
                        break
                if cancel is not None and cancel.is_set():
                    return "interrupted", None
                if now_ >= deadline:
                    return f"deadline of {timeout:g} s", None
                if channel.closed and not progressed:
                    if not transport.is_active():
                        raise HostUnreachable("connection lost")
                    break
                if not progressed:
                    select.select([channel], [], [], 0.05)
            return None, channel.recv_exit_status() if channel.exit_status_ready() else None
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise HostUnreachable(f"connection lost: {exc or type(exc).__name__}") from None
        finally:
            channel.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def open_transport(host: InventoryHost, options: TransportOptions | None = None) -> Transport:
    options = options or TransportOptions()
    if host.connection == "local":
        return _LocalTransport(options)
    if host.connection == "podman":
        return _PodmanTransport(host, options)
    if host.connection == "ansible":
        return _AnsibleTransport(host, options)
    if host.connection == "ssh" and host.declared.transport == "ssh":
        return _OpenSshTransport(host, options)
    transport = _ParamikoTransport(host, options)
    transport.connect()
    return transport


Planned = str | tuple[str, float]
"""A command a probe always runs: its command line, or the line and its own time limit in seconds."""


def planned(item: Planned) -> tuple[str, float]:
    """(command, time limit) of a planned command; a bare command line has the default limit."""
    return (item, float(DEFAULT_COMMAND_TIMEOUT)) if isinstance(item, str) else (item[0], float(item[1]))


class _Shared:
    """What the probes of one host share: each command's one run (single flight, keyed by the exact command
    line as sent) and the host's output budget."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: dict[str, Future[Observation]] = {}
        self.spent = 0


@dataclass
class Session:
    """One host's transport plus the run's observation log: every command becomes evidence.

    Every command runs under a deadline (`timeout -k GRACE T sh -c …` on the host, and the checker's own
    deadline around it) and an output cap, per command and per host over the whole run.

    A command runs once per host: a second probe asking for the same command (with the same time limit)
    gets the same Observation, and cites the same evidence. `prefetch` sends a host's independent
    commands as one batch (probes.batch) over one channel; a probe asking for one of them waits for its
    share of the batch. `observations` are what this session (one probe, see `scoped`) relied on.
    """

    host: InventoryHost
    transport: Transport
    log: ObservationLog
    observations: list[Observation] = field(default_factory=list)
    options: TransportOptions = field(default_factory=TransportOptions)
    shared: _Shared = field(default_factory=_Shared)

    @property
    def is_local(self) -> bool:
        return self.transport.name == "local"

    def scoped(self) -> Session:
        """A session for one probe: same host, transport and shared runs, its own list of what it relied on."""
        return Session(host=self.host, transport=self.transport, log=self.log, options=self.options,
                       shared=self.shared)

    def marker(self, purpose: str) -> str:
        """A marker line prefix for framing this host's output, the same whenever it is asked in this run
        (so a planned command and the probe reading its answer agree) and unpredictable to any host."""
        digest = hashlib.sha256(f"{self.options.nonce}\0{self.host.name}\0{purpose}".encode()).hexdigest()
        return f"@@ihcheck-{digest[:12]}"

    def wrap(self, command: str, timeout: float | None = DEFAULT_COMMAND_TIMEOUT) -> str:
        """The command line as the host runs it (`remote_wrap`)."""
        return remote_wrap(command, float(timeout or DEFAULT_COMMAND_TIMEOUT), max(1, round(self.options.kill_grace)))

    def run(self, command: str, timeout: float | None = DEFAULT_COMMAND_TIMEOUT, *,
            scrub: Callable[[str], str] | None = None, fresh: bool = False) -> Observation:
        """Run a shell command; a non-zero exit is an observation, not an exception. `scrub` rewrites the
        output before it is kept (personal data pseudonymised: the evidence never holds it). `fresh` runs
        it again even if this host already ran it (a retried measurement)."""
        timeout = float(timeout or DEFAULT_COMMAND_TIMEOUT)
        if fresh or scrub is not None:
            obs = self._execute(command, timeout, scrub)
        else:
            wrapped = self.wrap(command, timeout)
            with self.shared.lock:
                future = self.shared.runs.get(wrapped)
                owner = future is None
                if future is None:
                    future = self.shared.runs[wrapped] = Future()
            if owner:
                try:
                    future.set_result(self._execute(command, timeout, None))
                except BaseException as exc:
                    future.set_exception(exc)
            obs = future.result()
        if all(o.id != obs.id for o in self.observations):
            self.observations.append(obs)
        return obs

    def _cap(self) -> int:
        return min(self.options.command_output_cap, self.options.host_output_cap - self.shared.spent)

    def _execute(self, command: str, timeout: float, scrub: Callable[[str], str] | None) -> Observation:
        wrapped = self.wrap(command, timeout)
        grace = max(1, round(self.options.kill_grace))
        started = now()
        cap = self._cap()
        if cap <= 0:
            return self._keep(wrapped, None, "", f"[ihcheck: not run: this host's output budget of "
                              f"{self.options.host_output_cap} bytes is spent]", started, truncated=True)
        cancel = self.options.cancel
        if cancel is not None and cancel.is_set():
            return self._keep(wrapped, None, "", f"[ihcheck: not run: {cancel.reason}]", started)
        try:
            result = self.transport.run(wrapped, timeout=timeout + grace + 1, cap=cap)
        except HostUnreachable:
            raise
        except Exception as exc:  # transport died mid-run: keep it as an observation of failure
            if _is_connection_error(exc):
                raise HostUnreachable(f"connection lost: {exc}") from None
            result = Bounded(None, b"", f"{type(exc).__name__}: {exc}".encode())
        with self.shared.lock:
            self.shared.spent += len(result.stdout) + len(result.stderr)
        rc = result.returncode if result.returncode is None or result.returncode >= 0 else None
        out = decode(result.stdout)
        if scrub is not None:
            out = scrub(out)
        return self._keep(wrapped, rc, out, result.stderr_with_note(decode(result.stderr)),
                          started, ended=result.ended, truncated=result.truncated)

    def prefetch(self, commands: Iterable[Planned]) -> threading.Thread | None:
        """Start the host's not-yet-run `commands` as one batch in the background; `run` then waits for each.

        Each command keeps its own deadline (`remote_wrap`, its planned time limit) and its own output cap;
        the batch as a whole is bounded by the sum of their deadlines and by the host's output budget."""
        from probes import batch

        if not getattr(self.transport, "runs_scripts", False):
            return None  # a transport that only answers known commands (a recording's replay): one by one
        todo: list[tuple[str, Future[Observation]]] = []
        allowed = 0.0  # seconds: the sum of the commands' own deadlines
        grace = max(1, round(self.options.kill_grace))
        with self.shared.lock:
            for item in dict.fromkeys(commands):
                command, timeout = planned(item)
                wrapped = self.wrap(command, timeout)
                if wrapped not in self.shared.runs:
                    future: Future[Observation] = Future()
                    self.shared.runs[wrapped] = future
                    todo.append((wrapped, future))
                    allowed += timeout + grace + 1
        if not todo:
            return None
        nonce = batch.new_nonce()
        clock = {"last": now()}
        per_command = self.options.command_output_cap

        def complete(framed: batch.Framed) -> None:
            wrapped, future = todo[framed.index]
            out, err = framed.stdout, framed.stderr
            truncated = len(out) + len(err) > per_command
            if truncated:
                out = out[:per_command]
                err = err[:max(0, per_command - len(out))]
            with self.shared.lock:
                self.shared.spent += len(out) + len(err)
            note = f"\n[ihcheck: output truncated at {per_command} bytes]" if truncated else ""
            obs = self._keep(wrapped, framed.exit_status, decode(out), decode(err) + note, clock["last"],
                             truncated=truncated)
            clock["last"] = obs.ended_at
            future.set_result(obs)

        def send() -> None:
            parser = batch.BatchParser(nonce, complete)
            failure: BaseException
            try:
                ended = _stream(self.transport, [w for w, _ in todo], nonce, parser.feed_stdout, parser.feed_stderr,
                                timeout=allowed, cap=max(self._cap(), 0))
                failure = HostUnreachable("the batch ended before this command's output")
            except HostUnreachable as exc:
                ended, failure = None, exc
            except Exception as exc:
                ended, failure = None, HostUnreachable(f"connection lost: {exc}") if _is_connection_error(exc) else exc
            for wrapped, future in todo:
                if future.done():
                    continue
                if ended:  # the checker ended the batch (interrupt, deadline, budget): as one by one would
                    future.set_result(self._keep(wrapped, None, "", f"[ihcheck: ended by the checker: {ended}]",
                                                 clock["last"], ended=ended))
                else:
                    future.set_exception(failure)

        sender = threading.Thread(target=send, name=f"batch-{self.host.name}", daemon=True)
        sender.start()
        return sender

    def preload(self, wrapped: str, rc: int | None, out: str, err: str, started: Any) -> Observation:
        """Keep a command another engine already ran on this host (its exact command line as sent), so
        probes asking for it get this Observation instead of running it again."""
        obs = self._keep(wrapped, rc, out, err, started)
        future: Future[Observation] = Future()
        future.set_result(obs)
        with self.shared.lock:
            self.shared.runs[wrapped] = future
        return obs

    def record(self, call: str, output: str, *, error: str = "") -> Observation:
        """Keep something the checker itself did about this host (a psutil call, a handshake sent from the
        checker, a BMC query, reading an attestation) as evidence. Its transport is `checker`: it did not
        travel over the host's connection, so it carries no host key fingerprint."""
        obs = self._keep(call, 0 if not error else 1, output, error, now(), transport="checker")
        self.observations.append(obs)
        return obs

    def _keep(self, command: str, rc: int | None, out: str, err: str, started: Any,
              transport: str | None = None, *, ended: str | None = None, truncated: bool = False) -> Observation:
        return self.log.record(
            host=self.host.name,
            transport=transport or self.transport.name,
            command=command,
            exit_status=rc,
            stdout=out,
            stderr=err,
            started_at=started,
            host_key_fingerprint=None if transport else self._fingerprint(),
            ended_by_checker=ended,
            truncated=truncated,
        )

    @functools.cached_property
    def _fingerprint_value(self) -> str | None:
        try:
            return self.transport.host_key_fingerprint()
        except Exception:
            return None

    def _fingerprint(self) -> str | None:
        return self._fingerprint_value


def remote_wrap(command: str, timeout: float, grace: int) -> str:
    """The command as the host runs it: under `timeout -k` (TERM at the deadline, KILL `grace` s later, to
    the whole process group `timeout` leads), and with whatever that group left running in the background
    killed once the command has exited, so no straggler holds the connection's output open.

    >>> remote_wrap("echo hi", 30, 3)
    "timeout -k 3 30 sh -c 'echo hi' & p=$!; wait $p; s=$?; kill -9 -$p 2>/dev/null; exit $s"
    """
    return (f"timeout -k {grace} {timeout:g} sh -c {shlex.quote(command)}"
            " & p=$!; wait $p; s=$?; kill -9 -$p 2>/dev/null; exit $s")


_WRAPPED = re.compile(r"^timeout (?:-k \d+ )?[\d.]+ sh -c (?P<inner>'(?:[^']|'\"'\"')*')"
                      r"(?: & p=\$!; wait \$p; s=\$\?; kill -9 -\$p 2>/dev/null; exit \$s)?$")


def unwrap(command: str) -> str:
    """The probe's own command inside `remote_wrap` (or the older `timeout N sh -c …`), for replaying recordings.

    >>> unwrap(remote_wrap("echo 'hi'", 30, 3)), unwrap("timeout 30 sh -c 'ps -e'"), unwrap("uname")
    ("echo 'hi'", 'ps -e', 'uname')
    """
    match = _WRAPPED.match(command)
    if match is None:
        return command
    parts = shlex.split(match.group("inner"))
    return parts[0] if len(parts) == 1 else command


def _is_connection_error(exc: Exception) -> bool:
    try:
        import paramiko
    except ImportError:  # pragma: no cover - paramiko is a core dependency
        return isinstance(exc, OSError)
    return isinstance(exc, OSError | EOFError | paramiko.SSHException)


def _stream(transport: Transport, commands: list[str], nonce: str, on_stdout: Callable[[bytes], None],
            on_stderr: Callable[[bytes], None], *, timeout: float, cap: int) -> str | None:
    """Run a batch: fed on stdin with output as it arrives where the transport can (paramiko), else as one
    command line with all of its output at the end. Returns why the checker ended it, if it did."""
    from probes import batch

    streaming = getattr(transport, "stream", None)
    if streaming is not None:
        ended: str | None = streaming(batch.STDIN_COMMAND, batch.script(commands, nonce).encode(), on_stdout,
                                      on_stderr, timeout=timeout, cap=cap)
        return ended
    result = transport.run(batch.remote_command(commands, nonce), timeout=timeout, cap=cap)
    # Some transports (Ansible's shell module) strip the final newline, which the last end marker needs.
    on_stdout(result.stdout + b"\n")
    on_stderr(result.stderr + b"\n")
    return result.ended
