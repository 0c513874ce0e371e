"""Programmes a hospital declares (`ihcheck_programmes`) and the facts their rules need.

In two steps, so bad input fails before any host is contacted:

- `prepare` (before probing): the one declaration of the deployment, its pseudonym key, the
  roster and visit files it names (read and validated here: a malformed file is exit 65), and
  every declared query checked to be one read-only SELECT;
- `work` (with the hosts): the declared queries run on their hosts, and the audit log is read
  from its host and verified, each part inside its host's run of the engine's gathering
  (probes.collectors). What fails there (psql refused, file absent, host unreachable, the host's
  deadline) costs only that part: it is `missing` with the reason, and the rules needing it are
  inconclusive.

The audit log travels as `gzip -c FILE | base64 -w0` so its bytes arrive exactly as they are on the
host (a hash chain is over bytes; some transports strip or re-decode text), beside the host's own
`sha256sum` of the file to show the copy is faithful. The observation keeps that digest and the
verification result, not the log itself: it holds visit ids and actors (personal data).
"""

from __future__ import annotations

import base64
import binascii
import functools
import gzip
import hashlib
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.errors import HostUnreachable, InputError
from probes.collectors import DeploymentWork, HostPart, Unfinished
from probes.facts.pilot import PilotFacts, Programme, Roster, TableDeclaration, TrailFacts, Visits
from probes.inventory import Inventory
from probes.limits import read_text_limited
from probes.pilot import (
    Pseudonymiser,
    query_roster,
    query_visits,
    read_roster,
    read_visits,
)
from probes.sql import QueryFailed, check_select
from probes.trail import GENESIS, verify_stream

if TYPE_CHECKING:
    from probes.transport import Session


@dataclass(frozen=True)
class Prepared:
    """A declared programme with what could be read before any host was contacted."""

    programme: Programme
    where: str
    as_of: date
    pseudonym: Pseudonymiser
    roster: Roster | None
    visits: Visits | None

    def hosts_needed(self) -> set[str]:
        needed = {d.query.host for d in (self.programme.roster, self.programme.visits) if d and d.query}
        if self.programme.audit_log is not None:
            needed.add(self.programme.audit_log.host)
        return needed


def _base(inventory: Inventory) -> Path:
    source = Path(inventory.source)
    return source if source.is_dir() else source.parent


def _resolve(base: Path, path: Path | None) -> Path | None:
    if path is None:
        return None
    path = path.expanduser()
    return path if path.is_absolute() else base / path


def declared_programme(inventory: Inventory) -> Programme | None:
    """The deployment's one programme declaration (all hosts must agree: declare it under all: vars)."""
    found = {h.declared.programmes for h in inventory.hosts if h.declared.programmes}
    if not found:
        return None
    if len(found) > 1:
        raise InputError(f"{inventory.source}: ihcheck_programmes: hosts declare different programmes; declare them "
                         "once for the deployment (under all: vars:)")
    programmes = next(iter(found))
    if len(programmes) > 1:
        raise InputError(f"{inventory.source}: ihcheck_programmes: only one programme per deployment is supported")
    return programmes[0]


def _read(decl: TableDeclaration | None, base: Path, where: str, as_of: date, pseudonym: Pseudonymiser,
          reader: Callable[..., Any]) -> Any:
    if decl is None or decl.file is None:
        return None
    path = _resolve(base, decl.file)
    assert path is not None
    return reader(path, as_of, pseudonym, encoding=decl.encoding, sheet=decl.sheet)


HEAD = re.compile(r"^[0-9a-f]{64}$")


def _anchored(programme: Programme, base: Path, where: str) -> Programme:
    """The audit log's anchored head read from `head_file` into `head` (declared, like a head given inline)."""
    log = programme.audit_log
    if log is None or log.head_file is None:
        return programme
    path = _resolve(base, log.head_file)
    assert path is not None
    text = read_text_limited(path, f"{where}.audit_log.head_file", 4096).strip()
    if HEAD.match(text) is None:
        raise InputError(f"{path}: {where}.audit_log.head_file: expected the 64 hex digits of a trail head, got "
                         f"{text[:80]!r}")
    return programme.model_copy(update={"audit_log": log.model_copy(update={"head": text, "head_file": None})})


