"""`ihcheck preflight -i INV`: in seconds, what a check will be able to see, and what each gap will cost.

The probe (probes.preflight) says what each host has; this command turns each gap into its cost — the rules that
will be inconclusive because a family's tool is missing, the login is not root and cannot sudo without a prompt, or
the host cannot be reached — and the fix, before anyone waits for a long run to find out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from checker.catalogue import CATALOGUE
from ihcheck.terminal import clean
from probes.preflight import TOOLS, Endpoint, Readiness

# Families whose probe reads what only root may read (/etc/shadow, audit rules, SMBIOS): a login that is neither
# root nor allowed passwordless sudo leaves their rules inconclusive.
NEEDS_ROOT = ("baseline", "power")

INSTALL = {
    "ss": "iproute2", "ip": "iproute2", "ps": "procps", "dpkg-query": "dpkg", "curl": "curl", "iperf3": "iperf3",
    "dmidecode": "dmidecode", "ipmitool": "ipmitool", "upsc": "nut-client", "auditctl": "auditd",
    "sshd": "openssh-server", "python3": "python3",
}


def _text(value: object) -> str:
    return escape(clean(value))


def rules_needing(families: Iterable[str]) -> list[str]:
    wanted = set(families)
    return [r.id for r in CATALOGUE if wanted & (set(r.needs) - set(r.optional))]


def rules_reading(family: str, suffixes: Iterable[str]) -> list[str]:
    """The rules needing `family` whose ids end with one of `suffixes` (the ones that read that part of it)."""
    ends = tuple(suffixes)
    return [r for r in rules_needing([family]) if r.endswith(ends)]


@dataclass(frozen=True)
class Gap:
    """Something a host lacks, what it costs and how to fix it. `blind`: the rules will be inconclusive; else they
    are judged without that part (a missing tool can also be a finding: no auditd is an audit failure)."""

    host: str
    what: str
    fix: str
    rules: tuple[str, ...]
    blind: bool = True


def gaps(found: list[Readiness]) -> list[Gap]:
    out: list[Gap] = []
    for host in found:
        if not host.reachable:
            out.append(Gap(host.host, f"无法连接 unreachable: {host.error}",
                           "检查地址、端口、用户和密钥 check the address, port, user and key (ansible_host, "
                           "ansible_user, ansible_ssh_private_key_file) and the host key in known_hosts",
                           tuple(r.id for r in CATALOGUE if r.scope == "host")))
            continue
        if not host.root and not host.sudo:
            out.append(Gap(host.host, f"{host.user} 不是 root，且不能免密 sudo is not root and cannot sudo "
                                      "without a password",
                           f"以 root 登录，或为 {host.user} 配置 NOPASSWD sudo log in as root, or give {host.user} "
                           "passwordless sudo for the probes' commands", tuple(rules_needing(NEEDS_ROOT))))
        for family, tools in TOOLS.items():
            for tool, use in tools.items():
                if host.tools.get(tool) is False:
                    blind = use.effect == "blind"
                    rules = rules_needing([family]) if blind else rules_reading(family, use.rules)
                    out.append(Gap(host.host, f"缺少 missing {tool} ({use.why})",
                                   f"apt-get install {INSTALL.get(tool, tool)}", tuple(rules), blind))
    return out


def show(found: list[Readiness], endpoints: list[Endpoint], console: Console, seconds: float) -> int:
    """Print the hosts, the endpoints and the gaps; the exit code: 0 ready, 2 some rules will be inconclusive."""
    table = Table(title="ihcheck preflight — 检查前自检", show_lines=False)
    table.add_column("主机 Host", no_wrap=True)
    table.add_column("登录 Login", no_wrap=True)
    table.add_column("权限 Root/sudo", no_wrap=True)
    table.add_column("缺少的工具 Missing tools", overflow="fold")
    for host in found:
        if not host.reachable:
            table.add_row(_text(host.host), "[red]✗ 无法连接 unreachable[/red]", "", _text(host.error or ""))
            continue
        privilege = "root" if host.root else ("sudo ✓" if host.sudo else "[red]✗ 无 none[/red]")
        missing = [t for t, present in host.tools.items() if not present]
        table.add_row(_text(host.host), f"✓ {_text(host.user)} ({_text(host.transport)})", privilege,
                      "[yellow]" + _text(", ".join(missing)) + "[/yellow]" if missing else "✓ 无 none")
    console.print(table)
    for ep in endpoints:
        mark = "✓" if ep.answered else ("✗" if ep.answered is False else "·")
        console.print(f"{mark} {_text(ep.host)}: {_text(ep.what)} {_text(ep.address)}:{ep.port} — {_text(ep.detail)}")
    found_gaps = gaps(found)
    for gap in found_gaps:
        console.print(f"\n[yellow]{_text(gap.host)}[/yellow]: {_text(gap.what)}")
        cost = "将无法判定 will be inconclusive" if gap.blind else "判定时缺少这部分观测 judged without it"
        console.print(f"  {cost} ({len(gap.rules)}): {_text(', '.join(gap.rules))}")
        console.print(f"  [cyan]修复 Fix:[/cyan] {_text(gap.fix)}")
    unanswered = [e for e in endpoints if e.answered is False]
    console.print(f"\n{len(found)} 台主机 hosts in {seconds:.1f} s: "
                  f"{sum(h.reachable for h in found)} reachable, {len(found_gaps)} gap(s), "
                  f"{len(unanswered)} endpoint(s) not answering")
    return 0 if not found_gaps and not unanswered else 2
