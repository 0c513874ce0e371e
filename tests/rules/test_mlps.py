"""The MLPS level 3 host-baseline rules: every item in the catalogue, each judged on its examples.

The examples (tests/rules/mlps_examples.py) are Debian hosts as text — files and command outputs —
run through the probe's own parsing, so a verdict here is what a real host with those files gets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import pytest

from checker.catalogue import CATALOGUE
from checker.catalogue.clauses.gbt22239 import ITEMS
from checker.catalogue.mlps import CHECKS, CHECKS_BY_UNIT, judge_host, rule_id
from probes.facts import HostFacts
from probes.facts.baseline import BaselineFacts, MacState, Retention, Setting, UpdateState
from tests.rules.mlps_examples import EXAMPLES, attested, defaults, hardened, host
from tests.rules.test_reasons_zh import says_the_same


def test_all_34_items_are_in_the_catalogue() -> None:
    units = [i.unit for i in ITEMS]
    assert len(units) == 34 and "L3-CES1-16" not in units
    assert units[0] == "L3-CES1-01" and units[-1] == "L3-CES1-35"
    ids = {r.id for r in CATALOGUE}
    assert {rule_id(u) for u in units} <= ids
    assert [c.unit for c in CHECKS] == units
    for rule in CATALOGUE:
        if rule.id.startswith("GD2020-1.2.1-l3-"):
            assert rule.clause.ref == "一(二)1" and "第三级信息安全等级保护" in rule.clause.text_zh
            assert rule.standard is not None and rule.standard.document.id == "GB/T 22239-2019"
            assert rule.scope == "host"


@pytest.mark.parametrize(("unit", "verdict", "make"), EXAMPLES,
                         ids=[f"{u}-{v}-{i}" for i, (u, v, _) in enumerate(EXAMPLES)])
def test_examples(unit: str, verdict: str, make: object) -> None:
    facts = make()  # type: ignore[operator]
    finding = judge_host(CHECKS_BY_UNIT[unit], facts)
    assert finding.verdict.value == verdict, finding.reason
    assert finding.details["unit"] == unit and finding.details["standard"]
    # every path says its reason, and the assessor's 实际情况, in Chinese beside the English, with the same figures
    assert says_the_same(finding) == []
    actual, actual_zh = finding.details["actual"], finding.details["actual_zh"]
    assert finding.reason == f"{facts.name}: {actual}" and finding.reason_zh == f"{facts.name}：{actual_zh}"
    if verdict == "fail":
        assert finding.details["remediation"] and finding.details["conclusion"] in ("不符合", "部分符合")
    if verdict == "pass":
        assert finding.details["conclusion"] == "符合"


def test_every_rule_has_pass_and_inconclusive_examples_and_observable_ones_fail() -> None:
    seen: dict[str, set[str]] = {}
    for unit, verdict, _ in EXAMPLES:
        seen.setdefault(unit, set()).add(verdict)
    for check in CHECKS:
        wanted = {"pass", "inconclusive"} | ({"fail"} if check.judge is not None and check.unit not in
                                             ("L3-CES1-07", "L3-CES1-24") else set())
        assert wanted <= seen.get(check.unit, set()), (check.unit, wanted - seen.get(check.unit, set()))


def test_hardened_passes_and_defaults_fail_the_items_the_issue_names() -> None:
    strict = {u: judge_host(CHECKS_BY_UNIT[u], host(hardened())).verdict.value for u in CHECKS_BY_UNIT}
    loose = {u: judge_host(CHECKS_BY_UNIT[u], host(defaults())).verdict.value for u in CHECKS_BY_UNIT}
    # 07, 24 and 27 (transit: only cleartext seen can fail it; TLS seen leaves the design to a document) never pass
    # from a host alone
    observable = [c.unit for c in CHECKS if c.judge is not None and c.unit not in ("L3-CES1-07", "L3-CES1-24",
                                                                                  "L3-CES1-27")]
    assert {u: strict[u] for u in observable} == dict.fromkeys(observable, "pass")
    for unit in ("L3-CES1-01", "L3-CES1-02", "L3-CES1-14", "L3-CES1-19"):  # password, lockout/timeout, logging
        assert loose[unit] == "fail", unit


def test_findings_name_the_file_and_line_they_rest_on() -> None:
    finding = judge_host(CHECKS_BY_UNIT["L3-CES1-01"], host(defaults()))
    assert "PASS_MAX_DAYS 99999 (/etc/login.defs, line 1)" in " ".join(e.statement for e in finding.evidence)
    lockout = judge_host(CHECKS_BY_UNIT["L3-CES1-02"], host(hardened()))
    assert "deny 5 (/etc/security/faillock.conf, line 1)" in " ".join(e.statement for e in lockout.evidence)
    assert lockout.evidence[0].observations == ("h#1",)


def test_partial_compliance_is_reported_as_such() -> None:
    b = hardened(files_edit={"/etc/profile.d/ihcheck-tmout.sh": "TMOUT=3600\n"})
    finding = judge_host(CHECKS_BY_UNIT["L3-CES1-02"], host(b))
    assert finding.verdict.value == "fail" and finding.details["conclusion"] == "部分符合"
    assert "shell TMOUT 3600" in finding.reason_zh and "deny 5，unlock_time 900" in finding.reason_zh


def test_what_the_assessor_decides_and_what_a_document_attests_are_said_so_in_chinese() -> None:
    interview = judge_host(CHECKS_BY_UNIT["L3-CES1-05"], host(hardened()))
    assert interview.reason_zh == "h：需由测评机构判定／请附证明材料：账户是否与人员和角色一一对应，需通过访谈和查阅账户登记表确认"
    assert interview.reason.startswith("h: needs the assessor / attach evidence: ")
    bastion = judge_host(CHECKS_BY_UNIT["L3-CES1-04"], host(attested(defaults(), "L3-CES1-04")))
    assert bastion.verdict.value == "pass" and bastion.details["attested"]
    assert bastion.reason_zh.startswith("h：经文件 /docs/L3-CES1-04.pdf 证明（非观测；主机上观测到：")
    assert "仅用一种鉴别方式即可登录" in bastion.details["actual_zh"]


@pytest.mark.parametrize(("path", "content", "unit"), [
    ("/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nFrobnicate yes\n", "L3-CES1-19"),
    ("/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config\n", "L3-CES1-03"),
    ("/etc/ssh/sshd_config", b"\x00\x01", "L3-CES1-04"),
    ("/etc/pam.d/common-auth", "@include common-auth\n", "L3-CES1-02"),
    ("/etc/pam.d/common-password", "passwd requisite pam_pwquality.so\n", "L3-CES1-01"),
    ("/etc/pam.d/common-auth", b"\x7fELF\x00", "L3-CES1-02"),
    ("/etc/login.defs", "PASS_MAX_DAYS 90\nPASS_MAXIMUM 90\n", "L3-CES1-01"),
    ("/etc/login.defs", b"\xff\xfe\x00", "L3-CES1-01"),
])
def test_malformed_input_never_passes_and_names_the_file(path: str, content: str | bytes, unit: str) -> None:
    b = hardened(files_edit={path: content}, sshd=(255, "", "sshd: not run") if "ssh" in path else None)
    finding = judge_host(CHECKS_BY_UNIT[unit], host(b))
    assert finding.verdict.value in ("inconclusive", "error"), finding.reason
    assert path in finding.reason, finding.reason
    assert path in finding.reason_zh and ("输入格式有误" in finding.reason_zh or "无法读取" in finding.reason_zh)


def _edit(b: BaselineFacts, **update: object) -> BaselineFacts:
    return b.model_copy(update=update)


# the baseline probe's words when it cannot read the mandatory access control state (probes/baseline.py)
NEITHER_MAC = "neither /sys/fs/selinux/enforce nor /sys/module/apparmor/parameters/enabled could be read"
NO_PROFILES = "AppArmor is enabled but its profiles (/sys/kernel/security/apparmor) could not be read"


def _rarer_paths() -> list[tuple[str, str, HostFacts]]:
    """States the Debian examples do not reach: each still says its reason in Chinese with the same figures."""
    h = hardened()
    assert h.accounts is not None and h.sshd is not None
    sshd_v1 = h.sshd.model_copy(update={"settings": (*h.sshd.settings, Setting(
        key="protocol", value="2,1", file="/etc/ssh/sshd_config", line=7))})
    expired = h.accounts.model_copy(update={"accounts": tuple(
        a.model_copy(update={"last_change_days": 1000, "max_days": 90}) if a.name == "dba" else a
        for a in h.accounts.accounts)})
    no_audit = h.audit.model_copy(update={"daemon_running": False, "kernel_enabled": None, "loaded": None,
                                          "written": None})
    raw = h.audit.model_copy(update={"auditd_conf": {"log_format": Setting(
        key="log_format", value="NOLOG", file="/etc/audit/auditd.conf", line=3)}})
    return [
        ("L3-CES1-03", "inconclusive", host(h, sockets=None)),
        ("L3-CES1-03", "fail", host(_edit(h, sshd=sshd_v1))),
        ("L3-CES1-07", "inconclusive", host(_edit(h, accounts=h.accounts.model_copy(update={"shadow_read": False})))),
        ("L3-CES1-07", "fail", host(_edit(h, accounts=expired))),
        ("L3-CES1-11", "inconclusive", host(_edit(h, mac=MacState(unavailable=NEITHER_MAC)))),
        ("L3-CES1-11", "inconclusive", host(_edit(h, mac=MacState(apparmor_enabled=True, unavailable=NO_PROFILES)))),
        ("L3-CES1-13", "fail", host(_edit(h, audit=raw))),
        ("L3-CES1-14", "fail", host(_edit(h, retention=()))),
        ("L3-CES1-14", "pass", host(_edit(h, retention=(Retention(log="/var/log/syslog", days=None),)))),
        ("L3-CES1-15", "fail", host(_edit(h, audit=no_audit))),
        ("L3-CES1-21", "inconclusive", host(_edit(h, updates=UpdateState(error="no apt-get or dnf on the host")))),
        ("L3-CES1-21", "inconclusive", host(_edit(h, updates=UpdateState(manager="apt-get", error="E: lock 3")))),
    ]


@pytest.mark.parametrize("index", range(12))
def test_the_rarer_paths_are_said_in_chinese_too(index: int) -> None:
    unit, verdict, facts = _rarer_paths()[index]
    finding = judge_host(CHECKS_BY_UNIT[unit], facts)
    assert finding.verdict.value == verdict, finding.reason
    assert says_the_same(finding) == [] and finding.details["actual_zh"], finding.reason_zh


@pytest.mark.parametrize(("conf", "shown"), [
    ("*.* @logs.hospital.lan:514\n", "logs.hospital.lan:514 (UDP)"),  # one @: UDP (rsyslog's legacy forwarding)
    ("*.* @@logs.hospital.lan:514\n", "logs.hospital.lan:514 (TCP)"),
    ('action(type="omfwd" target="10.0.0.9" port="514")\n', "10.0.0.9:514 (UDP)"),  # omfwd's default protocol
    ('action(TYPE="omfwd" TARGET="10.0.0.9" PROTOCOL="TCP")\n', "10.0.0.9 (TCP)"),  # parameter names any case
    ('action(type="omrelp" target="10.0.0.9" port="2514")\n', "10.0.0.9:2514 (TCP (RELP))"),
])
def test_remote_logging_reports_the_transport_rsyslog_uses(conf: str, shown: str) -> None:
    """TCP was reported as UDP (issue 20): the finding names each target with the transport its daemon uses."""
    finding = judge_host(CHECKS_BY_UNIT["L3-CES1-14"], host(hardened(files_edit={"/etc/rsyslog.d/90-remote.conf": conf})))
    assert finding.verdict.value == "pass", finding.reason
    assert f"logs forwarded off-host to {shown};" in finding.reason
    assert f"日志转发至主机之外：{shown.replace(' (', '（', 1)[:-1]}）" in finding.reason_zh


@pytest.mark.parametrize(("destination", "shown"), [
    ('network("10.0.0.6")', "10.0.0.6 (TCP)"),  # network()'s default transport is tcp (syslog-ng.conf(5))
    ('network("10.0.0.6" transport("UDP") port(514))', "10.0.0.6 (UDP)"),
    ('udp("10.0.0.6")', "10.0.0.6 (UDP)"),
    ('syslog("10.0.0.6" transport("tls") port(6514))', "10.0.0.6 (TLS)"),
])
def test_remote_logging_reports_the_transport_syslog_ng_uses(destination: str, shown: str) -> None:
    conf = f"destination d_net {{ {destination}; }};\nlog {{ source(s_src); destination(d_net); }};\n"
    finding = judge_host(CHECKS_BY_UNIT["L3-CES1-14"], host(hardened(files_edit={
        "/etc/rsyslog.d/90-remote.conf": None, "/etc/syslog-ng/syslog-ng.conf": conf})))
    assert finding.verdict.value == "pass" and f"logs forwarded off-host to {shown};" in finding.reason, finding.reason


def _answered(h: HostFacts, entry: Mapping[str, object], target: str, *, tls: bool,
              outcome: Literal["ok", "refused"] = "ok") -> HostFacts:
    from probes.facts.declared_exchange import declare
    from probes.facts.exchange import ExchangeFacts, ExchangeResult, ObservedExchange, TlsSession

    endpoint = declare(entry)
    session = TlsSession(version="TLSv1.3", cipher="TLS_AES_256_GCM_SHA384", verified=True) if tls else None
    result = ExchangeResult(protocol=endpoint.protocol, target=target, origin=h.name, outcome=outcome,
                            detail="answered", tls=session, observations=("h#7",))
    return h.model_copy(update={"exchange": ExchangeFacts(exchanges=(ObservedExchange(endpoint=endpoint,
                                                                                      results=(result,)),),
                                                          observations=("h#7",))})


PACS: dict[str, object] = {"name": "pacs", "system": "pacs", "protocol": "dicom", "address": "10.0.1.30", "port": 104,
        "called_ae_title": "PACS"}
EMR: dict[str, object] = {"name": "emr", "system": "emr", "protocol": "fhir", "url": "http://10.0.1.40:8080/fhir"}
ECG: dict[str, object] = {"name": "ecg", "system": "ecg", "protocol": "http", "url": "http://10.0.1.50/health"}


@pytest.mark.parametrize(("entry", "target"), [(PACS, "10.0.1.30:104"), (EMR, "10.0.1.40:8080")])
def test_medical_data_seen_in_clear_fails_transit_whatever_a_document_says(entry: dict[str, object],
                                                                            target: str) -> None:
    """L3-CES1-27 (issue 20): a DICOM association or a FHIR read over http:// that the peer answered outside TLS
    fails the item, the design document beside it notwithstanding; inside TLS the document decides."""
    clear = judge_host(CHECKS_BY_UNIT["L3-CES1-27"],
                       _answered(host(attested(hardened(), "L3-CES1-27")), entry, target, tls=False))
    assert clear.verdict.value == "fail", clear.reason
    assert f"{entry['name']} ({str(entry['protocol']).upper()} {target})" in clear.reason
    assert "本次检查观测到医疗数据以明文传输" in clear.reason_zh
    sealed = judge_host(CHECKS_BY_UNIT["L3-CES1-27"],
                        _answered(host(attested(hardened(), "L3-CES1-27")), entry, target, tls=True))
    assert sealed.verdict.value == "pass", sealed.reason


def test_a_health_endpoint_in_clear_carries_no_medical_data_and_a_refused_one_carried_nothing() -> None:
    ecg = judge_host(CHECKS_BY_UNIT["L3-CES1-27"], _answered(host(hardened()), ECG, "10.0.1.50:80", tls=False))
    assert ecg.verdict.value == "inconclusive", ecg.reason
    refused = judge_host(CHECKS_BY_UNIT["L3-CES1-27"],
                         _answered(host(hardened()), PACS, "10.0.1.30:104", tls=False, outcome="refused"))
    assert refused.verdict.value == "inconclusive", refused.reason


@pytest.mark.parametrize("destination", ['network("127.0.0.1" transport("tcp"))', 'syslog("localhost")',
                                         'udp("::1" port(514))', 'network("LOCALHOST")'])
def test_a_syslog_ng_destination_on_the_host_itself_is_not_off_host(destination: str) -> None:
    conf = f"destination d_net {{ {destination}; }};\nlog {{ source(s_src); destination(d_net); }};\n"
    finding = judge_host(CHECKS_BY_UNIT["L3-CES1-14"], host(hardened(files_edit={
        "/etc/rsyslog.d/90-remote.conf": None, "/etc/syslog-ng/syslog-ng.conf": conf})))
    assert finding.verdict.value == "fail" and "logs forwarded off-host to nowhere" in finding.reason, finding.reason
    assert any("loopback, stays on the host" in e.statement for e in finding.evidence)


@pytest.mark.parametrize(("conf", "verdict"), [
    ('log { source(s_src); destination { network("10.0.0.6" transport("tcp") port(514)); }; };\n', "pass"),
    ('#log { source(s_src); destination { network("10.0.0.6"); }; };\n', "fail"),
    # a named destination after an in-line source in the same log path is used too
    ('destination d_net { network("10.0.0.7" port(6514) transport("tls")); };\n'
     'log {\n  source { system(); internal(); };\n  destination(d_net);\n};\n', "pass"),
])
def test_a_syslog_ng_in_line_destination_is_used_by_its_log_path(conf: str, verdict: str) -> None:
    """syslog-ng's in-line objects: a destination written inside the log path has no name, and sends."""
    finding = judge_host(CHECKS_BY_UNIT["L3-CES1-14"], host(hardened(files_edit={
        "/etc/rsyslog.d/90-remote.conf": None, "/etc/syslog-ng/syslog-ng.conf": conf})))
    assert finding.verdict.value == verdict, finding.reason
