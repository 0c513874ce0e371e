"""The Ansible engine: the same probes, with Ansible reaching the hosts through ansible-runner.

`ihcheck check --engine ansible` hands the hosts to Ansible, so its forks, SSH pipelining and
ControlPersist, `become`, connection plugins and inventory plugins all apply, and the private-data
directory it writes (inventory reference, `project/ihcheck.yml`, one batch script per host) is the
layout AWX/AAP and execution nodes run unchanged.

How the two engines stay indistinguishable to rules, evidence and reports:

1. For every host, the commands its probes always run (`probes.gather.plan`) are framed into the same
   batch envelope the direct engine sends (probes.batch), written to `project/batches/<sha1 of name>.sh`.
2. One play runs that script on every host with `ansible.builtin.shell` (no fact gathering), through the
   action `ihcheck_batch` (probes/ansible_plugins/ihcheck_batch.py, copied next to the playbook), which
   hands the output back compressed, so Ansible's controller, its forks and its event stream do not grow
   with the fleet. The event stream (`runner_on_ok`, `runner_on_failed`, `runner_on_unreachable`, each
   with `event_data.res`) gives each host's raw stdout, stderr and times.
3. Each host's output is split command by command into the same Observations (same command lines,
   same ids, same SHA-256 of the same output) and preloaded into that host's Session; then the very
   same probe code runs on it (probes.gather). A follow-up command a probe decides on only after
   reading a first answer (an echo per uplink, `upsc` per UPS, iperf3) goes through Ansible too, in
   rounds (`FollowUpRounds`): every host's follow-ups of the moment in one play, framed the same way.

An unreachable host is unreachable with Ansible's own message; a host where the task failed (no
Python for the module, a task timeout) is unreachable with the module's message: its rules are
inconclusive, never pass. Transport is recorded as `ansible`. Ansible verifies host keys itself
(`ANSIBLE_HOST_KEY_CHECKING` is forced on unless --accept-unknown-host-keys); the fingerprint
recorded is the known_hosts entry for the host that Ansible's strict checking required it to present.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from checker.errors import HostUnreachable
from probes import batch
from probes.ansible_trust import ANSIBLE_INVENTORY_PLUGINS
from probes.arenas import fewer_malloc_arenas
from probes.bounded import Bounded, decode
from probes.fleet_defaults import DEFAULT_ANSIBLE_FORKS, DEFAULT_FORKS, DEFAULT_HOST_TIMEOUT
from probes.gather import PROBES, DeploymentWork, Gathered, Probe, gather, plan
from probes.inventory import Inventory, InventoryHost
from probes.observation import ObservationLog, now
from probes.progress import ProgressLike
from probes.transport import Session, TransportOptions, known_hosts_fingerprint, planned

PLAYBOOK = """\
# Written by ihcheck: run each host's batch of read-only probe commands (batches/<sha1 of host>.sh).
- name: ihcheck probes
  hosts: all
  gather_facts: false
  tasks:
    - name: ihcheck batch
      ihcheck_batch:  # ansible.builtin.shell, its output handed back compressed (action_plugins/ihcheck_batch.py)
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
    stdout: bytes = b""
    stderr: bytes = b""
    message: str = ""
    started: datetime | None = None
    ended: datetime | None = None

    def framed(self, nonce: str) -> dict[int, batch.Framed]:
        """The batch's output command by command, by index. Ansible strips the final newline from a module's
        output; the envelope's last marker needs it back."""
        return {f.index: f for f in batch.split(self.stdout + b"\n", self.stderr + b"\n", nonce)}


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
    """A follow-up command on one host: it waits for the next round of follow-ups (`FollowUpRounds`)."""

    name = "ansible"

    def __init__(self, host: InventoryHost, rounds: FollowUpRounds) -> None:
        self.host = host
        self._rounds = rounds

    def run(self, command: str, *, timeout: float, cap: int) -> Bounded:
        return self._rounds.run(self.host, command, timeout=timeout, cap=cap)

    def host_key_fingerprint(self) -> str | None:
        return known_hosts_fingerprint(self.host)

    @property
    def verifies_host_keys(self) -> bool:
        """Ansible checked the key (ANSIBLE_HOST_KEY_CHECKING forced on) over its SSH connection plugins."""
        return self.host.connection in ("ssh", "paramiko") and self._rounds.checks_host_keys

    def close(self) -> None:
        return None


FOLLOW_UP_PLAY = """\
# Written by ihcheck: round %(round)d of follow-up commands, each host's framed as one batch (<sha1 of host>.sh).
- name: ihcheck follow-ups, round %(round)d
  hosts: all
  gather_facts: false
  tasks:
    - name: ihcheck follow-up batch
      ihcheck_batch:
        cmd: "{{ lookup('ansible.builtin.file', playbook_dir ~ '/' ~ batch) }}"
        executable: /bin/sh
      vars:
        batch: "{{ inventory_hostname | hash('sha1') }}.sh"
      changed_when: false
      timeout: %(timeout)d
"""