def prepare(inventory: Inventory, as_of: date) -> Prepared | None:
    """Everything about the declaration that needs no host; InputError (file and field) on bad input."""
    programme = declared_programme(inventory)
    if programme is None:
        return None
    where = f"{inventory.source}: ihcheck_programmes[0]"
    hosts = {h.name for h in inventory.hosts}
    for part, decl in (("roster", programme.roster), ("visits", programme.visits)):
        if decl is not None and decl.query is not None:
            if decl.query.host not in hosts:
                raise InputError(f"{where}.{part}.query.host: {decl.query.host!r} is not a host of the inventory")
            check_select(decl.query.sql, f"{where}.{part}.query.sql")
    if programme.audit_log is not None and programme.audit_log.host not in hosts:
        raise InputError(f"{where}.audit_log.host: {programme.audit_log.host!r} is not a host of the inventory")
    base = _base(inventory)
    programme = _anchored(programme, base, where)
    pseudonym = Pseudonymiser.from_file(_resolve(base, programme.pseudonym_key_file), enabled=programme.pseudonymise)
    return Prepared(programme=programme, where=where, as_of=as_of, pseudonym=pseudonym,
                    roster=_read(programme.roster, base, where, as_of, pseudonym, read_roster),
                    visits=_read(programme.visits, base, where, as_of, pseudonym, read_visits))


def read_trail(session: Session, path: str, prev: str | None, head: str | None, pseudonym: Pseudonymiser,
               ) -> TrailFacts:
    """Fetch the log's exact bytes from its host, verify the chain, and collect each visit's events."""
    quoted = shlex.quote(path)
    digest = session.run(f"sha256sum -- {quoted}", timeout=300)
    if not digest.ok:
        raise QueryFailed(f"{session.host.name}: cannot read the audit log {path}: "
                          f"{(digest.stderr.strip() or 'sha256sum failed').splitlines()[0]}")
    host_sha = digest.stdout.split()[0] if digest.stdout.split() else ""
    summary: dict[str, str] = {}

    def keep(stdout: str) -> str:
        summary["payload"] = stdout
        return f"(the log's bytes, gzip+base64, {len(stdout)} characters; not kept: it holds personal data)\n"

    fetched = session.run(f"gzip -c -- {quoted} | base64 -w0", timeout=600, scrub=keep)
    if fetched.truncated:
        raise QueryFailed(f"{session.host.name}: the audit log {path} is larger, compressed, than the checker's "
                          f"output cap for one command ({session.options.command_output_cap} bytes): verify it on "
                          "a copy with `ihcheck trail verify`, or rotate it (audit_log.prev)")
    if not fetched.ok:
        raise QueryFailed(f"{session.host.name}: cannot read the audit log {path}: "
                          f"{(fetched.stderr.strip() or 'gzip failed').splitlines()[0]}")
    try:
        data = gzip.decompress(base64.b64decode(summary.get("payload", "").strip(), validate=True))
    except (binascii.Error, OSError, EOFError) as exc:
        raise QueryFailed(f"{session.host.name}: the audit log {path} did not arrive intact ({exc})") from None
    if hashlib.sha256(data).hexdigest() != host_sha:
        raise QueryFailed(f"{session.host.name}: the copy of {path} does not match the host's sha256sum "
                          f"({host_sha[:16]}…): the file changed while it was read, or the transfer altered it")
    events: dict[str, list[str]] = {}

    def on_record(record: dict[str, Any]) -> None:
        visit, event = record.get("visit"), record.get("event")
        if isinstance(visit, str) and isinstance(event, str):
            events.setdefault(pseudonym("visit", visit), []).append(event)

    check = verify_stream([data], source=f"{session.host.name}:{path}", prev=prev or GENESIS, expect_head=head,
                          on_record=on_record)
    verdict = "intact" if check.broken is None else f"BROKEN at {check.broken.describe()}"
    note = session.record(f"ihcheck trail verify {session.host.name}:{path} (in the checker)",
                          f"sha256 {check.sha256}; {check.records} record(s); head {check.head}; {verdict}\n")
    return TrailFacts(host=session.host.name, path=path, check=check,
                      events={k: tuple(v) for k, v in events.items()},
                      observations=(digest.id, fetched.id, note.id))


