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

Each protocol's model (its fields, default port and dialogue) is its module's in probes.protocols;
probes.protocols.registry assembles them into `ExchangeEndpoint`, a union picked by `protocol`.
Each exchange runs from the declaring host over its transport (`from: host`, the default: the path
that must work), or from the checker (`from: checker`); the evidence names which.
"""

from __future__ import annotations

from typing import Literal

from probes.protocols.declaration import Endpoint, PushLog, SystemKind
from probes.protocols.hl7 import MessageType, ProcessingId
from probes.protocols.registry import NAMES, ExchangeEndpoint, declare

__all__ = ["FUNCTIONS", "NAMES", "Endpoint", "ExchangeEndpoint", "Function", "MessageType", "ProcessingId", "PushLog",
           "SystemKind", "declare", "known_systems", "unique_names"]
Function = Literal["consultation", "outpatient", "pathology", "imaging", "ecg"]
FUNCTIONS: tuple[Function, ...] = ("consultation", "outpatient", "pathology", "imaging", "ecg")


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
