"""The materials checklist of Guangdong 2020 二(二), 三.2(2) and 三.2(3): which papers, under which clause,
due how many days after opening. Regulatory knowledge, so it lives in the catalogue; the folder reader
(probes/materials_folder.py) is handed the item ids to accept."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Group = Literal["materials", "policies", "emergency-plans", "assessment"]


class Item(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    group: Group
    title_zh: str
    title_en: str
    clause: str = Field(description="where the notice asks for it")
    deadline_days: int | None = Field(description="days after opening (三(二)) by which it is due")
    annual: bool = Field(default=False, description="submitted again every year (三.2(4)): judged by the date of "
                         "its last submission (`submitted`), not by the certificate's age")
    third_party_only: bool = False


def _policy(key: str, zh: str, en: str) -> Item:
    return Item(id=f"policy-{key}", group="policies", title_zh=zh, title_en=en, clause="三.2(2)", deadline_days=30)


def _plan(key: str, zh: str, en: str) -> Item:
    return Item(id=f"plan-{key}", group="emergency-plans", title_zh=f"{zh}突发事件应急预案",
                title_en=f"Emergency plan: {en}", clause="三.2(3)", deadline_days=30)


ITEMS: tuple[Item, ...] = (
    # 三(一)/(二): the practice licence is the first of the papers to upload within 30 days
    Item(id="practice-licence", group="materials", title_zh="医疗机构执业许可证",
         title_en="Medical institution practice licence", clause="三(一)/(二)", deadline_days=30),
    Item(id="application-form", group="materials", title_zh="互联网医疗监管平台接入申请表",
         title_en="Supervision platform access application form", clause="二(二)1", deadline_days=30),
    Item(id="mlps-receipt", group="materials", title_zh="信息系统安全等级保护任务告知书(回执)",
         title_en="MLPS task notice (receipt)", clause="二(二)2", deadline_days=90, annual=True),
    Item(id="mlps-certificate", group="materials", title_zh="信息系统安全等级保护备案证明",
         title_en="MLPS filing certificate", clause="二(二)2", deadline_days=90, annual=True),
    Item(id="topology", group="materials", title_zh="系统部署拓扑图", title_en="System deployment topology diagram",
         clause="二(二)3", deadline_days=30),
    Item(id="cooperation-agreement", group="materials", title_zh="合作协议",
         title_en="Cooperation agreement with the third party", clause="二(二)4", deadline_days=None,
         third_party_only=True),
    # 二(三)3: issued by the platform's operator once the production data connection passes its tests
    Item(id="data-access-certificate", group="materials", title_zh="广东省互联网医疗服务监管平台数据接入证明",
         title_en="Certificate of data access to the Guangdong supervision platform", clause="二(三)3",
         deadline_days=None),
    # 一(二)1 实施第三级信息安全等级保护: the assessor's report, read by GD2020-1.2.1-mlps-report (not a paper the
    # platform's checklist of 二(二) asks for, so in a group of its own that the materials rule does not judge)
    Item(id="mlps-assessment-report", group="assessment", title_zh="网络安全等级测评报告",
         title_en="MLPS level assessment report (等级测评报告)", clause="一(二)1", deadline_days=None),
    _policy("internet-medical-service", "互联网医疗服务管理制度", "Internet medical service management"),
    _policy("information-system", "互联网医院信息系统使用管理制度", "Internet hospital information system use"),
    _policy("quality-control", "互联网医疗质量控制和评价制度", "Internet medical quality control and evaluation"),
    _policy("online-prescription", "在线处方管理制度", "Online prescription management"),
    _policy("informed-consent", "患者知情同意制度", "Patient informed consent"),
    _policy("online-records", "在线医疗文书书写与管理制度", "Writing and management of online medical records"),
    _policy("risk-assessment", "在线就诊患者风险评估与突发状况预防及应急处置制度",
            "Risk assessment of online patients, prevention of and response to emergencies"),
    _policy("nurse-training", "互联网医疗护理人员培训考核制度", "Training and assessment of internet nursing staff"),
    _plan("power-loss", "停电", "power loss"),
    _plan("network-loss", "断网", "network loss"),
    _plan("equipment-failure", "设备故障", "equipment failure"),
    _plan("security-incident", "网络信息安全", "network and information security incident"),
)
ITEM_IDS = {i.id: i for i in ITEMS}
