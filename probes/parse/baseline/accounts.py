"""Local accounts: /etc/passwd, and what the probe's summary of /etc/shadow says about each password.

The probe never reads a password hash off the host: it prints, per account, only whether the
password field is empty, locked or set (`root:set:19700:99999`), so no hash reaches the evidence.
"""

from __future__ import annotations

from probes.facts.baseline import Account, Accounts, PasswordState, Problem, as_int

PASSWD = "/etc/passwd"







def parse_accounts(passwd: str, shadow_summary: str | None, path: str = PASSWD) -> Accounts:
    """Accounts from /etc/passwd joined with the shadow summary (`name:empty|locked|set:lastchg:max`).

    >>> passwd = "root:x:0:0:root:/root:/bin/bash\\ntoor:x:0:0::/:/bin/sh\\nbin:x:2:2::/:/usr/sbin/nologin\\n"
    >>> a = parse_accounts(passwd, "root:set:19700:99999\\ntoor:empty::\\nbin:locked::\\n")
    >>> [(x.name, x.shadow, x.usable) for x in a.accounts]
    [('root', 'set', True), ('toor', 'empty', True), ('bin', 'locked', False)]
    >>> [x.name for x in a.uid0()], a.duplicates()
    (['root', 'toor'], {'UID 0': ['root', 'toor']})
    >>> parse_accounts("root:x:0:0\\n", None).problems[0].describe()
    '/etc/passwd, line 1: expected 7 fields, found 4'
    """
    problems: list[Problem] = []
    shadow: dict[str, tuple[PasswordState, int | None, int | None]] = {}
    for number, line in enumerate((shadow_summary or "").splitlines(), start=1):
        parts = line.split(":")
        if len(parts) != 4 or parts[1] not in ("empty", "locked", "set"):
            problems.append(Problem(file="/etc/shadow (summary)", line=number, message="unexpected summary line"))
            continue
        shadow[parts[0]] = (parts[1], as_int(parts[2]), as_int(parts[3]))  # type: ignore[assignment]
    accounts: list[Account] = []
    for number, line in enumerate(passwd.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith(("+", "-")):  # NIS compat entries: accounts defined elsewhere
            problems.append(Problem(file=path, line=number, message="NIS compat entry: accounts defined elsewhere"))
            continue
        fields = line.split(":")
        if len(fields) != 7:
            problems.append(Problem(file=path, line=number, message=f"expected 7 fields, found {len(fields)}"))
            continue
        uid, gid = as_int(fields[2]), as_int(fields[3])
        if uid is None or gid is None:
            problems.append(Problem(file=path, line=number, message="UID or GID is not a number"))
            continue
        state, lastchg, max_days = shadow.get(fields[0], ("unknown", None, None))
        if fields[1] == "" and state == "unknown":
            state = "empty"  # no shadow entry and an empty passwd field: no password at all
        accounts.append(
            Account(
                name=fields[0],
                uid=uid,
                gid=gid,
                shell=fields[6],
                line=number,
                shadow=state,
                last_change_days=lastchg,
                max_days=max_days,
            )
        )
    return Accounts(accounts=tuple(accounts), shadow_read=shadow_summary is not None, problems=tuple(problems))
