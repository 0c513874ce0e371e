"""Page text quoted in a finding is data: the HTML report and the terminal show it as text, never as markup."""

from __future__ import annotations

from pathlib import Path

from checker.catalogue import CATALOGUE
from checker.engine import evaluate
from probes.facts.public_pages import FetchedPage, PublicPage, PublicPageFacts
from reports.bundle import write_bundle
from reports.keys import SigningKeys
from reports.load import load_bundle
from reports.render import Format, render
from reports.result import CheckResult
from tests.factories import WHEN
from tests.reports.conftest import make_result

HOSTILE = "<i x>"  # beside the licence number, so the excerpt quotes it
TEXT = (f"医疗机构执业许可证 {HOSTILE}PDY-77\n出诊排班 周一 08:30\n医生 24 小时内回复\n诊查费 30 元")


def test_page_text_in_a_finding_is_escaped_in_the_html_report(tmp_path: Path) -> None:
    result, inventory = make_result(tmp_path)
    facts = result.facts
    assert facts.documents is not None
    numbered = tuple(d.model_copy(update={"number": "PDY-77"}) if "practice-licence" in d.items else d
                     for d in facts.documents.documents)  # the example index states no number: as if it did
    documents = facts.documents.model_copy(update={"documents": numbered})
    page = FetchedPage(page=PublicPage(url="https://ih.example.cn/licence"), status=200, size=len(TEXT),
                       sha256="3" * 64, sm3="4" * 64, tls_verified=True, text=TEXT, text_from="body")
    facts = facts.model_copy(update={"documents": documents, "public_pages": PublicPageFacts(pages=(page,))})
    findings = evaluate(facts, CATALOGUE)
    [finding] = [f for f in findings if f.rule_id == "GD2020-4.2-public-page"]
    assert finding.verdict.value == "pass" and HOSTILE in finding.reason  # quoted as it came, in the data
    checked = CheckResult.build(rules=CATALOGUE, facts=facts, findings=findings, observations=result.observations,
                                started_at=WHEN, finished_at=result.finished_at)
    bundle = write_bundle(checked, inventory, tmp_path / "bundle", keys=SigningKeys.generate()).directory
    html = render(load_bundle(bundle), Format.html).decode()
    assert HOSTILE not in html and "&lt;i x&gt;PDY-77" in html


def test_the_bundle_carries_each_screenshot_as_the_png_its_digests_name(tmp_path: Path) -> None:
    import functools
    import hashlib
    import shutil
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    import pytest

    from probes import public_pages
    from probes.facts.declared import Declarations
    from probes.inventory import InventoryHost
    from probes.observation import ObservationLog
    from probes.transport import Session, open_transport
    from reports.bundle import screenshot_path
    from reports.verify import verify_bundle

    if shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed")
    pages = Path(__file__).resolve().parents[1] / "data" / "public_pages"
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SimpleHTTPRequestHandler, directory=str(pages)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/licence.html"
        app1 = InventoryHost(name="app1", address="192.0.2.4", connection="local",
                             declared=Declarations(public_pages=(PublicPage(url=url),)))
        log = ObservationLog()
        for _ in range(3):  # app1#1..3 are the factories' observations already in the result: number on from 4
            log.record(host="app1", transport="local", command="true", exit_status=0, stdout="", stderr="",
                       started_at=WHEN)
        session = Session(host=app1, transport=open_transport(app1), log=log)
        fetched = public_pages.collect(session)
    finally:
        server.shutdown()
    result, inventory = make_result(tmp_path)
    facts = result.facts.model_copy(update={"public_pages": fetched})
    checked = CheckResult.build(rules=CATALOGUE, facts=facts, findings=evaluate(facts, CATALOGUE),
                                observations=[*result.observations, *session.observations], started_at=WHEN,
                                finished_at=result.finished_at)
    bundle = write_bundle(checked, inventory, tmp_path / "bundle", keys=SigningKeys.generate())
    page = fetched.pages[0]
    assert page.screenshot_observation is not None
    rel = screenshot_path(page.screenshot_observation)
    png = (bundle.directory / rel).read_bytes()
    assert png.startswith(b"\x89PNG") and hashlib.sha256(png).hexdigest() == page.screenshot_sha256
    assert bundle.manifest["files"][rel]["sm3"] == page.screenshot_sm3
    verified = verify_bundle(bundle.directory)
    assert verified.ok, verified.problems
