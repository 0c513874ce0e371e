"""Where an internet address is, and who runs it: an offline lookup shared by the egress and ISP probes.

Two sources, in this order:

* the simulator's identity table (`ihcheck_simulated_identities`, a JSON object
  `{ip: {country, region, city, asn, as_org, isp, simulated: true}}`): the simulated routers' inet-side
  addresses are private lab addresses that no real database can place, so the simulator declares where
  they "are". An identity read from it is marked `simulated`, and every statement built on it is
  `Basis.SIMULATED`;
* otherwise geoip2fast's bundled GeoLite2 country + ASN data (`geoip2fast-asn-ipv6.dat.gz`, which
  holds IPv4 and IPv6). That data carries the AS organisation's *name* but not the AS number, so real
  identities are told apart by organisation.

Nothing here touches the network: geoip2fast's `get_hostname()` (reverse DNS) and `update_*()`
(downloads) are never called. geoip2fast keeps its data in module globals, so the file is loaded once
per process, under a lock, and every thread's lookups go through that one instance.

The lookup runs on the checker, not on the host, so it is kept as an in-process observation
(`Session.record`) beside the echo that produced the address: the evidence shows both.
"""

from __future__ import annotations

import ipaddress
import json
import threading
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from checker.errors import InputError, describe_validation_error
from probes.facts.geo import GeoIdentity
from probes.limits import read_text_limited
from probes.observation import Observation
from probes.transport import Session

# Cloud regions and the territory each lies in. A region id not listed here has no known country
# (the rule then treats the region as unknown rather than guessing from its name).
_ALIBABA = {
    "cn-qingdao": "CN", "cn-beijing": "CN", "cn-zhangjiakou": "CN", "cn-huhehaote": "CN",
    "cn-wulanchabu": "CN", "cn-hangzhou": "CN", "cn-shanghai": "CN", "cn-nanjing": "CN", "cn-fuzhou": "CN",
    "cn-wuhan-lr": "CN", "cn-shenzhen": "CN", "cn-heyuan": "CN", "cn-guangzhou": "CN", "cn-chengdu": "CN",
    "cn-hongkong": "HK", "ap-southeast-1": "SG", "ap-southeast-3": "MY", "ap-southeast-5": "ID",
    "ap-southeast-6": "PH", "ap-southeast-7": "TH", "ap-northeast-1": "JP", "ap-northeast-2": "KR",
    "us-west-1": "US", "us-east-1": "US", "eu-central-1": "DE", "eu-west-1": "GB", "me-east-1": "AE",
    "me-central-1": "SA",
}
_TENCENT = {
    "ap-guangzhou": "CN", "ap-shanghai": "CN", "ap-nanjing": "CN", "ap-beijing": "CN", "ap-chengdu": "CN",
    "ap-chongqing": "CN", "ap-shenzhen-fsi": "CN", "ap-shanghai-fsi": "CN", "ap-beijing-fsi": "CN",
    "ap-hongkong": "HK", "ap-taipei": "TW", "ap-singapore": "SG", "ap-bangkok": "TH", "ap-jakarta": "ID",
    "ap-seoul": "KR", "ap-tokyo": "JP", "ap-mumbai": "IN", "na-siliconvalley": "US", "na-ashburn": "US",
    "eu-frankfurt": "DE", "sa-saopaulo": "BR",
}
_HUAWEI = {
    "cn-north-1": "CN", "cn-north-2": "CN", "cn-north-4": "CN", "cn-north-9": "CN", "cn-east-2": "CN",
    "cn-east-3": "CN", "cn-east-4": "CN", "cn-south-1": "CN", "cn-south-2": "CN", "cn-southwest-2": "CN",
    "ap-southeast-1": "HK", "ap-southeast-2": "TH", "ap-southeast-3": "SG", "ap-southeast-4": "ID",
    "af-south-1": "ZA", "la-south-2": "CL", "sa-brazil-1": "BR", "tr-west-1": "TR", "me-east-1": "SA",
}
_AWS = {
    "cn-north-1": "CN", "cn-northwest-1": "CN", "ap-east-1": "HK", "ap-northeast-1": "JP",
    "ap-southeast-1": "SG", "us-east-1": "US", "us-west-2": "US", "eu-central-1": "DE",
}
REGIONS: dict[str, dict[str, str]] = {"alibaba": _ALIBABA, "tencent": _TENCENT, "huawei": _HUAWEI, "aws": _AWS}


def region_country(provider: str, region: str) -> str | None:
    """The territory a cloud region lies in; None when the region id is not in the table.

    >>> region_country("alibaba", "cn-hongkong"), region_country("huawei", "ap-southeast-1")
    ('HK', 'HK')
    >>> region_country("tencent", "ap-guangzhou"), region_country("aws", "mars-1") is None
    ('CN', True)
    """
    return REGIONS.get(provider, {}).get(region.strip())


class _SimulatedEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    country: str
    country_name: str | None = None
    region: str | None = None
    city: str | None = None
    asn: int | None = None
    as_org: str | None = None
    isp: str | None = None
    simulated: bool = True


