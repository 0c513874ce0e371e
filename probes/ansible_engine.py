"""The Ansible engine: the same probes, with Ansible reaching the hosts through ansible-runner.

`ihcheck check --engine ansible` hands the hosts to Ansible, so its forks, SSH pipelining and
ControlPersist, `become`, connection plugins and inventory plugins all apply, and the private-data
directory it writes (inventory reference, `project/ihcheck.yml`, one batch script per host) is the
layout AWX/AAP and execution nodes run unchanged.

How the two engines stay indistinguishable to rules, evidence and reports:

1. For every host, the commands its probes always run (`probes.gather.plan`) are framed into the same
   batch envelope the direct engine sends (probes.batch), written to `project/batches/<sha1 of name>.sh`.
2. One play runs that script on every host with `ansible.builtin.shell` (no fact gathering). The
   event stream (`runner_on_ok`, `runner_on_failed`, `runner_on_unreachable`, each with
   `event_data.res`) gives each host's raw stdout, stderr and times.
3. Each host's output is split command by command into the same Observations (same command lines,
   same ids, same SHA-256 of the same output) and preloaded into that host's Session; then the very
   same probe code runs on it (probes.gather). A follow-up command a probe decides on only after
   reading a first answer (an echo per uplink, `upsc` per UPS, iperf3) goes through Ansible too, one
   ad-hoc `shell` run each: slower than the direct engine, but the same evidence.

An unreachable host is unreachable with Ansible's own message; a host where the task failed (no
Python for the module, a task timeout) is unreachable with the module's message: its rules are
inconclusive, never pass. Transport is recorded as `ansible`. Ansible verifies host keys itself
(`ANSIBLE_HOST_KEY_CHECKING` is forced on unless --accept-unknown-host-keys); the fingerprint
recorded is the known_hosts entry for the host that Ansible's strict checking required it to present.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from checker.errors import HostUnreachable
from probes import batch
from probes.bounded import Bounded, decode
from probes.fleet_defaults import DEFAULT_FORKS, DEFAULT_HOST_TIMEOUT
from probes.gather import PROBES, Gathered, Probe, gather, plan
from probes.inventory import Inventory, InventoryHost
from probes.observation import ObservationLog, now
from probes.transport import Session, TransportOptions, known_hosts_fingerprint, planned

PLAYBOOK = """\
# Written by ihcheck: run each host's batch of read-only probe commands (batches/<sha1 of host>.sh).
- name: ihcheck probes
  hosts: all
  gather_facts: false
  tasks:
    - name: ihcheck batch
      ansible.builtin.shell:
        cmd: "{{ lookup('ansible.builtin.file', playbook_dir ~ '/batches/' ~ batch) }}"
        executable: /bin/sh
      vars:
        batch: "{{ inventory_hostname | hash('sha1') }}.sh"
      changed_when: false
      timeout: %(timeout)d
"""


@dataclass(frozen=True)
class HostOutcome:
    """What the event stream said about one host."""

    ok: bool
    stdout: str = ""
    stderr: str = ""
    message: str = ""
    started: datetime | None = None
    ended: datetime | None = None


class _PlanTransport:
    """Stands in for the host's transport while its plan is computed (plans only read host and transport name)."""

    name = "ansible"

    def run(self, command: str, *, timeout: float, cap: int) -> Bounded:  # pragma: no cover - never called
        raise RuntimeError("planning runs no command")

    def host_key_fingerprint(self) -> str | None:
        return None

    def close(self) -> None:
        return None


class AnsibleRunnerTransport:
    """A follow-up command on one host, as one ad-hoc `shell` run through ansible-runner."""

    name = "ansible"

    def __init__(self, host: InventoryHost, private_dir: Path, inventory: str, envvars: dict[str, str]) -> None:
        self.host = host
        self._dir = private_dir
        self._inventory = inventory
        self._envvars = envvars

    def run(self, command: str, *, timeout: float, cap: int) -> Bounded:
        import ansible_runner

        seen: dict[str, Any] = {}

        def handler(event: dict[str, Any]) -> bool:
            if event.get("event") in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable"):
                seen["event"] = event["event"]
                seen["res"] = event.get("event_data", {}).get("res", {})
            return False

        ansible_runner.run(private_data_dir=str(self._dir), inventory=self._inventory, module="ansible.builtin.shell",
                           module_args=command, host_pattern=self.host.name, quiet=True, envvars=self._envvars,
                           event_handler=handler, suppress_env_files=True, rotate_artifacts=0,  # hosts run at once
                           timeout=int(timeout) + 60)
        res = seen.get("res", {})
        if seen.get("event") == "runner_on_unreachable" or "event" not in seen:
            raise HostUnreachable(f"ansible: {res.get('msg', 'no result')}")
        if "rc" not in res:
            raise HostUnreachable(f"ansible: {res.get('msg', 'module failed')}")
        stdout, stderr = str(res.get("stdout", "")).encode(), str(res.get("stderr", "")).encode()
        return Bounded(int(res["rc"]), stdout[:cap], stderr[:cap], None, len(stdout) + len(stderr) > cap)

    def host_key_fingerprint(self) -> str | None:
        return known_hosts_fingerprint(self.host)

    @property
    def verifies_host_keys(self) -> bool:
        """Ansible checked the key (ANSIBLE_HOST_KEY_CHECKING forced on) over its SSH connection plugins."""
        return self.host.connection in ("ssh", "paramiko") and self._envvars["ANSIBLE_HOST_KEY_CHECKING"] == "True"

    def close(self) -> None:
        return None


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value)).astimezone()
    except ValueError:
        return None