@dataclass
class _Ask:
    command: str
    timeout: float
    cap: int
    answer: Future[Bounded] = field(default_factory=Future)


class FollowUpRounds:
    """Follow-up commands of all hosts, run in rounds: one ansible-runner play per round, not one run each.

    A command a probe decides on after reading an answer (an echo per uplink, `upsc` per UPS, iperf3)
    waits `window` seconds for the other hosts' follow-ups; then every host's waiting commands go as one
    batch per host (probes.batch, the envelope the first play used) in one play over all of them, so a
    fleet's follow-ups cost one Ansible start per round instead of one per command. Each command still
    becomes its own answer: its own exit status and output, cut at its own cap. Rounds may overlap (a long
    iperf3 does not hold back another host's quick `upsc`); each has its own playbook and batches under
    `project/followups/<round>/`, and no round rotates another's artifacts."""

    def __init__(self, private_dir: Path, inventory: str, envvars: dict[str, str], forks: int,
                 window: float = 0.5) -> None:
        self._dir = private_dir
        self._inventory = inventory
        self._envvars = envvars
        self._forks = forks
        self._window = window
        self._lock = threading.Lock()
        self._waiting: dict[str, list[_Ask]] = {}
        self._open = False
        self.rounds = 0

    @property
    def checks_host_keys(self) -> bool:
        return self._envvars["ANSIBLE_HOST_KEY_CHECKING"] == "True"

    def run(self, host: InventoryHost, command: str, *, timeout: float, cap: int) -> Bounded:
        ask = _Ask(command, timeout, cap)
        with self._lock:
            self._waiting.setdefault(host.name, []).append(ask)
            if not self._open:
                self._open = True
                threading.Thread(target=self._round, name="ansible-follow-ups", daemon=True).start()
        return ask.answer.result()

    def _round(self) -> None:
        time.sleep(self._window)
        with self._lock:
            asks, self._waiting, self._open = self._waiting, {}, False
            self.rounds += 1
            number = self.rounds
        try:
            self._play(number, asks)
        except BaseException as exc:
            for ask in (a for waiting in asks.values() for a in waiting):
                if not ask.answer.done():
                    ask.answer.set_exception(exc)

    def _play(self, number: int, asks: dict[str, list[_Ask]]) -> None:
        folder = self._dir / "project" / "followups" / str(number)
        folder.mkdir(parents=True, exist_ok=True)
        nonce = batch.new_nonce()
        for host, waiting in asks.items():
            name = hashlib.sha1(host.encode()).hexdigest()
            (folder / f"{name}.sh").write_text(batch.script([a.command for a in waiting], nonce) + "\n")
        longest = max(sum(a.timeout for a in waiting) for waiting in asks.values())
        (folder / "play.yml").write_text(FOLLOW_UP_PLAY % {"round": number, "timeout": int(longest) + 30})
        install_action(folder)
        delivered: set[str] = set()
        lock = threading.Lock()

        def deliver(host: str, outcome: HostOutcome | None) -> None:
            """A host's answers as soon as its result arrives: a host whose command hangs holds back no other's."""
            with lock:
                if host in delivered or host not in asks:
                    return
                delivered.add(host)
            _answer(asks[host], outcome, nonce)

        _run_play(self._dir, self._inventory, list(asks), self._forks, self._envvars,
                  playbook=f"followups/{number}/play.yml", rotate=0, timeout=int(longest) + 60, on_host=deliver)
        for host in asks:
            deliver(host, None)  # no result for it: its commands fail as unreachable, none waits forever


def _answer(waiting: list[_Ask], outcome: HostOutcome | None, nonce: str) -> None:
    """Each waiting command's own answer from its host's framed batch output."""
    if outcome is None or not outcome.ok:
        failure = HostUnreachable(outcome.message if outcome else "ansible: no result for this host")
        for ask in waiting:
            ask.answer.set_exception(failure)
        return
    framed = outcome.framed(nonce)
    for index, ask in enumerate(waiting):
        part = framed.get(index)
        if part is None:
            ask.answer.set_exception(HostUnreachable("ansible: the follow-up batch ended before this command"))
            continue
        size = len(part.stdout) + len(part.stderr)
        ask.answer.set_result(Bounded(part.exit_status, part.stdout[:ask.cap],
                                      part.stderr[:max(0, ask.cap - min(len(part.stdout), ask.cap))],
                                      None, size > ask.cap))


