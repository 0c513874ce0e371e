"""Backup evidence (L3-CES1-29) read on this machine: the newest file a job wrote, found by the job's own names,
through the real shell and find; a path from a crontab reaches the shell only as a quoted plain path."""

from __future__ import annotations

import os
from pathlib import Path

from probes import backups
from probes.facts.baseline import Setting
from tests.probes.conftest import local_session


def _job(line: str) -> Setting:
    return Setting(key="cron", value=line, file="/etc/cron.d/backup", line=1)


def test_the_jobs_own_files_are_found_and_debians_dpkg_copies_are_not(tmp_path: Path) -> None:
    (tmp_path / "dpkg.status.0").write_text("newest, but Debian's own\n")
    for name, age in (("pg-2026-11-28.sql.gz", 3 * 86400), ("pg-2026-11-29.sql.gz", 2 * 86400)):
        (tmp_path / name).write_text("dump\n")
        os.utime(tmp_path / name, (1796000000 - age, 1796000000 - age))
    targets = backups.job_targets([_job(f"30 2 * * * root pg_dumpall | gzip > {tmp_path}/pg-$(date +\\%F).sql.gz")])
    assert targets == [(str(tmp_path), "pg-*", 1)]
    obs = local_session().run(backups.command("@@m", targets, []))
    found = backups.parse(obs.stdout, "@@m", [])
    assert [(a.path, int(a.mtime.timestamp())) for a in found] == [(f"{tmp_path}/pg-2026-11-29.sql.gz", 1796000000 - 2 * 86400)]


def test_tar_borg_and_declared_directories(tmp_path: Path) -> None:
    repo = tmp_path / "borg"
    (repo / "data" / "0").mkdir(parents=True)
    (repo / "data" / "0" / "17").write_text("segment\n")
    jobs = [_job(f"0 3 * * * root tar -czf {tmp_path}/etc-$(date +\\%F).tgz /etc"),
            _job(f"0 4 * * * root borg create {repo}::his-{{now}} /var/lib/his")]
    targets = backups.job_targets(jobs)
    assert targets == [(str(tmp_path), "etc-*", 1), (str(repo), "*", 3)]
    declared = tmp_path / "declared"
    declared.mkdir()
    (declared / "nightly.dump").write_text("x\n")
    obs = local_session().run(backups.command("@@m", targets, [str(declared)]))
    found = {a.path: a.source for a in backups.parse(obs.stdout, "@@m", [str(declared)])}
    assert found == {f"{repo}/data/0/17": "job output", f"{declared}/nightly.dump": "declared directory"}


def test_a_crontab_path_is_never_code(tmp_path: Path) -> None:
    canary = tmp_path / "ran"
    jobs = [_job(f"0 1 * * * root backup > /srv/$(touch {canary})/x.gz"),
            _job(f"0 1 * * * root backup -f '/srv/a b;touch {canary}'"),
            _job(f"0 1 * * * root backup > /srv/`touch {canary}`.gz")]
    targets = backups.job_targets(jobs)
    local_session().run(backups.command("@@m", targets, []))
    assert not canary.exists()
    assert all(backups._PLAIN_DIR.match(d) for d, _, _ in targets)
