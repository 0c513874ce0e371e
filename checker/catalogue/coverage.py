"""Every requirement the three notices put on the hospital, and the rule that checks it, or why none can.

Data only, read clause by clause from the sources the catalogue cites (checker/catalogue/clauses/): the README's
coverage table is generated from it (`ihcheck rules --coverage`), and tests/checker/test_coverage.py holds it in
step with the catalogue: every rule it names exists (a glob names a family, e.g. the MLPS items), every rule of
the catalogue is named by some row, and at most five rows are not covered.

`planned` names rules a branch in progress is adding: their ids are the likely ones, to be reconciled when that
branch merges — the test fails once a planned id exists, so the row moves it to `rules`. None is planned now.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal

# "planned": not covered on this branch, its rule being added on another (`planned` names it); covered once merged
Coverage = Literal["covered", "partly", "planned", "not covered"]


@dataclass(frozen=True)
class Requirement:
    source: str  # a Document id: GD2020, BJ2026, QH2019
    ref: str  # the clause as printed
    zh: str  # the requirement in the notice's words (shortened)
    en: str
    rules: tuple[str, ...] = ()  # rule ids, or globs over them
    coverage: Coverage = "covered"
    note: str = ""  # what is left out (partly), or why no rule can check it (not covered)
    planned: tuple[str, ...] = ()  # rule ids another branch is adding (see the module docstring)


def _r(source: str, ref: str, zh: str, en: str, *rules: str, coverage: Coverage = "covered", note: str = "",
       planned: tuple[str, ...] = ()) -> Requirement:
    return Requirement(source, ref, zh, en, rules, coverage, note, planned)


MLPS = ("GD2020-1.2.1-mlps-report", "GD2020-1.2.1-l3-ces1-*", "GD2020-1.2.1-boundary-*")
POLICY = "GD2020-3.2-policies"
PLAN = "GD2020-3.2-emergency-plans"
MATERIALS = "GD2020-2.2-materials"
PUBLIC_PAGE = ("GD2020-4.2-public-page",)
PAGE_NOTE = "found in the declared pages' text (observed); that the page is the prominent place is declared"
OFFSHORE = ("GD2020-1.2.3-offshore",)

REQUIREMENTS: tuple[Requirement, ...] = (
    # ------------------------------------------------------------------ Guangdong 2020: 一 conditions
    _r("GD2020", "一(一)1", "与第三方合作的，协议明确医疗服务、信息安全、隐私保护、医疗风险和责任分担",
       "with a third party: an agreement setting out each side's responsibilities", MATERIALS, coverage="partly",
       note="the agreement is required and hashed (attested); its clauses are not read"),
    _r("GD2020", "一(一)2", "符合国家规定的互联网医院基本标准",
       "meet the national basic standard for internet hospitals",
       coverage="not covered", note="a licensing standard the registration authority judges on inspection; its "
       "infrastructure items are the rows of 一(二)"),
    _r("GD2020", "一(一)3", "具有与所开展的业务相适应并符合规定的卫生技术人员",
       "health professionals appropriate to the services", "GD2020-1.1.3-staff",
       note="from the declared roster (attested)"),
    _r("GD2020", "一(一)3", "场所和设施设备", "premises, facilities and equipment", "GD2020-1.2.3-power",
       "GD2020-1.2.3-servers", coverage="partly", note="the machine room's power and the servers; premises are an "
       "inspection matter"),
    _r("GD2020", "一(二)1", "符合《网络安全法》等法律法规要求", "comply with the Cybersecurity Law and other laws",
       *MLPS, coverage="partly",
       note="the law's 等级保护 duty (Art. 21) is the MLPS rules; the rest is not machine-checkable"),
    _r("GD2020", "一(二)1", "配备信息专业技术人员", "have information technology professionals", "GD2020-1.1.3-staff",
       note="from the declared roster (attested)"),
    _r("GD2020", "一(二)1", "实施第三级信息安全等级保护", "implement MLPS level 3", *MLPS, coverage="partly",
       note="the assessor's report (attested), the host baseline (安全计算环境), and the host's part of "
       "8.1.2-8.1.3 (databases' listeners, its packet filter, management ports); the network devices' items are "
       "the assessor's"),
    _r("GD2020", "一(二)1", "与实体医疗机构的HIS实现数据交换与共享", "exchange data with the HIS",
       "GD2020-1.2.1-exchange"),
    _r("GD2020", "一(二)1", "与PACS/RIS实现数据交换与共享", "exchange data with PACS/RIS", "GD2020-1.2.1-exchange"),
    _r("GD2020", "一(二)1", "与LIS实现数据交换与共享", "exchange data with the LIS", "GD2020-1.2.1-exchange"),
    _r("GD2020", "一(二)2", "具备远程会诊功能", "remote consultation", "GD2020-1.2.2-functions"),
    _r("GD2020", "一(二)2", "具备远程门诊功能", "remote outpatient service", "GD2020-1.2.2-functions"),
    _r("GD2020", "一(二)2", "具备远程病理诊断功能", "remote pathological diagnosis", "GD2020-1.2.2-functions"),
    _r("GD2020", "一(二)2", "具备远程医学影像诊断功能", "remote imaging diagnosis", "GD2020-1.2.2-functions"),
    _r("GD2020", "一(二)2", "具备远程心电诊断功能", "remote ECG diagnosis", "GD2020-1.2.2-functions"),
    _r("GD2020", "一(二)3", "服务器不少于2套", "at least two servers", "GD2020-1.2.3-servers"),
    _r("GD2020", "一(二)3", "划分数据库存储服务器与应用系统服务器", "database servers apart from application servers",
       "GD2020-1.2.3-db-app-split"),
    _r("GD2020", "一(二)3", "机房具备双路供电或紧急发电设施", "dual power feed or emergency generation",
       "GD2020-1.2.3-power", note="the room's feed is attested; the servers' supplies are observed"),
    _r("GD2020", "一(二)3", "存储医疗数据的服务器不得存放在境外", "servers holding medical data not abroad",
       "GD2020-1.2.3-domestic"),
    _r("GD2020", "一(二)3", "信息系统不得托管在或租赁于境外的服务器", "systems not hosted or leased abroad",
       "GD2020-1.2.3-domestic", *OFFSHORE, note="the inventory's hosts (domestic), and every system they are seen "
       "or declared to use — A/V clouds, platform, peers, DNS/NTP, backup targets, outbound connections "
       "(offshore) — placed by offline geo data; an address it cannot place is inconclusive"),
    _r("GD2020", "一(二)4", "至少2套音视频通讯系统", "at least two audio/video systems", "GD2020-1.2.4-av-systems"),
    _r("GD2020", "一(二)5", "网络带宽不低于10Mbps", "bandwidth of at least 10 Mbps", "GD2020-1.2.5-bandwidth"),
    _r("GD2020", "一(二)5", "至少由两家宽带网络供应商提供服务", "at least two broadband providers",
       "GD2020-1.2.5-isps"),
    # ------------------------------------------------------------------ 二 access procedure
    _r("GD2020", "二(二)1", "互联网医疗监管平台接入申请表", "the access application form", MATERIALS),
    _r("GD2020", "二(二)2", "信息系统安全等级保护任务告知书(回执)", "the MLPS task notice (receipt)", MATERIALS),
    _r("GD2020", "二(二)2", "信息系统安全等级保护备案证明", "the MLPS filing certificate", MATERIALS,
       "GD2020-1.2.1-mlps-report"),
    _r("GD2020", "二(二)3", "系统部署拓扑图", "the deployment topology diagram", MATERIALS),
    _r("GD2020", "二(二)4", "合作协议，明确网络信息安全、隐私保护等责任划分", "the cooperation agreement with its "
       "division of security and privacy duties", MATERIALS, coverage="partly", note="required and hashed; its "
       "clauses are not read"),
    _r("GD2020", "二(三)1", "按《数据接入工作说明》（附件1）的流程完成对接", "connect as the data access instructions "
       "(annex 1) lay down", coverage="not covered", note="annex 1 is not published with the notice; no copy was "
       "found to check against"),
    _r("GD2020", "二(三)2", "完成测试环境、正式环境数据对接验证", "verify the data connection in the test and the "
       "production environment", "GD2020-2.3-platform-access"),
    _r("GD2020", "二(三)3", "《数据接入证明》上传到省监管平台", "the certificate of data access, uploaded",
       "GD2020-2.3-platform-access", MATERIALS, coverage="partly", note="held in the folder (attested); the upload "
       "is the platform's to show"),
    # ------------------------------------------------------------------ 三 daily supervision
    _r("GD2020", "三.2(1)", "实时上传医疗服务、医疗资源、医务人员信息等数据",
       "upload service, resource and staff data in real time", "GD2020-3.2.1-platform-feed", coverage="partly",
       note="the push job's recency over verified "
       "TLS; what each push holds is the platform's to show"),
    _r("GD2020", "三.2(2)", "互联网医疗服务管理制度", "internet medical service management policy", POLICY),
    _r("GD2020", "三.2(2)", "互联网医院信息系统使用管理制度", "information system use policy", POLICY),
    _r("GD2020", "三.2(2)", "互联网医疗质量控制和评价制度", "quality control and evaluation policy", POLICY),
    _r("GD2020", "三.2(2)", "在线处方管理制度", "online prescription policy", POLICY, "QH2019-1-prescriptions"),
    _r("GD2020", "三.2(2)", "患者知情同意制度", "patient informed consent policy", POLICY, "QH2019-29-consent"),
    _r("GD2020", "三.2(2)", "在线医疗文书书写与管理制度", "online medical records policy", POLICY),
    _r("GD2020", "三.2(2)", "在线就诊患者风险评估与突发状况预防及应急处置制度", "online patients' risk assessment and "
       "emergency policy", POLICY),
    _r("GD2020", "三.2(2)", "互联网医疗护理人员培训考核制度", "nursing staff training policy", POLICY),
    _r("GD2020", "三.2(3)", "停电突发事件应急预案", "emergency plan: power loss", PLAN),
    _r("GD2020", "三.2(3)", "断网突发事件应急预案", "emergency plan: network loss", PLAN),
    _r("GD2020", "三.2(3)", "设备故障突发事件应急预案", "emergency plan: equipment failure", PLAN),
    _r("GD2020", "三.2(3)", "网络信息安全突发事件应急预案", "emergency plan: security incident", PLAN),
    _r("GD2020", "三.2(4)", "每年提交等级保护任务告知书(回执)、备案证明扫描件", "the MLPS papers every year",
       MATERIALS),
    _r("GD2020", "三(一)/(二)", "30日内上传执业许可证、申请表、拓扑图及日常监管资料", "the licence, form, topology and "
       "daily-supervision papers within 30 days", MATERIALS, POLICY, PLAN),
    _r("GD2020", "三(一)/(二)", "90日内上传等级保护任务告知书(回执)、备案证明扫描件", "the MLPS papers within 90 days",
       MATERIALS),
    # ------------------------------------------------------------------ 四
    _r("GD2020", "四(二)", "亮证经营：公布《医疗机构执业许可证》", "publish the practice licence", *PUBLIC_PAGE,
       note=PAGE_NOTE),
    _r("GD2020", "四(二)", "公布互联网诊疗服务人员出诊排班", "publish the service staff's schedule", *PUBLIC_PAGE,
       note=PAGE_NOTE),
    _r("GD2020", "四(二)", "公布问诊咨询回复时限", "publish the reply time limit", *PUBLIC_PAGE,
       note=PAGE_NOTE),
    _r("GD2020", "四(二)", "公布收费等信息", "publish the fees", *PUBLIC_PAGE,
       note=PAGE_NOTE),
    _r("GD2020", "四(三)", "主要负责人是第一责任人", "the principal is the first person responsible",
       "GD2020-4.3-principal", note="named in the roster (attested)"),
    _r("GD2020", "四(三)", "妥善管理患者信息，保护患者健康隐私信息", "manage patient information and protect privacy",
       "GD2020-1.2.1-l3-ces1-34", "GD2020-1.2.1-l3-ces1-35", coverage="partly", note="attested by documents"),
    _r("GD2020", "四(三)", "发生医疗数据泄露时立即报告并处置", "report and handle a medical data leak at once", PLAN,
       coverage="partly", note="the security-incident plan exists (attested); a report is an event, not a state"),
    # ------------------------------------------------------------------ Beijing 2026 (the pilot's hospitals)
    _r("BJ2026", "一", "执业信息、人员资质、诊疗数据和活动过程全程留痕、可追溯", "practice, qualifications, data and "
       "activity recorded throughout and traceable", "BJ2026-1-traceability"),
    _r("BJ2026", "二", "纳入质量控制体系，遵守处方管理办法", "quality control; the prescription rules",
       "QH2019-1-prescriptions", POLICY, coverage="partly", note="prescriptions reviewed before dispensing; the "
       "quality system itself is a policy (attested)"),
    _r("BJ2026", "二", "保障网络数据安全", "network data security", *MLPS, coverage="partly",
       note="as 一(二)1 等级保护"),
    _r("BJ2026", "三", "医师依法取得执业资质，3年以上独立临床工作经验，白名单动态管理", "physicians licensed, 3+ "
       "years, on a dynamic whitelist", "BJ2026-3-physicians"),
    _r("BJ2026", "三", "为儿童提供首诊时确定患儿有监护人陪伴", "a guardian with every child at a first visit",
       "BJ2026-3-first-visits"),
    _r("BJ2026", "四", "病情变化时终止互联网诊疗并引导到实体医疗机构", "end and refer offline when unsuitable",
       "BJ2026-3-first-visits"),
    _r("BJ2026", "五", "强化患者个人信息保护和医疗数据管理", "protect personal information and manage medical data",
       "GD2020-1.2.1-l3-ces1-34", "GD2020-1.2.1-l3-ces1-35", coverage="partly", note="attested by documents"),
    _r("BJ2026", "五", "制定负性事件处置预案，畅通咨询和投诉渠道", "a plan for adverse events; open complaint channels",
       coverage="not covered", note="neither is on the platform's checklist; a materials item and the public page "
       "could carry them"),
    _r("BJ2026", "六", "试点时间为一年（2026年1月至12月），批复所列医院与专业", "the pilot's year, hospitals and "
       "specialties", "BJ2026-3-first-visits"),
    # ------------------------------------------------------------------ Qinghai 2019
    _r("QH2019", "1", "医师掌握患者病历资料后在线开具常见病、慢性病复诊处方", "online prescriptions on follow-ups, the "
       "patient's records held", "QH2019-1-prescriptions", note="and each reviewed by a pharmacist before dispensing "
       "(BJ2026 二)"),
    _r("QH2019", "29", "互联网医疗服务数据向监管平台推送、传输和备份", "data pushed, transmitted and backed up to the "
       "platform", "QH2019-29-push", "GD2020-3.2.1-platform-feed", coverage="partly", note="the push record; the "
       "platform's backup is not visible from the hospital"),
    _r("QH2019", "29", "电子实名认证、数据访问控制", "real-name authentication, data access control",
       "GD2020-1.2.1-l3-ces1-01", "GD2020-1.2.1-l3-ces1-05", "GD2020-1.2.1-l3-ces1-10", coverage="partly",
       note="the hosts' identification and access control; the application's real-name check is not observable"),
    _r("QH2019", "29", "推行在线知情同意告知", "online informed consent", "QH2019-29-consent"),
    _r("QH2019", "30", "第三方机构确保提供服务的人员资质符合有关规定", "third parties' staff qualified",
       "GD2020-1.1.3-staff", note="the roster's third-party rows (attested)"),
    _r("QH2019", "30", "数据全程留痕，可查询、可追溯", "data recorded throughout, queryable, traceable",
       "QH2019-30-traceability", "BJ2026-1-traceability"),
    _r("QH2019", "31", "建立个人隐私信息保护制度，定期开展信息安全隐患排查、监测和预警", "privacy protection; regular "
       "security checks and monitoring", "GD2020-1.2.1-l3-ces1-21", "GD2020-1.2.1-l3-ces1-22",
       "GD2020-1.2.1-l3-ces1-35", coverage="partly", note="pending updates, integrity monitoring and access to "
       "personal data; the policy itself is attested"),
    _r("QH2019", "四(三)", "严格执行网络安全等级保护制度", "apply MLPS", *MLPS, coverage="partly",
       note="as GD 一(二)1"),
    _r("QH2019", "四(三)", "强化加密和密钥管理，保证传输安全", "encryption and key management in transit",
       "GD2020-1.2.1-l3-ces1-27", "GD2020-3.2.1-platform-feed", coverage="partly", note="every exchange observed "
       "is encrypted and verified; key management is the design document's (attested)"),
)


def resolve(pattern: str, ids: list[str]) -> list[str]:
    """The catalogue ids a row's entry names: itself, or every id a glob matches."""
    return [i for i in ids if fnmatchcase(i, pattern)]


def markdown(ids: list[str]) -> str:
    """The README's coverage table. `ids` are the catalogue's (a glob is shown with how many rules it names)."""
    lines = ["| # | Source | Clause | Requirement | Checked by | Coverage |", "|---|---|---|---|---|---|"]
    for n, row in enumerate(REQUIREMENTS, start=1):
        named = []
        for entry in row.rules:
            found = resolve(entry, ids)
            named.append(f"`{entry}`" if "*" not in entry else f"`{entry}` ({len(found)})")
        named += [f"`{p}` (planned)" for p in row.planned]
        checked = ", ".join(named) or "—"
        note = f": {row.note}" if row.note else ""
        lines.append(f"| {n} | {row.source} | {row.ref} | {row.zh}<br>{row.en} | {checked} | {row.coverage}{note} |")
    counts = {c: sum(1 for r in REQUIREMENTS if r.coverage == c) for c in ("covered", "partly", "planned",
                                                                          "not covered")}
    lines.append("")
    lines.append(f"{len(REQUIREMENTS)} requirements: {counts['covered']} covered, {counts['partly']} partly, "
                 f"{counts['planned']} planned (their rule on another branch), {counts['not covered']} not covered.")
    return "\n".join(lines) + "\n"
