"""Janus WebRTC gateway: the `GET <base>/info` answer (Janus REST API), which any Janus server gives unauthenticated."""

from __future__ import annotations

import json
from dataclasses import dataclass


class JanusError(ValueError):
    """The body is not a Janus server_info answer."""


@dataclass(frozen=True)
class JanusInfo:
    name: str | None
    version: str | None
    server_name: str | None


def parse_server_info(body: str) -> JanusInfo:
    """The identifying fields of a server_info answer.

    >>> parse_server_info('{"janus": "server_info", "name": "Janus WebRTC Server", "version_string": "1.1.2"}')
    JanusInfo(name='Janus WebRTC Server', version='1.1.2', server_name=None)
    >>> parse_server_info('<html>Not Found</html>')
    Traceback (most recent call last):
    ...
    probes.parse.janus.JanusError: not JSON: '<html>Not Found</html>'
    """
    try:
        data = json.loads(body)
    except ValueError:
        raise JanusError(f"not JSON: {body[:80]!r}") from None
    if not isinstance(data, dict) or data.get("janus") != "server_info":
        got = data.get("janus") if isinstance(data, dict) else type(data).__name__
        raise JanusError(f'"janus" is {got!r}, not "server_info"')
    return JanusInfo(name=data.get("name"), version=data.get("version_string"), server_name=data.get("server-name"))
