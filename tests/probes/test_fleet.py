"""Fleet runs against real sshd hosts in network namespaces (simulator/netns_fleet.py): faults and both engines.

No containers: each host is a namespace with its own sshd, PID and mount namespace, machine-id and host key.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checker.catalogue import CATALOGUE
from ihcheck.run import run_check
from simulator.netns_fleet import Fleet, available

pytestmark = pytest.mark.skipif(available() is not None, reason=f"fleet lab: {available()}")

HOST_TIMEOUT = 25.0  # under a loaded CI a healthy host takes seconds; below the hung command's own 30 s limit
# A loaded machine (CI beside other work) once kept a healthy sshd's banner past the default 10 s; the silent host
# is then cut by its banner timeout or by its deadline, whichever comes first.
CONNECT_TIMEOUT = 20


def test_faulty_hosts_cost_only_their_own_rules(tmp_path: Path) -> None:
    """24 hosts: two with sshd stopped, one that accepts TCP and never speaks, one whose dmidecode hangs."""
    faults = {0: "down", 1: "down", 2: "silent", 3: "hang=/usr/sbin/dmidecode"}
    with Fleet(24, octet=214, faults=faults, workdir=tmp_path / "fleet") as fleet:
        inventory = fleet.inventory(tmp_path / "inventory.yml")
        started = time.monotonic()
        result = run_check(inventory, host_timeout=HOST_TIMEOUT, forks=8, connect_timeout=CONNECT_TIMEOUT).result  # a host's deadline runs from its own start
        elapsed = time.monotonic() - started
    # The run ends within its deadline: the slowest host is cut at HOST_TIMEOUT, plus parsing and judging.
    assert elapsed < HOST_TIMEOUT + 20, elapsed
    hosts = {h.name: h for h in result.facts.hosts}
    down, silent, hung = ["host001", "host002"], "host003", "host004"
    for name in down:
        assert not hosts[name].reachable and "cannot connect" in (hosts[name].unreachable_reason or "")
    # The silent host is cut by the SSH connect timeouts (CONNECT_TIMEOUT) or, on a slow machine, by the host's deadline.
    assert not hosts[silent].reachable and hosts[silent].unreachable_reason
    # The hung host answered: what finished before the hang is kept, what did not is unfinished, not an error.
    hung_facts = hosts[hung]
    assert hung_facts.reachable and hung_facts.identity is not None and hung_facts.services is not None
    assert hung_facts.power is None and not hung_facts.errors
    assert "did not finish within --host-timeout" in hung_facts.unfinished["power"]
    # Every other host's facts are whole.
    healthy = [h for h in result.facts.hosts if h.name not in (*down, silent, hung)]
    assert len(healthy) == 20
    for host in healthy:
        assert host.reachable and not host.errors and not host.unfinished
        assert None not in (host.identity, host.services, host.power, host.connections, host.egress, host.uplinks)
    # Those hosts' rules are inconclusive with the reason; nobody's rule is an error.
    power = {f.hosts[0]: f for f in result.findings if f.rule_id == "GD2020-1.2.3-power"}
    assert power[hung].verdict.value == "inconclusive" and "did not finish within --host-timeout" in power[hung].reason
    for name in (*down, silent):
        assert power[name].verdict.value == "inconclusive" and "unreachable" in power[name].reason
    assert all(power[h.name].verdict.value != "error" and "--host-timeout" not in power[h.name].reason for h in healthy)
    servers = next(f for f in result.findings if f.rule_id == "GD2020-1.2.3-servers")
    assert servers.verdict.value != "error" and "host005" in servers.hosts


MARKER = re.compile(r"@@ihcheck-[0-9a-f]{12}")  # a probe's framing marker: this run's secret (Session.marker)


def _comparable(result: object) -> dict[str, Any]:
    """Facts and verdicts without what may differ between two runs: times, the transport's name, and each
    host's age of its package index (the host's clock minus the index's mtime: compared apart)."""
    from reports.result import CheckResult

    assert isinstance(result, CheckResult)
    def untimed(value: Any) -> Any:  # every fact's own `collected_at` too
        if isinstance(value, dict):
            return {k: untimed(v) for k, v in value.items() if k not in ("collected_at", "index_age_days")}
        return [untimed(v) for v in value] if isinstance(value, list) else value

    facts = untimed(result.facts.model_dump(mode="json"))
    for host in facts["hosts"]:
        assert host.pop("transport") in ("paramiko", "ansible", None)
    verdicts = [(f.rule_id, f.verdict.value, f.hosts, f.reason, f.evidence, f.observations) for f in result.findings]
    return {"facts": facts, "findings": verdicts}


