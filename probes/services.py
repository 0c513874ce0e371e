"""Listening sockets, server processes and installed server packages, classified by the role table.

On the local host psutil reads the kernel's tables directly; on remote hosts `ss -p` and `ps` do.
Either way the raw output is kept as an observation and the facts are parsed from that text, so
the evidence shows exactly what the classification was made from.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field

from probes.facts.services import ListeningSocket, ServiceFacts, ServiceInstance
from probes.observation import Observation
from probes.parse.ps import Process, parse_ps
from probes.parse.ss import parse_proc_net, parse_ss
from probes.roles import Engine, engine_for_port, engine_for_process, engines_for_package
from probes.transport import Session

SS = "ss -H -l -n -t -u -p"
PS = "ps -e -o pid=,comm=,args="
PROC_NET = "for f in tcp tcp6 udp udp6; do echo \"== $f\"; cat /proc/net/$f 2>/dev/null; done"
PACKAGES = "dpkg-query -W -f '${Package}\\n' 2>/dev/null || rpm -qa --qf '%{NAME}\\n' 2>/dev/null"
PSUTIL_CALL = "psutil.net_connections(kind='inet'); psutil.process_iter(['pid', 'name', 'cmdline'])"


SNAPSHOT_ATTEMPTS = 4


def _local_snapshot(session: Session) -> Observation:
    """Read sockets and processes in-process with psutil and keep them as one JSON observation.

    psutil gives a socket shared by several processes the pid of the last one it walked: a listening
    socket a server has just handed to a forked child (PostgreSQL forks one per connection) can come
    back with the child's pid, and the child may be gone by the time the processes are listed, leaving
    the socket without an owner. The snapshot is taken again until every owner is in the process list."""
    import psutil

    for _ in range(SNAPSHOT_ATTEMPTS):
        sockets = []
        for conn in psutil.net_connections(kind="inet"):
            listening = conn.status == psutil.CONN_LISTEN if conn.type == socket.SOCK_STREAM else not conn.raddr
            if listening and conn.laddr:
                proto = "tcp" if conn.type == socket.SOCK_STREAM else "udp"
                sockets.append({"protocol": proto, "address": conn.laddr.ip, "port": conn.laddr.port,
                                "pid": conn.pid})
        processes = []
        for proc in psutil.process_iter(["pid", "name", "cmdline"]):
            processes.append({"pid": proc.info["pid"], "name": proc.info["name"] or "",
                              "cmdline": " ".join(proc.info["cmdline"] or [])})
        alive = {p["pid"] for p in processes}
        if all(s["pid"] is None or s["pid"] in alive for s in sockets):
            break
    return session.record(PSUTIL_CALL, json.dumps({"sockets": sockets, "processes": processes}, sort_keys=True))


def parse_local_snapshot(output: str) -> tuple[list[ListeningSocket], list[Process]]:
    data = json.loads(output)
    processes = [Process(p["pid"], p["name"], p["cmdline"]) for p in data["processes"]]
    names = {p.pid: p.name for p in processes}
    sockets = [
        ListeningSocket(protocol=s["protocol"], address=s["address"], port=s["port"],
                        pid=s["pid"], process=names.get(s["pid"]) if s["pid"] else None)
        for s in data["sockets"]
    ]
    return sockets, processes


def _proc_net_sockets(output: str) -> list[ListeningSocket]:
    sockets: list[ListeningSocket] = []
    for chunk in output.split("== ")[1:]:
        name, _, table = chunk.partition("\n")
        sockets += parse_proc_net(table, "tcp" if name.startswith("tcp") else "udp")
    return sockets


@dataclass
class _Seen:
    """What has been seen of one engine so far on one host."""

    engine: Engine
    by_process: bool = False
    processes: dict[str, None] = field(default_factory=dict)
    pids: set[int] = field(default_factory=set)
    sockets: dict[ListeningSocket, None] = field(default_factory=dict)

    def instance(self) -> ServiceInstance:
        return ServiceInstance(
            engine=self.engine.id, label=self.engine.label, role=self.engine.role,
            matched_by="process" if self.by_process else "port",
            processes=tuple(self.processes), pids=tuple(sorted(self.pids)),
            sockets=tuple(sorted(self.sockets, key=lambda s: (s.port, s.protocol, s.address))),
        )


def _contradiction(sock: ListeningSocket, processes: list[Process]) -> str | None:
    """Why a socket's owner cannot be believed: ss names one program for a pid that ps says is another."""
    if sock.pid is None or sock.process is None:
        return None
    listed = [p.name for p in processes if p.pid == sock.pid]
    if listed and all(name[:15] != sock.process[:15] for name in listed):
        return (f"{sock.address}:{sock.port}/{sock.protocol}: ss says pid {sock.pid} is {sock.process!r}, "
                f"ps says {listed[0]!r}")
    return None


