"""Issue 20's clause rules say their new reading in the rule itself, Chinese and English alike: what passes, fails
and is inconclusive (the MLPS items' readings are tests/rules/test_mlps_readings.py)."""

from __future__ import annotations

import pytest

from checker.catalogue import CATALOGUE

# rule id: phrases (Chinese, English) each reading must hold
SAID: dict[str, tuple[tuple[str, str], ...]] = {
    "GD2020-1.2.3-servers": (("boot_id 相同", "the same /proc/sys/kernel/random/boot_id"),
                             ("只算一台，并在结论中说明", "count once, and the finding says so"),
                             ("虚拟化类型（systemd-detect-virt）", "virtualisation (systemd-detect-virt)"),
                             ("模拟，不是观测", "simulated, not observed")),
    "GD2020-1.2.3-db-app-split": (("同一台机器上的两个容器不能算作“划分”", "two containers of one box are not a split"),),
    "GD2020-1.2.3-power": (("只有 ihcheck_power_attestation 指明的证明文件能使本项符合", "Only a document named in "
                            "ihcheck_power_attestation can pass it"),
                           ("不能单独使本项符合", "alone they never pass")),
    "GD2020-3.2.1-platform-feed": (("TLS 握手不是数据上传", "A handshake is not a data feed"),
                                   ("推送任务日志", "the push job's log"),
                                   ("不得宽于 ihcheck 对“实时”的上限 60 分钟", "never looser than ihcheck's ceiling"),
                                   ("不代表推送主机自身的链路", "not the pushing host's own link"),
                                   ("四(三)", "四(三)")),
    "GD2020-2.2-materials": (("《医疗机构执业许可证》", "《医疗机构执业许可证》"), ("《数据接入证明》", "《数据接入证明》"),
                             ("按索引中上次提交日期（submitted）判断", "judged by the index's date of the last submission"),
                             ("自发布之日起算", "counts from publication")),
    "BJ2026-3-first-visits": (("只适用于批复所列的医院", "Only for the hospitals the approval names"),
                              ("越出批复的声明", "override"),
                              ("接诊医师本人的专业", "also the physician's own"),
                              ("就诊当天在“白名单”中", "on the whitelist as it stood that day")),
    "BJ2026-1-traceability": (("锚定的链头", "anchored head"), ("哈希链完整，未锚定", "intact chain, not anchored")),
    "QH2019-30-traceability": (("锚定链头", "anchored head"), ("哈希链完整，未锚定", "intact chain, not anchored")),
    "GD2020-1.2.1-exchange": (("node-fhir-server-core", "node-fhir-server-core"),
                              ("偏差随结论列出", "reported beside it")),
}


@pytest.mark.parametrize("rule_id", sorted(SAID))
def test_the_reading_says_the_new_behaviour_in_both_languages(rule_id: str) -> None:
    rule = next(r for r in CATALOGUE if r.id == rule_id)
    zh, en = rule.clause.interpretation_zh, rule.clause.interpretation
    for phrase_zh, phrase_en in SAID[rule_id]:
        assert phrase_zh in zh, (rule_id, phrase_zh)
        assert phrase_en in en, (rule_id, phrase_en)
    # each reading says what the verdicts mean in both languages (the power reading: 符合/不符合/无法判定 too)
    assert "符合" in zh and ("无法判定" in zh or "无法判断" in zh), rule_id
    assert "pass" in en.lower() and "inconclusive" in en.lower(), rule_id
