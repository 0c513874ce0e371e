"""The Ansible engine probes each host as its play finishes it, and holds each host's raw output only until then."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from probes.ansible_engine import HostOutcome, _Arrivals
from probes.gather import gather
from probes.inventory import Inventory, InventoryHost


def _hosts(*names: str) -> list[InventoryHost]:
    return [InventoryHost(name=n, address="127.0.0.1") for n in names]


def test_hosts_come_in_the_order_ansible_finishes_them_then_the_ones_it_never_reported() -> None:
    arrivals = _Arrivals(_hosts("a", "b", "c", "d"))
    go = threading.Event()

    def play() -> None:
        go.wait(5)
        arrivals.arrived("c", HostOutcome(ok=True, stdout=b"from c"))
        arrivals.arrived("zz", HostOutcome(ok=True))  # not a host of the inventory: ignored
        arrivals.arrived("a", HostOutcome(ok=False, message="ansible: unreachable"))
        arrivals.arrived("c", HostOutcome(ok=True, stdout=b"again"))  # a second result for c: the first stands

    arrivals.play(play)
    order = arrivals.order()
    go.set()
    assert [h.name for h in order] == ["c", "a", "b", "d"]
    first = arrivals.take("c")
    assert first is not None and first.stdout == b"from c"
    assert arrivals.take("c") is None  # handed over once, then not held
    assert arrivals.take("b") is None  # never reported: the opener makes it unreachable


def test_a_play_that_breaks_breaks_the_run_after_the_hosts_it_reported() -> None:
    arrivals = _Arrivals(_hosts("a", "b"))

    def play() -> None:
        arrivals.arrived("b", HostOutcome(ok=True))
        raise RuntimeError("ansible-runner could not start")

    arrivals.play(play).join()
    order = arrivals.order()
    assert next(order).name == "b"
    with pytest.raises(RuntimeError, match="could not start"):
        next(order)


def test_gather_returns_hosts_in_inventory_order_whatever_order_they_ran_in(tmp_path: Path) -> None:
    from checker.errors import HostUnreachable

    hosts = _hosts("h1", "h2", "h3")
    started: list[str] = []

    def opener(host: InventoryHost, options: Any, log: Any) -> Any:
        started.append(host.name)
        raise HostUnreachable(f"{host.name} is a test host")

    facts = gather(Inventory(source="test", hosts=tuple(hosts)), opener=opener, forks=1, probes=(),
                   spool_dir=tmp_path, order=iter([hosts[2], hosts[0], hosts[1]])).facts
    assert started == ["h3", "h1", "h2"]
    assert [(h.name, h.unreachable_reason) for h in facts.hosts] == [
        ("h1", "h1 is a test host"), ("h2", "h2 is a test host"), ("h3", "h3 is a test host")]
    with pytest.raises(ValueError, match="comes twice"):
        gather(Inventory(source="test", hosts=tuple(hosts)), opener=opener, probes=(), spool_dir=tmp_path,
               order=iter([hosts[0], hosts[0]]))