def contradictions(sockets: list[ListeningSocket], processes: list[Process]) -> list[str]:
    """Every listening socket whose owner ss and ps disagree about (its role then comes from its port only)."""
    return [why for sock in sockets if (why := _contradiction(sock, processes))]


def classify(sockets: list[ListeningSocket], processes: list[Process]) -> list[ServiceInstance]:
    """Group sockets and processes by engine; a socket's owner decides, its port only when no owner is seen."""
    cmdlines = {p.pid: p.cmdline for p in processes}
    seen: dict[str, _Seen] = {}

    def add(engine: Engine, sock: ListeningSocket | None, proc: Process | None) -> None:
        entry = seen.setdefault(engine.id, _Seen(engine))
        if sock is not None:
            entry.sockets[sock] = None
        if proc is not None:
            entry.by_process = True
            entry.processes[proc.name] = None
            entry.pids.add(proc.pid)

    contradicted = {id(s) for s in sockets if _contradiction(s, processes)}
    for sock in sockets:
        if sock.process is not None and sock.pid is not None and id(sock) not in contradicted:
            proc = Process(sock.pid, sock.process, cmdlines.get(sock.pid, ""))
            engine = engine_for_process(proc.name, proc.cmdline)
            if engine is not None:
                add(engine, sock, proc)
        elif (engine := engine_for_port(sock.port)) is not None:
            add(engine, sock, None)
    for proc in processes:
        if not proc.cmdline.startswith("[") and (engine := engine_for_process(proc.name, proc.cmdline)):
            add(engine, None, proc)
    return sorted((e.instance() for e in seen.values()), key=lambda s: (s.role, s.engine))


def plan(session: Session) -> tuple[str, ...]:
    """The commands this probe runs whatever it finds (sent ahead in the host's batch)."""
    return (PACKAGES,) if session.is_local else (SS, PS, PACKAGES)


def collect(session: Session) -> ServiceFacts:
    notes: list[str] = []
    used: list[str] = []
    if session.is_local:
        snapshot = _local_snapshot(session)
        used.append(snapshot.id)
        sockets, processes = parse_local_snapshot(snapshot.stdout)
    else:
        ss = session.run(SS)
        used.append(ss.id)
        if ss.ok:
            sockets = parse_ss(ss.stdout)
        else:
            proc_net = session.run(PROC_NET)
            used.append(proc_net.id)
            sockets = _proc_net_sockets(proc_net.stdout)
            notes.append("ss unavailable: sockets read from /proc/net without their owning processes")
        ps = session.run(PS)
        used.append(ps.id)
        processes = parse_ps(ps.stdout) if ps.ok else []
        if not ps.ok:
            notes.append(f"ps failed (exit {ps.exit_status}): running server processes not listed")
    owners_visible = not sockets or any(s.process is not None for s in sockets)
    if not owners_visible:
        ports = ", ".join(sorted({f"{s.port}/{s.protocol}" for s in sockets}))
        notes.append(f"no owning process visible for any listening socket ({ports}): without root (or, in a "
                     "container, SYS_PTRACE) ss cannot name them, so their roles come from well-known ports only")
    pkgs = session.run(PACKAGES)
    used.append(pkgs.id)
    installed = sorted({
        f"{e.label}: {name}" for name in pkgs.stdout.split() for e in engines_for_package(name)
    })
    return ServiceFacts(
        sockets=tuple(sockets), services=tuple(classify(sockets, processes)), installed=tuple(installed),
        process_owners_visible=owners_visible, observations=tuple(used), notes=tuple(notes),
        implausible=tuple(contradictions(sockets, processes)),
    )
