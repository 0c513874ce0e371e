"""The declarative deployment spec: one YAML file per scenario, validated by pydantic.

A scenario says which hospital hosts exist (their services, uplinks, power, whether sshd is
up), which uplinks leave the hospital (ISP, ASN, bandwidth, the simulated public identity of
their egress address), which audio/video systems run where, and which verdicts the checker is
expected to reach. Everything the simulator boots follows from this file.

A fault is an overlay: `extends: compliant`, then only what the fault changes (a mapping is merged into
the base's, `null` removes a key, a list replaces the base's) and only the verdicts it expects to change.
Expectations are derived from the rule catalogue, never listed here: the base expects every rule of the
catalogue to pass; a file's `expect` changes that for a rule id, or for every rule with a tag
(`tag:pilot: null`), and `null` means "not compared". So a new rule needs no edit to any scenario unless a
fault should change its verdict.

A bad spec is one line naming the file and the field path (`SpecError`), never a traceback.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from checker.errors import InputError
from simulator.services import AV_SERVICES, HOSPITAL_SERVICES, SERVICES, Role

Expected = Literal["pass", "fail", "inconclusive", "error", "not_applicable"]
# The tag of the rules a hospital's declared pilot (`pilot:`) is judged by: stated exactly where a pilot is declared.
PILOT_TAG = "pilot"
TAG = "tag:"  # an `expect` key naming every rule with a tag, e.g. `tag:mlps: null`

# Names end up in container, network and interface-adjacent names, so keep them short and plain.
_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")
_SCENARIO_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")


class SpecError(InputError):
    """A scenario file that cannot be used; the message is one line: `file: field.path: problem`."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Identity(_Strict):
    """The public identity a geo/ASN lookup would give the uplink's egress address (simulated)."""

    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
    region: str
    city: str
    asn: Annotated[int, Field(ge=1, le=4_294_967_295)]
    as_org: str
    isp: str


class Uplink(_Strict):
    """One internet line: a router container that NATs and rate-limits to `bandwidth_mbps`."""

    isp: str
    asn: Annotated[int, Field(ge=1, le=4_294_967_295)]
    bandwidth_mbps: Annotated[float, Field(gt=0, le=1000)]
    identity: Identity


class Power(_Strict):
    """How a host is powered. The BMC always shows max(2, psus) supply bays; absent bays read empty."""

    psus: Annotated[int, Field(ge=1, le=4)] = 2
    psu_failed: Annotated[int, Field(ge=0, le=4)] = 0
    ups: bool = True
    attestation: str | None = None  # facility document text (dual utility feed, generator, ...)


