"""The full result JSON (schema /1) written piece by piece (`write_json(full=True)`) is the JSON of the whole."""

from __future__ import annotations

import io
import json
from pathlib import Path

from reports.result import CheckResult
from tests.reports.conftest import make_result


def _streamed(result: CheckResult) -> bytes:
    sink = io.BytesIO()
    result.write_json(sink, full=True)
    return sink.getvalue()


def test_streamed_json_is_the_whole_json(tmp_path: Path) -> None:
    result, _ = make_result(tmp_path)
    whole = result.to_json().encode("utf-8")
    assert any(ord(c) > 0x7F for c in result.to_json())  # Chinese clause texts: not only ASCII
    assert result.observations and result.findings and len(result.facts.hosts) == 2
    assert _streamed(result) == whole
    assert json.loads(whole)["summary"]["exit_code"] == result.exit_code


def test_streamed_json_of_empty_lists_is_the_whole_json(tmp_path: Path) -> None:
    result, _ = make_result(tmp_path, documents=False)
    empty = result.model_copy(update={"observations": (), "findings": (),
                                      "facts": result.facts.model_copy(update={"hosts": ()})})
    assert _streamed(empty) == empty.to_json().encode("utf-8")
