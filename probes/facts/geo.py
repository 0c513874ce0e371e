"""Where an internet address is registered and who announces it (egress and uplinks both use it)."""

from __future__ import annotations

from pydantic import Field

from probes.facts.base import Record


class GeoIdentity(Record):
    """Where an internet address is registered and who announces it, as looked up offline (see probes.geo)."""

    address: str
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 code; HK, MO and TW are their own")
    country_name: str | None = None
    region: str | None = None
    city: str | None = None
    asn: int | None = None
    as_org: str | None = None
    isp: str | None = None
    network: str | None = Field(default=None, description="the registered network the address falls in")
    private: bool = Field(default=False, description="a private, shared or reserved address: locates nothing")
    simulated: bool = Field(default=False, description="read from the simulator's identity table, not a database")
    source: str = Field(description="which table answered: the geoip2fast data version or the simulated table")

    def provider(self) -> str | None:
        name = self.isp or self.as_org
        if name and self.asn is not None:
            return f"{name} (AS{self.asn})"
        return name or (f"AS{self.asn}" if self.asn is not None else None)

    def describe(self) -> str:
        if self.private:
            return f"{self.address} is a private/reserved address ({self.country_name or 'not routable'})"
        place = ", ".join(p for p in (self.city, self.region, self.country_name or self.country) if p)
        who = self.provider()
        text = f"{self.address} → {place or 'country unknown'} [{self.country or '??'}]"
        text += f", {who}" if who else ""
        return text + (" (simulated identity)" if self.simulated else f" ({self.source})")

