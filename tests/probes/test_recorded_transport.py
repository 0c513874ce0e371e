"""Probes and rules over the recorded transport: real output of real (simulated) hosts, replayed offline.

tests/data/recordings/compliant/result.json is `ihcheck check --format json` of the default simulated
deployment (real containers, real sshd, PostgreSQL, nginx, routers with tc), see the README there. The
probes whose commands travel over the host's connection re-run on it here in a second and must give
the very facts the live run gave; the rules judge them as they did then. The real-daemon and container
tests stay (tests/probes/test_*_probe.py, tests/scenarios); this is the fast layer under them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.catalogue import CATALOGUE
from checker.engine import evaluate, rule_verdicts
from checker.errors import InputError
from probes.facts import DeploymentFacts
from probes.gather import gather, probes_for
from probes.observation import ObservationLog
from probes.recorded import NotRecorded, RecordedTransport, Recording
from probes.transport import Session

RECORDING = Path(__file__).resolve().parents[1] / "data" / "recordings" / "compliant" / "result.json"
SIM_TABLE = "/var/lib/ihcheck/sim/compliant/identities.json"
# Families whose every command runs on the host; power and av also ask from the checker (BMC, handshakes).
REPLAYABLE = ("identity", "services", "connections", "egress", "uplinks")


def _without_provenance(value: Any) -> Any:
    """A fact with its observation ids dropped: ids number commands in the order threads ran them."""
    if isinstance(value, dict):
        return {k: _without_provenance(v) for k, v in value.items()
                if k not in ("observations", "supporting_observations")}
    if isinstance(value, list):
        return [_without_provenance(v) for v in value]
    return value


def test_replays_answers_in_order_and_refuses_what_was_never_recorded() -> None:
    transport = RecordedTransport("h", {"echo hi": [(0, "hi\n", ""), (1, "", "busy")]})
    assert transport.answer("echo hi") == (0, "hi\n", "")
    assert transport.answer("timeout -k 3 30 sh -c 'echo hi' & p=$!; wait $p; s=$?; kill -9 -$p 2>/dev/null; exit $s") \
        == (1, "", "busy")  # the deadline wrapper around a command does not change what it answers
    assert transport.run("echo hi", timeout=30, cap=100).stderr == b"busy"  # the last answer again
    with pytest.raises(NotRecorded, match="uname"):
        transport.run("uname -a", timeout=30, cap=100)


def test_not_a_result_is_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "r.json"
    bad.write_text('{"facts": {}}', encoding="utf-8")
    with pytest.raises(InputError, match=r"r\.json"):
        Recording.from_result(bad)


def test_probes_over_the_recording_give_the_live_facts_and_verdicts() -> None:
    recording = Recording.from_result(RECORDING)
    # The simulated identity table was recorded in the simulator's state folder; it is kept beside the recording.
    text = RECORDING.read_text(encoding="utf-8").replace(SIM_TABLE, str(RECORDING.parent / "identities.json"))
    live = DeploymentFacts.model_validate(json.loads(text)["facts"])
    replayed = gather(recording.inventory(), probes=probes_for(REPLAYABLE), connect=recording.connect).facts
    assert [h.name for h in replayed.hosts] == [h.name for h in live.hosts]
    for then, now in zip(live.hosts, replayed.hosts, strict=True):
        assert now.reachable and not now.errors, (now.name, now.errors)
        for family in REPLAYABLE:
            assert _without_provenance(now.model_dump(mode="json")[family]) == \
                _without_provenance(then.model_dump(mode="json")[family]), (now.name, family)
    rules = [r for r in CATALOGUE if set(r.needs) <= set(REPLAYABLE)]
    assert {r.id for r in rules} >= {"GD2020-1.2.3-servers", "GD2020-1.2.3-db-app-split", "GD2020-1.2.5-isps",
                                     "GD2020-1.2.5-bandwidth"}
    assert rule_verdicts(evaluate(replayed, rules)) == rule_verdicts(evaluate(live, rules))


def recorded_session(host: str) -> Session:
    """A session on one host of the recording, for a probe test beside its real-daemon test."""
    recording = Recording.from_result(RECORDING)
    return Session(host=recording.hosts[host].host, transport=recording.connect(recording.hosts[host].host),
                   log=ObservationLog())
