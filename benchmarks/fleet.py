"""Fleet scale: N real sshd hosts on this machine, checked by each engine and by `ansible -m setup`.

    sudo .venv/bin/python benchmarks/fleet.py --hosts 200 [--forks 64] [--engines direct,ansible,setup]
                                             [--without-baseline | --infrastructure] [--profile] [--keep DIR]
                                             [--sizes 200:direct+setup,1000:direct] [--against CHECKOUT]
                                             [--engines ansible@/work/main/.venv/bin/ihcheck,ansible,setup]

Starts N hosts of the fleet lab (simulator/netns_fleet.py: a network namespace per host, sshd in its own
PID, mount and UTS namespaces, a per-host machine-id and host key, strict host-key checking), then in
the same run, on the same hosts:

* `ihcheck check --engine direct --format json --out …`
* `ihcheck check --engine ansible --format json --out …`
* `ansible all -m setup -f 16` (what an Ansible user would run to gather facts: the yardstick)

and prints, for each, wall time, CPU time (user + system of the whole process tree), peak memory (the
largest sum of the tree's RSS, sampled every 0.1 s, where each of Ansible's forks counts the pages it shares
with its controller again; and the largest sum of its PSS, sampled each second, which counts them once) and
hosts per second, plus how many hosts were
reached, how many probe errors the result holds, and the machine's load average before and after (the
machine is shared: a figure means little without it). Everything is torn down at the end, on an error or
on Ctrl-C. Addresses are in 10.213.0.0/16 on a bridge the lab creates; no packet leaves the machine.

`--sizes` boots the lab once, at the largest size, and runs each size's engines on its first N hosts
(`N:engine+engine`, or the `--engines` when a size names none): 100, 500 and 1,000 hosts of one lab, in
one run. The ARP table's limits are raised to fit 2 × N neighbours (`raise_lab_limits`; machine-wide, only ever
raised). The run takes the machine's heavy lock (the one the container and fleet test fixtures take), so two big
measurements never share the cores. `--profile` runs each ihcheck engine under py-spy (a sampling
profiler: another process, so the checker runs unchanged) and keeps, in the output directory
(`--keep DIR`, else the lab's own), `profile-ENGINE.txt` (collapsed stacks: the flame graph's input, for
speedscope or flamegraph.pl) and `profile-ENGINE-summary.txt` (the functions with the most samples, own
and inclusive). py-spy's own CPU is in that run's figures: compare profiled runs only with each other.

`--against CHECKOUT` runs each ihcheck engine twice on the same hosts, first from another checkout of the
repository (`git worktree add --detach /tmp/base main`: its code first on PYTHONPATH, this environment's
dependencies), then from this one: the commit before and after a change, side by side in one run, under the
same load.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulator.netns_fleet import Fleet

VENV_BIN = Path(sys.executable).parent


@dataclass
class Figures:
    name: str
    wall: float
    cpu: float
    peak_mb: float
    reached: int
    problems: int
    exit_code: int
    load: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load average before and after the run
    result_bytes: int = 0  # the size of the result JSON (ihcheck runs)
    hosts: int = 0  # how many of the lab's hosts the run checked
    peak_pss_mb: float = 0.0  # the largest sum of the tree's PSS (shared pages counted once), sampled each second


def _tree_rss(pid: int, pss: bool = False) -> int:
    """The sum of the process tree's RSS, or of its PSS (each shared page divided among its sharers: slower to read)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_full_info().pss if pss else p.memory_info().rss
    return total


def measure(name: str, argv: list[str], env: dict[str, str], out: Path) -> tuple[Figures, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    with open(out, "wb") as sink:
        proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.PIPE, env=env)
        peak = peak_pss = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak, peak_pss
            count = 0
            while not stop.is_set():
                peak = max(peak, _tree_rss(proc.pid))
                if count % 10 == 0:
                    peak_pss = max(peak_pss, _tree_rss(proc.pid, pss=True))
                count += 1
                stop.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, err = proc.communicate()
        stop.set()
        sampler.join()
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    figures = Figures(name, wall, cpu, peak / 2**20, 0, 0, proc.returncode, (load_before, os.getloadavg()[0]),
                      peak_pss_mb=peak_pss / 2**20)
    return figures, err.decode("utf-8", "replace")


