"""The hospital's materials folder as read: attested by the hospital, never observed."""

from __future__ import annotations

from datetime import date

from probes.facts.base import Record

INDEX = "materials.yaml"  # the folder's index file: which file is which item


class DocumentFile(Record):
    """One file of the folder as the index describes it, with its digests (None when the file is absent)."""

    file: str
    items: tuple[str, ...]
    title: str | None = None
    issued: date | None = None
    expires: date | None = None
    submitted: date | None = None  # when it was last submitted to the platform (the yearly MLPS scans, 三.2(4))
    conclusion: str | None = None  # an 等级测评报告's 测评结论 as the index states it (符合 / 基本符合 / 不符合)
    number: str | None = None  # a certificate's number as the index states it (the 备案证明's 备案编号)
    size: int | None = None
    sha256: str | None = None
    sm3: str | None = None

    @property
    def present(self) -> bool:
        return self.sha256 is not None


class DocumentFacts(Record):
    """The documents folder as read: attested by the hospital (Basis.ATTESTED), never observed."""

    directory: str
    index_sha256: str
    hospital: str | None = None
    opened_on: date | None = None
    registered_on: date | None = None
    third_party: bool
    documents: tuple[DocumentFile, ...] = ()
    notes: tuple[str, ...] = ()

    def for_item(self, item_id: str) -> list[DocumentFile]:
        return [d for d in self.documents if item_id in d.items]

