"""§8.1.4.9 数据备份恢复 data backup and recovery."""

from __future__ import annotations

from checker.catalogue.mlps_judges.common import (
    Outcome,
    _ev,
    where,
)
from checker.model import Said, Verdict
from probes.facts import HostFacts
from probes.facts.baseline import BaselineFacts


def local_backup(host: HostFacts, b: BaselineFacts) -> Outcome:
    jobs = b.backups.jobs
    ev = [_ev(host, b, f"backup job {j.value} ({j.where})", "files", "state") for j in jobs]
    if jobs:
        return Outcome(
            Verdict.PASS,
            Said("已安排备份任务：", "backup scheduled: ")
            + Said.join(
                Said(f"{j.value[:80]}（{where(j.file, j.line).zh}）", f"{j.value[:80]} ({j.where})") for j in jobs[:3]
            ),
            tuple(ev),
        )
    return Outcome(
        Verdict.FAIL,
        Said(
            "在 cron 和 systemd 定时器中未发现备份任务（查找的备份工具：backup、pg_dump、mysqldump、borg、restic 等）；"
            "如由其他系统拉取备份，请附其证明材料",
            "no backup job found in cron or systemd timers (backup tools looked for: backup, "
            "pg_dump, mysqldump, borg, restic, …); if backups are pulled by another system, attach its evidence",
        ),
        (_ev(host, b, "cron tables and timers read", "files", "state"),),
    )
