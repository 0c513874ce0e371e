"""sudoers: who may become root, and who may without a password.

Least privilege (访问控制 d) fails on a rule that gives someone other than root every command
without a password. `#include`/`@include`/`#includedir` are followed over the files the probe read;
a loop or a line sudo would reject is a problem naming the file.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping

from probes.facts.baseline import Problem, Sudoers, SudoRule
from probes.parse.baseline.common import logical_lines

ROOT = "/etc/sudoers"
_MAX_DEPTH = 16
_SPEC = re.compile(r"^(?P<who>\S+(?:\s*,\s*\S+)*)\s+(?P<hosts>[^=\s]+(?:\s*,\s*[^=\s]+)*)\s*=\s*(?P<rest>.+)$")


_ALIAS = re.compile(r"^(?:Cmnd_Alias|Cmd_Alias)\s+(?P<body>.+)$")


def _command_aliases(line: str) -> dict[str, list[str]]:
    """`Cmnd_Alias NAME = cmd, cmd : NAME2 = cmd` as sudoers(5) writes it: each alias and its commands."""
    found = _ALIAS.match(line)
    if not found:
        return {}
    aliases: dict[str, list[str]] = {}
    for definition in found.group("body").split(":"):
        name, sep, members = definition.partition("=")
        if sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", name.strip()):
            aliases[name.strip()] = [m.strip() for m in members.split(",") if m.strip()]
    return aliases


def _grants_all(command: str, aliases: Mapping[str, list[str]], seen: frozenset[str] = frozenset()) -> bool:
    """ALL itself, or a Cmnd_Alias whose commands include ALL (however deep)."""
    if command == "ALL":
        return True
    if command in aliases and command not in seen:
        return any(_grants_all(m, aliases, seen | {command}) for m in aliases[command])
    return False


def _nopasswd_all(rest: str, aliases: Mapping[str, list[str]] | None = None) -> bool:
    """Whether a command list grants ALL without a password (tags carry over to later commands), ALL written
    out or through a Cmnd_Alias.

    >>> _nopasswd_all("(ALL : ALL) NOPASSWD: ALL"), _nopasswd_all("(ALL) NOPASSWD: /usr/bin/systemctl, PASSWD: ALL")
    (True, False)
    >>> _nopasswd_all("(ALL) NOPASSWD: EVERYTHING", {"EVERYTHING": ["ALL"]})
    True
    """
    tagged = False
    for part in rest.split(","):
        part = re.sub(r"^\s*\([^)]*\)\s*", "", part.strip())
        while True:
            tag = re.match(
                r"^(NOPASSWD|PASSWD|NOEXEC|EXEC|SETENV|NOSETENV|LOG_INPUT|NOLOG_INPUT|LOG_OUTPUT|"
                r"NOLOG_OUTPUT|MAIL|NOMAIL|FOLLOW|NOFOLLOW|INTERCEPT|NOINTERCEPT)\s*:\s*",
                part,
            )
            if not tag:
                break
            if tag.group(1) in ("NOPASSWD", "PASSWD"):
                tagged = tag.group(1) == "NOPASSWD"
            part = part[tag.end() :]
        if tagged and _grants_all(part.strip(), aliases or {}):
            return True
    return False


def parse_sudoers(files: Mapping[str, str | None], root: str = ROOT) -> Sudoers:
    """User specifications of sudoers and what it includes.

    >>> s = parse_sudoers({ROOT: "Defaults env_reset\\nroot ALL=(ALL:ALL) ALL\\n@includedir /etc/sudoers.d\\n",
    ...                    "/etc/sudoers.d/ops": "%ops ALL=(ALL) NOPASSWD: ALL\\n"})
    >>> [(r.who, r.nopasswd_all, r.where) for r in s.rules]
    [('root', False, '/etc/sudoers, line 2'), ('%ops', True, '/etc/sudoers.d/ops, line 1')]
    >>> [p.message for p in parse_sudoers({ROOT: "#include /etc/sudoers\\n"}).problems]
    ['include loop: /etc/sudoers → /etc/sudoers']
    """
    specs: list[tuple[str, int, str, str]] = []  # file, line, the line, its command list
    aliases: dict[str, list[str]] = {}
    problems: list[Problem] = []

    def read(path: str, stack: tuple[str, ...]) -> None:
        if path in stack:
            problems.append(Problem(file=stack[-1], message="include loop: " + " → ".join((*stack, path))))
            return
        if len(stack) >= _MAX_DEPTH or path not in files:
            if path not in files:
                problems.append(Problem(file=stack[-1] if stack else path, message=f"{path} was not read"))
            return
        text = files[path]
        if text is None:
            problems.append(Problem.unreadable(path))
            return
        for number, line in logical_lines(text, continuation=True):
            aliases.update(_command_aliases(line))
            if re.match(r"^@include", line) or re.match(
                r"^(Defaults|User_Alias|Runas_Alias|Host_Alias|Cmnd_Alias|Cmd_Alias)\b", line
            ):
                continue
            spec = _SPEC.match(line)
            if not spec:
                problems.append(Problem(file=path, line=number, message=f"not a sudoers line: {line[:80]!r}"))
                continue
            specs.append((path, number, line, spec.group("who")))
        for raw in text.splitlines():
            directive = re.match(r"^\s*[#@](include|includedir)\s+(\S+)", raw)
            if directive:
                target = directive.group(2)
                if directive.group(1) == "includedir":
                    # sudo skips names with a dot or ending in ~ inside an includedir
                    for name in sorted(f for f in files if fnmatch.fnmatch(f, target.rstrip("/") + "/*")):
                        base = name.rsplit("/", 1)[-1]
                        if "." not in base and not base.endswith("~"):
                            read(name, (*stack, path))
                else:
                    read(target, (*stack, path))

    read(root, ())
    # a Cmnd_Alias is read wherever it is defined (sudo wants it defined before use; an alias used first is a
    # mistake sudo reports, not a grant this check may miss)
    rules = [SudoRule(who=who.strip(), spec=line, file=path, line=number,
                      nopasswd_all=_nopasswd_all(_SPEC.match(line).group("rest"), aliases))  # type: ignore[union-attr]
             for path, number, line, whos in specs for who in whos.split(",")]
    return Sudoers(rules=tuple(rules), problems=tuple(problems))
