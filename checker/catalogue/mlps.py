"""GD2020 一(二)1: the internet hospital implements MLPS level 3 (实施第三级信息安全等级保护) — the host
baseline, one rule per GB/T 22239-2019 §8.1.4 item (GB/T 28448-2019 units L3-CES1-01 … 35).

Each rule cites GD2020 一(二)1 as why it applies (`clause`) and the GB/T item it checks (`standard`).
It yields one finding per host whose details carry the assessor's columns: 标准要求 (what ihcheck
required), 实际情况 (what it saw), 结论 (符合 / 部分符合 / 不符合 / 无法判断) and 整改建议.
Items a host cannot show are inconclusive with "needs the assessor / attach evidence", or attested
by a document the inventory names (`ihcheck_mlps_evidence: {L3-CES1-24: docs/tpm-report.pdf}`).
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.catalogue import mlps_judges as j
from checker.catalogue.clauses import cite
from checker.catalogue.clauses.gbt22239 import ITEMS, Item
from checker.catalogue.mlps_readings import READINGS
from checker.engine import blindness
from checker.model import Basis, Evidence, Finding, Rule, Said, Severity, Verdict
from probes.facts import HostFacts

CONCLUSION_ZH = {
    "pass": "符合",
    "partial": "部分符合",
    "fail": "不符合",
    "inconclusive": "无法判断",
    "error": "无法判断",
    "not_applicable": "不适用",
}
# why several items cannot be shown by a host, said once
DESIGN_AND_DATABASE = Said("属于设计和数据库问题", "a design and database matter")
APPLICATION_AND_POLICY = Said("属于应用系统和制度问题", "an application and policy matter")
# What the host baseline covers, said in every MLPS finding (details scope/scope_zh) and in the report: a pass of
# every item here is not 等保三级 achieved, which only the 测评机构's 等级测评报告 and the 备案证明 establish.
SCOPE = Said(
    "范围：仅 GB/T 22239-2019 §8.1.4 安全计算环境中主机可显示的测评项（及 §8.1.3.1 a) 中主机可显示的部分）；"
    "安全物理环境、安全通信网络、安全区域边界的网络设备、安全管理中心和全部安全管理要求不在其内。全部符合也不等于等保三级测评通过，"
    "后者以测评机构出具的等级测评报告（测评结论）和公安机关的备案证明为准。",
    "Scope: only the items of GB/T 22239-2019 §8.1.4 安全计算环境 (computing environment) a host can show (and the "
    "host's part of §8.1.3.1 a)); the physical environment, the communication network, the boundary's network "
    "equipment, the security management centre and every management requirement are outside it. Passing every "
    "item is not MLPS level 3 achieved: that is established only by the assessor's 等级测评报告 (its 测评结论) "
    "and the public-security 备案证明.",
)
SCOPE_DETAILS = (("scope", SCOPE.en), ("scope_zh", SCOPE.zh))


@dataclass(frozen=True)
class Check:
    """One MLPS item, the one record of it: what ihcheck requires of a host, how it judges it, its titles, and how
    to put it right. The item's wording is the standard's (clauses/gbt22239.py, by `unit`); the playbook tasks
    that fix it are built by reports.remediate from the host's facts, named here by `playbook` (none: a manual
    step saying `remediation`), so the core names the fix without importing the reports that write it.
    """

    unit: str
    title: str
    standard: str  # 标准要求: ihcheck's concrete reading of the item
    remediation: str  # 整改建议
    judge: j.Judge | None = None  # None: the host cannot show it
    why_not_observable: Said | None = None  # set exactly when `judge` is None
    attestable: bool = False  # a document may stand in for a failing host-level observation (e.g. a bastion's MFA)
    severity: Severity = Severity.MEDIUM
    needs: tuple[str, ...] = ("baseline",)
    # The title in Chinese (`title` is its English), worded with the item's own terms from GB/T 22239-2019 §8.1.4.
    title_zh: str = ""
    playbook: str = ""  # the reports.remediate.PLAYBOOKS builder of this item's tasks; "" for a manual step
    reading: Said | None = None  # how ihcheck reads the item, in both languages, where the generic words fall short
    read_with: tuple[str, ...] = ()  # ids of other sources' passages that ask the same (e.g. Qinghai 2019 四(三))


CHECKS: tuple[Check, ...] = (
    Check(
        "L3-CES1-01",
        "Unique identities, no empty passwords, password complexity and expiry",
        f"no account with an empty password; UID 0 held by root alone, names and UIDs unique; pam_pwquality or "
        f"pam_cracklib with minlen ≥ {j.MIN_PASSWORD_LENGTH} and ≥ {j.MIN_CLASSES} character classes; "
        f"PASS_MAX_DAYS ≤ {j.MAX_PASSWORD_DAYS}",
        "lock or set passwords on accounts without one (passwd -l USER); remove extra UID 0 accounts; configure "
        "pam_pwquality (minlen=8 minclass=3) in the password stack; set PASS_MAX_DAYS 90 in /etc/login.defs and "
        "chage -M 90 for existing users",
        j.identity_authentication,
        severity=Severity.HIGH,
        title_zh="身份标识唯一、无空口令，口令具有复杂度要求并定期更换",
        playbook="password",
    ),
    Check(
        "L3-CES1-02",
        "Login-failure lockout and idle logout",
        f"pam_faillock or pam_tally2 in the login stack with deny ≤ {j.MAX_DENY} and unlock_time ≥ "
        f"{j.MIN_UNLOCK_SECONDS} s (or 0: administrator unlock); shell TMOUT ≤ {j.MAX_IDLE_SECONDS} s",
        "add pam_faillock (preauth/authfail/authsucc) with deny=5 unlock_time=900 to the auth stack "
        "(authselect enable-feature with-faillock on the RHEL family); set `readonly TMOUT=600; export TMOUT` "
        "in /etc/profile.d/tmout.sh",
        j.login_failure,
        severity=Severity.HIGH,
        title_zh="登录失败处理（限制非法登录次数）与登录连接超时自动退出",
        playbook="lockout",
    ),
    Check(
        "L3-CES1-03",
        "No cleartext remote administration; SSH without weak algorithms",
        "no telnet, rsh, rlogin, rexec or FTP listening; sshd offers no CBC/RC4/3DES cipher, no MD5/SHA-1/UMAC-64 "
        "MAC, no SHA-1 key exchange, and no protocol 1",
        "remove telnetd/rsh-server/vsftpd (or disable their sockets); set strong Ciphers, MACs and KexAlgorithms "
        "in sshd_config and reload sshd",
        j.remote_admin_encrypted,
        severity=Severity.HIGH,
        needs=("baseline", "services"),
        title_zh="远程管理不用明文协议，SSH不用弱算法（防止鉴别信息被窃听）",
        playbook="ssh-algorithms",
    ),
    Check(
        "L3-CES1-04",
        "Two-factor authentication, one factor cryptographic",
        "sshd AuthenticationMethods requires two methods for every login (e.g. publickey,password or "
        "publickey,keyboard-interactive with a one-time-password PAM module); or a bastion host enforcing MFA, "
        "attested",
        "require two methods in sshd (AuthenticationMethods publickey,password) or administer only "
        "through a bastion host with MFA and name its evidence in ihcheck_mlps_evidence",
        j.two_factor,
        attestable=True,
        severity=Severity.HIGH,
        title_zh="两种或两种以上组合的鉴别技术，其中一种使用密码技术",
    ),
    Check(
        "L3-CES1-05",
        "Accounts and permissions assigned to users",
        "each person has an account of their own with the permissions the role needs",
        "keep an account register; give every administrator a personal account",
        why_not_observable=Said("账户是否与人员和角色一一对应，需通过访谈和查阅账户登记表确认",
                              "whether the accounts match people and roles is an interview and register matter"),
        title_zh="为登录的用户分配账户和权限",
    ),
    Check(
        "L3-CES1-06",
        "Default accounts unusable; no password root login over SSH",
        "distribution accounts (bin, daemon, games, lp, news, …) cannot log in with a password; sshd "
        "PermitRootLogin no or prohibit-password",
        "set nologin shells and locked passwords on distribution accounts (usermod -s /usr/sbin/nologin -L USER); "
        "PermitRootLogin prohibit-password (key only) in sshd_config",
        j.default_accounts,
        severity=Severity.HIGH,
        title_zh="默认账户不可用；SSH不允许root以口令登录",
        playbook="default-accounts",
    ),
    Check(
        "L3-CES1-07",
        "No superfluous, expired or shared accounts",
        "no two accounts share a UID (shared identity); no account whose password has expired can still log in; "
        "each remaining login account confirmed as needed and personal",
        "delete or lock accounts no longer needed (usermod -L -e 1 USER); give shared identities separate UIDs",
        j.superfluous_accounts,
        title_zh="无多余的、过期的账户，无共享账户",
    ),
    Check(
        "L3-CES1-08",
        "Least privilege for administrators; su only for wheel",
        "no sudo rule grants ALL without a password to anyone but root; su limited to the wheel group (pam_wheel)",
        "replace `NOPASSWD: ALL` with the commands each role needs; add `auth required pam_wheel.so use_uid` to "
        "/etc/pam.d/su",
        j.least_privilege,
        severity=Severity.HIGH,
        title_zh="管理用户最小权限；仅wheel组可用su",
        playbook="privilege",
    ),
    Check(
        "L3-CES1-09",
        "Access-control policy on identity and policy files",
        "/etc/passwd and /etc/group at most 0644, /etc/shadow and /etc/gshadow at most 0640, /etc/sudoers at most "
        "0440, sshd_config at most 0644, all owned by root",
        "chmod 0644 /etc/passwd /etc/group; chmod 0640 /etc/shadow /etc/gshadow; chmod 0440 /etc/sudoers; "
        "chown root on each",
        j.file_permissions,
        title_zh="身份与策略文件的访问控制策略",
        playbook="file-modes",
    ),
    Check(
        "L3-CES1-10",
        "Access-control granularity: user/process to file/table",
        "access control at user or process level on files and database tables",
        "define database permissions per table and file permissions per user/group",
        why_not_observable=Said("Linux 权限本身即为用户级、文件级；访问控制策略是否达到数据库表级，由测评机构判定",
                              "Linux permissions are per user and per file by design; whether the policy reaches "
                              "database tables is for the assessor"),
        title_zh="访问控制粒度：主体为用户级或进程级，客体为文件、数据库表级",
    ),
    Check(
        "L3-CES1-11",
        "Security labels: mandatory access control enforcing",
        "SELinux enforcing, or AppArmor enabled with profiles in enforce mode",
        "enable SELinux (SELINUX=enforcing) or AppArmor (aa-enforce the profiles) and reboot when needed",
        j.security_labels,
        title_zh="安全标记：强制访问控制处于强制执行状态",
    ),
    Check(
        "L3-CES1-12",
        "Security audit enabled for every user",
        "kernel audit enabled and auditd running, with rules watching /etc/passwd, /etc/shadow, /etc/group and "
        "/etc/sudoers for writes and rules on privileged commands; a system log daemon running",
        "install auditd, add rules (-w /etc/passwd -p wa -k identity …; -a always,exit -F path=/usr/bin/sudo "
        "-F perm=x -k privileged) in /etc/audit/rules.d/ and run augenrules --load; run rsyslog",
        j.audit_enabled,
        severity=Severity.HIGH,
        title_zh="启用安全审计功能，审计覆盖到每个用户",
        playbook="audit",
    ),
    Check(
        "L3-CES1-13",
        "Audit records carry accurate time, user, type and outcome",
        "a time source configured and a time daemon running (chrony, systemd-timesyncd or ntpd) and not "
        "unsynchronised; records written by auditd (RAW/ENRICHED format) or the system log daemon",
        "configure chrony with the hospital's NTP servers and enable it; keep auditd log_format ENRICHED",
        j.audit_records,
        title_zh="审计记录包括准确的日期和时间、用户、事件类型、是否成功",
        playbook="time",
    ),
    Check(
        "L3-CES1-14",
        "Audit records protected, forwarded off-host and kept ≥ 180 days",
        f"logs forwarded to a remote log server (rsyslog/syslog-ng); system logs kept ≥ {j.MIN_LOG_DAYS} days "
        "(logrotate rotate × period); log files not readable or writable by others",
        "add `*.* @@LOGSERVER:514` (or an omfwd action) to /etc/rsyslog.d/; set `rotate 26` with `weekly` (or "
        "`maxage 180`) in /etc/logrotate.d/rsyslog",
        j.audit_protection,
        severity=Severity.HIGH,
        title_zh="审计记录受保护、送至主机之外并保存不少于180天",
        playbook="logs",
    ),
    Check(
        "L3-CES1-15",
        "Audit process protected against interruption",
        "audit rules made immutable with -e 2 (changing or stopping audit then needs a reboot)",
        "append `-e 2` as the last line of /etc/audit/rules.d/99-finalize.rules and reload (augenrules --load)",
        j.audit_process,
        title_zh="审计进程受保护，防止未经授权的中断",
        playbook="audit",
    ),
    Check(
        "L3-CES1-17",
        "Minimal installation",
        "none of the server-unneeded packages installed: " + ", ".join(j.UNNECESSARY_PACKAGES),
        "remove the listed packages (apt-get purge / dnf remove)",
        j.minimal_installation,
        title_zh="最小安装，仅安装需要的组件和应用程序",
        playbook="unneeded-packages",
    ),
    Check(
        "L3-CES1-18",
        "No high-risk ports exposed",
        "none of the high-risk ports listens beyond loopback: "
        + ", ".join(f"{n} {p}/{t}" for (t, p), n in sorted(j.HIGH_RISK_PORTS.items(), key=lambda x: x[0][1])),
        "stop and disable the services behind the listed ports, or bind them to 127.0.0.1",
        j.high_risk_ports,
        severity=Severity.HIGH,
        needs=("baseline", "services"),
        title_zh="不开放高危端口",
        playbook="high-risk-ports",
    ),
    Check(
        "L3-CES1-19",
        "Management terminals restricted by address",
        "sshd limited to management addresses: ListenAddress on a management interface, AllowUsers/AllowGroups "
        "USER@NETWORK, or a Match Address block; or a network restriction, attested",
        "add `AllowUsers admin@MGMT-NETWORK` (keeping the address you administer from) to sshd_config, or "
        "restrict port 22 on the firewall and name its evidence in ihcheck_mlps_evidence",
        j.management_restricted,
        attestable=True,
        title_zh="按网络地址范围限制管理终端",
    ),
    Check(
        "L3-CES1-20",
        "Input validity checking",
        "applications validate input at human-machine and communication interfaces",
        "validate input in the applications; attach design documents and test records",
        why_not_observable=Said("属于应用系统的设计和测试问题，不是主机配置",
                              "an application design and testing matter, not a host setting"),
        title_zh="数据有效性检验",
    ),
    Check(
        "L3-CES1-21",
        "Known vulnerabilities patched",
        f"no security update pending in a package index at most {j.MAX_INDEX_DAYS} days old",
        "apt-get update && apt-get upgrade (or dnf upgrade --security) after testing",
        j.vulnerabilities_patched,
        severity=Severity.HIGH,
        title_zh="及时修补已知漏洞",
    ),
    Check(
        "L3-CES1-22",
        "Intrusion detection with alarms",
        "file-integrity monitoring (AIDE) initialised and checked periodically (cron or timer)",
        "install AIDE, run aideinit / aide --init and schedule a daily check that mails alarms",
        j.intrusion_detection,
        title_zh="检测入侵行为并提供报警",
        playbook="aide",
    ),
    Check(
        "L3-CES1-23",
        "Malicious code prevention with fresh signatures",
        f"ClamAV signatures at most {j.MAX_SIGNATURE_DAYS} days old and freshclam (or clamd) running",
        "install clamav-freshclam (and clamav-daemon) and let freshclam update the signatures",
        j.malware_protection,
        attestable=True,
        title_zh="防范恶意代码，特征库及时更新",
        playbook="malware",
    ),
    Check(
        "L3-CES1-24",
        "Trusted verification against a root of trust",
        "boot and programs verified against a TPM root of trust, alarms to the security management centre",
        "deploy a trusted-computing product or measured boot; attach its report",
        j.trusted_verification,
        attestable=True,
        title_zh="基于可信根的可信验证",
    ),
    Check(
        "L3-CES1-25",
        "Integrity of important data in transit",
        "checksums or cryptography protect data in transit",
        "use TLS/SSH for every transfer of important data; attach the design",
        why_not_observable=Said("哪些数据是重要数据、如何传输，属于设计问题",
                              "which data is important and how it travels is a design matter"),
        title_zh="重要数据在传输过程中的完整性",
    ),
    Check(
        "L3-CES1-26",
        "Integrity of important data in storage",
        "checksums or cryptography protect stored data",
        "protect stored data with checksums or signatures; attach the design",
        why_not_observable=DESIGN_AND_DATABASE,
        title_zh="重要数据在存储过程中的完整性",
    ),
    Check(
        "L3-CES1-27",
        "Confidentiality of important data in transit",
        "cryptography protects data in transit: no exchange this run observed carries medical data (HL7 v2, DICOM, "
        "FHIR, the platform feed) in clear",
        "use TLS (国密 where required) for every service carrying medical data (MLLP and DICOM inside TLS, FHIR over "
        "https); attach the design",
        j.transit_confidentiality,
        needs=("baseline", "exchange"),
        read_with=("QH2019:safeguard-3",),  # Qinghai 2019 四(三): 强化加密和密钥管理，保证……传输安全
        reading=Said(
            "逐台主机判定，依据本次检查中该主机与医院系统的实际交互（HL7 v2/MLLP、DICOM、FHIR、省监管平台）：观测到任"
            "何一个承载医疗数据的交互以明文进行（对端按其协议应答且不在 TLS 内）即为不符合，证明文件不能替代；ECG 等"
            "健康检查端点不承载医疗数据，不计入。未观测到明文时，其他数据流属于设计问题：无法判定，或由 "
            "ihcheck_mlps_evidence 指明的设计文件证明（记为经证明）。",
            "Judged per host from the exchanges this run made from it with the hospital's systems (HL7 v2 over MLLP, "
            "DICOM, FHIR, the supervision platform): any of them that carries medical data and was answered in clear "
            "(the peer spoke its protocol outside TLS) fails, and no document can stand in for it; a health endpoint "
            "(protocol http, e.g. the ECG system's) carries no medical data and is not judged. With no cleartext "
            "seen, the other flows are a design matter: inconclusive, or attested by a design document named in "
            "ihcheck_mlps_evidence (reported as attested)."),
        title_zh="重要数据在传输过程中的保密性",
    ),
    Check(
        "L3-CES1-28",
        "Confidentiality of important data in storage",
        "cryptography protects stored data",
        "encrypt stored important data (database or disk encryption); attach the design",
        why_not_observable=DESIGN_AND_DATABASE,
        title_zh="重要数据在存储过程中的保密性",
    ),
    Check(
        "L3-CES1-29",
        "Local backup and recovery",
        f"a backup seen to have run: the newest file a backup job writes (or a declared backup directory's, or "
        f"pgBackRest's record) at most {j.MAX_BACKUP_AGE_DAYS} days old; or a backup system attested",
        "schedule a daily backup (pg_dump/mysqldump/borg/restic) and test a restore; or name the backup "
        "system's evidence in ihcheck_mlps_evidence",
        j.local_backup,
        attestable=True,
        title_zh="重要数据的本地数据备份与恢复",
    ),
    Check(
        "L3-CES1-30",
        "Off-site real-time backup",
        "important data copied to a backup site in real time",
        "replicate to a second site; attach the evidence",
        why_not_observable=Said("从主机上看不到备份场地",
                              "the backup site is not visible from the host"),
        title_zh="异地实时备份",
    ),
    Check(
        "L3-CES1-31",
        "Hot redundancy of data-processing systems",
        "hot-standby redundancy of important systems",
        "run important systems in hot standby; attach the design",
        why_not_observable=Said("冗余是整个部署的属性，不是单台主机的属性",
                              "redundancy is a property of the deployment, not of one host"),
        title_zh="重要数据处理系统的热冗余",
    ),
    Check(
        "L3-CES1-32",
        "Authentication data cleared before reuse",
        "storage holding authentication information cleared before release",
        "use systems that clear authentication data; attach the design",
        why_not_observable=Said("属于设计和产品问题",
                              "a design and product matter"),
        title_zh="鉴别信息所在的存储空间在释放或重新分配前得到完全清除",
    ),
    Check(
        "L3-CES1-33",
        "Sensitive data cleared before reuse",
        "storage holding sensitive data cleared before release",
        "wipe storage before reuse; attach the procedure",
        why_not_observable=Said("属于设计和操作规程问题",
                              "a design and procedure matter"),
        title_zh="存有敏感数据的存储空间在释放或重新分配前得到完全清除",
    ),
    Check(
        "L3-CES1-34",
        "Only necessary personal information collected",
        "only personal information the business needs is collected and kept",
        "review the data collected; attach the personal-information policy",
        why_not_observable=APPLICATION_AND_POLICY,
        title_zh="仅采集和保存业务必需的用户个人信息",
    ),
    Check(
        "L3-CES1-35",
        "No unauthorised access to personal information",
        "access to personal information authorised and controlled",
        "restrict and log access to personal information; attach the policy",
        why_not_observable=APPLICATION_AND_POLICY,
        title_zh="禁止未授权访问和非法使用用户个人信息",
    ),
)

_ITEMS = {i.unit: i for i in ITEMS}


def rule_id(unit: str) -> str:
    return f"GD2020-1.2.1-{unit.lower()}"


def _finding(
    check: Check,
    item: Item,
    host: HostFacts,
    verdict: Verdict,
    actual: Said,
    *,
    evidence: tuple[Evidence, ...] = (),
    partial: bool = False,
    attested: bool = False,
) -> Finding:
    conclusion = "partial" if partial and verdict is Verdict.FAIL else verdict.value
    details = {
        "unit": item.unit,
        "item": item.ref,
        "family": item.family_zh,
        "requirement_zh": item.text_zh,
        "standard": check.standard,
        "actual": actual.en,
        "actual_zh": actual.zh,
        "conclusion": CONCLUSION_ZH[conclusion],
        "remediation": check.remediation if verdict is Verdict.FAIL else "",
        "attested": attested,
    }
    return Finding(
        rule_id=rule_id(check.unit),
        verdict=verdict,
        hosts=(host.name,),
        **(Said(f"{host.name}：", f"{host.name}: ") + actual).reason(),
        evidence=evidence,
        details=details,
    )


def judge_host(check: Check, host: HostFacts) -> Finding:
    """One host, one item: unreachable and unobserved hosts are inconclusive (error when the probe broke)."""
    item = _items_get(check.unit)
    decided = blindness([host], "baseline")
    if decided is not None:
        return _finding(check, item, host, decided.verdict, decided.said)
    b = host.baseline
    assert b is not None
    attestation = next((a for a in b.attestations if a.unit == check.unit), None)
    if check.judge is None:
        assert check.why_not_observable is not None, check.unit
        outcome = j.Outcome(Verdict.INCONCLUSIVE, j.ASSESSOR + Said("：", ": ") + check.why_not_observable)
    else:
        outcome = check.judge(host, b)
    if outcome.problems and outcome.verdict is not Verdict.INCONCLUSIVE:
        malformed = Said("无法判定，输入格式有误：", "cannot judge, the input is malformed: ")
        outcome = j.Outcome(Verdict.INCONCLUSIVE, malformed + j.problems_said(outcome.problems), outcome.evidence)
    if attestation is not None and (
        outcome.verdict is Verdict.INCONCLUSIVE or (outcome.verdict is Verdict.FAIL and check.attestable)
    ):
        ev = (
            *outcome.evidence,
            Evidence(
                host=host.name,
                basis=Basis.ATTESTED,
                observations=(attestation.observation,),
                statement=f"{host.name}: {check.unit} attested by {attestation.path} "
                f"({attestation.size} bytes, sha256 {attestation.sha256})",
            ),
        )
        return _finding(
            check,
            item,
            host,
            Verdict.PASS,
            j.attested(attestation.path, outcome.actual),
            evidence=ev,
            attested=True,
        )
    return _finding(
        check, item, host, outcome.verdict, outcome.actual, evidence=outcome.evidence, partial=outcome.partial
    )


def _items_get(unit: str) -> Item:
    return _ITEMS[unit]


def _reading(unit: str) -> Said:
    """What passes, fails and is inconclusive, where the judge's reading is not obvious (mlps_readings.py)."""
    reading = READINGS.get(unit)
    return Said(reading.zh, " " + reading.en) if reading else Said("", "")


