"""The hash-chained audit log (`ihcheck.trail/1`): a format hospitals can keep, and its streaming verifier.

The Beijing 2026 pilot (一) and the Qinghai 2019 opinion (30) ask that clinical activity be
全程留痕、可追溯 (recorded throughout and traceable). A log that can be edited quietly proves
neither, and no published format exists, so ihcheck defines one (README, "Audit trail format"):

    {"prev":"<64 hex>","seq":1,"at":"2026-02-01T09:00:00+08:00","event":"visit.start","visit":"V1",…,"hash":"<64 hex>"}

- UTF-8 JSON Lines, one record per line, each line ending in LF.
- The first member is `prev`: the `hash` of the previous record (64 zeros for the first record of
  a log, or the last hash of the file it continues after rotation).
- The last member is `hash`: the SHA-256 (lowercase hex) of every byte of the line before
  `,"hash":"` — so the digest covers the record exactly as written, with no canonical form to
  agree on, and a verifier needs nothing but byte slicing and SHA-256.
- `seq` counts records from 1 (or on from the file it continues), `at` is an ISO 8601 time with its
  offset, `event` says what happened (`visit.start`, `visit.consent`, `visit.prescription`,
  `visit.end`, `visit.terminate`, …) and `visit` names the visit it belongs to, if any.

A chain shows that no record was changed, inserted or removed *relative to its head*: whoever can
rewrite the file can recompute every later hash, and can drop trailing records. The head digest
(`TrailCheck.head`) must therefore be kept elsewhere (handed to the supervision platform, printed
in a signed evidence bundle) and compared on the next check (`verify(..., expect_head=…)`).

Verification streams the file once and keeps only the previous hash, so memory stays flat and a
million-record log takes seconds (benchmarks/trail_verify.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from probes.facts.pilot import BrokenLink, TrailCheck
from probes.limits import loads as json_loads

FORMAT = "ihcheck.trail/1"
GENESIS = "0" * 64
MAX_LINE = 1024 * 1024  # a record is a few hundred bytes; a longer line is refused, not buffered (a 200 MiB line)
MAX_SEQ_DIGITS = 18  # seq fits in 63 bits; a 5,000-digit one is no sequence number (int() would refuse it)

_HEAD = b'{"prev":"'
_TAIL = b',"hash":"'
_SUFFIX_LEN = len(_TAIL) + 64 + len(b'"}')  # ,"hash":"<64 hex>"}
_HEX = frozenset(b"0123456789abcdef")

def record_line(prev: str, seq: int, fields: dict[str, Any]) -> tuple[bytes, str]:
    """One record as its line (with LF) and its hash: `prev`, `seq`, the fields in their order, then `hash`."""
    if "prev" in fields or "seq" in fields or "hash" in fields:
        raise ValueError("prev, seq and hash are set by the chain, not by the caller")
    body = json.dumps({"prev": prev, "seq": seq, **fields}, ensure_ascii=False, separators=(",", ":"))
    raw = body[:-1].encode("utf-8")  # without the closing brace: the hash member follows
    digest = hashlib.sha256(raw).hexdigest()
    return raw + _TAIL + digest.encode() + b'"}\n', digest


class TrailWriter:
    """Appends records to a log in the format above (what a hospital's platform would do)."""

    def __init__(self, out: IO[bytes], *, prev: str = GENESIS, seq: int = 0) -> None:
        self._out = out
        self.head = prev
        self.seq = seq

    def append(self, **fields: Any) -> str:
        self.seq += 1
        line, self.head = record_line(self.head, self.seq, fields)
        self._out.write(line)
        return self.head


def write_trail(path: Path, records: Iterable[dict[str, Any]]) -> str:
    """Write a whole log; returns its head."""
    with path.open("wb") as out:
        writer = TrailWriter(out)
        for fields in records:
            writer.append(**fields)
        return writer.head


def _hex64(value: bytes) -> bool:
    return len(value) == 64 and _HEX.issuperset(value)


def _broken(line_no: int, line: bytes, problem: str, problem_zh: str) -> BrokenLink:
    """The broken link, its problem said in English and in Chinese (a regulator reads the Chinese first)."""
    return BrokenLink(line=line_no, seq=_seq_of(line.rstrip(b"\n")), problem=problem, problem_zh=problem_zh)


def _explain(line_no: int, raw: bytes, expected_prev: bytes) -> BrokenLink:
    """Why a line failed the fast check, in the order a reader would look."""
    if not raw.endswith(b"\n"):
        return _broken(line_no, raw, "the last line is not terminated (a record cut short, or bytes appended)",
                       "最后一行没有以换行结束（记录被截断，或被追加了字节）")
    line = raw[:-1]
    if not line.startswith(_HEAD) or line[73:75] != b'",' or not _hex64(line[9:73]):
        return _broken(line_no, line, 'does not start with {"prev":"<64 hex>", (not a trail record, or edited)',
                       '开头不是 {"prev":"<64 hex>",（不是审计记录，或已被编辑）')
    if len(line) < 75 + _SUFFIX_LEN or line[-_SUFFIX_LEN:-66] != _TAIL or not line.endswith(b'"}') \
            or not _hex64(line[-66:-2]):
        return _broken(line_no, line, 'does not end with ,"hash":"<64 hex>"} (not a trail record, or edited)',
                       '结尾不是 ,"hash":"<64 hex>"}（不是审计记录，或已被编辑）')
    recorded = line[-66:-2].decode()
    computed = hashlib.sha256(line[:-_SUFFIX_LEN]).hexdigest()
    if computed != recorded:
        return _broken(line_no, line, f"the record was changed after it was written: its hash says {recorded[:16]}…, "
                       f"its content hashes to {computed[:16]}…",
                       f"记录在写入后被修改：其记载的哈希为 {recorded[:16]}…，其内容的哈希为 {computed[:16]}…")
    prev, before = line[9:73].decode()[:16], expected_prev.decode()[:16]
    return _broken(line_no, line, f"prev {prev}… is not the hash of the record before ({before}…): a record was "
                   "removed, inserted or reordered here",
                   f"prev {prev}… 不是前一条记录的哈希（{before}…）：此处有记录被删除、插入或调换了顺序")


def _seq_of(line: bytes) -> int | None:
    """The record's seq when the line still parses, for naming the record; None otherwise."""
    try:
        value = json_loads(line).get("seq")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


OnRecord = Callable[[dict[str, Any]], None]


def verify_stream(chunks: Iterable[bytes], *, source: str, prev: str = GENESIS, expect_head: str | None = None,
                  on_record: OnRecord | None = None, parse: bool = False) -> TrailCheck:
    """Verify a log given as chunks of its bytes (any sizes). Stops judging at the first broken link.

    The chain is checked by bytes alone: every byte of a record but its own hash is under that hash,
    and the hash is compared too, so any changed byte is found without parsing. `parse=True` (or an
    `on_record` callback, which receives each intact record) also parses each record as JSON and
    names a hash-consistent line that is not a JSON object (a writer's bug); it is several times slower.
    """
    state = _Chain(prev.encode(), parse or on_record is not None, on_record)
    whole = hashlib.sha256()
    carry = b""
    for chunk in chunks:
        whole.update(chunk)
        if state.broken is None:
            lines = (carry + chunk).split(b"\n") if carry else chunk.split(b"\n")
            carry = lines.pop()
            state.feed(lines)
            if len(carry) > MAX_LINE and state.broken is None:  # never buffer an endless line
                state.broken = _broken(state.line_no + 1, carry[:200], f"a line longer than {MAX_LINE} bytes: not "
                                       "a trail record (refused without reading it whole)",
                                       f"一行超过 {MAX_LINE} 字节：不是审计记录（未整行读取即拒绝）")
                carry = b""
    if carry and state.broken is None:
        state.broken = _explain(state.line_no + 1, carry, state.expected_prev)
    head = state.expected_prev.decode()
    broken = state.broken
    if broken is None and expect_head is not None and head != expect_head:
        broken = BrokenLink(line=state.count + 1, seq=None if state.last_seq is None else state.last_seq + 1,
                            problem=f"the log ends at hash {head[:16]}…, but the head kept elsewhere is "
                            f"{expect_head[:16]}…: records were removed from the end, or the log was replaced",
                            problem_zh=f"日志结束于哈希 {head[:16]}…，但另行保存的链头为 {expect_head[:16]}…："
                            "末尾的记录被删除，或日志被替换")
    return TrailCheck(source=source, records=state.count, first_seq=state.first_seq, last_seq=state.last_seq,
                      head=head, sha256=whole.hexdigest(), broken=broken)


class _Chain:
    """The verifier's state between chunks: the previous hash, the seq, the first broken link."""

    def __init__(self, prev: bytes, parse: bool, on_record: OnRecord | None) -> None:
        self.expected_prev = prev
        self.parse = parse
        self.on_record = on_record
        self.line_no = 0
        self.count = 0
        self.first_seq: int | None = None
        self.last_seq: int | None = None
        self.broken: BrokenLink | None = None

    def feed(self, lines: list[bytes]) -> None:
        """Check complete lines (without their LF). The hot path is plain byte slicing: the layout is
        fixed, so any edit shows up as a mismatch, and explanations are worked out only then."""
        sha256 = hashlib.sha256
        expected_prev = self.expected_prev
        for line in lines:
            self.line_no += 1
            recorded = line[-66:-2]
            if line[:9] != _HEAD or line[-_SUFFIX_LEN:-66] != _TAIL or line[-2:] != b'"}' \
                    or sha256(line[:-_SUFFIX_LEN]).hexdigest().encode() != recorded or line[9:73] != expected_prev:
                self.broken = _explain(self.line_no, line + b"\n", expected_prev)
                break
            record: dict[str, Any] | None = None
            if self.parse:
                record, problem, problem_zh = _parse(line)
                if record is None:
                    self.broken = _broken(self.line_no, line, problem, problem_zh)
                    break
            seq = _fast_seq(line)
            if seq is None:
                self.broken = _broken(self.line_no, line, "no integer seq as the second member",
                                      "第二个成员不是整数 seq")
                break
            if self.last_seq is not None and seq != self.last_seq + 1:
                self.broken = _broken(self.line_no, line, f"seq {seq} does not follow seq {self.last_seq}",
                                      f"seq {seq} 未紧接 seq {self.last_seq}")
                break
            if self.first_seq is None:
                self.first_seq = seq
            self.last_seq = seq
            expected_prev = recorded
            self.count += 1
            if self.on_record is not None and record is not None:
                self.on_record(record)
        self.expected_prev = expected_prev


def _parse(line: bytes) -> tuple[dict[str, Any] | None, str, str]:
    """The record, or None with why in English and in Chinese (the JSON error quoted as it came)."""
    try:
        record = json_loads(line)
    except ValueError as exc:
        return None, f"not valid JSON although its hash matches ({exc})", f"哈希相符，但不是有效的 JSON（{exc}）"
    if not isinstance(record, dict):
        return None, "not a JSON object although its hash matches", "哈希相符，但不是 JSON 对象"
    return record, "", ""


def _fast_seq(line: bytes) -> int | None:
    """The seq member, read by position: `{"prev":"<64 hex>","seq":N,` (the documented member order)."""
    if line[75:81] != b'"seq":':
        return None
    end = line.find(b",", 81)
    digits = line[81:end if end != -1 else None]
    return int(digits) if digits.isdigit() and len(digits) <= MAX_SEQ_DIGITS else None


def iter_chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    """The file's bytes in chunks; a FIFO, a device or a directory is refused (InputError) before any read."""
    from probes.limits import open_regular

    with open_regular(path, "audit log", limit=None) as handle:
        while chunk := handle.read(size):
            yield chunk


def verify(path: Path, *, prev: str = GENESIS, expect_head: str | None = None,
           on_record: OnRecord | None = None, parse: bool = False) -> TrailCheck:
    """Verify a log file; raises OSError when it cannot be read (the caller names the file)."""
    return verify_stream(iter_chunks(path), source=str(path), prev=prev, expect_head=expect_head,
                         on_record=on_record, parse=parse)
