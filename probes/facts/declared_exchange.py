"""What a host declares about the hospital systems it exchanges with (`ihcheck_exchange`) and which
system provides each telemedicine function (`ihcheck_telemedicine`). Declared, never observed: each
entry is proven only by the protocol exchange probes.exchange carries out.

    ihcheck_exchange:
      - {name: pacs, system: pacs, protocol: dicom, address: 10.0.1.20, port: 104, called_ae_title: PACS}
      - {name: his, system: his, protocol: hl7v2, address: his.lan, port: 2575,
         receiving_application: HIS, receiving_facility: HOSPITAL}
      - {name: emr, system: emr, protocol: fhir, url: "https://emr.lan/fhir", ca_file: hospital-ca.pem}
      - {name: ecg, system: ecg, protocol: http, url: "http://ecg.lan/health", expect_status: 200, expect_text: OK}
      - {name: platform, system: platform, protocol: https, address: jg.example.gov.cn, port: 443,
         push_log: {path: /var/log/platform-push.log, success: "上传成功|OK", max_age_minutes: 15}}
    ihcheck_telemedicine: {consultation: emr, outpatient: emr, pathology: pathology, imaging: pacs, ecg: ecg}

Each exchange runs from the declaring host over its transport (`from: host`, the default: the path
that must work), or from the checker (`from: checker`); the evidence names which.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from probes.facts.base import Record

MessageType = Literal["NMQ^N01", "QRY^A19"]  # queries only: no event that a receiver would store
ProcessingId = Literal["D", "T"]  # debugging, training; never P (production)
URL = re.compile(r"^(https?)://(\[[0-9A-Fa-f:.]+\]|[^/\s:?#\[\]]+)(?::(\d{1,5}))?([/?#][^\s]*)?$")
SystemKind = Literal["his", "pacs", "ris", "lis", "emr", "platform", "ecg", "pathology"]
ExchangeProtocol = Literal["dicom", "hl7v2", "fhir", "https", "http"]
Function = Literal["consultation", "outpatient", "pathology", "imaging", "ecg"]
FUNCTIONS: tuple[Function, ...] = ("consultation", "outpatient", "pathology", "imaging", "ecg")
DEFAULT_PORT = {"dicom": 104, "hl7v2": 2575, "https": 443}
Port = Annotated[int, Field(ge=1, le=65535)]


class PushLog(Record):
    """Where the hospital's platform push job writes a line per push, so the age of the last success can be read."""

    path: str = Field(description="absolute path of the log on the pushing host")
    success: str = Field(default="OK|SUCCESS|成功", description="regex a successful push's line matches")
    max_age_minutes: Annotated[float, Field(gt=0)] = Field(description="the declared maximum age of the last success")

    @field_validator("path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"expected an absolute path on the host, got {value!r}")
        return value

    @field_validator("success")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value


class ExchangeEndpoint(Record):
    """One hospital system a host declares it exchanges with, and the protocol's own identifiers."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1)
    system: SystemKind
    protocol: ExchangeProtocol
    address: str | None = None
    port: Port | None = None
    url: str | None = Field(default=None, description="FHIR base URL, or the HTTP health URL")
    origin: Literal["host", "checker"] = Field(default="host", alias="from")
    timeout: Annotated[float, Field(gt=0, le=60)] = 10.0
    # DICOM
    called_ae_title: str | None = Field(default=None, max_length=16)
    calling_ae_title: str = Field(default="IHCHECK", min_length=1, max_length=16)
    # HL7 v2
    sending_application: str = "IHCHECK"
    sending_facility: str = "IHCHECK"
    receiving_application: str | None = None
    receiving_facility: str = ""
    message_type: MessageType = "NMQ^N01"
    processing_id: ProcessingId = "D"
    hl7_version: Literal["2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6"] = "2.5"
    # TLS (https, fhir/http over https, and MLLP or DICOM over TLS with `tls: true`)
    tls: bool = Field(default=False, description="hl7v2 (MLLP) or dicom over TLS; https URLs are TLS already")
    server_name: str | None = None
    ca_file: str | None = Field(default=None, description="CA bundle (PEM) on the machine the exchange runs from")
    # HTTP health
    expect_status: Annotated[int, Field(ge=100, le=599)] = 200
    expect_text: str | None = None
    # platform
    push_log: PushLog | None = None

    @model_validator(mode="after")
    def _complete(self) -> ExchangeEndpoint:
        needs: dict[str, tuple[str, ...]] = {
            "dicom": ("address", "called_ae_title"), "hl7v2": ("address", "receiving_application"),
            "https": ("address",), "fhir": ("url",), "http": ("url",),
        }
        for field in needs[self.protocol]:
            if getattr(self, field) in (None, ""):
                raise ValueError(f"{field} is required for protocol {self.protocol}")
        if self.url is not None:
            if URL.match(self.url) is None:
                raise ValueError(f"expected an http:// or https:// URL, got {self.url!r}")
            if self.protocol not in ("fhir", "http"):
                raise ValueError(f"url is for protocols fhir and http, not {self.protocol}")
        if self.tls and self.protocol not in ("hl7v2", "dicom"):
            raise ValueError(f"tls is for protocols hl7v2 and dicom; {self.protocol} says TLS by its address")
        if self.push_log is not None and self.system != "platform":
            raise ValueError("push_log is declared only for the platform (system: platform)")
        return self

    @property
    def target_port(self) -> int:
        return self.port or DEFAULT_PORT.get(self.protocol, 0)

    def describe(self) -> str:
        where = self.url or f"{self.address}:{self.target_port}"
        ids = ""
        if self.protocol == "dicom":
            ids = f" (AE {self.calling_ae_title} → {self.called_ae_title})"
        elif self.protocol == "hl7v2":
            ids = f" ({self.sending_application}^{self.sending_facility} → "
            ids += f"{self.receiving_application}^{self.receiving_facility})"
        return f"{self.name}: {self.system.upper()} {self.protocol} {where}{ids}"


def unique_names(exchange: tuple[ExchangeEndpoint, ...]) -> tuple[ExchangeEndpoint, ...]:
    names = [e.name for e in exchange]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"name {twice[0]!r} is declared twice")
    return exchange


def known_systems(telemedicine: dict[Function, str], exchange: tuple[ExchangeEndpoint, ...]) -> dict[Function, str]:
    """Each function names a declared exchange entry (ValueError naming the function otherwise)."""
    names = [e.name for e in exchange]
    for function, system in telemedicine.items():
        if system not in names:
            known = ", ".join(names) or "none declared"
            raise ValueError(f"{function}: {system!r} is not an ihcheck_exchange name ({known})")
    return telemedicine
