"""A hospital's registered key signs only that hospital's bundles; a diff never rests silently on an unpinned one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ihcheck.cli import main
from reports.bundle import write_bundle
from reports.keys import SigningKeys
from tests.reports.conftest import make_result

HOSPITAL = "示例互联网医院（样例） Example Internet Hospital (SAMPLE)"


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, SigningKeys, SigningKeys]:
    tmp = tmp_path_factory.mktemp("binding")
    a_keys, b_keys = SigningKeys.generate(), SigningKeys.generate()
    result, inventory = make_result(tmp)  # its documents name HOSPITAL
    a = write_bundle(result, inventory, tmp / "a", keys=a_keys).directory
    forged = write_bundle(result, inventory, tmp / "forged", keys=b_keys).directory  # B's key, names A
    ring = tmp / "ring.txt"
    ring.write_text(f"{HOSPITAL} {' '.join(a_keys.public().fingerprints())}\n"
                    f"乙医院 Hospital B {' '.join(b_keys.public().fingerprints())}\n", encoding="utf-8")
    return a, forged, ring, a_keys, b_keys


def test_fleet_refuses_hospital_bs_key_on_a_bundle_naming_hospital_a(
        two: tuple[Path, Path, Path, SigningKeys, SigningKeys], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    a, forged, ring, _, _ = two
    out = tmp_path / "fleet.csv"
    assert main(["fleet", str(a), str(forged), "--keyring", str(ring), "--format", "csv", "--out", str(out)]) == 1
    rows = out.read_text(encoding="utf-8").splitlines()
    assert "registered to" in rows[2] and "NOT VERIFIED" in rows[2], rows
    assert rows[1].startswith(HOSPITAL.split(" ")[0]) and ",verified," in rows[1]
    assert main(["verify", str(forged), "--keyring", str(ring)]) == 1
    said = " ".join(capsys.readouterr().out.split())
    assert "registered to '乙医院 Hospital B'" in said
    # the rightful bundle alone, bound by the keyring: exit 0
    assert main(["fleet", str(a), "--keyring", str(ring), "--format", "csv", "--out", str(out)]) == 0


def test_fleet_with_a_bare_pubkey_says_the_hospital_is_not_bound(
        two: tuple[Path, Path, Path, SigningKeys, SigningKeys], tmp_path: Path) -> None:
    a, _, _, a_keys, _ = two
    out = tmp_path / "fleet.csv"
    assert main(["fleet", str(a), "--pubkey", ",".join(a_keys.public().fingerprints()), "--format", "csv", "--out",
                 str(out)]) == 2
    assert "not bound" in out.read_text(encoding="utf-8")


def test_diff_of_an_unpinned_bundle_exits_2_and_says_so(two: tuple[Path, Path, Path, SigningKeys, SigningKeys],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    a, _, ring, a_keys, _ = two
    assert main(["diff", str(a), str(a), "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["worse"] is False
    assert "signer not pinned" in captured.err and str(a) in captured.err
    assert main(["diff", str(a), str(a), "--keyring", str(ring), "--format", "json"]) == 0
    assert main(["diff", str(a), str(a), "--pubkey", ",".join(a_keys.public().fingerprints()), "--format", "json"]) == 0