def test_both_engines_gather_identical_facts_and_verdicts(tmp_path: Path) -> None:
    with Fleet(4, octet=216, faults={3: "down"}, workdir=tmp_path / "fleet") as fleet:
        inventory = fleet.inventory(tmp_path / "inventory.yml")
        rules = [r.id for r in CATALOGUE]  # every rule, so every probe: the MLPS baseline too
        direct_started = time.time()
        direct = run_check(inventory, engine="direct", rule_ids=rules).result
        ansible_started = time.time()
        ansible = run_check(inventory, engine="ansible", ansible_dir=tmp_path / "runner", rule_ids=rules).result
        ansible_ended = time.time()
    # the private-data directory ansible-runner ran, kept: a play and one batch per host, as AWX/AAP would run it
    assert (tmp_path / "runner" / "project" / "ihcheck.yml").is_file()
    assert len(list((tmp_path / "runner" / "project" / "batches").glob("*.sh"))) == 4
    assert (tmp_path / "runner" / "artifacts").is_dir()
    assert {h.transport for h in direct.facts.hosts if h.reachable} == {"paramiko"}
    assert {h.transport for h in ansible.facts.hosts if h.reachable} == {"ansible"}
    assert [h.reachable for h in ansible.facts.hosts] == [True, True, True, False]
    left, right = _comparable(direct), _comparable(ansible)
    unreachable = {"direct": direct.facts.hosts[3].unreachable_reason, "ansible": ansible.facts.hosts[3].unreachable_reason}
    for side in (left, right):  # the unreachable host's reason is each engine's own words
        side["facts"]["hosts"][3].pop("unreachable_reason")
    assert left["facts"] == right["facts"]
    # The package index's age is the host's clock minus the index's mtime: it grows by the time between the
    # two runs' reads of the clock, and by nothing else.
    ages = [[h.baseline.updates.index_age_days for h in r.facts.hosts if h.reachable and h.baseline]
            for r in (direct, ansible)]
    assert len(ages[0]) == len(ages[1]) == 3 and all(a is not None for a in ages[0] + ages[1]), ages
    for early, late in zip(*ages, strict=True):
        assert 0 <= (late - early) * 86400 <= ansible_ended - direct_started + 1, (early, late)
    assert ansible_started > direct_started
    differing = [(a, b) for a, b in zip(left["findings"], right["findings"], strict=True) if a != b]
    # Only findings that quote the unreachable host's reason may differ, and then only in that reason.
    for a, b in differing:
        assert a[:3] == b[:3] and "host004" in a[2], (a, b)
    assert all(u for u in unreachable.values())
    # Same commands, same observation ids, each with its own SHA-256, whichever engine ran them.
    for result in (direct, ansible):
        host1 = [o for o in result.observations if o.host == "host001"]
        assert [o.id for o in host1] == [f"host001#{n}" for n in range(1, len(host1) + 1)]
    # (The baseline's marker is each run's own secret: the same command apart from it.)
    commands = [[MARKER.sub("@@ihcheck-M", o.command) for o in r.observations if o.host == "host001"]
                for r in (direct, ansible)]
    assert commands[0] == commands[1]
    assert any("@@ihcheck-M" in c for c in commands[0])