ACTION = Path(__file__).with_name("ansible_plugins") / "ihcheck_batch.py"


def install_action(playbook_dir: Path) -> None:
    """The `ihcheck_batch` action beside a playbook (`action_plugins/`, where Ansible, AWX and AAP look first)."""
    (playbook_dir / "action_plugins").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ACTION, playbook_dir / "action_plugins" / "ihcheck_batch.py")


def _unpack(res: dict[str, Any], stream: str) -> bytes:
    """A stream of the batch's output, as `ihcheck_batch` packed it (base64 of zlib of the UTF-8 bytes).

    The packing was done by Ansible's fork from the output the module had already returned in full, so the
    unpacked size is what Ansible itself held; a value that does not unpack is an error, never empty output."""
    packed = res.get(f"{stream}_zlib")
    if packed is None:
        return b""
    try:
        return zlib.decompress(base64.b64decode(str(packed), validate=True))
    except (binascii.Error, zlib.error) as exc:
        raise ValueError(f"ansible: the {stream} of ihcheck_batch does not unpack ({exc})") from exc


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value)).astimezone()
    except ValueError:
        return None


def _run_play(private_dir: Path, inventory: str, hosts: list[str], forks: int, envvars: dict[str, str], *,
              on_host: Callable[[str, HostOutcome], None], playbook: str = "ihcheck.yml", rotate: int = 1,
              timeout: int | None = None, stop: threading.Event | None = None) -> None:
    """One play through ansible-runner, each host's outcome handed to `on_host` as its event comes in, while the
    play goes on with the other hosts. Nothing is kept here: ansible-runner's callback writes each event to the
    artifacts directory, ansible-runner reads it back one at a time, and the handler keeps only the outcome."""
    import ansible_runner

    def handler(event: dict[str, Any]) -> bool:
        kind = event.get("event")
        if kind not in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable"):
            return False
        data = event.get("event_data", {})
        res = data.get("res", {})
        host = data.get("host")
        if host is None:
            return False
        if kind == "runner_on_ok" or (kind == "runner_on_failed" and "rc" in res and "stdout_zlib" in res):
            try:
                outcome = HostOutcome(ok=True, stdout=_unpack(res, "stdout"), stderr=_unpack(res, "stderr"),
                                      started=_time(res.get("start")), ended=_time(res.get("end")))
            except ValueError as exc:  # the host's rules are inconclusive with this reason
                outcome = HostOutcome(ok=False, message=str(exc))
        else:
            detail = str(res.get("msg") or res.get("module_stderr") or res.get("module_stdout") or kind).strip()
            outcome = HostOutcome(ok=False, message=f"ansible: {detail.splitlines()[0] if detail else kind}")
        on_host(host, outcome)
        return False  # consumed here: the full event (the output twice, the script twice) is not written again

    ansible_runner.run(private_data_dir=str(private_dir), inventory=inventory, playbook=playbook,
                       forks=forks, limit=",".join(hosts), quiet=True, envvars=envvars, event_handler=handler,
                       suppress_env_files=True, rotate_artifacts=rotate, timeout=timeout,
                       cancel_callback=stop.is_set if stop is not None else None)


class _Arrivals:
    """The first play's outcomes as they arrive, and the hosts in that order: a host is probed (its output split
    and parsed, its follow-ups asked) while Ansible is still running the others, not after the whole play.

    An outcome is handed over once and then dropped (`take`), so the checker holds the raw output of the hosts
    being parsed, not the fleet's."""

    def __init__(self, hosts: list[InventoryHost]) -> None:
        self._hosts = {h.name: h for h in hosts}
        self._outcomes: dict[str, HostOutcome] = {}
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self.failure: BaseException | None = None
        self.stop = threading.Event()  # set when the gathering ends early (Ctrl-C, an error): the play is cancelled

    def arrived(self, host: str, outcome: HostOutcome) -> None:
        with self._lock:
            if host not in self._hosts or host in self._outcomes:
                return
            self._outcomes[host] = outcome
        self._queue.put(host)

    def play(self, run: Callable[[], None]) -> threading.Thread:
        def body() -> None:
            try:
                run()
            except BaseException as exc:  # raised again by `order`, in the gathering thread
                self.failure = exc
            finally:
                self._queue.put(None)

        thread = threading.Thread(target=body, name="ansible-play", daemon=True)
        thread.start()
        return thread

    def order(self) -> Iterator[InventoryHost]:
        """The hosts as Ansible finishes them, then those it never reported (they fail as unreachable)."""
        waiting = dict(self._hosts)
        while (name := self._queue.get()) is not None:
            host = waiting.pop(name, None)
            if host is not None:
                yield host
        if self.failure is not None:
            raise self.failure
        yield from waiting.values()

    def take(self, host: str) -> HostOutcome | None:
        with self._lock:
            return self._outcomes.pop(host, None)


