"""Qinghai 2019: the provincial implementing opinions on promoting "Internet + healthcare".

Rules read GD2020 clauses with these passages (the platform feed, traceability, encryption in transit); the
Chinese is the opinion's, from a public web copy, in simplified characters; the English is ihcheck's.
"""

from __future__ import annotations

from checker.model import Clause, Document

QH2019 = Document(
    id="QH2019",
    title_zh="青海省人民政府办公厅关于青海省促进“互联网+医疗健康”发展的实施意见",
    title_en="Implementing opinions of the General Office of the Qinghai Provincial People's Government on "
    "promoting the development of 'Internet + healthcare' in Qinghai",
    issuer_zh="青海省人民政府办公厅",
    issuer_en="General Office of the Qinghai Provincial People's Government",
    number="青政办〔2019〕18号",
    issued="2019",
    url="",  # no public address found (search tool, 2026-12-06)
)


CLAUSES: tuple[Clause, ...] = (
    QH2019.passage(
        "1", "1",
        "医师掌握患者病历资料后，允许在线开具部分常见病、慢性病处方，允许随访管理和远程指导。",
        "Once the physician holds the patient's medical records, prescriptions for some common and chronic diseases "
        "may be issued online, and follow-up management and remote guidance are allowed.",
    ),
    QH2019.passage(
        "29", "29",
        "将所有开展互联网医疗服务的医疗机构和互联网医疗服务数据向监管平台进行推送、传输和备份",
        "all medical institutions providing internet medical services, and their internet medical service data, "
        "are pushed, transmitted and backed up to the supervision platform",
    ),
    QH2019.passage(
        "30", "30",
        "“互联网+医疗健康”服务产生的数据应当全程留痕,可查询、可追溯,满足行业监管需求。",
        "Data produced by 'Internet + healthcare' services shall be recorded throughout, queryable and traceable, "
        "meeting the needs of sector supervision.",
    ),
    QH2019.passage(
        "safeguard-3", "四(三)",  # the safeguards' (三) 建立安全保障机制, under part 四
        "强化加密和密钥管理，保证应用安全以及传输安全。",
        "strengthen encryption and key management, and ensure application security and transmission security.",
    ),
    QH2019.passage(
        "29.consent", "29",
        "建立医疗责任分担机制，推行在线知情同意告知，防范和化解医疗风险。",
        "Establish a mechanism for sharing medical liability, practise online informed consent, and prevent and "
        "defuse medical risks.",
    ),
    QH2019.passage(
        "30.third-party", "30",
        "第三方互联网医疗健康服务机构应当确保提供服务的人员资质符合有关规定，并对提供的服务承担责任。",
        "Third-party internet healthcare service institutions shall ensure that the qualifications of the staff "
        "providing services meet the relevant regulations, and are responsible for the services they provide.",
    ),
)
