"""run_check is the one path from an inventory to a result: only the probes the rules need run, and waivers
are applied there, so `check`, `demo` and the benchmarks treat them alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.errors import InputError
from checker.model import Verdict
from ihcheck.run import run_check

ROOT = Path(__file__).resolve().parents[2]
LOCALHOST = ROOT / "inventories" / "localhost.yml"
SERVERS = "GD2020-1.2.3-servers"

WAIVERS = """\
waivers:
  - rule: GD2020-1.2.3-servers
    justification: the second server is on order
    owner: 信息科
    ticket: OPS-9
    expires: 2999-12-31
  - rule: GD2020-1.2.3-power
    justification: stale
    owner: 信息科
    ticket: OPS-1
    expires: 2020-01-01
"""


def test_a_rule_runs_only_the_probes_it_needs() -> None:
    run = run_check(LOCALHOST, rule_ids=[SERVERS])
    [host] = run.result.facts.hosts
    assert host.identity is not None
    assert (host.services, host.uplinks, host.egress, host.power, host.av, host.connections) == (None,) * 6
    commands = " ".join(o.command for o in run.result.observations)
    assert "iperf3" not in commands and "ss -" not in commands
    assert run.result.facts.documents is None  # no rule asked for the documents folder


def test_waivers_are_applied_by_run_check(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yml"
    waivers.write_text(WAIVERS, encoding="utf-8")
    run = run_check(LOCALHOST, rule_ids=[SERVERS], waivers_file=waivers)
    [finding] = run.result.findings
    assert finding.verdict is Verdict.FAIL and finding.waiver is not None and finding.waiver.ticket == "OPS-9"
    assert run.result.exit_code == 0  # accepted
    assert {s.waiver.ticket: s.state for s in run.waivers} == {"OPS-9": "applied", "OPS-1": "expired"}
    assert run.waivers_file == waivers


def test_a_bad_waiver_file_fails_before_any_host_is_contacted(tmp_path: Path) -> None:
    bad = tmp_path / "waivers.yml"
    bad.write_text("waivers: [{rule: x}]\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"waivers\.yml"):
        run_check(ROOT / "inventories" / "example.yml", waivers_file=bad)  # example.yml's hosts do not exist


def test_the_collector_sets_start_up_objects_aside_during_a_check_and_is_as_it_was_after() -> None:
    import gc

    from ihcheck.run import long_lived_so_far

    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    with long_lived_so_far():
        assert gc.get_freeze_count() > frozen and gc.get_threshold()[0] == 20_000
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1  # what the run drops is still collected
    assert gc.get_threshold() == threshold and gc.get_freeze_count() == 0
