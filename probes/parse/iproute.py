"""Parse iproute2's JSON (`ip -j route show table all`, `ip -j addr`) into default routes and addresses.

An uplink is an interface that carries a default route in any routing table (policy routing puts
the second ISP's default route in its own table), so every table is read, `local` excepted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from checker.errors import ProbeError


@dataclass(frozen=True)
class DefaultRoute:
    interface: str
    gateway: str | None
    metric: int | None
    table: str


def _load(output: str, what: str) -> list[dict[str, Any]]:
    text = output.strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProbeError(f"unexpected {what} output (not JSON: {exc.msg}): {text[:120]!r}") from None
    if not isinstance(data, list):
        raise ProbeError(f"unexpected {what} output: expected a JSON list, got {type(data).__name__}")
    return [row for row in data if isinstance(row, dict)]


def parse_default_routes(output: str) -> list[DefaultRoute]:
    """Default routes that forward (unicast), one per (interface, gateway), multipath routes split by hop.

    >>> rows = parse_default_routes('[{"dst":"default","gateway":"10.1.0.1","dev":"eth1","metric":100,"flags":[]},'
    ...     '{"dst":"10.1.0.0/24","dev":"eth1","flags":[]},'
    ...     '{"type":"unreachable","dst":"default","table":"blackhole","flags":[]},'
    ...     '{"dst":"default","table":"isp2","nexthops":[{"gateway":"10.2.0.1","dev":"eth2","weight":1}]}]')
    >>> [(r.interface, r.gateway, r.metric, r.table) for r in rows]
    [('eth1', '10.1.0.1', 100, 'main'), ('eth2', '10.2.0.1', None, 'isp2')]
    >>> parse_default_routes("")
    []
    """
    routes: list[DefaultRoute] = []
    for row in _load(output, "ip route"):
        if row.get("dst") != "default" or row.get("type", "unicast") != "unicast":
            continue
        table = str(row.get("table", "main"))
        if table == "local":
            continue
        metric = row.get("metric")
        hops = row.get("nexthops") or [row]
        for hop in hops:
            dev = hop.get("dev")
            if not dev:
                continue
            route = DefaultRoute(str(dev), hop.get("gateway"), int(metric) if metric is not None else None, table)
            if route not in routes:
                routes.append(route)
    return routes


def parse_addresses(output: str) -> dict[str, list[str]]:
    """Global-scope addresses per interface (IPv4 first), from `ip -j addr`.

    >>> parse_addresses('[{"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1","scope":"host"}]},'
    ...     '{"ifname":"eth1","addr_info":[{"family":"inet6","local":"2001:db8::2","scope":"global"},'
    ...     '{"family":"inet","local":"10.1.0.2","prefixlen":24,"scope":"global"},'
    ...     '{"family":"inet6","local":"fe80::1","scope":"link"}]}]')
    {'lo': [], 'eth1': ['10.1.0.2', '2001:db8::2']}
    """
    result: dict[str, list[str]] = {}
    for row in _load(output, "ip addr"):
        name = str(row.get("ifname", ""))
        infos = [a for a in row.get("addr_info", []) if a.get("scope") == "global" and a.get("local")]
        infos.sort(key=lambda a: a.get("family") != "inet")
        result[name] = [str(a["local"]) for a in infos]
    return result
