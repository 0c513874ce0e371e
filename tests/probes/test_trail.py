"""The hash-chained audit log: the documented format, and a verifier that names the first broken link."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest

from ihcheck.cli import main
from probes.trail import GENESIS, TrailWriter, record_line, verify, write_trail

EVENTS = ("visit.start", "visit.consent", "visit.prescription", "visit.end")


def records(n: int) -> list[dict[str, object]]:
    return [{"at": f"2026-02-01T09:{i % 60:02d}:00+08:00", "event": EVENTS[i % 4], "visit": f"V{i // 4:04d}",
             "actor": "医师甲", "data": {"note": "含中文与 \"引号\""}} for i in range(n)]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "audit.jsonl"
    write_trail(path, records(40))
    return path


def test_the_format_is_what_the_readme_documents(log: Path) -> None:
    """Recomputed from the documented rules alone, without the module's helpers."""
    prev = "0" * 64
    lines = log.read_bytes().split(b"\n")
    assert lines.pop() == b""
    for seq, line in enumerate(lines, start=1):
        record = json.loads(line)
        assert list(record)[:2] == ["prev", "seq"] and list(record)[-1] == "hash"
        assert record["prev"] == prev and record["seq"] == seq
        assert record["hash"] == hashlib.sha256(line[: line.rindex(b',"hash":"')]).hexdigest()
        prev = record["hash"]


def test_an_intact_log_verifies_with_its_head(log: Path) -> None:
    result = verify(log, parse=True)
    assert result.intact and result.records == 40 and (result.first_seq, result.last_seq) == (1, 40)
    assert result.head == json.loads(log.read_bytes().splitlines()[-1])["hash"]
    assert result.sha256 == hashlib.sha256(log.read_bytes()).hexdigest()
    assert verify(log, expect_head=result.head).intact


def line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def test_a_single_changed_byte_anywhere_is_found_and_its_line_named(log: Path, tmp_path: Path) -> None:
    data = log.read_bytes()
    rng = random.Random(2026)
    tampered = tmp_path / "tampered.jsonl"
    for _ in range(400):
        position = rng.randrange(len(data))
        changed = bytearray(data)
        changed[position] ^= 1 << rng.randrange(8)
        tampered.write_bytes(bytes(changed))
        result = verify(tampered)
        assert result.broken is not None, f"flip at byte {position} went unnoticed"
        assert result.broken.line == line_of(data, position), (position, result.broken)


def test_a_removed_record_is_named_at_the_record_after_it(log: Path, tmp_path: Path) -> None:
    lines = log.read_bytes().splitlines(keepends=True)
    del lines[9]
    edited = tmp_path / "removed.jsonl"
    edited.write_bytes(b"".join(lines))
    broken = verify(edited).broken
    assert broken is not None and broken.line == 10 and broken.seq == 11 and "removed" in broken.problem
    assert "此处有记录被删除、插入或调换了顺序" in broken.problem_zh
    assert broken.describe_zh().startswith("第 10 行（seq 11）：prev ")


def test_swapped_records_are_found(log: Path, tmp_path: Path) -> None:
    lines = log.read_bytes().splitlines(keepends=True)
    lines[4], lines[5] = lines[5], lines[4]
    edited = tmp_path / "swapped.jsonl"
    edited.write_bytes(b"".join(lines))
    broken = verify(edited).broken
    assert broken is not None and broken.line == 5


def test_a_rewritten_record_with_a_recomputed_hash_breaks_the_next_link(log: Path, tmp_path: Path) -> None:
    lines = log.read_bytes().splitlines(keepends=True)
    record = json.loads(lines[19])
    fields = {k: v for k, v in record.items() if k not in ("prev", "seq", "hash")} | {"event": "visit.terminate"}
    lines[19], _ = record_line(record["prev"], record["seq"], fields)
    edited = tmp_path / "rewritten.jsonl"
    edited.write_bytes(b"".join(lines))
    broken = verify(edited).broken
    assert broken is not None and broken.line == 21 and broken.seq == 21


def test_records_dropped_from_the_end_are_found_only_against_the_head_kept_elsewhere(log: Path, tmp_path: Path) -> None:
    head = verify(log).head
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"".join(log.read_bytes().splitlines(keepends=True)[:-3]))
    assert verify(cut).intact  # a chain alone cannot see a shortened tail
    broken = verify(cut, expect_head=head).broken
    assert broken is not None and broken.line == 38 and "removed from the end" in broken.problem
    assert "末尾的记录被删除，或日志被替换" in broken.problem_zh


def test_a_record_cut_short_at_the_end_is_named(log: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(log.read_bytes()[:-10])
    broken = verify(cut).broken
    assert broken is not None and broken.line == 40 and "not terminated" in broken.problem
    assert broken.problem_zh == "最后一行没有以换行结束（记录被截断，或被追加了字节）"


def test_a_rotated_log_continues_from_the_previous_files_head(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    head = write_trail(first, records(5))
    with second.open("wb") as out:
        writer = TrailWriter(out, prev=head, seq=5)
        for fields in records(3):
            writer.append(**fields)
    assert not verify(second).intact
    result = verify(second, prev=head)
    assert result.intact and (result.first_seq, result.last_seq) == (6, 8)


def test_strict_parsing_names_a_hash_consistent_line_that_is_not_json(tmp_path: Path) -> None:
    body = b'{"prev":"' + GENESIS.encode() + b'","seq":1,"event":oops'
    line = body + b',"hash":"' + hashlib.sha256(body).hexdigest().encode() + b'"}\n'
    path = tmp_path / "bad.jsonl"
    path.write_bytes(line)
    assert verify(path).intact  # the chain holds: the writer produced it so
    broken = verify(path, parse=True).broken
    assert broken is not None and broken.line == 1 and "not valid JSON" in broken.problem
    assert broken.problem_zh.startswith("哈希相符，但不是有效的 JSON（")


def test_records_are_handed_to_a_callback_in_order(log: Path) -> None:
    seen: list[int] = []
    verify(log, on_record=lambda record: seen.append(record["seq"]))
    assert seen == list(range(1, 41))


def test_cli_exit_codes_and_the_named_line(log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trail", "verify", str(log)]) == 0
    assert "intact, 40 record(s)" in capsys.readouterr().out
    data = bytearray(log.read_bytes())
    data[data.index(b"V0007")] = ord("W")
    tampered = tmp_path / "t.jsonl"
    tampered.write_bytes(bytes(data))
    assert main(["trail", "verify", str(tampered)]) == 1
    assert "BROKEN at line 29 (seq 29)" in capsys.readouterr().out
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert main(["trail", "verify", str(empty)]) == 2
    assert main(["trail", "verify", str(tmp_path / "missing.jsonl")]) == 65
    assert main(["trail", "verify", str(log), "--head", "nothex"]) == 65
    assert "--head" in capsys.readouterr().err
