"""A transport that replays what real hosts answered: command → exit status, stdout, stderr.

A recording is the `observations` of an ihcheck result (`ihcheck check --format json`, or a bundle's
result): every command a probe ran over a host's connection, with its raw output, exactly as the
evidence keeps it. Replaying them lets probes be tested offline on real output, and lets CI re-run
probes + rules over a whole recorded deployment without booting a container (`gather(...,
connect=recording.connect)`). Real-daemon tests stay; this is the fast layer under them (as vcrpy or
httpx's MockTransport replay recorded exchanges).

Only what travelled over the host's connection replays: observations the checker made itself
(transport `checker`: psutil on the local host, a handshake sent from the checker, a BMC query) are
not commands a host answered. A command the recording lacks raises `NotRecorded` (a `ProbeError`: the
probe's facts become an error, never a made-up answer). A command recorded several times (a retried
measurement) replays its answers in order, the last one again once they run out.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from checker.errors import HostUnreachable, InputError, ProbeError
from probes.bounded import COMMAND_OUTPUT_CAP, Bounded
from probes.facts.declared import Declarations
from probes.inventory import Inventory, InventoryHost
from probes.observation import Observation
from probes.transport import TransportOptions, unwrap

Answer = tuple[int, str, str]


class _RecordedHost(BaseModel):
    """What a recording needs of one host of the result's facts (the rest is the facts themselves)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str
    address: str
    groups: tuple[str, ...] = ()
    declared: Declarations = Declarations()
    reachable: bool
    unreachable_reason: str | None = None
    host_key_fingerprint: str | None = None

    def beside(self, folder: Path) -> _RecordedHost:
        """Relative paths in the declarations (an identity table kept with the recording) resolve beside it."""
        paths = {k: folder / v for k in ("known_hosts", "simulated_identities", "power_attestation", "documents_dir")
                 if isinstance(v := getattr(self.declared, k), Path) and not v.is_absolute()}
        return self.model_copy(update={"declared": self.declared.model_copy(update=paths)}) if paths else self


class NotRecorded(ProbeError):
    """The probe ran a command the recording does not hold (the probe changed, or it was never run)."""


class RecordedTransport:
    """One host's recorded answers behind the Transport protocol (run, host_key_fingerprint, close)."""

    name = "recorded"  # never "local": a replay must take the path a remote host takes

    def __init__(self, host: str, answers: dict[str, list[Answer]], *, fingerprint: str | None = None) -> None:
        self.host = host
        # Keyed by the probe's own command: the deadline wrapper around it changes between ihcheck versions.
        self._answers: dict[str, deque[Answer]] = {}
        for command, replies in answers.items():
            self._answers.setdefault(unwrap(command), deque()).extend(replies)
        self._fingerprint = fingerprint

    def answer(self, command: str) -> Answer:
        replies = self._answers.get(unwrap(command))
        if not replies:
            raise NotRecorded(f"{self.host}: no recorded answer to {unwrap(command)!r}")
        return replies.popleft() if len(replies) > 1 else replies[0]

    def run(self, command: str, *, timeout: float = 30, cap: int = COMMAND_OUTPUT_CAP) -> Bounded:
        rc, out, err = self.answer(command)
        return Bounded(rc, out.encode()[:cap], err.encode()[:cap])

    def host_key_fingerprint(self) -> str | None:
        return self._fingerprint

    def close(self) -> None:
        return None


@dataclass(frozen=True)
class HostRecording:
    host: InventoryHost
    fingerprint: str | None
    answers: dict[str, list[Answer]] = field(default_factory=dict)


class Recording:
    """Recorded hosts: their inventory entries (as the result's facts list them) and the answers they gave."""

    def __init__(self, source: str, hosts: Iterable[HostRecording], unreachable: dict[str, str]) -> None:
        self.source = source
        self.hosts = {h.host.name: h for h in hosts}
        self.unreachable = unreachable

    @classmethod
    def from_result(cls, path: Path) -> Recording:
        """Read an `ihcheck.result/1` JSON file: its facts name the hosts, its observations are the answers."""
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(result, dict) and result.get("schema") == "ihcheck.result/2":
                raise InputError(f"{path}: schema ihcheck.result/2 references the commands' output (it is in the "
                                 "bundle): record with `ihcheck check --format json --full-observations`")
            hosts = [_RecordedHost.model_validate(h).beside(path.parent) for h in result["facts"]["hosts"]]
            observations = [Observation.model_validate(o) for o in result["observations"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
            raise InputError(f"{path}: not an ihcheck result with facts and observations ({exc})") from None
        return cls.from_observations(str(path), hosts, observations)

    @classmethod
    def from_observations(cls, source: str, hosts: Iterable[object],
                          observations: Iterable[Observation]) -> Recording:
        answers: dict[str, dict[str, list[Answer]]] = defaultdict(lambda: defaultdict(list))
        for obs in sorted(observations, key=lambda o: (o.host, int(o.id.rpartition("#")[2]))):
            if obs.transport != "checker" and obs.exit_status is not None:
                answers[obs.host][obs.command].append((obs.exit_status, obs.stdout, obs.stderr))
        recorded: list[HostRecording] = []
        unreachable: dict[str, str] = {}
        for entry in (_RecordedHost.model_validate(h) for h in hosts):
            host = InventoryHost(name=entry.name, address=entry.address, groups=entry.groups, declared=entry.declared)
            if not entry.reachable:
                unreachable[entry.name] = entry.unreachable_reason or "unreachable when recorded"
            recorded.append(HostRecording(host=host, fingerprint=entry.host_key_fingerprint,
                                          answers={c: list(a) for c, a in answers[entry.name].items()}))
        return cls(source, recorded, unreachable)

    def inventory(self) -> Inventory:
        return Inventory(source=self.source, hosts=tuple(h.host for h in self.hosts.values()))

    def connect(self, host: InventoryHost, options: TransportOptions | None = None) -> RecordedTransport:
        """A transport factory for `gather`: a host unreachable when recorded is unreachable again."""
        if host.name in self.unreachable:
            raise HostUnreachable(self.unreachable[host.name])
        recorded = self.hosts[host.name]
        return RecordedTransport(host.name, recorded.answers, fingerprint=recorded.fingerprint)
