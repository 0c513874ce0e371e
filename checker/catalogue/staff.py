"""Staff: the health professionals and information technology professionals an internet hospital must have
(GD2020 一(一)3, 一(二)1), its principal person in charge (四(三)), and the qualifications of a third party's staff
(QH2019 30).

What ihcheck can know of people is what the hospital's roster says (`ihcheck_staff`, probes.staff): a roster is
a declaration, so every statement here is attested, never observed, however it was read (a file, or a read-only
query of the HR database). "Appropriate to the service" (相适应) is read as the least a machine can check: someone
of each kind on duty, each health professional and information professional with a certificate number, none
expired on the check date. Whether the numbers are genuine is the licensing registry's to say, not ihcheck's.
"""

from __future__ import annotations

from typing import Any

from checker.catalogue.clauses import cite
from checker.catalogue.common import all_hosts
from checker.model import Basis, Evidence, Finding, Rule, Said, Severity, Status, Verdict
from probes.facts import DeploymentFacts
from probes.facts.staff import StaffFacts, StaffMember

STAFF_ID = "GD2020-1.1.3-staff"
PRINCIPAL_ID = "GD2020-4.3-principal"
MAX_LISTED = 20
KIND_ZH = {"health": "卫生技术人员", "it": "信息专业技术人员", "management": "管理人员"}
KIND_EN = {"health": "health professionals", "it": "information technology professionals",
           "management": "management"}
UNDECLARED = Said("清单未声明人员名册（ihcheck_staff.roster：文件或只读查询）",
                  "no staff roster declared (ihcheck_staff.roster: a file or a read-only query)")


def _unread(rule_id: str, facts: DeploymentFacts) -> list[Finding] | None:
    """Inconclusive when there is no roster to read: not declared, or its query failed (saying why)."""
    staff = facts.staff
    if staff is not None and staff.staff is not None:
        return None
    said = UNDECLARED if staff is None else Said(staff.missing_zh or "", staff.missing or "")
    return [Finding(rule_id=rule_id, verdict=Verdict.INCONCLUSIVE, hosts=all_hosts(facts), **said.reason())]


def _evidence(staff: StaffFacts) -> Evidence:
    assert staff.source is not None and staff.staff is not None
    encoding = f", read as {staff.source.encoding}" if staff.source.encoding else ""
    return Evidence(basis=Basis.ATTESTED, observations=staff.source.observations,
                    statement=f"staff roster: {len(staff.staff)} row(s) from {staff.source.description}{encoding}, "
                    f"sha256 {staff.source.sha256}; {staff.pseudonyms}")


def _who(member: StaffMember) -> Said:
    where = f"，{member.organisation}" if member.organisation else ""
    where_en = f", {member.organisation}" if member.organisation else ""
    return Said(f"{member.name}（第 {member.row} 行{where}）", f"{member.name} (row {member.row}{where_en})")


