"""GD2020 二(二), 三.2(2), 三.2(3) over constructed documents folders: each verdict, deadlines, expiry, bad indexes."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from checker.catalogue.gd2020_materials import EMERGENCY_PLANS, MATERIALS, POLICIES
from checker.catalogue.materials_checklist import ITEM_IDS
from checker.engine import evaluate
from checker.errors import InputError
from checker.model import Basis, Rule, Verdict
from probes.facts import DeploymentFacts
from probes.materials_folder import documents_dir, read_documents
from tests.factories import deployment, host

EXAMPLE = Path(__file__).resolve().parents[2] / "inventories" / "example-documents"
TODAY = datetime(2026, 11, 23, tzinfo=UTC)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "docs"
    shutil.copytree(EXAMPLE, target)
    return target


def edit(folder: Path, change) -> None:
    index = yaml.safe_load((folder / "materials.yaml").read_text(encoding="utf-8"))
    change(index)
    (folder / "materials.yaml").write_text(yaml.safe_dump(index, allow_unicode=True), encoding="utf-8")


def facts(folder: Path | None, when: datetime = TODAY) -> DeploymentFacts:
    base = deployment(host("app1", "nginx"), host("db1", "postgresql")).model_copy(update={"collected_at": when})
    return base.model_copy(update={"documents": read_documents(folder, ITEM_IDS) if folder else None})


def one(rule: Rule, f: DeploymentFacts):
    [finding] = evaluate(f, [rule])
    return finding


def test_sample_folder_passes_all_three(folder: Path) -> None:
    for rule, n in ((MATERIALS, 7), (POLICIES, 8), (EMERGENCY_PLANS, 4)):
        f = one(rule, facts(folder))
        assert f.verdict is Verdict.PASS, f.reason
        assert f"all {n} required item(s) present" in f.reason
        assert f.evidence and all(e.basis is Basis.ATTESTED and not e.observations for e in f.evidence)
        assert all(r["status"] == "present" for r in f.details["items"])


def test_no_documents_folder_is_inconclusive_not_pass() -> None:
    f = one(MATERIALS, facts(None))
    assert f.verdict is Verdict.INCONCLUSIVE and "ihcheck_documents_dir" in f.reason


def test_missing_file_fails_with_its_deadline(folder: Path) -> None:
    (folder / "topology.txt").unlink()
    f = one(MATERIALS, facts(folder))
    assert f.verdict is Verdict.FAIL
    # opened 2026-10-08: the topology is due 30 days later, 2026-11-07, overdue by 16 days on 2026-11-23
    assert "missing 系统部署拓扑图 (System deployment topology diagram), due 2026-11-07 (16 days overdue)" in f.reason
    assert "缺少系统部署拓扑图，应于 2026-11-07 前提交（已逾期 16 天）" in f.reason_zh
    assert any("lists topology.txt, which is not in the folder" in e.statement for e in f.evidence)


def test_mlps_deadline_is_ninety_days_and_reported_before_it_passes(folder: Path) -> None:
    edit(folder, lambda i: i.update(documents=[d for d in i["documents"] if d["items"] != ["mlps-receipt"]]))
    f = one(MATERIALS, facts(folder))
    assert f.verdict is Verdict.FAIL
    assert "missing 信息系统安全等级保护任务告知书(回执)" in f.reason and "due 2027-01-06 (44 days left)" in f.reason


def test_a_valid_certificate_issued_thirteen_months_ago_is_not_expired(folder: Path) -> None:
    # issued 2026-08-15, submitted 2026-10-10: on 2027-09-20 the certificate is 13 months old, its yearly
    # submission still within the year
    f = one(MATERIALS, facts(folder, datetime(2027, 9, 20, tzinfo=UTC)))
    assert f.verdict is Verdict.PASS, f.reason
    row = next(r for r in f.details["items"] if r["item"] == "mlps-certificate")
    assert row["submit_again_by"] == "2027-10-10"


def test_yearly_submission_is_overdue_a_year_after_the_last(folder: Path) -> None:
    f = one(MATERIALS, facts(folder, datetime(2027, 10, 11, tzinfo=UTC)))
    assert f.verdict is Verdict.FAIL
    assert "the yearly submission of 信息系统安全等级保护备案证明 (MLPS filing certificate) is overdue (due again by " \
           "2027-10-10" in f.reason
    assert "信息系统安全等级保护备案证明的年度提交已逾期" in f.reason_zh


def test_yearly_item_without_a_submission_date_is_inconclusive(folder: Path) -> None:
    edit(folder, lambda i: [d.pop("submitted", None) for d in i["documents"]])
    f = one(MATERIALS, facts(folder))
    assert f.verdict is Verdict.INCONCLUSIVE and "does not say when it was last submitted" in f.reason


def test_the_practice_licence_and_the_data_access_certificate_are_required(folder: Path) -> None:
    (folder / "practice-licence.txt").unlink()
    (folder / "data-access-certificate.txt").unlink()
    f = one(MATERIALS, facts(folder))
    assert f.verdict is Verdict.FAIL
    assert "missing 医疗机构执业许可证 (Medical institution practice licence), due 2026-11-07" in f.reason
    assert "missing 广东省互联网医疗服务监管平台数据接入证明" in f.reason


def test_explicit_expiry_is_honoured(folder: Path) -> None:
    edit(folder, lambda i: [d.update(expires="2026-11-01") for d in i["documents"] if "plan-power-loss" in d["items"]])
    f = one(EMERGENCY_PLANS, facts(folder))
    assert f.verdict is Verdict.FAIL
    assert f.reason.count("expired") == 8  # four plans in one file, each "expired … (expired date)"


def test_cooperation_agreement_only_with_a_third_party(folder: Path) -> None:
    (folder / "cooperation-agreement.txt").unlink()
    assert one(MATERIALS, facts(folder)).verdict is Verdict.FAIL
    edit(folder, lambda i: i.update(third_party=False))
    f = one(MATERIALS, facts(folder))
    assert f.verdict is Verdict.PASS
    row = next(r for r in f.details["items"] if r["item"] == "cooperation-agreement")
    assert row["status"] == "not_required"


def test_one_missing_policy_names_it(folder: Path) -> None:
    def drop(index: dict) -> None:  # type: ignore[type-arg]
        next(d for d in index["documents"] if "policy-informed-consent" in d["items"])["items"].remove(
            "policy-informed-consent")

    edit(folder, drop)
    f = one(POLICIES, facts(folder))
    assert f.verdict is Verdict.FAIL and f.reason.startswith("missing 患者知情同意制度 (Patient informed consent)")


def test_hospital_registered_before_the_notice_counts_from_its_publication(folder: Path) -> None:
    edit(folder, lambda i: i.update(opened_on=None, registered_on="2019-01-01"))
    (folder / "application-form.pdf").unlink()
    f = one(MATERIALS, facts(folder))
    assert "due 2020-06-20" in f.reason  # 三(一): 30 days from the notice's publication, 2020-05-21


@pytest.mark.parametrize(("change", "message"), [
    (lambda i: i.pop("third_party"), "materials.yaml: third_party: Field required"),
    (lambda i: i["documents"][0].update(items=["application"]), "documents[0].items: Value error, unknown item"),
    (lambda i: i["documents"][1].update(issued="yesterday"), "documents[1].issued: Input should be a valid date"),
    (lambda i: i["documents"][2].update(file="../etc/passwd"), "documents[2].file: Value error, must be a path inside"),
    (lambda i: i.update(extra=1), "materials.yaml: extra: unknown field"),
])
def test_bad_index_is_one_line_naming_file_and_field(folder: Path, change, message: str) -> None:
    edit(folder, change)
    with pytest.raises(InputError) as caught:
        read_documents(folder, ITEM_IDS)
    text = str(caught.value)
    assert message in text and "\n" not in text and str(folder) in text


def test_folder_without_index_and_unlisted_files(folder: Path, tmp_path: Path) -> None:
    (folder / "stray.pdf").write_bytes(b"%PDF-1.4")
    assert "stray.pdf is not listed in materials.yaml; not considered" in read_documents(folder, ITEM_IDS).notes
    with pytest.raises(InputError, match=r"materials\.yaml: index of the documents folder not found"):
        read_documents(tmp_path, ITEM_IDS)


def test_documents_dir_is_relative_to_the_inventory_and_single(tmp_path: Path) -> None:
    inventory = tmp_path / "inv.yml"
    assert documents_dir(str(inventory), [Path("docs"), None]) == (tmp_path / "docs").resolve()
    with pytest.raises(InputError, match="hosts declare different folders"):
        documents_dir(str(inventory), [Path("a"), Path("b")])
