"""Every command through the `ansible` CLI (`ansible_connection: ansible` per host)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from checker.errors import HostUnreachable
from probes.ansible_trust import ANSIBLE_INVENTORY_PLUGINS
from probes.bounded import Bounded, decode, run_bounded
from probes.inventory import InventoryHost
from probes.transport.base import TransportOptions
from probes.transport.process import _ProcessTransport


class _AnsibleTransport(_ProcessTransport):
    """Every command through the `ansible` CLI's shell module, bounded like any other process.

    Ansible then owns connection details (its own host-key checking, become, vault); it is slow (one
    `ansible` process per command) but reaches whatever Ansible can reach.
    """

    name = "ansible"

    def __init__(self, host: InventoryHost, options: TransportOptions) -> None:
        super().__init__(options)
        if host.checker_side:  # the run refuses such a host before any is contacted; never hand it to Ansible
            raise HostUnreachable(f"refused: {host.checker_side[0]} (--allow-inventory-lookups for an inventory "
                                  "you trust)")
        self._host = host
        # The `ansible` CLI lives beside the interpreter running ihcheck (e.g. .venv/bin).
        self._ansible = str(Path(sys.executable).parent / "ansible")
        if not Path(self._ansible).exists():
            self._ansible = "ansible"

    def run(self, command: str, *, timeout: float, cap: int) -> Bounded:
        with tempfile.TemporaryDirectory(prefix="ihcheck-ansible-") as tree:
            argv = [self._ansible, "--tree", tree, "-m", "ansible.builtin.shell",
                    "-a", json.dumps({"_raw_params": command})]
            if self._options.ansible_inventory:
                argv += ["-i", self._options.ansible_inventory]
            argv += ["--limit", self._host.name, "all"]
            env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_DEPRECATION_WARNINGS": "false",
                   "ANSIBLE_INVENTORY_ENABLED": ANSIBLE_INVENTORY_PLUGINS,  # never `script` (an executable inventory)
                   "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_SYSTEM_WARNINGS": "false"}
            outer = run_bounded(argv, timeout=timeout + 30, cap=2 * cap + 65536, env=env,
                                cancel=self._options.cancel, grace=self._options.kill_grace)
            if outer.ended:
                return Bounded(None, b"", outer.stderr, outer.ended, outer.truncated)
            files = [p for p in Path(tree).iterdir() if p.is_file()]
            if not files:
                text = decode(outer.stdout + outer.stderr).strip()
                raise HostUnreachable(f"ansible: {text.splitlines()[-1][:300] if text else 'no result'}")
            with files[0].open("rb") as fh:
                raw = fh.read(2 * cap + 65536)
        try:
            out = json.loads(raw)
        except ValueError:
            raise HostUnreachable("ansible: result not readable (too large or not JSON)") from None
        if out.get("unreachable"):
            raise HostUnreachable(f"ansible: {str(out.get('msg', 'unreachable'))[:300]}")
        if "stdout" in out and "rc" in out:
            stdout, stderr = str(out["stdout"]).encode(), str(out.get("stderr", "")).encode()
            return Bounded(int(out["rc"]), stdout[:cap], stderr[:cap], None, len(stdout) > cap)
        # The module itself could not run (no Python on the host, a broken interpreter path, …).
        detail = str(out.get("module_stdout") or out.get("module_stderr") or "").strip().splitlines()
        raise HostUnreachable(f"ansible: {out.get('msg', 'module failed')}: {detail[0] if detail else ''}".rstrip(": "))
