"""Red team, issue 21 audited class by class: the cases the first round of `sec` lacked, each through the real
`ihcheck` and classed by benchmarks/redteam.py's classifier.

    sec/secrets   the issue's argv forms (and the next ones an attacker tries) as a live process's command line:
                  a leak if the planted secret reaches the JSON result or any file of the bundle
    sec/input     the inputs the first round did not aim at: the pseudonym key file (FIFO, /dev/zero, sparse
                  4 GiB), a staff roster (FIFO, zip bomb), a bundle whose JSON is nested 100,000 deep or holds a
                  5,000-digit number (verify, report, diff, fleet), and the audit log a FIFO on the host under
                  `--host-timeout 20` (both engines): a hang past the deadline, a traceback or a pass is a failure
    sec/topology  markup in the other fields the diagram draws (data centre, OS, uplinks, audio/video systems)

    .venv/bin/python benchmarks/redteam.py --only sec/secrets,sec/input,sec/topology [--verbose]
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from benchmarks.redteam import (  # noqa: E402
    SECRET,
    Case,
    Run,
    check,
    checked_beside_process,
    ihcheck,
    make_bundle,
    write,
)

QUICK = 20.0  # seconds: a refusal of a hostile input, start-up included, on a loaded shared machine
HOST_TIMEOUT = 20

# A process's command line as `ps` shows it; every one carries SECRET where a password goes.
ARGV_SECRETS = {
    "redis-server --requirepass": f"redis-server *:6379 --requirepass {SECRET} --port 6379",
    "redis-server --requirepass=": f"/usr/bin/redis-server /etc/redis/redis.conf --requirepass={SECRET}",
    "redis-server --masterauth": f"redis-server 127.0.0.1:6380 --masterauth '{SECRET}'",
    "curl -u": f"curl -u ops:{SECRET} https://his.example/health",
    "curl --user=": f"curl --user=ops:{SECRET} https://his.example/health",
    "curl -fsSLu (clustered, by path)": f"/usr/bin/curl -fsSLu ops:{SECRET} https://his.example/health",
    "mysql IDENTIFIED BY": f"mysql -uroot -e \"CREATE USER app@'%' IDENTIFIED BY '{SECRET}'\"",
    "mysql IDENTIFIED WITH … BY": f"mysql -e \"ALTER USER app IDENTIFIED WITH mysql_native_password BY '{SECRET}'\"",
    "mysql SET PASSWORD FOR": f"mysql -e \"SET PASSWORD FOR 'app'@'%' = '{SECRET}'\"",
    "psql PASSWORD": f"psql -c \"ALTER ROLE app WITH LOGIN PASSWORD '{SECRET}'\"",
    "密码=": f"/opt/his/start.sh 密码={SECRET} 端口=8080",
    "密码：(full-width colon)": f"/opt/his/start.sh 数据库密码：{SECRET}",
    "口令:": f"/opt/lis/agent 口令: {SECRET}",
    "--密码 (a long option)": f"/opt/pacs/server --数据库密码 {SECRET} --port 104",
}


def secret_cases() -> list[Case]:
    def go(argv0: str) -> Callable[[Path], Run]:
        def run(w: Path) -> Run:
            return checked_beside_process(w, argv0)
        return run

    return [Case("sec/secrets", f"{name} in a process's command line (json + bundle)", go(argv),
                 must_not_pass=False) for name, argv in ARGV_SECRETS.items()]


def _py(code: str, work: Path) -> None:
    """Build an input with the project's own helpers (in a child: the red team imports nothing of ihcheck)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "builder failed")


def _zero_link(path: Path) -> Path:
    path.symlink_to("/dev/zero")
    return path


def _hostile(kind: str, path: Path) -> Path:
    from tests.security import hostile_files as hf

    if kind == "fifo":
        return hf.fifo(path)
    if kind == "/dev/zero":
        return _zero_link(path)
    if kind == "sparse 4 GiB":
        return hf.sparse(path)
    if kind == "zip bomb of 2 M rows":
        return write(path, hf.zip_bomb())
    raise ValueError(kind)


def _release(fifo: Path) -> None:
    """Give any reader still blocked on `fifo` an end of file, so nothing a case started outlives it."""
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < 2:
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            quiet_since = time.monotonic()
        except OSError as exc:
            if exc.errno != errno.ENXIO:
                return
        time.sleep(0.2)


def _programme(w: Path, **fields: Any) -> str:
    programme = {"id": "BJ2026-first-visit", "hospital": "首都医科大学附属北京儿童医院", **fields}
    return json.dumps({"all": {"vars": {"ihcheck_programmes": [programme]},
                               "hosts": {"localhost": {"ansible_connection": "local"}}}}, ensure_ascii=False)