def _run_play(private_dir: Path, inventory: str, hosts: list[str], forks: int, envvars: dict[str, str],
              ) -> dict[str, HostOutcome]:
    import ansible_runner

    outcomes: dict[str, HostOutcome] = {}
    lock = threading.Lock()

    def handler(event: dict[str, Any]) -> bool:
        kind = event.get("event")
        if kind not in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable"):
            return False
        data = event.get("event_data", {})
        res = data.get("res", {})
        host = data.get("host")
        if host is None:
            return False
        if kind == "runner_on_ok" or (kind == "runner_on_failed" and "rc" in res and "stdout" in res):
            outcome = HostOutcome(ok=True, stdout=str(res.get("stdout", "")), stderr=str(res.get("stderr", "")),
                                  started=_time(res.get("start")), ended=_time(res.get("end")))
        else:
            detail = str(res.get("msg") or res.get("module_stderr") or res.get("module_stdout") or kind).strip()
            outcome = HostOutcome(ok=False, message=f"ansible: {detail.splitlines()[0] if detail else kind}")
        with lock:
            outcomes[host] = outcome
        return False  # the events are consumed here; nothing kept in the artifacts

    ansible_runner.run(private_data_dir=str(private_dir), inventory=inventory, playbook="ihcheck.yml",
                       forks=forks, limit=",".join(hosts), quiet=True, envvars=envvars, event_handler=handler,
                       suppress_env_files=True, rotate_artifacts=1)
    return outcomes


def gather_with_ansible(
    inventory: Inventory,
    inventory_path: str,
    *,
    options: TransportOptions | None = None,
    probes: tuple[Probe, ...] = PROBES,
    forks: int = DEFAULT_FORKS,
    host_timeout: float | None = DEFAULT_HOST_TIMEOUT,
    private_dir: Path | None = None,
) -> Gathered:
    """Gather the same facts as probes.gather.gather, with Ansible (through ansible-runner) reaching the hosts."""
    options = options or TransportOptions(ansible_inventory=inventory_path)
    own_dir = private_dir is None
    root = private_dir or Path(tempfile.mkdtemp(prefix="ihcheck-ansible-"))
    try:
        (root / "project" / "batches").mkdir(parents=True, exist_ok=True)
        (root / "project" / "ihcheck.yml").write_text(PLAYBOOK % {"timeout": int(host_timeout or 0)})
        nonce = batch.new_nonce()
        plans: dict[str, list[str]] = {}
        for host in inventory.hosts:
            planner = Session(host=host, transport=_PlanTransport(), log=ObservationLog(), options=options)
            plans[host.name] = [planner.wrap(*planned(c)) for c in plan(planner, probes)]
            name = hashlib.sha1(host.name.encode()).hexdigest()
            (root / "project" / "batches" / f"{name}.sh").write_text(batch.script(plans[host.name], nonce) + "\n")
        # ansible-playbook lives beside ihcheck: put its folder first on the PATH Ansible's own processes get
        # (ansible-runner looks the command up in that environment), never on this process's PATH, which
        # would shadow the user's commands (pynetdicom's storescp over dcmtk's) for the rest of the run.
        bindir = str(Path(sys.executable).parent)
        envvars = {
            "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
            "ANSIBLE_HOST_KEY_CHECKING": "False" if options.accept_unknown_host_keys else "True",
            "ANSIBLE_TIMEOUT": str(options.connect_timeout),
            "ANSIBLE_PIPELINING": "True",
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
        }
        inventory_source = str(Path(inventory_path).resolve())
        outcomes = _run_play(root, inventory_source, [h.name for h in inventory.hosts], forks, envvars)

        def opener(host: InventoryHost, opts: TransportOptions, log: ObservationLog) -> Session:
            outcome = outcomes.get(host.name)
            if outcome is None:
                raise HostUnreachable("ansible: no result for this host")
            if not outcome.ok:
                raise HostUnreachable(outcome.message)
            session = Session(host=host, transport=AnsibleRunnerTransport(host, root, inventory_source, envvars),
                              log=log, options=opts)
            # Ansible strips the final newline from a module's output; the envelope's last marker needs it back.
            framed = {f.index: f for f in batch.split(outcome.stdout.encode() + b"\n", outcome.stderr.encode() + b"\n",
                                                      nonce)}
            started = outcome.started or now()
            for index, wrapped in enumerate(plans[host.name]):
                part = framed.get(index)
                if part is None:  # the batch ended early: these commands are run again by the probes that need them
                    continue
                session.preload(wrapped, part.exit_status, decode(part.stdout), decode(part.stderr), started)
            return session

        return gather(inventory, options=options, probes=probes, forks=forks, host_timeout=host_timeout,
                      opener=opener)
    finally:
        if own_dir:
            shutil.rmtree(root, ignore_errors=True)
