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