NEIGH = Path("/proc/sys/net/ipv4/neigh/default")


def raise_lab_limits(hosts: int) -> list[str]:
    """The kernel limits a lab of `hosts` namespaces would hit, raised (never lowered); what was changed.

    The ARP table's thresholds are one machine-wide table across network namespaces: each host holds an entry
    for its gateway and the checker's namespace one for each host, 2 × N entries against a default hard limit
    (gc_thresh3) of 1024, beyond which the kernel drops new neighbours ("neighbour table overflow")."""
    changed = []
    for name, wanted in (("gc_thresh1", 2 * hosts), ("gc_thresh2", 4 * hosts), ("gc_thresh3", 8 * hosts)):
        path = NEIGH / name
        with contextlib.suppress(OSError, ValueError):
            current = int(path.read_text())
            if current < wanted:
                path.write_text(f"{wanted}\n")
                changed.append(f"net.ipv4.neigh.default.{name} {current} → {wanted}")
    return changed


def summarise_profile(collapsed: Path, top: int = 40) -> str:
    """The functions with the most samples in py-spy's collapsed stacks: own (the frame on top) and inclusive."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = stack.split(";")
        own[frames[-1]] = own.get(frames[-1], 0) + samples
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + samples
    lines = [f"{total} samples"]
    for title, table in (("own", own), ("inclusive", inclusive)):
        lines.append(f"\n-- {title} --")
        for frame, samples in sorted(table.items(), key=lambda kv: -kv[1])[:top]:
            lines.append(f"{100 * samples / max(total, 1):6.1f}%  {frame}")
    return "\n".join(lines) + "\n"


def infrastructure_families() -> set[str]:
    """The fact families read from the hosts' infrastructure: every host family but the MLPS baseline's (from the
    families' table, so a new one counts); a rule needing only these is an infrastructure rule."""
    from probes.families import FAMILIES, Scope

    return {f.name for f in FAMILIES if f.scope is Scope.HOST} - {"baseline"}


def _commit(checkout: Path) -> str:
    done = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or checkout.name


def compile_checkout(checkout: Path) -> None:
    """Write the bytecode of a checkout's packages, as installing them does."""
    import compileall

    for package in ("checker", "probes", "ihcheck", "reports", "simulator"):
        if (checkout / package).is_dir():
            compileall.compile_dir(str(checkout / package), quiet=1)


def ihcheck_run(engine: str, inventory: Path, workdir: Path, forks: int | None, host_timeout: float | None,
                env: dict[str, str], rules: list[str] | None = None, profile: bool = False,
                tag: str = "", checkout: Path | None = None, program: str | None = None) -> Figures:
    """`checkout`: another checkout's code on this venv; `program`: another ihcheck (say main's,
    `/work/main/.venv/bin/ihcheck`); either on the same hosts in the same run."""
    label = ""
    if checkout is not None:  # another checkout's code, ahead of this one's on the path (-P: not the working directory)
        label = f" @{_commit(checkout)}"
        tag += "-" + _commit(checkout)
        env = {**env, "PYTHONPATH": os.pathsep.join([str(checkout), *filter(None, [env.get("PYTHONPATH")])])}
    if program:
        label += f" ({program})"
        tag += "-other"
    out = workdir / f"result-{engine}{tag}.json"
    start = "import sys; from ihcheck.cli import main; sys.argv[0] = 'ihcheck'; sys.exit(main())"
    chosen = [program] if program else [str(VENV_BIN / "ihcheck")]
    program_argv = chosen if checkout is None else [sys.executable, "-P", "-c", start]
    argv = [*program_argv, "check", "-i", str(inventory), "--engine", engine,
            "--format", "json", "--out", str(out)]
    for rule in rules or ():
        argv += ["--rule", rule]
    if forks:
        argv += ["--forks", str(forks)]
    if host_timeout:
        argv += ["--host-timeout", str(host_timeout)]
    collapsed = workdir / f"profile-{engine}{tag}.txt"
    if profile:  # py-spy starts ihcheck, samples the thread holding the GIL 67 times a second: where Python spends CPU
        argv = [str(VENV_BIN / "py-spy"), "record", "--rate", "67", "--gil", "--subprocesses", "--format", "raw",
                "--output", str(collapsed), "--", *argv]
    figures, err = measure(f"ihcheck --engine {engine}{label}" + (" (py-spy)" if profile else ""), argv, env,
                           workdir / f"stdout-{engine}{tag}.txt")
    if profile and collapsed.is_file():
        summary = workdir / f"profile-{engine}{tag}-summary.txt"
        summary.write_text(summarise_profile(collapsed))
        print(f"fleet: profile of {engine}: {collapsed} (collapsed stacks), {summary}", file=sys.stderr)
    with contextlib.suppress(OSError):
        figures.result_bytes = out.stat().st_size
    try:
        result = json.loads(out.read_text())
    except (OSError, json.JSONDecodeError):
        print(f"{figures.name}: no result (exit {figures.exit_code}): {err.strip()[-500:]}", file=sys.stderr)
        return figures
    hosts = result["facts"]["hosts"]
    figures.reached = sum(1 for h in hosts if h["reachable"])
    figures.problems = sum(len(h["errors"]) + len(h.get("unfinished") or {}) for h in hosts)
    for h in hosts:
        if not h["reachable"]:
            print(f"  {figures.name}: {h['name']} unreachable: {h['unreachable_reason']}", file=sys.stderr)
            break
    return figures


def setup_run(inventory: Path, workdir: Path, forks: int, env: dict[str, str], tag: str = "") -> Figures:
    argv = [str(VENV_BIN / "ansible"), "all", "-i", str(inventory), "-m", "setup", "-f", str(forks)]
    out = workdir / f"stdout-setup{tag}.txt"
    figures, _ = measure(f"ansible all -m setup -f {forks}", argv, env, out)
    text = out.read_text(errors="replace")
    figures.reached = text.count(" | SUCCESS")
    figures.problems = text.count(" | UNREACHABLE") + text.count(" | FAILED")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--forks", type=int, default=None, help="ihcheck --forks (default: ihcheck's own)")
    parser.add_argument("--setup-forks", type=int, default=16, help="ansible -m setup -f (default 16)")
    parser.add_argument("--ansible-forks", type=int, default=None, help="ihcheck --engine ansible --forks")
    parser.add_argument("--engines", default="direct,ansible,setup",
                        help="comma-separated: direct, ansible, setup (ansible -m setup); ENGINE@PROGRAM runs another "
                             "ihcheck (a commit before, on the same hosts in the same run)")
    parser.add_argument("--host-timeout", type=float, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="write results into DIR and keep them")
    parser.add_argument("--sizes", default=None, help="N:engine+engine,… on one lab of the largest N")
    parser.add_argument("--profile", action="store_true", help="run ihcheck under py-spy; keep its stacks")
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout (the commit before): each ihcheck engine run from it first, same hosts")
    parser.add_argument("--without-baseline", action="store_true",
                        help="every rule but the MLPS host baseline's (its commands cost each host about 0.5 s of "
                             "CPU, and here all hosts share this machine's cores)")
    parser.add_argument("--infrastructure", action="store_true",
                        help="only the rules judged from the hosts' infrastructure (GD2020 一(二)1-5: servers, split, "
                             "power, location, audio/video, uplinks, exchanges, boundary): no MLPS baseline, "
                             "documents, roster or programme records, as issue 12 measured")
    args = parser.parse_args()
    if args.without_baseline and args.infrastructure:
        parser.error("--without-baseline or --infrastructure, not both")
    if os.geteuid() != 0:
        print("fleet: needs root (network namespaces)", file=sys.stderr)
        return 69

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    env = {**os.environ, "ANSIBLE_HOST_KEY_CHECKING": "True", "ANSIBLE_NOCOLOR": "1",
           "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    # The checker as installed: pip writes its bytecode, so a run does not compile its 150 modules from source
    # (0.2 s of CPU a run, a millisecond a host at 200, which PYTHONDONTWRITEBYTECODE in a developer's shell added)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for checkout in filter(None, [Path(__file__).resolve().parent.parent, args.against]):
        compile_checkout(checkout)
    rows: list[Figures] = []
    rules = None
    if args.without_baseline or args.infrastructure:
        from checker.catalogue import CATALOGUE

        wanted = infrastructure_families()
        rules = [r.id for r in CATALOGUE
                 if (set(r.needs) <= wanted if args.infrastructure else "baseline" not in r.needs)]
    plan: list[tuple[int, list[str]]] = []  # (hosts, engines), run in this order on the lab's first hosts
    for part in (args.sizes or str(args.hosts)).split(","):
        size, _, engines = part.partition(":")
        plan.append((int(size), engines.split("+") if engines else args.engines.split(",")))
    lab = max(size for size, _ in plan)
    for change in raise_lab_limits(lab):
        print(f"fleet: raised {change}", file=sys.stderr)
    started = time.monotonic()

    def report(row: Figures) -> None:
        print(f"fleet: {row.hosts} hosts: {row.name} done in {row.wall:.1f} s, CPU {row.cpu:.1f} s, peak "
              f"{row.peak_mb:.0f} MB (PSS {row.peak_pss_mb:.0f}), reached {row.reached}, problems {row.problems}, "
              f"result "
              f"{row.result_bytes / 1000 / row.hosts:.1f} kB a host, exit {row.exit_code}", file=sys.stderr)

    try:
        from simulator.paths import state_lock

        with state_lock("tests-heavy.lock"), Fleet(lab, workdir=args.keep) as fleet:
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
            print(f"fleet: {lab} hosts up in {time.monotonic() - started:.1f} s", file=sys.stderr)
            for size, engines in plan:
                tag = f"-{size}" if args.sizes else ""
                inventory = fleet.inventory(fleet.workdir / f"inventory{tag}.yml", first=size)
                for engine in engines:
                    if engine == "setup":
                        row = setup_run(inventory, fleet.workdir, args.setup_forks, env, tag)
                    else:
                        engine, _, program = engine.partition("@")
                        forks = args.ansible_forks if engine == "ansible" and args.ansible_forks else args.forks
                        if args.against is not None:
                            before = ihcheck_run(engine, inventory, fleet.workdir, forks, args.host_timeout, env,
                                                 rules, args.profile, tag, checkout=args.against.resolve())
                            before.hosts = size
                            rows.append(before)
                            report(before)
                        row = ihcheck_run(engine, inventory, fleet.workdir, forks, args.host_timeout, env, rules,
                                          args.profile, tag, program=program or None)
                    row.hosts = size
                    rows.append(row)
                    report(row)
    except KeyboardInterrupt:
        print("fleet: interrupted; torn down", file=sys.stderr)
        return 130
    scope = (f"the {len(rules or ())} infrastructure rules" if args.infrastructure else
             "every rule but the MLPS baseline's" if rules else "every rule")
    print(f"\n{scope}, lab of {lab} hosts (this machine: {os.cpu_count()} cores)\n")
    print(f"{'N':>5} {'run':34} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'hosts/s':>8} {'reached':>8} "
          f"{'problems':>8} exit  load before/after  result kB/host")
    for r in rows:
        print(f"{r.hosts:5d} {r.name:34} {r.wall:8.1f} {r.cpu:8.1f} {r.peak_mb:8.0f} {r.hosts / r.wall:8.1f} "
              f"{r.reached:8d} {r.problems:8d} {r.exit_code:4d}  {r.load[0]:.1f}/{r.load[1]:.1f}"
              + (f"  {r.result_bytes / 1000 / r.hosts:.1f}" if r.result_bytes else ""))
        print(f"{'':40} {60 * r.hosts / r.wall:.0f} hosts/min, CPU {1000 * r.cpu / r.hosts:.0f} ms a host, "
              f"peak {r.peak_mb / r.hosts:.2f} MB a host, peak PSS {r.peak_pss_mb:.0f} MB")
    for size in dict.fromkeys(r.hosts for r in rows):
        same = [r for r in rows if r.hosts == size]
        setup = next((r for r in same if r.name.startswith("ansible all")), None)
        if setup is None:
            continue
        for r in same:
            if r is not setup:
                print(f"{size} hosts: {r.name}: {r.wall / setup.wall:.3f} × the time of `{setup.name}`, "
                      f"{r.peak_mb / setup.peak_mb:.2f} × its tree's peak RSS, "
                      f"{r.peak_pss_mb / setup.peak_pss_mb:.2f} × its peak PSS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
