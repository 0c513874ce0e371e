"""What the MLPS judges share: the thresholds (stated in each check's `standard`), sentences said in both
languages, and how a judge's parts combine into one outcome."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from checker.engine import why_missing
from checker.model import Evidence, Said, Verdict
from probes.facts import HostFacts
from probes.facts.baseline import PACKAGES_ASKED_ABOUT, BaselineFacts, Problem, Setting, SshdConfig

# Accounts a Linux distribution ships, which 访问控制 b asks to be removed, renamed or made unusable.
DISTRIBUTION_ACCOUNTS = frozenset(
    [
        "daemon",
        "bin",
        "sys",
        "sync",
        "games",
        "man",
        "lp",
        "mail",
        "news",
        "uucp",
        "proxy",
        "www-data",
        "backup",
        "list",
        "irc",
        "gnats",
        "nobody",
        "adm",
        "operator",
        "halt",
        "shutdown",
        "ftp",
        "gopher",
        "systemd-network",
        "systemd-resolve",
        "systemd-timesync",
        "messagebus",
        "_apt",
        "sshd",
        "tss",
    ]
)

MAX_PASSWORD_DAYS = 90
MIN_PASSWORD_LENGTH = 8
MIN_CLASSES = 3
MAX_DENY = 5
MIN_UNLOCK_SECONDS = 300
MAX_IDLE_SECONDS = 600
MIN_LOG_DAYS = 180
MAX_SIGNATURE_DAYS = 7
MAX_INDEX_DAYS = 7
MAX_BACKUP_AGE_DAYS = 8  # the newest backup at most this old: a weekly job, and a day's grace

# Ports whose services are cleartext or commonly attacked; exposed beyond loopback they fail 入侵防范 b.
HIGH_RISK_PORTS: dict[tuple[str, int], str] = {
    ("tcp", 21): "FTP",
    ("tcp", 23): "Telnet",
    ("udp", 69): "TFTP",
    ("tcp", 111): "rpcbind",
    ("udp", 111): "rpcbind",
    ("tcp", 135): "MS-RPC",
    ("udp", 137): "NetBIOS-NS",
    ("udp", 138): "NetBIOS-DGM",
    ("tcp", 139): "NetBIOS-SSN",
    ("tcp", 445): "SMB",
    ("tcp", 512): "rexec",
    ("tcp", 513): "rlogin",
    ("tcp", 514): "rsh",
    ("tcp", 873): "rsync",
    ("tcp", 2049): "NFS",
    ("tcp", 2375): "Docker API (no TLS)",
    ("tcp", 3389): "RDP",
    ("tcp", 5900): "VNC",
    ("tcp", 5901): "VNC",
    ("tcp", 6379): "Redis",
    ("tcp", 11211): "Memcached",
    ("udp", 11211): "Memcached",
    ("tcp", 27017): "MongoDB",
}
CLEARTEXT_ADMIN = {21: "FTP", 23: "Telnet", 512: "rexec", 513: "rlogin", 514: "rsh"}
WEAK_CIPHERS = ("cbc", "arcfour", "3des", "blowfish", "cast128")
WEAK_MACS = ("hmac-md5", "hmac-sha1", "umac-64", "hmac-ripemd160")
WEAK_KEX = (
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group-exchange-sha1",
    "gss-group1-sha1",
    "gss-gex-sha1",
)
UNNECESSARY_PACKAGES = PACKAGES_ASKED_ABOUT  # the facts keep exactly these of a host's packages


# The judges' shared sentences, written once in both languages (issue 13: a regulator reads the Chinese first).
ASSESSOR = Said("需由测评机构判定／请附证明材料", "needs the assessor / attach evidence")
ACCOUNTS_UNREAD = Said("无法读取账户或 /etc/shadow 摘要", "accounts or the /etc/shadow summary could not be read")
NONE = Said("无", "none")


def attested(path: str, observed: Said) -> Said:
    """A document named in ihcheck_mlps_evidence stands in for what the host showed (or could not show)."""
    return Said(
        f"经文件 {path} 证明（非观测；主机上观测到：{observed.zh}）", f"attested by {path} (observed: {observed.en})"
    )


def listed(items: Iterable[str], empty: Said = NONE) -> Said:
    """Names, paths or quoted values listed in both languages ("、" between them in the Chinese)."""
    values = list(items)
    return Said("、".join(values), ", ".join(values)) if values else empty


def where(file: str, line: int | None) -> Said:
    """`Setting.where` / `Problem` location in both languages."""
    return Said(f"{file} 第 {line} 行", f"{file}, line {line}") if line is not None else Said(file, file)


def at_zh(located: str) -> str:
    """A location the baseline facts wrote as "FILE, line N" (`Setting.where`, `PamLine.where`), in Chinese."""
    return re.sub(r", line (\d+)$", r" 第 \1 行", located)


def setting(s: Setting) -> Said:
    """`Setting.describe()` in both languages; the directive is quoted as written."""
    at = where(s.file, s.line)
    return Said(f"{s.key} {s.value}".rstrip() + f"（{at.zh}）", s.describe())


def problem(p: Problem) -> Said:
    """`Problem.describe()` in both languages; the parser's own message is quoted as it came (English)."""
    at = where(p.file, p.line)
    return Said(f"{at.zh}：{p.message}", p.describe())


