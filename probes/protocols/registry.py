"""The protocols ihcheck speaks to a hospital's systems: one module each (its declaration model, default port,
request and interpretation), registered here once. A declaration picks its model by `protocol` (a pydantic
discriminated union), so an entry naming a protocol not in this table is an input error when the inventory is
read — before any host is contacted — and never falls through to another protocol's dialogue.

Adding a protocol: write probes/protocols/<name>.py with an `Endpoint` subclass (its `protocol` literal,
`default_port`, fields and `plan()`), and add the class to `PROTOCOLS` below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import BeforeValidator, Field, TypeAdapter

from probes.protocols.declaration import Endpoint
from probes.protocols.dicom import DicomEndpoint
from probes.protocols.fhir import FhirEndpoint
from probes.protocols.hl7 import Hl7Endpoint
from probes.protocols.http import HttpEndpoint
from probes.protocols.tls import HttpsEndpoint

PROTOCOLS: tuple[type[Endpoint], ...] = (DicomEndpoint, Hl7Endpoint, FhirEndpoint, HttpsEndpoint, HttpEndpoint)


def _tag(model: type[Endpoint]) -> str:
    annotation = model.model_fields["protocol"].annotation
    (value,) = annotation.__args__  # type: ignore[union-attr]  # Literal["dicom"]
    return str(value)


BY_NAME: dict[str, type[Endpoint]] = {_tag(m): m for m in PROTOCOLS}
NAMES: tuple[str, ...] = tuple(BY_NAME)


def _known(value: Any) -> Any:
    """An unknown or missing protocol in one line naming the ones there are (the union would print the input)."""
    if isinstance(value, dict):
        protocol = value.get("protocol")
        if protocol not in BY_NAME:
            said = "no protocol" if protocol is None else f"protocol {protocol!r}"
            raise ValueError(f"{said}: ihcheck speaks {', '.join(NAMES)}")
    return value


if TYPE_CHECKING:
    ExchangeEndpoint = Endpoint
else:
    ExchangeEndpoint = Annotated[Union[PROTOCOLS], Field(discriminator="protocol"), BeforeValidator(_known)]  # noqa: UP007

_ADAPTER: TypeAdapter[Endpoint] = TypeAdapter(ExchangeEndpoint)


def declare(entry: Any) -> Endpoint:
    """One `ihcheck_exchange` entry as its protocol's model (pydantic ValidationError when it is not one)."""
    return _ADAPTER.validate_python(entry)
