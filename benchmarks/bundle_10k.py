"""Bundle write and verify time for 10,000 findings (target: verify ≤ 1 s on the 2-core reference machine).

500 hosts × 20 per-host findings, each citing 2 of its host's 10 observations (5,000 observation
files of ~1 KiB each, with a planted secret in every tenth so redaction does real work).

    .venv/bin/python benchmarks/bundle_10k.py [--hosts 500] [--rules 20]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from checker.catalogue import CATALOGUE
from checker.model import Evidence, Finding, Verdict
from probes.facts import DeploymentFacts, HostFacts
from probes.facts.identity import MachineIdentity
from probes.observation import ObservationLog
from reports.bundle import write_bundle
from reports.keys import SigningKeys
from reports.result import CheckResult
from reports.verify import verify_bundle

WHEN = datetime(2026, 11, 23, tzinfo=UTC)


def build(hosts: int, rules: int, per_host_obs: int = 10) -> CheckResult:
    log = ObservationLog()
    host_facts = []
    findings = []
    verdicts = list(Verdict)
    for h in range(hosts):
        name = f"host{h:04d}"
        obs = []
        for i in range(per_host_obs):
            secret = " --password=hunter2" if i == 9 else ""
            stdout = "".join(f"LISTEN 0 511 10.{h // 256}.{h % 256}.{i}:{8000 + j} 0.0.0.0:* users:((\"java\"))\n"
                             for j in range(12)) + secret
            obs.append(log.record(host=name, transport="paramiko", command=f"ss -Htlnp # {i}", exit_status=0,
                                  stdout=stdout, stderr="", started_at=WHEN, ended_at=WHEN).id)
        host_facts.append(HostFacts(name=name, address=f"10.{h // 256}.{h % 256}.1", reachable=True,
                                    identity=MachineIdentity(hostname=name, machine_id=f"m{h}",
                                                             observations=(obs[0],))))
        for r in range(rules):
            rule = CATALOGUE[r % len(CATALOGUE)]
            cited = (obs[r % per_host_obs], obs[(r + 1) % per_host_obs])
            findings.append(Finding(rule_id=rule.id, verdict=verdicts[(h + r) % len(verdicts)], hosts=(name,),
                                    reason=f"{name}: synthetic finding {r}",
                                    evidence=(Evidence(host=name, statement=f"{name} listens on 8000",
                                                       observations=cited),)))
    facts = DeploymentFacts(inventory="bench.yml", collected_at=WHEN, hosts=tuple(host_facts))
    return CheckResult.build(rules=CATALOGUE, facts=facts, findings=findings, observations=log.all(),
                             started_at=WHEN, finished_at=WHEN + timedelta(minutes=5))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--rules", type=int, default=20)
    args = parser.parse_args()
    result = build(args.hosts, args.rules)
    keys = SigningKeys.generate()
    work = Path(tempfile.mkdtemp(prefix="ihcheck-bench-"))
    try:
        inventory = work / "bench.yml"
        inventory.write_text("all:\n  hosts:\n" + "".join(f"    host{h:04d}:\n" for h in range(args.hosts)))
        hosts = [{"name": h.name, "address": h.address} for h in result.facts.hosts]
        t0 = time.perf_counter()
        written = write_bundle(result, inventory, work / "bundle", keys=keys, parsed_hosts=hosts)
        t1 = time.perf_counter()
        pinned = set(keys.public().fingerprints())
        check_dir = verify_bundle(written.directory, pinned)
        t2 = time.perf_counter()
        assert written.tarball is not None
        check_tar = verify_bundle(written.tarball, pinned)
        t3 = time.perf_counter()
        assert check_dir.ok and check_tar.ok, (check_dir.problems, check_tar.problems)
        files = len(written.manifest["files"])
        size = sum(p.stat().st_size for p in written.directory.rglob("*") if p.is_file())
        print(f"findings: {len(result.findings)}, observations: {len(result.observations)}, files: {files}, "
              f"bundle {size / 2**20:.1f} MiB, tar.gz {written.tarball.stat().st_size / 2**20:.1f} MiB, "
              f"redactions: {written.manifest['redactions']['total']}")
        print(f"write (with tar.gz): {t1 - t0:.2f} s")
        print(f"verify directory:    {t2 - t1:.2f} s")
        print(f"verify tar.gz:       {t3 - t2:.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
