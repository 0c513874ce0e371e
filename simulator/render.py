"""Writes a scenario's state directory: keys, known_hosts, identities, and each container's /ihc.

Each container gets a folder, mounted read-only at `/ihc`, holding everything that differs
between containers: its env, its start script (identity, routes, daemons, then `exec sshd -D`),
its readiness script, its SSH host key, its UPS and BMC definitions and its power-supply sysfs
look-alike. The image holds only what is common, so one image serves many hosts.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import shlex
import shutil
import uuid
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from simulator import pilot_records, platform_ca, power, public_page, sshkeys
from simulator.layout import Box, Layout
from simulator.services import BMC, HOSPITAL_SERVICES, INTERNET, MLPS, PUSHJOB, ROUTER, SERVICES, SSHD, UPS, Service
from simulator.simulated_materials import write_documents
from simulator.spec import Scenario

READY_TIMEOUT_S = 90
CHECK_TIMEOUT_S = 5
BOX_DIR = "boxes"
PUSH_LOG = "/var/log/ihc-platform-push.log"
HOSPITAL_CA = "/ihc/hospital-ca.pem"  # inside an inventory host: its trust anchors for the hospital's systems
PLATFORM_CA = "/ihc/platform-ca.pem"  # inside an application host: its trust anchor for the platform


@dataclass(frozen=True)
class Rendered:
    state: Path
    client_key: Path
    known_hosts: Path
    identities: Path
    bmc: dict[str, power.BmcCredentials]
    attestations: dict[str, Path]

    def box_dir(self, key: str) -> Path:
        return self.state / BOX_DIR / key


def _env_file(values: dict[str, str]) -> str:
    return "".join(f"export {k}={shlex.quote(v)}\n" for k, v in values.items())


def _burst_bytes(mbps: float) -> int:
    """A token-bucket burst of at least 10 ms of traffic (and 32 KiB), so tbf can reach its rate."""
    return max(32 * 1024, int(mbps * 1_000_000 / 8 / 100))


def _services_of(box: Box, spec: Scenario) -> list[Service]:
    """Daemons started in this container, in start order (sshd is exec'd last, separately)."""
    if box.kind == "router":
        return [ROUTER]
    if box.kind == "internet":
        return [INTERNET]
    if box.kind == "hospital":
        stopped = spec.hospital[box.key].stopped
        return [HOSPITAL_SERVICES[name] for name in box.services if name not in stopped]
    pushes = spec.platform is not None and "application" in spec.hosts[box.key].declared_roles()
    return [SERVICES[name] for name in box.services] + ([PUSHJOB] if pushes else [])


DB_PORTS = {"postgresql": 5432, "mariadb": 3306}


def _database_env(box: Box, spec: Scenario, layout: Layout, password: str) -> dict[str, str]:
    """A database host gets the application login's password; an application host also gets every
    database to hold a pool to (over the LAN, or loopback when the database runs on the same host)."""
    env: dict[str, str] = {}
    if any(s in DB_PORTS for s in box.services):
        env["IHC_DB_PASSWORD"] = password
        listen = spec.hosts[box.key].db_listen
        env["IHC_DB_LISTEN"] = "*" if listen == "all" else f"127.0.0.1,{box.address('lan')}"
    if "nginx" in box.services:
        targets = [f"{engine}:{'127.0.0.1' if name == box.key else layout.boxes[name].address('lan')}:{port}"
                   for name, host in spec.hosts.items() for engine, port in DB_PORTS.items() if engine in host.services]
        if targets:
            env |= {"IHC_DB_PASSWORD": password, "IHC_DB_TARGETS": " ".join(targets)}
    return env


def _start_script(box: Box, spec: Scenario, layout: Layout) -> str:
    lines = [
        "#!/bin/sh",
        f"# Start script of {box.key} ({box.kind}), written by the ihcheck simulator.",
        "set -u",
        ". /ihc/env",
        "cp /ihc/machine-id /etc/machine-id",
        SSHD.snippet("start"),
    ]
    for route in box.routes:
        lines += [
            f"# uplink {route.uplink}",
            f"ip route replace default via {route.gateway} dev {route.interface} metric {route.metric}",
            f"ip route replace default via {route.gateway} dev {route.interface} table {route.table}",
            f"ip rule add from {route.source} table {route.table} priority {route.table}",
        ]
    if box.kind == "host":
        host = spec.hosts[box.key]
        if "nginx" in box.services:
            lines += public_page.start_lines()
        if spec.dns_abroad is not None and spec.dns_abroad.host == box.key:
            lines += public_page.resolver_lines(dns_abroad_address(layout))
        if host.power.ups:
            lines += ["# --- ups ---", UPS.snippet("start")]
        lines += ["# --- bmc ---", BMC.snippet("start")]
        lines += [f"# --- mlps baseline ({spec.mlps}) ---", MLPS.snippet("start")]
    for service in _services_of(box, spec):
        lines += [f"# --- {service.name} ---", service.snippet("start")]
    lines.append("touch /run/ihc-started")
    if box.sshd:
        lines.append("exec /usr/sbin/sshd -D -e")
    else:
        lines += ["# sshd deliberately not started (spec: sshd: down)", "exec sleep infinity"]
    return "\n".join(lines) + "\n"


def _checks(box: Box, spec: Scenario, layout: Layout) -> list[tuple[str, str]]:
    checks: list[tuple[str, str]] = []
    if box.sshd:
        checks.append(("sshd", SSHD.snippet("check")))
    if box.kind == "host":
        if spec.hosts[box.key].power.ups:
            checks.append(("upsd", UPS.snippet("check")))
        checks.append(("ipmi_sim", BMC.snippet("check")))
        checks.append(("mlps", MLPS.snippet("check")))
    checks += [(s.name, s.snippet("check")) for s in _services_of(box, spec) if s.snippet("check")]
    if spec.pilot is not None and box.key == spec.pilot.database:
        checks.append(("pilot-visits", pilot_records.READY_CHECK))
    echo = f"http://{layout.internet().address('inet')}/ip"
    for route in box.routes:
        expected = layout.egress_address(route.uplink)
        checks.append((f"uplink-{route.uplink}",
                       f'test "$(curl -fsS --max-time 2 --interface {route.interface} {echo})" = {expected}'))
    return checks


def _ready_script(checks: list[tuple[str, str]]) -> str:
    """Retry every check (each in /ihc/checks/, each bounded by CHECK_TIMEOUT_S, since a client such
    as turnutils_stunclient can wait forever for a daemon not yet up) until all have passed once
    or the deadline passes; print what is still failing."""
    lines = [
        "#!/bin/sh",
        "# Readiness: every daemon of this container really answers. Written by the ihcheck simulator.",
        f"deadline=$(( $(date +%s) + ${{1:-{READY_TIMEOUT_S}}} ))",
        "while :; do",
        "  pending=''",
    ]
    for index, (name, _) in enumerate(checks):
        lines += [
            f"  if [ -z \"${{ok_{index}:-}}\" ]; then",
            f"    if timeout {CHECK_TIMEOUT_S} sh /ihc/checks/{index:02d}-{name}.sh >/dev/null 2>&1; "
            f"then ok_{index}=1; else pending=\"$pending {name}\"; fi",
            "  fi",
        ]
    lines += [
        "  if [ -z \"$pending\" ]; then echo ready; exit 0; fi",
        "  if [ \"$(date +%s)\" -ge \"$deadline\" ]; then",
        # a start step that never returns holds back every daemon after it (and sshd): name it
        "    starter=$(pgrep -o -f '^sh /ihc/start.sh'); waits=''",
        "    [ -n \"$starter\" ] &&",
        "      waits=\" (start.sh still waits for: $(ps -o args= --ppid \"$starter\" | paste -sd';'))\"",
        "    echo \"not ready:$pending$waits\"",
        "    exit 1",
        "  fi",
        "  sleep 0.5",
        "done",
    ]
    return "\n".join(lines) + "\n"


def _write_checks(folder: Path, checks: list[tuple[str, str]]) -> None:
    (folder / "checks").mkdir()
    for index, (name, body) in enumerate(checks):
        (folder / "checks" / f"{index:02d}-{name}.sh").write_text(". /ihc/env\n" + body.strip() + "\n")


def dns_abroad_address(layout: Layout) -> str:
    """The address the dns_abroad fault's resolver points at: on the inet network, held by no container."""
    inet = ipaddress.ip_address(layout.internet().address("inet"))
    return str(inet - 2 + public_page.DNS_ABROAD_OFFSET)


# The simulated internet's address stands for the provincial platform and the echo service: on the mainland.
PLATFORM_IDENTITY = {"country": "CN", "region": "Guangdong", "city": "Guangzhou", "asn": 4134,
                     "as_org": "CHINANET-BACKBONE", "isp": "Guangdong supervision platform (simulated)",
                     "simulated": True}


def _identities(spec: Scenario, layout: Layout) -> dict[str, dict[str, object]]:
    table = {layout.egress_address(u): _identity_entry(spec, u) for u in spec.uplinks}
    table[layout.internet().address("inet")] = PLATFORM_IDENTITY
    if spec.dns_abroad is not None:
        table[dns_abroad_address(layout)] = {**spec.dns_abroad.identity.model_dump(), "simulated": True}
    return table


def _identity_entry(spec: Scenario, uplink: str) -> dict[str, object]:
    ident = spec.uplinks[uplink].identity
    return {**ident.model_dump(), "simulated": True}


def mlps_evidence_path(state: Path, host: str, unit: str) -> Path:
    """Where a simulated document for an MLPS item a host cannot show is written (the inventory names it)."""
    return state / "mlps-evidence" / host / f"{unit}.txt"


def _hospital_trust(layout: Layout, state: Path) -> None:
    """Give every inventory host the hospital systems' CAs, as one bundle at HOSPITAL_CA (after all are made)."""
    bundle = "".join(p.read_text(encoding="ascii") for p in sorted(state.glob("hospital-ca-*.pem")))
    if not bundle:
        return
    for box in layout.boxes.values():
        if box.kind == "host":
            (state / BOX_DIR / box.key / "hospital-ca.pem").write_text(bundle, encoding="ascii")


def render(layout: Layout, spec: Scenario, state: Path) -> Rendered:
    """Write everything the containers and the checker need; returns where it went."""
    if state.exists():
        shutil.rmtree(state)
    state.mkdir(parents=True)
    client = sshkeys.generate(f"ihcheck-sim@{layout.scenario}")
    client_key = state / "id_ed25519"
    sshkeys.write_pair(client, client_key)

    known: list[str] = []
    bmc: dict[str, power.BmcCredentials] = {}
    db_password = secrets.token_hex(12)  # the application servers' database login, new each boot
    attestations: dict[str, Path] = {}
    for box in layout.boxes.values():
        folder = state / BOX_DIR / box.key
        (folder / "ssh").mkdir(parents=True)
        host_key = sshkeys.generate(f"root@{box.key}")
        sshkeys.write_pair(host_key, folder / "ssh" / "ssh_host_ed25519_key")
        (folder / "ssh" / "authorized_keys").write_text(client.public_line + "\n")
        known.append(sshkeys.known_hosts_line([box.key, *box.addresses()], host_key))
        (folder / "machine-id").write_text(uuid.uuid4().hex + "\n")
        env = {"IHC_NAME": box.key, "IHC_KIND": box.kind, "IHC_SCENARIO": layout.scenario}
        if box.kind == "router":
            assert box.uplink is not None
            mbps = spec.uplinks[box.uplink].bandwidth_mbps
            env |= {"IHC_WAN_IF": "eth0", "IHC_INET_IF": "eth1", "IHC_RATE_KBIT": str(round(mbps * 1000)),
                    "IHC_BURST_BYTES": str(_burst_bytes(mbps))}
        if box.kind == "internet":
            env |= {"IHC_IPERF_PORTS": " ".join(str(p) for p in layout.iperf_ports())}
        if box.kind == "host":
            env |= _database_env(box, spec, layout, db_password)
        if box.kind == "hospital":
            env |= {"IHC_HL7_ACK": spec.hospital[box.key].hl7_ack}
            # MLLP, DICOM and FHIR over TLS (GB/T 22239 L3-CES1-27): each hospital system its own certificate
            # for its LAN address, from a hospital CA the application hosts are given (HOSPITAL_CA)
            ca, _, _ = platform_ca.make(folder / "tls", box.address("lan"), "valid", name=f"{box.key}.hospital.sim",
                                        ca_common=f"ihcheck simulated hospital CA ({box.key})")
            shutil.copyfile(ca, state / f"hospital-ca-{box.key}.pem")
        if spec.platform is not None and box.kind == "internet":
            ca, _, _ = platform_ca.make(folder / "platform", box.address("inet"), spec.platform.certificate)
            shutil.copyfile(ca, state / "platform-ca.pem")
        if PUSHJOB in _services_of(box, spec):
            shutil.copyfile(state / "platform-ca.pem", folder / "platform-ca.pem")
            env |= {"IHC_PLATFORM_URL": f"https://{layout.internet().address('inet')}/upload",
                    "IHC_PLATFORM_CA": PLATFORM_CA, "IHC_PUSH_LOG": PUSH_LOG}
        if box.kind == "host":
            host = spec.hosts[box.key]
            env |= {"IHC_MLPS": spec.mlps, "IHC_LAN_ADDRESS": box.address("lan"),
                    "IHC_LOG_SERVER": layout.internet().address("inet")}
            for unit, text in spec.mlps_evidence.items():
                doc = mlps_evidence_path(state, box.key, unit)
                doc.parent.mkdir(parents=True, exist_ok=True)
                doc.write_text(text.strip() + "\n", encoding="utf-8")
            creds = power.new_credentials()
            bmc[box.key] = creds
            env |= {"IHC_BMC_USER": creds.user, "IHC_BMC_PASSWORD": creds.password,
                    "IHC_BMC_BAYS": str(power.bays(host.power))}
            (folder / "bmc").mkdir()
            (folder / "bmc" / "lan.conf").write_text(power.bmc_lan_conf(creds))
            (folder / "bmc" / "bmc.emu").write_text(power.bmc_emu(host.power))
            power.write_power_supply_dir(host.power, folder / "power_supply")
            if host.power.ups:
                (folder / "ups.dev").write_text(power.ups_dev(box.key))
            if host.power.attestation:
                doc = state / "attestation" / f"{box.key}.txt"
                doc.parent.mkdir(exist_ok=True)
                doc.write_text(host.power.attestation.strip() + "\n", encoding="utf-8")
                attestations[box.key] = doc
        for service in _services_of(box, spec):
            helpers = resources.files("simulator.services") / service.name
            for item in helpers.iterdir():
                if item.name.endswith(".py"):
                    (folder / item.name).write_text(item.read_text(encoding="utf-8"), encoding="utf-8")
        (folder / "env").write_text(_env_file(env))
        (folder / "start.sh").write_text(_start_script(box, spec, layout))
        checks = _checks(box, spec, layout)
        _write_checks(folder, checks)
        (folder / "ready.sh").write_text(_ready_script(checks))

    _hospital_trust(layout, state)
    hospital_name = f"模拟互联网医院 simulated hospital ({layout.scenario})"
    for box in layout.boxes.values():
        if box.kind == "host" and "nginx" in box.services:
            public_page.write(state / BOX_DIR / box.key, hospital_name, spec.public_page == "complete")
    write_documents(state / "documents", f"模拟互联网医院 simulated hospital ({layout.scenario})", date.today(),
                    spec.mlps_report)
    if spec.pilot is not None:
        pilot_records.write(state, state / BOX_DIR / spec.pilot.database, state / BOX_DIR / spec.pilot.audit_host,
                            date.today(), lapsed=spec.pilot.lapsed, edited_seq=spec.pilot.edited_record)
    known_hosts = state / "known_hosts"
    known_hosts.write_text("\n".join(known) + "\n")
    identities = state / "identities.json"
    identities.write_text(json.dumps(_identities(spec, layout), indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")
    (state / "bmc.json").write_text(json.dumps(
        {name: {"address": layout.boxes[name].address("lan"), "address_in_host": "127.0.0.1", "port": power.BMC_PORT,
                "interface": "lanplus", "user": c.user, "password": c.password}
         for name, c in bmc.items()}, indent=2) + "\n")
    (state / "bmc.json").chmod(0o600)
    return Rendered(state, client_key, known_hosts, identities, bmc, attestations)
