"""Protocol exchanges the checker has with A/V endpoints: STUN Binding, SIP OPTIONS, HTTP GET (Janus info).

These run on the checker, not on the probed host, because what the clause asks is a system that
serves; a reply to a well-formed request is the proof. Each exchange ends in one outcome:

    alive        a reply that answers our request (our transaction id / Call-ID and CSeq / server_info)
    silent       nothing came back in time: a firewall between checker and endpoint, or a hung server
    refused      the endpoint's host said nothing listens there (TCP RST, ICMP port unreachable)
    malformed    something answered, but not with the protocol asked for
    unreachable  no route to the address, or the name does not resolve

UDP requests are retransmitted at 0, 0.5 and 1.5 s (RFC 5389 §7.2.1 and RFC 3261 T1 both start at 500 ms).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from probes.facts.av import HandshakeOutcome
from probes.parse import janus as janus_parse
from probes.parse import sip as sip_parse
from probes.parse import stun as stun_parse

RETRANSMIT_AT = (0.0, 0.5, 1.5)
MAX_REPLY = 65536


@dataclass(frozen=True)
class Exchange:
    outcome: HandshakeOutcome
    detail: str
    sent: bytes
    received: bytes = b""
    parsed: dict[str, Any] = field(default_factory=dict)


def _family(address: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def _udp(address: str, port: int, payload: bytes | Callable[[tuple[str, int]], bytes],
         read: Callable[[bytes], dict[str, Any]], timeout: float) -> Exchange:
    """Send (and resend) one datagram; the first reply `read` accepts wins, others are kept as malformed."""
    with socket.socket(_family(address), socket.SOCK_DGRAM) as sock:
        try:
            sock.connect((address, port))
        except OSError as exc:
            return Exchange("unreachable", f"cannot send to {address}:{port}: {exc.strerror or exc}", b"")
        data = payload(sock.getsockname()[:2]) if callable(payload) else payload
        started, sends, wrong = time.monotonic(), list(RETRANSMIT_AT), None
        received = b""
        while True:
            elapsed = time.monotonic() - started
            if sends and elapsed >= sends[0]:
                sends.pop(0)
                try:
                    sock.send(data)
                except ConnectionRefusedError:
                    return Exchange("refused", "ICMP port unreachable: nothing listens there", data)
                except OSError as exc:
                    return Exchange("unreachable", f"cannot send: {exc.strerror or exc}", data)
            wait = min(timeout, sends[0] if sends else timeout) - (time.monotonic() - started)
            if wait <= 0:
                if not sends:
                    break
                continue
            sock.settimeout(wait)
            try:
                reply = sock.recv(MAX_REPLY)
            except TimeoutError:
                continue
            except ConnectionRefusedError:
                return Exchange("refused", "ICMP port unreachable: nothing listens there", data)
            except OSError as exc:
                return Exchange("unreachable", f"no route: {exc.strerror or exc}", data)
            try:
                return Exchange("alive", "", data, reply, read(reply))
            except ValueError as exc:
                wrong, received = str(exc), reply
    if wrong is not None:
        return Exchange("malformed", wrong, data, received)
    return Exchange("silent", f"no reply within {timeout:g} s ({len(RETRANSMIT_AT)} sends)", data)


def _tcp(address: str, port: int, payload: bytes | Callable[[tuple[str, int]], bytes],
         complete: Callable[[bytes], bool], read: Callable[[bytes], dict[str, Any]], timeout: float) -> Exchange:
    """Connect, send once, read until `complete` says the reply is whole (or the peer closes)."""
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((address, port), timeout=timeout)
    except ConnectionRefusedError:
        return Exchange("refused", "TCP connection refused: nothing listens there", b"")
    except TimeoutError:
        return Exchange("silent", f"TCP connect did not complete within {timeout:g} s", b"")
    except OSError as exc:
        return Exchange("unreachable", f"cannot connect: {exc.strerror or exc}", b"")
    with sock:
        data = payload(sock.getsockname()[:2]) if callable(payload) else payload
        reply = b""
        try:
            sock.sendall(data)
            while not complete(reply):
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                chunk = sock.recv(MAX_REPLY)
                if not chunk:
                    break
                reply += chunk
        except TimeoutError:
            if not reply:
                return Exchange("silent", f"connection accepted, no reply within {timeout:g} s", data)
        except OSError as exc:
            if not reply:
                return Exchange("malformed", f"connection reset without a reply: {exc.strerror or exc}", data)
    if not reply:
        return Exchange("malformed", "connection closed without a reply", data)
    try:
        return Exchange("alive", "", data, reply, read(reply))
    except ValueError as exc:
        return Exchange("malformed", str(exc), data, reply)


def stun_binding(address: str, port: int, transport: str, timeout: float = 3.0) -> Exchange:
    transaction = os.urandom(12)
    request = stun_parse.binding_request(transaction)

    def read(reply: bytes) -> dict[str, Any]:
        return stun_parse.parse_binding_response(reply, transaction).as_dict() | {"transaction_id": transaction.hex()}

    def whole(reply: bytes) -> bool:
        return len(reply) >= 20 and len(reply) >= 20 + stun_parse.message_length(reply[:20])

    exchange = (_udp(address, port, request, read, timeout) if transport == "udp"
                else _tcp(address, port, request, whole, read, timeout))
    if exchange.outcome == "alive":
        p = exchange.parsed
        if p["success"]:
            ip, mapped_port = p["xor_mapped_address"]
            detail = f"Binding success, XOR-MAPPED-ADDRESS {ip}:{mapped_port}"
        else:
            detail = f"Binding error response {p['error']}"
        software = f" ({p['software']})" if p.get("software") else ""
        return Exchange("alive", detail + software, exchange.sent, exchange.received, p)
    return exchange


def sip_options(address: str, port: int, transport: str, timeout: float = 3.0) -> Exchange:
    token = os.urandom(8).hex()
    call_id, branch, tag = f"{token}@ihcheck", f"z9hG4bK{token}", token[:8]

    def build(local: tuple[str, int]) -> bytes:
        return sip_parse.options_request(target=address, port=port, transport=transport, local=local,
                                         call_id=call_id, branch=branch, tag=tag).encode()

    def read(reply: bytes) -> dict[str, Any]:
        response = sip_parse.parse_response(reply)
        sip_parse.check_matches(response, call_id)
        if 100 <= response.code < 200:
            raise sip_parse.SipError(f"only a provisional {response.code} {response.reason}")
        return {"status": response.code, "reason": response.reason, "server": response.server, "call_id": call_id}

    def whole(reply: bytes) -> bool:
        head, sep, body = reply.partition(b"\r\n\r\n")
        if not sep:
            return False
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() in (b"content-length", b"l"):
                return len(body) >= int(value.strip() or 0)
        return True

    exchange = (_udp(address, port, build, read, timeout) if transport == "udp"
                else _tcp(address, port, build, whole, read, timeout))
    if exchange.outcome == "alive":
        p = exchange.parsed
        server = f" ({p['server']})" if p.get("server") else ""
        return Exchange("alive", f"SIP/2.0 {p['status']} {p['reason']}, Call-ID and CSeq match{server}",
                        exchange.sent, exchange.received, p)
    return exchange


def http_get(address: str, port: int, path: str, *, janus: bool, timeout: float = 3.0) -> Exchange:
    """GET path over plain HTTP; with `janus`, only a Janus server_info answer counts as alive."""
    host = f"[{address}]" if ":" in address else address
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/json\r\n"
               "User-Agent: ihcheck\r\nConnection: close\r\n\r\n").encode()

    def read(reply: bytes) -> dict[str, Any]:
        head, _, body = reply.partition(b"\r\n\r\n")
        status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        version, _, rest = status_line.partition(" ")
        if not version.startswith("HTTP/") or not rest[:3].isdigit():
            raise ValueError(f"not an HTTP response: {status_line[:80]!r}")
        status = int(rest[:3])
        parsed: dict[str, Any] = {"status": status, "status_line": status_line}
        if janus:
            if status != 200:
                raise ValueError(f"{status_line} (not a Janus server_info answer)")
            info = janus_parse.parse_server_info(_dechunk(head, body).decode("utf-8", "replace"))
            parsed |= {"name": info.name, "version": info.version, "server_name": info.server_name}
        return parsed

    exchange = _tcp(address, port, request, lambda _: False, read, timeout)
    if exchange.outcome != "alive":
        return exchange
    p = exchange.parsed
    if janus:
        detail = f'"janus": "server_info" from {p["name"] or "Janus"} {p["version"] or ""}'.rstrip()
    else:
        detail = f"HTTP server answered {p['status_line']}"
    return Exchange("alive", detail, exchange.sent, exchange.received, p)


def _dechunk(head: bytes, body: bytes) -> bytes:
    """Undo Transfer-Encoding: chunked (Janus uses it), since we read the raw stream."""
    if b"transfer-encoding: chunked" not in head.lower():
        return body
    out, rest = b"", body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2:]
    return out
