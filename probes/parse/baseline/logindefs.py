"""/etc/login.defs (shadow-utils): password ageing and the default umask."""

from __future__ import annotations

from probes.facts.baseline import LoginDefs, Problem, Setting
from probes.parse.baseline.common import logical_lines

PATH = "/etc/login.defs"

# Every item shadow-utils 4.x, util-linux and the RHEL family's login.defs(5) document; shadow itself
# warns "unknown item" on anything else, so an unknown key here is a typo that silently does nothing.
KNOWN = frozenset(
    [
        "CHFN_AUTH",
        "CHFN_RESTRICT",
        "CHSH_AUTH",
        "CONSOLE",
        "CONSOLE_GROUPS",
        "CREATE_HOME",
        "DEFAULT_HOME",
        "DIALUPS_CHECK_ENAB",
        "ENCRYPT_METHOD",
        "ENV_HZ",
        "ENV_PATH",
        "ENV_SUPATH",
        "ENV_TZ",
        "ERASECHAR",
        "FAILLOG_ENAB",
        "FAIL_DELAY",
        "FAKE_SHELL",
        "FTMP_FILE",
        "GID_MAX",
        "GID_MIN",
        "HOME_MODE",
        "HUSHLOGIN_FILE",
        "ISSUE_FILE",
        "KILLCHAR",
        "LASTLOG_ENAB",
        "LASTLOG_UID_MAX",
        "LOGIN_RETRIES",
        "LOGIN_STRING",
        "LOGIN_TIMEOUT",
        "LOG_OK_LOGINS",
        "LOG_UNKFAIL_ENAB",
        "MAIL_CHECK_ENAB",
        "MAIL_DIR",
        "MAIL_FILE",
        "MAX_MEMBERS_PER_GROUP",
        "MD5_CRYPT_ENAB",
        "MOTD_FILE",
        "NOLOGINS_FILE",
        "OBSCURE_CHECKS_ENAB",
        "PASS_ALWAYS_WARN",
        "PASS_CHANGE_TRIES",
        "PASS_MAX_DAYS",
        "PASS_MAX_LEN",
        "PASS_MIN_DAYS",
        "PASS_MIN_LEN",
        "PASS_WARN_AGE",
        "PORTTIME_CHECKS_ENAB",
        "QUOTAS_ENAB",
        "SHA_CRYPT_MAX_ROUNDS",
        "SHA_CRYPT_MIN_ROUNDS",
        "SULOG_FILE",
        "SU_NAME",
        "SU_WHEEL_ONLY",
        "SUB_GID_COUNT",
        "SUB_GID_MAX",
        "SUB_GID_MIN",
        "SUB_UID_COUNT",
        "SUB_UID_MAX",
        "SUB_UID_MIN",
        "SYSLOG_SG_ENAB",
        "SYSLOG_SU_ENAB",
        "SYS_GID_MAX",
        "SYS_GID_MIN",
        "SYS_UID_MAX",
        "SYS_UID_MIN",
        "TTYGROUP",
        "TTYPERM",
        "TTYTYPE_FILE",
        "UID_MAX",
        "UID_MIN",
        "ULIMIT",
        "UMASK",
        "USERDEL_CMD",
        "USERGROUPS_ENAB",
        "YESCRYPT_COST_FACTOR",
        "BCRYPT_MAX_ROUNDS",
        "BCRYPT_MIN_ROUNDS",
        "CLOSE_SESSIONS",
        "DEFAULT_HOME",
        "FORCE_SHADOW",
        "GRANT_AUX_GROUP_SUBIDS",
        "HMAC_CRYPTO_ALGO",
        "NONEXISTENT",
        "PREVENT_NO_AUTH",
        "TCB_AUTH_GROUP",
        "TCB_SYMLINKS",
        "USE_TCB",
    ]
)




def parse_login_defs(text: str, path: str = PATH) -> LoginDefs:
    """Items as `NAME value`; the last occurrence wins (shadow's getdef reads the whole file).

    >>> d = parse_login_defs("PASS_MAX_DAYS\\t99999\\nPASS_MIN_DAYS 0\\nUMASK 022\\n")
    >>> d.get("PASS_MAX_DAYS").describe()
    'PASS_MAX_DAYS 99999 (/etc/login.defs, line 1)'
    >>> [p.describe() for p in parse_login_defs("PASS_MAXDAYS 90\\n").problems]
    ['/etc/login.defs, line 1: unknown item PASS_MAXDAYS']
    """
    settings: dict[str, Setting] = {}
    problems: list[Problem] = []
    for number, line in logical_lines(text):
        key, _, value = line.replace("\t", " ").partition(" ")
        if key not in KNOWN:
            problems.append(Problem(file=path, line=number, message=f"unknown item {key[:60]}"))
            continue
        settings[key] = Setting(key=key, value=value.strip().strip('"'), file=path, line=number)
    return LoginDefs(settings=settings, problems=tuple(problems))