def ansible_env(options: TransportOptions) -> dict[str, str]:
    """The environment of every ansible-runner run: host keys checked unless the user opted out.

    ansible-playbook lives beside ihcheck: its folder goes first on the PATH Ansible's own processes get
    (ansible-runner looks the command up in that environment), never on this process's PATH, which
    would shadow the user's commands (pynetdicom's storescp over dcmtk's) for the rest of the run."""
    bindir = str(Path(sys.executable).parent)
    return {
        "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
        "ANSIBLE_HOST_KEY_CHECKING": "False" if options.accept_unknown_host_keys else "True",
        "ANSIBLE_TIMEOUT": str(options.connect_timeout),
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_INVENTORY_ENABLED": ANSIBLE_INVENTORY_PLUGINS,  # never `script`: it runs an executable inventory
    }


def gather_with_ansible(
    inventory: Inventory,
    inventory_path: str,
    *,
    options: TransportOptions | None = None,
    probes: tuple[Probe, ...] = PROBES,
    deployment: tuple[DeploymentWork, ...] = (),
    progress: ProgressLike | None = None,
    forks: int | None = None,
    host_timeout: float | None = DEFAULT_HOST_TIMEOUT,
    private_dir: Path | None = None,
    spool_dir: Path | None = None,
) -> Gathered:
    """Gather the same facts as probes.gather.gather, with Ansible (through ansible-runner) reaching the hosts:
    the deployment families' host parts (the declared programme's queries, its audit log) go through Ansible's
    follow-up rounds too, with its forks, within each host's deadline."""
    from probes.ansible_trust import refuse_checker_side

    refuse_checker_side(inventory.hosts, "--engine ansible")  # before Ansible reads a single variable
    fewer_malloc_arenas()  # before the play's and the gathering's threads (probes/arenas.py)
    options = options or TransportOptions(ansible_inventory=inventory_path)
    own_dir = private_dir is None
    root = private_dir or Path(tempfile.mkdtemp(prefix="ihcheck-ansible-"))
    try:
        (root / "project" / "batches").mkdir(parents=True, exist_ok=True)
        (root / "project" / "ihcheck.yml").write_text(PLAYBOOK % {"timeout": int(host_timeout or 0)})
        install_action(root / "project")
        nonce = batch.new_nonce()
        plans: dict[str, list[str]] = {}
        for host in inventory.hosts:
            planner = Session(host=host, transport=_PlanTransport(), log=ObservationLog(), options=options)
            plans[host.name] = [planner.wrap(*planned(c)) for c in plan(planner, probes)]
            name = hashlib.sha1(host.name.encode()).hexdigest()
            (root / "project" / "batches" / f"{name}.sh").write_text(batch.script(plans[host.name], nonce) + "\n")
        envvars = ansible_env(options)
        inventory_source = str(Path(inventory_path).resolve())
        arrivals = _Arrivals(list(inventory.hosts))
        ansible_forks = forks if forks is not None else DEFAULT_ANSIBLE_FORKS
        playing = arrivals.play(lambda: _run_play(root, inventory_source, [h.name for h in inventory.hosts],
                                                  ansible_forks, envvars, on_host=arrivals.arrived, stop=arrivals.stop))
        rounds = FollowUpRounds(root, inventory_source, envvars, ansible_forks)

        def opener(host: InventoryHost, opts: TransportOptions, log: ObservationLog) -> Session:
            outcome = arrivals.take(host.name)
            wrapped_commands = plans.pop(host.name)
            if outcome is None:
                raise HostUnreachable("ansible: no result for this host")
            if not outcome.ok:
                raise HostUnreachable(outcome.message)
            session = Session(host=host, transport=AnsibleRunnerTransport(host, rounds), log=log, options=opts)
            framed = outcome.framed(nonce)
            started = outcome.started or now()
            del outcome
            for index, wrapped in enumerate(wrapped_commands):
                part = framed.pop(index, None)
                if part is None:  # the batch ended early: these commands are run again by the probes that need them
                    continue
                session.preload(wrapped, part.exit_status, decode(part.stdout), decode(part.stderr), started)
            return session

        try:
            return gather(inventory, options=options, probes=probes, deployment=deployment, progress=progress,
                          forks=max(forks or DEFAULT_FORKS, ansible_forks), host_timeout=host_timeout, opener=opener,
                          spool_dir=spool_dir, order=arrivals.order())
        finally:  # normally the play has ended already; after an error it is cancelled before its folder goes
            arrivals.stop.set()
            playing.join(timeout=30)
    finally:
        if own_dir:
            shutil.rmtree(root, ignore_errors=True)