def test_ansible_follow_ups_of_all_hosts_go_in_one_round(tmp_path: Path) -> None:
    """Follow-up commands asked at once by several hosts (two by one host) run as one ansible-runner play,
    and each still gets its own exit status and output; a host Ansible cannot reach gets HostUnreachable."""
    from concurrent.futures import ThreadPoolExecutor

    from checker.errors import HostUnreachable
    from probes.ansible_engine import FollowUpRounds, ansible_env
    from probes.inventory import load_inventory
    from probes.transport import TransportOptions

    with Fleet(3, octet=217, faults={2: "down"}, workdir=tmp_path / "fleet") as fleet:
        inventory = fleet.inventory(tmp_path / "inventory.yml")
        hosts = load_inventory(inventory).hosts
        rounds = FollowUpRounds(tmp_path / "runner", str(inventory), ansible_env(TransportOptions()), forks=4,
                                window=2.0)  # wide enough for all five asks on a loaded machine
        asks = [(h, n) for h in hosts for n in ((3, 4) if h.name == "host001" else (5,))]
        with ThreadPoolExecutor(max_workers=len(asks)) as pool:
            futures = [pool.submit(rounds.run, h, f"hostname; echo err{n} >&2; exit {n}", timeout=30, cap=1 << 20)
                       for h, n in asks]
            answers = [f.exception() or f.result() for f in futures]
    assert rounds.rounds == 1
    assert (tmp_path / "runner" / "project" / "followups" / "1" / "play.yml").is_file()
    for (host, n), answer in zip(asks, answers, strict=True):
        if host.name == "host003":  # down
            assert isinstance(answer, HostUnreachable), answer
            continue
        assert not isinstance(answer, BaseException), answer
        assert (answer.returncode, answer.stdout, answer.stderr) == (n, f"{host.name}\n".encode(), f"err{n}\n".encode())


@pytest.mark.skipif(shutil.which("apt-cache") is None, reason="no apt on this machine")
@contextlib.contextmanager
def _dpkg_busy() -> Iterator[None]:
    """Hold dpkg's frontend lock as a running apt does (a few seconds), where the machine has one."""
    lock = Path("/var/lib/dpkg/lock-frontend")
    if not lock.exists():
        yield
        return
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def test_lab_hosts_keep_an_apt_cache_as_installed_servers_do(tmp_path: Path) -> None:
    """A container-built checker machine turns apt's package cache off (docker-clean); a lab host has one, built
    once per lab and read-only, and the baseline probe's own command answers on it exactly as on this machine."""
    from probes.baseline import UPDATES_COMMAND

    with _dpkg_busy(), Fleet(2, octet=218, workdir=tmp_path / "fleet") as fleet:  # booting beside a running apt
        def on(host: int, command: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                ["ssh", "-i", str(fleet.client_key), "-o", f"UserKnownHostsFile={fleet.known_hosts}",
                 "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", f"root@{fleet.hosts[host].address}",
                 command], capture_output=True, text=True, timeout=120, check=False)

        settings = on(0, "apt-config dump")
        assert settings.returncode == 0, settings.stderr
        assert 'Dir::Cache::pkgcache "pkgcache.bin";' in settings.stdout
        cache = on(1, "test -s /var/cache/apt/pkgcache.bin && touch /var/cache/apt/pkgcache.bin")
        assert cache.returncode != 0 and "Read-only file system" in cache.stderr, cache
        answers = [on(i, UPDATES_COMMAND) for i in (0, 1)]
    here = subprocess.run(["sh", "-c", UPDATES_COMMAND], capture_output=True, text=True, check=False)
    assert here.stdout.startswith("apt\n") and "\n--\n" in here.stdout
    assert [(a.returncode, a.stdout) for a in answers] == [(0, here.stdout)] * 2
