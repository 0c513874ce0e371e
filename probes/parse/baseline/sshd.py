"""sshd's configuration: the effective settings from `sshd -T`, or the files when that cannot run.

`sshd -T` (root only) prints what sshd itself would use, after Include and defaults, so it is the
authority; its `file: line N: Bad configuration option` errors name the broken file. Without it the
files are read with sshd's own rules: the first value of a keyword wins, `Include` globs are read
where they stand (relative paths under /etc/ssh), a keyword sshd does not know is a problem, and an
include loop is a problem — never a silent pass.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping

from probes.facts.baseline import Problem, Setting, SshdConfig
from probes.parse.baseline.common import logical_lines

# OpenSSH 7.4–9.x server keywords (sshd_config(5)), lower-cased; deprecated ones sshd still accepts included.
KEYWORDS = frozenset(
    [
        "acceptenv",
        "addressfamily",
        "allowagentforwarding",
        "allowgroups",
        "allowstreamlocalforwarding",
        "allowtcpforwarding",
        "allowusers",
        "authenticationmethods",
        "authorizedkeyscommand",
        "authorizedkeyscommanduser",
        "authorizedkeysfile",
        "authorizedprincipalscommand",
        "authorizedprincipalscommanduser",
        "authorizedprincipalsfile",
        "banner",
        "casignaturealgorithms",
        "channeltimeout",
        "chrootdirectory",
        "ciphers",
        "clientalivecountmax",
        "clientaliveinterval",
        "compression",
        "denygroups",
        "denyusers",
        "disableforwarding",
        "exposeauthinfo",
        "fingerprinthash",
        "forcecommand",
        "gatewayports",
        "gssapiauthentication",
        "gssapicleanupcredentials",
        "gssapikeyexchange",
        "gssapikexalgorithms",
        "gssapistorecredentialsonrekey",
        "gssapistrictacceptorcheck",
        "hostbasedacceptedalgorithms",
        "hostbasedacceptedkeytypes",
        "hostbasedauthentication",
        "hostbasedusesnamefrompacketonly",
        "hostcertificate",
        "hostkey",
        "hostkeyagent",
        "hostkeyalgorithms",
        "ignorerhosts",
        "ignoreuserknownhosts",
        "include",
        "ipqos",
        "kbdinteractiveauthentication",
        "kerberosauthentication",
        "kerberosgetafstoken",
        "kerberosorlocalpasswd",
        "kerberosticketcleanup",
        "kexalgorithms",
        "listenaddress",
        "logingracetime",
        "loglevel",
        "logverbose",
        "macs",
        "match",
        "maxauthtries",
        "maxsessions",
        "maxstartups",
        "modulifile",
        "passwordauthentication",
        "permitemptypasswords",
        "permitlisten",
        "permitopen",
        "permitrootlogin",
        "permittty",
        "permittunnel",
        "permituserenvironment",
        "permituserrc",
        "persourcemaxstartups",
        "persourcenetblocksize",
        "persourcepenalties",
        "persourcepenaltyexemptlist",
        "pidfile",
        "port",
        "printlastlog",
        "printmotd",
        "protocol",
        "pubkeyacceptedalgorithms",
        "pubkeyacceptedkeytypes",
        "pubkeyauthentication",
        "pubkeyauthoptions",
        "rdomain",
        "rekeylimit",
        "required_rsa_size",
        "requiredrsasize",
        "revokedkeys",
        "rhostsrsaauthentication",
        "rsaauthentication",
        "securitykeyprovider",
        "serverkeybits",
        "setenv",
        "streamlocalbindmask",
        "streamlocalbindunlink",
        "strictmodes",
        "subsystem",
        "syslogfacility",
        "tcpkeepalive",
        "trustedusercakeys",
        "unusedconnectiontimeout",
        "useblacklist",
        "usedns",
        "usepam",
        "useprivilegeseparation",
        "versionaddendum",
        "x11displayoffset",
        "x11forwarding",
        "x11uselocalhost",
        "xauthlocation",
        "challengeresponseauthentication",
        "keyregenerationinterval",
        "skeyauthentication",
        "dsaauthentication",
        "uselogin",
        "afstokenpassing",
        "kerberostgtpassing",
        "pamauthenticationviakbdint",
        "gssapienablek5users",
    ]
)

ROOT = "/etc/ssh/sshd_config"
_MAX_DEPTH = 16




def parse_sshd_t(output: str, *, command: str = "sshd -T") -> SshdConfig:
    """The effective settings `sshd -T` printed (one `keyword value` a line, lower-case keywords).

    >>> c = parse_sshd_t("port 22\\npermitrootlogin without-password\\nciphers aes256-gcm@openssh.com,aes128-ctr\\n")
    >>> c.get("PermitRootLogin").value, c.get("ciphers").value.split(",")[1]
    ('without-password', 'aes128-ctr')
    >>> parse_sshd_t("/etc/ssh/sshd_config line 3: Bad configuration option: Foo\\n").problems[0].describe()
    '/etc/ssh/sshd_config, line 3: Bad configuration option: Foo'
    """
    settings: dict[str, Setting] = {}
    problems: list[Problem] = []
    for raw in output.splitlines():
        line = raw.strip()
        if not line:
            continue
        if re.match(r"^/\S+: terminating, \d+ bad configuration options?$", line):
            continue  # the summary after the per-line errors
        error = re.match(r"^(/\S+?):? line (\d+): (.*)$", line)
        if error:
            problems.append(Problem(file=error.group(1), line=int(error.group(2)), message=error.group(3)))
            continue
        key, _, value = line.partition(" ")
        if not re.fullmatch(r"[a-z0-9_]+", key):
            problems.append(Problem(file=command, message=f"unexpected output line {line[:120]!r}"))
            continue
        settings.setdefault(key, Setting(key=key, value=value.strip(), file=command))
    if not settings and not problems:
        problems.append(Problem(file=command, message="printed no settings"))
    return SshdConfig(source=command, settings=tuple(settings.values()), problems=tuple(problems))


def _include_targets(pattern: str, files: Mapping[str, str | None]) -> list[str]:
    path = pattern if pattern.startswith("/") else f"/etc/ssh/{pattern}"
    if any(c in path for c in "*?["):
        return sorted(f for f in files if fnmatch.fnmatch(f, path))
    return [path]


def parse_sshd_files(files: Mapping[str, str | None], root: str = ROOT) -> SshdConfig:
    """Read sshd_config and what it includes from `files` (path → text, None when unreadable/binary).

    >>> cfg = parse_sshd_files({ROOT: "Include /etc/ssh/sshd_config.d/*.conf\\nPermitRootLogin yes\\n",
    ...                         "/etc/ssh/sshd_config.d/10-hard.conf": "PermitRootLogin no\\n"})
    >>> cfg.get("permitrootlogin").describe()
    'PermitRootLogin no (/etc/ssh/sshd_config.d/10-hard.conf, line 1)'
    >>> [p.describe() for p in parse_sshd_files({ROOT: "PermitRootLogin no\\nFrobnicate yes\\n"}).problems]
    ['/etc/ssh/sshd_config, line 2: unknown directive Frobnicate']
    >>> loop = {ROOT: "Include /etc/ssh/a.conf\\n", "/etc/ssh/a.conf": "Include /etc/ssh/sshd_config\\n"}
    >>> [p.message for p in parse_sshd_files(loop).problems]
    ['include loop: /etc/ssh/sshd_config → /etc/ssh/a.conf → /etc/ssh/sshd_config']
    """
    settings: dict[str, Setting] = {}
    problems: list[Problem] = []
    matches: list[str] = []

    def read(path: str, stack: tuple[str, ...]) -> None:
        if path in stack:
            problems.append(Problem(file=stack[-1], message="include loop: " + " → ".join((*stack, path))))
            return
        if len(stack) >= _MAX_DEPTH:
            problems.append(Problem(file=path, message=f"includes nested deeper than {_MAX_DEPTH}"))
            return
        if path not in files:
            if stack:
                problems.append(Problem(file=stack[-1], message=f"includes {path}, which was not read"))
            else:
                problems.append(Problem(file=path, message="not found"))
            return
        text = files[path]
        if text is None:
            problems.append(Problem.unreadable(path))
            return
        in_match = False
        for number, line in logical_lines(text):
            split = re.match(r"^([^\s=]+)(?:\s*=\s*|\s+)?(.*)$", line)  # `Key value`, `Key=value`, `Key = value`
            key, value = (split.group(1), split.group(2).strip()) if split else (line, "")
            lower = key.lower()
            if lower not in KEYWORDS:
                problems.append(Problem(file=path, line=number, message=f"unknown directive {key}"))
                continue
            if lower == "include":
                for target in _include_targets(value, files) if value else []:
                    read(target, (*stack, path))
                continue
            if lower == "match":
                in_match = True
                matches.append(f"Match {value} ({path}:{number})")
                continue
            if not in_match:
                settings.setdefault(lower, Setting(key=key, value=value, file=path, line=number))

    read(root, ())
    return SshdConfig(source=root, settings=tuple(settings.values()), match_blocks=tuple(matches),
                      problems=tuple(problems))