def input_cases() -> list[Case]:
    from tests.security import hostile_files as hf

    cases: list[Case] = []

    def key_file(kind: str) -> Callable[[Path], Run]:
        def run(w: Path) -> Run:
            write(w / "roster.csv", hf.HEADER + hf.ROW)
            key = _hostile(kind, w / "pseudonym.key")
            inv = _programme(w, roster={"file": "roster.csv"}, pseudonym_key_file=str(key))
            return check(w, inv, rules=("BJ2026-3-physicians",))
        return run

    cases += [Case("sec/input", f"pseudonym key file: {kind}", key_file(kind), expect=(65,), deadline=QUICK)
              for kind in ("fifo", "/dev/zero", "sparse 4 GiB")]

    def staff(kind: str, name: str) -> Callable[[Path], Run]:
        def run(w: Path) -> Run:
            table = _hostile(kind, w / name)
            inv = json.dumps({"all": {"vars": {"ihcheck_staff": {"roster": {"file": str(table)}}},
                                      "hosts": {"localhost": {"ansible_connection": "local"}}}})
            return check(w, inv, rules=("GD2020-1.1.3-staff",))
        return run

    cases += [Case("sec/input", f"staff roster: {kind}", staff(kind, name), expect=(65,), deadline=QUICK)
              for kind, name in (("fifo", "staff.csv"), ("/dev/zero", "staff.csv"),
                                 ("zip bomb of 2 M rows", "staff.xlsx"))]

    def bundle_json(command: str, make: Callable[[], bytes]) -> Callable[[Path], Run]:
        def run(w: Path) -> Run:
            bundle, _ = make_bundle(w)
            (bundle / "manifest.json").write_bytes(make())
            return ihcheck([*command.split(), str(bundle)], w, timeout=60)
        return run

    def signed_json(command: str, name: str, make: Callable[[], bytes]) -> Callable[[Path], Run]:
        """A hostile signer: the file is hostile JSON and the bundle is sealed again, so its signature holds."""
        def run(w: Path) -> Run:
            bundle, _ = make_bundle(w)
            (bundle / name).write_bytes(make())
            _py(f"from pathlib import Path\nfrom reports.keys import SigningKeys\nfrom tests.reports.test_bundle "
                f"import _reseal\n_reseal(Path({str(bundle)!r}), SigningKeys.generate())", w)
            argv = [*command.split(), str(bundle)] + ([str(bundle)] if command == "diff" else [])
            return ihcheck(argv, w, timeout=60)
        return run

    for what, make in (("nested 100,000 deep", hf.deep_json), ("a 5,000-digit number", hf.long_number_json)):
        # a manifest that does not parse is an altered bundle: NOT VERIFIED (exit 1), refused by report, listed
        # as not verified by fleet; never a RecursionError or ValueError (exit 70)
        for command in ("verify", "report", "fleet"):
            cases.append(Case("sec/input", f"{command}: a bundle's manifest.json {what}", bundle_json(command, make),
                              expect=(1,), deadline=QUICK))
        for command, expect in (("verify", (1, 65)), ("report", (1, 65)), ("diff", (1, 2, 65)), ("fleet", (1,))):
            cases.append(Case("sec/input", f"{command}: a re-signed bundle's facts.json {what}",
                              signed_json(command, "facts.json", make), expect=expect, deadline=QUICK))

    def audit_fifo(engine: str) -> Callable[[Path], Run]:
        def run(w: Path) -> Run:
            fifo = _hostile("fifo", w / "audit.jsonl")
            inv = _programme(w, audit_log={"host": "localhost", "path": str(fifo)})
            extra = ["--host-timeout", str(HOST_TIMEOUT), "--format", "json", *(
                ["--engine", "ansible"] if engine == "ansible" else [])]
            try:
                done = check(w, inv, *extra, rules=("BJ2026-1-traceability",))
            finally:
                _release(fifo)
            with contextlib.suppress(ValueError, AttributeError):
                if json.loads(done.out)["summary"]["rules"].get("BJ2026-1-traceability") == "pass":
                    done.outcome = "false pass"
            return done
        return run

    cases += [Case("sec/input", f"audit log a FIFO on the host, --host-timeout {HOST_TIMEOUT} ({engine} engine)",
                   audit_fifo(engine), deadline=HOST_TIMEOUT + QUICK + 10) for engine in ("direct", "ansible")]
    return cases


def topology_cases() -> list[Case]:
    """Markup from a host in the fields the diagram draws besides a provider's name (redteam_sec's cases). A host's
    name is not among them: a bundle whose facts name a host its inventory snapshot lacks does not verify, so the
    diagram is never drawn (tests/security/test_topology_inert.py holds the name to the same rule)."""
    from benchmarks.redteam_sec import MARKUP, rendered_topology

    where = {
        "a host's declared data centre": "h.setdefault('declared', {})['datacenter'] = m",
        "a host's operating system": "h.setdefault('identity', {})['os'] = m",
        "an uplink's gateway and address": ("h['uplinks'] = {'uplinks': [{'interface': m, 'gateways': [m], "
                                            "'addresses': [m], 'egress': {'address': m, 'identity': None}}]}"),
        "an audio/video system's name": ("h['av'] = {'systems': [{'name': m, 'source': 'declared', "
                                         "'handshakes': [{'outcome': m}], 'not_attempted': m}]}"),
    }

    def go(edit: str, markup: str) -> Callable[[Path], Run]:
        def run(w: Path) -> Run:
            return rendered_topology(w, f"m = {markup!r}\nfor h in facts['hosts']:\n    " + edit)
        return run

    return [Case("sec/topology", f"markup in {field}: {m[:30]}", go(edit, m), must_not_pass=False)
            for field, edit in where.items() for m in (MARKUP[0], MARKUP[2])]


def cases() -> list[Case]:
    return [*secret_cases(), *input_cases(), *topology_cases()]


if __name__ == "__main__":
    print(f"{len(cases())} cases; run them with benchmarks/redteam.py --only sec/secrets,sec/input")
