"""The readings of the host items issue 20 changed are in the rule itself, in Chinese (first) and English."""

from __future__ import annotations

import pytest

from checker.catalogue.mlps import MLPS_RULES, rule_id

SAID: dict[str, tuple[tuple[str, str], ...]] = {
    "L3-CES1-02": (("TMOUT=0 表示不超时", "TMOUT=0 disables"), ("readonly 之后的赋值无效", "none after `readonly`"),
                   ("后面的赋值覆盖前面的", "a later assignment wins"),
                   ("条件下的赋值或 unset", "under a condition")),
    "L3-CES1-08": (("NOPASSWD:ALL", "NOPASSWD:ALL"), ("脱敏不会改动", "redaction leaves them"),
                   ("经 Cmnd_Alias 授予的 ALL 同样计入", "granted through a Cmnd_Alias counts the same"),
                   ("无法判断", "inconclusive")),
    "L3-CES1-14": (("回环目标", "loopback target"), ("C 风格 /* */ 注释", "C-style `/* */` comments"),
                   ("@@host 为 TCP", "@@host TCP"), ("参数名不区分大", "parameters in any case")),
    "L3-CES1-15": (("augenrules --load", "augenrules --load"), ("auditctl -R", "auditctl -R FILE")),
    "L3-CES1-29": (("不是备份", "is not a backup"), ("不超过 8 天为符合", "at most 8 days old"),
                   ("证明材料", "as attested")),
    "L3-CES1-01": (("空口令不会因脱敏而被隐藏", "never hides"), ("账户名即使含 password", "kept whole")),
}


@pytest.mark.parametrize("unit", sorted(SAID))
def test_the_reading_says_what_passes_fails_and_is_inconclusive_in_both_languages(unit: str) -> None:
    rule = next(r for r in MLPS_RULES if r.id == rule_id(unit))
    assert rule.standard is not None
    for zh, en in SAID[unit]:
        assert zh in rule.standard.interpretation_zh and en in rule.standard.interpretation, (zh, en)
    # each reading says what passes, fails and is inconclusive, in both languages
    assert "为符合" in rule.standard.interpretation_zh and "无法判断" in rule.standard.interpretation_zh
    assert "pass" in rule.standard.interpretation.lower() and "inconclusive" in rule.standard.interpretation
