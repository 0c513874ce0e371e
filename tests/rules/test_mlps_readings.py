"""The readings of the host items issue 20 changed are in the rule itself, in Chinese (first) and English."""

from __future__ import annotations

import pytest

from checker.catalogue.mlps import MLPS_RULES, rule_id

SAID = {
    "L3-CES1-02": ("TMOUT=0 表示不超时", "TMOUT=0 disables"),
    "L3-CES1-08": ("NOPASSWD:ALL", "NOPASSWD:ALL"),
    "L3-CES1-14": ("回环目标", "loopback target"),
    "L3-CES1-15": ("augenrules --load", "auditctl -R FILE"),
    "L3-CES1-29": ("不是备份", "is not a backup"),
    "L3-CES1-01": ("空口令不会因脱敏而被隐藏", "never hides"),
}


@pytest.mark.parametrize("unit", sorted(SAID))
def test_the_reading_says_what_passes_fails_and_is_inconclusive_in_both_languages(unit: str) -> None:
    rule = next(r for r in MLPS_RULES if r.id == rule_id(unit))
    assert rule.standard is not None
    zh, en = SAID[unit]
    assert zh in rule.standard.interpretation_zh and en in rule.standard.interpretation
    if unit != "L3-CES1-08":
        assert "无法判断" in rule.standard.interpretation_zh or "不符合" in rule.standard.interpretation_zh
