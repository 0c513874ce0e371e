"""Where a host is, as far as the outside can tell: egress address per uplink, cloud region, timezone, NTP.

* Egress: for each interface that carries a default route, `curl --interface IFACE <echo_url>` runs on
  the host; the echo service (declared as `ihcheck_echo_url`, outside the hospital's network) answers
  with the address it saw, which probes.geo places in a country and an organisation.
* Cloud region: only when the user names the metadata service in `ihcheck_cloud_metadata_url`, and only
  at that address, the documented region paths of Alibaba Cloud, AWS (IMDSv2), Tencent Cloud and Huawei
  Cloud are asked in turn. ihcheck never guesses a metadata address on its own.
* Timezone and NTP servers: supporting signals only (a server abroad can keep China time).
"""

from __future__ import annotations

import json
import re
import shlex
from urllib.parse import urlsplit

from checker.errors import InputError
from probes import geo
from probes.facts.egress import CloudRegion, EgressFacts, EgressPath
from probes.facts.geo import GeoIdentity
from probes.observation import Observation
from probes.parse.iproute import DefaultRoute, parse_default_routes
from probes.parse.timesync import parse_ntp_servers, parse_timezone
from probes.transport import Session

ROUTES = "ip -j route show table all"
ROUTES6 = "ip -j -6 route show table all"
ECHO_TIMEOUT = 5
METADATA_TIMEOUT = 3
TIMEZONE = ("timedatectl show -p Timezone --value 2>/dev/null || cat /etc/timezone 2>/dev/null "
            "|| readlink /etc/localtime")
NTP_CONFIG = ("cat /etc/chrony/chrony.conf /etc/chrony/conf.d/*.conf /etc/chrony/sources.d/*.sources "
              "/etc/chrony.conf /etc/ntp.conf /etc/ntpsec/ntp.conf /etc/systemd/timesyncd.conf "
              "/etc/systemd/timesyncd.conf.d/*.conf 2>/dev/null; true")
_REGION = re.compile(r"^[a-z]{2,}(?:-[a-z0-9]+)+$")


def http_url(url: str, field: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"ihcheck_{field}: expected an http(s) URL, got {url!r}")
    return url


def default_routes(session: Session) -> tuple[list[DefaultRoute], list[str], list[str]]:
    """Default routes of every table, IPv4 then IPv6; (routes, observation ids, notes)."""
    routes: list[DefaultRoute] = []
    used: list[str] = []
    notes: list[str] = []
    for command in (ROUTES, ROUTES6):
        obs = session.run(command)
        used.append(obs.id)
        if obs.exit_status == 127:
            notes.append("iproute2 (`ip`) not installed: uplinks could not be listed")
            break
        if obs.ok:
            routes += [r for r in parse_default_routes(obs.stdout) if r not in routes]
        elif command == ROUTES:
            notes.append(f"`{command}` failed (exit {obs.exit_status}): {obs.stderr.strip()[:160]}")
    return routes, used, notes


def interfaces(routes: list[DefaultRoute]) -> list[str]:
    """Uplink interfaces in route preference order (lowest metric first)."""
    ordered = sorted(routes, key=lambda r: (r.metric if r.metric is not None else 0, r.table != "main"))
    return list(dict.fromkeys(r.interface for r in ordered))


def _curl_error(obs: Observation) -> str:
    if obs.exit_status == 127:
        return "curl is not installed on the host"
    if obs.exit_status == 124:
        return "curl did not finish in time"
    detail = obs.stderr.strip().splitlines()[-1] if obs.stderr.strip() else ""
    return f"curl exit {obs.exit_status}{': ' + detail if detail else ''}"


def echo(session: Session, url: str, interface: str | None,
         simulated: dict[str, GeoIdentity] | None, gateway: str | None = None) -> EgressPath:
    """Ask the echo service who we are, leaving by `interface`, and place the answer."""
    bind = f" --interface {shlex.quote(interface)}" if interface else ""
    obs = session.run(f"curl -s -S --max-time {ECHO_TIMEOUT}{bind} {shlex.quote(url)}", timeout=ECHO_TIMEOUT + 5)
    if not obs.ok:
        return EgressPath(interface=interface, gateway=gateway, error=_curl_error(obs), observations=(obs.id,))
    answer = obs.stdout.strip()
    try:
        identity, lookup = geo.identify(session, answer, simulated)
    except ValueError:
        return EgressPath(interface=interface, gateway=gateway, observations=(obs.id,),
                          error=f"the echo service did not answer with an address: {answer[:80]!r}")
    return EgressPath(interface=interface, gateway=gateway, address=identity.address, identity=identity,
                      observations=(obs.id, lookup.id))


