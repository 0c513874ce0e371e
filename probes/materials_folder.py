"""The hospital's documents folder: what it attests, never what was observed.

The notice asks for papers as well as machines (二(二) materials, 三.2(2) policies, 三.2(3)
emergency plans). A hospital keeps them in a folder named by the inventory variable
`ihcheck_documents_dir` (relative paths are relative to the inventory), with an index file,
`materials.yaml`, saying which file is which item and when it was issued or expires:

    hospital: 示例互联网医院
    opened_on: 2026-10-08       # 开业日期: the 30- and 90-day deadlines of 三(二) run from it
    registered_on: 2026-09-30   # 执业登记日期 (used when opened_on is not given)
    third_party: true           # built with a third party: a cooperation agreement is required
    documents:
      - file: application-form.pdf
        items: [application-form]
        issued: 2026-09-25
      - file: mlps-certificate.pdf
        items: [mlps-certificate]
        issued: 2025-06-01
        submitted: 2026-06-03   # the yearly submission to the platform (三.2(4)) is judged by this date
        number: 44010043001-20001  # its 备案编号, as printed on it
      - file: mlps-assessment-report.pdf
        items: [mlps-assessment-report]
        issued: 2026-05-20      # the report's date
        conclusion: 基本符合      # its 测评结论: 符合, 基本符合 or 不符合
      - file: emergency-plans.pdf
        items: [plan-power-loss, plan-network-loss, plan-equipment-failure, plan-security-incident]

Every listed file is hashed (SHA-256 and SM3) when read, so the bundle can prove it carries the
very files the rules judged. Item ids are those of the catalogue's checklist
(checker/catalogue/materials_checklist.py), which the caller hands in; anything else in the index
is an input error naming the file and field.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from checker.errors import InputError, describe_validation_error
from probes.facts.materials import INDEX, DocumentFacts, DocumentFile
from probes.inventory import Inventory
from probes.limits import MAX_DOCUMENT_BYTES, check_yaml_shape, read_bytes_limited


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str = Field(min_length=1)
    items: tuple[str, ...] = Field(min_length=1)
    title: str | None = None
    issued: date | None = None
    expires: date | None = None
    submitted: date | None = None  # the last submission to the platform: the yearly MLPS scans are judged by it
    conclusion: Literal["符合", "基本符合", "不符合"] | None = None  # an 等级测评报告's 测评结论
    number: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[0-9A-Za-z\-/_()（）第号]+$")

    @field_validator("items", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value

    @field_validator("items")
    @classmethod
    def _known(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        known: Collection[str] = (info.context or {}).get("known_items", ())
        for item in value:
            if item not in known:
                raise ValueError(f"unknown item {item!r} (known: {', '.join(known)})")
        return value

    @field_validator("file")
    @classmethod
    def _inside(cls, value: str) -> str:
        # Normalised once, here: `./topo.txt` and `topo.txt` are one file, and the bundle stores it under this name.
        path = PurePosixPath(value)
        if (path.is_absolute() or ".." in path.parts or not value.isprintable() or "\\" in value
                or str(path) in ("", ".")):
            raise ValueError(f"must be a path inside the documents folder, got {value!r}")
        return str(path)


class _Index(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    hospital: str | None = None
    opened_on: date | None = None
    registered_on: date | None = None
    third_party: bool
    documents: tuple[_Entry, ...] = ()


def digests(data: bytes) -> tuple[str, str]:
    """SHA-256 and SM3 (GB/T 32905) of one file, hex."""
    return hashlib.sha256(data).hexdigest(), hashlib.new("sm3", data).hexdigest()


def read_documents(directory: Path, known_items: Collection[str]) -> DocumentFacts:
    """Read and hash a documents folder; InputError (file and field) when its index is unusable."""
    index = directory / INDEX
    if not directory.is_dir():
        raise InputError(f"{directory}: documents folder (ihcheck_documents_dir) not found")
    raw_index = read_bytes_limited(index, "index of the documents folder")
    try:
        text = raw_index.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{index}: not UTF-8 text") from None
    check_yaml_shape(text, index, "index of the documents folder")
    raw = _safe_yaml(text, index)
    try:
        parsed = _Index.model_validate(raw if raw is not None else {}, context={"known_items": known_items})
    except ValidationError as exc:
        field, message = describe_validation_error(exc)
        raise InputError(f"{index}: {field}: {message}") from None
    documents: list[DocumentFile] = []
    notes: list[str] = []
    listed = set()
    root = directory.resolve()
    for entry in parsed.documents:
        path = directory / entry.file
        resolved = path.resolve()
        if not resolved.is_relative_to(root):
            raise InputError(f"{index}: documents: {entry.file}: leads outside the documents folder (a symbolic "
                             "link?); only files inside it are submitted")
        listed.add(resolved)
        fields = entry.model_dump()
        if path.exists():
            data = read_bytes_limited(path, "document", MAX_DOCUMENT_BYTES)
            sha, sm3 = digests(data)
            documents.append(DocumentFile(**fields, size=len(data), sha256=sha, sm3=sm3))
        else:
            notes.append(f"{INDEX} lists {entry.file}, which is not in the folder")
            documents.append(DocumentFile(**fields))
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.name != INDEX and path.resolve() not in listed:
            notes.append(f"{path.relative_to(directory)} is not listed in {INDEX}; not considered")
    return DocumentFacts(directory=str(directory), index_sha256=digests(raw_index)[0], hospital=parsed.hospital,
                         opened_on=parsed.opened_on, registered_on=parsed.registered_on,
                         third_party=parsed.third_party, documents=tuple(documents), notes=tuple(notes))


def _safe_yaml(text: str, path: Path) -> object:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise InputError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a date such as 2026-13-45
        raise InputError(f"{path}: {exc}") from None


def documents_dir(inventory_source: str, declared: list[Path | None]) -> Path | None:
    """The one documents folder the inventory declares (relative to the inventory), or None."""
    base = Path(inventory_source)
    base = base if base.is_dir() else base.parent
    found = {(base / d).resolve() if not d.is_absolute() else d for d in declared if d is not None}
    if len(found) > 1:
        first, second = sorted(found)[:2]
        raise InputError(f"{inventory_source}: ihcheck_documents_dir: hosts declare different folders "
                         f"({first} and {second}); declare one for the deployment (e.g. under all: vars:)")
    return next(iter(found), None)


def load_documents(inventory: Inventory, known_items: Collection[str]) -> DocumentFacts | None:
    """The deployment's documents, when the inventory names a folder (`ihcheck_documents_dir`)."""
    directory = documents_dir(inventory.source, [h.declared.documents_dir for h in inventory.hosts])
    return read_documents(directory, known_items) if directory is not None else None
