"""PAM stacks of both layouts: Debian/Ubuntu (`@include common-auth`) and the RHEL family
(`auth substack password-auth`, authselect's generated `system-auth`/`password-auth`).

What the baseline asks of PAM: password quality (pam_pwquality / pam_cracklib, plus pwquality.conf),
login-failure lockout (pam_faillock, plus faillock.conf, or pam_tally2) and `su` limited to wheel
(pam_wheel). A module counts only when it is in the stack the service really runs — includes
followed, loops and unknown types reported as problems naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from probes.facts.baseline import Lockout, PamLine, PamStack, PasswordQuality, Problem, Setting
from probes.parse.baseline.common import Line, logical_lines

PAM_DIR = "/etc/pam.d"
TYPES = ("auth", "account", "password", "session")
_MAX_DEPTH = 16


def _split(text: str) -> list[str]:
    """Fields of a PAM line; `[...]` controls and args stay one field.

    >>> _split("auth [success=1 default=ignore] pam_unix.so nullok")
    ['auth', '[success=1 default=ignore]', 'pam_unix.so', 'nullok']
    """
    return re.findall(r"\[[^\]]*\]|\S+", text)


def parse_pam_file(path: str, text: str) -> tuple[list[PamLine | tuple[str, str, Line]], list[Problem]]:
    """Module lines, and include directives as (kind, target, line), in file order."""
    items: list[PamLine | tuple[str, str, Line]] = []
    problems: list[Problem] = []
    for line in logical_lines(text, continuation=True):
        fields = _split(line.text)
        if fields[0] == "@include":
            if len(fields) != 2:
                problems.append(Problem(file=path, line=line.number, message="@include takes one file"))
            else:
                items.append(("include", fields[1], line))
            continue
        kind = fields[0].lstrip("-")
        if kind not in TYPES:
            problems.append(Problem(file=path, line=line.number, message=f"unknown PAM type {fields[0]!r}"))
            continue
        if len(fields) < 3:
            problems.append(Problem(file=path, line=line.number, message="expected TYPE CONTROL MODULE"))
            continue
        if fields[1] in ("include", "substack"):
            items.append((fields[1], fields[2], line))
            continue
        items.append(
            PamLine(type=kind, control=fields[1], module=fields[2], args=tuple(fields[3:]), file=path, line=line.number)
        )
    return items, problems


def resolve_stack(service: str, files: Mapping[str, str | None]) -> PamStack:
    """The lines `service` runs, includes expanded in place.

    >>> files = {"/etc/pam.d/sshd": "@include common-auth\\naccount required pam_nologin.so\\n",
    ...          "/etc/pam.d/common-auth": "auth required pam_faillock.so preauth\\n"
    ...                                    "auth [success=1 default=ignore] pam_unix.so\\n"}
    >>> [x.module for x in resolve_stack("sshd", files).lines]
    ['pam_faillock.so', 'pam_unix.so', 'pam_nologin.so']
    >>> loop = {"/etc/pam.d/sshd": "auth substack password-auth\\n", "/etc/pam.d/password-auth": "auth include sshd\\n"}
    >>> [p.describe() for p in resolve_stack("sshd", loop).problems]
    ['/etc/pam.d/password-auth, line 1: include loop: sshd → password-auth → sshd']
    """
    lines: list[PamLine] = []
    problems: list[Problem] = []

    def walk(name: str, stack: tuple[str, ...], only: str | None) -> None:
        path = name if name.startswith("/") else f"{PAM_DIR}/{name}"
        text = files.get(path)
        if path not in files:
            where = f"{PAM_DIR}/{stack[-1]}" if stack else path
            problems.append(Problem(file=where, message=f"{path} not found"))
            return
        if text is None:
            problems.append(Problem.unreadable(path))
            return
        items, found = parse_pam_file(path, text)
        problems.extend(found)
        for item in items:
            if isinstance(item, PamLine):
                if only is None or item.type == only:
                    lines.append(item)
                continue
            kind, target, line = item
            short = target.rsplit("/", 1)[-1]
            if short in (*stack, name) or target in stack:
                problems.append(
                    Problem(file=path, line=line.number, message="include loop: " + " → ".join((*stack, name, short)))
                )
                continue
            if len(stack) >= _MAX_DEPTH:
                problems.append(
                    Problem(file=path, line=line.number, message=f"includes nested deeper than {_MAX_DEPTH}")
                )
                continue
            # `@include` pulls in every type; `auth include x` only x's auth lines
            walk(
                target,
                (*stack, name),
                None if kind == "include" and line.text.startswith("@") else line.text.split()[0].lstrip("-"),
            )

    walk(service, (), None)
    return PamStack(service=service, lines=tuple(lines), problems=tuple(problems))


def parse_keyvalue_conf(path: str, text: str) -> tuple[dict[str, Setting], list[Problem]]:
    """`key = value` / bare `flag` lines (pwquality.conf, faillock.conf); first... no: last one wins, as
    libpwquality and pam_faillock read them.

    >>> s, p = parse_keyvalue_conf("/etc/security/pwquality.conf", "minlen = 12\\n# dcredit = 0\\nenforce_for_root\\n")
    >>> s["minlen"].describe(), s["enforce_for_root"].value, p
    ('minlen 12 (/etc/security/pwquality.conf, line 1)', '', [])
    """
    settings: dict[str, Setting] = {}
    problems: list[Problem] = []
    for number, line in logical_lines(text):
        key, eq, value = line.partition("=")
        key = key.strip()
        if not re.fullmatch(r"[a-z_]+", key) or (not eq and " " in line.strip()):
            problems.append(Problem(file=path, line=number, message=f"cannot parse {line[:80]!r}"))
            continue
        settings[key] = Setting(key=key, value=value.strip(), file=path, line=number)
    return settings, problems


_PWQ_KEYS = ("minlen", "minclass", "dcredit", "ucredit", "lcredit", "ocredit")
_FAILLOCK_KEYS = ("deny", "unlock_time")


def _conf_settings(conf: Mapping[str, str | None], keys: tuple[str, ...],
                   problems: list[Problem]) -> dict[str, Setting]:
    """The keys set in a module's `key = value` files (pwquality.conf and .d/*.conf, faillock.conf), read
    in name order so a later file wins, as the module reads them; a file that could not be read is a
    problem (appended), not an empty file."""
    values: dict[str, Setting] = {}
    for path in sorted(conf):
        text = conf[path]
        if text is None:
            problems.append(Problem.unreadable(path))
            continue
        found, bad = parse_keyvalue_conf(path, text)
        problems.extend(bad)
        values |= {k: v for k, v in found.items() if k in keys}
    return values


def _arg_settings(line: PamLine, keys: tuple[str, ...]) -> dict[str, Setting]:
    """The keys given a value as arguments on a module line, which win over the module's files."""
    return {key: Setting(key=key, value=arg, file=line.file, line=line.line)
            for key in keys if (arg := line.arg(key))}


