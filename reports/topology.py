"""The deployment topology diagram (系统部署拓扑图), drawn from what was observed, not from what was declared.

The notice asks for a topology diagram (二(二)3); hospitals usually draw theirs by hand. This
one is generated from the bundle's facts, so a reviewer can hold the two side by side: hosts
grouped by declared data centre, each with the roles its running services give it (database,
application, audio/video), its power readings, its uplinks out to the providers (ISPs) their
egress addresses belong to, and the links between hosts: an established TCP connection from one
host to a service another host listens on (an application server's pool to its database) is an
arrow labelled with that service. Fact families that a bundle lacks are simply not drawn, so
older bundles and partial runs still render.

Graphviz `dot` renders the SVG (Debian package graphviz); one process per diagram.
"""

from __future__ import annotations

import contextlib
import html
import re
import shutil
import subprocess
from typing import Any

ROLE_STYLE = {
    "database": ("数据库 database", "#1f5fa8"),
    "application": ("应用 application", "#2e7d32"),
    "av": ("音视频 A/V", "#c25e00"),
}


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _id(*parts: object) -> str:
    return '"' + "::".join(str(p) for p in parts).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _roles(host: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(role, service label, colour) for every recognised service on the host."""
    services = (host.get("services") or {}).get("services") or []
    out = []
    for s in services:
        label, colour = ROLE_STYLE.get(s.get("role", ""), (s.get("role", "?"), "#555555"))
        out.append((label, s.get("label") or s.get("engine", "?"), colour))
    return out


def _power_lines(host: dict[str, Any]) -> list[str]:
    power = host.get("power")
    if not power:
        return []
    lines = []
    psus = power.get("psus") or []
    if psus:
        healthy = sum(1 for p in psus if p.get("healthy"))
        lines.append(f"电源 PSU {healthy}/{len(psus)} healthy")
    for ups in power.get("ups") or []:
        lines.append(f"UPS {ups.get('name', '?')}: {' '.join(ups.get('status') or ()) or '?'}")
    if power.get("attestation"):
        lines.append("电源证明 power attestation (attested)")
    return lines


def _provider(identity: dict[str, Any] | None) -> tuple[str, str] | None:
    """A stable key and a label for the provider an egress address belongs to."""
    if not identity:
        return None
    if identity.get("private"):
        return None
    name = identity.get("isp") or identity.get("as_org")
    asn = identity.get("asn")
    key = f"asn:{asn}" if asn is not None else f"name:{name}" if name else None
    if key is None:
        return None
    place = ", ".join(str(p) for p in (identity.get("country"), identity.get("region")) if p)
    label = _e(f"{name or 'AS' + str(asn)}" + (f" (AS{asn})" if asn is not None and name else ""))
    label += f"<br/><font point-size='9'>{_e(place)}</font>" if place else ""
    if identity.get("simulated"):
        label += "<br/><font point-size='9'>simulated identity</font>"
    return key, label


def _links(hosts: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(client, server, label) for the connections between hosts (probes.facts.host_links). A host record
    this version cannot read (an older bundle's) is drawn without links rather than not at all."""
    from pydantic import ValidationError

    from probes.facts import HostFacts
    from probes.facts.links import host_links

    typed = []
    for host in hosts:
        with contextlib.suppress(ValidationError):
            typed.append(HostFacts.model_validate(host))
    labels = set()
    for link in host_links(typed):
        conn = link.connection
        service = f"{link.service.label} :{conn.peer_port}" if link.service else f":{conn.peer_port}"
        labels.add((link.client.name, link.server.name, f"{service} ({conn.process or '?'} ×{conn.count})"))
    return sorted(labels)


def dot_source(facts: dict[str, Any], title: str = "") -> str:
    hosts: list[dict[str, Any]] = list(facts.get("hosts") or [])
    lines = [
        "digraph topology {",
        '  graph [rankdir=LR, fontname="Noto Sans CJK SC", fontsize=11, bgcolor="white", pad=0.3, nodesep=0.35,'
        ' ranksep=0.9, compound=true];',
        '  node [fontname="Noto Sans CJK SC", fontsize=10, shape=plain];',
        '  edge [fontname="Noto Sans CJK SC", fontsize=9, color="#555555"];',
    ]
    if title:
        lines.append(f'  labelloc=t; label=<<b>{_e(title)}</b>>;')
    by_dc: dict[str, list[dict[str, Any]]] = {}
    for host in hosts:
        dc = (host.get("declared") or {}).get("datacenter") or ""
        by_dc.setdefault(dc, []).append(host)
    providers: dict[str, str] = {}
    edges: list[str] = []
    av_external: list[dict[str, Any]] = []
    for n, (dc, members) in enumerate(sorted(by_dc.items())):
        name = f"机房 data centre {dc} (declared)" if dc else "主机 hosts (data centre not declared)"
        lines.append(f"  subgraph cluster_dc{n} {{")
        lines.append(f'    label=<{_e(name)}>; style="rounded,dashed"; color="#888888"; fontsize=10;')
        for host in members:
            hid = _id("host", host["name"])
            rows = [f"<tr><td align='left'><b>{_e(host['name'])}</b></td></tr>",
                    f"<tr><td align='left'><font point-size='9'>{_e(host.get('address', ''))}</font></td></tr>"]
            ident = host.get("identity") or {}
            if ident.get("os"):
                rows.append(f"<tr><td align='left'><font point-size='9'>{_e(ident['os'])}</font></td></tr>")
            for role, label, colour in _roles(host):
                rows.append(f"<tr><td align='left' bgcolor='{colour}'><font color='white' point-size='9'>"
                            f"{_e(role)}: {_e(label)}</font></td></tr>")
            for line in _power_lines(host):
                rows.append(f"<tr><td align='left'><font point-size='9'>{_e(line)}</font></td></tr>")
            if not host.get("reachable", True):
                rows.append("<tr><td align='left'><font color='#b00020' point-size='9'>不可达 unreachable: "
                            f"{_e((host.get('unreachable_reason') or '')[:60])}</font></td></tr>")
            border = "#b00020" if not host.get("reachable", True) else "#333333"
            lines.append(f"    {hid} [label=<<table border='1' cellborder='0' cellspacing='0' cellpadding='3' "
                         f"color='{border}'>{''.join(rows)}</table>>];")
            for uplink in ((host.get("uplinks") or {}).get("uplinks") or []):
                uid = _id("uplink", host["name"], uplink.get("interface"))
                gws = ", ".join(uplink.get("gateways") or ()) or "?"
                addr = ", ".join(uplink.get("addresses") or ())
                lines.append(f"    {uid} [shape=box, style=rounded, fontsize=9, label=<{_e(uplink.get('interface'))}"
                             f"<br/>gw {_e(gws)}{'<br/>' + _e(addr) if addr else ''}>];")
                edges.append(f"  {hid} -> {uid} [arrowhead=none];")
                egress = uplink.get("egress") or {}
                prov = _provider(egress.get("identity"))
                speed = []
                for direction in ("upload", "download"):
                    t = uplink.get(direction) or {}
                    if t.get("mbps") is not None:
                        speed.append(f"{'↑' if direction == 'upload' else '↓'}{t['mbps']:.1f} Mbps")
                label = " ".join([egress.get("address") or "", *speed]).strip()
                if prov:
                    providers[prov[0]] = prov[1]
                    edges.append(f"  {uid} -> {_id('isp', prov[0])} [label=<{_e(label)}>];")
            if not (host.get("uplinks") or {}).get("uplinks"):
                for path in ((host.get("egress") or {}).get("paths") or []):
                    prov = _provider(path.get("identity"))
                    if prov:
                        providers[prov[0]] = prov[1]
                        edges.append(f"  {hid} -> {_id('isp', prov[0])} [label=<{_e(path.get('address') or '')}>];")
            for system in ((host.get("av") or {}).get("systems") or []):
                if system.get("source") == "declared":
                    av_external.append(system)
        lines.append("  }")
    if providers:
        lines.append('  subgraph cluster_isps { label=<宽带网络供应商 network providers (observed egress)>; '
                     'style="rounded"; color="#6a1b9a"; fontsize=10;')
        for key, label in sorted(providers.items()):
            lines.append(f"    {_id('isp', key)} [shape=box, style=\"rounded,filled\", fillcolor=\"#f3e5f5\", "
                         f"label=<{label}>];")
        lines.append("  }")
        lines.append('  internet [shape=ellipse, label=<互联网 Internet>];')
        edges += [f"  {_id('isp', key)} -> internet [arrowhead=none];" for key in sorted(providers)]
    if av_external:
        lines.append('  subgraph cluster_av { label=<音视频系统 A/V systems (declared endpoints)>; style="rounded";'
                     ' color="#c25e00"; fontsize=10;')
        seen = set()
        for system in av_external:
            key = system.get("name", "?")
            if key in seen:
                continue
            seen.add(key)
            probed = [h.get("outcome") for h in system.get("handshakes") or ()]
            state = ", ".join(str(p) for p in probed) or (system.get("not_attempted") or "not probed")
            lines.append(f"    {_id('av', key)} [shape=box, style=rounded, label=<{_e(key)}<br/>"
                         f"<font point-size='9'>{_e(system.get('address') or '')} {_e(state)}</font>>];")
        lines.append("  }")
    for client, server, label in _links(hosts):
        edges.append(f"  {_id('host', client)} -> {_id('host', server)} [color=\"#1f5fa8\", fontcolor=\"#1f5fa8\", "
                     f"label=<{_e(label)}>];")
    lines += edges
    lines.append("}")
    return "\n".join(lines) + "\n"


_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
_ACTIVE = {f"{{{_SVG}}}{t}" for t in ("script", "foreignObject", "a", "use", "image", "iframe", "animate", "set",
                                      "handler", "listener")}


def inert_svg(svg: str) -> str:
    """The SVG with nothing in it that acts: no links, scripts, foreign objects, event handlers or external
    references, whatever a label held. The diagram never links anywhere, so a `<a>` can only have come from
    host data reaching Graphviz as markup (an HTML label's `href`): its children are kept, the link goes."""
    from xml.etree import ElementTree as ET

    start = svg.find("<svg")
    body = svg[start:] if start != -1 else svg
    ET.register_namespace("", _SVG)
    ET.register_namespace("xlink", _XLINK)
    root = ET.fromstring(body)  # dot's own output: no DTD, one document

    def clean(element: ET.Element) -> None:
        for child in list(element):
            if child.tag in _ACTIVE:
                position = list(element).index(child)
                element.remove(child)
                if child.tag == f"{{{_SVG}}}a":  # keep what the link wrapped, without the link
                    for offset, grandchild in enumerate(list(child)):
                        element.insert(position + offset, grandchild)
                    clean(element)
                    return
            else:
                clean(child)
        for key in list(element.attrib):
            local = key.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or local in ("href", "src") or "javascript:" in element.attrib[key].lower():
                del element.attrib[key]

    clean(root)
    return ET.tostring(root, encoding="unicode")


def render_svg(dot: str) -> str | None:
    """The diagram as SVG text, or None when Graphviz is not installed."""
    exe = shutil.which("dot")
    if exe is None:
        return None
    done = subprocess.run([exe, "-Tsvg"], input=dot.encode("utf-8"), capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.decode('utf-8', 'replace').strip()[:300]}")
    svg = done.stdout.decode("utf-8")
    svg = svg[svg.find("<svg"):] if "<svg" in svg else svg
    # scale to the page (the viewBox keeps the proportions) instead of overflowing it
    svg = re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg width="100%" style="max-height: 1400px"', svg, count=1)
    return inert_svg(svg)
