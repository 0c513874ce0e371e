"""Real daemons for the power and A/V probe tests: ipmi_sim, NUT upsd + dummy-ups, coturn, kamailio, janus.

Each runs on 127.0.0.1 with a free port and a temporary configuration directory, in its own
process group (so workers it forks stop with it), and is stopped when the test ends, also on failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psutil
import pytest

from probes.facts.declared import BmcAccess, Declarations
from probes.inventory import InventoryHost
from probes.observation import ObservationLog
from probes.transport import Session, open_transport
from simulator.netns import stop_daemons
from tests.daemons import require, wait_for_port

NUT_DIR = Path("/lib/nut")
KAMAILIO_MODULES = Path("/usr/lib/x86_64-linux-gnu/kamailio/modules")
JANUS_LIB = Path("/usr/lib/x86_64-linux-gnu/janus")


def free_port_pair() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (SIP and STUN servers listen on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket() as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no port free for both UDP and TCP")


def wait_for_both(port: int) -> None:
    wait_for_udp(port)
    wait_for_port(port)


def wait_for_udp(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(c.laddr and c.laddr.port == port for c in psutil.net_connections(kind="udp4")):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing bound to udp 127.0.0.1:{port} after {timeout}s")


@contextmanager
def process(argv: list[str], log: Path, *, env: dict[str, str] | None = None,
            ready: Callable[[], None]) -> Iterator[subprocess.Popen[bytes]]:
    """Start argv in a new process group; stop the whole group afterwards."""
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        try:
            ready()
        except TimeoutError as exc:
            raise RuntimeError(f"{argv[0]} did not start: {exc}\n{log.read_text(errors='replace')[-2000:]}") from None
        if proc.poll() is not None:
            raise RuntimeError(f"{argv[0]} exited {proc.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        yield proc
    finally:
        stop_daemons([proc])


def local_session(declared: Declarations | None = None) -> Session:
    """A session on this machine through the local transport, so probes run their real commands."""
    host = InventoryHost(name="local", address="127.0.0.1", connection="local", declared=declared or Declarations())
    return Session(host=host, transport=open_transport(host), log=ObservationLog())


# --- ipmi_sim: a BMC with Power Supply sensors -------------------------------------------------

# Power Supply (sensor type 08h) offsets: 0 presence, 1 failure, 2 predictive failure, 3 AC lost.
PRESENT, FAILED, AC_LOST = 0, 1, 3


def compact_sdr(record_id: int, sensor: int, instance: int, name: str) -> bytes:
    """An IPMI 2.0 Compact Sensor Record (type 02h) for a sensor-specific Power Supply sensor."""
    text = name.encode()
    body = bytes([0x20, 0x00, sensor, 0x0A, instance, 0x67, 0x40, 0x08, 0x6F])
    body += struct.pack("<HHH", 0x007F, 0x007F, 0x007F)  # assertion, deassertion, readable state masks
    body += bytes([0xC0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) + bytes([0xC0 | len(text)]) + text
    return struct.pack("<HBBB", record_id, 0x51, 0x02, len(body)) + body


def bmc_emulation(psus: list[tuple[str, set[int]]]) -> str:
    """ipmi_sim commands: a BMC at 20h whose SDR lists one Power Supply sensor per (name, asserted offsets)."""
    lines = ["mc_setbmc 0x20", "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02",
             "sel_enable 0x20 1000 0x0a"]
    for index, (name, offsets) in enumerate(psus):
        sensor = 0x10 + index
        record = compact_sdr(index + 1, sensor, index + 1, name)
        lines.append("main_sdr_add 0x20 " + " ".join(f"0x{b:02x}" for b in record))
        lines.append(f"sensor_add 0x20 0 {sensor} 0x08 0x6f")
        lines.append(f"sensor_set_event_support 0x20 0 {sensor} enable scanning per-state "
                     "000000001111111 000000000000000 000000001111111 000000000000000")
        lines += [f"sensor_set_bit 0x20 0 {sensor} {bit} 1 0" for bit in sorted(offsets)]
    lines.append("mc_enable 0x20")
    return "\n".join(lines) + "\n"


@contextmanager
def ipmi_sim(workdir: Path, psus: list[tuple[str, set[int]]], password: str = "s3cret-Pw") -> Iterator[BmcAccess]:
    require("ipmi_sim", "ipmitool")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "state").mkdir(exist_ok=True)
    port = free_port_pair()
    (workdir / "lan.conf").write_text(
        'name "ihcheck"\nset_working_mc 0x20\n  startlan 1\n'
        f"    addr 127.0.0.1 {port}\n    priv_limit admin\n"
        "    allowed_auths_callback none md2 md5 straight\n    allowed_auths_user none md2 md5 straight\n"
        "    allowed_auths_operator none md2 md5 straight\n    allowed_auths_admin none md2 md5 straight\n"
        "    guid a123456789abcdefa123456789abcdef\n  endlan\n"
        f'  user 2 true "admin" "{password}" admin 10 none md2 md5 straight\n')
    (workdir / "bmc.emu").write_text(bmc_emulation(psus))
    argv = ["ipmi_sim", "-n", "-c", str(workdir / "lan.conf"), "-f", str(workdir / "bmc.emu"),
            "-s", str(workdir / "state")]
    with process(argv, workdir / "ipmi_sim.log", ready=lambda: wait_for_udp(port)):
        yield BmcAccess(address="127.0.0.1", port=port, user="admin", password=password)


# --- NUT: upsd serving a dummy-ups ------------------------------------------------------------

@contextmanager
def nut_ups(workdir: Path, variables: dict[str, str]) -> Iterator[str]:
    """upsd + dummy-ups on 127.0.0.1:<free port>; yields the name upsc takes (ups@127.0.0.1:port)."""
    require(str(NUT_DIR / "upsd"), str(NUT_DIR / "dummy-ups"), "upsc")
    conf, state = workdir / "conf", workdir / "state"
    conf.mkdir(parents=True, exist_ok=True)
    state.mkdir(mode=0o700, exist_ok=True)
    port = free_port_pair()
    (conf / "ups.conf").write_text("[rack1]\n  driver = dummy-ups\n  port = rack1.dev\n  desc = \"test\"\n")
    (conf / "rack1.dev").write_text("".join(f"{k}: {v}\n" for k, v in variables.items()))
    (conf / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {port}\n")
    (conf / "upsd.users").write_text("")
    (conf / "nut.conf").write_text("MODE=standalone\n")
    env = {**os.environ, "NUT_CONFPATH": str(conf), "NUT_STATEPATH": str(state)}
    socket_path = state / "dummy-ups-rack1"

    def driver_ready() -> None:
        deadline = time.monotonic() + 20
        while not socket_path.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{socket_path} not created")
            time.sleep(0.1)

    with ExitStack() as stack:
        stack.enter_context(process([str(NUT_DIR / "dummy-ups"), "-a", "rack1", "-u", "root", "-F"],
                                    workdir / "driver.log", env=env, ready=driver_ready))
        stack.enter_context(process([str(NUT_DIR / "upsd"), "-u", "root", "-F"], workdir / "upsd.log",
                                    env=env, ready=lambda: wait_for_port(port)))
        name = f"rack1@127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:  # upsd says WAIT until the driver has handed over its first readings
            done = subprocess.run(["upsc", name, "ups.status"], capture_output=True, text=True, check=False)
            if done.returncode == 0 and done.stdout.strip() != "WAIT":
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"upsd never served {name}: {done.stdout}{done.stderr}")
            time.sleep(0.2)
        yield name


# --- A/V servers -------------------------------------------------------------------------------

@contextmanager
def coturn(workdir: Path) -> Iterator[int]:
    """coturn without authentication, STUN/TURN on 127.0.0.1:<port> over UDP and TCP."""
    require("turnserver")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port_pair()
    argv = ["turnserver", "-n", "-z", "--listening-ip=127.0.0.1", f"--listening-port={port}", "--no-tls",
            "--no-dtls", "--no-cli", "--log-file=stdout", "--simple-log", f"--pidfile={workdir / 'turn.pid'}",
            f"--db={workdir / 'turndb'}", "--no-auth-pings"]
    with process(argv, workdir / "turnserver.log", ready=lambda: wait_for_both(port)):
        yield port


KAMAILIO_CFG = """#!KAMAILIO
debug=2
log_stderror=yes
children=1
tcp_children=1
listen=udp:127.0.0.1:{port}
listen=tcp:127.0.0.1:{port}
mpath="{modules}/"
loadmodule "sl.so"
request_route {{
    if (method=="OPTIONS") {{
        sl_send_reply("200", "OK");
        exit;
    }}
    sl_send_reply("501", "Not Implemented");
}}
"""


@contextmanager
def kamailio(workdir: Path) -> Iterator[int]:
    """Kamailio answering OPTIONS with 200 on 127.0.0.1:<port>, UDP and TCP."""
    require("kamailio", str(KAMAILIO_MODULES / "sl.so"))
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "run").mkdir(exist_ok=True)
    port = free_port_pair()
    cfg = workdir / "kamailio.cfg"
    cfg.write_text(KAMAILIO_CFG.format(port=port, modules=KAMAILIO_MODULES))
    argv = ["kamailio", "-f", str(cfg), "-DD", "-E", "-m", "32", "-M", "8", "-P", str(workdir / "kamailio.pid"),
            "-Y", str(workdir / "run")]
    with process(argv, workdir / "kamailio.log", ready=lambda: wait_for_both(port)):
        yield port


@contextmanager
def janus(workdir: Path) -> Iterator[int]:
    """Janus with only its HTTP transport, on 127.0.0.1:<port> under /janus."""
    require("janus", str(JANUS_LIB / "transports" / "libjanus_http.so"))
    conf, transports, empty = workdir / "conf", workdir / "transports", workdir / "empty"
    for d in (conf, transports, empty):
        d.mkdir(parents=True, exist_ok=True)
    shutil.copy(JANUS_LIB / "transports" / "libjanus_http.so", transports / "libjanus_http.so")
    port = free_port_pair()
    (conf / "janus.jcfg").write_text(
        f'general: {{\n  configs_folder = "{conf}"\n  plugins_folder = "{empty}"\n'
        f'  transports_folder = "{transports}"\n  events_folder = "{empty}"\n  loggers_folder = "{empty}"\n'
        '  server_name = "ihcheck-test"\n}\nmedia: {\n  rtp_port_range = "40000-40100"\n}\n')
    (conf / "janus.transport.http.jcfg").write_text(
        f'general: {{\n  base_path = "/janus"\n  http = true\n  port = {port}\n  ip = "127.0.0.1"\n'
        "  https = false\n}\nadmin: {\n  admin_http = false\n}\n")
    argv = ["janus", "-F", str(conf), "-C", str(conf / "janus.jcfg"), "-o", "-N", "-L", str(workdir / "janus.log")]
    with process(argv, workdir / "janus.out", ready=lambda: wait_for_port(port)):
        yield port


@pytest.fixture
def session_factory() -> Callable[..., Session]:
    return local_session
