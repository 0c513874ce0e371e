"""The README's generated tables: the rule table, the MLPS items' observed/attested table and the coverage table.

Generated from the catalogue so the README cannot drift from it: `ihcheck rules --format markdown` and `ihcheck
rules --coverage` print them, and tests/checker/test_catalogue.py and test_coverage.py fail while the README's
copy is stale. Kept out of the CLI module so the shell only wires commands.
"""

from __future__ import annotations


def coverage_markdown() -> str:
    """The README's coverage table (checker/catalogue/coverage.py), against the catalogue's ids."""
    from checker.catalogue import CATALOGUE
    from checker.catalogue.coverage import markdown

    return markdown([r.id for r in CATALOGUE])


def rules_markdown() -> str:
    from checker.catalogue import CATALOGUE

    lines = ["| Rule | 检查内容 What it checks | Source | Clause (原文) | English |", "|---|---|---|---|---|"]
    for r in CATALOGUE:
        c, s = r.clause, r.standard
        title = f"{r.title_zh}<br>{r.title}"
        # the anchor a SARIF rule's helpUri (--sarif-help-uri URL → URL#rule-id) points at
        anchor = f'<a id="{r.id.lower()}"></a>'
        if s is None:
            lines.append(f"| {anchor}`{r.id}` | {title} | {c.document.id} {c.ref} | {c.text_zh} | {c.text_en} |")
        else:  # the reason (GD2020 一(二)1) once in the source column, the standard's item as the clause
            lines.append(f"| {anchor}`{r.id}` | {title} | {c.document.id} {c.ref} → {s.document.id} {s.ref} | "
                         f"{s.text_zh} | {s.text_en} |")
    return "\n".join(lines) + "\n"


def mlps_observed_markdown() -> str:
    """Per MLPS item: what the host baseline observes, and what only a document can show (README, issue 20)."""
    from checker.catalogue.mlps import CHECKS, rule_id

    lines = ["| Rule | Observed on the host | Only a document (`ihcheck_mlps_evidence`) can show |", "|---|---|---|"]
    for check in CHECKS:
        if check.judge is None:
            why = check.why_not_observable.en if check.why_not_observable else "the host cannot show it"
            observed, attested = f"nothing: {why}", "the whole item (attested, never observed)"
        else:
            observed = check.standard
            attested = ("what the host could not show, and also in place of a failing observation (e.g. a bastion's "
                        "two-factor login), beside what the host showed" if check.attestable else
                        "only what the host could not show (an inconclusive observation, e.g. kernel audit inside a "
                        "container); a failing observation stands")
        lines.append(f"| `{rule_id(check.unit)}` | {observed} | {attested} |")
    return "\n".join(lines) + "\n"