SessionFor = Callable[[str], "Session"]
EXPECTED = (QueryFailed, HostUnreachable, InputError)  # what a part may meet on a host: its part is then `missing`


def work(prepared: Prepared) -> DeploymentWork:
    """The host-side parts (declared queries, the audit log), each to run on its host within the engine's gathering
    (probes.gather: the same session, engine, --forks and --host-timeout as the probes), and how they end."""
    programme = prepared.programme
    parts: list[HostPart] = []
    for part, decl in (("roster", programme.roster), ("visits", programme.visits)):
        if decl is None or decl.query is None:
            continue
        query, where = decl.query, f"{prepared.where}.{part}.query"
        ask = query_roster if part == "roster" else query_visits
        parts.append(HostPart(part, query.host, functools.partial(_ask, ask, query, where, prepared)))
    log = programme.audit_log
    if log is not None:
        parts.append(HostPart("trail", log.host, lambda session: read_trail(session, log.path, log.prev, log.head,
                                                                           prepared.pseudonym)))
    return DeploymentWork(family="pilot", parts=tuple(parts), finish=lambda outcomes: finish(prepared, outcomes))


def _ask(ask: Callable[..., Any], query: Any, where: str, prepared: Prepared, session: Session) -> Any:
    return ask(session, query, where, prepared.as_of, prepared.pseudonym)


def finish(prepared: Prepared, outcomes: Mapping[str, Any]) -> PilotFacts:
    """The programme's facts from its parts' outcomes. A part that failed is `missing`, with why."""
    programme = prepared.programme
    missing: dict[str, str] = {}
    missing_zh: dict[str, str] = {}  # the same, in Chinese for the regulator's report; errors quoted as they came
    part_zh = {"roster": "医师名册", "visits": "就诊记录"}
    found: dict[str, Any] = {"roster": prepared.roster, "visits": prepared.visits, "trail": None}
    for part, decl in (("roster", programme.roster), ("visits", programme.visits)):
        if decl is None:
            missing[part] = (f"no {part} declared (ihcheck_programmes[0].{part}: a file, or a read-only query)")
            missing_zh[part] = f"清单未声明{part_zh[part]}（ihcheck_programmes[0].{part}：文件或只读查询）"
            continue
        if decl.query is None:
            continue
        outcome = _outcome(outcomes, part)
        if isinstance(outcome, EXPECTED):  # after probing: keep what was gathered
            missing[part] = f"{part} query: {outcome}"
            missing_zh[part] = f"{part_zh[part]}查询失败：{outcome}"
        else:
            found[part] = outcome
    if programme.audit_log is None:
        missing["trail"] = ("no audit log declared (ihcheck_programmes[0].audit_log: host and path of a hash-chained "
                            "log, README \"Audit trail format\"): 全程留痕、可追溯 cannot be observed")
        missing_zh["trail"] = ("清单未声明审计日志（ihcheck_programmes[0].audit_log：哈希链接日志所在的主机和路径，见 "
                               "README \"Audit trail format\"）：无法观测是否全程留痕、可追溯")
    else:
        outcome = _outcome(outcomes, "trail")
        if isinstance(outcome, EXPECTED):
            missing["trail"] = f"audit log: {outcome}"
            missing_zh["trail"] = f"审计日志读取失败：{outcome}"
        else:
            found["trail"] = outcome
    return PilotFacts(programme=programme, as_of=prepared.as_of, pseudonyms=prepared.pseudonym.describe(),
                      roster=found["roster"], visits=found["visits"], trail=found["trail"], missing=missing,
                      missing_zh=missing_zh)


def _outcome(outcomes: Mapping[str, Any], key: str) -> Any:
    """A part's outcome; an exception nobody expected (a bug) is raised, as it was before parts ran on hosts."""
    outcome = outcomes.get(key, Unfinished("not run"))
    if isinstance(outcome, BaseException) and not isinstance(outcome, EXPECTED):
        raise outcome
    return outcome


def collect(prepared: Prepared, session_for: SessionFor) -> PilotFacts:
    """`work` run part by part over `session_for` (a test's own session), without an engine."""
    outcomes: dict[str, Any] = {}
    for part in work(prepared).parts:
        try:
            outcomes[part.key] = part.run(session_for(part.host))
        except EXPECTED as exc:
            outcomes[part.key] = exc
    return finish(prepared, outcomes)