def _listed(items: list[Said]) -> Said:
    listed = Said.join(items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        listed += Said(f"；另有 {len(items) - MAX_LISTED} 项（见详情）", f"; and {len(items) - MAX_LISTED} more")
    return listed


def shortfalls(staff: StaffFacts) -> list[tuple[StaffMember, Said]]:
    """Each active professional (the hospital's or a declared third party's) who cannot show a valid certificate."""
    assert staff.staff is not None
    rows: list[tuple[StaffMember, Said]] = []
    for member in staff.staff:
        if not member.active or member.category == "management":
            continue
        if member.qualification is None:
            rows.append((member, Said(f"{KIND_ZH[member.category]}无资格证书编号",
                                      f"{KIND_EN[member.category]}: no certificate number")))
        elif member.valid_until is not None and member.valid_until < staff.as_of:
            day = member.valid_until.isoformat()
            rows.append((member, Said(f"证书已于 {day} 过期", f"certificate expired on {day}")))
    return rows


def judge_staff(facts: DeploymentFacts) -> list[Finding]:
    if (unread := _unread(STAFF_ID, facts)) is not None:
        return unread
    staff = facts.staff
    assert staff is not None and staff.staff is not None
    hosts = all_hosts(facts)
    own = [m for m in staff.staff if m.active and m.organisation not in staff.declaration.third_parties]
    third = {name: [m for m in staff.staff if m.active and m.organisation == name]
             for name in staff.declaration.third_parties}
    count = {kind: sum(1 for m in own if m.category == kind) for kind in ("health", "it", "management")}
    short = shortfalls(staff)
    problems: list[Said] = [Said(f"名册中没有在岗的{KIND_ZH[kind]}", f"no {KIND_EN[kind]} on duty in the roster")
                            for kind in ("health", "it") if count[kind] == 0]
    problems += [_who(m) + Said("：", ": ") + why for m, why in short]
    details: dict[str, Any] = {"as_of": staff.as_of.isoformat(), "on_duty": count,
                               "third_parties": {k: len(v) for k, v in third.items()},
                               "short": [{"row": m.row, "reason": w.en, "reason_zh": w.zh} for m, w in short]}
    evidence = (_evidence(staff),)
    if problems:
        listed = _listed(problems)
        said = Said(f"人员名册（经文件证明，非观测）不符合：{listed.zh}", f"the staff roster (attested) falls short: "
                    f"{listed.en}")
        return [Finding(rule_id=STAFF_ID, verdict=Verdict.FAIL, hosts=hosts, evidence=evidence, details=details,
                        **said.reason())]
    silent = [name for name, members in third.items() if not members]
    if silent:
        said = Said(f"名册未列出第三方机构 {'、'.join(silent)} 提供服务的人员，无法判断其人员资质是否符合规定",
                    f"the roster lists no staff of the third part{'y' if len(silent) == 1 else 'ies'} "
                    f"{', '.join(silent)}: whether their staff are qualified cannot be told")
        return [Finding(rule_id=STAFF_ID, verdict=Verdict.INCONCLUSIVE, hosts=hosts, evidence=evidence,
                        details=details, **said.reason())]
    parties = sum(len(v) for v in third.values())
    said = Said(f"人员名册列出在岗卫生技术人员 {count['health']} 名、信息专业技术人员 {count['it']} 名"
                + (f"、第三方机构人员 {parties} 名" if third else "")
                + f"，均有资格证书编号且在 {staff.as_of.isoformat()} 未过期（经文件证明，非观测）",
                f"the staff roster lists {count['health']} health professional(s) and {count['it']} information "
                "technology professional(s) on duty" + (f" and {parties} third-party staff" if third else "")
                + f", each with a certificate number not expired on {staff.as_of.isoformat()} (attested, not "
                "observed)")
    return [Finding(rule_id=STAFF_ID, verdict=Verdict.PASS, hosts=hosts, evidence=evidence, details=details,
                    **said.reason())]


def judge_principal(facts: DeploymentFacts) -> list[Finding]:
    if (unread := _unread(PRINCIPAL_ID, facts)) is not None:
        return unread
    staff = facts.staff
    assert staff is not None and staff.staff is not None
    principals = [m for m in staff.staff if m.principal and m.active and m.organisation is None]
    details = {"principals": [m.row for m in principals]}
    evidence = (_evidence(staff),)
    if len(principals) == 1:
        said = Said("人员名册指明了主要负责人（第一责任人）", "the staff roster names the principal person in "
                    "charge (the first person responsible)") + _who(principals[0]) + Said("（经文件证明，非观测）",
                                                                                        " (attested, not observed)")
        verdict = Verdict.PASS
    elif not principals:
        said = Said("人员名册中没有在岗的、岗位为“主要负责人”的本院人员：网络信息安全的第一责任人未指明",
                    "the staff roster names no hospital staff on duty whose role is 主要负责人: the first person "
                    "responsible for network and information security is not named")
        verdict = Verdict.FAIL
    else:
        said = Said("人员名册列出多名主要负责人：", "the staff roster names several principals: ") + Said.join(
            [_who(m) for m in principals], "、", ", ") + Said("；第一责任人须为一人", "; the first person responsible "
                                                              "is one person")
        verdict = Verdict.FAIL
    return [Finding(rule_id=PRINCIPAL_ID, verdict=verdict, hosts=all_hosts(facts), evidence=evidence,
                    details=details, **said.reason())]


STAFF_READING = Said(
    "人员名册（ihcheck_staff.roster：CSV/XLSX 文件或对人事数据库的只读查询）是医院的声明，"
    "无论如何读取均记为经文件证明，从不记为观测。“相适应”按机器可查的最低限度解读："
    "至少有一名在岗的卫生技术人员（一(一)3）和一名在岗的信息专业技术人员（一(二)1 配备信息专业技术人员），"
    "每名在岗的卫生技术人员、信息专业技术人员（含声明的第三方机构人员，青海 2019 第 30 条）均有资格证书编号，"
    "且证书在检查日未过期。证书是否真实由执业注册系统判定，非 ihcheck 所能核验。"
    "声明了第三方机构而名册未列出其人员：无法判定。未声明或无法读取名册：无法判定。",
    "The staff roster (ihcheck_staff.roster: a CSV/XLSX file or a read-only query of the HR database) is the "
    "hospital's declaration: attested however it is read, never observed. 'Appropriate to the services' is read "
    "as the least a machine can check: at least one health professional (一(一)3) and one information technology "
    "professional (一(二)1, 配备信息专业技术人员) on duty, and every professional on duty — the hospital's own and a "
    "declared third party's (Qinghai 2019 item 30) — with a certificate number not expired on the check date. "
    "Whether a number is genuine is the licensing registry's to say, not ihcheck's. A declared third party with "
    "no staff in the roster: inconclusive. No roster declared, or unreadable: inconclusive.")
PRINCIPAL_READING = Said(
    "人员名册中须恰有一名在岗的本院人员，其岗位含“主要负责人”：他/她是互联网医院信息系统管理的第一责任人。经文件证明，"
    "非观测；未声明名册为无法判定。",
    "Exactly one of the hospital's own staff on duty has a role containing 主要负责人 in the roster: the first person "
    "responsible for the internet hospital's information system. Attested, not observed; no roster: inconclusive.")

STAFF = Rule(
    id=STAFF_ID,
    title="Health and information technology professionals on duty, each with a certificate (third parties' too)",
    title_zh="具有与所开展业务相适应的卫生技术人员，配备信息专业技术人员（含第三方机构人员资质）",
    clause=cite("GD2020:1.1.3", interpretation=STAFF_READING),
    read_with=(cite("GD2020:1.2.1"), cite("QH2019:30.third-party")),
    severity=Severity.MEDIUM,
    tags=("staff",),
    needs=("staff",),
    judge=judge_staff,
    since="2026.12",
    status=Status.PREVIEW,
)
PRINCIPAL = Rule(
    id=PRINCIPAL_ID,
    title="The principal person in charge (主要负责人), the first person responsible, is named",
    title_zh="主要负责人是第一责任人：人员名册指明主要负责人",
    clause=cite("GD2020:4.3", interpretation=PRINCIPAL_READING),
    severity=Severity.LOW,
    tags=("staff",),
    needs=("staff",),
    judge=judge_principal,
    since="2026.12",
    status=Status.PREVIEW,
)
RULES: tuple[Rule, ...] = (STAFF, PRINCIPAL)