def password_quality(stack: PamStack, conf: Mapping[str, str | None]) -> PasswordQuality:
    """pam_pwquality reads pwquality.conf (and .d/*.conf) and then its own arguments, which win.

    >>> pam = {"/etc/pam.d/passwd": "password requisite pam_pwquality.so retry=3 minlen=10\\n"}
    >>> stack = resolve_stack("passwd", pam)
    >>> q = password_quality(stack, {"/etc/security/pwquality.conf": "minclass = 3\\nminlen = 8\\n"})
    >>> q.minlen.describe(), q.required_classes
    ('minlen 10 (/etc/pam.d/passwd, line 1)', 3)
    """
    lines = stack.modules("pam_pwquality.so", "password") or stack.modules("pam_cracklib.so", "password")
    problems = list(stack.problems)
    if not lines:
        return PasswordQuality(problems=tuple(problems))
    line = lines[0]
    values: dict[str, Setting] = {}
    if line.module.endswith("pam_pwquality.so"):
        values |= _conf_settings(conf, _PWQ_KEYS, problems)
    values |= _arg_settings(line, _PWQ_KEYS)
    return PasswordQuality(
        module=line.module.rsplit("/", 1)[-1],
        where=line.where,
        minlen=values.get("minlen"),
        minclass=values.get("minclass"),
        credits={k: v for k, v in values.items() if k.endswith("credit")},
        problems=tuple(problems),
    )


def lockout(stack: PamStack, faillock_conf: Mapping[str, str | None]) -> Lockout:
    """The lockout a stack enforces; pam_faillock's defaults (deny=3, unlock_time=600) apply when unset.

    >>> s = resolve_stack("sshd", {"/etc/pam.d/sshd": "auth required pam_faillock.so preauth\\n"
    ...     "auth sufficient pam_unix.so\\nauth [default=die] pam_faillock.so authfail deny=5\\n"
    ...     "account required pam_faillock.so\\n"})
    >>> lo = lockout(s, {"/etc/security/faillock.conf": "unlock_time = 900\\n"})
    >>> lo.deny.describe(), lo.unlock_time.describe()
    ('deny 5 (/etc/pam.d/sshd, line 3)', 'unlock_time 900 (/etc/security/faillock.conf, line 1)')
    """
    problems = list(stack.problems)
    faillock = stack.modules("pam_faillock.so", "auth")
    if faillock:
        values: dict[str, Setting] = {
            "deny": Setting(key="deny", value="3", file="pam_faillock default"),
            "unlock_time": Setting(key="unlock_time", value="600", file="pam_faillock default"),
        }
        values |= _conf_settings(faillock_conf, _FAILLOCK_KEYS, problems)
        for line in faillock:
            values |= _arg_settings(line, _FAILLOCK_KEYS)
        counts = any(x.arg("authfail") is not None for x in faillock)
        if not counts:
            problems.append(
                Problem(
                    file=faillock[0].file,
                    line=faillock[0].line,
                    message="pam_faillock is in the stack without `authfail`: failures are not counted",
                )
            )
        return Lockout(
            module="pam_faillock.so",
            where=tuple(x.where for x in faillock),
            deny=values["deny"],
            unlock_time=values["unlock_time"],
            problems=tuple(problems),
        )
    tally = stack.modules("pam_tally2.so", "auth")
    if tally:
        line = tally[0]
        args = _arg_settings(line, _FAILLOCK_KEYS)
        return Lockout(module="pam_tally2.so", where=(line.where,), deny=args.get("deny"),
                       unlock_time=args.get("unlock_time"), problems=tuple(problems))
    return Lockout(problems=tuple(problems))


def su_wheel(stack: PamStack) -> PamLine | None:
    """The pam_wheel line that limits `su` to the wheel group (not one that merely trusts wheel).

    >>> su_wheel(resolve_stack("su", {"/etc/pam.d/su": "auth required pam_wheel.so use_uid\\n"})).where
    '/etc/pam.d/su, line 1'
    >>> su_wheel(resolve_stack("su", {"/etc/pam.d/su": "# auth required pam_wheel.so\\n"})) is None
    True
    """
    for line in stack.modules("pam_wheel.so", "auth"):
        if "trust" not in line.args and line.control in ("required", "requisite"):
            return line
    return None
