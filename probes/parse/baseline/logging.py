"""Where logs go and how long they stay: rsyslog / syslog-ng remote targets, logrotate retention,
and the shell idle timeout (TMOUT) read from the login profiles.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from probes.facts.baseline import Problem, RemoteTarget, Retention, Setting, as_int
from probes.parse.baseline.common import logical_lines

_LEGACY = re.compile(r"^\S+\s+(?:-?)(@@?)(\(o\))?\[?([\w.:-]+?)\]?(?::(\d+))?(?:;\S+)?$")
_OMFWD = re.compile(r"action\s*\((?=[^)]*type\s*=\s*\"omfwd\")[^)]*\)", re.S)
_SYSLOG_NG = re.compile(r"\b(network|tcp6?|udp6?|syslog)\s*\(\s*\"?([\w.:-]+)\"?", re.S)




def remote_targets(files: Mapping[str, str | None]) -> tuple[list[RemoteTarget], list[Problem]]:
    """Remote log destinations configured in rsyslog (legacy `@@host` or `action(type="omfwd")`) or syslog-ng.

    >>> t, p = remote_targets({"/etc/rsyslog.d/90-remote.conf": '*.* @@logs.hospital.lan:514\\n'
    ...                          'auth.* action(type="omfwd" target="10.0.0.5" port="6514" protocol="tcp")\\n',
    ...     "/etc/syslog-ng/syslog-ng.conf": 'destination d_net { network("10.0.0.6" transport("tcp")); };\\n'})
    >>> [(x.daemon, x.target, x.protocol, x.line) for x in t]  # doctest: +NORMALIZE_WHITESPACE
    [('rsyslog', 'logs.hospital.lan:514', 'tcp', 1), ('rsyslog', '10.0.0.5:6514', 'tcp', 2),
     ('syslog-ng', '10.0.0.6', 'network', 1)]
    """
    found: list[RemoteTarget] = []
    problems: list[Problem] = []
    for path in sorted(files):
        text = files[path]
        if text is None:
            problems.append(Problem.unreadable(path))
            continue
        daemon = "syslog-ng" if "syslog-ng" in path else "rsyslog"
        if daemon == "rsyslog":
            for number, line in logical_lines(text):
                legacy = _LEGACY.match(line)
                if legacy:
                    host = legacy.group(3) + (f":{legacy.group(4)}" if legacy.group(4) else "")
                    found.append(
                        RemoteTarget(
                            daemon=daemon,
                            target=host,
                            line=number,
                            file=path,
                            protocol="tcp" if legacy.group(1) == "@@" else "udp",
                        )
                    )
            for match in _OMFWD.finditer(text):
                body = match.group(0)
                target = re.search(r"target\s*=\s*\"([^\"]+)\"", body)
                port = re.search(r"port\s*=\s*\"(\d+)\"", body)
                proto = re.search(r"protocol\s*=\s*\"(\w+)\"", body)
                if target:
                    number = text.count("\n", 0, match.start()) + 1
                    found.append(
                        RemoteTarget(
                            daemon=daemon,
                            target=target.group(1) + (f":{port.group(1)}" if port else ""),
                            protocol=(proto.group(1).lower() if proto else "udp"),
                            file=path,
                            line=number,
                        )
                    )
        else:
            stripped = re.sub(r"#[^\n]*", "", text)
            for match in _SYSLOG_NG.finditer(stripped):
                if not match.group(2).startswith("/"):
                    number = stripped.count("\n", 0, match.start()) + 1
                    found.append(
                        RemoteTarget(
                            daemon=daemon, target=match.group(2), protocol=match.group(1), file=path, line=number
                        )
                    )
    return found, problems


_PERIODS = {"daily": 1, "weekly": 7, "monthly": 30, "yearly": 365}
SYSTEM_LOGS = ("/var/log/syslog", "/var/log/messages", "/var/log/auth.log", "/var/log/secure")




def log_retention(
    files: Mapping[str, str | None], main: str = "/etc/logrotate.conf"
) -> tuple[list[Retention], list[Problem]]:
    """How many days logrotate keeps each system log: rotate count × period (maxage caps it).

    >>> r, _ = log_retention({"/etc/logrotate.conf": "weekly\\nrotate 4\\n",
    ...     "/etc/logrotate.d/rsyslog": "/var/log/syslog\\n/var/log/auth.log\\n{\\n rotate 26\\n weekly\\n}\\n"})
    >>> [(x.log, x.days) for x in r]
    [('/var/log/syslog', 182), ('/var/log/auth.log', 182)]
    """
    problems: list[Problem] = []
    defaults: dict[str, Setting] = {}
    results: list[Retention] = []
    for path in [main, *sorted(p for p in files if p != main)]:
        if path not in files:
            continue
        text = files[path]
        if text is None:
            problems.append(Problem.unreadable(path))
            continue
        pending: list[str] = []
        block: dict[str, Setting] | None = None

        def directive(body: str, number: int, into: dict[str, Setting] | None, path: str = path) -> None:
            key, _, value = body.strip().partition(" ")
            if key and into is not None:
                into[_kind(key)] = Setting(key=key, value=value.strip(), file=path, line=number)

        for number, line in logical_lines(text):
            rest = line
            while rest.strip():
                if block is None:
                    if "{" in rest:
                        head, _, rest = rest.partition("{")
                        pending += [w.strip('"') for w in head.split() if w.strip('"').startswith("/")]
                        block = {}
                    elif rest.strip().startswith(("/", '"/')):
                        pending += [w.strip('"') for w in rest.split()]
                        rest = ""
                    else:
                        directive(rest, number, defaults if path == main else None)
                        rest = ""
                elif "}" in rest:
                    body, _, rest = rest.partition("}")
                    directive(body, number, block)
                    settings = {**defaults, **block}
                    results += [_retention(log, settings) for log in pending if log in SYSTEM_LOGS]
                    pending, block = [], None
                else:
                    directive(rest, number, block)
                    rest = ""
        if block is not None:
            problems.append(Problem(file=path, message="a { block is never closed"))
    return results, problems


def _kind(key: str) -> str:
    return "period" if key in _PERIODS else key


def _retention(log: str, settings: dict[str, Setting]) -> Retention:
    rotate, period, maxage = settings.get("rotate"), settings.get("period"), settings.get("maxage")
    count = as_int(rotate.value) if rotate else None
    days = count * _PERIODS.get(period.key, 7) if count is not None and period is not None else None
    if maxage is not None and (age := as_int(maxage.value)) is not None:
        days = min(days, age) if days is not None else age
    return Retention(log=log, days=days, rotate=rotate, period=period, maxage=maxage)


# Files a bash login shell reads, in order: /etc/profile (which sources /etc/bash.bashrc or /etc/profile.d/*.sh
# where it says so), then the first of root's ~/.bash_profile, ~/.bash_login, ~/.profile (which may source ~/.bashrc).
PROFILE = "/etc/profile"
USER_PROFILES = ("/root/.bash_profile", "/root/.bash_login", "/root/.profile")
_STATEMENT = re.compile(r"\s*(?:;|&&|\|\||\bthen\b|\bdo\b|\belse\b|\bfi\b|\bdone\b)\s*")
_ASSIGN = re.compile(r"^(?P<words>(?:(?:export|readonly|declare|typeset|local)(?:\s+-\w+)*\s+)*)TMOUT=(?P<value>\S*)$")
_READONLY = re.compile(r"^(?:readonly|declare\s+-\w*r\w*|typeset\s+-\w*r\w*)(?:\s+-\w+)*\s+(?:\w+\s+)*TMOUT\b")
_SOURCE = re.compile(r"^(?:\.|source)\s+[\"']?(?P<path>[/~$][^\s\"';]*)")
_PROFILE_D = re.compile(r"\bfor\s+\w+\s+in\s+/etc/profile\.d/\*\.sh\b")


def shell_timeout(files: Mapping[str, str | None]) -> tuple[Setting | None, bool, list[Problem]]:
    """The TMOUT a bash login shell ends with: its files in the order bash reads them, the last assignment winning,
    `readonly` holding against later ones, `unset` clearing; `TMOUT=0` (kept as 0) disables the timeout.

    Conditions (`if [ "$UID" -ne 0 ]`) are not evaluated: the statements are taken in the order written.

    >>> s, ro, _ = shell_timeout({"/etc/profile": "for i in /etc/profile.d/*.sh; do . $i; done\\n",
    ...     "/etc/profile.d/tmout.sh": "TMOUT=600\\nreadonly TMOUT\\nexport TMOUT\\n",
    ...     "/etc/profile.d/z.sh": "TMOUT=0\\n"})
    >>> s.describe(), ro
    ('TMOUT 600 (/etc/profile.d/tmout.sh, line 1)', True)
    >>> shell_timeout({"/etc/profile": "TMOUT=300\\nTMOUT=900\\n"})[0].value
    '900'
    """
    state: dict[str, Setting | None] = {"value": None}
    readonly: list[Setting] = []
    problems: list[Problem] = []
    seen: set[str] = set()

    def read(path: str) -> None:
        if path in seen or path not in files:
            return
        seen.add(path)
        text = files[path]
        if text is None:
            problems.append(Problem.unreadable(path))
            return
        for number, line in logical_lines(text, continuation=True):
            for statement in _STATEMENT.split(line):
                statement = statement.strip()
                if statement.startswith(("if ", "while ", "[ ", "test ")):
                    statement = ""
                assign = _ASSIGN.match(statement)
                if assign:
                    value = assign.group("value").strip("\"'")
                    if not readonly:
                        state["value"] = Setting(key="TMOUT", value=value, file=path, line=number)
                    if re.search(r"\breadonly\b|-\w*r", assign.group("words")):
                        readonly.append(Setting(key="readonly", value="TMOUT", file=path, line=number))
                    continue
                if _READONLY.match(statement):
                    readonly.append(Setting(key="readonly", value="TMOUT", file=path, line=number))
                elif re.match(r"^unset\s+(?:-v\s+)?(?:\w+\s+)*TMOUT\b", statement) and not readonly:
                    state["value"] = None
                elif (source := _SOURCE.match(statement)) is not None:
                    read(source.group("path").replace("~", "/root").replace("$HOME", "/root"))
                if _PROFILE_D.search(statement):
                    for name in sorted(p for p in files if p.startswith("/etc/profile.d/") and p.endswith(".sh")):
                        read(name)

    read(PROFILE)
    first = next((p for p in USER_PROFILES if p in files), None)
    if first is not None:
        read(first)
    value = state["value"]
    if value is not None and as_int(value.value) is None:
        problems.append(Problem(file=value.file, line=value.line, message=f"TMOUT={value.value} is not a number"))
    return value, bool(readonly), problems
