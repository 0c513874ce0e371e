"""Red team: hostile inputs, hostile hosts and hostile bundles against the real `ihcheck` command.

Every case runs `ihcheck` as a user would (a subprocess, its own HOME, a hard timeout) and is classed:

    clean             refused in one line, or judged without passing what it should not
    false pass        exit 0 (or a rule `pass`) where the case must not pass
    traceback         exit 70 or a Python traceback on the terminal
    hang              still running at the timeout
    leak              a planted secret in any output (terminal, JSON, bundle, report), or an escape
                      sequence from a host on the terminal
    undetected tamper a tampered bundle that `verify` accepts (exit 0 with the pinned key, or exit 0 unpinned)

    .venv/bin/python benchmarks/redteam.py [--quick] [--only GROUP]

Cases of other surfaces live beside it and are added here: benchmarks/redteam_wire.py (protocol exchanges and
the read-only SQL guard), benchmarks/redteam_sec.py (issue 21), benchmarks/redteam_registry.py (the regulator's
registry: hostile hospital, inspector, visitor, drop folder; `--only registry`).

prints the table; every column but "clean" must be zero. Hosts are this machine (local transport) with
PATH shims in front of the real programs; nothing leaves loopback.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

IHCHECK = [sys.executable, "-m", "ihcheck.cli"]
ROOT = Path(__file__).resolve().parents[1]
SECRET = "S3cr3tRedTeam"
TIMEOUT = 120


@dataclass
class Run:
    code: int | None
    out: str
    err: str
    seconds: float
    files: dict[str, bytes] = field(default_factory=dict)
    outcome: str | None = None  # set by a case that judged its own product (a MARK file, a formula cell…)


@dataclass
class Case:
    group: str
    name: str
    run: Callable[[Path], Run]
    must_not_pass: bool = True
    expect: tuple[int, ...] = ()  # acceptable exit codes (empty: any but the failure classes)
    bundle_tamper: bool = False
    deadline: float | None = None  # a refusal slower than this counts as a hang


def ihcheck(args: list[str], work: Path, *, path_prefix: Path | None = None, timeout: float = TIMEOUT,
            collect: list[Path] = ()) -> Run:  # type: ignore[assignment]
    env = {**os.environ, "HOME": str(work / "home"), "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    env.pop("IHCHECK_DEBUG", None)
    (work / "home").mkdir(exist_ok=True)
    if path_prefix is not None:
        env["PATH"] = f"{path_prefix}{os.pathsep}{env['PATH']}"
    started = time.monotonic()
    try:
        done = subprocess.run([*IHCHECK, *args], cwd=work, env=env, capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        code, out, err = done.returncode, _text(done.stdout), _text(done.stderr)
    except subprocess.TimeoutExpired as exc:
        code, out, err = None, _text(exc.stdout), _text(exc.stderr)
    files: dict[str, bytes] = {}
    for path in collect:
        if path.is_file():
            files[str(path)] = path.read_bytes()
        elif path.is_dir():
            files.update({str(p): p.read_bytes() for p in path.rglob("*") if p.is_file() and not p.is_symlink()})
    return Run(code, out, err, time.monotonic() - started, files)


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", "replace")


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data)
    return path


LOCAL = "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
LAUGHS = "\n".join(["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
                   + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)])


def check(work: Path, inventory: str | Path, *extra: str, shims: Path | None = None, rules: tuple[str, ...] = (
        "GD2020-1.2.3-servers",), collect: list[Path] = ()) -> Run:  # type: ignore[assignment]
    inv = inventory if isinstance(inventory, Path) else write(work / "inv.yml", inventory)
    args = ["check", "-i", str(inv), *extra]
    for rule in rules:
        args += ["--rule", rule]
    return ihcheck(args, work, path_prefix=shims, collect=collect)


def input_cases() -> list[Case]:
    def inv(text: str | bytes, name: str = "inv.yml") -> Callable[[Path], Run]:
        return lambda w: check(w, write(w / name, text))

    def waivers(text: str | bytes) -> Callable[[Path], Run]:
        return lambda w: check(w, LOCAL, "--waivers", str(write(w / "w.yml", text)))

    def folder(files: dict[str, str | bytes]) -> Callable[[Path], Run]:
        def go(w: Path) -> Run:
            for rel, data in files.items():
                write(w / "invdir" / rel, data)
            return check(w, w / "invdir")
        return go

    def fifo(w: Path) -> Run:
        os.mkfifo(w / "fifo")
        return check(w, w / "fifo")

    def lookup(w: Path) -> Run:
        run = check(w, "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                       f"      ihcheck_datacenter: \"{{{{ lookup('pipe', 'touch {w}/PWNED; echo x') }}}}\"\n")
        if (w / "PWNED").exists():
            run.code = 0  # the inventory ran a command on the checker: as bad as a false pass
        return run

    def materials(index: str) -> Callable[[Path], Run]:
        def go(w: Path) -> Run:
            write(w / "docs" / "materials.yaml", index)
            write(w / "docs" / "a.txt", "x")
            return check(w, "all:\n  vars:\n    ihcheck_documents_dir: docs\n  hosts:\n    localhost:\n"
                            "      ansible_connection: local\n", rules=("GD2020-2.2-materials",))
        return go

    def verify_fifo(w: Path) -> Run:
        (w / "b").mkdir()
        os.mkfifo(w / "b" / "manifest.json")
        return ihcheck(["verify", str(w / "b")], w)

    def spec(data: bytes) -> Callable[[Path], Run]:
        # `sim up` reads and validates the spec before it touches podman: a bad spec never boots anything
        return lambda w: ihcheck(["sim", "up", str(write(w / "binary.yaml", data))], w)

    return [
        Case("input", "binary inventory", inv(os.urandom(4096))),
        Case("input", "inventory /dev/zero", lambda w: check(w, Path("/dev/zero"))),
        Case("input", "inventory FIFO", fifo),
        Case("input", "billion-laughs inventory", inv("all:\n  vars:\n" + "".join(
            f"    {line}\n" for line in LAUGHS.splitlines()) + "  hosts:\n    h: {ansible_connection: local}\n")),
        Case("input", "broken host_vars YAML", folder({"hosts.yml": LOCAL, "host_vars/localhost.yml": "a: [1\n"})),
        Case("input", "binary group_vars", folder({"hosts.yml": LOCAL, "group_vars/all": os.urandom(300)})),
        Case("input", "group_vars not a mapping", folder({"hosts.yml": LOCAL, "group_vars/all.yml": "(\n"})),
        Case("input", "pipe lookup in ihcheck_ variable", lookup),
        Case("input", "ansible_host=-V (option injection)", inv("h ansible_host=-V ihcheck_transport=ssh\n", "h.ini")),
        Case("input", "ansible_user with a newline", inv("all:\n  hosts:\n    h: {ansible_user: \"a\\nb\"}\n")),
        Case("input", "echo URL as a curl option", inv("all:\n  hosts:\n    h: {ihcheck_echo_url: '-o/tmp/x'}\n")),
        Case("input", "binary waivers", waivers(os.urandom(500))),
        Case("input", "waiver date 2099-99-99", waivers("- rule: GD2020-1.2.3-servers\n  justification: x\n"
                                                        "  owner: y\n  ticket: z\n  expires: 2099-99-99\n")),
        Case("input", "billion-laughs waivers", waivers(LAUGHS + "\nwaivers: []\n")),
        Case("input", "materials date 2026-13-45", materials("third_party: false\nopened_on: 2026-13-45\n")),
        Case("input", "NUL in a document name", materials(
            "third_party: false\ndocuments:\n  - file: \"a\\0b.txt\"\n    items: [topology]\n")),
        Case("input", "binary sim spec", spec(os.urandom(800))),
        Case("input", "keys new --out /dev/null/x", lambda w: ihcheck(["keys", "new", "--out", "/dev/null/x"], w)),
        Case("input", "--rule with emoji code", lambda w: check(w, LOCAL, rules=(":pile_of_poo:",))),
        Case("input", "verify a FIFO directory", verify_fifo),
        Case("input", "verify /dev/zero", lambda w: ihcheck(["verify", "/dev/zero"], w)),
    ]


def shim(folder: Path, name: str, body: str) -> None:
    write(folder / name, "#!/bin/sh\n" + body).chmod(0o755)


def checked_beside_process(w: Path, argv0: str) -> Run:
    """The local host checked (result and bundle kept) while a process runs whose command line, as `ps` shows it, is
    `argv0`, as a real client's would be: what reaches the evidence is what a leak test reads."""
    proc = subprocess.Popen(["bash", "-c", 'exec -a "$0" sleep 60', argv0])
    try:
        time.sleep(0.3)
        return check(w, LOCAL, "--format", "json", "--bundle", str(w / "bundle"),
                     rules=("GD2020-1.2.3-db-app-split",), collect=[w / "bundle", w / "bundle.tar.gz"])
    finally:
        proc.kill()
        proc.wait()

