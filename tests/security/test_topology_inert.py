"""The inline topology SVG carries host data as text only: no link, script or handler reaches the report."""

from __future__ import annotations

import shutil
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from reports.topology import dot_source, inert_svg, render_svg

MARKUP = ['<table href="javascript:alert(1)"><tr><td href="javascript:alert(2)">y</td></tr></table>',
          '<font href="javascript:alert(3)">y</font>', "x</font></td></tr></table>>, URL=\"javascript:alert(4)\"",
          '"; URL="javascript:alert(5)', "<img src=x onerror=alert(6)>", "]]><script>alert(7)</script>"]


def _facts(evil: str) -> dict[str, Any]:
    return {"hosts": [{"name": evil, "address": evil, "identity": {"os": evil}, "declared": {"datacenter": evil},
                       "services": {"services": [{"role": evil, "label": evil}]},
                       "power": {"ups": [{"name": evil, "status": [evil]}]},
                       "uplinks": {"uplinks": [{"interface": evil, "gateways": [evil], "addresses": [evil],
                                                "egress": {"address": evil, "identity": {"isp": evil, "asn": None,
                                                                                         "country": evil}}}]},
                       "av": {"systems": [{"source": "declared", "name": evil, "address": evil}]}},
                      {"name": "h2", "address": "10.0.0.2",
                       "egress": {"paths": [{"address": evil, "identity": {"as_org": evil, "asn": 64500}}]}}]}


def _active(svg: str) -> list[str]:
    found = []
    for element in ET.fromstring(svg).iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("a", "script", "foreignObject", "use", "image"):
            found.append(tag)
        for key, value in element.attrib.items():
            local = key.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or local in ("href", "src") or "javascript:" in value.lower():
                found.append(f"{local}={value}")
    return found


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
@pytest.mark.parametrize("evil", MARKUP)
def test_markup_in_any_host_field_reaches_the_svg_as_text_only(evil: str) -> None:
    svg = render_svg(dot_source(_facts(evil), title=evil))
    assert svg is not None
    assert _active(svg) == []


def test_inert_svg_unwraps_links_and_drops_scripts_and_handlers() -> None:
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="x()">'
           '<g><a xlink:href="javascript:alert(1)"><text>kept</text></a><script>alert(2)</script>'
           '<text onclick="y()" style="fill:red">t</text></g></svg>')
    out = inert_svg(svg)
    assert _active(out) == [] and "kept" in out and "alert" not in out and 'style="fill:red"' in out
