"""§8.1.4.6 可信验证 trusted verification."""

from __future__ import annotations

from checker.catalogue.mlps_judges.common import (
    ASSESSOR,
    Outcome,
    _ev,
)
from checker.model import Said, Verdict
from probes.facts import HostFacts
from probes.facts.baseline import BaselineFacts


def trusted_verification(host: HostFacts, b: BaselineFacts) -> Outcome:
    ev = [_ev(host, b, f"TPM device {'present (/sys/class/tpm)' if b.tpm else 'absent'}", "state")]
    if b.tpm:
        return Outcome(
            Verdict.INCONCLUSIVE,
            Said(
                "存在 TPM；系统引导程序和系统程序是否基于其进行可信验证、报警是否送至安全管理中心，",
                "a TPM is present; whether boot and programs are measured against it "
                "and alarms reach the security management centre ",
            )
            + ASSESSOR,
            tuple(ev),
        )
    return Outcome(
        Verdict.INCONCLUSIVE,
        Said(
            "未发现 TPM：本主机无法表明可信验证（",
            "no TPM visible: trusted verification cannot be shown by this host (",
        )
        + ASSESSOR
        + Said("，例如可信计算产品的报告）", ", e.g. a trusted-computing product's report)"),
        tuple(ev),
    )
