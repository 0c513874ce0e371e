"""What the inventory's `ihcheck_*` variables declare about a host: declared, never observed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from probes.facts.base import Record
from probes.facts.declared_exchange import ExchangeEndpoint, Function, known_systems, unique_names
from probes.facts.pilot import Programme
from probes.facts.public_pages import PublicPage

Port = Annotated[int, Field(ge=1, le=65535)]


def safe_token(value: str) -> bool:
    """A host name, address or user that no transport can mistake for an option or split in two.

    >>> [safe_token(v) for v in ("db1", "10.0.0.1", "-V", "a b", "x\\x1b[31m", "fe80::1%eth0", "")]
    [True, True, False, False, False, True, False]
    """
    return bool(value) and not value.startswith("-") and value.isprintable() and not any(c.isspace() for c in value)


def _token(value: str) -> str:
    if not safe_token(value):
        raise ValueError(f"must not be empty, start with '-' or hold whitespace or control characters: {value!r}")
    return value


class BmcAccess(Record):
    """Where a host's baseboard management controller answers IPMI."""

    address: str
    user: str
    password: SecretStr = Field(description="dumped as '**********': secrets never reach results or evidence")
    interface: Literal["lanplus", "lan"] = "lanplus"
    port: Port = 623
    cipher_suite: Annotated[int, Field(ge=0, le=17)] | None = Field(
        default=None, description="IPMI 2.0 cipher suite (ipmitool -C); unset, ipmitool negotiates one")

    _tokens = field_validator("address", "user")(_token)


class AvEndpoint(Record):
    """An audio/video system the hospital declares (e.g. a vendor's cloud endpoint) for the checker to probe."""

    name: str
    kind: Literal["stun", "turn", "sip", "webrtc-gateway", "http"]
    address: str
    port: Port
    transport: Literal["udp", "tcp"] = "udp"
    path: str | None = None

    _address = field_validator("address")(_token)


class Declarations(Record):
    """The `ihcheck_*` variables of one host, without their prefix. Declared, never observed."""

    role: tuple[str, ...] = ()
    datacenter: str | None = None
    transport: Literal["paramiko", "ssh", "ansible"] | None = None
    known_hosts: Path | None = None
    simulated_identities: Path | None = None
    # A simulation's declaration that its containers (one kernel) stand for separate servers: reported as
    # simulated, never as observed, and only ever set by the ihcheck simulator's inventory.
    simulated_separate_servers: bool = False
    echo_url: str | None = None
    measure_endpoint: tuple[str, ...] = ()  # one iperf3 server per uplink lets the uplinks be measured at once
    measure_seconds: Annotated[float, Field(gt=0, le=60)] = 4.0
    cloud_metadata_url: str | None = None
    bmc: BmcAccess | None = None
    ups: tuple[str, ...] = ()
    power_attestation: Path | None = None
    documents_dir: Path | None = None
    av_endpoints: tuple[AvEndpoint, ...] = ()
    exchange: tuple[ExchangeEndpoint, ...] = ()  # hospital systems (HIS, PACS, LIS, platform…): declared_exchange
    telemedicine: dict[Function, str] = Field(default_factory=dict)  # function → the ihcheck_exchange name serving it

    @field_validator("exchange")
    @classmethod
    def _unique(cls, value: tuple[ExchangeEndpoint, ...]) -> tuple[ExchangeEndpoint, ...]:
        return unique_names(value)

    @field_validator("telemedicine")
    @classmethod
    def _known(cls, value: dict[Function, str], info: ValidationInfo) -> dict[Function, str]:
        return known_systems(value, info.data.get("exchange", ()))
    programmes: tuple[Programme, ...] = ()  # programmes the hospital takes part in (probes.programmes)
    mlps_evidence: dict[Annotated[str, Field(pattern=r"^L3-CES1-(0[1-9]|1[0-57-9]|2[0-9]|3[0-5])$")], Path] = Field(
        default_factory=dict, description="MLPS item (L3-CES1-xx) → a document attesting what the host cannot show")
    # the patient-facing pages showing the licence, schedules, reply time limit and fees (GD2020 四(二)): fetched
    # from the checker, read-only (probes.public_pages)
    public_pages: tuple[PublicPage, ...] = ()
    backup_dirs: tuple[Annotated[str, Field(pattern=r"^/[\w./-]*$")], ...] = Field(
        default=(), description="directories on the host where backups land: their newest file's age is observed")

    @field_validator("known_hosts", "simulated_identities", "power_attestation", "documents_dir")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value else value

    @field_validator("echo_url", "cloud_metadata_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        # Handed to curl on the host: anything but an http(s) URL could be read as one of curl's options.
        if value is not None and (not value.startswith(("http://", "https://")) or not safe_token(value)):
            raise ValueError(f"expected an http:// or https:// URL without spaces, got {value!r}")
        return value

    @field_validator("ups", "measure_endpoint")
    @classmethod
    def _tokens(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            _token(item)
        return value

    @field_validator("mlps_evidence")
    @classmethod
    def _expand_all(cls, value: dict[str, Path]) -> dict[str, Path]:
        return {k: v.expanduser() for k, v in value.items()}

    @field_validator("role", "ups", "measure_endpoint", "backup_dirs", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return () if value is None else (value,) if isinstance(value, str) else value

    @field_validator("measure_endpoint")
    @classmethod
    def _host_port(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            host, sep, port = item.rpartition(":")
            if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
                raise ValueError(f"expected HOST:PORT, got {item!r}")
        if len(set(value)) != len(value):
            raise ValueError(f"an endpoint is listed twice: {list(value)!r}")
        return value
