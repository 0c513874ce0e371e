"""Waivers: a valid one marks a finding waived and keeps its verdict; expired, unknown or unmatched ones do not waive."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from checker.catalogue import CATALOGUE, rule_by_id
from checker.engine import evaluate
from checker.errors import InputError
from checker.model import Finding, Verdict, Waiver
from reports.waivers import apply_waivers, load_waivers
from tests.factories import deployment, host

TODAY = date(2026, 11, 23)
RULES = [r.id for r in CATALOGUE]
SERVER_RULES = (rule_by_id("GD2020-1.2.3-servers"), rule_by_id("GD2020-1.2.3-db-app-split"))  # by id, not position


def findings() -> list[Finding]:
    per_host = [Finding(rule_id="GD2020-1.2.3-power", verdict=Verdict.INCONCLUSIVE, hosts=(h,), reason="not observed")
                for h in ("app1", "db1")]
    return evaluate(deployment(host("only", "nginx", "postgresql")), SERVER_RULES) + per_host


def waiver(rule: str = "GD2020-1.2.3-servers", host: str | None = None, expires: date = date(2027, 1, 1)) -> Waiver:
    return Waiver(rule_id=rule, host=host, justification="second server on order", owner="信息科", ticket="OPS-1",
                  expires=expires)


def test_valid_waiver_keeps_the_verdict_and_marks_it() -> None:
    out, [status] = apply_waivers(findings(), [waiver()], today=TODAY, known_rules=RULES)
    servers = next(f for f in out if f.rule_id == "GD2020-1.2.3-servers")
    assert servers.verdict is Verdict.FAIL and servers.waiver is not None and servers.waiver.ticket == "OPS-1"
    assert status.state == "applied" and status.findings == 1
    assert all(f.waiver is None for f in out if f.rule_id != "GD2020-1.2.3-servers")


def test_expired_waiver_does_not_waive() -> None:
    out, [status] = apply_waivers(findings(), [waiver(expires=date(2026, 11, 22))], today=TODAY, known_rules=RULES)
    assert all(f.waiver is None for f in out)
    assert status.state == "expired" and "expired on 2026-11-22" in status.message


def test_waiver_on_its_expiry_day_still_waives() -> None:
    _, [status] = apply_waivers(findings(), [waiver(expires=TODAY)], today=TODAY, known_rules=RULES)
    assert status.state == "applied"


def test_unknown_rule_is_reported() -> None:
    out, [status] = apply_waivers(findings(), [waiver(rule="GD2020-9.9-nope")], today=TODAY, known_rules=RULES)
    assert status.state == "unknown_rule" and all(f.waiver is None for f in out)


def test_host_waiver_applies_to_that_hosts_finding_only() -> None:
    out, [status] = apply_waivers(findings(), [waiver("GD2020-1.2.3-power", host="db1")], today=TODAY,
                                  known_rules=RULES)
    waived = {f.hosts for f in out if f.waiver}
    assert waived == {("db1",)} and status.findings == 1


def test_host_waiver_does_not_waive_a_deployment_finding() -> None:
    fleet = evaluate(deployment(host("app1", "nginx"), host("db1", reachable=False)), SERVER_RULES[:1])
    out, [status] = apply_waivers(fleet, [waiver(host="app1")], today=TODAY, known_rules=RULES)
    assert status.state == "unmatched" and "per-host findings only" in status.message
    assert all(f.waiver is None for f in out)


def test_load_waivers_file(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yml"
    path.write_text("waivers:\n  - rule: GD2020-1.2.3-servers\n    host: deployment\n    justification: j\n"
                    "    owner: o\n    ticket: T-1\n    expires: 2027-01-01\n  - rule: GD2020-1.2.3-power\n"
                    "    host: db1\n    justification: j\n    owner: o\n    ticket: T-2\n    expires: 2027-01-01\n")
    first, second = load_waivers(path)
    assert first.host is None and second.host == "db1" and second.expires == date(2027, 1, 1)


@pytest.mark.parametrize(("text", "message"), [
    ("waivers:\n  - rule: X\n    owner: o\n    ticket: t\n    expires: 2027-01-01\n", "waivers[0].justification: Field required"),
    ("waivers:\n  - rule: X\n    justification: j\n    owner: o\n    ticket: t\n    expires: soon\n",
     "waivers[0].expires: Input should be a valid date"),
    ("waivers: [\n", "not valid YAML"),
])
def test_bad_waivers_file_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "w.yml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_waivers(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value) and "\n" not in str(caught.value)


def test_inspec_waiver_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yml"
    path.write_text("GD2020-1.2.3-servers:\n  expiration_date: 2026-12-31\n  justification: second server on order\n"
                    "  run: false\nGD2020-1.2.5-isps:\n  justification: second ISP contracted\n", encoding="utf-8")
    servers, isps = load_waivers(path)
    assert (servers.rule_id, servers.host, servers.expires) == ("GD2020-1.2.3-servers", None, date(2026, 12, 31))
    assert servers.justification.startswith("second server on order") and "still judges" in servers.justification
    assert servers.ticket == "GD2020-1.2.3-servers" and "InSpec" in servers.owner
    assert isps.expires == date(9999, 12, 31)  # InSpec: no expiration_date, no expiry
    findings = evaluate(deployment(host("app1", "nginx")), CATALOGUE[:1])
    waived, statuses = apply_waivers(findings, [servers], today=date(2026, 12, 1), known_rules=[CATALOGUE[0].id])
    assert waived[0].waiver == servers and waived[0].verdict is Verdict.FAIL and statuses[0].state == "applied"
    expired, _ = apply_waivers(findings, [servers], today=date(2027, 1, 1), known_rules=[CATALOGUE[0].id])
    assert expired[0].waiver is None


def test_bad_inspec_waiver_names_the_rule_and_field(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yml"
    path.write_text("GD2020-1.2.3-servers:\n  expiration_date: someday\n  justification: x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"waivers\.yml: GD2020-1\.2\.3-servers\.expiration_date: "):
        load_waivers(path)
