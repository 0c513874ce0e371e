"""Where logs go and how long they stay: rsyslog / syslog-ng remote targets, logrotate retention,
and the shell idle timeout (TMOUT) read from the login profiles.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping

from probes.facts.baseline import Problem, RemoteTarget, Retention, Setting, as_int
from probes.parse.baseline.common import logical_lines

# @@(o)host, @(z9)host, @@(z5,o)host: omfwd's options, comma-separated (rsyslog tools/omfwd.c, parseSelectorAct)
_LEGACY = re.compile(r"^\S+\s+(?:-?)(@@?)(\([a-z0-9,]+\))?\[?([\w.:-]+?)\]?(?::(\d+))?(?:;\S+)?$")
_ACTION = re.compile(r"\baction\s*\(([^)]*)\)", re.S | re.I)
_PARAM = re.compile(r"([A-Za-z][\w.]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|\[([^\]]*)\])", re.S)
_INCLUDE = re.compile(r"^\$IncludeConfig\s+(\S+)|\binclude\s*\(\s*file\s*=\s*\"([^\"]+)\"", re.I | re.M)
LOOPBACK = re.compile(r"^(?:127(?:\.\d+){3}|::1|localhost|localhost\.localdomain|ip6-localhost|ip6-loopback)$", re.I)
RSYSLOG_MAIN = "/etc/rsyslog.conf"


def _uncommented(text: str) -> str:
    """The text without `#` comments (a `#` at a line's start or after a blank), lines kept for numbering."""
    return "\n".join(re.split(r"(?:^|(?<=\s))#", line, maxsplit=1)[0] for line in text.split("\n"))


# What rsyslog's lexer skips (grammar/lexer.l): a `#` comment and a C-style `/* */` comment (unterminated: to the
# end of the file) where a token starts, in the legacy lines and the RainerScript objects alike. A quoted string
# and a `$Directive` line (`$IncludeConfig /etc/rsyslog.d/*.conf`) are tokens whole: a `#` or `/*` inside is text.
# Tried left to right, as the lexer scans.
_RSYSLOG_COMMENT = re.compile(r'(?P<keep>"(?:[^"\\\n]|\\.)*"|^[ \t]*\$[^\n]*)'
                              r'|(?:^|(?<=[\s(,]))(?:#[^\n]*|/\*.*?(?:\*/|\Z))', re.S | re.M)


def _rsyslog_uncommented(text: str) -> str:
    """rsyslog's text without its comments, blanked so that every line keeps its number.

    >>> _rsyslog_uncommented('$IncludeConfig /etc/rsyslog.d/*.conf\\na /* b\\n@@c */ d # e\\nx="#/*"')
    '$IncludeConfig /etc/rsyslog.d/*.conf\\na     \\n       d    \\nx="#/*"'
    """
    return _RSYSLOG_COMMENT.sub(lambda m: m.group(0) if m.group("keep") is not None
                                else re.sub(r"[^\n]", " ", m.group(0)), text)


def _target(daemon: str, host: str, port: str | None, protocol: str, path: str, line: int) -> RemoteTarget:
    return RemoteTarget(daemon=daemon, target=host + (f":{port}" if port else ""), protocol=protocol, file=path,
                        line=line, off_host=not LOOPBACK.match(host.strip("[]")))


def _rsyslog_files(files: Mapping[str, str | None]) -> list[str]:
    """rsyslog's files in the order it reads them: rsyslog.conf, and what its `$IncludeConfig` / `include(file=)`
    name, where they are named (a file in rsyslog.d that nothing includes is not read)."""
    order: list[str] = []

    def read(path: str) -> None:
        if path in order:
            return
        order.append(path)
        for match in _INCLUDE.finditer(_rsyslog_uncommented(files.get(path) or "")):
            pattern = match.group(1) or match.group(2)
            if pattern.endswith("/"):  # a whole directory ("must contain the final slash", rsyslog's example)
                pattern += "*"
            for name in sorted(p for p in files if fnmatch.fnmatch(p, pattern)):
                read(name)

    if RSYSLOG_MAIN in files:
        read(RSYSLOG_MAIN)
    return order


def _rsyslog(path: str, text: str) -> list[RemoteTarget]:
    found: list[RemoteTarget] = []
    clean = _rsyslog_uncommented(text)
    for number, line in logical_lines(clean, comment=""):
        legacy = _LEGACY.match(line)
        if legacy:
            found.append(_target("rsyslog", legacy.group(3), legacy.group(4),
                                 "tcp" if legacy.group(1) == "@@" else "udp", path, number))
    for match in _ACTION.finditer(clean):
        params: dict[str, str] = {}
        for p in _PARAM.finditer(match.group(1)):  # parameter names are case-insensitive (rsyslog's omfwd docs)
            params[p.group(1).lower()] = p.group(2) if p.group(2) is not None else p.group(3) or p.group(4) or ""
        kind = params.get("type", "").lower()
        if kind not in ("omfwd", "omrelp") or not params.get("target"):
            continue
        protocol = "tcp (relp)" if kind == "omrelp" else params.get("protocol", "udp").lower()
        number = clean.count("\n", 0, match.start()) + 1
        for host in re.findall(r"[^\s\",]+", params["target"]):  # one target, or a pool `["a", "b"]`
            found.append(_target("rsyslog", host, params.get("port"), protocol, path, number))
    return found


# A named destination, or an in-line one (no name: it can only stand inside the log path that uses it)
_NG_DEST = re.compile(r"\bdestination(?:\s+([\w-]+))?\s*\{(.*?)\}\s*;", re.S)
_NG_DRIVER = re.compile(r"\b(network|tcp6?|udp6?|syslog)\s*\(\s*\"?([^\"\s)]+)\"?", re.S)


def _syslog_ng(files: Mapping[str, str]) -> list[RemoteTarget]:
    """Network destinations that a log path uses: syslog-ng sends a message to "every destination listed in the log
    path" (syslog-ng.conf(5)); a destination no `log { }` names, or a network *source*, sends nothing."""
    used: set[str] = set()  # `destination(NAME)` is a reference, and a reference stands only in a log path (one
    for text in files.values():  # with in-line objects too, whose braces a regular expression cannot pair)
        used |= set(re.findall(r"\bdestination\s*\(\s*([\w-]+)\s*\)", text))
    found: list[RemoteTarget] = []
    for path, text in files.items():
        for dest in _NG_DEST.finditer(text):
            if dest.group(1) is not None and dest.group(1) not in used:
                continue
            for driver in _NG_DRIVER.finditer(dest.group(2)):
                transport = re.search(r"transport\s*\(\s*\"?(\w+)", dest.group(2))
                kind = driver.group(1).rstrip("6")
                protocol = (transport.group(1).lower() if transport else "udp" if kind == "udp" else "tcp")
                number = text.count("\n", 0, dest.start(2) + driver.start()) + 1
                host, _, port = driver.group(2).partition(":") if driver.group(2).count(":") == 1 \
                    else (driver.group(2), "", "")
                if not host.startswith("/"):
                    found.append(_target("syslog-ng", host, port or None, protocol, path, number))
    return found


SYSLOG_NG_MAIN = "/etc/syslog-ng/syslog-ng.conf"


def _syslog_ng_files(files: Mapping[str, str]) -> list[str]:
    """syslog-ng.conf and what its `@include "FILE-OR-GLOB"` names (relative names under /etc/syslog-ng/)."""
    order: list[str] = []

    def read(path: str) -> None:
        if path in order:
            return
        order.append(path)
        for name in re.findall(r'^\s*@include\s+"([^"]+)"', _uncommented(files.get(path) or ""), re.M):
            pattern = name if name.startswith("/") else "/etc/syslog-ng/" + name
            for found in sorted(p for p in files if fnmatch.fnmatch(p, pattern)):
                read(found)

    if SYSLOG_NG_MAIN in files:
        read(SYSLOG_NG_MAIN)
    return order


def remote_targets(files: Mapping[str, str | None]) -> tuple[list[RemoteTarget], list[Problem]]:
    """Remote log destinations rsyslog (legacy `@host`/`@@host`, `action(type="omfwd")`, over the files its
    includes reach) or syslog-ng (network/syslog/tcp/udp destinations a log path uses) would send to.

    >>> t, p = remote_targets({"/etc/rsyslog.conf": "$IncludeConfig /etc/rsyslog.d/*.conf\\n",
    ...     "/etc/rsyslog.d/90-remote.conf": '*.* @@logs.hospital.lan:514\\n'
    ...     '#*.* action(type="omfwd" target="10.0.0.9")\\n'
    ...     'auth.* action(Type="omfwd" Target="10.0.0.5" Port="6514" Protocol="TCP")\\n',
    ...     "/etc/syslog-ng/syslog-ng.conf": 'destination d_net { network("10.0.0.6" transport("tcp")); };\\n'
    ...     'log { source(s_src); destination(d_net); };\\n'})
    >>> [(x.daemon, x.target, x.protocol, x.line) for x in t]  # doctest: +NORMALIZE_WHITESPACE
    [('rsyslog', 'logs.hospital.lan:514', 'tcp', 1), ('rsyslog', '10.0.0.5:6514', 'tcp', 3),
     ('syslog-ng', '10.0.0.6', 'tcp', 1)]
    """
    problems = [Problem.unreadable(path) for path in sorted(files) if files[path] is None]
    texts = {path: text for path, text in files.items() if text is not None}
    found: list[RemoteTarget] = []
    for path in _rsyslog_files(texts):
        found += _rsyslog(path, texts[path])
    ng = {path: _uncommented(texts[path]) for path in _syslog_ng_files(texts)}
    found += _syslog_ng(ng)
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
_STATEMENT = re.compile(r"\s*(;|&&|\|\||\bthen\b|\bdo\b|\belse\b|\bfi\b|\bdone\b)\s*")  # separators kept
_ASSIGN = re.compile(r"^(?P<words>(?:(?:export|readonly|declare|typeset|local)(?:\s+-\w+)*\s+)*)TMOUT=(?P<value>\S*)$")
_READONLY = re.compile(r"^(?:readonly|declare\s+-\w*r\w*|typeset\s+-\w*r\w*)(?:\s+-\w+)*\s+(?:\w+\s+)*TMOUT\b")
_SOURCE = re.compile(r"^(?:\.|source)\s+[\"']?(?P<path>[/~$][^\s\"';]*)")
_PROFILE_D = re.compile(r"\bfor\s+\w+\s+in\s+/etc/profile\.d/\*\.sh\b")


def shell_timeout(files: Mapping[str, str | None]) -> tuple[Setting | None, bool, list[Problem]]:
    """The TMOUT a bash login shell ends with: its files in the order bash reads them, the last assignment winning,
    `readonly` holding against later ones, `unset` clearing; `TMOUT=0` (kept as 0) disables the timeout.

    Conditions (`if [ "$UID" -ne 0 ]`, `[ … ] && TMOUT=…`) are not evaluated: the statements are taken in the order
    written, and when the value a shell ends with rests on an assignment or `unset` under a condition (one no later
    plain assignment overrides, made before any `readonly`), that is a problem naming it — bash may end with
    another value (a root shell skips `if [ "$(id -u)" -ne 0 ]`), so the files alone cannot show it.

    >>> s, ro, _ = shell_timeout({"/etc/profile": "for i in /etc/profile.d/*.sh; do . $i; done\\n",
    ...     "/etc/profile.d/tmout.sh": "TMOUT=600\\nreadonly TMOUT\\nexport TMOUT\\n",
    ...     "/etc/profile.d/z.sh": "TMOUT=0\\n"})
    >>> s.describe(), ro
    ('TMOUT 600 (/etc/profile.d/tmout.sh, line 1)', True)
    >>> shell_timeout({"/etc/profile": "TMOUT=300\\nTMOUT=900\\n"})[0].value
    '900'
    """
    state: dict[str, Setting | None] = {"value": None, "conditional": None}
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
        depth = 0  # `if` blocks open in this file
        for number, line in logical_lines(text, continuation=True):
            tokens = _STATEMENT.split(line)
            for index in range(0, len(tokens), 2):
                separator = tokens[index - 1] if index else ""
                if separator == "fi":
                    depth = max(0, depth - 1)
                statement = tokens[index].strip()
                if statement.startswith("if "):
                    depth += 1
                conditional = depth > 0 or separator in ("&&", "||")
                if statement.startswith(("if ", "elif ", "while ", "[ ", "test ")):
                    statement = ""
                assign = _ASSIGN.match(statement)
                unset = re.match(r"^unset\s+(?:-v\s+)?(?:\w+\s+)*TMOUT\b", statement)
                if (assign or unset) and not readonly:
                    state["conditional"] = Setting(key="TMOUT", value=statement, file=path, line=number) \
                        if conditional else None
                if assign:
                    value = assign.group("value").strip("\"'")
                    if not readonly:
                        state["value"] = Setting(key="TMOUT", value=value, file=path, line=number)
                    if re.search(r"\breadonly\b|-\w*r", assign.group("words")):
                        readonly.append(Setting(key="readonly", value="TMOUT", file=path, line=number))
                    continue
                if _READONLY.match(statement):
                    readonly.append(Setting(key="readonly", value="TMOUT", file=path, line=number))
                elif unset and not readonly:
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
    value, conditional = state["value"], state["conditional"]
    if conditional is not None:
        problems.append(Problem(file=conditional.file, line=conditional.line,
                                message=f"`{conditional.value}` runs only under a condition ihcheck does not evaluate: "
                                        "the TMOUT a login shell ends with depends on it"))
    if value is not None and as_int(value.value) is None:
        problems.append(Problem(file=value.file, line=value.line, message=f"TMOUT={value.value} is not a number"))
    return value, bool(readonly), problems
