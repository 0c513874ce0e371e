"""Every passage a rule cites, once, by source document: one module per document, one `Clause` per passage.

A rule cites a passage by id (`cite("GD2020:1.2.3.1", interpretation=...)`), so a clause's wording and
English live in one place however many rules read it, and a document's citation (title, issuer, number,
date, public address) in one `Document`. Adding a passage is a row in its document's module.
"""

from __future__ import annotations

from checker.catalogue.clauses import bj2026, gbt22239, gbt22239_boundary, gd2020, qh2019
from checker.model import Clause, Document, Said

DOCUMENTS: tuple[Document, ...] = (gd2020.GD2020, bj2026.BJ2026, qh2019.QH2019, gbt22239.GB22239)
CLAUSES: dict[str, Clause] = {
    c.id: c for module in (gd2020, bj2026, qh2019, gbt22239, gbt22239_boundary) for c in module.CLAUSES
}


def cite(*ids: str, interpretation: str | Said = "") -> Clause:
    """The passage `ids[0]` as a rule cites it, with the rule's reading (English, or `Said` in both languages).
    Several ids of one document cite them together (their refs joined with 、, their texts in order): a rule
    that reads several clauses at once."""
    found = [CLAUSES[i] for i in ids]
    first = found[0]
    reading = interpretation if isinstance(interpretation, Said) else Said("", interpretation)
    update = {"interpretation": reading.en, "interpretation_zh": reading.zh}
    if len(found) == 1:
        return first.model_copy(update=update)
    if any(c.document != first.document for c in found):
        raise ValueError(f"cite {ids}: passages of one document only")
    return Clause(id="+".join(ids), document=first.document, ref="、".join(c.ref for c in found),
                  text_zh="".join(c.text_zh for c in found), text_en=" ".join(c.text_en for c in found), **update)
