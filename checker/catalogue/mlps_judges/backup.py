"""§8.1.4.9 数据备份恢复 data backup and recovery: a backup that ran, not a job that says "backup"."""

from __future__ import annotations

from checker.catalogue.mlps_judges.common import (
    MAX_BACKUP_AGE_DAYS,
    Outcome,
    _ev,
    where,
)
from checker.model import Said, Verdict
from probes.facts import HostFacts
from probes.facts.baseline import BaselineFacts


def local_backup(host: HostFacts, b: BaselineFacts) -> Outcome:
    """Pass on the newest backup file (or pgBackRest's record) at most MAX_BACKUP_AGE_DAYS old; a scheduled job alone
    is not a backup: fail when what it writes is missing or old, inconclusive when where it writes is not seen."""
    state = b.backups
    jobs = state.jobs
    ev = [_ev(host, b, f"backup job {j.value} ({j.where})", "files", "state") for j in jobs]
    ev += [_ev(host, b, f"newest backup artefact {a.describe()}", "backups") for a in state.artefacts]
    scheduled = Said.join(Said(f"{j.value[:80]}（{where(j.file, j.line).zh}）", f"{j.value[:80]} ({j.where})")
                          for j in jobs[:3])
    if state.artefacts:
        newest = max(state.artefacts, key=lambda a: a.mtime)
        days = (b.collected_at - newest.mtime).total_seconds() / 86400
        fresh = days <= MAX_BACKUP_AGE_DAYS
        return Outcome(
            Verdict.PASS if fresh else Verdict.FAIL,
            Said(f"最新的备份：{newest.path}（{newest.source}，{days:.1f} 天前；要求不超过 {MAX_BACKUP_AGE_DAYS} 天）",
                 f"newest backup: {newest.path} ({newest.source}, {days:.1f} days old; at most "
                 f"{MAX_BACKUP_AGE_DAYS} required)"),
            tuple(ev),
        )
    if jobs and state.looked_in:
        return Outcome(
            Verdict.FAIL,
            Said("已安排备份任务，但其写入位置没有备份文件（查找：", "a backup job is scheduled, but no file it writes "
                 "was found (looked in: ")
            + Said(f"{'、'.join(state.looked_in)}）：", f"{', '.join(state.looked_in)}): ")
            + scheduled,
            tuple(ev),
        )
    if jobs:
        return Outcome(
            Verdict.INCONCLUSIVE,
            Said("已安排备份任务，但看不到其写入位置，无法确认备份曾经执行（可在 ihcheck_backup_dirs 中声明备份目录，"
                 "或在 ihcheck_mlps_evidence 中附证明材料）：",
                 "a backup job is scheduled, but where it writes is not seen, so that a backup ran cannot be shown "
                 "(declare the backup directory in ihcheck_backup_dirs, or attach evidence in ihcheck_mlps_evidence): ")
            + scheduled,
            tuple(ev),
        )
    if state.looked_in:
        return Outcome(
            Verdict.FAIL,
            Said(f"声明的备份目录中没有文件：{'、'.join(state.looked_in)}",
                 f"no file in the declared backup directories: {', '.join(state.looked_in)}"),
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
