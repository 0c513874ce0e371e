"""Every error ihcheck raises on purpose, and the one table of exit codes main() maps them to.

    IhcheckError                    base: main() prints its message as one line
    ├── UsageError          64      the command line itself is wrong (an option that needs another)
    ├── InputError          65      bad input (inventory, spec, waiver file, documents index): names file and field
    │   └── simulator.spec.SpecError
    ├── EnvironmentProblem  69      this machine cannot do it (no podman, no image, a daemon that never answered)
    │   ├── simulator.podman.PodmanError
    │   ├── simulator.image.ImageError
    │   └── simulator.deploy.SimulatorError
    ├── HostUnreachable             a host could not be reached: its rules become inconclusive, never an exit code
    └── ProbeError                  a probe broke on a reachable host: its rules become `error`

An OSError that escapes (a file named on the command line that cannot be read or written) is 74.
Anything else that escapes is a bug: exit 70. Verdicts give 0, 1 and 2 (checker.engine.exit_code).
Pure: imported by every layer, importing none.
"""

from __future__ import annotations

from enum import IntEnum

from pydantic import ValidationError


class ExitCode(IntEnum):
    """The exit codes scripts and CI rely on (README "Verdicts and exit codes"); defined here only."""

    PASS = 0  # every rule passed (or does not apply)
    FAIL = 1  # at least one rule failed
    INCONCLUSIVE = 2  # no failure, but a rule was inconclusive or hit an error
    USAGE = 64  # EX_USAGE
    INPUT = 65  # EX_DATAERR
    ENVIRONMENT = 69  # EX_UNAVAILABLE
    BUG = 70  # EX_SOFTWARE
    IO = 74  # EX_IOERR: a file or folder named on the command line cannot be read or written
    INTERRUPTED = 130


class IhcheckError(Exception):
    """An error ihcheck raises on purpose; its message is one line for the user."""

    exit_code: ExitCode | None = None  # None: handled where raised, never reaches main()


class UsageError(IhcheckError):
    """The command line is inconsistent in a way the option parser cannot see."""

    exit_code = ExitCode.USAGE


class InputError(IhcheckError):
    """Bad user input; the message is one line naming the file and the field."""

    exit_code = ExitCode.INPUT


class EnvironmentProblem(IhcheckError):
    """This machine lacks what the command needs; the message is one line saying what."""

    exit_code = ExitCode.ENVIRONMENT


class HostUnreachable(IhcheckError):
    """The host could not be reached (connection refused, timeout, host key mismatch, auth)."""


class ProbeError(IhcheckError):
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
