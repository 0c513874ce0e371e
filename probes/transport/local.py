"""This machine itself: `sh -c` under the same deadline and cap as any remote command."""

from __future__ import annotations

from probes.transport.process import _ProcessTransport


class _LocalTransport(_ProcessTransport):
    name = "local"
