"""Evidence that a backup ran, not only that one is scheduled (L3-CES1-29).

A cron line mentioning "backup" says nothing about whether a backup exists. The probe reads, for each backup job,
where the job writes (a redirect `> /var/backups/pg-$(date +%F).sql.gz`, `tar -czf FILE`, `pg_dump -f FILE`, a
borg or restic repository, `--backup-dir`), the directories the hospital declares (`ihcheck_backup_dirs`), and
pgBackRest's own record (`pgbackrest info`, read-only) where installed; and prints the newest matching file's
modification time. The rule judges its age. The file names are the job's own (`pg-*` beside `pg-$(date)`), so
Debian's daily copies of dpkg's status in /var/backups are never taken for a hospital's backup.

Paths come from the host's crontab: they reach the host's shell only quoted (shlex), and only when they are plain
paths (letters, digits, `._-/`, and `*` in a file name).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable
from datetime import UTC, datetime

from probes.facts.baseline import BackupArtefact, Setting

_REDIRECT = re.compile(r"(?<![0-9&])>>?\s*(['\"]?/[^\s;|&'\"]+)")
_OPTION = re.compile(r"(?:^|\s)(?:-[A-Za-z]*f|--file|-o|--output(?:-file)?|--result-file|--target-dir|--backup-dir"
                     r"|-r|--repo(?:sitory)?|--target)(?:=|\s+)(['\"]?/[^\s;|&'\"]+)")
_BORG = re.compile(r"(?:^|\s)(/[^\s:;|&]+)::")
_DYNAMIC = re.compile(r"[$`%*]")
_PLAIN_DIR = re.compile(r"^/[\w./-]*$")
_PLAIN_GLOB = re.compile(r"^[\w.*+-]+$")
MAX_TARGETS = 16

Target = tuple[str, str, int]  # directory, file-name pattern, depth


def _target(path: str) -> Target | None:
    """The directory a job writes to and the names it gives its files.

    >>> _target("/var/backups/pg-$(date"), _target("/srv/borg"), _target("/backup/$(hostname)/db.sql")
    (('/var/backups', 'pg-*', 1), ('/srv/borg', '*', 3), ('/backup', '*', 3))
    """
    path = path.strip("'\"")
    if path.startswith("/dev/"):
        return None
    parts = path.split("/")
    for i, part in enumerate(parts):
        if _DYNAMIC.search(part):
            directory = "/".join(parts[:i]) or "/"
            if i == len(parts) - 1:
                glob = re.sub(r"\*+", "*", _DYNAMIC.split(part, maxsplit=1)[0] + "*")
                return (directory, glob, 1) if directory != "/" else None
            return (directory, "*", 3) if directory != "/" else None
    if "." in parts[-1]:  # a file: its directory and its name
        return "/".join(parts[:-1]) or "/", parts[-1], 1
    return path.rstrip("/") or "/", "*", 3


def job_targets(jobs: Iterable[Setting]) -> list[Target]:
    """Where the jobs write (a job that writes nowhere the probe can name gives none)."""
    found: list[Target] = []
    for job in jobs:
        for rx in (_REDIRECT, _OPTION, _BORG):
            for match in rx.finditer(job.value):
                target = _target(match.group(1))
                if target is not None and target not in found and target[0] not in ("/", "/etc", "/var/lib"):
                    found.append(target)
    return found


def command(marker: str, targets: Iterable[Target], declared: Iterable[str]) -> str:
    """Prints, per target, `MARKER artefact DIR GLOB` and the newest matching file as `EPOCH PATH`; then
    pgBackRest's record when the tool is installed."""
    parts = [f"M={shlex.quote(marker)}"]
    wanted = [*targets, *((d.rstrip("/") or "/", "*", 3) for d in declared)]
    for directory, glob, depth in list(dict.fromkeys(wanted))[:MAX_TARGETS]:
        if not _PLAIN_DIR.match(directory) or not _PLAIN_GLOB.match(glob):
            continue
        d, g = shlex.quote(directory), shlex.quote(glob)
        parts.append(f'echo "$M artefact {directory} {glob}"; find {d} -maxdepth {int(depth)} -type f -name {g} '
                     "-printf '%T@ %p\\n' 2>/dev/null | sort -n | tail -1")
    parts.append('echo "$M output pgbackrest"; command -v pgbackrest >/dev/null 2>&1 && '
                 "timeout 20 pgbackrest --output=json info 2>/dev/null")
    return "; ".join(parts) + "; true"


def parse(output: str, marker: str, declared: Iterable[str]) -> tuple[BackupArtefact, ...]:
    """The newest file of each target, and pgBackRest's newest completed backup.

    >>> out = "@@m artefact /var/backups pg-*\\n1796000000.5 /var/backups/pg-2026-11-29.sql.gz\\n"
    >>> out += "@@m artefact /srv/empty *\\n@@m output pgbackrest\\n"
    >>> out += '[{"name": "his", "backup": [{"label": "x", "timestamp": {"start": 1795990000, "stop": 1795990500}}]}]'
    >>> [(a.source, a.path, a.mtime.isoformat()) for a in parse(out, "@@m", [])]  # doctest: +NORMALIZE_WHITESPACE
    [('job output', '/var/backups/pg-2026-11-29.sql.gz', '2026-11-30T00:53:20.500000+00:00'),
     ('pgbackrest info', 'stanza his, backup x', '2026-11-29T22:15:00+00:00')]
    """
    declared_dirs = {d.rstrip("/") or "/" for d in declared}
    found: list[BackupArtefact] = []
    current: tuple[str, str] | None = None
    lines = output.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(f"{marker} artefact "):
            directory, _, glob = line[len(marker) + 10:].partition(" ")
            current = (directory, glob)
            continue
        if line.startswith(f"{marker} output pgbackrest"):
            found += _pgbackrest("\n".join(lines[i + 1:]))
            break
        stamp, _, path = line.partition(" ")
        if current is not None and path.startswith("/") and re.fullmatch(r"\d+(?:\.\d+)?", stamp):
            source = "declared directory" if current[0] in declared_dirs else "job output"
            found.append(BackupArtefact(source=source, directory=current[0], pattern=current[1], path=path,
                                        mtime=datetime.fromtimestamp(float(stamp), UTC)))
    return tuple(found)


def _pgbackrest(text: str) -> list[BackupArtefact]:
    try:
        stanzas = json.loads(text) if text.strip() else []
    except ValueError:
        return []
    found: list[BackupArtefact] = []
    for stanza in stanzas if isinstance(stanzas, list) else []:
        backups = [b for b in stanza.get("backup", []) if isinstance(b, dict)] if isinstance(stanza, dict) else []
        stops = [(b.get("timestamp", {}).get("stop"), b.get("label", "")) for b in backups]
        stops = [(s, label) for s, label in stops if isinstance(s, int | float)]
        if stops:
            stop, label = max(stops)
            found.append(BackupArtefact(source="pgbackrest info", directory="", pattern="",
                                        path=f"stanza {stanza.get('name', '?')}, backup {label}",
                                        mtime=datetime.fromtimestamp(stop, UTC)))
    return found
