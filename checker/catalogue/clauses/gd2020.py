"""Guangdong 2020: the notice on access to the provincial internet medical service supervision platform.

Each passage a rule cites, once: its Chinese as in the notice (simplified characters, full-width punctuation;
checked against a public web copy of the notice), and ihcheck's English rendering. Clause 一(二)3 holds three
requirements in three sentences, cited apart as .1 (servers), .2 (machine-room power) and .3 (not abroad).
"""

from __future__ import annotations

from checker.model import Clause, Document

GD2020 = Document(
    id="GD2020",
    title_zh="广东省卫生健康委办公室关于进一步规范广东省互联网医疗服务监管平台接入工作的通知",
    title_en="Notice of the General Office of the Guangdong Provincial Health Commission on further "
    "regulating access to the Guangdong internet medical service supervision platform",
    issuer_zh="广东省卫生健康委办公室",
    issuer_en="General Office of the Guangdong Provincial Health Commission",
    issued="2020-05-18",
    # No public address of the notice itself was found (search tool, 2026-12-06). The notice says (二(一)) it is
    # found on the commission's portal and on the supervision platform (https://ycyl.gdwst.gov.cn/hlwyl), whose
    # page is the platform's, not the notice's, so it is not given as the notice's address.
    url="",
)


CLAUSES: tuple[Clause, ...] = (
    GD2020.passage(
        "1.2.1", "一(二)1",
        "符合《网络安全法》《国家健康医疗大数据标准、安全和服务管理办法（试行）》《互联网医院基本标准》等法律法规要求，"
        "配备信息专业技术人员，实施第三级信息安全等级保护，并与实体医疗机构的HIS、PACS/RIS、LIS系统实现数据交换与共享；",
        "Comply with the Cybersecurity Law, the Measures for the Administration of National Health and Medical Big "
        "Data Standards, Security and Services (Trial), the Basic Standards for Internet Hospitals and other laws "
        "and regulations; have information technology professionals; implement level 3 information security "
        "classified protection; and exchange and share data with the HIS, PACS/RIS and LIS systems of the "
        "physical medical institution;",
    ),
    GD2020.passage(
        "1.2.2", "一(二)2",
        "具备远程会诊、远程门诊、远程病理诊断、远程医学影像诊断和远程心电诊断等功能；",
        "Have functions such as remote consultation, remote outpatient service, remote pathological diagnosis, "
        "remote medical imaging diagnosis and remote electrocardiogram diagnosis;",
    ),
    GD2020.passage(
        "1.2.3.1", "一(二)3",
        "用于互联网医院运行的服务器不少于2套，且需划分数据库存储服务器与应用系统服务器。",
        "No fewer than 2 servers shall be used to run the internet hospital, and database storage servers shall be "
        "separated from application system servers.",
    ),
    GD2020.passage(
        "1.2.3.2", "一(二)3",
        "存放服务器的机房应当具备双路供电或紧急发电设施。",
        "The machine room housing the servers shall have dual-circuit power supply or emergency generating "
        "facilities.",
    ),
    GD2020.passage(
        "1.2.3.3", "一(二)3",
        "存储医疗数据的服务器不得存放在境外，信息系统不得托管在或租赁于境外的服务器。",
        "Servers storing medical data shall not be located outside the territory, and information systems shall "
        "not be hosted on or leased on servers outside the territory.",
    ),
    GD2020.passage(
        "1.2.4", "一(二)4",
        "拥有至少2套开展互联网业务的音视频通讯系统（含必要的软件系统和硬件设备）。",
        "Have at least 2 sets of audio/video communication systems for conducting internet services (including "
        "the necessary software systems and hardware equipment).",
    ),
    GD2020.passage(
        "1.2.5", "一(二)5",
        "业务使用的网络带宽不低于10Mbps，且至少由两家宽带网络供应商提供服务。",
        "The network bandwidth used by the business shall be no less than 10 Mbps, and service shall be provided "
        "by at least two broadband network providers.",
    ),
    GD2020.passage(
        "2.2", "二(二)",
        "接入省监管平台需提交的材料。1.互联网医疗监管平台接入申请表；2.互联网医院信息系统《信息系统安全等级保护任务告知书(回执)》"
        "《信息系统安全等级保护备案证明》；3.系统部署拓扑图；4.如与第三方机构合作建立互联网医院的，需提交合作协议。"
        "合作协议中应明确互联网医院信息系统网络信息安全、隐私保护等责任划分。",
        "Materials to submit for access to the provincial supervision platform: 1. the internet medical supervision "
        "platform access application form; 2. the internet hospital information system's MLPS task notice (receipt) "
        "and MLPS filing certificate; 3. the system deployment topology diagram; 4. where the internet hospital is "
        "built with a third party, the cooperation agreement, which shall set out the division of responsibility "
        "for network and information security and privacy protection.",
    ),
    GD2020.passage(
        "3.2.1", "三.2(1)",
        "互联网医院完成执行许可登记后，要向省监管平台上传如下资料：(1)按照省监管平台的数据接口对接要求，"
        "实时上传医疗服务、医疗资源、医务人员信息等各类数据；",
        "After completing practice licence registration, the internet hospital shall upload to the provincial "
        "supervision platform: (1) in real time, all kinds of data on medical services, medical resources and "
        "medical staff, as the platform's data interface requires;",
    ),
    GD2020.passage(
        "3.2.2", "三.2(2)",
        "互联网医院完成执行许可登记后，要向省监管平台上传如下资料：(2)互联网医疗服务管理制度、互联网医院信息系统使用管理制度、"
        "互联网医疗质量控制和评价制度、在线处方管理制度、患者知情同意制度、在线医疗文书书写与管理制度、"
        "在线就诊患者风险评估与突发状况预防及应急处置制度、互联网医疗护理人员培训考核制度；",
        "After practice registration the internet hospital shall upload to the platform: (2) its policies on "
        "internet medical service management, information system use, internet medical quality control and "
        "evaluation, online prescriptions, patient informed consent, writing and management of online medical "
        "records, risk assessment of online patients with prevention of and response to emergencies, and training "
        "and assessment of internet nursing staff;",
    ),
    GD2020.passage(
        "3.2.3", "三.2(3)",
        "(3)停电、断网、设备故障、网络信息安全等突发事件的应急预案；",
        "(3) emergency plans for sudden events such as power loss, network loss, equipment failure and network "
        "and information security incidents;",
    ),
    GD2020.passage(
        "4.2.2", "四(二)",
        "互联网医院应实行“亮证经营”。在互联网医院信息系统主要位置公布互联网医院《医疗机构执业许可证》、"
        "互联网诊疗服务人员出诊排班、问诊咨询回复时限、收费等信息。",
        "Internet hospitals shall practise \"licence-displayed operation\": publish, in a prominent place of the "
        "internet hospital information system, the internet hospital's Medical Institution Practice Licence, the "
        "consultation schedules of its internet diagnosis and treatment staff, the time limit for replying to "
        "consultations and enquiries, its fees and other such information.",
    ),
)
