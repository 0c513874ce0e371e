"""SSH through paramiko, the default: host keys verified, each channel read against a deadline and a cap."""

from __future__ import annotations

import select
import time
from collections.abc import Callable
from typing import Any

from checker.errors import HostUnreachable
from probes.bounded import Bounded
from probes.inventory import InventoryHost
from probes.transport.base import CLIENT_SLACK, TransportOptions, _known_hosts_name, known_host_keys

AEAD = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")
# How long a channel's read waits when nothing comes. Output, end of file and close wake it at once (paramiko's
# channel pipe); the wait only bounds how late a deadline, an interrupt or an exit without end of file is seen.
# At 0.05 s half of a fleet host's wake-ups found nothing to read: 2 ms of the checker's CPU a host (issue 26).
_POLL = 0.25


def _aead_first(sock: Any, **kwargs: Any) -> Any:
    """A paramiko transport that offers AES-GCM first (the others after it, for a server without it).

    paramiko's own order puts AES-CTR with HMAC first, and checks each packet's HMAC in a Python loop over its
    bytes (`constant_time_bytes_eq`): at fleet scale the largest part of the checker's SSH CPU after the
    crypto itself. GCM authenticates in the cryptography library, and is the stronger construction too."""
    import paramiko

    transport = paramiko.Transport(sock, **kwargs)
    options = transport.get_security_options()
    options.ciphers = (*[c for c in AEAD if c in options.ciphers], *[c for c in options.ciphers if c not in AEAD])
    return transport


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
                transport_factory=_aead_first,
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
                    select.select([channel], [], [], _POLL)
            return None, channel.recv_exit_status() if channel.exit_status_ready() else None
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise HostUnreachable(f"connection lost: {exc or type(exc).__name__}") from None
        finally:
            channel.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
