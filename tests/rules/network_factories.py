"""Builders of egress and uplink facts for the domestic-hosting, ISP and bandwidth rule tests."""

from __future__ import annotations

from typing import Any

from probes.facts import HostFacts
from probes.facts.declared import Declarations
from probes.facts.egress import CloudRegion, EgressFacts, EgressPath
from probes.facts.geo import GeoIdentity
from probes.facts.services import ServiceFacts
from probes.facts.uplinks import METHOD_UNCERTAINTY, Throughput, Uplink, UplinkFacts
from tests.factories import service

NAMES = {"CN": "China", "HK": "Hong Kong", "MO": "Macao", "TW": "Taiwan", "US": "United States"}


def ident(address: str, country: str | None = "CN", *, simulated: bool = False, isp: str | None = None,
          asn: int | None = None, as_org: str | None = None, private: bool = False) -> GeoIdentity:
    return GeoIdentity(address=address, country=None if private else country,
                       country_name="Private Network" if private else NAMES.get(country or ""),
                       isp=isp, asn=asn, as_org=as_org, private=private, simulated=simulated,
                       source="simulated identity table ids.json" if simulated else "geoip2fast test")


def path(interface: str, identity: GeoIdentity | None = None, error: str | None = None) -> EgressPath:
    return EgressPath(interface=interface, gateway="198.51.100.1", address=identity.address if identity else None,
                      identity=identity, error=error if identity is None else None,
                      observations=(f"{interface}#echo", f"{interface}#lookup") if identity else (f"{interface}#echo",))


def egress_host(name: str, *paths: EgressPath, cloud: tuple[str, str, str | None] | None = None,
                timezone: str = "Asia/Shanghai", ntp: tuple[str, ...] = ("ntp.aliyun.com",), db: bool = False,
                echo: bool = True, metadata: bool = False, **extra: Any) -> HostFacts:
    region = None
    if cloud is not None:
        provider, region_id, country = cloud
        region = CloudRegion(provider=provider, region=region_id, country=country,
                             url="http://169.254.0.9", observations=(f"{name}#meta",))
    facts = EgressFacts(echo_url="http://echo.example/ip" if echo else None, paths=paths,
                        cloud_metadata_url="http://169.254.0.9" if (metadata or cloud) else None, cloud=region,
                        timezone=timezone, ntp_servers=ntp, supporting_observations=(f"{name}#tz", f"{name}#ntp"),
                        observations=tuple(o for p in paths for o in p.observations))
    services = ServiceFacts(services=(service("postgresql"),) if db else (service("nginx"),),
                            process_owners_visible=True, observations=(f"{name}#svc",))
    return HostFacts(name=name, address=f"192.0.2.{len(name)}", reachable=True, egress=facts, services=services,
                     **extra)


def rate(direction: str, mbps: float | None, margin: float | None = None, error: str | None = None) -> Throughput:
    if mbps is None:
        return Throughput(direction=direction, error=error or "iperf3: unable to connect",
                          observations=(f"{direction}#iperf",))
    margin = round(METHOD_UNCERTAINTY * mbps, 3) if margin is None else margin
    return Throughput(direction=direction, mbps=mbps, margin_mbps=margin,
                      statistical_mbps=0.0, method_mbps=margin, observations=(f"{direction}#iperf",))


def uplink(interface: str, identity: GeoIdentity | None = None, up: float | None = None, down: float | None = None,
           *, margin: float | None = None, measured: bool = True, error: str | None = None) -> Uplink:
    return Uplink(
        interface=interface, gateways=("198.51.100.1",), metric=100,
        egress=path(interface, identity, "curl exit 7: Failed to connect") if identity or error else None,
        upload=rate("upload", up, margin) if measured else None,
        download=rate("download", down, margin) if measured else None,
    )


def uplink_host(name: str, *uplinks: Uplink, echo: bool = True, measure: bool = True,
                notes: tuple[str, ...] = ()) -> HostFacts:
    declared = Declarations(echo_url="http://echo.example/ip" if echo else None,
                            measure_endpoint=("203.0.113.5:5201",) if measure else ())
    facts = UplinkFacts(echo_url=declared.echo_url, measure_endpoints=declared.measure_endpoint, uplinks=uplinks,
                        observations=(f"{name}#routes",), notes=notes)
    return HostFacts(name=name, address=f"192.0.2.{len(name)}", reachable=True, declared=declared, uplinks=facts)


def measured_host(name: str, *, reachable: bool = True, errors: dict[str, str] | None = None) -> HostFacts:
    declared = Declarations(echo_url="http://echo.example/ip", measure_endpoint="203.0.113.5:5201")
    if not reachable:
        return HostFacts(name=name, address="192.0.2.99", reachable=False, declared=declared,
                         unreachable_reason="cannot connect: timed out")
    return HostFacts(name=name, address="192.0.2.98", reachable=True, declared=declared, errors=errors or {})
