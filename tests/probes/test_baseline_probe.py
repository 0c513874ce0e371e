"""The baseline probe on real files and a real sshd: this machine's Debian PAM, login.defs and sshd, the RHEL
family's PAM layouts (recorded, tests/data/baseline), and malformed input through the real shell and sshd."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from probes.baseline import FILES, build_facts, collect, files_command
from probes.parse.baseline import pam
from probes.parse.baseline.sections import split_sections
from probes.parse.baseline.sshd import parse_sshd_t
from tests.probes.conftest import local_session

DATA = Path(__file__).resolve().parents[1] / "data" / "baseline"


def _read(folder: Path, mapping: dict[str, str]) -> dict[str, str | None]:
    return {target: (folder / name).read_text() for target, name in mapping.items()}


@pytest.mark.skipif(not Path("/etc/pam.d/common-auth").exists(), reason="needs a Debian/Ubuntu PAM layout")
def test_probe_reads_this_debian_machine_without_problems() -> None:
    session = local_session()
    facts = collect(session)
    assert facts.os_family == "debian" and facts.pam_layout == "debian"
    assert not facts.password_policy.problems and not facts.lockout.problems
    assert facts.login_defs is not None and not facts.login_defs.problems
    assert facts.login_defs.get("PASS_MAX_DAYS") is not None
    assert facts.accounts is not None and [a.name for a in facts.accounts.uid0()] == ["root"]
    assert facts.accounts.shadow_read, "the shadow summary needs root, as the probe runs in CI"
    # no hash ever leaves the host: the summary says empty/locked/set only
    outputs = "".join(o.stdout for o in session.observations)
    assert "$6$" not in outputs and "$y$" not in outputs
    assert len(session.observations) == 4, [o.command[:60] for o in session.observations]
    assert facts.sources["sshd"][0] in {o.id for o in session.observations}


@pytest.mark.skipif(shutil.which("sshd") is None and not Path("/usr/sbin/sshd").exists(), reason="needs openssh-server")
def test_sshd_t_of_the_real_sshd_is_the_effective_config() -> None:
    facts = collect(local_session())
    assert facts.sshd is not None and facts.sshd.source == "sshd -T", facts.sshd
    assert facts.sshd.get("permitrootlogin") is not None and facts.sshd.get("ciphers") is not None


def test_real_sshd_names_the_file_and_line_of_an_unknown_directive(tmp_path: Path) -> None:
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    if not Path(sshd).exists():
        pytest.skip("needs openssh-server")
    config = tmp_path / "sshd_config"
    config.write_text("PermitRootLogin no\nFrobnicate yes\n")
    keys = tmp_path / "hostkey"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys)], check=True)
    done = subprocess.run([sshd, "-T", "-f", str(config), "-h", str(keys)], capture_output=True, text=True, check=False)
    assert done.returncode != 0
    parsed = parse_sshd_t(done.stdout + done.stderr)
    assert [(p.file, p.line) for p in parsed.problems] == [(str(config), 2)], done.stderr


def test_binary_and_invalid_utf8_files_are_reported_not_printed(tmp_path: Path) -> None:
    (tmp_path / "nul.conf").write_bytes(b"PermitRootLogin no\n\x00\x01\x02\n")
    (tmp_path / "latin1.conf").write_bytes("PermitRootLogin no # caf\xe9\n".encode("latin-1"))
    (tmp_path / "ok.conf").write_text("PermitRootLogin no\n")
    paths = [str(tmp_path / n) for n in ("nul.conf", "latin1.conf", "ok.conf", "absent.conf")] + [f"{tmp_path}/*.none"]
    obs = local_session().run(files_command("@@m", paths))
    sections = split_sections(obs.stdout, "@@m")
    assert {Path(k).name: s.status for k, s in sections.items() if k.startswith("/")} == {
        "nul.conf": "binary", "latin1.conf": "binary", "ok.conf": "text", "absent.conf": "missing"}
    assert sections[str(tmp_path / "ok.conf")].body == "PermitRootLogin no\n"


def test_files_command_reads_every_listed_family() -> None:
    listed = " ".join(FILES)
    for path in ("/etc/pam.d/system-auth", "/etc/pam.d/password-auth", "/etc/pam.d/common-auth",
                 "/etc/security/faillock.conf", "/etc/ssh/sshd_config.d/*.conf", "/etc/audit/rules.d/*.rules"):
        assert path in listed


def test_rhel9_authselect_layout() -> None:
    files = _read(DATA / "rhel9-authselect", {"/etc/pam.d/system-auth": "system-auth",
                                              "/etc/pam.d/password-auth": "password-auth"})
    files |= _read(DATA / "centos7", {"/etc/pam.d/sshd": "sshd", "/etc/pam.d/postlogin": "postlogin"})
    stack = pam.resolve_stack("sshd", files)
    assert not stack.problems
    lock = pam.lockout(stack, {"/etc/security/faillock.conf": (DATA / "rhel9-authselect/faillock.conf").read_text()})
    assert lock.module == "pam_faillock.so" and lock.deny is not None and lock.unlock_time is not None
    assert (lock.deny.value, lock.deny.file) == ("3", "pam_faillock default")
    quality = pam.password_quality(pam.resolve_stack("sshd", files),
                                   {"/etc/security/pwquality.conf": (DATA / "rhel9-authselect/pwquality.conf").read_text()})
    assert quality.module == "pam_pwquality.so" and quality.minlen is None and quality.required_classes == 0
    assert quality.where == "/etc/pam.d/password-auth, line 16"


def test_centos7_tally2_and_cracklib_layout() -> None:
    files = _read(DATA / "centos7", {"/etc/pam.d/sshd": "sshd", "/etc/pam.d/password-auth": "password-auth",
                                     "/etc/pam.d/postlogin": "postlogin"})
    stack = pam.resolve_stack("sshd", files)
    assert not stack.problems
    lock = pam.lockout(stack, {})
    assert lock.module == "pam_tally2.so" and lock.deny is not None and lock.unlock_time is not None
    assert (lock.deny.value, lock.unlock_time.value, lock.deny.file) == ("5", "300", "/etc/pam.d/password-auth")
    quality = pam.password_quality(stack, {})
    assert quality.module == "pam_cracklib.so" and quality.minlen is not None and quality.minlen.value == "8"
    assert quality.required_classes == 4


def test_build_facts_needs_the_passwd_section() -> None:
    from checker.errors import ProbeError

    with pytest.raises(ProbeError, match="no /etc/passwd"):
        from datetime import UTC, datetime
        build_facts("garbage", "", (0, "", ""), "none\n", "@@m", {}, datetime.now(UTC))


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs dpkg")
def test_facts_keep_the_packages_a_rule_asks_about_and_judge_as_the_whole_list_did() -> None:
    """The facts keep, of this machine's installed packages, the ones a rule reads and how many were listed; the
    whole list stays in the evidence, and L3-CES1-17 judges the kept ones exactly as it judged the whole list."""
    from checker.catalogue.mlps_judges.intrusion import minimal_installation
    from probes.facts import HostFacts
    from probes.facts.baseline import PACKAGES_ASKED_ABOUT

    session = local_session()
    facts = collect(session)
    listed = subprocess.run(["dpkg-query", "-W", "-f", "${db:Status-Abbrev} ${Package}\\n"], capture_output=True,
                            text=True, check=True).stdout.splitlines()
    every = sorted({line.split()[1] for line in listed if line.startswith("ii")})
    assert facts.packages_listed == len(every) > 100
    assert facts.installed == tuple(p for p in every if p in PACKAGES_ASKED_ABOUT)
    assert any(all(p in o.stdout for p in every[:50]) for o in session.observations)  # the evidence has them all
    for planted in ((), ("telnetd",), ("xinetd", "nis")):  # what the rule sees with the whole list and the kept one
        whole = facts.model_copy(update={"installed": tuple(sorted({*every, *planted}))})
        kept = facts.model_copy(update={"installed": tuple(sorted({*facts.installed, *planted}))})
        judged = [minimal_installation(HostFacts(name="h", address="127.0.0.1", reachable=True, baseline=b), b) for b in (whole, kept)]
        assert judged[0] == judged[1] and judged[0].verdict.value == ("fail" if planted else "pass")
