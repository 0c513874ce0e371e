"""Parse `ss -H -l -n -t -u -p` (iproute2) and, where ss is missing, `/proc/net/{tcp,udp}{,6}`."""

from __future__ import annotations

import contextlib
import ipaddress
import re

from probes.facts.services import ListeningSocket

_USERS = re.compile(r'\("((?:[^"\\]|\\.)*)",pid=(\d+)')


def split_address(text: str) -> tuple[str, int]:
    """Split ss's `addr:port` into its parts.

    >>> split_address("0.0.0.0:5432")
    ('0.0.0.0', 5432)
    >>> split_address("[::]:22")
    ('::', 22)
    >>> split_address("127.0.0.53%lo:53")
    ('127.0.0.53', 53)
    >>> split_address("*:80")
    ('*', 80)
    """
    host, _, port = text.rpartition(":")
    host = host.strip("[]").split("%", 1)[0]
    return host, int(port)


def parse_ss(output: str) -> list[ListeningSocket]:
    """One socket per (process, address, port); sockets without a visible owner keep process None.

    >>> rows = parse_ss('tcp LISTEN 0 244 0.0.0.0:5432 0.0.0.0:* users:(("postgres",pid=812,fd=6))\\n'
    ...                 'udp UNCONN 0 0 [::]:3478 [::]:*\\n')
    >>> [(s.protocol, s.address, s.port, s.process, s.pid) for s in rows]
    [('tcp', '0.0.0.0', 5432, 'postgres', 812), ('udp', '::', 3478, None, None)]
    """
    sockets: list[ListeningSocket] = []
    for line in output.splitlines():
        fields = line.split(None, 6)
        if len(fields) < 5 or fields[0] not in ("tcp", "udp"):
            continue
        netid, _state, _rq, _sq, local = fields[:5]
        address, port = split_address(local)
        owners = _USERS.findall(fields[6]) if len(fields) > 6 else []
        if not owners:
            sockets.append(ListeningSocket(protocol=netid, address=address, port=port))
        seen: set[tuple[str, int]] = set()
        for name, pid in owners:
            key = (name, int(pid))
            if key not in seen:
                seen.add(key)
                sockets.append(
                    ListeningSocket(protocol=netid, address=address, port=port, process=name, pid=int(pid))
                )
    return sockets


def _hex_address(text: str) -> tuple[str, int]:
    """Decode /proc/net's little-endian hex `ADDR:PORT`.

    >>> _hex_address("0100007F:1F90")
    ('127.0.0.1', 8080)
    >>> _hex_address("00000000000000000000000000000000:0016")
    ('::', 22)
    """
    addr, port = text.split(":")
    raw = bytes.fromhex(addr)
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw[::-1])), int(port, 16)
    return str(ipaddress.IPv6Address(b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4)))), int(port, 16)


def parse_proc_net(output: str, protocol: str) -> list[ListeningSocket]:
    """Listening TCP (state 0A) or bound UDP (state 07) sockets from /proc/net tables; owners unknown."""
    wanted = "0A" if protocol == "tcp" else "07"
    sockets = []
    for line in output.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 3 and fields[3] == wanted:
            address, port = _hex_address(fields[1])
            sockets.append(ListeningSocket(protocol=protocol, address=address, port=port))
    return sockets


# (state, local address, local port, peer address, peer port, owning process)
TcpRow = tuple[str, str, int, str, int, str | None]


def parse_ss_tcp(output: str) -> list[TcpRow]:
    """Every TCP socket of `ss -H -t -a -n -p`, in any state, with its first owning process (or None).

    >>> parse_ss_tcp('LISTEN 0 244 0.0.0.0:5432 0.0.0.0:* users:(("postgres",pid=812,fd=6))\\n'
    ...              'ESTAB 0 0 10.0.0.5:41234 10.0.0.9:5432 users:(("python3",pid=90,fd=7))\\n'
    ...              'ESTAB 0 0 [::ffff:10.0.0.9]:5432 [::ffff:10.0.0.5]:41234\\n')  # doctest: +NORMALIZE_WHITESPACE
    [('LISTEN', '0.0.0.0', 5432, '0.0.0.0', 0, 'postgres'), ('ESTAB', '10.0.0.5', 41234, '10.0.0.9', 5432, 'python3'),
     ('ESTAB', '10.0.0.9', 5432, '10.0.0.5', 41234, None)]
    """
    rows: list[TcpRow] = []
    for line in output.splitlines():
        fields = line.split(None, 5)
        if len(fields) < 5:
            continue
        state, _rq, _sq, local, peer = fields[:5]
        try:
            laddr, lport = split_address(local)
            paddr, pport = split_address(peer.replace(":*", ":0"))
        except ValueError:
            continue
        owners = _USERS.findall(fields[5]) if len(fields) > 5 else []
        rows.append((state, _unmapped(laddr), lport, _unmapped(paddr), pport, owners[0][0] if owners else None))
    return rows


def _unmapped(address: str) -> str:
    """`::ffff:10.0.0.9` → `10.0.0.9`, as the peer knows the address."""
    with contextlib.suppress(ValueError):
        mapped = ipaddress.ip_address(address)
        if isinstance(mapped, ipaddress.IPv6Address) and mapped.ipv4_mapped is not None:
            return str(mapped.ipv4_mapped)
    return address
