"""A regulator's view of many hospitals' bundles (`ihcheck fleet BUNDLE…`).

Every bundle is verified first. One row per bundle: hospital, signer fingerprints, verification
status, the verdict of every rule, when it was checked (in the deployment's time zone). Pass rates
per rule count verified bundles only: a bundle that does not verify is listed as such and never
counted, whatever its findings say.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from checker.errors import InputError
from checker.model import VERDICT_ZH
from reports.cells import csv_row, mapping, text
from reports.timefmt import local_time


@dataclass(frozen=True)
class Row:
    source: str
    hospital: str
    verified: bool
    status: str
    signer: tuple[str, ...] = ()
    rules: dict[str, str] = field(default_factory=dict)
    checked_at: str = ""
    pinned: bool = False  # the signer matched a registered key: only then is the bundle's origin established


@dataclass(frozen=True)
class Rate:
    rule_id: str
    title: str
    passed: int
    counted: int
    failing: tuple[str, ...]
    title_zh: str = ""  # shown first, `title` beside it

    @property
    def percent(self) -> float | None:
        return 100.0 * self.passed / self.counted if self.counted else None


def read_row(path: Path, pinned: set[str] | None = None, keyring: dict[str, set[str]] | None = None) -> Row:
    """A bundle's row. With a keyring the hospital is the registered name of the signer's key (a bundle naming
    another hospital than its key's is refused by verification); without one it is the name the bundle gives
    itself, and the row says the hospital is not bound to a key."""
    from reports.load import BundleInvalid, load_bundle

    try:
        bundle = load_bundle(path, pinned, keyring)
    except BundleInvalid as exc:
        v = exc.verification
        return Row(source=str(path), hospital=path.name, verified=False, status=f"NOT VERIFIED: {v.first}",
                   signer=tuple(v.signer or ()))
    except InputError as exc:
        return Row(source=str(path), hospital=path.name, verified=False, status=f"NOT VERIFIED: {exc}")
    documents = mapping(bundle.facts.get("documents"))
    claimed = text(documents.get("hospital") or Path(text(bundle.result.get("inventory") or path.name)).stem)
    registered = bundle.verification.registered_as
    hospital = registered or claimed
    status = ("verified" if registered else "verified (key not pinned)" if not bundle.verification.pinned
              else "verified (hospital not bound to a registered key: use --keyring)")
    rules = mapping(mapping(bundle.result.get("summary")).get("rules"))
    return Row(source=str(path), hospital=hospital, verified=True, status=status,
               signer=tuple(bundle.verification.signer or ()),
               rules={text(k): text(v) for k, v in rules.items()},
               checked_at=local_time(bundle.result.get("finished_at")),
               pinned=bundle.verification.trusted and registered is not None)


def rates(rows: list[Row], titles: dict[str, tuple[str, str]]) -> list[Rate]:
    """Pass rates per rule over verified bundles; `titles` maps a rule id to its (Chinese, English) title."""
    rule_ids = sorted({r for row in rows if row.verified for r in row.rules})
    out = []
    for rule_id in rule_ids:
        counted = [row for row in rows if row.verified and rule_id in row.rules
                   and row.rules[rule_id] != "not_applicable"]
        title_zh, title = titles.get(rule_id, ("", ""))
        out.append(Rate(rule_id=rule_id, title=title, title_zh=title_zh,
                        passed=sum(row.rules[rule_id] == "pass" for row in counted), counted=len(counted),
                        failing=tuple(row.hospital for row in counted if row.rules[rule_id] == "fail")))
    return out


def rule_titles() -> dict[str, tuple[str, str]]:
    from checker.catalogue import CATALOGUE

    return {r.id: (r.title_zh, r.title) for r in CATALOGUE}


def to_csv(rows: list[Row]) -> str:
    rule_ids = sorted({r for row in rows for r in row.rules})
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_row(["hospital", "bundle", "verification", "signer", "checked_at", *rule_ids]))
    for row in rows:  # a hospital's name, a path, a rule id: foreign text, never a formula (reports.cells)
        writer.writerow(csv_row([row.hospital, row.source, row.status, " ".join(row.signer), row.checked_at,
                                 *[row.rules.get(r, "") if row.verified else "" for r in rule_ids]]))
    return buffer.getvalue()


def to_html(rows: list[Row], rule_rates: list[Rate]) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("reports", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    rule_ids = [r.rule_id for r in rule_rates] or sorted({r for row in rows for r in row.rules})
    return env.get_template("fleet.html.j2").render(rows=rows, rates=rule_rates, rule_ids=rule_ids,
                                                   verdict_zh=VERDICT_ZH)

