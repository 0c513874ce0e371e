"""The role table: which server programs make a host a database, application or A/V server.

This is data, not logic, so adding an engine (a new domestic database, a vendor's A/V gateway)
is one row. A row matches a process by its name (as `ss -p` and `ps` print it, at most 15
characters) or by a pattern in its command line (Java servers all run as `java`). Well-known
ports are used only when process owners cannot be seen, and the match says so.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass

from probes.facts.services import Role


@dataclass(frozen=True)
class Engine:
    id: str
    label: str
    role: Role
    processes: tuple[str, ...] = ()  # shell-style patterns on the process name
    cmdline: tuple[str, ...] = ()  # regexes on the full command line
    ports: tuple[int, ...] = ()
    packages: tuple[str, ...] = ()  # shell-style patterns on installed package names

    def matches_process(self, name: str, cmdline: str = "") -> bool:
        if any(fnmatch.fnmatchcase(name, p) for p in self.processes):
            return True
        return any(re.search(p, cmdline) for p in self.cmdline)


ENGINES: tuple[Engine, ...] = (
    # Database engines (数据库存储服务器)
    Engine("postgresql", "PostgreSQL", "database", ("postgres", "postmaster"), (), (5432,), ("postgresql-[0-9]*",)),
    Engine("mysql", "MySQL/MariaDB", "database", ("mysqld", "mariadbd"), (), (3306,),
           ("mariadb-server*", "mysql-server*", "percona-server-server*")),
    Engine("oracle", "Oracle Database", "database", ("tnslsnr", "ora_pmon_*", "oracle*"), (), (1521,)),
    Engine("sqlserver", "Microsoft SQL Server", "database", ("sqlservr",), (), (1433,), ("mssql-server",)),
    Engine("mongodb", "MongoDB", "database", ("mongod",), (), (27017,), ("mongodb-org-server", "mongodb-server*")),
    Engine("redis", "Redis", "database", ("redis-server",), (), (6379,), ("redis-server",)),
    Engine("dm", "达梦 DM Database", "database", ("dmserver",), (), (5236,)),
    Engine("kingbase", "人大金仓 KingbaseES", "database", ("kingbase",), (), (54321,)),
    Engine("opengauss", "openGauss/GaussDB", "database", ("gaussdb", "gs_*"), (), (25308,)),
    # Application servers (应用系统服务器)
    Engine("nginx", "nginx", "application", ("nginx",), (), (80, 443), ("nginx", "nginx-*")),
    Engine("httpd", "Apache httpd", "application", ("apache2", "httpd"), (), (80, 443), ("apache2",)),
    Engine("tomcat", "Apache Tomcat", "application", (), (r"org\.apache\.catalina",), (8080, 8443), ("tomcat*",)),
    Engine("java-app", "Java/Spring application", "application", (), (r"(^|/)java\s.*(-jar|spring)",), ()),
    Engine("uwsgi", "uWSGI", "application", ("uwsgi",), (), (), ("uwsgi",)),
    Engine("gunicorn", "gunicorn", "application", ("gunicorn",), (r"gunicorn",), ()),
    Engine("node", "Node.js", "application", ("node", "nodejs"), (), ()),
    Engine("php-fpm", "PHP-FPM", "application", ("php-fpm*",), (), (9000,), ("php*-fpm",)),
    # Audio/video communication systems (音视频通讯系统)
    Engine("coturn", "coturn STUN/TURN", "av", ("turnserver",), (), (3478,), ("coturn",)),
    Engine("kamailio", "Kamailio SIP", "av", ("kamailio",), (), (5060,), ("kamailio",)),
    Engine("freeswitch", "FreeSWITCH", "av", ("freeswitch",), (), (5060,), ("freeswitch",)),
    Engine("asterisk", "Asterisk", "av", ("asterisk",), (), (5060,), ("asterisk",)),
    Engine("janus", "Janus WebRTC gateway", "av", ("janus",), (), (8088, 8188), ("janus",)),
    Engine("jitsi", "Jitsi Videobridge", "av", (), (r"videobridge|jvb",), (10000,), ("jitsi-videobridge*",)),
    Engine("srs", "SRS media server", "av", ("srs",), (), (1935, 1985)),
)


def engine_for_process(name: str, cmdline: str = "") -> Engine | None:
    for engine in ENGINES:
        if engine.matches_process(name, cmdline):
            return engine
    return None


def engine_for_port(port: int) -> Engine | None:
    """Only for sockets whose owning process cannot be seen; the first row naming the port wins."""
    for engine in ENGINES:
        if port in engine.ports:
            return engine
    return None


def engines_for_package(package: str) -> list[Engine]:
    return list(_engines_for_package(package))


# Every row's package globs at once, as fnmatchcase reads each: most installed packages are no server's, and
# a host lists hundreds of them (the services probe runs for each host, and again inside the A/V probe).
_ANY_PACKAGE = re.compile("|".join(fnmatch.translate(p) for e in ENGINES for p in e.packages))


@functools.lru_cache(maxsize=1 << 14)  # a fleet's hosts list mostly the same package names
def _engines_for_package(package: str) -> tuple[Engine, ...]:
    if _ANY_PACKAGE.match(package) is None:
        return ()
    return tuple(e for e in ENGINES if any(fnmatch.fnmatchcase(package, p) for p in e.packages))