def host_cases() -> list[Case]:
    def shimmed(bodies: dict[str, str], inventory: str = LOCAL, rules: tuple[str, ...] = ("GD2020-1.2.3-servers",),
                fmt: str = "json") -> Callable[[Path], Run]:
        def go(w: Path) -> Run:
            for name, body in bodies.items():
                shim(w / "shims", name, body)
            return check(w, inventory, "--format", fmt, shims=w / "shims", rules=rules)
        return go

    def secret_process(w: Path) -> Run:
        return checked_beside_process(w, f"redis-cli -a {SECRET} --pass={SECRET} -p{SECRET}")

    ups = LOCAL + "      ihcheck_ups: [ups@localhost]\n"
    iperf = LOCAL + "      ihcheck_measure_endpoint: 127.0.0.1:5201\n"
    flood_json = ('{"start":{},"intervals":[],"end":{"sum_sent":{"bits_per_second":1e300},'
                  '"sum_received":{"bits_per_second":1e300,"seconds":4}}}')
    return [
        Case("host", "secrets in process command lines (json + bundle)", secret_process, must_not_pass=False),
        Case("host", "cat /etc/machine-id floods 50 MB", shimmed({"cat": "exec yes 0123456789abcdef\n"}),
             must_not_pass=False),
        Case("host", "dmidecode ignores SIGTERM", shimmed({"dmidecode": "trap '' TERM\nsleep 100\n"},
                                                          rules=("GD2020-1.2.3-power",))),
        Case("host", "detached child holds stdout", shimmed({"upsc": "setsid sleep 100 &\nsleep 0.3\necho x\n"},
                                                            ups, rules=("GD2020-1.2.3-power",))),
        Case("host", "UPS -5000 % and NaN volts", shimmed({"upsc": "printf 'battery.charge: -5000\\n"
                                                                  "input.voltage: NaN\\nups.status: OL\\n'\n"},
                                                          ups, rules=("GD2020-1.2.3-power",))),
        Case("host", "1.4 M fake PSU records", shimmed({"dmidecode": "i=0; while [ $i -lt 200000 ]; do printf "
                                                        "'Handle 0x0001, DMI type 39, 22 bytes\\nSystem Power Supply"
                                                        "\\n\\tStatus: Present, OK\\n\\n'; i=$((i+1)); done\n"},
                                                       rules=("GD2020-1.2.3-power",))),
        Case("host", "iperf3 says 1e300 bit/s", shimmed({"iperf3": f"echo '{flood_json}'\n"}, iperf,
                                                        rules=("GD2020-1.2.5-bandwidth",))),
        Case("host", "escape sequences in the hostname", shimmed(
            {"hostname": "printf 'h\\033]0;owned\\007\\033[2J\\033[31mred\\n'\n"}, fmt="table"), must_not_pass=False),
    ]


