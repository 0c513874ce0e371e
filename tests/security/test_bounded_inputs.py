"""Every input through one bounded reader: refused in one line (InputError, exit 65), quickly, before it is read whole."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from checker.errors import InputError
from ihcheck.cli import main
from probes.limits import load_json_limited, parse_json
from probes.pilot import ROSTER_COLUMNS
from probes.tables import read_table
from probes.trail import verify
from tests.security import hostile_files as hf


@pytest.mark.parametrize(("name", "make", "said"), [
    ("declared.xlsx", hf.declared_huge, "more than 200000 rows"),
    ("bomb.xlsx", hf.zip_bomb, "zip bomb"),
    ("laughs.xlsx", hf.billion_laughs, "DTD"),
    ("xxe.xlsx", hf.external_entity, "DTD"),
])
def test_hostile_workbooks_are_refused_before_openpyxl_reads_them(tmp_path: Path, name: str, make: object,
                                                                   said: str) -> None:
    path = tmp_path / name
    path.write_bytes(make())  # type: ignore[operator]
    started = time.monotonic()
    with pytest.raises(InputError, match=said):
        read_table(path, ROSTER_COLUMNS)
    assert time.monotonic() - started < 5


def test_a_million_row_roster_and_a_fifo_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="more than the 67108864 allowed"):  # 100 MB: refused by its size
        read_table(hf.million_row_csv(tmp_path / "r.csv"), ROSTER_COLUMNS)
    with pytest.raises(InputError, match="more than 200000 rows"):  # 300,000 rows within the size: by its rows
        read_table(hf.million_row_csv(tmp_path / "s.csv", rows=300_000), ROSTER_COLUMNS)
    with pytest.raises(InputError, match="not a regular file"):
        read_table(hf.fifo(tmp_path / "f.csv"), ROSTER_COLUMNS)


def test_json_nested_deep_or_with_a_5000_digit_number_is_one_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nested too deep"):
        parse_json(hf.deep_json(), "x")
    with pytest.raises(InputError, match="5000 digits"):
        parse_json(hf.long_number_json(), "x")
    with pytest.raises(InputError, match="not a regular file"):
        load_json_limited(hf.fifo(tmp_path / "r.json"), "result")
    with pytest.raises(InputError, match="more than"):
        load_json_limited(hf.sparse(tmp_path / "big.json"), "result")
    assert parse_json(b'{"a": [1, 2.5, "x"], "n": 123456789012345678901234567890}', "x")["a"] == [1, 2.5, "x"]


@pytest.mark.parametrize("command", [["remediate"], ["diff"], ["trail", "verify"]])
@pytest.mark.parametrize("kind", ["fifo", "deep", "digits"])
def test_the_commands_refuse_hostile_files_in_one_line(command: list[str], kind: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "input.json"
    if kind == "fifo":
        hf.fifo(path)
    else:
        path.write_bytes(hf.deep_json() if kind == "deep" else hf.long_number_json())
    args = [*command, str(path), *([str(path)] if command == ["diff"] else [])]
    code = main(args)
    said = capsys.readouterr().err.strip().splitlines()
    if command[0] == "trail" and kind != "fifo":
        assert code == 1  # not a trail record: a broken link, named
    else:
        assert code == 65 and len(said) == 1 and str(path) in said[0], said


def test_a_trail_line_of_200_mib_and_a_5000_digit_seq_are_broken_links_in_bounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    log = tmp_path / "audit.jsonl"
    with log.open("wb") as out:
        out.write(b'{"prev":"' + b"0" * 64 + b'","seq":1,"x":"')
        out.truncate(200 * 1024 * 1024)
    tracemalloc.start()
    result = verify(log)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.broken is not None and "longer than" in result.broken.problem
    assert peak < 16 * 1024 * 1024, peak
    body = '{"prev":"' + "0" * 64 + '","seq":' + "9" * 5000 + ',"x":1'
    log.write_text(body + ',"hash":"' + hashlib.sha256(body.encode()).hexdigest() + '"}\n')
    result = verify(log, parse=True)
    assert result.broken is not None and result.broken.line == 1
