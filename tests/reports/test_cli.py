"""The evidence commands end to end: keys new, check --bundle --sign-key --waivers, verify, report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ihcheck.cli import main
from tests.reports.conftest import EXAMPLE_DOCS


def test_check_bundle_verify_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keys = tmp_path / "keys"
    assert main(["keys", "new", "--out", str(keys)]) == 0
    prints = capsys.readouterr().out.split()
    assert prints[0].startswith("ed25519:SHA256:") and prints[1].startswith("sm2:SM3:")
    assert main(["keys", "new", "--out", str(keys)]) == 65  # never overwrites a key silently

    inventory = tmp_path / "inv.yml"
    inventory.write_text(f"all:\n  vars:\n    ihcheck_documents_dir: {EXAMPLE_DOCS}\n  hosts:\n    localhost:\n"
                         "      ansible_connection: local\n      ansible_password: NotForTheRegulator9\n")
    waivers = tmp_path / "waivers.yml"
    waivers.write_text("- rule: GD2020-1.2.3-servers\n  justification: second server on order\n  owner: IT\n"
                       "  ticket: OPS-1\n  expires: 2999-01-01\n"
                       "- rule: GD2020-9.9-unknown\n  justification: x\n  owner: IT\n  ticket: OPS-2\n"
                       "  expires: 2999-01-01\n")
    bundle = tmp_path / "evidence"
    code = main(["check", "-i", str(inventory), "--rule", "GD2020-1.2.3-servers", "--rule", "GD2020-2.2-materials",
                 "--bundle", str(bundle), "--sign-key", str(keys), "--waivers", str(waivers)])
    captured = capsys.readouterr()
    assert "unknown rule 'GD2020-9.9-unknown'" in captured.err
    assert code == 0  # the only failure (one server) is waived; the materials pass
    assert (tmp_path / "evidence.tar.gz").is_file()
    findings = json.loads((bundle / "findings.json").read_text())
    servers = next(f for f in findings if f["rule_id"] == "GD2020-1.2.3-servers")
    assert servers["verdict"] == "fail" and servers["waiver"]["ticket"] == "OPS-1"
    assert b"NotForTheRegulator9" not in (tmp_path / "evidence.tar.gz").read_bytes()

    assert main(["verify", str(bundle), "--pubkey", str(keys)]) == 0
    assert main(["verify", str(tmp_path / "evidence.tar.gz"), "--pubkey", " ".join(prints)]) == 0
    other = tmp_path / "other"
    assert main(["keys", "new", "--out", str(other)]) == 0
    capsys.readouterr()
    assert main(["verify", str(bundle), "--pubkey", str(other)]) == 1
    assert "signed with another key" in capsys.readouterr().out

    for fmt in ("html", "json", "junit", "sarif", "pdf"):
        out = tmp_path / f"report.{fmt}"
        assert main(["report", str(bundle), "--format", fmt, "--out", str(out), "--pubkey", str(keys)]) == 0
        assert out.stat().st_size > 1000

    (bundle / "waivers.json").write_text('{"waivers": []}\n')  # hide the waiver trail
    assert main(["verify", str(bundle)]) == 1
    said = capsys.readouterr().out
    assert "NOT VERIFIED" in said and "waivers.json" in said and "altered" in said
    assert main(["report", str(bundle), "--format", "json"]) == 1  # refused


def test_verify_bad_input_is_65(tmp_path: Path) -> None:
    assert main(["verify", str(tmp_path / "missing")]) == 65
    (tmp_path / "x.tar.gz").write_bytes(b"not a tarball")
    assert main(["verify", str(tmp_path / "x.tar.gz")]) == 65
    assert main(["verify", str(tmp_path), "--pubkey", "md5:abc"]) == 65


def test_bundle_without_sign_key_is_ephemeral_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inventory = tmp_path / "inv.yml"
    inventory.write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n")
    main(["check", "-i", str(inventory), "--rule", "GD2020-1.2.3-servers", "--bundle", str(tmp_path / "b")])
    assert "throw-away key" in capsys.readouterr().err
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["signer"]["ephemeral"] is True
    assert main(["verify", str(tmp_path / "b")]) == 2  # intact, but nobody pinned (or could pin) its signer
    assert "ephemeral key" in capsys.readouterr().err
