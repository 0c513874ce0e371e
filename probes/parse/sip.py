"""SIP OPTIONS (RFC 3261 §11): the request that asks a SIP server what it supports, and its response.

A SIP stack that answers OPTIONS with any final status carrying our Call-ID and CSeq is alive; the
status code (200, or 4xx/5xx from a server that declines) is kept as detail.
"""

from __future__ import annotations

from dataclasses import dataclass

# Compact header forms (RFC 3261 §7.3.3) that matter for matching a response.
_COMPACT = {"i": "call-id", "v": "via", "f": "from", "t": "to", "l": "content-length", "m": "contact"}


class SipError(ValueError):
    """The bytes are not a SIP response to our request."""


@dataclass(frozen=True)
class SipResponse:
    code: int
    reason: str
    headers: dict[str, str]

    @property
    def server(self) -> str | None:
        return self.headers.get("server") or self.headers.get("user-agent")


def options_request(*, target: str, port: int, transport: str, local: tuple[str, int], call_id: str,
                    branch: str, tag: str) -> str:
    """An OPTIONS request addressed to the server itself (no user part), as SIP health checks send it.

    >>> print(options_request(target="192.0.2.7", port=5060, transport="udp", local=("192.0.2.1", 40000),
    ...                       call_id="c1@ihcheck", branch="z9hG4bK1", tag="t1").replace("\\r\\n", "|"))
    OPTIONS sip:192.0.2.7:5060 SIP/2.0|Via: SIP/2.0/UDP 192.0.2.1:40000;branch=z9hG4bK1;rport|Max-Forwards: 70|\
From: <sip:ihcheck@192.0.2.1>;tag=t1|To: <sip:192.0.2.7:5060>|Call-ID: c1@ihcheck|CSeq: 1 OPTIONS|\
Contact: <sip:ihcheck@192.0.2.1:40000>|Accept: application/sdp|User-Agent: ihcheck|Content-Length: 0||
    """
    host = f"[{target}]" if ":" in target else target
    me = f"[{local[0]}]" if ":" in local[0] else local[0]
    lines = [
        f"OPTIONS sip:{host}:{port} SIP/2.0",
        f"Via: SIP/2.0/{transport.upper()} {me}:{local[1]};branch={branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:ihcheck@{me}>;tag={tag}",
        f"To: <sip:{host}:{port}>",
        f"Call-ID: {call_id}",
        "CSeq: 1 OPTIONS",
        f"Contact: <sip:ihcheck@{me}:{local[1]}>",
        "Accept: application/sdp",
        "User-Agent: ihcheck",
        "Content-Length: 0",
    ]
    return "\r\n".join(lines) + "\r\n\r\n"


def parse_response(data: bytes) -> SipResponse:
    """Status line and headers (lower-cased names, compact forms expanded; the first of repeats kept).

    >>> r = parse_response(b"SIP/2.0 200 OK\\r\\ni: c1@ihcheck\\r\\nCSeq: 1 OPTIONS\\r\\nServer: kamailio\\r\\n\\r\\n")
    >>> r.code, r.reason, r.headers["call-id"], r.server
    (200, 'OK', 'c1@ihcheck', 'kamailio')
    >>> parse_response(b"HTTP/1.1 400 Bad Request\\r\\n\\r\\n")
    Traceback (most recent call last):
    ...
    probes.parse.sip.SipError: not a SIP response: 'HTTP/1.1 400 Bad Request'
    """
    text = data.decode("utf-8", "replace")
    head = text.split("\r\n\r\n", 1)[0].replace("\r\n", "\n")
    lines = head.split("\n")
    version, _, rest = lines[0].partition(" ")
    code, _, reason = rest.partition(" ")
    if version != "SIP/2.0" or not code.isdigit() or len(code) != 3:
        raise SipError(f"not a SIP response: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            continue
        key = name.strip().lower()
        headers.setdefault(_COMPACT.get(key, key), value.strip())
    return SipResponse(code=int(code), reason=reason.strip(), headers=headers)


def check_matches(response: SipResponse, call_id: str, cseq: str = "1 OPTIONS") -> None:
    """Raise unless the response answers our request (same Call-ID and CSeq).

    >>> check_matches(SipResponse(200, "OK", {"call-id": "x", "cseq": "1 OPTIONS"}), "y")
    Traceback (most recent call last):
    ...
    probes.parse.sip.SipError: Call-ID 'x' is not ours ('y')
    """
    if response.headers.get("call-id") != call_id:
        raise SipError(f"Call-ID {response.headers.get('call-id')!r} is not ours ({call_id!r})")
    if " ".join(response.headers.get("cseq", "").split()) != cseq:
        raise SipError(f"CSeq {response.headers.get('cseq')!r} is not ours ({cseq!r})")
