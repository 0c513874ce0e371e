"""Every output of a check is validated before any host is contacted; several reports in one run;
the demo's folder is replaced, never a stranger's."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.errors import InputError
from ihcheck.cli import main
from ihcheck.outputs import DEMO_MARKER, prepare_demo_dir
from reports.keys import SigningKeys

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def watched_host(tmp_path: Path) -> Iterator[tuple[Path, socket.socket]]:
    """An inventory whose one host is a listening socket on loopback: any contact shows as a connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(f"all:\n  hosts:\n    db1:\n      ansible_host: 127.0.0.1\n"
                         f"      ansible_port: {listener.getsockname()[1]}\n", encoding="utf-8")
    yield inventory, listener
    listener.close()


def _contacted(listener: socket.socket) -> bool:
    try:
        listener.accept()[0].close()
    except BlockingIOError:
        return False
    return True


@pytest.mark.parametrize("case", ["bundle-not-empty", "bundle-tarball-exists", "missing-sign-key", "bad-report-format",
                                  "report-dir-missing", "report-twice", "out-is-a-directory",
                                  "help-uri-not-http", "help-uri-with-fragment"])
def test_a_bad_output_is_refused_before_any_host_is_contacted(case: str, watched_host: tuple[Path, socket.socket],
                                                               tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                               ) -> None:
    inventory, listener = watched_host
    existing = tmp_path / "evidence"
    existing.mkdir()
    (existing / "manifest.json").write_text("{}")
    args = {
        "bundle-not-empty": ["--bundle", str(existing)],
        "bundle-tarball-exists": ["--bundle", str(tmp_path / "new")],
        "missing-sign-key": ["--bundle", str(tmp_path / "b"), "--sign-key", str(tmp_path / "no-keys")],
        "bad-report-format": ["--report", f"docx:{tmp_path / 'r.docx'}"],
        "report-dir-missing": ["--report", f"html:{tmp_path / 'missing' / 'r.html'}"],
        "report-twice": ["--report", f"html:{tmp_path / 'r'}", "--report", f"sarif:{tmp_path / 'r'}"],
        "out-is-a-directory": ["--out", str(existing)],
        "help-uri-not-http": ["--report", f"sarif:{tmp_path / 'r'}", "--sarif-help-uri", "file:///etc/passwd"],
        "help-uri-with-fragment": ["--report", f"sarif:{tmp_path / 'r'}", "--sarif-help-uri", "https://x.example/#a"],
    }[case]
    (tmp_path / "new.tar.gz").write_bytes(b"")
    started = time.monotonic()
    code = main(["check", "-i", str(inventory), *args])
    elapsed = time.monotonic() - started
    message = capsys.readouterr().err
    assert code == 65, message
    assert elapsed < 2.0, elapsed
    assert not _contacted(listener), "a host was contacted before the outputs were validated"
    assert len(message.strip().splitlines()) == 1 and message.startswith("ihcheck: error: --"), message


def test_several_reports_in_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import xmlschema

    out = {fmt: tmp_path / f"report.{ext}" for fmt, ext in
           (("html", "html"), ("sarif", "sarif"), ("junit", "xml"), ("json", "json"), ("oscal", "oscal.json"))}
    published = "https://git.hospital.example/it/ihcheck/-/blob/main/README.md"  # where the hospital keeps it
    code = main(["check", "-i", str(ROOT / "inventories" / "localhost.yml"), "--rule", "GD2020-1.2.3-servers",
                 *[a for fmt, path in out.items() for a in ("--report", f"{fmt}:{path}")],
                 "--sarif-help-uri", published])
    assert code == 1, capsys.readouterr().err  # one machine: fewer than two servers
    assert "<html" in out["html"].read_text()
    sarif = json.loads(out["sarif"].read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "GD2020-1.2.3-servers"
    assert sarif["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] == f"{published}#gd2020-1.2.3-servers"
    xmlschema.XMLSchema(str(ROOT / "reports" / "schemas" / "junit-10.xsd")).validate(out["junit"].read_text())
    assert json.loads(out["json"].read_text())["summary"]["rules"] == {"GD2020-1.2.3-servers": "fail"}
    assert "assessment-results" in json.loads(out["oscal"].read_text())
    assert (tmp_path / "ihcheck-catalog.json").is_file()


def test_the_demo_folder_is_replaced_and_a_strangers_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ihcheck-demo"
    prepare_demo_dir(folder)
    (folder / "bundle").mkdir()
    (folder / "bundle" / "manifest.json").write_text("{}")
    prepare_demo_dir(folder)  # a second run: the earlier demo's output goes
    assert sorted(p.name for p in folder.iterdir()) == [DEMO_MARKER]
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.txt").write_text("keep me")
    with pytest.raises(InputError, match="not made by `ihcheck demo`"):
        prepare_demo_dir(mine)
    assert (mine / "thesis.txt").read_text() == "keep me"


def test_sign_key_is_loaded_before_the_check(tmp_path: Path) -> None:
    keys = SigningKeys.generate()
    keys.write(tmp_path / "keys")
    (tmp_path / "keys" / "sm2.key").write_text("not a key")
    with pytest.raises(InputError, match=r"--sign-key .*sm2\.key"):
        from ihcheck.outputs import validate_outputs

        validate_outputs(out_file=None, reports=None, bundle=tmp_path / "b", sign_key=tmp_path / "keys")


def test_demo_refuses_an_unknown_rule_before_anything_boots(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    started = time.monotonic()
    assert main(["demo", "--out-dir", str(tmp_path / "d"), "--rule", "GD2020-9-nope"]) == 65
    assert time.monotonic() - started < 2.0  # nothing was built or booted
    assert "--rule: unknown rule id 'GD2020-9-nope'" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()
