"""One host's transport plus the run's observation log: opening it, and every command it runs becoming evidence."""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from checker.errors import HostUnreachable
from probes.bounded import Bounded, decode
from probes.inventory import InventoryHost
from probes.observation import Observation, ObservationLog, now
from probes.transport.ansible_cli import _AnsibleTransport
from probes.transport.base import DEFAULT_COMMAND_TIMEOUT, Transport, TransportOptions
from probes.transport.local import _LocalTransport
from probes.transport.openssh import _OpenSshTransport
from probes.transport.paramiko_ssh import _ParamikoTransport
from probes.transport.podman import _PodmanTransport
from probes.transport.wrap import remote_wrap


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
        travel over the host's connection, so it carries no host key fingerprint.

        It waits for the host's commands already under way (a batch sent by `prefetch`) to be kept first: an
        observation's id is its place in the host's sequence, and a batch's outputs arrive while the probes run,
        so without the wait a checker-side record took a place that depended on timing (and differed from the
        Ansible engine's, whose batch is kept before any probe runs)."""
        with self.shared.lock:
            pending = [future for future in self.shared.runs.values() if not future.done()]
        for future in pending:  # each ends by its own deadline; an error is the command's, not this record's
            future.exception()
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
