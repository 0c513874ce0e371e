"""An address's place and provider, said in both languages for the reasons that quote it (domestic, ISPs).

The English is `GeoIdentity.describe()` itself, so a reason reads as it always has; the Chinese says the same
around the lookup's own data (place names, provider names, the table that answered), which stays as it came.
"""

from __future__ import annotations

from checker.model import Said
from probes.facts.geo import GeoIdentity


def identity_said(identity: GeoIdentity) -> Said:
    if identity.private:
        return Said(f"{identity.address} 是私有/保留地址（{identity.country_name or '不可路由'}）", identity.describe())
    place = ", ".join(p for p in (identity.city, identity.region, identity.country_name or identity.country) if p)
    who = identity.provider()
    zh = f"{identity.address} → {place or '国家未知'} [{identity.country or '??'}]"
    zh += f"，{who}" if who else ""
    zh += "（模拟身份）" if identity.simulated else f"（{identity.source}）"
    return Said(zh, identity.describe())
