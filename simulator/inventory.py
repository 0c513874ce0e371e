"""The Ansible YAML inventory of a running scenario, which the checker takes unchanged.

Only hospital hosts appear (not routers, not the simulated internet). Groups `application`,
`database` and `av` follow the spec's declared roles; a host with none is in `other`. Every
checker-facing variable is prefixed `ihcheck_` and is a *declaration*: the checker observes
roles, power and uplinks itself and only compares with what is declared here.

    all.vars    ansible_user, ansible_ssh_private_key_file, ansible_ssh_common_args,
                ihcheck_known_hosts, ihcheck_simulated_identities, ihcheck_echo_url,
                ihcheck_simulated_separate_servers (the containers, one kernel, stand for separate servers),
                ihcheck_documents_dir (simulated materials, see simulator/simulated_materials.py),
                ihcheck_programmes (only when the spec declares `pilot:`, see simulator/pilot_records.py)
    host vars   ansible_host, ihcheck_role (list), ihcheck_measure_endpoint (application
                hosts; one iperf3 HOST:PORT per uplink), ihcheck_bmc {address, port, interface, user,
                password}, ihcheck_ups (list of NUT names, only with a UPS),
                ihcheck_power_attestation (only when the spec gives one),
                ihcheck_av_endpoints (A/V hosts: [{name, kind, address, port, transport, path?}]),
                ihcheck_exchange and ihcheck_telemedicine (application hosts, when the spec simulates the
                hospital's systems or the platform: see `exchange_declarations`),
                ihcheck_mlps_evidence (the scenario's documents for MLPS items a host cannot show),
                ihcheck_public_pages (hosts running nginx: the patient-facing page it serves)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from simulator import pilot_records, public_page
from simulator.power import BMC_PORT
from simulator.render import HOSPITAL_CA, PLATFORM_CA, PUSH_LOG, mlps_evidence_path

if TYPE_CHECKING:
    from simulator.deployment import Deployment

GROUPS = ("application", "database", "av")
# How a hospital would declare each A/V daemon to the checker: (kind, port, transport, path).
AV_ENDPOINTS: dict[str, tuple[str, int, str, str | None]] = {
    "coturn": ("turn", 3478, "udp", None),
    "kamailio": ("sip", 5060, "udp", None),
    "janus": ("webrtc-gateway", 8088, "tcp", "/janus/info"),
}


# What a hospital would declare for each simulated hospital service: the exchanges it offers.
# Medical data travels over TLS (DICOM and MLLP inside TLS, FHIR over https), verified against the hospital CA the
# hosts are given; the ECG system's health endpoint, which carries no medical data, stays on plain HTTP.
TRUST = {"ca_file": HOSPITAL_CA}
HOSPITAL_EXCHANGES: dict[str, list[dict[str, Any]]] = {
    "pacs": [{"name": "pacs", "system": "pacs", "protocol": "dicom", "port": 104, "called_ae_title": "PACS",
              "tls": True, **TRUST},
             {"name": "pathology", "system": "pathology", "protocol": "dicom", "port": 11112,
              "called_ae_title": "PATHOLOGY", "tls": True, **TRUST}],
    "his": [{"name": "his", "system": "his", "protocol": "hl7v2", "port": 2575, "receiving_application": "HIS",
             "receiving_facility": "SIMHOSPITAL", "tls": True, **TRUST},
            {"name": "lis", "system": "lis", "protocol": "hl7v2", "port": 2576, "receiving_application": "LIS",
             "receiving_facility": "SIMHOSPITAL", "tls": True, **TRUST},
            {"name": "emr", "system": "emr", "protocol": "fhir", "url": "https://{address}/fhir", **TRUST},
            {"name": "ecg", "system": "ecg", "protocol": "http", "url": "http://{address}/ecg/health",
             "expect_status": 200, "expect_text": "ECG OK"}],
}
TELEMEDICINE = {"consultation": "emr", "outpatient": "emr", "pathology": "pathology", "imaging": "pacs",
                "ecg": "ecg"}


def exchange_declarations(deployment: Deployment) -> dict[str, Any]:
    """ihcheck_exchange (every simulated hospital system and the platform, as an application host declares
    them; run from that host) and ihcheck_telemedicine (each function → the system providing it)."""
    entries: list[dict[str, Any]] = []
    for name, system in deployment.spec.hospital.items():
        address = deployment.layout.boxes[name].address("lan")
        for service in system.services:
            for template in HOSPITAL_EXCHANGES[service]:
                entry = {k: v.format(address=address) if isinstance(v, str) else v for k, v in template.items()}
                if "url" not in entry:
                    entry["address"] = address
                entries.append(entry)
    platform = deployment.spec.platform
    if platform is not None:
        entries.append({"name": "platform", "system": "platform", "protocol": "https",
                        "address": deployment.layout.internet().address("inet"), "port": 443,
                        "ca_file": PLATFORM_CA, "push_log": {"path": PUSH_LOG, "success": "platform push OK",
                                                             "max_age_minutes": platform.max_push_age_minutes}})
    names = {e["name"] for e in entries}
    values: dict[str, Any] = {"ihcheck_exchange": entries} if entries else {}
    functions = {f: system for f, system in TELEMEDICINE.items() if system in names}
    if functions:
        values["ihcheck_telemedicine"] = functions
    return values


def _host_vars(deployment: Deployment, name: str) -> dict[str, Any]:
    host = deployment.spec.hosts[name]
    address = deployment.host_address(name)
    creds = deployment.bmc[name]
    values: dict[str, Any] = {
        "ansible_host": address,
        "ihcheck_role": list(host.declared_roles()),
        # The BMC answers on the host's LAN address (what the checker asks, from outside, as it
        # would a real BMC's management address) and on 127.0.0.1 inside the host.
        # ipmi_sim does not answer ipmitool's cipher-suite query, which costs a 1 s timeout per call;
        # suite 3 (the one most BMCs offer) is what a hospital would pin for such a BMC too.
        "ihcheck_bmc": {"address": address, "port": BMC_PORT, "interface": "lanplus", "cipher_suite": 3,
                        "user": creds.user, "password": creds.password},
    }
    if "application" in host.declared_roles():
        # Business bandwidth is the internet-facing application's: measure its uplinks, at the same time,
        # one iperf3 server each (measuring every host would only queue them). The default 4 s a direction:
        # 2 s gave ±6 Mbps on a loaded 2-core machine, deciding nothing.
        values["ihcheck_measure_endpoint"] = list(deployment.measure_endpoints)
        values |= exchange_declarations(deployment)
    if "nginx" in host.services:  # the patient-facing page its nginx serves (simulator/public_page.py)
        values["ihcheck_public_pages"] = [{"url": f"http://{address}{public_page.PAGE}"}]
    if host.power.ups:
        values["ihcheck_ups"] = ["ups@localhost"]
    if name in deployment.attestations:
        values["ihcheck_power_attestation"] = str(deployment.attestations[name])
    evidence = {unit: str(mlps_evidence_path(deployment.state, name, unit)) for unit in deployment.spec.mlps_evidence}
    if evidence:
        values["ihcheck_mlps_evidence"] = evidence
    endpoints = []
    for system_name, system in deployment.spec.av_systems.items():
        if system.host != name:
            continue
        for service in system.services:
            kind, port, transport, path = AV_ENDPOINTS[service]
            endpoint: dict[str, Any] = {"name": system_name, "kind": kind, "address": address, "port": port,
                                        "transport": transport}
            if path:
                endpoint["path"] = path
            endpoints.append(endpoint)
    if endpoints:
        values["ihcheck_av_endpoints"] = endpoints
    return values


def build(deployment: Deployment) -> dict[str, Any]:
    children: dict[str, dict[str, Any]] = {}
    for name, host in deployment.spec.hosts.items():
        roles = host.declared_roles() or ("other",)
        for group in roles:
            children.setdefault(group, {"hosts": {}})["hosts"][name] = _host_vars(deployment, name)
    ordered = {g: children[g] for g in (*GROUPS, "other") if g in children}
    inventory: dict[str, Any] = {
        "all": {
            "vars": {
                "ansible_user": "root",
                "ansible_ssh_private_key_file": str(deployment.private_key),
                "ansible_ssh_common_args": f"-o UserKnownHostsFile={deployment.known_hosts} "
                                           "-o StrictHostKeyChecking=yes",
                "ihcheck_known_hosts": str(deployment.known_hosts),
                "ihcheck_simulated_identities": str(deployment.identities),
                # The scenario's containers share the test machine's kernel; each stands for a separate server of
                # the simulated hospital. Declared, so the checker counts them apart and says "simulated".
                "ihcheck_simulated_separate_servers": True,
                "ihcheck_echo_url": deployment.echo_url,
                "ihcheck_documents_dir": str(deployment.state / "documents"),
            },
            "children": ordered,
        }
    }
    pilot = deployment.spec.pilot
    if pilot is not None:  # the simulated hospital declares the Beijing 2026 first-visit pilot
        inventory["all"]["vars"]["ihcheck_programmes"] = [
            pilot_records.programme(deployment.state, pilot.database, pilot.audit_host)]
    return inventory


def write(deployment: Deployment, path: Path) -> None:
    header = (f"# Ansible inventory of the simulated scenario {deployment.scenario!r}, written by the ihcheck "
              f"simulator.\n# {deployment.spec.description}\n# State directory: {deployment.state}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(build(deployment), sort_keys=False, allow_unicode=True, default_flow_style=False)
    path.write_text(header + text, encoding="utf-8")
