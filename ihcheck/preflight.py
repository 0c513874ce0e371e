"""`ihcheck preflight -i INV`: in seconds, what a check will be able to see, and what each gap will cost.

The probe (probes.preflight) says what each host has; this command turns each gap into its cost — the rules that
will be inconclusive because a family's tool is missing, the login is not root and cannot sudo without a prompt, or
the host cannot be reached — and the fix, before anyone waits for a long run to find out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from checker.catalogue import CATALOGUE
from ihcheck.result_view import print_wrapped
from ihcheck.terminal import clean
from probes.facts.declared import Declarations
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
    note: str = ""  # what still decides, or still shows, the rules judged without it


def _power_gap(host: Readiness, tool: str, declared: Declarations | None) -> tuple[bool, str] | None:
    """What a missing power tool costs, as probes.power reads power: None when the probe will not run it (in-band
    IPMI is read only when no BMC is declared; the BMC is asked from the checker), else (blind, note): blind when
    nothing else can show the server's supplies; the note says what still can, or that an attestation decides."""
    if declared is None:  # nothing known of the host's other sources: judged without it, as the probe reads
        return (False, "")
    if tool == "ipmitool" and declared.bmc is not None:
        return None
    if declared.power_attestation is not None:
        return (False, "证明文件 ihcheck_power_attestation 决定判定，本工具只提供佐证观测 "
                       "the attestation decides the verdict; this tool only adds supporting observations")
    privileged = bool(host.root or host.sudo)
    others = {"BMC (ihcheck_bmc)": declared.bmc is not None,
              "in-band ipmitool": tool != "ipmitool" and declared.bmc is None and bool(host.tools.get("ipmitool")),
              "dmidecode (SMBIOS)": tool != "dmidecode" and privileged and bool(host.tools.get("dmidecode")),
              "UPS (ihcheck_ups)": tool != "upsc" and bool(declared.ups) and bool(host.tools.get("upsc"))}
    left = [name for name, usable in others.items() if usable]
    if not left:
        return (True, "没有其他来源能读到服务器电源 nothing else can read the server's supplies")
    return (False, f"仍可读 still read by: {', '.join(left)} (若其读不到电源则无法判定 inconclusive if it shows none)")


def gaps(found: list[Readiness], declared: Mapping[str, Declarations] | None = None) -> list[Gap]:
    """Each host's gaps; `declared` (the inventory's declarations by host) lets a gap be weighed against what
    else the host declares (a BMC, an attestation, a UPS)."""
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
                    blind, note = use.effect == "blind", ""
                    rules = rules_needing([family]) if blind else rules_reading(family, use.rules)
                    if family == "power":
                        cost = _power_gap(host, tool, None if declared is None else declared.get(host.host))
                        if cost is None:
                            continue
                        blind, note = cost
                        rules = rules_needing([family])  # the rules the power facts decide, blind or not
                    out.append(Gap(host.host, f"缺少 missing {tool} ({use.why})",
                                   f"apt-get install {INSTALL.get(tool, tool)}", tuple(rules), blind, note))
    return out


def show(found: list[Readiness], endpoints: list[Endpoint], console: Console, seconds: float,
         declared: Mapping[str, Declarations] | None = None) -> int:
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
    found_gaps = gaps(found, declared)
    for gap in found_gaps:
        console.print()
        print_wrapped(console, f"[yellow]{_text(gap.host)}[/yellow]: {_text(gap.what)}", first=0)
        cost = "将无法判定 will be inconclusive" if gap.blind else "判定时缺少这部分观测 judged without it"
        print_wrapped(console, f"{cost} ({len(gap.rules)}): {_text(', '.join(gap.rules))}")
        if gap.note:
            print_wrapped(console, _text(gap.note))
        print_wrapped(console, f"[cyan]修复 Fix:[/cyan] {_text(gap.fix)}")
    unanswered = [e for e in endpoints if e.answered is False]
    console.print(f"\n{len(found)} 台主机 hosts in {seconds:.1f} s: "
                  f"{sum(h.reachable for h in found)} reachable, {len(found_gaps)} gap(s), "
                  f"{len(unanswered)} endpoint(s) not answering")
    return 0 if not found_gaps and not unanswered else 2
