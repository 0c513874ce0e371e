"""Equal frozen records of different hosts are held once (probes/facts/sharing.py), and nothing that is written
out changes: not a value, not a value's type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from probes.facts.base import Record
from probes.facts.baseline import LoginDefs, Pending, Setting, UpdateState
from probes.facts.sharing import SharedRecords


class Reading(Record):
    value: int | float
    at: datetime


class Labelled(Record):
    labels: dict[str, str]


def _host(version: str) -> UpdateState:
    return UpdateState(manager="apt", index_age_days=0.5, pending=(
        Pending(name="openssl", version="3.0.15-1~deb12u1", security=True),
        Pending(name="tzdata", version=version, security=False),
    ))


def test_equal_records_of_two_hosts_are_one_instance() -> None:
    shared = SharedRecords()
    first, second = shared.share(_host("2025b")), shared.share(_host("2025b"))
    assert second is first  # the whole state: every value equal
    third = shared.share(_host("2024a"))
    assert third is not first and third == _host("2024a")
    assert third.pending[0] is first.pending[0]  # the openssl record all three hosts have
    assert third.pending[1] is not first.pending[1]
    assert third.model_dump_json() == _host("2024a").model_dump_json()


def test_a_mapping_is_not_shared_but_its_records_are() -> None:
    shared = SharedRecords()
    def defs() -> LoginDefs:
        return LoginDefs(settings={"PASS_MAX_DAYS": Setting(key="PASS_MAX_DAYS", value="90", file="/etc/login.defs",
                                                            line=160)})
    a, b = shared.share(defs()), shared.share(defs())
    assert a is not b and a.settings is not b.settings and a == b
    assert a.settings["PASS_MAX_DAYS"] is b.settings["PASS_MAX_DAYS"]


def test_values_equal_in_python_but_written_differently_are_not_shared() -> None:
    shared = SharedRecords()
    when = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    one = shared.share(Reading(value=1, at=when))
    assert shared.share(Reading(value=1, at=when)) is one
    assert Reading(value=1.0, at=when) == one
    assert shared.share(Reading(value=1.0, at=when)).model_dump_json() == '{"value":1.0,"at":"2026-11-30T04:00:00Z"}'
    beijing = when.astimezone(timezone(timedelta(hours=8)))
    assert beijing == when
    assert shared.share(Reading(value=1, at=beijing)).model_dump_json().endswith('T12:00:00+08:00"}')
    first = shared.share(Labelled(labels={"a": "b"}))
    assert shared.share(Labelled(labels={"a": "b"})) is not first  # holds a mapping: never shared


class Pair(Record):
    first: Reading
    note: str | None = None


def test_records_that_differ_only_deep_inside_are_not_shared() -> None:
    """The table is keyed level by level (a record by its shared children's identity): a difference two levels
    down, or in how a number is written, still keeps the records apart; an absent value (None) is a value."""
    shared = SharedRecords()
    when = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    one = shared.share(Pair(first=Reading(value=1, at=when)))
    assert shared.share(Pair(first=Reading(value=1, at=when))) is one
    other = shared.share(Pair(first=Reading(value=1.0, at=when)))
    assert other is not one and other.first is not one.first
    assert other.model_dump_json() == '{"first":{"value":1.0,"at":"2026-11-30T04:00:00Z"},"note":null}'
    assert shared.share(Pair(first=Reading(value=1, at=when), note="")) is not one
