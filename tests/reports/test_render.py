"""Reports rendered from a bundle: HTML in a real browser, the topology, PDF, and real consumers of JUnit and SARIF."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reports.load import BundleInvalid, load_bundle
from reports.render import Format, excerpt, render
from reports.topology import dot_source, render_svg
from tests.reports.conftest import ROOT

SCHEMA = ROOT / "reports" / "schemas" / "sarif-schema-2.1.0.json"
SCREENSHOT = ROOT / "out" / "report-screenshot.png"
HOSTS = ("app1", "db1", "av1")


def test_topology_is_drawn_from_observed_facts(rich_bundle: Path) -> None:
    bundle = load_bundle(rich_bundle)
    dot = dot_source(bundle.facts)
    svg = render_svg(dot)
    assert svg is not None and svg.startswith("<svg")
    svg = html.unescape(svg)
    for name in (*HOSTS, "广州机房A", "深圳机房B", "China Telecom", "China Unicom", "AS4134", "AS4837",
                 "203.0.113.7", "PostgreSQL", "nginx", "PSU 2/2 healthy", "PostgreSQL :5432 (python3 ×2)"):
        assert name in svg, name


def test_topology_degrades_without_optional_fact_families() -> None:
    """An older bundle (no uplinks, power or A/V families) still draws its hosts; declared A/V endpoints show."""
    facts = {"hosts": [{"name": "old1", "address": "192.0.2.1", "reachable": True},
                       {"name": "gone", "address": "192.0.2.2", "reachable": False, "unreachable_reason": "timeout"},
                       {"name": "av2", "address": "192.0.2.3", "reachable": True,
                        "av": {"systems": [{"name": "vendor-rtc", "source": "declared", "address": "192.0.2.50",
                                            "handshakes": [{"outcome": "alive"}]}]}}]}
    dot = dot_source(facts)
    assert "internet" not in dot  # no provider observed: no made-up internet edge
    svg = render_svg(dot)
    assert svg is not None
    text = html.unescape(svg)
    for name in ("old1", "gone", "unreachable", "vendor-rtc", "alive"):
        assert name in text, name


def test_html_report_renders_in_chromium(rich_bundle: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    html = render(load_bundle(rich_bundle), Format.html).decode()
    for name in HOSTS:
        assert re.search(rf"<svg[\s\S]*>{name}<[\s\S]*</svg>", html), name
    assert "用于互联网医院运行的服务器不少于2套" in html  # the clause as issued
    # a regulator reads the rule's title in Chinese first, the English beside it (summary and finding heading)
    zh, en = "数据库存储服务器与应用系统服务器相互划分", "Database servers are separate from application servers"
    assert len(re.findall(rf"{zh}[^<]*</span><br><span[^>]*>{en}", html)) == 1
    assert len(re.findall(rf"{zh} <small>{en}</small></h3>", html)) == 1
    assert "已豁免 waived" in html and "OPS-7" in html
    assert "ss -Htlnp" in html and "0.0.0.0:5432" in html  # the excerpt behind a finding
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={SCREENSHOT}",
                           "--window-size=1280,2400", page.as_uri()], capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    png = SCREENSHOT.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 50_000  # a rendered page, not a blank one


def test_pdf_report_has_the_chinese_text_and_the_diagram(rich_bundle: Path, tmp_path: Path) -> None:
    if not (shutil.which("pdftotext") and shutil.which("pdffonts")):
        pytest.skip("poppler-utils (pdftotext, pdffonts) is not installed")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render(load_bundle(rich_bundle), Format.pdf))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "基础设施合规检查报告" in text and "系统部署拓扑图" in text
    flat = text.replace(" ", "").replace("\n", "")
    assert "用于互联网医院运行的服务器不少于2套" in flat
    zh = flat.index("数据库存储服务器与应用系统服务器相互划分")  # the rule's title, Chinese first
    assert zh < flat.index("Databaseserversareseparatefromapplicationservers", zh)
    for name in (*HOSTS, "China Telecom"):  # the topology SVG is drawn as text in the PDF
        assert name in text, name
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Noto-?Sans-?(Mono-)?CJK", fonts), fonts  # Chinese glyphs embedded, not tofu


def test_json_report_is_the_result_schema(rich_bundle: Path) -> None:
    data = json.loads(render(load_bundle(rich_bundle), Format.json))
    assert data["schema"] == "ihcheck.result/1" and data["bundle"]["verified"] is True
    assert {o["id"] for o in data["observations"]} >= {o for f in data["findings"] for o in f["observations"]}


def test_reports_refuse_a_bundle_that_does_not_verify(rich_bundle: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(rich_bundle, copy)
    (copy / "facts.json").write_text("{}")
    with pytest.raises(BundleInvalid, match=r"facts\.json"):
        load_bundle(copy)


def test_excerpt_keeps_the_lines_that_matter() -> None:
    out = "\n".join([f"noise {i}" for i in range(50)] + ["LISTEN 0 511 0.0.0.0:5432 users:((\"postgres\",pid=9))"])
    lines, more = excerpt(out, {"0.0.0.0:5432", "postgres"})
    assert lines == ["LISTEN 0 511 0.0.0.0:5432 users:((\"postgres\",pid=9))"] and more == 50


def test_excerpt_is_limited_in_characters_too() -> None:
    blob = "x" * 5000
    lines, more = excerpt("\n".join([blob] * 30), set())
    assert all(len(line) <= 160 for line in lines) and lines[0].endswith("…")
    assert sum(map(len, lines)) <= 1600 and more == 30 - len(lines)


def test_html_times_are_local_and_the_more_marker_stands_alone(rich_bundle: Path) -> None:
    from reports.render import render_html

    page = render_html(load_bundle(rich_bundle))
    checked = re.search(r"检查时间 Checked</td><td>([^<]*)</td>", page)
    assert checked is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00 — \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00",
                        checked.group(1).strip()), checked.group(1)
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", page)  # no microseconds anywhere a person reads
    for pre in re.findall(r"<pre>(.*?)</pre>", page, flags=re.S):
        assert "more line(s)" not in pre  # the marker is its own line, outside the quoted output


def test_pdf_has_no_blank_page_and_the_topology_on_its_own_landscape_page(rich_bundle: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render(load_bundle(rich_bundle), Format.pdf))
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                                                             check=True).stdout).group(1))  # type: ignore[union-attr]
    landscape = []
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert len("".join(text.split())) > 20, f"page {page} is (nearly) blank"
        size = subprocess.run(["pdfinfo", "-f", str(page), "-l", str(page), str(pdf)], capture_output=True,
                              text=True, check=True).stdout
        width, height = map(float, re.search(r"size:\s+([\d.]+) x ([\d.]+)", size).groups())  # type: ignore[union-attr]
        if width > height:
            landscape.append(text)
    assert len(landscape) == 1 and "系统部署拓扑图" in landscape[0] and "app1" in landscape[0]


def _finding(rule: str, host: str, verdict: str, reason: str, attested: bool = False) -> dict[str, object]:
    evidence = [{"host": host, "statement": "a document", "basis": "attested", "observations": []}] if attested else []
    return {"rule_id": rule, "rule": {"id": rule}, "verdict": verdict, "hosts": [host], "reason": f"{host}: {reason}",
            "reason_zh": f"{host}：{reason}（中文）", "evidence": evidence}


def test_the_overview_has_a_row_per_rule_quoting_what_set_its_verdict() -> None:
    from reports.render import overview

    hosts = ["app1", "db1", "av1", "av2", "av3"]
    passing = [_finding("A", h, "pass", "ok", attested=h == "db1") for h in hosts]
    failing = [_finding("B", h, "fail" if h != "app1" else "pass", f"bad {h}") for h in hosts]
    single = [_finding("C", "app1", "inconclusive", "cannot see")]
    rows = {r["rule_id"]: r for r in overview(passing + failing + single)}
    assert list(rows) == ["A", "B", "C"]
    assert rows["A"]["verdict"] == "pass" and rows["A"]["anchor"] == 1 and rows["A"]["more"] == 0
    assert rows["A"]["reasons"] == [("5 项均符合，其中 1 项经文件证明（非观测）", "all 5 pass, 1 of them attested (not observed)")]
    assert rows["A"]["hosts"] == [(h, "pass") for h in hosts]
    # the four failing hosts set B's verdict: three are quoted, the fourth is counted, the passing one is neither
    assert rows["B"]["verdict"] == "fail" and rows["B"]["anchor"] == 6
    assert [en for _, en in rows["B"]["reasons"]] == ["db1: bad db1", "av1: bad av1", "av2: bad av2"]
    assert rows["B"]["more"] == 1
    assert rows["C"]["reasons"] == [("app1：cannot see（中文）", "app1: cannot see")] and rows["C"]["hosts"] == [("app1", "inconclusive")]
