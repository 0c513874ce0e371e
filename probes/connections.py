"""Which other machines a host talks to: its established TCP connections, as the kernel lists them.

The deployment topology (系统部署拓扑图) is drawn from these: an application server's connections to
its database server are the link between them. A connection whose local port is one the host listens
on was opened *to* it and is only counted per port; any other was opened *by* it and is kept per peer
service and process. This probe records; which inventory host a peer address belongs to is the
report's business, since only the whole deployment knows.

On the local host psutil reads the kernel's tables; elsewhere `ss -H -t -a -n -p` does, naming the
owning processes only with root (in a container, with SYS_PTRACE).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict

from probes.facts.connections import ConnectionFacts, InboundConnections, OutboundConnection
from probes.observation import Observation
from probes.parse.ss import TcpRow, parse_ss_tcp
from probes.transport import Session

SS_TCP = "ss -H -t -a -n -p"
PSUTIL_CALL = "psutil.net_connections(kind='tcp')"
_WILDCARDS = {"0.0.0.0", "::", "*"}


def _local_snapshot(session: Session) -> Observation:
    import psutil

    names: dict[int, str | None] = {}

    def name_of(pid: int | None) -> str | None:
        if not pid:
            return None
        if pid not in names:  # a busy server holds thousands of connections from a handful of processes
            try:
                names[pid] = psutil.Process(pid).name()
            except psutil.Error:
                names[pid] = None
        return names[pid]

    rows = [{"state": conn.status, "local": [conn.laddr.ip, conn.laddr.port],
             "peer": [conn.raddr.ip, conn.raddr.port] if conn.raddr else ["*", 0], "process": name_of(conn.pid)}
            for conn in psutil.net_connections(kind="tcp") if conn.laddr]
    return session.record(PSUTIL_CALL, json.dumps(rows, sort_keys=True))


def parse_local_snapshot(output: str) -> list[TcpRow]:
    states = {"LISTEN": "LISTEN", "ESTABLISHED": "ESTAB"}
    return [(states.get(r["state"], r["state"]), r["local"][0], r["local"][1], r["peer"][0], r["peer"][1], r["process"])
            for r in json.loads(output)]


def summarise(rows: list[TcpRow]) -> tuple[tuple[OutboundConnection, ...], tuple[InboundConnections, ...]]:
    """Split established connections into opened-by-this-host (per peer service) and opened-to-it (per port).

    >>> out, inn = summarise([("LISTEN", "0.0.0.0", 22, "*", 0, "sshd"),
    ...     ("ESTAB", "10.0.0.5", 22, "10.0.0.1", 50000, "sshd"), ("ESTAB", "10.0.0.5", 22, "10.0.0.2", 50001, None),
    ...     ("ESTAB", "10.0.0.5", 41000, "10.0.0.9", 5432, "python3"),
    ...     ("ESTAB", "10.0.0.5", 41001, "10.0.0.9", 5432, "python3")])
    >>> [(o.peer_address, o.peer_port, o.process, o.count) for o in out], [(i.port, i.count, i.peers) for i in inn]
    ([('10.0.0.9', 5432, 'python3', 2)], [(22, 2, 2)])
    """
    listening: set[tuple[str, int]] = {(addr, port) for state, addr, port, *_ in rows if state == "LISTEN"}
    wildcard_ports = {port for addr, port in listening if addr in _WILDCARDS}
    outbound: Counter[tuple[str, int, str | None]] = Counter()
    inbound: Counter[int] = Counter()
    peers: defaultdict[int, set[str]] = defaultdict(set)
    for state, laddr, lport, paddr, pport, process in rows:
        if state != "ESTAB":
            continue
        if lport in wildcard_ports or (laddr, lport) in listening:
            inbound[lport] += 1
            peers[lport].add(paddr)
        else:
            outbound[(paddr, pport, process)] += 1
    return (
        tuple(OutboundConnection(peer_address=a, peer_port=p, process=proc, count=n)
              for (a, p, proc), n in sorted(outbound.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or ""))),
        tuple(InboundConnections(port=port, count=n, peers=len(peers[port])) for port, n in sorted(inbound.items())),
    )


def plan(session: Session) -> tuple[str, ...]:
    """The commands this probe runs whatever it finds (sent ahead in the host's batch)."""
    return () if session.is_local else (SS_TCP,)


def collect(session: Session) -> ConnectionFacts:
    notes: list[str] = []
    if session.is_local:
        obs = _local_snapshot(session)
        rows = parse_local_snapshot(obs.stdout)
    else:
        obs = session.run(SS_TCP)
        if not obs.ok:
            return ConnectionFacts(observations=(obs.id,),
                                   notes=(f"ss failed (exit {obs.exit_status}): connections not observed",))
        rows = parse_ss_tcp(obs.stdout)
    outbound, inbound = summarise(rows)
    visible = not rows or any(r[5] is not None for r in rows)
    if not visible:
        notes.append("the processes owning the connections were not visible (ss -p needs root, or SYS_PTRACE in "
                     "a container)")
    return ConnectionFacts(outbound=outbound, inbound=inbound, owners_visible=visible, observations=(obs.id,),
                           notes=tuple(notes))