def egress_paths(session: Session, url: str, routes: list[DefaultRoute],
                 simulated: dict[str, GeoIdentity] | None) -> list[EgressPath]:
    names = interfaces(routes)
    if not names:
        return [echo(session, url, None, simulated)]
    gateways = {r.interface: r.gateway for r in reversed(routes)}
    return [echo(session, url, name, simulated, gateways.get(name)) for name in names]


def _get(session: Session, url: str, headers: dict[str, str] | None = None,
         method: str = "GET") -> tuple[Observation, str | None]:
    head = "".join(f" -H {shlex.quote(f'{k}: {v}')}" for k, v in (headers or {}).items())
    verb = f" -X {method}" if method != "GET" else ""
    obs = session.run(f"curl -s -f --max-time {METADATA_TIMEOUT}{verb}{head} {shlex.quote(url)}",
                      timeout=METADATA_TIMEOUT + 5)
    return obs, obs.stdout.strip() if obs.ok and obs.stdout.strip() else None


def _region(text: str | None) -> str | None:
    return text if text and _REGION.match(text) else None


def cloud_region(session: Session, base: str) -> tuple[CloudRegion | None, list[str], list[str]]:
    """Ask the metadata service at `base` (and only there) for the region, provider by provider."""
    base = base.rstrip("/")
    used: list[str] = []

    def found(provider: str, region: str, obs: list[Observation]) -> CloudRegion:
        return CloudRegion(provider=provider, region=region,
                           country=geo.region_country(provider, region), url=base,
                           observations=tuple(o.id for o in obs))

    obs, body = _get(session, f"{base}/latest/meta-data/region-id")
    used.append(obs.id)
    if region := _region(body):
        return found("alibaba", region, [obs]), used, []
    tok_obs, token = _get(session, f"{base}/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60"}, "PUT")
    used.append(tok_obs.id)
    headers = {"X-aws-ec2-metadata-token": token} if token and "\n" not in token else None
    obs, body = _get(session, f"{base}/latest/meta-data/placement/region", headers)
    used.append(obs.id)
    if region := _region(body):
        if headers is not None or (region in geo.REGIONS["aws"] and region not in geo.REGIONS["tencent"]):
            return found("aws", region, [tok_obs, obs] if headers else [obs]), used, []
        return found("tencent", region, [obs]), used, []
    obs, body = _get(session, f"{base}/openstack/latest/meta_data.json")
    used.append(obs.id)
    if body:
        try:
            data = json.loads(body)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict) and (region := _region(str(data.get("region_id", "")))):
            return found("huawei", region, [obs]), used, []
    return None, used, [f"the metadata service at {base} answered none of the Alibaba, AWS, Tencent or Huawei "
                        "region paths: cloud region unknown"]


def plan(session: Session) -> tuple[str, ...]:
    """The commands this probe runs whatever it finds (sent ahead in the host's batch)."""
    return ((ROUTES, ROUTES6) if session.host.declared.echo_url else ()) + (TIMEZONE, NTP_CONFIG)


def collect(session: Session) -> EgressFacts:
    declared = session.host.declared
    notes: list[str] = []
    used: list[str] = []
    simulated = geo.simulated_table(session)
    paths: list[EgressPath] = []
    url = http_url(declared.echo_url, "echo_url") if declared.echo_url else None
    if url:
        routes, route_obs, route_notes = default_routes(session)
        used += route_obs
        notes += route_notes
        paths = egress_paths(session, url, routes, simulated)
        used += [o for p in paths for o in p.observations]
    else:
        notes.append("no ihcheck_echo_url: the egress address was not observed (set ihcheck_echo_url to an "
                     "echo service outside the hospital network that returns the caller's address)")
    cloud = None
    if declared.cloud_metadata_url:
        base = http_url(declared.cloud_metadata_url, "cloud_metadata_url")
        cloud, cloud_obs, cloud_notes = cloud_region(session, base)
        used += cloud_obs
        notes += cloud_notes
    tz = session.run(TIMEZONE)
    ntp = session.run(NTP_CONFIG)
    return EgressFacts(
        echo_url=url, paths=tuple(paths), cloud_metadata_url=declared.cloud_metadata_url, cloud=cloud,
        timezone=parse_timezone(tz.stdout) if tz.ok else None, ntp_servers=tuple(parse_ntp_servers(ntp.stdout)),
        supporting_observations=(tz.id, ntp.id), observations=tuple(dict.fromkeys(used)), notes=tuple(notes),
    )
