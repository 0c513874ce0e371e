"""The two places a dialogue can run from: the checker, or the declaring host over its transport (the wire
travels as `python3 -c`). The wire itself is injectable (`Wire`): a test feeds canned bytes with
probes.protocols.mock, as httpx's MockTransport does, and the protocol's interpretation cannot tell.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from probes.protocols import wire
from probes.protocols.reply import ExchangeResult, Outcome, Protocol, Request, WireReply, decode

if TYPE_CHECKING:
    from probes.transport import Session

__all__ = ["ExchangeResult", "Outcome", "Protocol", "Request", "Wire", "WireReply", "decode", "from_checker",
           "from_host"]
WIRE_SOURCE = Path(wire.__file__).read_text(encoding="utf-8")
WIRE_SHA256 = hashlib.sha256(WIRE_SOURCE.encode()).hexdigest()
Wire = Callable[[dict[str, Any]], dict[str, Any]]  # the wire's JSON request → its JSON reply (probes.protocols.wire)


def from_checker(request: Request, session: Session | None = None, run: Wire | None = None) -> WireReply:
    """Run the dialogue from the checker's own network position (recorded on `session` when given); `run`
    replaces the socket (canned replies in tests)."""
    raw = (run or wire.run)(request.as_wire())
    observation = None
    if session is not None:
        failed = raw.get("connect") != "ok"
        obs = session.record(f"{request.label}  # sent from the checker", json.dumps(raw, sort_keys=True),
                             error=raw.get("error") or "" if failed else "")
        observation = obs.id
    return decode(raw, origin="checker", observation=observation)


def remote_command(request: Request, python: str = "python3") -> str:
    """The shell command that runs the wire on a host with only python3: the script and the request travel
    as arguments (base64), so nothing is written on the host. The trailing comment says what it is."""
    script = base64.b64encode(WIRE_SOURCE.encode()).decode()
    payload = base64.b64encode(json.dumps(request.as_wire()).encode()).decode()
    bootstrap = "import base64,sys;exec(compile(base64.b64decode(sys.argv[1]),'ihcheck-wire','exec'))"
    return (f"{python} -c {shlex.quote(bootstrap)} {script} {payload}"
            f"  # ihcheck wire {WIRE_SHA256[:12]}: {request.label}")


def from_host(request: Request, session: Session, python: str = "python3") -> WireReply:
    """Run the dialogue on the session's host, over its transport. A host without python3 (or whose run
    broke) gives `unreachable` with the reason: the caller may then fall back to the checker."""
    obs = session.run(remote_command(request, python), timeout=int(request.timeout) + 10)
    try:
        raw = json.loads(obs.stdout)
        if not isinstance(raw, dict):
            raise ValueError("not an object")
    except ValueError:
        why = (obs.stderr.strip().splitlines() or [f"exit status {obs.exit_status}"])[-1][:200]
        return WireReply(connect="not-run", error=f"could not run the exchange on {session.host.name}: {why}",
                         steps=(), tls=None, elapsed=None, observation=obs.id, origin=session.host.name)
    return decode(raw, origin=session.host.name, observation=obs.id)
