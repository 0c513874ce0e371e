"""A bounded byte dialogue over TCP (optionally TLS): the one piece of ihcheck's protocol exchanges that
touches a socket.

Standard library only, on purpose: the same file runs inside the checker (imported) and on an
application host (sent over the host's transport as `python3 -c`, see probes.protocols.runner),
because the path that must work is the host's own — its routes and firewalls — not the checker's.
The protocol libraries (pynetdicom, hl7apy, fhir.resources, cryptography) stay on the checker: they
build the bytes to send before the dialogue and read the bytes that came back after it.

Every read is bounded twice: by the dialogue's deadline and by `max_bytes`; a peer that stays
silent, never sends an end block, or sends 50 MB ends the dialogue with `end` saying which.

A request is JSON:

    {"host": str, "port": int, "timeout": float, "max_bytes": int,
     "tls": null | {"server_name": str | null, "cafile": str | null},
     "steps": [{"send": base64, "read": "pdu" | "mllp" | "close", "continue_if": [hex prefix, ...]}]}

With `tls`, the handshake is first tried with verification (the host's trust store, or `cafile`);
when verification fails the reason is kept and the handshake is repeated without it, so the
certificate's dates and names can still be reported — and the steps then run over that connection.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import sys
import time
from typing import Any

END_BLOCK = b"\x1c\x0d"  # MLLP: <FS><CR> ends a frame


def _whole(framing: str, data: bytes | bytearray) -> bool:
    """Whether `data` holds one complete reply under the step's framing."""
    if framing == "pdu":  # DICOM upper layer: type, reserved, 4-byte big-endian length
        return len(data) >= 6 and len(data) >= 6 + int.from_bytes(data[2:6], "big")
    if framing == "mllp":
        return END_BLOCK in data
    return False  # "close": read until the peer closes


def _connect(host: str, port: int, deadline: float, out: dict[str, Any]) -> socket.socket | None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        out.update(connect="unreachable", error=f"{host} does not resolve: {exc.strerror or exc}")
        return None
    last: tuple[str, str] = ("unreachable", "no address")
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            sock.connect(address)
        except ConnectionRefusedError:
            last = ("refused", f"TCP connection to {address[0]}:{port} refused: nothing listens there")
        except TimeoutError:
            last = ("timeout", f"TCP connect to {address[0]}:{port} did not complete in time (filtered?)")
        except OSError as exc:
            last = ("unreachable", f"cannot connect to {address[0]}:{port}: {exc.strerror or exc}")
        else:
            local, peer = sock.getsockname(), sock.getpeername()
            out.update(connect="ok", local=f"{local[0]}:{local[1]}", peer=f"{peer[0]}:{peer[1]}")
            return sock
        sock.close()
    out.update(connect=last[0], error=last[1])
    return None


def _handshake(sock: socket.socket, tls: dict[str, Any], verify: bool, deadline: float) -> ssl.SSLSocket:
    if verify:
        context = ssl.create_default_context(cafile=tls.get("cafile"))
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    sock.settimeout(max(deadline - time.monotonic(), 0.001))
    return context.wrap_socket(sock, server_hostname=tls.get("server_name") or None)


def _tls(host: str, port: int, tls: dict[str, Any], deadline: float, out: dict[str, Any]) -> ssl.SSLSocket | None:
    """Handshake (verified, then unverified if verification failed); the facts of it go to out["tls"]."""
    info: dict[str, Any] = {"verified": False, "verify_error": None, "error": None}
    out["tls"] = info
    for verify in (True, False):
        sock = _connect(host, port, deadline, out)
        if sock is None:
            return None
        try:
            wrapped = _handshake(sock, tls, verify, deadline)
        except ssl.SSLCertVerificationError as exc:
            sock.close()
            info["verify_error"] = exc.verify_message or str(exc)
            continue
        except TimeoutError:
            sock.close()
            info["error"] = "the TLS handshake did not complete in time"
            return None
        except (ssl.SSLError, OSError) as exc:
            sock.close()
            info["error"] = f"TLS handshake failed: {getattr(exc, 'reason', None) or exc}"
            return None
        info.update(verified=verify, version=wrapped.version(), cipher=list(wrapped.cipher() or ()),
                    certificate=base64.b64encode(wrapped.getpeercert(binary_form=True) or b"").decode())
        return wrapped
    return None


def _read(sock: socket.socket, framing: str, deadline: float, limit: int) -> tuple[bytes, str]:
    data = bytearray()
    while not _whole(framing, data):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return bytes(data), "timeout"
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(min(65536, limit - len(data) + 1))
        except TimeoutError:
            return bytes(data), "timeout"
        except OSError as exc:
            return bytes(data), f"reset: {exc.strerror or exc}"
        if not chunk:
            return bytes(data), "closed"
        data += chunk
        if len(data) > limit:
            return bytes(data[:limit]), "cap"
    return bytes(data), "complete"


def run(request: dict[str, Any]) -> dict[str, Any]:
    """Carry out one dialogue; never raises for anything the peer or the network does."""
    started = time.monotonic()
    deadline = started + float(request["timeout"])
    host, port, limit = request["host"], int(request["port"]), int(request["max_bytes"])
    out: dict[str, Any] = {"connect": None, "error": None, "steps": []}
    if request.get("tls") is not None:
        sock: socket.socket | None = _tls(host, port, request["tls"], deadline, out)
    else:
        sock = _connect(host, port, deadline, out)
    if sock is not None:
        with sock:
            for step in request["steps"]:
                payload = base64.b64decode(step["send"])
                record: dict[str, Any] = {"sent": step["send"], "received": "", "end": None}
                out["steps"].append(record)
                try:
                    sock.settimeout(max(deadline - time.monotonic(), 0.001))
                    sock.sendall(payload)
                except OSError as exc:
                    record["end"] = f"send failed: {exc.strerror or exc}"
                    break
                received, end = _read(sock, step["read"], deadline, limit)
                record.update(received=base64.b64encode(received).decode(), end=end)
                prefixes = [bytes.fromhex(p) for p in step.get("continue_if", [])]
                if end != "complete" or (prefixes and not received.startswith(tuple(prefixes))):
                    break
    out["elapsed"] = round(time.monotonic() - started, 3)
    return out


def main(argv: list[str]) -> int:
    request = json.loads(base64.b64decode(argv[-1]))  # last: `python3 -c` may pass the script before it
    json.dump(run(request), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
