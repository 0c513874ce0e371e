"""The catalogue itself: ids unique and well-formed, every rule cites its clause in Chinese and English."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from checker.catalogue import CATALOGUE, catalogue_sha256
from checker.catalogue.mlps import CANNOT_FAIL
from checker.model import Rule
from probes.families import FAMILIES, NAMES, Scope, probes_for

ROOT = Path(__file__).resolve().parents[2]
ID = re.compile(r"^[A-Z]{2}\d{4}-[0-9.]+-[a-z0-9-]+$")  # document-clause-topic


def test_ids_are_unique_and_follow_the_scheme() -> None:
    ids = [r.id for r in CATALOGUE]
    assert len(ids) == len(set(ids))
    assert all(ID.match(i) for i in ids), ids


def test_every_rule_cites_original_chinese_and_english() -> None:
    for rule in CATALOGUE:
        c = rule.clause
        assert re.search(r"[\u4e00-\u9fff]", c.text_zh), rule.id
        assert len(c.text_en) > 20 and c.ref and rule.title, rule.id
        if rule.standard is not None:  # a standard's wording, quoted from sources listed in docs/standards/
            assert re.search(r"[\u4e00-\u9fff]", rule.standard.text_zh), rule.id


def test_rules_cite_the_one_copy_of_each_clause() -> None:
    """A clause's wording lives once (checker/catalogue/clauses/); a rule's citation is that copy plus its reading."""
    from checker.catalogue.clauses import CLAUSES, cite

    for rule in CATALOGUE:
        for cited in (rule.clause, rule.standard, *rule.read_with):
            if cited is None:
                continue
            ids = cited.id.split("+")
            assert all(i in CLAUSES for i in ids), (rule.id, cited.id)
            data = cite(*ids).model_dump(exclude={"interpretation", "interpretation_zh", "ref"})
            assert cited.model_dump(exclude={"interpretation", "interpretation_zh", "ref"}) == data, rule.id
    exchange, mlps = (next(r for r in CATALOGUE if r.id == i) for i in ("GD2020-1.2.1-exchange",
                                                                        "GD2020-1.2.1-l3-ces1-01"))
    assert exchange.clause.text_zh == mlps.clause.text_zh and exchange.clause.text_en == mlps.clause.text_en


def test_sources_are_cited_as_documents_never_as_paths() -> None:
    """Title, issuer, number, date and a public address: what a reader without this repository's author can find."""
    from checker.catalogue.clauses import DOCUMENTS

    assert {d.id for d in DOCUMENTS} == {"GD2020", "BJ2026", "QH2019", "GB/T 22239-2019"}
    for document in DOCUMENTS:
        assert document.title_zh and document.title_en and document.issuer_zh and document.issued, document.id
        for value in document.model_dump().values():
            assert "shared/" not in value and "reference/" not in value and not value.startswith("/"), document.id
        assert document.url == "" or document.url.startswith(("https://", "http://")), document.id


def without_chinese_title(rules: Iterable[Rule]) -> list[str]:
    """Rules a regulator would read in English only: no Chinese title, or one that is the English again."""
    return [r.id for r in rules if not re.search(r"[\u4e00-\u9fff]", r.title_zh) or r.title_zh == r.title]


def test_every_rule_has_a_chinese_title() -> None:
    from dataclasses import replace

    assert without_chinese_title(CATALOGUE) == []
    servers = next(r for r in CATALOGUE if r.id == "GD2020-1.2.3-servers")
    assert without_chinese_title([replace(servers, title_zh=""), replace(servers, title_zh="At least two")]) == [
        servers.id, servers.id]
    for rule in CATALOGUE:
        assert rule.describe()["title_zh"] == rule.title_zh  # in `rules --format json` and every bundle
        if rule.standard is not None and "(" in rule.standard.ref:  # an §8.1.4 item: its GB/T 28448 unit first
            unit = rule.standard.ref.split("(")[1].split(",")[0]
            assert rule.title_zh.startswith(unit) and rule.title.startswith(unit), rule.id
        elif rule.standard is not None:  # a host's part of another item: the item's number first
            assert rule.title_zh.startswith(rule.standard.ref) and rule.title.startswith(rule.standard.ref), rule.id


