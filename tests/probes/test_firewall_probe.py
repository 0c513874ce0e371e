"""The firewall probe against real rulesets, each loaded into a network namespace of the test's own.

The machine's own ruleset is never read or touched: every command of the probe runs through
`ip netns exec` in a namespace the test created (and deletes), where `nft -f` loaded the ruleset under test.
Without nft on the PATH the probe falls back to iptables-save (a real iptables-nft ruleset); as an
unprivileged user it is told "Operation not permitted" and says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from probes import firewall
from probes.facts.firewall import FirewallFacts
from probes.inventory import InventoryHost
from probes.observation import Observation, ObservationLog
from probes.transport import Session
from probes.transport.base import TransportOptions
from probes.transport.process import _ProcessTransport

DEFAULT_DENY = """
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    ip saddr 10.20.0.0/24 tcp dport 22 accept
    tcp dport { 80, 443 } accept
    jump mgmt
  }
  chain mgmt {
    ip saddr 10.30.0.0/24 udp dport 623 accept
  }
}
"""
ACCEPT_ALL = """
table inet filter {
  chain input { type filter hook input priority 0; policy accept; tcp dport 22 accept; }
}
"""
FINAL_REJECT = """
table ip filter {
  chain input { type filter hook input priority 0; policy accept; tcp dport 443 accept; reject; }
}
"""

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("nft") or not shutil.which("iptables-save"),
                                reason="needs root, nft and iptables-save (setup.sh --dev installs nftables)")


class _InNamespace(_ProcessTransport):
    """Every command in the test's namespace, with the PATH and user the test chose."""

    def __init__(self, netns: str, path: str, user: int | None = None) -> None:
        super().__init__(TransportOptions())
        self._prefix = ["ip", "netns", "exec", netns, "env", f"PATH={path}"]
        if user is not None:
            self._prefix += ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"]

    def argv(self, command: str) -> list[str]:
        return [*self._prefix, "sh", "-c", command]


@pytest.fixture
def netns() -> Iterator[str]:
    name = f"ihc-fwtest-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


def _load(netns: str, ruleset: str) -> None:
    subprocess.run(["ip", "netns", "exec", netns, "nft", "-f", "-"], input=ruleset, text=True, check=True)


def _only(tmp_path: Path, *tools: str) -> str:
    """A PATH holding the shell and what the session's command wrapper uses, plus `tools` (nft left out)."""
    only = tmp_path / "bin"
    only.mkdir(parents=True)
    for tool in ("sh", "env", "timeout", "grep", *tools):
        (only / tool).symlink_to(shutil.which(tool) or "")
    return str(only)


def _collect(netns: str, path: str = "/usr/sbin:/usr/bin:/sbin:/bin", user: int | None = None) -> tuple[FirewallFacts, list[Observation]]:
    host = InventoryHost(name="fw", address="fw", connection="local")
    log = ObservationLog()
    facts = firewall.collect(Session(host=host, transport=_InNamespace(netns, path, user), log=log))
    return facts, list(log.all())


def test_default_deny_ruleset_lists_what_it_lets_in(netns: str) -> None:
    _load(netns, DEFAULT_DENY)
    facts, observations = _collect(netns)
    assert facts.readable and facts.tool == "nft" and facts.ipv6_seen
    [chain] = facts.chains
    assert (chain.family, chain.table, chain.name, chain.policy) == ("inet", "filter", "input", "drop")
    assert chain.denies_by_default
    assert [r.describe() for r in chain.rules] == [
        "accept in lo", "accept state established,related", "accept tcp port 22 from 10.20.0.0/24",
        "accept tcp port 80,443", "accept udp port 623 from 10.30.0.0/24"]
    assert [firewall.NFT in o.command for o in observations] == [True]


def test_accept_all_and_final_reject(netns: str) -> None:
    _load(netns, ACCEPT_ALL)
    facts, _ = _collect(netns)
    assert facts.readable and not facts.chains[0].denies_by_default
    subprocess.run(["ip", "netns", "exec", netns, "nft", "flush", "ruleset"], check=True)
    _load(netns, FINAL_REJECT)
    facts, _ = _collect(netns)
    [chain] = facts.chains
    assert chain.policy == "accept" and chain.denies_by_default
    assert [r.verdict for r in chain.rules] == ["accept", "reject"]


def test_empty_ruleset_is_read_as_no_input_chain(netns: str) -> None:
    facts, _ = _collect(netns)
    assert facts.readable and facts.chains == ()


def test_iptables_nft_rules_are_read_with_iptables_save(netns: str) -> None:
    for rule in (["-P", "INPUT", "DROP"], ["-A", "INPUT", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED",
                                           "-j", "ACCEPT"],
                 ["-A", "INPUT", "-p", "tcp", "-m", "multiport", "--dports", "80,443", "-j", "ACCEPT"]):
        subprocess.run(["ip", "netns", "exec", netns, "iptables", *rule], check=True)
    facts, observations = _collect(netns)
    assert facts.tool == "nft" and [firewall.IPTABLES in observations[1].command, firewall.IP6TABLES in
                                    observations[2].command] == [True, True]
    chain, six = facts.chains
    assert (chain.family, chain.policy, six.family, six.policy) == ("ip", "drop", "ip6", "accept") and facts.ipv6_seen
    assert [r.describe() for r in chain.rules] == ["accept state related,established", "accept tcp port 80,443"]


def test_without_nft_iptables_save_reads_ipv4_and_ip6tables_save_ipv6(netns: str, tmp_path: Path) -> None:
    subprocess.run(["ip", "netns", "exec", netns, "iptables", "-P", "INPUT", "DROP"], check=True)
    subprocess.run(["ip", "netns", "exec", netns, "ip6tables", "-P", "INPUT", "DROP"], check=True)
    facts, _ = _collect(netns, path=_only(tmp_path, "iptables-save"))
    assert facts.readable and facts.tool == "iptables-save" and not facts.ipv6_seen
    assert facts.chains[0].policy == "drop" and "IPv6 not seen (ip6tables-save is not installed)" in facts.notes[0]
    both, _ = _collect(netns, path=_only(tmp_path / "both", "iptables-save", "ip6tables-save"))
    assert both.ipv6_seen and [(c.family, c.policy) for c in both.chains] == [("ip", "drop"), ("ip6", "drop")]


def test_without_either_tool_the_reason_is_kept(netns: str, tmp_path: Path) -> None:
    facts, _ = _collect(netns, path=_only(tmp_path))
    assert not facts.readable and facts.reason == "nft is not installed; iptables-save is not installed"


def test_unprivileged_user_is_told_why(netns: str) -> None:
    _load(netns, DEFAULT_DENY)
    facts, _ = _collect(netns, user=65534)
    assert not facts.readable and facts.chains == ()
    assert facts.reason and "needs root or CAP_NET_ADMIN" in facts.reason
