"""probes.geo: the simulated identity table, the offline geoip2fast lookup, and the observation it leaves."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from checker.errors import InputError
from probes import geo
from probes.inventory import InventoryHost
from probes.observation import ObservationLog
from probes.transport import Session, open_transport


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "identities.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


TABLE = {
    "172.30.1.2": {"country": "CN", "region": "Guangdong", "city": "Guangzhou", "asn": 4134,
                   "as_org": "CHINANET-BACKBONE", "isp": "China Telecom", "simulated": True},
    "172.30.2.2": {"country": "hk", "isp": "HKT", "simulated": True},
}


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lookups are offline: any connection attempt while one runs is a bug."""
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("probes.geo tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "gethostbyaddr", refuse)


def test_simulated_table_is_read_and_marked_simulated(tmp_path: Path) -> None:
    path = write(tmp_path, TABLE)
    table = geo.load_simulated(path)
    telecom = table["172.30.1.2"]
    assert (telecom.country, telecom.city, telecom.asn, telecom.isp) == ("CN", "Guangzhou", 4134, "China Telecom")
    assert telecom.simulated and str(path) in telecom.source
    assert table["172.30.2.2"].country == "HK"
    assert "simulated identity" in telecom.describe()


def test_simulated_table_wins_over_the_database(tmp_path: Path) -> None:
    table = geo.load_simulated(write(tmp_path, {"114.114.114.114": {"country": "US", "simulated": True}}))
    assert geo.lookup("114.114.114.114", table).country == "US"
    assert geo.lookup("114.114.114.114").country == "CN"


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "invalid JSON at line 1"),
    ("[]", "expected an object keyed by IP address"),
    ({"not-an-ip": {"country": "CN"}}, "'not-an-ip': not an IP address"),
    ({"10.0.0.1": {"isp": "x"}}, "10.0.0.1.country: Field required"),
    ({"10.0.0.1": {"country": "CN", "simulated": False}}, "10.0.0.1.simulated: must be true"),
    ({"10.0.0.1": {"country": "CN", "colour": "red"}}, "10.0.0.1.colour: unknown field"),
])
def test_bad_table_is_one_line_naming_file_and_field(tmp_path: Path, content: Any, message: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(InputError) as caught:
        geo.load_simulated(path)
    text = str(caught.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text


def test_missing_table_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="ihcheck_simulated_identities: file not found"):
        geo.load_simulated(tmp_path / "absent.json")


@pytest.mark.parametrize(("address", "country", "org"), [
    ("114.114.114.114", "CN", "ZEN-ECN"),
    ("202.96.128.86", "CN", "Chinanet"),
    ("203.198.7.66", "HK", "HKT Limited"),
    ("202.175.3.3", "MO", "Companhia de Telecomunicacoes de Macau SARL"),
    ("60.248.1.1", "TW", "Data Communication Business Group"),
    ("8.8.8.8", "US", "GOOGLE"),
    ("2400:3200::1", "CN", "Hangzhou Alibaba Advertising Co.,Ltd."),
])
def test_geoip2fast_places_real_addresses(address: str, country: str, org: str) -> None:
    found = geo.geoip_lookup(address)
    assert (found.country, found.as_org, found.simulated, found.private) == (country, org, False, False)
    assert found.source.startswith("geoip2fast MAXMIND:GeoLite2")


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.1", "100.64.0.9", "127.0.0.1", "fd00::1"])
def test_private_addresses_locate_nothing(address: str) -> None:
    found = geo.geoip_lookup(address)
    assert found.private and found.country is None and found.as_org is None


def test_not_an_address_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        geo.lookup("<html>")


def test_identify_keeps_the_lookup_as_an_observation(tmp_path: Path) -> None:
    host = InventoryHost(name="here", address="localhost", connection="local")
    session = Session(host=host, transport=open_transport(host), log=ObservationLog())
    table = geo.load_simulated(write(tmp_path, TABLE))
    identity, obs = geo.identify(session, "172.30.1.2", table)
    assert identity.simulated and obs.command == "simulated identity table lookup('172.30.1.2')"
    assert json.loads(obs.stdout)["isp"] == "China Telecom"
    real, obs = geo.identify(session, "203.198.7.66", table)
    assert real.country == "HK" and obs.command == "geoip2fast.GeoIP2Fast().lookup('203.198.7.66')"
    assert [o.id for o in session.observations] == ["here#1", "here#2"]


def test_region_table_places_hong_kong_regions_abroad() -> None:
    assert geo.region_country("alibaba", "cn-hongkong") == "HK"
    assert geo.region_country("tencent", "ap-hongkong") == "HK"
    assert geo.region_country("huawei", "ap-southeast-1") == "HK"
    assert geo.region_country("aws", "cn-north-1") == "CN"
    assert geo.region_country("alibaba", "cn-shenzhen") == "CN"
    assert geo.region_country("alibaba", "cn-nowhere-9") is None


def test_source_names_the_data_file_as_its_full_description_does() -> None:
    """The source is read from the loaded data file once, not from get_database_info() on every lookup (which
    gunzips the file again each time): the same words either way."""
    found = geo.geoip_lookup("8.8.8.8")
    with geo._LOCK:
        info = geo._geoip().get_database_info()
    assert info["source_info"] and found.source == f"geoip2fast {info['source_info']}"


def test_release_gives_the_table_back_and_a_later_lookup_answers_the_same() -> None:
    """`gather` releases geoip2fast's data once the hosts are probed: a quarter of a 1,000-host run's peak. In a
    process of its own (another test may hold the table), with the checker's malloc settings."""
    script = (
        "import gc, psutil\n"
        "from probes.arenas import fewer_malloc_arenas\n"
        "fewer_malloc_arenas()\n"
        "from probes import geo\n"
        "rss = lambda: psutil.Process().memory_info().rss\n"
        "before = [geo.geoip_lookup(a) for a in ('8.8.8.8', '2400:3200::1', '10.1.2.3')]\n"
        "loaded = rss()\n"
        "later = [str(i) * 3 for i in range(200000)]  # what a run allocates after its first lookup\n"
        "geo.release(); gc.collect()\n"
        "freed = loaded - rss()\n"
        "after = [geo.geoip_lookup(a) for a in ('8.8.8.8', '2400:3200::1', '10.1.2.3')]\n"
        "print(freed // 1000000, before == after, len(later))\n"
    )
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    freed_mb, same, _ = done.stdout.split()
    assert int(freed_mb) >= 60, done.stdout  # the asn-ipv6 table is some 110 MB of lists
    assert same == "True"
    geo.release()  # and in this process: nothing loaded is a no-op, a loaded table goes
    assert geo._database is None