def _rule(check: Check) -> Rule:
    item = _items_get(check.unit)
    why = check.why_not_observable  # set exactly when the host cannot show the item (no judge)
    interpretation = (f"Judged per host. Requires: {check.standard}." + (
        f" A host cannot show this ({why.en}): inconclusive, {j.ASSESSOR.en}, or attested by a "
        "document named in ihcheck_mlps_evidence." if why is not None else
        " A document named in ihcheck_mlps_evidence may stand in where the host's own settings do not show it."
        if check.attestable else ""))
    return Rule(
        id=rule_id(check.unit),
        title=f"{item.unit} {item.family_zh} {item.letter + ') ' if item.letter else ''}{check.title}",
        title_zh=f"{item.unit} {item.family_zh} {item.letter + ') ' if item.letter else ''}{check.title_zh}",
        clause=cite("GD2020:1.2.1", interpretation="实施第三级信息安全等级保护: the host-level items of GB/T "
                    "22239-2019 §8.1.4 安全计算环境 at level 3 apply to every server of the internet hospital."),
        # the standard's item, its ref naming the GB/T 28448-2019 test unit as assessors number it
        # an item's own reading (Check.reading) replaces the generic words; the readings of mlps_readings.py add to them
        standard=cite(item.clause_id, interpretation=check.reading or Said(
            _reading(check.unit).zh.strip(), interpretation + _reading(check.unit).en)).model_copy(
            update={"ref": f"{item.ref} ({item.unit}, GB/T 28448-2019)"}),
        severity=check.severity,
        tags=("mlps",),
        finding_details=SCOPE_DETAILS,
        read_with=tuple(cite(i) for i in check.read_with),
        needs=check.needs,
        # listening sockets only add to what the baseline shows; without them the judge says inconclusive itself
        optional=tuple(f for f in check.needs if f in ("services", "exchange")),
        judge_host=lambda host: judge_host(check, host),
        blind_hint=Said("基线探针读取配置文件，需要主机上的 root（或 sudo）权限",
                        "the baseline probe reads configuration files and needs root (or sudo) on the host"),
    )


MLPS_RULES: tuple[Rule, ...] = tuple(_rule(c) for c in CHECKS)
# Items no host observation can fail: the assessor's (design, interview, policy) items, and 可信验证, which the
# standard words as "may" (可基于可信根…). They are inconclusive from a host, or pass when attested.
CANNOT_FAIL: frozenset[str] = frozenset(rule_id(c.unit) for c in CHECKS if c.judge is None) | {rule_id("L3-CES1-24")}
CHECKS_BY_UNIT = {c.unit: c for c in CHECKS}
