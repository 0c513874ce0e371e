"""Write the example facts of the 亮证经营 and offshore-dependency rules from real probe runs on this machine: the
public-page probe fetching the fixture pages (tests/data/public_pages) from Python's http.server on loopback, and
the dependencies probe reading this machine's resolv.conf and socket table with declared endpoints placed offline.
Each example says in `inventory` how it was made. Run once from the repository root (existing files are kept):

    PYTHONPATH=. .venv/bin/python tests/data/facts/make_page_and_offshore_examples.py
"""

from __future__ import annotations

import functools
import threading
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from probes import dependencies, public_pages
from probes.facts import DeploymentFacts, HostFacts
from probes.facts.declared import Declarations
from probes.facts.materials import DocumentFacts, DocumentFile
from probes.facts.public_pages import PublicPage
from tests.probes.conftest import local_session

HERE = Path(__file__).resolve().parent
PAGES = HERE.parent / "public_pages"
NUMBER = "PDY60105944010011A1001"
DOCUMENTS = DocumentFacts(directory="/materials", index_sha256="0" * 64, third_party=False, documents=(
    DocumentFile(file="practice-licence.pdf", items=("practice-licence",), number=NUMBER, size=1, sha256="1" * 64,
                 sm3="2" * 64),))


def write(rule: str, verdict: str, facts: DeploymentFacts) -> None:
    path = HERE / rule / f"{verdict}.json"
    if path.exists():
        return
    path.parent.mkdir(exist_ok=True)
    path.write_text(facts.model_dump_json(indent=1) + "\n", encoding="utf-8")


def pages(base: str) -> None:
    def deployment(how: str, *declared: PublicPage) -> DeploymentFacts:
        fetched = public_pages.collect(local_session(Declarations(public_pages=declared)))
        host = HostFacts(name="app1", address="127.0.0.1", reachable=True)
        return DeploymentFacts(inventory=f"constructed: {how}", collected_at=datetime.now(UTC), hosts=(host,),
                               documents=DOCUMENTS, public_pages=fetched)

    rule = "GD2020-4.2-public-page"
    write(rule, "pass", deployment("licence.html and the script-rendered rendered.html fetched from http.server on "
                                   "loopback", PublicPage(url=f"{base}/licence.html"),
                                   PublicPage(url=f"{base}/rendered.html", rendering="script")))
    write(rule, "fail", deployment("no-licence.html (licence number only inside a script) fetched from http.server "
                                   "on loopback", PublicPage(url=f"{base}/no-licence.html")))
    write(rule, "inconclusive", deployment("no-licence.html plus a page that answers 404, fetched from http.server "
                                           "on loopback", PublicPage(url=f"{base}/no-licence.html"),
                                           PublicPage(url=f"{base}/missing.html")))


def offshore() -> None:
    declared = Declarations.model_validate({
        "av_endpoints": [{"name": "vendor-rtc", "kind": "turn", "address": "203.198.7.66", "port": 3478},
                         {"name": "vendor-sip", "kind": "sip", "address": "2001:db9::1", "port": 5060}],
        "exchange": [{"name": "platform", "system": "platform", "protocol": "https", "address": "223.5.5.5",
                      "port": 443}]})
    gathered = dependencies.collect(local_session(declared))
    # this machine's own socket table is not an example's business: keep the declared and configured sources
    kept = [d for d in gathered.dependencies if d.kind != "outbound"]

    def deployment(how: str, names: set[str]) -> DeploymentFacts:
        facts = gathered.model_copy(update={"dependencies": tuple(
            d for d in kept if d.name in names or d.kind == "dns")})
        host = HostFacts(name="app1", address="127.0.0.1", reachable=True, dependencies=facts)
        return DeploymentFacts(inventory=f"dependencies probe on the test machine, outbound rows left out; {how}",
                               collected_at=datetime.now(UTC), hosts=(host,))

    rule = "GD2020-1.2.3-offshore"
    write(rule, "pass", deployment("the platform (223.5.5.5, CN) and the private nameserver", {"platform (platform, "
                                                                                                "https)"}))
    write(rule, "fail", deployment("an A/V vendor endpoint at 203.198.7.66 (HK)", {"vendor-rtc"}))
    write(rule, "inconclusive", deployment("an A/V endpoint at 2001:db9::1, which the data places nowhere",
                                           {"vendor-sip"}))


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SimpleHTTPRequestHandler, directory=str(PAGES)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        pages(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
    offshore()


if __name__ == "__main__":
    main()
