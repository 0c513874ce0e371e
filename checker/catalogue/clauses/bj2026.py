"""Beijing 2026: the National Health Commission's approval of Beijing's internet first-visit pilot.

The approval's wording as the public news copy prints it (ASCII commas as in that copy); the English is ihcheck's.
"""

from __future__ import annotations

from checker.model import Clause, Document

BJ2026 = Document(
    id="BJ2026",
    title_zh="国家卫生健康委关于同意北京市规范开展互联网诊疗首诊试点的复函",
    title_en="National Health Commission approval of Beijing's internet first-visit diagnosis pilot",
    issuer_zh="国家卫生健康委",
    issuer_en="National Health Commission",
    # The number as a public copy of the letter prints it (https://www.medvalley.cn/yiliaojiankang/78538.html:
    # 国家卫生健康委办公厅关于同意北京市规范开展互联网诊疗首诊试点工作的函); the date is the day it was announced.
    number="国卫办医政函〔2025〕482号",
    issued="2026-01-31",
    url="https://www.chinanews.com/jk/2026/01-31/10562769.shtml",  # the news copy the wording is quoted from
)


CLAUSES: tuple[Clause, ...] = (
    BJ2026.passage(
        "1", "一",
        "一、要落实监管责任。充分发挥北京市互联网诊疗监管平台作用,加强信息化监管和穿透式监管,"
        "确保医疗机构的执业信息、人员资质、诊疗数据和活动过程全程留痕、可追溯。",
        "1. Fulfil supervisory responsibility. Make full use of the Beijing internet diagnosis and treatment "
        "supervision platform, strengthen IT-based and penetrating supervision, and ensure that medical "
        "institutions' practice information, staff qualifications, clinical data and the activity itself are "
        "recorded throughout and traceable.",
    ),
    BJ2026.passage(
        "2", "二",
        "二、要将互联网诊疗(含首诊服务,下同)纳入质量控制体系。开展线上线下一体化监管,确保试点医院遵守医疗质量、"
        "医疗安全、处方管理办法、网络安全等有关法律法规和规定,落实医疗质量安全核心制度,保障医疗质量安全和网络数据安全。",
        "2. Bring internet diagnosis and treatment (first visits included) into the quality control system. "
        "Supervise online and offline as one, ensuring that pilot hospitals observe the laws and rules on medical "
        "quality, medical safety, prescription management (处方管理办法), cybersecurity and the like, apply the core "
        "systems of medical quality and safety, and safeguard medical quality and safety and network data security.",
    ),
    BJ2026.passage(
        "3", "三",
        "三、要加强对试点医院和医务人员管理。规范互联网诊疗行为,医师开展互联网诊疗应当依法取得相应执业资质,"
        "具有3年以上独立临床工作经验,实行“白名单”动态管理。为儿童提供互联网首诊服务时,应当确定患儿有监护人陪伴。",
        "3. Strengthen the management of pilot hospitals and medical staff. Regulate internet diagnosis and "
        "treatment: physicians providing it shall hold the corresponding practising qualification under the "
        "law, have at least 3 years of independent clinical work experience, and be managed on a dynamic "
        "'whitelist'. When providing an internet first visit to a child, it shall be confirmed that the child "
        "is accompanied by a guardian.",
    ),
    BJ2026.passage(
        "4", "四",
        "四、要指导试点医院明确互联网诊疗的终止条件。当患者病情出现变化或存在其他不适宜互联网诊疗的情况时,"
        "接诊医师应当立即终止互联网诊疗活动,并引导患者到实体医疗机构就诊。",
        "4. Guide the pilot hospitals to define when internet diagnosis and treatment ends. When a patient's "
        "condition changes or internet diagnosis and treatment is otherwise unsuitable, the physician shall "
        "end it at once and guide the patient to a physical medical institution.",
    ),
    BJ2026.passage(
        "6", "六",
        "六、试点时间为一年(2026年1月至12月)。",
        "6. The pilot lasts one year (January to December 2026).",
    ),
)