def problems_said(problems: Iterable[Problem]) -> Said:
    return Said.join(problem(p) for p in list(problems)[:5])


def sockets_not_observed(host: HostFacts) -> Said:
    w = why_missing(host, "services")
    return Said(f"未观测到监听端口（{w.zh}）", f"listening sockets not observed ({w.en})")


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    actual: Said  # 实际情况, one line, in Chinese and English
    evidence: tuple[Evidence, ...] = ()
    partial: bool = False  # some of the item's requirements met (部分符合)
    problems: tuple[Problem, ...] = field(default=())


Judge = Callable[[HostFacts, BaselineFacts], Outcome]


def _ev(host: HostFacts, b: BaselineFacts, statement: str, *parts: str) -> Evidence:
    return Evidence(host=host.name, statement=f"{host.name}: {statement}", observations=b.cite(*parts))


def _settings(host: HostFacts, b: BaselineFacts, part: str, settings: Iterable[Setting | None]) -> list[Evidence]:
    return [_ev(host, b, s.describe(), part) for s in settings if s is not None]


def _combine(
    host: HostFacts,
    b: BaselineFacts,
    parts: list[tuple[str, bool, Said]],
    evidence: list[Evidence],
    problems: Iterable[Problem] = (),
) -> Outcome:
    """An item made of several requirements: pass if all hold, fail (partial when some hold) otherwise."""
    failed = [text for _, ok, text in parts if not ok]
    actual = Said.join(text for _, _, text in parts)
    if not failed:
        return Outcome(Verdict.PASS, actual, tuple(evidence), problems=tuple(problems))
    return Outcome(Verdict.FAIL, actual, tuple(evidence), partial=len(failed) < len(parts), problems=tuple(problems))


def _sshd_unreadable(cfg: SshdConfig | None) -> Outcome:
    unread = Said("无法读取 sshd 配置", "sshd configuration could not be read")
    if cfg and cfg.problems:
        unread += Said("：", ": ") + problems_said(cfg.problems)
    return Outcome(Verdict.INCONCLUSIVE, unread)


def _duplicate(key: str, names: list[str]) -> Said:
    """One of `Accounts.duplicates()`: "name root" or "UID 0" held by more than one account line."""
    zh = f"用户名 {key.removeprefix('name ')}" if key.startswith("name ") else key
    return Said(f"{zh}：{'、'.join(names)}", f"{key}: {names}")




def _listening(host: HostFacts, ports: Iterable[tuple[str, int]], *, beyond_loopback: bool) -> list[str]:
    wanted = set(ports)
    found = []
    for s in host.services.sockets if host.services else ():
        if (s.protocol, s.port) in wanted and not (beyond_loopback and s.address.startswith(("127.", "::1"))):
            found.append(f"{s.address}:{s.port}/{s.protocol}" + (f" ({s.process})" if s.process else ""))
    return found


def weak_algorithm(key: str, alg: str) -> bool:
    """Whether an SSH algorithm is one 等保 assessors and NIST SP 800-131A treat as weak.

    >>> [weak_algorithm("ciphers", a) for a in ("aes128-cbc", "aes256-gcm@openssh.com")]
    [True, False]
    >>> [weak_algorithm("macs", a) for a in ("hmac-sha1-etm@openssh.com", "hmac-sha2-512-etm@openssh.com")]
    [True, False]
    """
    if key == "ciphers":
        return any(w in alg for w in WEAK_CIPHERS)
    if key == "macs":
        return alg.removesuffix("-etm@openssh.com").removesuffix("@openssh.com").startswith(WEAK_MACS)
    return alg in WEAK_KEX