def make_bundle(work: Path) -> tuple[Path, str]:
    keys = work / "keys"
    run = ihcheck(["keys", "new", "--out", str(keys)], work)
    assert run.code == 0, run.err
    prints = " ".join(run.out.split())
    run = check(work, LOCAL, "--bundle", str(work / "bundle"), "--sign-key", str(keys))
    assert run.code in (0, 1, 2), run.err
    return work / "bundle", prints


def bundle_cases(quick: bool) -> list[Case]:
    def tamper(edit: Callable[[Path], object], pinned: bool = True) -> Callable[[Path], Run]:
        def go(w: Path) -> Run:
            bundle, prints = make_bundle(w)
            edit(bundle)
            return ihcheck(["verify", str(bundle), *(["--pubkey", prints] if pinned else [])], w)
        return go

    def tarball(members: list[tuple[str, bytes, bytes]]) -> Callable[[Path], Run]:
        def go(w: Path) -> Run:
            raw = io.BytesIO()
            with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                for name, kind, data in members:
                    info = tarfile.TarInfo(name)
                    info.type, info.size = kind, len(data)
                    if kind == tarfile.SYMTYPE:
                        info.linkname, info.size = "/etc/passwd", 0
                    tar.addfile(info, io.BytesIO(data) if info.size else None)
            return ihcheck(["verify", str(write(w / "b.tar.gz", raw.getvalue()))], w)
        return go

    def resign(bundle: Path) -> None:
        sys.path.insert(0, str(ROOT))
        from reports.keys import SigningKeys
        from tests.reports.test_bundle import _reseal

        forged = bundle / "findings.json"
        forged.write_text(forged.read_text().replace('"fail"', '"pass"'))
        _reseal(bundle, SigningKeys.generate())

    def other_host(bundle: Path) -> None:
        facts = json.loads((bundle / "facts.json").read_text())
        facts["hosts"][0]["address"] = "203.0.113.66"
        (bundle / "facts.json").write_text(json.dumps(facts))

    def huge_member(w: Path) -> Run:
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w") as tar:
            info = tarfile.TarInfo("b/manifest.json")
            info.size = 2 * 1024 ** 3
            tar.addfile(info)  # header only: the declared 2 GB must be refused before it is read
        return ihcheck(["verify", str(write(w / "big.tar.gz", gzip.compress(raw.getvalue())))], w)

    cases = [
        Case("bundle", "re-signed by anyone, verified without a pinned key", tamper(resign, pinned=False),
             bundle_tamper=True),
        Case("bundle", "re-signed by anyone, verified with the pinned key", tamper(resign), bundle_tamper=True),
        Case("bundle", "facts of another host than the inventory (pinned)", tamper(other_host), bundle_tamper=True),
        Case("bundle", "a file added", tamper(lambda b: write(b / "extra.txt", "x")), bundle_tamper=True),
        Case("bundle", "a file removed", tamper(lambda b: (b / "facts.json").unlink()), bundle_tamper=True),
        Case("bundle", "a symlink inside", tamper(lambda b: (b / "link").symlink_to("/etc/passwd")),
             bundle_tamper=True),
        Case("bundle", "tar entry with ..", tarball([("b/../x", tarfile.REGTYPE, b"x")]), bundle_tamper=True),
        Case("bundle", "tar entry absolute", tarball([("/b/x", tarfile.REGTYPE, b"x")]), bundle_tamper=True),
        Case("bundle", "tar entry symlink", tarball([("b/manifest.json", tarfile.SYMTYPE, b"")]), bundle_tamper=True),
        Case("bundle", "tar entry device", tarball([("b/manifest.json", tarfile.CHRTYPE, b"")]), bundle_tamper=True),
        Case("bundle", "tar member declaring 2 GB", huge_member, bundle_tamper=True),
        Case("bundle", "truncated .tar.gz", lambda w: ihcheck(["verify", str(write(
            w / "t.tar.gz", gzip.compress(b"x" * 5000)[:100]))], w), bundle_tamper=True),
    ]
    return cases


