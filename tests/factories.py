"""Builders of typed facts for rule tests: rules are pure, so their tests need no host."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from probes.facts import DeploymentFacts, HostFacts
from probes.facts.identity import MachineIdentity
from probes.facts.services import ListeningSocket, ServiceFacts, ServiceInstance
from probes.roles import ENGINES

WHEN = datetime(2026, 11, 23, tzinfo=UTC)


def service(engine_id: str, port: int | None = None, *, matched_by: str = "process") -> ServiceInstance:
    engine = next(e for e in ENGINES if e.id == engine_id)
    port = port or (engine.ports[0] if engine.ports else 8000)
    process = engine.processes[0] if engine.processes else "java"
    return ServiceInstance(
        engine=engine.id, label=engine.label, role=engine.role, matched_by=matched_by,
        processes=(process,) if matched_by == "process" else (),
        pids=(100 + port,) if matched_by == "process" else (),
        sockets=(ListeningSocket(protocol="tcp", address="0.0.0.0", port=port,
                                 process=process if matched_by == "process" else None),),
    )


def host(name: str, *engines: str, machine_id: str | None = None, reachable: bool = True,
         errors: dict[str, str] | None = None, matched_by: str = "process", **extra: Any) -> HostFacts:
    if not reachable:
        return HostFacts(name=name, address=f"192.0.2.{len(name)}", reachable=False,
                         unreachable_reason="cannot connect: [Errno 111] Connection refused", **extra)
    errors = errors or {}
    identity = None if "identity" in errors else MachineIdentity(
        hostname=name, machine_id=machine_id or f"mid-{name}", observations=(f"{name}#1",))
    services = None if "services" in errors else ServiceFacts(
        services=tuple(service(e, matched_by=matched_by) for e in engines),
        process_owners_visible=matched_by == "process", observations=(f"{name}#2", f"{name}#3"))
    return HostFacts(name=name, address=f"192.0.2.{len(name)}", reachable=True, errors=errors,
                     identity=identity, services=services, **extra)


def deployment(*hosts: HostFacts) -> DeploymentFacts:
    return DeploymentFacts(inventory="test.yml", collected_at=WHEN, hosts=hosts)