def test_rules_need_only_fact_families_that_exist() -> None:
    for rule in CATALOGUE:
        assert set(rule.needs) <= NAMES, (rule.id, set(rule.needs) - NAMES)  # the registry (probes.families)


def test_only_the_probes_a_rule_needs_run() -> None:
    from checker.catalogue import rule_by_id

    assert probes_for(rule_by_id("GD2020-1.2.3-servers").needs) == ()  # identity alone, which always runs
    assert [p.name for p in probes_for(rule_by_id("GD2020-1.2.5-bandwidth").needs)] == ["uplinks"]
    assert {p.name for p in probes_for(n for r in CATALOGUE for n in r.needs)} == {
        f.name for f in FAMILIES if f.scope is Scope.HOST} - {"identity"}


def test_every_rule_has_pass_fail_and_inconclusive_examples() -> None:
    examples = ROOT / "tests" / "data" / "facts"
    for rule in CATALOGUE:
        have = {p.stem for p in (examples / rule.id).glob("*.json")}
        wanted = {"pass", "inconclusive"} | (set() if rule.id in CANNOT_FAIL else {"fail"})
        assert have >= wanted, f"{rule.id}: tests/data/facts/{rule.id}/ has only {sorted(have)}"
    assert {p.name for p in examples.iterdir() if p.is_dir()} <= {r.id for r in CATALOGUE}, "examples of no rule"


def test_catalogue_hash_is_stable_and_content_addressed() -> None:
    assert catalogue_sha256() == catalogue_sha256()
    assert catalogue_sha256(CATALOGUE[:1]) != catalogue_sha256()


def test_readme_rule_table_is_generated_from_the_catalogue() -> None:
    from ihcheck.rule_tables import rules_markdown

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert rules_markdown() in readme, "README rule table is stale: run `ihcheck rules --format markdown`"
    from ihcheck.rule_tables import mlps_observed_markdown

    assert mlps_observed_markdown() in readme, "README's observed/attested table of the MLPS items is stale"


def test_every_rule_has_tags_a_version_and_a_status() -> None:
    from dataclasses import replace

    from checker.catalogue import CATALOGUE_VERSION, select
    from checker.model import Status

    slug = re.compile(r"^[a-z][a-z0-9-]*$")
    for rule in CATALOGUE:
        assert rule.tags and all(slug.match(t) for t in rule.tags), rule.id
        assert re.match(r"^\d{4}\.\d{2}$", rule.since) and rule.since <= CATALOGUE_VERSION, rule.id
        assert rule.describe()["status"] == rule.status.value and rule.describe()["tags"] == list(rule.tags)
    # a deprecated rule stays in the table (old bundles and waivers name it) but runs only when named
    old = replace(CATALOGUE[0], status=Status.DEPRECATED)
    table = (old, *CATALOGUE[1:])
    assert old not in select(None, table) and CATALOGUE[1] in select(None, table)
    assert select([old.id], table) == (old,)


def test_a_rule_new_since_the_first_catalogue_says_so() -> None:
    """`since` defaults to the first catalogue (2026.11): a rule main did not have then must name its version."""
    import json

    first = {rule for verdicts in json.loads((ROOT / "tests" / "data" / "catalogue" / "rejudged-before.json")
                                             .read_text(encoding="utf-8")).values() for rule in verdicts}
    assert {r.id for r in CATALOGUE if r.since == "2026.11"} <= first


def test_readme_says_for_every_rule_what_is_observed_and_what_only_an_attestation_shows() -> None:
    """Issue 20: the README's "What is observed, and what only a document can show" names every rule of the
    catalogue, each row with both columns filled (the MLPS items' rows are generated, the others written)."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("### What is observed, and what only a document can show")
    section = readme[start:readme.index("\n## ", start)]
    named: set[str] = set()
    for row in re.findall(r"^\| (`[^|]+`) \|([^|]*)\|([^|]*)\|$", section, re.M):
        rules, observed, attested = row
        assert observed.strip() and attested.strip(), rules
        named |= set(re.findall(r"`([^`]+)`", rules))
    assert [r.id for r in CATALOGUE if r.id not in named] == []