class Host(_Strict):
    """A hospital server: a container on the LAN with interfaces on the uplinks it uses."""

    services: tuple[str, ...] = ()
    roles: tuple[Role, ...] | None = None  # declared roles; default: derived from the services
    uplinks: tuple[str, ...] | None = None  # default: every uplink, in spec order
    power: Power = Power()
    sshd: Literal["up", "down"] = "up"
    # where its database engines listen: the LAN address and loopback (as a DB server behind the boundary should),
    # or every address, its uplinks' included (a fault: GB/T 22239 8.1.3.1 a), the host's part)
    db_listen: Literal["lan", "all"] = "lan"

    @field_validator("services")
    @classmethod
    def _known_services(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for index, name in enumerate(value):
            if name not in SERVICES:
                raise _ItemError(index, f"unknown service {name!r} (known: {', '.join(sorted(SERVICES))})")
        if len(set(value)) != len(value):
            raise ValueError("a service is listed twice")
        return value

    def declared_roles(self) -> tuple[Role, ...]:
        if self.roles is not None:
            return self.roles
        derived: list[Role] = []
        for name in self.services:
            role = SERVICES[name].role
            if role is not None and role not in derived:
                derived.append(role)
        return tuple(derived)


class AvSystem(_Strict):
    """An audio/video system: a set of A/V services on one host that together serve consultations."""

    host: str
    services: Annotated[tuple[str, ...], Field(min_length=1)]


class HospitalSystem(_Strict):
    """A system of the physical hospital the internet hospital exchanges with (HIS/LIS, PACS): a container on
    the LAN that is not an inventory host. `stopped` services are installed but not started (a fault);
    `hl7_ack` is what its MLLP listeners answer (AR: the application rejects every message)."""

    services: Annotated[tuple[str, ...], Field(min_length=1)]
    stopped: tuple[str, ...] = ()
    hl7_ack: Literal["AA", "AR"] = "AA"

    @field_validator("services")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for index, name in enumerate(value):
            if name not in HOSPITAL_SERVICES:
                known = ", ".join(sorted(HOSPITAL_SERVICES))
                raise _ItemError(index, f"unknown hospital service {name!r} (known: {known})")
        return value


class Platform(_Strict):
    """The provincial supervision platform, served over TLS by the simulated internet with a certificate from
    a CA the simulator makes at boot; `expired` makes that certificate one that expired last month."""

    certificate: Literal["valid", "expired"] = "valid"
    max_push_age_minutes: Annotated[float, Field(gt=0)] = 15


class Pilot(_Strict):
    """The simulated hospital takes part in the Beijing 2026 first-visit pilot (simulator.pilot_records)."""

    database: str  # the host whose PostgreSQL keeps the first-visit table
    audit_host: str  # the host keeping the hash-chained audit log
    lapsed: bool = False  # whitelist-lapsed: one physician under three years, one without training
    edited_record: Annotated[int | None, Field(ge=1)] = None  # trail-edited: this audit record changed afterwards


class DnsAbroad(_Strict):
    """One host's resolver pointed at an address of the simulated internet that the identity table places abroad."""

    host: str
    identity: Identity


class Scenario(_Strict):
    """A whole simulated deployment and the verdicts the checker should reach on it."""

    description: Annotated[str, Field(min_length=1)]
    uplinks: Annotated[dict[str, Uplink], Field(min_length=1)]
    hosts: Annotated[dict[str, Host], Field(min_length=1)]
    av_systems: dict[str, AvSystem] = {}
    # How the hosts' operating systems are configured: MLPS level 3 hardened (the default, what a hospital
    # passing 等保三级 runs) or as the distribution ships them (simulator/services/mlps/start.sh).
    mlps: Literal["hardened", "defaults"] = "hardened"
    # Documents every host names for MLPS items it cannot show itself (unit → the document's text).
    mlps_evidence: dict[str, str] = {}
    # The 测评结论 the simulated 等级测评报告 in the documents folder states (None: no report in the folder).
    mlps_report: Literal["符合", "基本符合", "不符合"] | None = "符合"
    hospital: dict[str, HospitalSystem] = {}
    platform: Platform | None = None
    pilot: Pilot | None = None
    # The patient-facing page the application host's nginx serves (simulator/public_page.py): complete, or without
    # the licence number (a fault); and a host whose DNS server is abroad (a fault), or none.
    public_page: Literal["complete", "no-licence"] = "complete"
    dns_abroad: DnsAbroad | None = None
    # The full expectation, derived by `load` from the catalogue and the file's (and its bases') `expect`.
    expect: dict[str, Expected]

    @field_validator("description")
    @classmethod
    def _one_line(cls, value: str) -> str:
        value = value.strip()
        if "\n" in value:
            raise ValueError("must be one line")
        return value

    @field_validator("mlps_evidence")
    @classmethod
    def _known_units(cls, value: dict[str, str]) -> dict[str, str]:
        from checker.catalogue.mlps import CHECKS_BY_UNIT

        unknown = [unit for unit in value if unit not in CHECKS_BY_UNIT]
        if unknown:
            raise ValueError(f"unknown MLPS unit {unknown[0]!r} (GB/T 28448-2019 L3-CES1-01 … 35, no 16)")
        return value

    def host_uplinks(self, host: str) -> tuple[str, ...]:
        chosen = self.hosts[host].uplinks
        return tuple(self.uplinks) if chosen is None else chosen


class _ItemError(ValueError):
    """A validation error about one item of a list, so the path can name `[index]`."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


def _cross_check(scenario: Scenario) -> tuple[str, str] | None:
    """References between sections, which field validators cannot see. Returns (path, problem)."""
    for kind, names in (("uplink", scenario.uplinks), ("host", scenario.hosts)):
        for name in names:
            if not _NAME.match(name):
                return f"{kind}s.{name}", "name must be 1-12 of a-z, 0-9, starting with a letter"
    if "internet" in scenario.hosts:
        return "hosts.internet", "the name 'internet' is taken by the simulated internet's container"
    for name, host in scenario.hosts.items():
        for index, uplink in enumerate(host.uplinks or ()):
            if uplink not in scenario.uplinks:
                return f"hosts.{name}.uplinks[{index}]", f"unknown uplink {uplink!r}"
        if host.power.psu_failed > host.power.psus:
            return f"hosts.{name}.power.psu_failed", f"{host.power.psu_failed} failed of {host.power.psus} installed"
    for name, hospital_system in scenario.hospital.items():
        if not _NAME.match(name) or name in scenario.hosts or name == "internet":
            return f"hospital.{name}", "name must be 1-12 of a-z, 0-9, starting with a letter, and not a host's"
        for index, service in enumerate(hospital_system.stopped):
            if service not in hospital_system.services:
                return f"hospital.{name}.stopped[{index}]", f"{service!r} is not one of its services"
    if scenario.dns_abroad is not None and scenario.dns_abroad.host not in scenario.hosts:
        return "dns_abroad.host", f"unknown host {scenario.dns_abroad.host!r}"
    for name, system in scenario.av_systems.items():
        if system.host not in scenario.hosts:
            return f"av_systems.{name}.host", f"unknown host {system.host!r}"
        runs = scenario.hosts[system.host].services
        for index, service in enumerate(system.services):
            if service not in AV_SERVICES:
                return f"av_systems.{name}.services[{index}]", f"{service!r} is not an audio/video service"
            if service not in runs:
                return f"av_systems.{name}.services[{index}]", f"host {system.host!r} does not run {service!r}"
    return _pilot_cross_check(scenario)


def _pilot_cross_check(scenario: Scenario) -> tuple[str, str] | None:
    pilot = scenario.pilot
    pilot_rules = tagged(PILOT_TAG)
    if pilot is None:
        stated = [r for r in pilot_rules if r in scenario.expect]
        return ("expect", f"{stated[0]} is stated but the hospital declares no pilot (pilot:); "
                f"say `{TAG}{PILOT_TAG}: null`") if stated else None
    if pilot.database not in scenario.hosts or "postgresql" not in scenario.hosts[pilot.database].services:
        return "pilot.database", f"{pilot.database!r} is not a host running postgresql"
    if pilot.audit_host not in scenario.hosts:
        return "pilot.audit_host", f"unknown host {pilot.audit_host!r}"
    from simulator.pilot_records import audit_events

    if pilot.edited_record is not None and pilot.edited_record > len(audit_events()):
        return "pilot.edited_record", f"the audit log has {len(audit_events())} records"
    missing = [r for r in pilot_rules if r not in scenario.expect]
    return ("expect", f"missing expected verdict for {', '.join(missing)}") if missing else None


def _format_error(error: Any) -> tuple[str, str]:
    parts: list[str] = []
    for item in error["loc"]:
        if isinstance(item, int) and parts:
            parts[-1] = f"{parts[-1]}[{item}]"
        else:
            parts.append(str(item))
    message = str(error["msg"]).removeprefix("Value error, ")
    context = error.get("ctx") or {}
    cause = context.get("error")
    if isinstance(cause, _ItemError) and parts:
        parts[-1] = f"{parts[-1]}[{cause.index}]"
        message = str(cause)
    elif error["type"] == "extra_forbidden":
        message = "unknown field"
    elif error["type"] == "literal_error":
        message = f"{message}, got {error['input']!r}"
    return ".".join(parts) or "(top level)", message


def scenario_dir() -> Path:
    """Where the shipped scenarios live (package data)."""
    return Path(str(resources.files("simulator") / "scenarios"))


def shipped_scenarios() -> list[str]:
    return sorted(p.stem for p in scenario_dir().glob("*.yaml"))


def resolve(name_or_path: str | Path) -> Path:
    """A scenario name (`compliant`) or a path to a YAML file, as a path to the file."""
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or "/" in text:
        path = Path(text)
        if not path.is_file():
            raise SpecError(f"{text}: no such scenario file")
        return path
    path = scenario_dir() / f"{text}.yaml"
    if not path.is_file():
        raise SpecError(f"{text}: unknown scenario (shipped: {', '.join(shipped_scenarios())})")
    return path


def scenario_name(path: Path) -> str:
    name = path.stem
    if not _SCENARIO_NAME.match(name):
        raise SpecError(f"{path}: scenario file name must be 1-24 of a-z, 0-9 and '-' (it names containers)")
    return name


def tagged(tag: str) -> tuple[str, ...]:
    """The ids of the catalogue's rules with `tag`, in catalogue order."""
    from checker.catalogue import CATALOGUE

    return tuple(r.id for r in CATALOGUE if tag in r.tags)


def _read(path: Path) -> dict[str, Any]:
    """One scenario file's own mapping, before its base is merged in. Raises SpecError (one line)."""
    shown = _shown(path)
    from checker.errors import InputError
    from probes.limits import check_yaml_shape, read_text_limited

    try:
        text = read_text_limited(path, "scenario spec")
        data = yaml.safe_load(text)
        check_yaml_shape(text, path, "scenario spec")
    except InputError as exc:
        raise SpecError(str(exc).replace(str(path), shown, 1)) from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise SpecError(f"{shown}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "YAML"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(f"{shown}: {where}: {problem}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{shown}: (top level): expected a mapping")
    return data


def merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """`overlay` over `base`: mappings merged key by key (the base's order kept, new keys after it), `None`
    removes a key, anything else (a list, a scalar) replaces the base's value.

    >>> merge({"hosts": {"app1": {"sshd": "up"}, "db1": {}}}, {"hosts": {"db1": None, "av1": {}}})
    {'hosts': {'app1': {'sshd': 'up'}, 'av1': {}}}
    """
    merged = dict(base)
    for key, value in overlay.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _expectations(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """The file's `expect` applied to its base's (for a base file: to every rule passing). A `tag:X` key applies
    before the rule ids of the same file, so a file can say `tag:mlps: null` and still expect one item."""
    from checker.catalogue import CATALOGUE, select

    shown = _shown(path)
    layer = data.get("expect") or {}
    if not isinstance(layer, dict):
        raise SpecError(f"{shown}: expect: expected a mapping of rule id (or tag:NAME) to verdict or null")
    allowed = get_args(Expected)
    tags = {t for r in CATALOGUE for t in r.tags}
    ids = {r.id for r in CATALOGUE}
    for key, verdict in layer.items():
        if verdict is not None and verdict not in allowed:
            choices = ", ".join(repr(a) for a in allowed[:-1]) + f" or {allowed[-1]!r}"
            raise SpecError(f"{shown}: expect.{key}: Input should be {choices} (or null: not compared), "
                            f"got {verdict!r}")
        if str(key).startswith(TAG) and str(key).removeprefix(TAG) not in tags:
            raise SpecError(f"{shown}: expect.{key}: no rule has this tag (tags: {', '.join(sorted(tags))})")
        if not str(key).startswith(TAG) and key not in ids:
            raise SpecError(f"{shown}: expect.{key}: unknown rule (see `ihcheck rules`)")
    expect: dict[str, Any] = data["_expect_base"] if "_expect_base" in data else {
        r.id: "pass" for r in select(None, CATALOGUE)}
    expect = dict(expect)
    for key, verdict in sorted(layer.items(), key=lambda kv: not str(kv[0]).startswith(TAG)):
        for rule in tagged(str(key).removeprefix(TAG)) if str(key).startswith(TAG) else (str(key),):
            if verdict is None:
                expect.pop(rule, None)
            else:
                expect[rule] = verdict
    return expect


def _resolved(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The file merged over the base it `extends` (a shipped scenario's name, or a path beside the file), with the
    full expectation derived. A file extends at most a chain of others, never itself."""
    data = _read(path)
    base_name = data.pop("extends", None)
    if base_name is None:
        return {**data, "expect": _expectations(path, data)}
    if not isinstance(base_name, str):
        raise SpecError(f"{_shown(path)}: extends: expected a scenario name or a path")
    sibling = path.parent / (base_name if base_name.endswith((".yaml", ".yml")) else f"{base_name}.yaml")
    try:
        base_path = sibling if sibling.is_file() else resolve(base_name)
    except SpecError as exc:
        raise SpecError(f"{_shown(path)}: extends: {exc}") from None
    if base_path.resolve() in chain or base_path.resolve() == path.resolve():
        raise SpecError(f"{_shown(path)}: extends: {base_name!r} extends this file again (a cycle)")
    base = _resolved(base_path, (*chain, path.resolve()))
    own = {k: v for k, v in data.items() if k != "expect"}
    merged = merge({k: v for k, v in base.items() if k != "expect"}, own)
    return {**merged, "expect": _expectations(path, {**data, "_expect_base": base["expect"]})}


def load(name_or_path: str | Path) -> tuple[str, Scenario]:
    """Read and validate a scenario, merged over the base it extends; returns (scenario name, spec).
    Raises SpecError (one line)."""
    path = resolve(name_or_path)
    name = scenario_name(path)
    shown = _shown(path)
    data = _resolved(path)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        field, message = _format_error(exc.errors()[0])
        raise SpecError(f"{shown}: {field}: {message}") from None
    problem = _cross_check(scenario)
    if problem is not None:
        raise SpecError(f"{shown}: {problem[0]}: {problem[1]}")
    return name, scenario


def _shown(path: Path) -> str:
    """The path as the user would recognise it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
