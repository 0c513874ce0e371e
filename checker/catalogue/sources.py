"""The regulatory documents rules cite. Original wording: shared/reference/ (see each `reference`)."""

from __future__ import annotations

from checker.model import Document

GD2020 = Document(
    id="GD2020",
    title_zh="广东省卫生健康委办公室关于进一步规范广东省互联网医疗服务监管平台接入工作的通知",
    title_en="Notice of the General Office of the Guangdong Provincial Health Commission on further "
    "regulating access to the Guangdong internet medical service supervision platform",
    issuer_zh="广东省卫生健康委办公室",
    issued="2020-05-18",
    reference="shared/reference/guangdong-2020-platform-access.md",
)

BJ2026 = Document(
    id="BJ2026",
    title_zh="国家卫生健康委关于同意北京市规范开展互联网诊疗首诊试点的复函",
    title_en="National Health Commission approval of Beijing's internet first-visit diagnosis pilot",
    issuer_zh="国家卫生健康委",
    issued="2026-01-31",
    reference="shared/reference/beijing-2026-first-visit-pilot.md",
)

QH2019 = Document(
    id="QH2019",
    title_zh="青海省人民政府办公厅关于青海省促进“互联网+医疗健康”发展的实施意见（青政办〔2019〕18号）",
    title_en="Qinghai provincial implementing opinions on promoting 'Internet + healthcare'",
    issuer_zh="青海省人民政府办公厅",
    issued="2019",
    reference="shared/reference/qinghai-2019-internet-plus-healthcare.md",
)
