"""GB/T 22239-2019 §8.1.4 安全计算环境 at level 3, one row per requirement item, as GB/T 28448-2019 numbers its units.

Data only, so the catalogue, the xlsx report and the README cannot disagree on a number or a wording;
`Item.clause_id` cites an item, and checker/catalogue/mlps.py keeps what ihcheck does with each.
The Chinese is quoted from the sources listed in
docs/standards/gbt-22239-2019-8.1.4-level3.md (found with the search tool); the English is ihcheck's
rendering. L3-CES1-16 does not exist in GB/T 28448-2019 (the numbering skips it).
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.model import Clause, Document

GB22239 = Document(
    id="GB/T 22239-2019",
    title_zh="信息安全技术 网络安全等级保护基本要求",
    title_en="Information security technology — Baseline for classified protection of cybersecurity",
    issuer_zh="国家市场监督管理总局、中国国家标准化管理委员会",
    issuer_en="State Administration for Market Regulation; Standardization Administration of China",
    number="GB/T 22239-2019",
    issued="2019-05-10",
    url="",  # no public address of the standard's text was found; its wording's sources: docs/standards/
)


@dataclass(frozen=True)
class Item:
    unit: str  # GB/T 28448-2019 test unit, e.g. L3-CES1-01
    section: str  # GB/T 22239-2019 clause, e.g. 8.1.4.1
    family_zh: str
    family_en: str
    letter: str  # the item's letter within its family ("" for single-item families)
    text_zh: str
    text_en: str

    @property
    def ref(self) -> str:
        return f"{self.section} {self.letter})" if self.letter else self.section

    @property
    def clause_id(self) -> str:
        """The item's id among the clauses (checker.catalogue.clauses), e.g. GB/T 22239-2019:8.1.4.1a."""
        return f"GB/T 22239-2019:{self.ref.replace(' ', '').rstrip(')')}"

    @property
    def slug(self) -> str:
        return self.unit.lower()


def _items(section: str, family_zh: str, family_en: str, first: int, rows: list[tuple[str, str]]) -> list[Item]:
    letters = "abcdefg" if len(rows) > 1 else ""
    return [
        Item(
            unit=f"L3-CES1-{first + i:02d}",
            section=section,
            family_zh=family_zh,
            family_en=family_en,
            letter=letters[i] if letters else "",
            text_zh=zh,
            text_en=en,
        )
        for i, (zh, en) in enumerate(rows)
    ]


