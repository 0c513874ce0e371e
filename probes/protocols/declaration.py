"""What every declared exchange has in common (`ihcheck_exchange` entries), whatever its protocol: a name, the
hospital system it stands for, where it is, where to run it from, how long to wait. Each protocol module
subclasses `Endpoint` with its own identifiers and the `protocol` literal that picks it out of the union
(probes.protocols.registry), and says how to talk to it (`plan`).

Declared, never observed: an entry is proven only by the exchange probes.exchange carries out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from probes.facts.base import Record
from probes.protocols.reply import ExchangeResult, Protocol, Request, WireReply

SystemKind = Literal["his", "pacs", "ris", "lis", "emr", "platform", "ecg", "pathology"]
Port = Annotated[int, Field(ge=1, le=65535)]
URL = re.compile(r"^(https?)://(\[[0-9A-Fa-f:.]+\]|[^/\s:?#\[\]]+)(?::(\d{1,5}))?([/?#][^\s]*)?$")
Interpret = Callable[[WireReply], ExchangeResult]
# Fields every entry had before each protocol got its own model, with the value they then held when they did not
# apply: a recorded result (tests/data, a regulator's archive) still reads when the other protocols' unused fields
# are there at these values, and an entry is written with them, in the order they had, so result.json and the
# bundle keep their schema.
LEGACY_ORDER = ("name", "system", "protocol", "address", "port", "url", "origin", "timeout", "called_ae_title",
                "calling_ae_title", "sending_application", "sending_facility", "receiving_application",
                "receiving_facility", "message_type", "processing_id", "hl7_version", "tls", "server_name", "ca_file",
                "expect_status", "expect_text", "push_log")
LEGACY_UNUSED: dict[str, object] = {
    "address": None, "port": None, "url": None, "called_ae_title": None, "calling_ae_title": "IHCHECK",
    "sending_application": "IHCHECK", "sending_facility": "IHCHECK", "receiving_application": None,
    "receiving_facility": "", "message_type": "NMQ^N01", "processing_id": "D", "hl7_version": "2.5", "tls": False,
    "server_name": None, "ca_file": None, "expect_status": 200, "expect_text": None,
}


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


class OverTls(Record):
    """For a protocol that can run inside TLS when declared so (`tls: true`: MLLP, DICOM), verified against the
    declared CA (or the system store) and name (the address by default); https URLs say TLS by themselves."""

    tls: bool = Field(default=False, description="the protocol runs inside TLS")
    server_name: str | None = None
    ca_file: str | None = Field(default=None, description="CA bundle (PEM) on the machine the exchange runs from")

    def over_tls(self, request: Request, address: str) -> Request:
        """The same dialogue, encrypted in transit, when the endpoint says so."""
        if not self.tls:
            return request
        return request.model_copy(update={"tls": True, "tls_cafile": self.ca_file,
                                          "tls_server_name": self.server_name or address,
                                          "label": f"{request.label} over TLS"})


class Endpoint(Record):
    """One hospital system a host declares it exchanges with; a protocol module's model adds its identifiers."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    default_port: ClassVar[int | None] = None
    takes_url: ClassVar[bool] = False
    speaks: ClassVar[Protocol]  # the protocol its results name (an `https` declaration is proven by a TLS handshake)

    name: str = Field(min_length=1)
    system: SystemKind
    protocol: str
    address: str | None = None
    port: Port | None = None
    url: str | None = Field(default=None, description="FHIR base URL, or the HTTP health URL")
    origin: Literal["host", "checker"] = Field(default="host", alias="from")
    timeout: Annotated[float, Field(gt=0, le=60)] = 10.0
    push_log: PushLog | None = None
    # the supervision platform's environments (GD2020 二(三)2: 测试环境、正式环境), each declared as its own entry
    environment: Literal["test", "production"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        """A recorded entry from before the split carries every protocol's fields: drop those of other protocols
        that still hold their unused value (anything else stays, and `extra="forbid"` names it)."""
        if isinstance(data, dict):
            own = set(cls.model_fields) | {"from"}
            return {k: v for k, v in data.items() if k in own or k not in LEGACY_UNUSED or v != LEGACY_UNUSED[k]}
        return data

    @model_serializer(mode="wrap")
    def _flat(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Written as every entry was before the split: the other protocols' fields at their unused values."""
        data: dict[str, Any] = handler(self)
        origin = "from" if "from" in data else "origin"
        ordered = {(origin if k == "origin" else k): data.get(origin if k == "origin" else k, LEGACY_UNUSED.get(k))
                   for k in LEGACY_ORDER}
        return ordered | {k: v for k, v in data.items() if k not in ordered}

    @model_validator(mode="after")
    def _placed(self) -> Endpoint:
        if self.url is not None:
            if URL.match(self.url) is None:
                raise ValueError(f"expected an http:// or https:// URL, got {self.url!r}")
            if not self.takes_url:
                raise ValueError(f"url is for protocols fhir and http, not {self.protocol}")
        if self.push_log is not None and self.system != "platform":
            raise ValueError("push_log is declared only for the platform (system: platform)")
        return self

    @property
    def target_port(self) -> int:
        return self.port or self.default_port or 0

    def identifiers(self) -> str:
        """The protocol's own identifiers, for a line of the report (' (AE A → B)'); none by default."""
        return ""

    def describe(self) -> str:
        where = self.url or f"{self.address}:{self.target_port}"
        return f"{self.name}: {self.system.upper()} {self.protocol} {where}{self.identifiers()}"

    def plan(self) -> tuple[Request, Interpret]:
        """The dialogue this declaration calls for, and how to read its reply."""
        raise NotImplementedError(f"protocol {self.protocol} has no dialogue")
