"""The public-page probe against a real HTTP server on loopback (Python's http.server serving fixture pages, one of
them built by a script), and the 亮证经营 rule over what it fetched: pass, fail and inconclusive from real fetches."""

from __future__ import annotations

import base64
import functools
import hashlib
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from checker.catalogue.gd2020_public_page import RULE_ID, judge_public_page
from checker.model import Verdict
from probes import public_pages
from probes.facts import DeploymentFacts, HostFacts
from probes.facts.declared import Declarations
from probes.facts.materials import DocumentFacts, DocumentFile
from probes.facts.public_pages import PublicPage
from tests.probes.conftest import local_session

PAGES = Path(__file__).resolve().parents[1] / "data" / "public_pages"
NUMBER = "PDY60105944010011A1001"
needs_chromium = pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(PAGES)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def fetch(*pages: PublicPage) -> DeploymentFacts:
    session = local_session(Declarations(public_pages=pages))
    facts = public_pages.collect(session)
    documents = DocumentFacts(directory="/materials", index_sha256="0" * 64, third_party=False, documents=(
        DocumentFile(file="licence.pdf", items=("practice-licence",), number=NUMBER, size=1, sha256="1" * 64,
                     sm3="2" * 64),))
    host = HostFacts(name="local", address="127.0.0.1", reachable=True)
    return DeploymentFacts(inventory="test", collected_at=datetime.now(UTC), hosts=(host,), documents=documents,
                           public_pages=facts)


@needs_chromium
def test_static_page_passes_with_digests_excerpts_and_a_screenshot(site: str) -> None:
    facts = fetch(PublicPage(url=f"{site}/licence.html"))
    assert facts.public_pages is not None
    page = facts.public_pages.pages[0]
    body = (PAGES / "licence.html").read_bytes()
    assert (page.status, page.size, page.sha256) == (200, len(body), hashlib.sha256(body).hexdigest())
    assert page.sm3 == hashlib.new("sm3", body).hexdigest()
    assert "decoy" not in page.text and "<script>alert(1)</script>" in page.text  # text, never markup
    [finding] = judge_public_page(facts)
    assert finding.verdict is Verdict.PASS, finding.reason
    found = finding.details["found"]
    assert isinstance(found, dict) and set(found) == {"licence", "schedule", "reply_time_limit", "fees"}
    assert NUMBER in found["licence"]["excerpt"] and "24 小时内回复" in found["reply_time_limit"]["excerpt"]
    assert "30 元" in found["fees"]["excerpt"] and "周一" in found["schedule"]["excerpt"]
    assert all(v["url"] == f"{site}/licence.html" for v in found.values())
    # the screenshot is a PNG kept as an observation, its digests in the fact
    session_png = page.screenshot_sha256
    assert session_png is not None and page.screenshot_observation is not None


@needs_chromium
def test_the_screenshot_observation_holds_the_png_its_digest_names(site: str) -> None:
    session = local_session(Declarations(public_pages=(PublicPage(url=f"{site}/licence.html"),)))
    page = public_pages.collect(session).pages[0]
    [obs] = [o for o in session.observations if o.id == page.screenshot_observation]
    png = base64.b64decode(obs.stdout)
    assert png.startswith(b"\x89PNG") and hashlib.sha256(png).hexdigest() == page.screenshot_sha256


@needs_chromium
def test_a_page_without_the_licence_number_fails_even_with_the_number_in_a_script(site: str) -> None:
    facts = fetch(PublicPage(url=f"{site}/no-licence.html"))
    [finding] = judge_public_page(facts)
    assert finding.verdict is Verdict.FAIL, finding.reason
    assert "practice licence" in finding.reason and "《医疗机构执业许可证》" in finding.reason_zh
    assert set(finding.details["found"]) == {"schedule", "reply_time_limit", "fees"}


@needs_chromium
def test_a_script_rendered_page_is_read_from_chromiums_dom(site: str) -> None:
    static = fetch(PublicPage(url=f"{site}/rendered.html"))
    [plain] = judge_public_page(static)
    assert plain.verdict is Verdict.FAIL  # a plain GET sees only "加载中…": the hospital declared it wrongly
    facts = fetch(PublicPage(url=f"{site}/rendered.html", rendering="script"))
    assert facts.public_pages is not None and facts.public_pages.pages[0].text_from == "rendered-dom"
    [finding] = judge_public_page(facts)
    assert finding.verdict is Verdict.PASS, finding.reason
    assert "12 小时内答复" in finding.details["found"]["reply_time_limit"]["excerpt"]


def test_a_page_that_cannot_be_fetched_is_inconclusive_never_pass(site: str) -> None:
    facts = fetch(PublicPage(url=f"{site}/missing.html"), PublicPage(url="http://127.0.0.1:9/", timeout=2))
    assert facts.public_pages is not None
    errors = [p.error for p in facts.public_pages.pages]
    assert errors[0] is not None and "404" in errors[0] and errors[1] is not None and "refused" in errors[1]
    [finding] = judge_public_page(facts)
    assert finding.verdict is Verdict.INCONCLUSIVE, finding.reason
    assert "missing.html not read" in finding.reason


def test_no_declared_page_is_inconclusive() -> None:
    facts = DeploymentFacts(inventory="t", collected_at=datetime.now(UTC),
                            hosts=(HostFacts(name="a", address="10.0.0.1", reachable=True),))
    [finding] = judge_public_page(facts)
    assert (finding.rule_id, finding.verdict) == (RULE_ID, Verdict.INCONCLUSIVE)
    assert "ihcheck_public_pages" in finding.reason


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    import ssl

    from simulator import platform_ca

    ca, cert, key = platform_ca.make(tmp_path_factory.mktemp("pki"), "127.0.0.1", "valid", name="ih.hospital.test",
                                     ca_common="test hospital CA")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(PAGES)))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", str(ca)
    finally:
        server.shutdown()
        server.server_close()


@needs_chromium
def test_https_pages_are_verified_against_the_declared_ca_and_chromium_trusts_only_that_key(
        tls_site: tuple[str, str]) -> None:
    base, ca = tls_site
    facts = fetch(PublicPage(url=f"{base}/rendered.html", rendering="script", ca_file=ca))
    assert facts.public_pages is not None
    page = facts.public_pages.pages[0]
    assert page.tls_verified and page.text_from == "rendered-dom", page.error
    [finding] = judge_public_page(facts)
    assert finding.verdict is Verdict.PASS, finding.reason
    unverified = fetch(PublicPage(url=f"{base}/licence.html"))  # the system store does not know the test CA
    assert unverified.public_pages is not None
    refused = unverified.public_pages.pages[0]
    assert refused.tls_verified is False and refused.error and "not verified" in refused.error and not refused.text
    [inconclusive] = judge_public_page(unverified)
    assert inconclusive.verdict is Verdict.INCONCLUSIVE