def flip_cases(work: Path, quick: bool) -> list[tuple[str, Callable[..., Run]]]:
    """One-byte flips at five places of every file of one bundle (every 7th file with --quick), and of its .tar.gz."""
    bundle, prints = make_bundle(work / "flip-source")
    files = sorted(p.relative_to(bundle) for p in bundle.rglob("*") if p.is_file())
    cases: list[tuple[str, Callable[..., Run]]] = []
    for rel in files[::7] if quick else files:
        for where in ("first", "quarter", "middle", "three-quarter", "last"):
            def go(w: Path, rel: Path = rel, where: str = where) -> Run:
                copy = w / "bundle"
                shutil.copytree(bundle, copy)
                data = bytearray((copy / rel).read_bytes())
                data[{"first": 0, "quarter": len(data) // 4, "middle": len(data) // 2,
                      "three-quarter": 3 * len(data) // 4, "last": len(data) - 1}[where]] ^= 0x01
                (copy / rel).write_bytes(bytes(data))
                return ihcheck(["verify", str(copy), "--pubkey", prints], w, timeout=60)
            cases.append((f"flip the {where} byte of {rel}", go))
    tarball = bundle.with_name("bundle.tar.gz")
    size = tarball.stat().st_size
    for offset in sorted({0, 10, size // 4, size // 2, 3 * size // 4, size - 9, size - 1}):
        def flip_tar(w: Path, offset: int = offset) -> Run:
            data = bytearray(tarball.read_bytes())
            data[offset] ^= 0x01
            return ihcheck(["verify", str(write(w / "bundle.tar.gz", bytes(data))), "--pubkey", prints], w,
                           timeout=60)
        cases.append((f"flip byte {offset} of bundle.tar.gz", flip_tar))
    return cases


def classify(case: Case, run: Run) -> str:
    text = run.out + run.err
    if run.code is None or (case.deadline is not None and run.seconds > case.deadline):
        return "hang"
    if run.code == 70 or "Traceback" in text:
        return "traceback"
    if run.outcome is not None:
        return run.outcome
    blobs = [text.encode(), *run.files.values()]
    if any(SECRET.encode() in blob for blob in blobs) or "\x1b]" in run.out or "\x1b[2J" in run.out:
        return "leak"
    if case.bundle_tamper:
        return "undetected tamper" if run.code == 0 else "clean"
    strict = case.expect and case.group.startswith("sec/")  # issue 21's cases hold a refusal to its exit code
    if strict and run.code not in case.expect:
        return "false pass" if run.code == 0 else "wrong exit"
    if strict and run.code == 65 and len(run.err.strip().splitlines()) != 1:
        return "wrong exit"  # a refusal is one line
    if case.must_not_pass:
        passed = run.code == 0
        try:
            rules = json.loads(run.out).get("summary", {}).get("rules", {})
            passed = passed or any(v == "pass" for v in rules.values())
        except (ValueError, AttributeError):
            pass
        if passed:
            return "false pass"
    return "clean"


COLUMNS = ("cases tried", "clean", "false pass", "traceback", "hang", "leak", "undetected tamper", "code execution",
           "formula cells", "ill-formed XML", "wrong exit")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="flip every 7th bundle file only")
    parser.add_argument("--verbose", action="store_true", help="print each case and its outcome")
    parser.add_argument("--only", metavar="GROUP", help="run only the cases of these groups, comma-separated (e.g. "
                        "wire, sql; sec runs every sec/… group of redteam_sec.py)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ihcheck-redteam-"))
    counts: Counter[str] = Counter()
    bad: list[str] = []
    started = time.monotonic()
    try:
        sys.path.insert(0, str(ROOT))  # the surfaces' cases use the tests' real peers (tests/protocols/peers.py)
        from benchmarks.redteam_registry import cases as registry_cases  # issues 22/23's registry (registry)
        from benchmarks.redteam_sec import cases as sec_cases  # issue 21's host-to-code classes (sec)
        from benchmarks.redteam_wire import wire_cases  # the protocol surfaces (wire)

        cases = (input_cases() + host_cases() + bundle_cases(args.quick) + wire_cases() + sec_cases()
                 + registry_cases())
        (work / "flip-source").mkdir()
        (work / "flip-source" / "home").mkdir()
        flips = [] if args.only else [Case("bundle", name, go, bundle_tamper=True)
                                      for name, go in flip_cases(work, args.quick)]
        if args.only:
            only = args.only.split(",")
            cases = [c for c in cases if c.group in only or c.group.split("/")[0] in only]
        for number, case in enumerate(cases + flips):
            folder = work / f"case{number}"
            folder.mkdir()
            try:
                run = case.run(folder)
                outcome = classify(case, run)
            except Exception as exc:  # the harness itself broke: count it against us
                outcome, run = "traceback", Run(70, "", f"{type(exc).__name__}: {exc}", 0.0)
            counts["cases tried"] += 1
            counts[outcome] += 1
            if args.verbose or outcome != "clean":
                line = f"{outcome:>17}  [{case.group}] {case.name}: exit {run.code} in {run.seconds:.1f} s"
                print(line + (f" — {(run.err or run.out).strip().splitlines()[-1][:160]}"
                              if (run.err or run.out).strip() else ""), file=sys.stderr)
                if outcome != "clean":
                    bad.append(case.name)
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    print("| " + " | ".join(str(counts[c]) for c in COLUMNS) + " |")
    print(f"({time.monotonic() - started:.0f} s)")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
