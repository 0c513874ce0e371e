"""Podman networks of a scenario. All are `--internal`: no NAT to the host's uplink, no default
route, so no packet a simulated host sends can leave this machine; the only "internet" is the
scenario's own `inet` network. Podman picks free subnets; we read them back to plan addresses.
"""

from __future__ import annotations

import ipaddress

from simulator import podman


def create(names: dict[str, str], scenario: str) -> dict[str, ipaddress.IPv4Network]:
    """Create each network (key -> podman name) and return key -> subnet."""
    subnets: dict[str, ipaddress.IPv4Network] = {}
    for key, name in names.items():
        podman.run(["network", "create", "--internal", "--label", f"{podman.LABEL}={scenario}",
                    name])
        subnets[key] = subnet_of(name)
    return subnets


def subnet_of(name: str) -> ipaddress.IPv4Network:
    info = podman.json_out(["network", "inspect", name])
    for entry in info[0].get("subnets") or []:
        net = ipaddress.ip_network(entry["subnet"])
        if isinstance(net, ipaddress.IPv4Network):
            return net
    raise podman.PodmanError(f"network {name} has no IPv4 subnet")


def remove(scenario: str) -> list[str]:
    """Remove every network labelled with this scenario; returns their names."""
    names = [str(n["name"]) for n in podman.networks(scenario)]
    for name in names:
        podman.run(["network", "rm", "-f", name], check=False)
    return names
