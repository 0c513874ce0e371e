"""The catalogue of what the simulator can run in a container, as data.

Each entry names Debian packages and up to three shell snippets kept beside this file in
`<name>/`: `build.sh` (runs once while the image is built, as root, services forbidden to start),
`start.sh` (runs at container start, must leave the daemon running in the background) and
`check.sh` (exits 0 once the daemon really answers; run in a retry loop until boot times out).
Snippets see the variables of `/ihc/env` (written per container by `simulator.layout`).

Hospital services (`SERVICES`) are what a spec may list. Components (`COMPONENTS`) are the
parts every container or every hospital host gets regardless of the spec: sshd, UPS, BMC,
router and simulated-internet plumbing.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Literal

Role = Literal["application", "database", "av"]


@dataclass(frozen=True)
class Service:
    """A daemon the simulator knows how to install, start and check."""

    name: str
    packages: tuple[str, ...]
    role: Role | None = None

    def snippet(self, stage: Literal["build", "start", "check"]) -> str:
        """The shell snippet for a stage, or '' when the service needs nothing at that stage."""
        resource = resources.files("simulator.services") / self.name / f"{stage}.sh"
        return resource.read_text(encoding="utf-8") if resource.is_file() else ""

    def file(self, name: str) -> str:
        """An extra data file shipped beside the snippets (e.g. a config template)."""
        return (resources.files("simulator.services") / self.name / name).read_text(encoding="utf-8")


SERVICES: dict[str, Service] = {
    s.name: s
    for s in (
        Service("postgresql", ("postgresql",), "database"),
        Service("mariadb", ("mariadb-server", "mariadb-client"), "database"),
        # nginx fronts a small Python app that holds a connection pool to the scenario's databases
        Service("nginx", ("nginx-light", "python3-psycopg2", "python3-pymysql"), "application"),
        Service("coturn", ("coturn",), "av"),
        Service("kamailio", ("kamailio",), "av"),
        Service("janus", ("janus",), "av"),
    )
}
AV_SERVICES = frozenset(name for name, s in SERVICES.items() if s.role == "av")

# The physical hospital's systems the internet hospital exchanges with (spec `hospital:`): not inventory hosts.
HOSPITAL_SERVICES: dict[str, Service] = {
    s.name: s
    for s in (
        Service("pacs", ("dcmtk",)),  # storescp: the PACS (AE PACS, 104) and the pathology archive (11112)
        Service("his", ("python3-hl7", "nginx-light")),  # MLLP HIS (2575) and LIS (2576); FHIR and ECG over HTTP
    )
}

# Installed in every image (the "common" layer). debootstrap already gave openssh-server,
# iproute2, python3 and procps; these add the client tools the checker runs on a host, the
# power-management daemons (NUT, OpenIPMI) and the router's iptables.
COMMON = Service(
    "common",
    ("curl", "iperf3", "iptables", "ca-certificates", "nut-server", "nut-client", "openipmi", "ipmitool",
     "iputils-ping", "less",
     # the MLPS level 3 host baseline's tools (simulator/services/mlps): configured per scenario at start
     "auditd", "rsyslog", "logrotate", "chrony", "aide", "aide-common", "clamav-daemon", "libpam-pwquality",
     "rsync", "cron"),
)
SSHD = Service("sshd", ())
UPS = Service("ups", ())
BMC = Service("bmc", ())
ROUTER = Service("router", ())
INTERNET = Service("internet", ())  # runs in the nginx image, with its own site
MLPS = Service("mlps", ())  # hardens a hospital host for 等保三级, or leaves distribution defaults
FIREWALL = Service("firewall", ())  # the host's own packet filter, default deny (iptables: in the common image)
PUSHJOB = Service("pushjob", ())  # an application host's push to the supervision platform, logged

COMPONENTS: dict[str, Service] = {s.name: s for s in (COMMON, SSHD, UPS, BMC, ROUTER, INTERNET, PUSHJOB, MLPS,
                                                       FIREWALL)}
