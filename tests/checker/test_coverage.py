"""The coverage table (checker/catalogue/coverage.py) against the catalogue, and the README's copy of it."""

from __future__ import annotations

from pathlib import Path

from checker.catalogue import CATALOGUE
from checker.catalogue.clauses import DOCUMENTS
from checker.catalogue.coverage import REQUIREMENTS, resolve

ROOT = Path(__file__).resolve().parents[2]
IDS = [r.id for r in CATALOGUE]


def test_every_rule_a_row_names_exists_and_every_rule_is_named() -> None:
    named: set[str] = set()
    for row in REQUIREMENTS:
        for entry in row.rules:
            found = resolve(entry, IDS)
            assert found, (row.ref, row.zh, entry)
            named.update(found)
    assert set(IDS) - named == set(), "a rule the coverage table does not place"


def test_planned_rules_are_not_in_the_catalogue_yet() -> None:
    """A planned id that now exists belongs in the row's `rules` (the branch adding it has merged): move it."""
    planned = {p for row in REQUIREMENTS for p in row.planned}
    assert not planned & set(IDS), planned & set(IDS)
    assert all(row.planned for row in REQUIREMENTS if row.coverage == "planned")


def test_at_most_five_requirements_are_not_covered_and_each_says_why() -> None:
    missing = [row for row in REQUIREMENTS if row.coverage == "not covered"]
    assert len(missing) <= 5, [(r.source, r.ref, r.zh) for r in missing]
    assert all(row.note for row in missing)
    assert all(row.note for row in REQUIREMENTS if row.coverage == "partly")
    assert all(row.rules for row in REQUIREMENTS if row.coverage in ("covered", "partly"))


def test_rows_cite_the_catalogues_sources() -> None:
    assert {row.source for row in REQUIREMENTS} == {d.id for d in DOCUMENTS} - {"GB/T 22239-2019"}
    assert len(REQUIREMENTS) >= 69  # the issue's count of the notices' requirements on the hospital


def test_readme_coverage_table_is_generated() -> None:
    from ihcheck.rule_tables import coverage_markdown

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "<!-- coverage:begin -->\n" + coverage_markdown() + "<!-- coverage:end -->" in readme, (
        "README coverage table is stale: run `ihcheck rules --coverage`")
