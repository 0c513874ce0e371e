"""§8.1.4.8 数据保密性 a): important data in transit, judged from what the exchange probes saw on the wire.

A design document may say that medical data travels only over TLS; the same run may show it does not. The
exchanges a host ran with the hospital's systems (probes.exchange) record whether each dialogue ran inside TLS,
so a medical-data protocol (HL7 v2 over MLLP, DICOM, FHIR, the platform feed) answered in clear is a failure
no document can stand in for. An ECG or other health endpoint (protocol http) carries no medical data and is
not judged. With no cleartext seen, the item stays a design matter (other flows are not visible from here).
"""

from __future__ import annotations

from checker.catalogue.mlps_judges.common import ASSESSOR, Outcome
from checker.model import Evidence, Said, Verdict
from probes.facts import HostFacts
from probes.facts.baseline import BaselineFacts
from probes.facts.exchange import ObservedExchange

MEDICAL = ("hl7v2", "dicom", "fhir")  # the declared protocols that carry medical data
SPOKEN = ("ok", "rejected")  # the peer answered in its protocol: the dialogue (and its data) crossed the wire


def _carries_medical_data(observed: ObservedExchange) -> bool:
    return observed.endpoint.protocol in MEDICAL or observed.endpoint.system == "platform"


def _in_clear(observed: ObservedExchange) -> bool:
    r = observed.result
    return r.outcome in SPOKEN and r.tls is None and r.protocol != "tls"


def transit_confidentiality(host: HostFacts, b: BaselineFacts) -> Outcome:
    exchanges = [o for o in (host.exchange.exchanges if host.exchange is not None else ())
                 if _carries_medical_data(o)]
    clear = [o for o in exchanges if _in_clear(o)]
    sealed = [o for o in exchanges if o.result.tls is not None and o.result.outcome in SPOKEN]
    evidence = tuple(Evidence(host=host.name, observations=tuple(x for r in o.results for x in r.observations),
                              statement=f"{host.name}: {o.endpoint.name} ({o.endpoint.protocol}) "
                              f"{o.result.target} answered "
                              + (f"inside TLS ({o.result.tls.version})" if o.result.tls is not None
                                 else "in clear, without TLS"))
                     for o in [*clear, *sealed])
    if clear:
        names = ", ".join(f"{o.endpoint.name} ({o.endpoint.protocol.upper()} {o.result.target})" for o in clear)
        said = Said(f"本次检查观测到医疗数据以明文传输：{names}；设计文件不能替代观测到的明文传输",
                    f"this run observed medical data sent in clear: {names}; a design document cannot stand in "
                    "for cleartext seen on the wire")
        return Outcome(Verdict.FAIL, said, evidence)
    if sealed:
        names = ", ".join(o.endpoint.name for o in sealed)
        said = Said(f"本主机与医院系统的交互均在 TLS 内（{names}）；其他数据流属于设计问题，",
                    f"this host's exchanges with the hospital's systems ran inside TLS ({names}); other flows are a "
                    "design matter: ")
        return Outcome(Verdict.INCONCLUSIVE, said + ASSESSOR, evidence)
    return Outcome(Verdict.INCONCLUSIVE, Said("本主机未与医院系统交互；哪些服务承载重要数据属于设计问题，",
                                              "no exchange with the hospital's systems ran from this host; which "
                                              "services carry important data is a design matter: ") + ASSESSOR)
