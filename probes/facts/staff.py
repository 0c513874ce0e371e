"""The staff roster's facts: who serves the internet hospital (卫生技术人员, 信息专业技术人员), who is its principal
person in charge (主要负责人), and the staff of the third parties it works with. Data only: reading is
`probes.staff`, judging is `checker.catalogue.staff`.

A roster is the hospital's declaration of its staff, whether it arrives as a file or as a read-only query of its
HR database: the query shows what the database says, not who works there. So every roster is attested
(`StaffSource.basis`), never observed. Names and certificate numbers are pseudonymised unless declared otherwise.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field

from probes.facts.base import Record
from probes.facts.pilot import TableDeclaration

Category = Literal["health", "it", "management"]


class StaffDeclaration(Record):
    """`ihcheck_staff`: where the roster is, and the third parties whose staff serve the hospital."""

    roster: TableDeclaration
    third_parties: tuple[str, ...] = Field(default=(), description="the third parties (第三方机构) the hospital "
                                           "works with, as the roster's 所属机构 column names them")
    pseudonymise: bool = True
    pseudonym_key_file: Path | None = None


class StaffMember(Record):
    row: int = Field(description="row in the source (the header is row 1)")
    name: str = Field(description="pseudonymised unless declared otherwise")
    category: Category
    role: str | None = None
    principal: bool = Field(description="the roster marks them as the 主要负责人")
    qualification: str | None = Field(description="the certificate number (pseudonymised), None when empty")
    valid_until: date | None = None
    organisation: str | None = Field(description="None: the hospital itself; else a third party's name")
    active: bool


class StaffSource(Record):
    basis: Literal["attested"] = "attested"
    description: str
    sha256: str
    encoding: str | None = None
    observations: tuple[str, ...] = ()


class StaffFacts(Record):
    """What the staff rules judge. `staff` is None when the roster could not be read (`missing` says why)."""

    declaration: StaffDeclaration
    as_of: date
    pseudonyms: str
    source: StaffSource | None = None
    staff: tuple[StaffMember, ...] | None = None
    missing: str | None = None
    missing_zh: str | None = None
