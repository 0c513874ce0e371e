"""A wire that answers from a handler instead of a socket, as httpx's MockTransport does for HTTP: tests and
the red-team benchmark feed a protocol's interpretation canned bytes (garbage, truncated PDUs, hostile ACKs)
through the same path a real dialogue takes, and read back what ihcheck would have sent.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

Handler = Callable[[int, bytes], bytes | None]  # step index, bytes sent → the reply (None: the peer closes)


class MockWire:
    """Call it with the wire's JSON request (probes.protocols.base.Wire); `sent` keeps every payload sent."""

    def __init__(self, handler: Handler, *, tls: dict[str, Any] | None = None, connect: str = "ok") -> None:
        self.handler, self.tls, self.connect = handler, tls, connect
        self.sent: list[bytes] = []

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"connect": self.connect, "error": None if self.connect == "ok" else self.connect,
                               "steps": [], "elapsed": 0.0}
        if request.get("tls") is not None:
            out["tls"] = self.tls or {"verified": False, "verify_error": None, "error": "no TLS in this mock"}
        if self.connect != "ok":
            return out
        for index, step in enumerate(request["steps"]):
            payload = base64.b64decode(step["send"])
            self.sent.append(payload)
            reply = self.handler(index, payload)
            out["steps"].append({"sent": step["send"], "received": base64.b64encode(reply or b"").decode(),
                                 "end": "complete" if reply else "closed"})
            if not reply:
                break
        return out


def canned(*replies: bytes) -> MockWire:
    """A peer that answers step i with replies[i] (and closes once they run out)."""
    return MockWire(lambda index, _sent: replies[index] if index < len(replies) else None)