ITEMS: tuple[Item, ...] = tuple(
    _items(
        "8.1.4.1",
        "身份鉴别",
        "Identification and authentication",
        1,
        [
            (
                "应对登录的用户进行身份标识和鉴别，身份标识具有唯一性，身份鉴别信息具有复杂度要求并定期更换。",
                "Users who log in shall be identified and authenticated; identities shall be unique, and "
                "authentication information shall meet complexity requirements and be changed periodically.",
            ),
            (
                "应具有登录失败处理功能，应配置并启用结束会话、限制非法登录次数和当登录连接超时自动退出等相关措施。",
                "There shall be login-failure handling: ending the session, limiting the number of failed logins "
                "and logging out automatically when a login connection times out shall be configured and enabled.",
            ),
            (
                "当进行远程管理时，应采取必要措施防止鉴别信息在网络传输过程中被窃听。",
                "For remote administration, the necessary measures shall be taken to prevent authentication "
                "information from being eavesdropped in transit over the network.",
            ),
            (
                "应采用口令、密码技术、生物技术等两种或两种以上组合的鉴别技术对用户进行身份鉴别，且其中一种鉴别技术至少应使用密码技术来实现。",
                "Users shall be authenticated by a combination of two or more techniques such as passwords, "
                "cryptography and biometrics, at least one of which shall be implemented with cryptography.",
            ),
        ],
    )
    + _items(
        "8.1.4.2",
        "访问控制",
        "Access control",
        5,
        [
            ("应对登录的用户分配账户和权限。", "Accounts and permissions shall be assigned to users who log in."),
            (
                "应重命名或删除默认账户，修改默认账户的默认口令。",
                "Default accounts shall be renamed or deleted, and their default passwords changed.",
            ),
            (
                "应及时删除或停用多余的、过期的账户，避免共享账户的存在。",
                "Superfluous and expired accounts shall be deleted or disabled promptly, and shared accounts avoided.",
            ),
            (
                "应授予管理用户所需的最小权限，实现管理用户的权限分离。",
                "Administrative users shall be granted the least privilege they need, with their privileges separated.",
            ),
            (
                "应由授权主体配置访问控制策略，访问控制策略规定主体对客体的访问规则。",
                "Access-control policy shall be configured by an authorised subject and shall state the rules by "
                "which subjects access objects.",
            ),
            (
                "访问控制的粒度应达到主体为用户级或进程级，客体为文件、数据库表级。",
                "Access control shall be granular to the user or process as subject and to the file or database "
                "table as object.",
            ),
            (
                "应对重要主体和客体设置安全标记，并控制主体对有安全标记信息资源的访问。",
                "Security labels shall be set on important subjects and objects, and subjects' access to labelled "
                "information resources controlled.",
            ),
        ],
    )
    + _items(
        "8.1.4.3",
        "安全审计",
        "Security audit",
        12,
        [
            (
                "应启用安全审计功能，审计覆盖到每个用户，对重要的用户行为和重要安全事件进行审计。",
                "Security audit shall be enabled, cover every user, and audit important user actions and important "
                "security events.",
            ),
            (
                "审计记录应包括事件的日期和时间、用户、事件类型、事件是否成功及其他与审计相关的信息。",
                "Audit records shall include the date and time of the event, the user, the event type, whether it "
                "succeeded, and other audit-relevant information.",
            ),
            (
                "应对审计记录进行保护，定期备份，避免受到未预期的删除、修改或覆盖等。",
                "Audit records shall be protected and backed up regularly against unexpected deletion, modification "
                "or overwriting.",
            ),
            (
                "应对审计进程进行保护，防止未经授权的中断。",
                "The audit process shall be protected against unauthorised interruption.",
            ),
        ],
    )
    + _items(
        "8.1.4.4",
        "入侵防范",
        "Intrusion prevention",
        17,
        [
            (
                "应遵循最小安装的原则，仅安装需要的组件和应用程序。",
                "The principle of minimal installation shall be followed: only the components and applications "
                "needed are installed.",
            ),
            (
                "应关闭不需要的系统服务、默认共享和高危端口。",
                "Unneeded system services, default shares and high-risk ports shall be closed.",
            ),
            (
                "应通过设定终端接入方式或网络地址范围对通过网络进行管理的管理终端进行限制。",
                "Management terminals administering over the network shall be restricted by access method or "
                "network address range.",
            ),
            (
                "应提供数据有效性检验功能，保证通过人机接口输入或通过通信接口输入的内容符合系统设定要求。",
                "Data validity checking shall ensure that input through human-machine or communication interfaces "
                "meets the system's requirements.",
            ),
            (
                "应能发现可能存在的已知漏洞，并在经过充分测试评估后，及时修补漏洞。",
                "Known vulnerabilities shall be discovered and, after adequate testing and assessment, "
                "patched promptly.",
            ),
            (
                "应能够检测到对重要节点进行入侵的行为，并在发生严重入侵事件时提供报警。",
                "Intrusions into important nodes shall be detected, with an alarm on serious intrusion events.",
            ),
        ],
    )
    + _items(
        "8.1.4.5",
        "恶意代码防范",
        "Malicious code prevention",
        23,
        [
            (
                "应采用免受恶意代码攻击的技术措施或主动免疫可信验证机制及时识别入侵和病毒行为，并将其有效阻断。",
                "Technical measures against malicious code, or an active-immunity trusted verification mechanism, "
                "shall identify intrusion and virus behaviour promptly and block it effectively.",
            ),
        ],
    )
    + _items(
        "8.1.4.6",
        "可信验证",
        "Trusted verification",
        24,
        [
            (
                "可基于可信根对计算设备的系统引导程序、系统程序、重要配置参数和应用程序等进行可信验证，并在应用程序的关键执行环节进行动态可信验证，在检测到其可信性受到破坏后进行报警，并将验证结果形成审计记录送至安全管理中心。",
                "The boot loader, system programs, important configuration and applications of a computing device "
                "may be verified against a root of trust, with dynamic verification at the applications' key "
                "execution points, an alarm when their trustworthiness is found broken, and the results sent as "
                "audit records to the security management centre.",
            ),
        ],
    )
    + _items(
        "8.1.4.7",
        "数据完整性",
        "Data integrity",
        25,
        [
            (
                "应采用校验技术或密码技术保证重要数据在传输过程中的完整性，包括但不限于鉴别数据、重要业务数据、重要审计数据、重要配置数据、重要视频数据和重要个人信息等。",
                "Checksums or cryptography shall protect the integrity of important data in transit, including "
                "authentication, business, audit, configuration and video data and personal information.",
            ),
            (
                "应采用校验技术或密码技术保证重要数据在存储过程中的完整性，包括但不限于鉴别数据、重要业务数据、重要审计数据、重要配置数据、重要视频数据和重要个人信息等。",
                "Checksums or cryptography shall protect the integrity of important data in storage, including "
                "authentication, business, audit, configuration and video data and personal information.",
            ),
        ],
    )
    + _items(
        "8.1.4.8",
        "数据保密性",
        "Data confidentiality",
        27,
        [
            (
                "应采用密码技术保证重要数据在传输过程中的保密性，包括但不限于鉴别数据、重要业务数据和重要个人信息等。",
                "Cryptography shall protect the confidentiality of important data in transit, including "
                "authentication data, important business data and important personal information.",
            ),
            (
                "应采用密码技术保证重要数据在存储过程中的保密性，包括但不限于鉴别数据、重要业务数据和重要个人信息等。",
                "Cryptography shall protect the confidentiality of important data in storage, including "
                "authentication data, important business data and important personal information.",
            ),
        ],
    )
    + _items(
        "8.1.4.9",
        "数据备份恢复",
        "Data backup and recovery",
        29,
        [
            (
                "应提供重要数据的本地数据备份与恢复功能。",
                "Local backup and recovery of important data shall be provided.",
            ),
            (
                "应提供异地实时备份功能，利用通信网络将重要数据实时备份至备份场地。",
                "Off-site real-time backup shall be provided, copying important data to the backup site over the "
                "network in real time.",
            ),
            (
                "应提供重要数据处理系统的热冗余，保证系统的高可用性。",
                "Important data-processing systems shall have hot redundancy to ensure high availability.",
            ),
        ],
    )
    + _items(
        "8.1.4.10",
        "剩余信息保护",
        "Residual information protection",
        32,
        [
            (
                "应保证鉴别信息所在的存储空间被释放或重新分配前得到完全清除。",
                "Storage holding authentication information shall be completely cleared before it is released or "
                "reallocated.",
            ),
            (
                "应保证存有敏感数据的存储空间被释放或重新分配前得到完全清除。",
                "Storage holding sensitive data shall be completely cleared before it is released or reallocated.",
            ),
        ],
    )
    + _items(
        "8.1.4.11",
        "个人信息保护",
        "Personal information protection",
        34,
        [
            (
                "应仅采集和保存业务必需的用户个人信息。",
                "Only the users' personal information the business needs shall be collected and kept.",
            ),
            (
                "应禁止未授权访问和非法使用用户个人信息。",
                "Unauthorised access to and illegal use of users' personal information shall be prohibited.",
            ),
        ],
    )
)


def item(unit: str) -> Item:
    for row in ITEMS:
        if row.unit == unit:
            return row
    raise KeyError(unit)


CLAUSES: tuple[Clause, ...] = tuple(
    GB22239.passage(row.clause_id.removeprefix(f"{GB22239.id}:"), row.ref, row.text_zh, row.text_en)
    for row in ITEMS
)
