"""GD2020 一(二)1, 二(二)2: the assessor's 等级测评报告 and the 备案证明, read from constructed documents folders."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from checker.catalogue.gd2020_mlps_report import MLPS_REPORT
from checker.errors import InputError
from checker.model import Basis, Verdict
from tests.rules.test_gd2020_materials import EXAMPLE, edit, facts, one


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "docs"
    shutil.copytree(EXAMPLE, target)
    return target


def _entry(index: dict[str, Any], item: str) -> dict[str, Any]:
    return next(d for d in index["documents"] if item in d["items"])


def test_the_sample_folder_passes_on_the_assessor_s_word_attested_not_observed(folder: Path) -> None:
    f = one(MLPS_REPORT, facts(folder))
    assert f.verdict is Verdict.PASS, f.reason
    assert "concludes 基本符合" in f.reason and "44010099001-26002" in f.reason and "attested, not observed" in f.reason
    assert f.evidence and all(e.basis is Basis.ATTESTED and not e.observations for e in f.evidence)
    assert f.details["report_date"] == "2026-08-01" and f.details["filing_number"] == "44010099001-26002"


def test_a_non_conforming_report_fails(folder: Path) -> None:
    edit(folder, lambda i: _entry(i, "mlps-assessment-report").update(conclusion="不符合"))
    f = one(MLPS_REPORT, facts(folder))
    assert f.verdict is Verdict.FAIL and "不符合" in f.reason


def test_no_report_in_the_folder_fails(folder: Path) -> None:
    (folder / "mlps-assessment-report.txt").unlink()
    f = one(MLPS_REPORT, facts(folder))
    assert f.verdict is Verdict.FAIL and "holds no assessment report" in f.reason


def test_an_unstated_conclusion_or_number_is_inconclusive_never_pass(folder: Path) -> None:
    edit(folder, lambda i: (_entry(i, "mlps-assessment-report").pop("conclusion"),
                            _entry(i, "mlps-certificate").pop("number")))
    f = one(MLPS_REPORT, facts(folder))
    assert f.verdict is Verdict.INCONCLUSIVE
    assert "its 测评结论" in f.reason and "the filing number" in f.reason


def test_no_documents_folder_is_inconclusive() -> None:
    f = one(MLPS_REPORT, facts(None))
    assert f.verdict is Verdict.INCONCLUSIVE and "ihcheck_documents_dir" in f.reason


def test_a_conclusion_outside_the_three_is_a_one_line_input_error(folder: Path) -> None:
    edit(folder, lambda i: _entry(i, "mlps-assessment-report").update(conclusion="通过"))
    with pytest.raises(InputError) as err:
        facts(folder)
    assert "materials.yaml" in str(err.value) and "conclusion" in str(err.value) and "\n" not in str(err.value)
