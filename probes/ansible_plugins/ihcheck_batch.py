"""Ansible action `ihcheck_batch`: `ansible.builtin.shell`, with each host's output handed back compressed.

Why: a batch's output is large (some 130 kB a host, mostly the package list), and Ansible holds every host's
result until the task has run on every host (the `linear` strategy's results list; the `free` strategy's
queue of results not yet read). The shell action's result holds that output twice over: `stdout`, and
`stdout_lines`, one string per line (3,500 of them), besides the script echoed back as `cmd`. That is
some 0.5 MB of Python objects a host in the controller, so its memory grew with the fleet, and every
fork, a copy of the controller, grew with it; the same result then travelled as JSON, base64-encoded,
through ansible-runner's event stream into ihcheck.

This action runs the very same `shell` action (the same module, arguments, `become`, pipelining and
timeout) on the host and only repacks its result in the fork, before the result reaches the controller:
`stdout` and `stderr` become `stdout_zlib` and `stderr_zlib` (the UTF-8 bytes, zlib level 1, base64),
and `stdout_lines`, `stderr_lines` and `cmd` are dropped. Nothing else changes on the host: the same
commands run, and ihcheck gets the same bytes back (probes.ansible_engine unpacks them).

Runs inside Ansible (a worker fork); imports nothing of ihcheck.
"""

from __future__ import annotations

import base64
import zlib
from typing import Any

from ansible.plugins.action import ActionBase


def pack(text: str) -> str:
    """A module's text output as base64 of its zlib-compressed UTF-8 (surrogates escaped as Ansible decoded them)."""
    return base64.b64encode(zlib.compress(text.encode("utf-8", "surrogateescape"), 1)).decode("ascii")


class ActionModule(ActionBase):  # type: ignore[misc]  # ansible ships no type information
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        del tmp  # no longer has any effect (as in ansible's own shell action)
        shell = self._shared_loader_obj.action_loader.get(
            "ansible.legacy.shell", task=self._task, connection=self._connection, play_context=self._play_context,
            loader=self._loader, templar=self._templar, shared_loader_obj=self._shared_loader_obj)
        result: dict[str, Any] = shell.run(task_vars=task_vars)
        for stream in ("stdout", "stderr"):
            text = result.pop(stream, None)
            result.pop(f"{stream}_lines", None)
            if text is not None:
                result[f"{stream}_zlib"] = pack(str(text))
        result.pop("cmd", None)
        return result
