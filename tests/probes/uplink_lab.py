"""A two-namespace test network: a "hospital" host with shaped uplinks, and an "internet" with real daemons.

Tests and benchmarks/bandwidth_error.py need real uplinks without the podman simulator: each uplink is
a veth pair between a client namespace and a server namespace, shaped in both directions with tc tbf
at the uplink's rate, with a default route per uplink (metrics 100, 200, …) so that binding to the
interface leaves through that uplink. The server namespace runs Debian's nginx (an echo at /ip that
returns the caller's address, plus cloud-metadata look-alikes) and one iperf3 -s per uplink. Every address lives in
the namespaces this module creates, and everything it starts is stopped and deleted on exit.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from probes.bounded import Bounded, run_bounded
from simulator import netns

SERVICE_ADDRESS = "10.203.99.1"  # the lab's "internet" address, on the server namespace's loopback
ECHO_PORT = 8080
IPERF_PORT = 5201

# Cloud metadata look-alikes, one port per provider, answering on the documented paths.
METADATA_PORTS = {"alibaba": 8101, "tencent": 8102, "huawei": 8103, "aws": 8104}

_NGINX_CONF = """
daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {root}/body; proxy_temp_path {root}/proxy; fastcgi_temp_path {root}/fcgi;
  uwsgi_temp_path {root}/uwsgi; scgi_temp_path {root}/scgi;
  default_type text/plain;
  server {{ listen {addr}:{echo}; location = /ip {{ return 200 "$remote_addr\\n"; }} }}
  server {{ listen {addr}:{alibaba};
            location = /latest/meta-data/region-id {{ return 200 "{alibaba_region}"; }} }}
  server {{ listen {addr}:{tencent};
            location = /latest/meta-data/placement/region {{ return 200 "{tencent_region}"; }} }}
  server {{ listen {addr}:{huawei};
            location = /openstack/latest/meta_data.json {{
              default_type application/json;
              return 200 '{{"uuid": "ca9e8b7c", "availability_zone": "{huawei_region}a", "region_id": "{huawei_region}"}}';
            }} }}
  server {{ listen {addr}:{aws};
            location = /latest/api/token {{
              if ($request_method != PUT) {{ return 405; }}
              if ($http_x_aws_ec2_metadata_token_ttl_seconds = "") {{ return 400; }}
              return 200 "lab-token";
            }}
            location = /latest/meta-data/placement/region {{
              if ($http_x_aws_ec2_metadata_token != "lab-token") {{ return 401; }}
              return 200 "{aws_region}";
            }} }}
}}
"""


def burst_bytes(mbps: float) -> int:
    """tbf's bucket: 10 ms at the rate, at least 16 KiB. Below rate/HZ the shaper cannot reach its rate
    (the kernel's timer fires too seldom to refill a smaller bucket), which would bias every measurement."""
    return max(16384, int(mbps * 1e6 * 0.010 / 8))


def _sh(*argv: str, netns: str | None = None) -> None:
    cmd = (["ip", "netns", "exec", netns] if netns else []) + list(argv)
    subprocess.run(cmd, check=True, capture_output=True, text=True)


def available() -> str | None:
    """Why the lab cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "needs root (ip netns, tc)"
    for tool in ("ip", "tc", "nginx", "iperf3", "curl"):
        if shutil.which(tool) is None:
            return f"{tool} not installed"
    return None


@dataclass
class Uplink:
    interface: str  # the client-side interface name
    mbps: float
    client_address: str
    gateway: str


@dataclass
class Lab:
    """Build with `with Lab([20, 5]) as lab:`; `lab.transport()` runs commands inside the client namespace."""

    rates_mbps: list[float]
    regions: dict[str, str] = field(default_factory=lambda: {
        "alibaba": "cn-shenzhen", "tencent": "ap-guangzhou", "huawei": "cn-south-1", "aws": "cn-northwest-1"})
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    uplinks: list[Uplink] = field(default_factory=list)
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _root: Path | None = None

    @property
    def client(self) -> str:
        return f"ihc-cli-{self.tag}"

    @property
    def server(self) -> str:
        return f"ihc-srv-{self.tag}"

    @property
    def echo_url(self) -> str:
        return f"http://{SERVICE_ADDRESS}:{ECHO_PORT}/ip"

    @property
    def measure_endpoint(self) -> str:
        return f"{SERVICE_ADDRESS}:{IPERF_PORT}"

    @property
    def measure_endpoints(self) -> tuple[str, ...]:
        """One iperf3 server per uplink, as a hospital would set up to measure its uplinks at once."""
        return tuple(f"{SERVICE_ADDRESS}:{IPERF_PORT + n}" for n in range(len(self.rates_mbps)))

    def metadata_url(self, provider: str) -> str:
        return f"http://{SERVICE_ADDRESS}:{METADATA_PORTS[provider]}"

    def __enter__(self) -> Lab:
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _build(self) -> None:
        netns.add_namespace(self.client)
        netns.add_namespace(self.server)
        netns.ip("addr", "add", f"{SERVICE_ADDRESS}/32", "dev", "lo", netns=self.server)
        for n, rate in enumerate(self.rates_mbps, start=1):
            cli, srv = f"up{n}", f"isp{n}"
            client_address, gateway = f"10.203.{n}.2", f"10.203.{n}.1"
            netns.add_veth(cli, srv, netns=self.client, peer_netns=self.server)
            netns.address_up(srv, f"{gateway}/24", netns=self.server)
            netns.address_up(cli, f"{client_address}/24", netns=self.client, gateway=gateway, metric=100 * n)
            for ns, dev in ((self.client, cli), (self.server, srv)):
                _sh("tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate", f"{rate}mbit",
                    "burst", str(burst_bytes(rate)), "latency", "50ms", netns=ns)
            self.uplinks.append(Uplink(cli, rate, client_address, gateway))
        # Replies to each uplink's addresses leave by the same uplink (the routers in the simulator masquerade).
        self._root = Path(tempfile.mkdtemp(prefix="ihc-lab-"))
        conf = self._root / "nginx.conf"
        conf.write_text(_NGINX_CONF.format(
            root=self._root, addr=SERVICE_ADDRESS, echo=ECHO_PORT, **METADATA_PORTS,
            **{f"{k}_region": v for k, v in self.regions.items()}))
        self._start(["nginx", "-c", str(conf)])
        for n in range(len(self.rates_mbps)):
            self.start_iperf(IPERF_PORT + n)
        self._wait_ready()

    def start_iperf(self, port: int) -> None:
        """Another `iperf3 -s` on SERVICE_ADDRESS:port, stopped with the lab."""
        self._start(["iperf3", "-s", "-B", SERVICE_ADDRESS, "-p", str(port)])

    def _start(self, argv: list[str]) -> None:
        self._procs.append(subprocess.Popen(["ip", "netns", "exec", self.server, *argv],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                            start_new_session=True))

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 10
        probe = f"curl -s --max-time 1 {self.echo_url}" + "".join(
            f" && bash -c 'exec 3<>/dev/tcp/{SERVICE_ADDRESS}/{IPERF_PORT + n}'" for n in range(len(self.rates_mbps)))
        while time.monotonic() < deadline:
            for proc in self._procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"lab daemon exited: {proc.args!r}")
            done = subprocess.run(["ip", "netns", "exec", self.client, "sh", "-c", probe], capture_output=True)
            if done.returncode == 0:
                time.sleep(0.2)  # iperf3 logs the probe connection as a failed test; let it reset
                return
            time.sleep(0.1)
        raise RuntimeError("lab daemons did not become ready within 10 s")

    def close(self) -> None:
        netns.stop_daemons(self._procs, timeout=5)
        self._procs.clear()
        for ns in (self.client, self.server):
            netns.delete_namespace(ns)
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)

    def transport(self) -> NetnsTransport:
        return NetnsTransport(self.client)


class NetnsTransport:
    """The local transport, but inside a network namespace: commands run as `ip netns exec NS sh -c CMD`."""

    name = "netns"

    def __init__(self, netns: str) -> None:
        self.netns = netns

    def run(self, command: str, *, timeout: float, cap: int) -> Bounded:
        return run_bounded(["ip", "netns", "exec", self.netns, "sh", "-c", command], timeout=timeout, cap=cap)

    def host_key_fingerprint(self) -> str | None:
        return None

    def close(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"NetnsTransport({shlex.quote(self.netns)})"