def load_simulated(path: Path) -> dict[str, GeoIdentity]:
    """Read the simulator's identity table; any problem is one InputError line naming the file and field."""
    try:
        raw: Any = json.loads(read_text_limited(path, "ihcheck_simulated_identities: file"))
    except FileNotFoundError:
        raise InputError(f"{path}: ihcheck_simulated_identities: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: ihcheck_simulated_identities: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected an object keyed by IP address")
    table: dict[str, GeoIdentity] = {}
    for key, value in raw.items():
        try:
            address = str(ipaddress.ip_address(key))
        except ValueError:
            raise InputError(f"{path}: {key!r}: not an IP address") from None
        try:
            entry = _SimulatedEntry.model_validate(value)
        except ValidationError as exc:
            field, message = describe_validation_error(exc)
            raise InputError(f"{path}: {key}.{field}: {message}") from None
        if not entry.simulated:
            raise InputError(f"{path}: {key}.simulated: must be true (this table only holds simulated identities)")
        table[address] = GeoIdentity(
            address=address, country=entry.country.upper(), country_name=entry.country_name,
            region=entry.region, city=entry.city, asn=entry.asn, as_org=entry.as_org, isp=entry.isp,
            simulated=True, source=f"simulated identity table {path}",
        )
    return table


_LOCK = threading.Lock()
_DATA_FILE = "geoip2fast-asn-ipv6.dat.gz"  # country + AS organisation, IPv4 and IPv6, shipped in the wheel
_database: Any = None


def _geoip() -> Any:
    """The one geoip2fast instance for this process (its data lives in module globals); call under _LOCK."""
    global _database
    if _database is None:
        from geoip2fast import GeoIP2Fast

        _database = GeoIP2Fast(geoip2fast_data_file=_DATA_FILE, verbose=False)
    return _database


# Where geoip2fast keeps a loaded data file: module globals of its own (the instance holds none of it).
_TABLES = ("mainIndex", "mainListNamesCountry", "mainListFirstIP", "mainListIDCountryCodes", "mainListNetlength",
           "mainIndexASN", "mainListNamesASN", "mainListFirstIPASN", "mainListIDASN", "mainListNetlengthASN",
           "mainListNamesCity", "mainListIDCity", "geoipCountryNamesDict", "geoipCountryCodesList")


def release() -> None:
    """Let the loaded data go: some 110 MB of Python lists, a quarter of a 1,000-host run's peak memory, which
    the run holds from its first lookup to its end although the lookups are over once the hosts are probed
    (`gather` calls this). The next lookup loads the file again (0.2 s). geoip2fast has no call for it, so its
    tables are emptied by name; a name it no longer uses is passed over (tests/probes/test_geo.py holds the
    memory given back and the answers unchanged after a reload)."""
    global _database
    with _LOCK:
        if _database is None:
            return
        _database.clear_cache()
        _database = None
        from geoip2fast import geoip2fast as library

        for name in _TABLES:
            if hasattr(library, name):
                setattr(library, name, [])


def geoip_lookup(address: str) -> GeoIdentity:
    """Look an address up in geoip2fast's bundled GeoLite2 country + ASN data (offline).

    >>> geoip_lookup("10.1.2.3").private
    True
    >>> hk = geoip_lookup("203.198.7.66")
    >>> hk.country, hk.simulated
    ('HK', False)
    """
    ip = ipaddress.ip_address(address)
    with _LOCK:
        db = _geoip()
        result = db.lookup(str(ip))
        # the data file's own name for its source, read as loaded: `get_database_info()` would gunzip the whole
        # file and count every network on each call (some 140 ms of CPU a lookup, several lookups a host)
        source = str(db.source_info or "")
    code = str(result.country_code or "")
    private = bool(result.is_private) or ip.is_private or ip.is_reserved or ip.is_loopback or ip.is_link_local
    known = len(code) == 2 and code.isalpha()
    return GeoIdentity(
        address=str(ip),
        country=code.upper() if known and not private else None,
        country_name=str(result.country_name) if result.country_name else None,
        as_org=str(result.asn_name) if result.asn_name and not private else None,
        network=str(result.asn_cidr or result.cidr) or None,
        private=private,
        source=f"geoip2fast {source}".strip(),
    )


def lookup(address: str, simulated: dict[str, GeoIdentity] | None = None) -> GeoIdentity:
    """The identity of an address: the simulated table when it lists the address, else geoip2fast."""
    key = str(ipaddress.ip_address(address))
    if simulated and key in simulated:
        return simulated[key]
    return geoip_lookup(key)


def simulated_table(session: Session) -> dict[str, GeoIdentity] | None:
    path = session.host.declared.simulated_identities
    return load_simulated(path) if path is not None else None


def identify(session: Session, address: str,
             simulated: dict[str, GeoIdentity] | None) -> tuple[GeoIdentity, Observation]:
    """Look an address up and keep the lookup as an observation the evidence can cite."""
    identity = lookup(address, simulated)
    call = (f"simulated identity table lookup({address!r})" if identity.simulated
            else f"geoip2fast.GeoIP2Fast().lookup({address!r})")
    obs = session.record(call, identity.model_dump_json())
    return identity, obs
