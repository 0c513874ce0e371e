"""Errors that reach the user.

    InputError          bad input (inventory, spec, waiver file): one line naming file and field;
                        the CLI prints it and exits 65 (EX_DATAERR), never a traceback.
    EnvironmentProblem  this machine cannot do what was asked (no podman for a simulation): exit 69.
    HostUnreachable     a transport could not reach a host; the host's rules become inconclusive.
    ProbeError          a probe broke on a reachable host (unexpected output, a bug); its rules
                        become `error` and the other probes' facts are kept.
"""

from __future__ import annotations

from pydantic import ValidationError


class InputError(Exception):
    """Bad user input; the message is one line naming the file and the field."""


class EnvironmentProblem(Exception):
    """This machine lacks what the command needs; the message is one line saying what."""


class HostUnreachable(Exception):
    """The host could not be reached (connection refused, timeout, host key mismatch, auth)."""


class ProbeError(Exception):
    """A probe could not make sense of what a reachable host returned."""


def describe_validation_error(exc: ValidationError) -> tuple[str, str]:
    """The first pydantic error as (dotted field path, message), for one-line reports."""
    first = exc.errors()[0]
    parts: list[str] = []
    for item in first["loc"]:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]" if parts else f"[{item}]"]
        else:
            parts.append(str(item))
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown field"
    elif "input" in first and first["type"] not in ("missing",):
        message = f"{message} (got {first['input']!r})"
    return ".".join(parts) or "(top level)", message
