"""GD2020-2.3-platform-access over the platform feed's recorded facts, its environments declared apart (the
simulator's compliant recording carries both live). `python -m tests.rules.test_gd2020_access` writes the examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checker.catalogue.gd2020_access import RULE_ID, RULES
from checker.catalogue.gd2020_exchange import PLATFORM_ID
from checker.engine import evaluate
from checker.model import Finding, Verdict
from probes.facts import DeploymentFacts
from probes.facts.materials import DocumentFacts, DocumentFile

DATA = Path(__file__).resolve().parents[1] / "data"
EXAMPLES = DATA / "facts"
CERTIFICATE = DocumentFile(file="data-access-certificate.pdf", items=("data-access-certificate",),
                           issued="2026-10-01", size=1024, sha256="f" * 64)


def documents(*files: DocumentFile) -> DocumentFacts:
    return DocumentFacts(directory="materials", index_sha256="0" * 64, third_party=False, documents=files)


def environments(test_outcome: str | None = "ok", test_port: int | None = None, *,
                 docs: DocumentFacts | None = None) -> DeploymentFacts:
    """The recorded feed, its platform declared as production and a test environment beside it: observed with
    `test_outcome` (None: declared, not tried), on its own port unless `test_port` says otherwise."""
    facts = DeploymentFacts.model_validate_json((EXAMPLES / PLATFORM_ID / "pass.json").read_text("utf-8"))
    host = next(h for h in facts.hosts if h.exchange is not None and h.exchange.named("platform"))
    assert host.exchange is not None
    production = next(e for e in host.declared.exchange if e.name == "platform")
    production = production.model_copy(update={"environment": "production"})
    port = (production.port or 443) + 1 if test_port is None else test_port
    test = production.model_copy(update={"name": "platform-test", "environment": "test", "push_log": None,
                                         "port": port})
    kept = [production if e.name == "platform" else e for e in host.declared.exchange]
    declared = host.declared.model_copy(update={"exchange": (*kept, test)})
    observed = host.exchange.named("platform")
    assert observed is not None
    exchanges: list[Any] = [o.model_copy(update={"endpoint": production}) if o is observed else o
                            for o in host.exchange.exchanges]
    if test_outcome is not None:
        target = observed.result.target if test_port is not None else f"{observed.result.target}-test"
        result = observed.result.model_copy(update={"outcome": test_outcome, "target": target})
        exchanges.append(observed.model_copy(update={"endpoint": test, "results": (result,)}))
    changed = host.model_copy(update={"declared": declared, "exchange": host.exchange.model_copy(
        update={"exchanges": tuple(exchanges)})})
    return facts.model_copy(update={"hosts": tuple(changed if h is host else h for h in facts.hosts),
                                    "documents": documents(CERTIFICATE) if docs is None else docs})


def one(facts: DeploymentFacts) -> Finding:
    [finding] = evaluate(facts, RULES)
    return finding


def test_both_environments_exchanged_with_and_the_certificate_held_pass() -> None:
    finding = one(environments())
    assert finding.verdict is Verdict.PASS
    assert "test environment" in finding.reason and "attested" in finding.reason


def test_a_failing_test_environment_or_no_certificate_fails() -> None:
    assert one(environments("refused")).verdict is Verdict.FAIL
    finding = one(environments(docs=documents()))
    assert finding.verdict is Verdict.FAIL and "no 数据接入证明" in finding.reason


def test_environments_not_declared_apart_or_not_tried_are_inconclusive() -> None:
    recorded = DeploymentFacts.model_validate_json((EXAMPLES / PLATFORM_ID / "pass.json").read_text("utf-8"))
    finding = one(recorded.model_copy(update={"documents": documents(CERTIFICATE)}))
    assert finding.verdict is Verdict.INCONCLUSIVE and "not declared apart" in finding.reason
    assert one(environments(None)).verdict is Verdict.INCONCLUSIVE
    same = one(environments(test_port=0))
    assert same.verdict is Verdict.INCONCLUSIVE and "the same endpoint" in same.reason


def test_a_test_environment_is_not_the_feed() -> None:
    """The platform feed judges production only: a test environment without a push log does not blind it."""
    from checker.catalogue.gd2020_exchange import PLATFORM_FEED

    [feed] = evaluate(environments(), [PLATFORM_FEED])
    assert feed.verdict is Verdict.PASS


if __name__ == "__main__":
    cases = {"pass": ("recorded feed, constructed: a test environment exchanged with beside production, the "
                      "certificate in the folder", environments()),
             "fail": ("as pass, the test environment refusing", environments("refused")),
             "inconclusive": ("recorded feed: one platform endpoint, no environments declared",
                              DeploymentFacts.model_validate_json((EXAMPLES / PLATFORM_ID / "pass.json")
                                                                  .read_text("utf-8")).model_copy(
                                  update={"documents": documents(CERTIFICATE)}))}
    (EXAMPLES / RULE_ID).mkdir(exist_ok=True)
    for verdict, (origin, facts) in cases.items():
        data = facts.model_copy(update={"inventory": origin}).model_dump(mode="json")
        (EXAMPLES / RULE_ID / f"{verdict}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                                                            encoding="utf-8")
