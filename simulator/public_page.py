"""The simulated hospital's patient-facing page (亮证经营) and its one dependency placed abroad on purpose.

The application host's nginx serves `/patient/licence.html`, a static page showing the practice licence's number
(the same number the simulated materials index states), a consultation schedule, the reply time limit and the
fees; `no-licence` leaves the number off the page (the fault). The page is written into the host's /ihc folder
and copied into nginx's document root at start, so the cached images need no rebuild.

`dns_abroad` points one host's resolver at an address of the simulated internet's network that no container
holds (nothing answers there; ihcheck only reads the host's resolv.conf), and the identity table places that
address abroad, as the uplinks' egress addresses are placed.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

LICENCE_NUMBER = "PDY60105944010011A1001"  # simulated 医疗机构执业许可证 登记号, stated in the materials index too
PAGE = "/patient/licence.html"
STATIC_ROOT = "/srv/hospital-app/static"  # nginx's document root in the application image (services/nginx)
DNS_ABROAD_OFFSET = 250  # on the inet network: above the internet (.2) and the routers (.10+i)


def page_html(hospital: str, with_licence: bool) -> str:
    licence = f"登记号：{LICENCE_NUMBER}" if with_licence else "登记号：请到院内公示栏查看"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(hospital)} · 亮证公示 (simulated)</title></head>
<body>
<h1>{escape(hospital)} · 亮证经营（模拟页面 simulated page）</h1>
<section><h2>医疗机构执业许可证</h2><p>{licence}</p></section>
<section><h2>出诊排班</h2><table><tr><th>医生</th><th>出诊时间</th></tr>
<tr><td>张医生（全科）</td><td>周一 上午 08:30-12:00</td></tr>
<tr><td>李医生（儿科）</td><td>周三 下午 14:00-17:30</td></tr></table></section>
<section><h2>问诊咨询回复时限</h2><p>图文问诊：医生将在 24 小时内回复。</p></section>
<section><h2>收费标准</h2><p>图文问诊诊查费 30 元/次；视频问诊 50 元/次。</p></section>
</body></html>
"""


def write(folder: Path, hospital: str, with_licence: bool) -> None:
    """The page in a host's /ihc folder (`folder`), for `start_lines` to publish."""
    (folder / "patient").mkdir(parents=True, exist_ok=True)
    (folder / "patient" / "licence.html").write_text(page_html(hospital, with_licence), encoding="utf-8")


def start_lines() -> list[str]:
    """Shell lines of the host's start script that publish the page before nginx starts."""
    return ["# --- patient-facing page (亮证经营) ---", f"mkdir -p {STATIC_ROOT}/patient",
            f"cp /ihc/patient/licence.html {STATIC_ROOT}/patient/licence.html"]


def resolver_lines(address: str) -> list[str]:
    """Shell lines that point the host's resolver at `address` (the dns_abroad fault)."""
    return ["# --- resolver placed abroad (dns_abroad) ---", f"printf 'nameserver {address}\\n' > /etc/resolv.conf"]
